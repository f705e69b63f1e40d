/**
 * Pose track editing on a 20,000-frame track (issue 4: "editing stays smooth on a 20,000-frame
 * track"): a detected-like track (17 joints, stored as detection commits it, chunks of 256
 * frames) is copied into an edit run, then 200 edits of the kinds an annotator makes are applied
 * (each one transaction: affected chunks + provenance + history row), then all undone, then all
 * redone. Prints p50/p95/max per operation and per kind, and the reads the editor's UI makes
 * (provenance bytes for the timeline, the problems finder) on the whole track.
 *   npx tsx bench/edit-20k.ts
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/main/db/connection';
import * as posesDb from '../src/main/db/poses';
import { insertVideo } from '../src/main/db/videos';
import {
  applyEdit,
  openEditRun,
  redoEdit,
  runProblems,
  trackProvenance,
  undoEdit,
} from '../src/main/editing/service';
import type { EditSpec } from '../src/shared/editing';
import { rng, summary, WORK_DIR } from './common';

const N = 20_000;
const K = 17;
const FPS = 30;
mkdirSync(WORK_DIR, { recursive: true });
const path = join(WORK_DIR, 'edit-20k.kinema');
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
const db = openDatabase(path, { create: true });
const videoId = insertVideo(
  db,
  {
    path: '/bench.mp4',
    sizeBytes: 1,
    mtimeMs: 0,
    formatName: 'mov',
    startTimeS: 0,
    durationS: N / FPS,
    codec: 'h264',
    width: 1920,
    height: 1080,
    fpsNum: FPS,
    fpsDen: 1,
    fps: FPS,
    declaredFrames: N,
    hasAudio: false,
    rotation: 0,
  },
  { frameTimes: Float64Array.from({ length: N }, (_, i) => i / FPS), keyframes: new Uint32Array([0]) },
);

// A runner crossing the frame, with a little noise; left joints 30 px from their right partner.
const random = rng(4);
const frames = Int32Array.from({ length: N }, (_, i) => i);
const keypoints = new Float32Array(N * K * 3);
const boxes = new Float32Array(N * 4);
const scores = new Float32Array(N);
for (let f = 0; f < N; f++) {
  const cx = 200 + ((f * 3) % 1500);
  for (let j = 0; j < K; j++) {
    const o = (f * K + j) * 3;
    keypoints[o] = cx + (j % 2 ? 15 : -15) + random() * 2;
    keypoints[o + 1] = 200 + j * 35 + random() * 2;
    keypoints[o + 2] = 0.4 + random() * 0.6;
  }
  boxes.set([cx - 80, 180, 160, 600], f * 4);
  scores[f] = 0.8;
}
const runId = posesDb.createRun(db, { videoId, skeletonId: 'coco17', source: 'model', model: 'bench' });
posesDb.ensureTrack(db, runId, 0, 'person');
for (let s = 0; s < N; s += 256) {
  const e = Math.min(N, s + 256);
  db.transaction(() =>
    posesDb.appendPoseChunk(db, runId, 0, {
      frames: frames.subarray(s, e),
      keypoints: keypoints.subarray(s * K * 3, e * K * 3),
      boxes: boxes.subarray(s * 4, e * 4),
      scores: scores.subarray(s, e),
    }),
  )();
}

let t0 = performance.now();
const { run } = openEditRun(db, runId);
const openMs = performance.now() - t0;
const editRun = run.id;

/** 200 edits: mostly keypoint moves, then the range operations an annotator reaches for. */
function edits(): EditSpec[] {
  const r = rng(7);
  const frame = () => Math.floor(r() * (N - 400)) + 200;
  const out: EditSpec[] = [];
  for (let n = 0; out.length < 200; n++) {
    const f = frame();
    const kind = n % 10;
    if (kind < 5)
      out.push({ action: 'moveKeypoint', trackId: 0, frame: f, joint: n % K, x: 500 + n, y: 300 + n });
    else if (kind === 5)
      out.push({ action: 'setVisibility', trackId: 0, frame: f, joints: [9, 10], visibility: 'occluded' });
    else if (kind === 6) out.push({ action: 'swapLeftRight', trackId: 0, inFrame: f, outFrame: f + 30 });
    else if (kind === 7)
      // Two keyframes, then a smooth interpolation between them (three edits).
      out.push(
        { action: 'setKeyframe', trackId: 0, frame: f, keyframe: true },
        { action: 'setKeyframe', trackId: 0, frame: f + 40, keyframe: true },
        { action: 'interpolate', trackId: 0, inFrame: f, outFrame: f + 41, method: 'smooth' },
      );
    else if (kind === 8)
      out.push(
        { action: 'deleteRange', trackId: 0, inFrame: f, outFrame: f + 5 },
        { action: 'fillGap', trackId: 0, frame: f + 2, method: 'linear' },
      );
    else
      out.push({
        action: 'filterRange',
        trackId: 0,
        inFrame: f,
        outFrame: f + 60,
        filter: 'butterworth',
        keepHuman: true,
      });
  }
  return out.slice(0, 200);
}

const list = edits();
const applyMs: number[] = [];
const byKind = new Map<string, number[]>();
let recorded = 0;
for (const spec of list) {
  t0 = performance.now();
  const outcome = applyEdit(db, editRun, spec);
  const ms = performance.now() - t0;
  applyMs.push(ms);
  if (outcome.entry) recorded++;
  byKind.set(spec.action, [...(byKind.get(spec.action) ?? []), ms]);
}
const undoMs: number[] = [];
for (let i = 0; i < recorded; i++) {
  t0 = performance.now();
  undoEdit(db, editRun);
  undoMs.push(performance.now() - t0);
}
// Back to the copy, exactly.
const same = (a: number, b: number) => {
  const x = posesDb.loadRunTracks(db, a).tracks[0];
  const y = posesDb.loadRunTracks(db, b).tracks[0];
  return Buffer.compare(Buffer.from(x.keypoints.buffer), Buffer.from(y.keypoints.buffer)) === 0;
};
if (!same(runId, editRun)) throw new Error('undoing every edit did not give the copy back');
const redoMs: number[] = [];
for (let i = 0; i < recorded; i++) {
  t0 = performance.now();
  redoEdit(db, editRun);
  redoMs.push(performance.now() - t0);
}

const timed = (fn: () => unknown, times = 5) => {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return summary(ms);
};
const historyBytes = (
  db.prepare('SELECT sum(length(patches)) AS b FROM pose_edits WHERE run_id = ?').get(editRun) as {
    b: number;
  }
).b;

console.log(
  `\nEditing one track of ${N.toLocaleString()} frames × ${K} joints (source stored in chunks of 256)`,
);
console.log(`open an editable copy: ${openMs.toFixed(1)} ms`);
console.log(`apply (${list.length} edits, ${recorded} recorded): ${summary(applyMs)}`);
console.log(`undo: ${summary(undoMs)}`);
console.log(`redo: ${summary(redoMs)}`);
for (const [kind, ms] of byKind) console.log(`  apply ${kind.padEnd(14)} ${summary(ms)}`);
console.log(`history: ${recorded} entries, ${(historyBytes / 1024).toFixed(0)} KiB of patches`);
console.log(`provenance of the whole track (timeline): ${timed(() => trackProvenance(db, editRun, 0))}`);
console.log(`problems of the whole track: ${timed(() => runProblems(db, editRun))}`);
db.close();
