/**
 * The train-student and student-embed jobs end to end, in-process: a generated video of the
 * synthetic walker (its exact poses stored as a run), a stand-in teacher's embeddings stored as a
 * series, main's checks (analysis/student.ts), then the job runners with a context that applies
 * their commits to the project database as the queue does. Few steps: this checks the plumbing
 * (crops + flow from the video, metrics, resume, the model and series stored), not the quality.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/main/db/connection';
import * as jobsDb from '../../../src/main/db/jobs';
import * as posesDb from '../../../src/main/db/poses';
import * as seriesDb from '../../../src/main/db/series';
import { insertVideo } from '../../../src/main/db/videos';
import { prepareStudentEmbed, prepareStudentTraining } from '../../../src/main/analysis/student';
import {
  runStudentEmbed,
  runTrainStudent,
  type TrainStudentCheckpoint,
  type TrainStudentParams,
} from '../../../src/main/jobs/kinds/train-student';
import type { CommitOp, JobContext, ProgressUpdate } from '../../../src/main/jobs/protocol';
import { indexFrames, probeVideo } from '../../../src/main/media/probe';
import { buildTrack } from '../../../src/shared/pose';
import { tempDir } from '../../helpers/media';
import { projectionTeacher } from '../../helpers/student-teacher';
import { walker, walkerRows } from '../../helpers/walker';
import { makeWalkerVideo } from '../../helpers/walker-video';

const tmp = tempDir('student-job-');
let db: Db;
let runId = 0;
const FRAMES = 90;
const teacher = projectionTeacher(16);

beforeAll(async () => {
  const { path, rows } = makeWalkerVideo(
    join(tmp.dir, 'walk.mp4'),
    walkerRows(walker(1.1), { frames: FRAMES, fps: 30 }),
  );
  db = openDatabase(join(tmp.dir, 'student.kinema'), { create: true });
  const probe = await probeVideo(path);
  insertVideo(db, probe, await indexFrames(probe));
  const track = buildTrack(0, 'coco17', rows);
  runId = posesDb.storePoseSet(
    db,
    1,
    {
      video: { width: 640, height: 360, fps: 30 },
      tracks: [track],
      provenance: { model: 'synthetic', params: {} },
    },
    { source: 'import', model: 'synthetic', params: {} },
  );
  const t = teacher.embedTrack(track) as { firstFrame: number; dim: number; values: Float32Array };
  seriesDb.saveSeries(db, {
    kind: 'embedding',
    source: teacher.source,
    runId,
    trackId: 0,
    firstFrame: t.firstFrame,
    values: t.values,
    width: t.dim,
  });
}, 60_000);
afterAll(() => {
  db?.close();
  tmp.cleanup();
});

/** A job context that applies commits to the database, as the queue does, and records progress. */
function context<P, C>(
  params: P,
  checkpoint: C | null,
  jobId: number,
  signal = new AbortController().signal,
) {
  const progress: ProgressUpdate[] = [];
  const state = { checkpoint };
  const ctx: JobContext<P, C> = {
    jobId,
    params: JSON.parse(JSON.stringify(params)) as P,
    checkpoint,
    signal,
    cacheDir: join(tmp.dir, 'cache'),
    progress: (u) => progress.push(u),
    commit: <T>(op: CommitOp, cp: C): Promise<T> => {
      state.checkpoint = cp;
      if (op.op === 'saveTrainedModel') {
        const { op: _op, replace, ...m } = op;
        return Promise.resolve(seriesDb.saveTrainedModel(db, { ...m, jobId }, replace) as T);
      }
      if (op.op === 'saveSeries') {
        const { op: _op, videoId: _v, ...s } = op;
        return Promise.resolve(seriesDb.saveSeries(db, { ...s, jobId }) as T);
      }
      return Promise.resolve(undefined as T);
    },
  };
  return { ctx, progress, state };
}

describe('train-student job', () => {
  it('refuses a video without the teacher’s embeddings, and a taken name, before queueing', () => {
    expect(() => prepareStudentTraining(db, { name: 's', videoIds: [1], teacher: 'vipe' })).toThrow(
      /walk\.mp4 \(video 1\) has no 'vipe' embeddings.*it has: fixture:projection/,
    );
    expect(() => prepareStudentTraining(db, { name: 's', videoIds: [2], teacher: teacher.source })).toThrow(
      /Video 2/,
    );
  });

  let params: TrainStudentParams;
  it('cuts crops + flow, trains with live {step, loss, valCosine}, resumes after a kill, stores the model and series', async () => {
    params = prepareStudentTraining(db, {
      name: 'walk',
      videoIds: [1],
      teacher: teacher.source,
      steps: 40,
      batchSize: 16,
    }).params;
    expect(params.videos[0]).toMatchObject({ inFrame: 0, outFrame: FRAMES, runId, seekS: 0 });
    // First attempt: "killed" (an error that is not a cancel) once step 20 is checkpointed.
    const jobId = jobsDb.insertJob(db, 'train-student', 'Train', params).id;
    const first = context<TrainStudentParams, TrainStudentCheckpoint>(params, null, jobId);
    const origProgress = first.ctx.progress;
    first.ctx.progress = (u) => {
      origProgress(u);
      if (u.phase === 'train' && (u.metrics?.step ?? 0) >= 24) throw new Error('killed');
    };
    await expect(runTrainStudent(first.ctx)).rejects.toThrow('killed');
    const cp = first.state.checkpoint!;
    expect(cp.step).toBe(20);
    expect(existsSync(join(cp.dir, 'frames-0.bin'))).toBe(true);
    const cropsPhase = first.progress.filter((u) => u.phase === 'crops');
    expect(cropsPhase.at(-1)!.done).toBeGreaterThan(FRAMES * 0.9);

    const second = context<TrainStudentParams, TrainStudentCheckpoint>(params, cp, jobId);
    const result = await runTrainStudent(second.ctx);
    expect(result.resumedFromStep).toBe(20);
    // The resumed run did not decode the video again.
    expect(second.progress.some((u) => u.phase === 'crops')).toBe(false);
    const points = second.progress.filter((u) => u.metrics).map((u) => u.metrics!);
    expect(points.at(-1)!.step).toBe(40);
    expect(points.some((p) => Number.isFinite(p.valCosine))).toBe(true);
    expect(result.trainFrames + result.heldOutFrames).toBeGreaterThan(60);
    expect(result.heldOutFrames).toBeGreaterThan(5);
    expect(existsSync(cp.dir)).toBe(false);

    const [model] = seriesDb.listTrainedModels(db, 'student');
    expect(model).toMatchObject({
      name: 'walk',
      params: { teacher: teacher.source, embeddingDim: 16, loss: 'cosine' },
    });
    const [series] = seriesDb.listSeries(db, { source: 'student:walk' });
    expect(series).toMatchObject({
      kind: 'embedding',
      runId,
      trackId: 0,
      width: 16,
      firstFrame: 0,
      frameCount: FRAMES,
    });
    const values = seriesDb.getSeries(db, series.id).values;
    for (const f of [0, 45, 89]) {
      const row = values.subarray(f * 16, (f + 1) * 16);
      expect(Math.hypot(...row)).toBeCloseTo(1, 4);
    }
    expect(() =>
      prepareStudentTraining(db, { name: 'walk', videoIds: [1], teacher: teacher.source }),
    ).toThrow(/A student named "walk" already exists/);
  }, 60_000);

  it('student-embed applies the stored student to a track and stores the same embeddings', async () => {
    const [trained] = seriesDb.listSeries(db, { source: 'student:walk' });
    const before = seriesDb.getSeries(db, trained.id).values;
    const { params: p } = prepareStudentEmbed(db, { model: 'walk', videoId: 1 }, join(tmp.dir, 'cache'));
    const jobId = jobsDb.insertJob(db, 'student-embed', 'Embed', p).id;
    const { ctx } = context(p, null, jobId);
    const r = await runStudentEmbed(ctx);
    expect(r).toMatchObject({ source: 'student:walk', frames: FRAMES, firstFrame: 0, dim: 16 });
    const [latest] = seriesDb.listSeries(db, { source: 'student:walk' });
    expect(latest.jobId).toBe(jobId);
    // Same model, same crops: the embeddings the training job stored, recomputed.
    const after = seriesDb.getSeries(db, latest.id).values;
    expect(after.length).toBe(before.length);
    let diff = 0;
    for (let i = 0; i < after.length; i++) diff = Math.max(diff, Math.abs(after[i] - before[i]));
    expect(diff).toBeLessThan(1e-5);
    expect(() => prepareStudentEmbed(db, { model: 'nope', videoId: 1 }, tmp.dir)).toThrow(
      /No student model named "nope".*walk/,
    );
  }, 30_000);
});
