/**
 * Pose storage: store a one-hour, 30 fps, single-person track (108,000 frames, 17 joints) the way
 * detection commits it (chunks of 256 frames, one transaction each) and time loading it back.
 *   npx tsx bench/poses.ts
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/main/db/connection';
import * as posesDb from '../src/main/db/poses';
import { insertVideo } from '../src/main/db/videos';
import { WORK_DIR } from './common';

mkdirSync(WORK_DIR, { recursive: true });
const path = join(WORK_DIR, 'poses-bench.kinema');
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
const N = 108_000;
const K = 17;
const db = openDatabase(path, { create: true });
const videoId = insertVideo(
  db,
  {
    path: '/bench.mp4',
    sizeBytes: 1,
    mtimeMs: 0,
    formatName: 'mov',
    startTimeS: 0,
    durationS: N / 30,
    codec: 'h264',
    width: 1920,
    height: 1080,
    fpsNum: 30,
    fpsDen: 1,
    fps: 30,
    declaredFrames: N,
    hasAudio: false,
    rotation: 0,
  },
  { frameTimes: Float64Array.from({ length: N }, (_, i) => i / 30), keyframes: new Uint32Array([0]) },
);

const frames = Int32Array.from({ length: N }, (_, i) => i);
const keypoints = new Float32Array(N * K * 3);
for (let i = 0; i < keypoints.length; i += 3) {
  keypoints[i] = 500 + Math.sin(i) * 300;
  keypoints[i + 1] = 400 + Math.cos(i) * 200;
  keypoints[i + 2] = (i % 100) / 100;
}
const boxes = Float32Array.from({ length: N * 4 }, (_, i) => 100 + (i % 400));
const scores = Float32Array.from({ length: N }, (_, i) => (i % 90) / 100);

let t0 = performance.now();
const runId = posesDb.createRun(db, { videoId, skeletonId: 'coco17', source: 'model', model: 'bench' });
posesDb.ensureTrack(db, runId, 0);
const CHUNK = 256;
for (let s = 0; s < N; s += CHUNK) {
  const e = Math.min(N, s + CHUNK);
  db.transaction(() =>
    posesDb.appendPoseChunk(db, runId, 0, {
      frames: frames.subarray(s, e),
      keypoints: keypoints.subarray(s * K * 3, e * K * 3),
      boxes: boxes.subarray(s * 4, e * 4),
      scores: scores.subarray(s, e),
    }),
  )();
}
const storeMs = performance.now() - t0;
db.close();

// Load from a freshly opened project, as the app does when a video is selected.
const times: number[] = [];
let loaded = 0;
for (let i = 0; i < 5; i++) {
  const again = openDatabase(path);
  t0 = performance.now();
  const set = posesDb.loadRunPoseSet(again, runId);
  times.push(performance.now() - t0);
  loaded = set.tracks[0].frames.length;
  if (i === 0 && (set.tracks[0].keypoints[12345] !== keypoints[12345] || loaded !== N))
    throw new Error('loaded data differs');
  again.close();
}
const chunks = Math.ceil(N / CHUNK);
console.log(
  `\nPose storage, one track of ${N.toLocaleString()} frames × ${K} joints (${chunks} commits of ${CHUNK})`,
);
console.log(`store: ${storeMs.toFixed(0)} ms`);
console.log(
  `load as PoseSet: first ${times[0].toFixed(1)} ms, best ${Math.min(...times).toFixed(1)} ms (goal < 300 ms; ${loaded} frames)`,
);
