/**
 * The lift and render-3d jobs end to end, in-process: a generated video of the synthetic side-view
 * walker with its exact 2D poses stored as a run, main's checks (analysis/lift.ts), then the job
 * runners with a context that applies their commits to the project database as the queue does.
 * Checks what a user would: a stored 3D series with NaN rows at the gap, human bone lengths that
 * hold over time, the root moving the way the walker walks; bad input refused with a message and
 * nothing stored; a project lifter (ONNX bytes in trained_models) gives the shipped lifter's
 * output; every export format written and read back (BVH through our reader + FK); the MP4 render
 * probed with ffprobe, one frame saved as test-results/lift-render-frame.png.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportLift,
  listLiftSeries,
  loadLift,
  prepareLift,
  prepareRender3d,
  type LiftRequest,
} from '../../../src/main/analysis/lift';
import { openDatabase, type Db } from '../../../src/main/db/connection';
import * as posesDb from '../../../src/main/db/poses';
import * as seriesDb from '../../../src/main/db/series';
import { insertVideo } from '../../../src/main/db/videos';
import { readNpy, readNpz } from '../../../src/main/formats/npy';
import { readTrc } from '../../../src/main/formats/mocap/trc';
import { listLifters } from '../../../src/main/inference/models';
import { runLift, type LiftJobParams, type LiftJobResult } from '../../../src/main/jobs/kinds/lift';
import {
  runRender3d,
  type Render3dParams,
  type Render3dResult,
} from '../../../src/main/jobs/kinds/render-3d';
import type { CommitOp, JobContext, ProgressUpdate } from '../../../src/main/jobs/protocol';
import { boneLengthStats } from '../../../src/main/lifting/core';
import { ffmpegPaths } from '../../../src/main/media/ffmpeg';
import { indexFrames, probeVideo } from '../../../src/main/media/probe';
import { bvhForwardKinematics, parseBvh } from '../../../src/shared/mocap/bvh';
import { buildTrack, type PoseRow } from '../../../src/shared/pose';
import { H36M17_JOINTS } from '../../../src/shared/skeletons/h36m17';
import { ffprobeFrameCount, ffprobeJson, tempDir } from '../../helpers/media';
import { walker, walkerRows } from '../../helpers/walker';
import { makeWalkerVideo } from '../../helpers/walker-video';

const tmp = tempDir('lift-job-');
const shots = join(process.cwd(), 'test-results');
let db: Db;
let runId = 0;
const FRAMES = 90;
const FPS = 30;
/** Frames 40-44 have no pose in track 0. */
const GAP = [40, 41, 42, 43, 44];

function withNaN(row: PoseRow, joints: number[] | 'all'): PoseRow {
  const kp = Float32Array.from(row.keypoints);
  for (let j = 0; j < 17; j++) if (joints === 'all' || joints.includes(j)) kp.set([NaN, NaN, NaN], j * 3);
  return { ...row, keypoints: kp };
}

beforeAll(async () => {
  const { path, rows } = makeWalkerVideo(
    join(tmp.dir, 'walk.mp4'),
    walkerRows(walker(1.1), { frames: FRAMES, fps: FPS }),
  );
  db = openDatabase(join(tmp.dir, 'lift.kinema'), { create: true });
  const probe = await probeVideo(path);
  insertVideo(db, probe, await indexFrames(probe));
  const tracks = [
    buildTrack(
      0,
      'coco17',
      rows.filter((r) => !GAP.includes(r.frame)),
    ),
    // Shorter than the lifter's receptive field (27).
    buildTrack(
      1,
      'coco17',
      rows.slice(10, 20).map((r) => ({ ...r })),
    ),
    // NaN keypoints: the left arm NaN in every frame, and frames 5-7 wholly NaN.
    buildTrack(
      2,
      'coco17',
      rows.slice(0, 40).map((r) => withNaN(r, r.frame >= 5 && r.frame <= 7 ? 'all' : [7, 9])),
    ),
    // Nothing usable at all.
    buildTrack(
      3,
      'coco17',
      rows.slice(0, 30).map((r) => withNaN(r, 'all')),
    ),
  ];
  runId = posesDb.storePoseSet(
    db,
    1,
    { video: { width: 640, height: 360, fps: FPS }, tracks, provenance: { model: 'synthetic', params: {} } },
    { source: 'import', model: 'synthetic', params: {} },
  );
  mkdirSync(shots, { recursive: true });
}, 60_000);
afterAll(() => {
  db?.close();
  tmp.cleanup();
});

function context<P, C>(params: P, jobId = 1) {
  const progress: ProgressUpdate[] = [];
  const ctx: JobContext<P, C> = {
    jobId,
    params: JSON.parse(JSON.stringify(params)) as P,
    checkpoint: null,
    signal: new AbortController().signal,
    cacheDir: join(tmp.dir, 'cache'),
    progress: (u) => progress.push(u),
    commit: <T>(op: CommitOp): Promise<T> => {
      if (op.op === 'saveSeries') {
        const { op: _op, videoId: _v, ...s } = op;
        return Promise.resolve(seriesDb.saveSeries(db, s) as T);
      }
      throw new Error(`unexpected commit ${op.op}`);
    },
  };
  return { ctx, progress };
}

async function lift(request: LiftRequest): Promise<LiftJobResult> {
  const { params } = prepareLift(db, request, join(tmp.dir, 'cache'));
  return runLift(context<LiftJobParams, null>(params).ctx);
}

const seriesCount = () => seriesDb.listSeries(db).length;

describe('lift job', () => {
  let main: LiftJobResult;
  it('stores frames × 17 × 3 metres with NaN rows at the gap, human bone lengths and a root trail', async () => {
    main = await lift({ runId, trackId: 0 });
    expect(main).toMatchObject({
      firstFrame: 0,
      frameCount: FRAMES,
      posedFrames: FRAMES - GAP.length,
      receptiveField: 27,
      padded: false,
    });
    const l = loadLift(db, main.seriesId);
    expect(l.series).toMatchObject({
      kind: 'joints3d',
      skeletonId: 'h36m17',
      width: 51,
      source: 'lifter-tcn27',
      lifter: 'lifter-tcn27',
      rootSeriesId: main.rootSeriesId,
    });
    expect(l.series.params).toMatchObject({ lifter: 'lifter-tcn27', receptiveField: 27, flip: true });
    for (let t = 0; t < FRAMES; t++) {
      const row = l.joints.subarray(t * 51, (t + 1) * 51);
      if (GAP.includes(t))
        expect(
          row.every((v) => Number.isNaN(v)),
          `frame ${t}`,
        ).toBe(true);
      else {
        expect(
          row.every((v) => Number.isFinite(v)),
          `frame ${t}`,
        ).toBe(true);
        expect(Math.hypot(row[0], row[1], row[2])).toBeLessThan(1e-5);
      }
    }
    // Bone lengths: a human femur and shin, steady over time.
    const bones = boneLengthStats(l.joints);
    const femur = bones.find((b) => b.bone === 'left_hip-left_knee')!;
    expect(femur.medianM).toBeGreaterThan(0.3);
    expect(femur.medianM).toBeLessThan(0.6);
    for (const b of bones) expect(b.cv, b.bone).toBeLessThan(0.2);
    // The walker walks right: the root's x grows, its depth stays positive.
    const root = l.root!;
    expect(root.length).toBe(FRAMES * 3);
    expect(root[(FRAMES - 1) * 3] - root[0]).toBeGreaterThan(0.5);
    expect(root[2]).toBeGreaterThan(1);
    expect(Number.isNaN(root[GAP[0] * 3])).toBe(true);
    expect(listLiftSeries(db, 1).map((s) => s.id)).toEqual([main.seriesId]);
    // Lifting again replaces the series instead of adding one.
    const before = seriesCount();
    await lift({ runId, trackId: 0 });
    expect(seriesCount()).toBe(before);
  }, 60_000);

  it('lifts a track shorter than the receptive field with edge padding', async () => {
    const r = await lift({ runId, trackId: 1 });
    expect(r).toMatchObject({ firstFrame: 10, frameCount: 10, padded: true, receptiveField: 27 });
    const l = loadLift(db, r.seriesId);
    expect(l.joints.every((v) => Number.isFinite(v))).toBe(true);
    expect(l.series.params.padded).toBe(true);
  }, 60_000);

  it('treats NaN keypoints as missing: finite joints where anything was seen, NaN rows where nothing was', async () => {
    const r = await lift({ runId, trackId: 2 });
    const l = loadLift(db, r.seriesId);
    expect(r.frameCount).toBe(40);
    for (let t = 0; t < 40; t++) {
      const row = l.joints.subarray(t * 51, (t + 1) * 51);
      expect(
        row.every((v) => (t >= 5 && t <= 7 ? Number.isNaN(v) : Number.isFinite(v))),
        `frame ${t}`,
      ).toBe(true);
    }
  }, 60_000);

  it('refuses bad input with a clear message and stores nothing', () => {
    const before = seriesCount();
    const cache = join(tmp.dir, 'cache');
    expect(() => prepareLift(db, { runId, trackId: 3 }, cache)).toThrow(
      /Track 3 of run \d+ has no keypoint scoring at least 0\.3 \(NaN keypoints count as missing\): nothing to lift\./,
    );
    expect(() => prepareLift(db, { runId, trackId: 7 }, cache)).toThrow(
      /Run \d+ has no track 7 \(tracks: 0, 1, 2, 3\)/,
    );
    expect(() => prepareLift(db, { runId: 99 }, cache)).toThrow(/Pose run 99 does not exist/);
    expect(() => prepareLift(db, { runId, trackId: 1, inFrame: 50, outFrame: 60 }, cache)).toThrow(
      /Track 1 of run \d+ has no poses in frames 50–59: nothing to lift\./,
    );
    expect(() => prepareLift(db, { runId, lifter: 'nope' }, cache)).toThrow(
      /No lifter named "nope" \(there are: lifter-tcn27/,
    );
    expect(seriesCount()).toBe(before);
  });

  it('runs a project lifter from its ONNX bytes and gives the shipped lifter’s output; refuses a non-lifter', async () => {
    const shipped = listLifters().find((l) => l.id === 'lifter-tcn27')!;
    seriesDb.saveTrainedModel(db, {
      family: 'lifter',
      name: 'mine',
      onnx: new Uint8Array(readFileSync(shipped.path)),
    });
    const r = await lift({ runId, trackId: 0, lifter: 'mine', inFrame: 0, outFrame: 60 });
    const mine = loadLift(db, r.seriesId);
    expect(mine.series.source).toBe('lifter:mine');
    expect(mine.series.modelId).not.toBeNull();
    const ref = await lift({ runId, trackId: 0, inFrame: 0, outFrame: 60 });
    const theirs = loadLift(db, ref.seriesId);
    expect(mine.joints.length).toBe(60 * 51);
    let maxDiff = 0;
    mine.joints.forEach((v, i) => {
      if (Number.isFinite(v)) maxDiff = Math.max(maxDiff, Math.abs(v - theirs.joints[i]));
    });
    expect(maxDiff).toBeLessThan(1e-5);
    // A 'lifter' whose bytes are some other model's.
    seriesDb.saveTrainedModel(db, { family: 'lifter', name: 'broken', onnx: new Uint8Array([8, 7, 18, 0]) });
    expect(() => prepareLift(db, { runId, lifter: 'broken' }, join(tmp.dir, 'cache'))).toThrow(
      /Lifter "broken" is not/,
    );
  }, 60_000);
});

describe('exports and render', () => {
  let seriesId = 0;
  beforeAll(() => {
    seriesId = listLiftSeries(db, 1).find(
      (s) => s.trackId === 0 && s.frameCount === FRAMES && s.source === 'lifter-tcn27',
    )!.id;
  });

  it('writes npz / npy / csv / trc that read back to the stored joints', () => {
    const l = loadLift(db, seriesId);
    const npz = exportLift(db, { seriesId, format: 'npz', path: join(tmp.dir, 'w.npz') });
    expect(npz.frames).toBe(FRAMES);
    const members = readNpz(readFileSync(npz.path), 'w.npz');
    expect([...members.keys()].sort()).toEqual(['frames', 'positions_3d']);
    const pos = readNpy(members.get('positions_3d')!, 'positions_3d');
    expect(pos.shape).toEqual([FRAMES, 17, 3]);
    const npy = readNpy(
      readFileSync(exportLift(db, { seriesId, format: 'npy', path: join(tmp.dir, 'w.npy') }).path),
      'w.npy',
    );
    expect(Array.from((npy as { data: Float32Array }).data.subarray(0, 51))).toEqual(
      Array.from(l.joints.subarray(0, 51)),
    );
    const csv = readFileSync(
      exportLift(db, { seriesId, format: 'csv', path: join(tmp.dir, 'w.csv') }).path,
      'utf8',
    )
      .trim()
      .split('\n');
    expect(csv).toHaveLength(FRAMES + 1);
    expect(csv[1 + GAP[0]]).toBe(`${GAP[0]}${','.repeat(51)}`); // a frame without a pose: empty cells
    const trc = readTrc(exportLift(db, { seriesId, format: 'trc', path: join(tmp.dir, 'w.trc') }).path);
    expect(trc.markers).toHaveLength(17);
    expect(trc.rate).toBe(FPS);
    // Frame 10, left knee: y up = −(camera y + root y).
    const j = 5;
    expect(trc.positions[(10 * 17 + j) * 3 + 1]).toBeCloseTo(
      -(l.joints[10 * 51 + j * 3 + 1] + l.root![10 * 3 + 1]),
      5,
    );
    expect(Number.isNaN(trc.positions[GAP[0] * 17 * 3])).toBe(true);
    expect(() => exportLift(db, { seriesId, format: 'bvh', path: join(tmp.dir, 'w.csv') })).toThrow(
      /must end in \.bvh/,
    );
    expect(() => exportLift(db, { seriesId: l.series.rootSeriesId!, format: 'csv' })).toThrow(
      /not lifted 3D joints \(joints3d, a root trajectory\)/,
    );
  });

  it('writes a BVH that our reader + FK turns back into the lifted positions', () => {
    const l = loadLift(db, seriesId);
    const path = exportLift(db, { seriesId, format: 'bvh', path: join(tmp.dir, 'w.bvh') }).path;
    const bvh = parseBvh(readFileSync(path, 'utf8'));
    expect(bvh.joints.map((j) => j.name)).toEqual([...H36M17_JOINTS]);
    expect(bvh.frameCount).toBe(FRAMES);
    expect(bvh.rate).toBeCloseTo(FPS, 3);
    const fk = bvhForwardKinematics(bvh);
    let sum = 0;
    let n = 0;
    let max = 0;
    for (let t = 0; t < FRAMES; t++) {
      if (GAP.includes(t)) continue;
      for (let j = 0; j < 17; j++) {
        const o = t * 51 + j * 3;
        const want = [
          l.joints[o] + l.root![t * 3],
          -(l.joints[o + 1] + l.root![t * 3 + 1]),
          -(l.joints[o + 2] + l.root![t * 3 + 2]),
        ];
        const got = [0, 1, 2].map((a) => fk.positions[(t * 17 + j) * 3 + a] / 100);
        const e = Math.hypot(got[0] - want[0], got[1] - want[1], got[2] - want[2]);
        sum += e;
        n++;
        max = Math.max(max, e);
      }
    }
    const mean = sum / n;
    console.log(
      `BVH round trip of the lifted walker: mean ${(mean * 1000).toFixed(1)} mm, max ${(max * 1000).toFixed(1)} mm`,
    );
    // Bones vary a few % around their median length; positions follow within a few centimetres.
    expect(mean).toBeLessThan(0.03);
    expect(max).toBeLessThan(0.12);
  });

  it('renders the video with the 3D skeleton beside it: frame count, duration and size as asked', async () => {
    const out = join(tmp.dir, 'walk 3d.mp4');
    const { params } = prepareRender3d(db, {
      seriesId,
      outPath: out,
      inFrame: 20,
      outFrame: 80,
      height: 240,
    });
    const r = await runRender3d(
      context<Render3dParams, never>(params).ctx as JobContext<Render3dParams, never>,
    );
    expect(r as Render3dResult).toEqual({ outPath: out, frames: 60, width: 426 + 240, height: 240 });
    expect(ffprobeFrameCount(out)).toBe(60);
    const probe = ffprobeJson(out);
    const v = probe.streams.find((s) => s.codec_type === 'video')!;
    expect([v.width, v.height]).toEqual([666, 240]);
    expect(Number(probe.format.duration)).toBeCloseTo(2, 1);
    // Frame 42 of the render (video frame 62) for a look.
    execFileSync(ffmpegPaths().ffmpegPath, [
      '-v',
      'error',
      '-y',
      '-i',
      out,
      '-vf',
      'select=eq(n\\,42)',
      '-frames:v',
      '1',
      join(shots, 'lift-render-frame.png'),
    ]);
    expect(() => prepareRender3d(db, { seriesId, inFrame: 200, outFrame: 300 })).toThrow(
      /outside the lifted frames 0–89/,
    );
  }, 120_000);
});
