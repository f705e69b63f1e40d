/**
 * VIPE* pair sampling and the 'embed' job, in-process:
 *  - a batch's two views of a sample show the same mocap frame (a wrist that rises frame by frame
 *    is as high in both views), and a pair is offered as a negative exactly when the two 3D poses
 *    are at least `samePose` apart; the temporal variant carries each sample's context frames;
 *  - main's checks (analysis/embeddings.ts) and the job runner with a context that applies its
 *    commits as the queue does: the shipped model and a project-trained one (family 'vipe') store
 *    unit-length series under 'vipe' / 'vipe:<name>', a clip narrows the range; bad requests are
 *    refused with a message and store nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEmbedders, listEmbeddingSeries, prepareEmbed } from '../../../src/main/analysis/embeddings';
import * as clipsDb from '../../../src/main/db/clips';
import * as jobsDb from '../../../src/main/db/jobs';
import { openDatabase, type Db } from '../../../src/main/db/connection';
import * as posesDb from '../../../src/main/db/poses';
import * as seriesDb from '../../../src/main/db/series';
import { insertVideo } from '../../../src/main/db/videos';
import { runEmbed, type EmbedParams, type EmbedResult } from '../../../src/main/jobs/kinds/embed';
import type { CommitOp, JobContext } from '../../../src/main/jobs/protocol';
import { indexFrames, probeVideo } from '../../../src/main/media/probe';
import {
  DEFAULT_VIPE_OPTIONS,
  poseDistance,
  sampleBatch,
  trainVipe,
  type VipeTake,
  type VipeTrainOptions,
} from '../../../src/main/training/vipe/train';
import { embedStartInputSchema } from '../../../src/shared/contract-embed';
import { readOnnxMetadata } from '../../../src/main/training/tcc/export-onnx';
import { handleRequest } from '../../../src/main/api/handlers';
import { Workstation } from '../../../src/main/workstation';
import { buildTrack } from '../../../src/shared/pose';
import { makeVideo, tempDir } from '../../helpers/media';
import { walker, walkerRows } from '../../helpers/walker';

const tmp = tempDir('vipe-embed-');
afterAll(() => tmp.cleanup());

/** COCO-17 standing figure (metres, z up); `wristZ` sets the left wrist's height, `crouch` bends the knees. */
function figure(wristZ: number, crouch = 0): Float32Array {
  const p: [number, number, number][] = [
    [0, 0, 1.7],
    [0.03, 0, 1.73],
    [-0.03, 0, 1.73],
    [0.07, 0, 1.7],
    [-0.07, 0, 1.7],
    [0.2, 0, 1.45],
    [-0.2, 0, 1.45],
    [0.3, 0, (1.45 + wristZ) / 2],
    [-0.25, 0, 1.15],
    [0.35, 0, wristZ],
    [-0.27, 0, 0.9],
    [0.1, 0, 0.95],
    [-0.1, 0, 0.95],
    [0.1, crouch, 0.5],
    [-0.1, crouch, 0.5],
    [0.1, 0, 0.05],
    [-0.1, 0, 0.05],
  ];
  return Float32Array.from(p.flat());
}

function take(name: string, frames: number, pose: (f: number) => Float32Array): VipeTake {
  const pos = new Float32Array(frames * 51);
  for (let f = 0; f < frames; f++) pos.set(pose(f), f * 51);
  return { name, frames, pos };
}

const rising = take('rising', 30, (f) => figure(0.9 + 0.04 * f));
const crouched = take('crouched', 30, () => figure(0.9, 0.35));
const options: VipeTrainOptions = {
  ...DEFAULT_VIPE_OPTIONS,
  windows: 16,
  windowFrames: 30,
  perWindow: 4,
  samePose: 0.01,
  seed: 4,
};

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('VIPE* pair sampling', () => {
  it('pairs two views of the same mocap frame and offers as negatives only poses beyond the threshold', () => {
    const batch = sampleBatch([rising, crouched], options, 0);
    const B = batch.size;
    expect(B).toBe(64);
    // The left wrist's normalised image height (feature 9·2 + 1) in each view, for the rising take.
    const WRIST_Y = 9 * 2 + 1;
    const a: number[] = [];
    const p: number[] = [];
    const frame: number[] = [];
    batch.sources.forEach((s, i) => {
      if (s.take !== 0) return;
      a.push(batch.anchors[i * 34 + WRIST_Y]);
      p.push(batch.positives[i * 34 + WRIST_Y]);
      frame.push(s.frame);
    });
    expect(a.length).toBeGreaterThan(10);
    // Image y grows downwards: both views see the wrist rise with the recorded frame.
    expect(pearson(a, frame)).toBeLessThan(-0.95);
    expect(pearson(p, frame)).toBeLessThan(-0.95);

    let masked = 0;
    let offered = 0;
    for (let i = 0; i < B; i++)
      for (let j = 0; j < B; j++) {
        if (i === j) continue;
        const d = poseDistance(batch.poses[i], batch.poses[j]);
        expect(batch.valid[i * B + j]).toBe(d >= options.samePose ? 1 : 0);
        expect(batch.valid[i * B + j]).toBe(batch.valid[j * B + i]);
        if (batch.sources[i].take !== batch.sources[j].take) expect(batch.valid[i * B + j]).toBe(1);
        if (batch.valid[i * B + j]) offered++;
        else masked++;
      }
    // Neighbouring frames of the rising take (and all of the crouched one) are kept apart from
    // the negatives; distant frames are offered.
    expect(masked).toBeGreaterThan(0);
    expect(offered).toBeGreaterThan(masked);
  });

  it('gives the temporal variant each sample’s neighbouring frames of the same view', () => {
    const temporal = { ...options, context: 1, contextStride: 2 };
    const batch = sampleBatch([rising], temporal, 3);
    const D = 34;
    const C = 3;
    expect(batch.anchors.length).toBe(batch.size * C * D);
    const WRIST_Y = 9 * 2 + 1;
    // The wrist is lower two frames before and higher two frames after (away from the ends,
    // where the context is clamped), up to the detector-like noise.
    let ordered = 0;
    let inside = 0;
    for (let i = 0; i < batch.size; i++) {
      const f = batch.sources[i].frame;
      if (f < 2 || f > 27) continue;
      inside++;
      const [before, centre, after] = [0, 1, 2].map((c) => batch.anchors[(i * C + c) * D + WRIST_Y]);
      if (before > centre && centre > after) ordered++;
    }
    expect(inside).toBeGreaterThan(20);
    expect(ordered / inside).toBeGreaterThan(0.85);
  });
});

describe('VIPE* temporal variant', () => {
  it('trains, exports an ONNX that matches TF.js, and embeds a track with its context', async () => {
    const path = join(tmp.dir, 'temporal.onnx');
    const r = await trainVipe(
      [rising, crouched],
      {
        ...options,
        steps: 10,
        hidden: 16,
        embeddingDim: 8,
        context: 2,
        contextStride: 2,
        checkpointEverySteps: 1000,
      },
      { exportPath: path },
    );
    expect(r.onnx!.maxAbsDiff).toBeLessThan(1e-4);
    expect(r.weights.config).toMatchObject({ context: 2, contextStride: 2 });
    const meta = readOnnxMetadata(readFileSync(path));
    expect(meta.receptive_field).toBe('9');
    expect(meta.family).toBe('vipe');
  }, 60_000);
});

// ---- the embed job ----------------------------------------------------------------------------

let db: Db;
let runId = 0;
const FRAMES = 60;
const rows = walkerRows(walker(1.1), { frames: FRAMES, fps: 30 });

beforeAll(async () => {
  db = openDatabase(join(tmp.dir, 'embed.kinema'), { create: true });
  for (const name of ['walk.mp4', 'empty.mp4']) {
    const path = makeVideo(join(tmp.dir, name), { width: 320, height: 240, fps: 30, seconds: 2 });
    const probe = await probeVideo(path);
    insertVideo(db, probe, await indexFrames(probe));
  }
  runId = posesDb.storePoseSet(
    db,
    1,
    {
      video: { width: 1280, height: 720, fps: 30 },
      tracks: [buildTrack(0, 'coco17', rows.slice(5))],
      provenance: { model: 'synthetic', params: {} },
    },
    { source: 'import', model: 'synthetic', params: {} },
  );
  clipsDb.createClip(db, { videoId: 1, inFrame: 20, outFrame: 40, label: 'stride' });
  // A small VIPE* trained in the project.
  const onnxPath = join(tmp.dir, 'tiny.onnx');
  await trainVipe(
    [rising, crouched],
    { ...options, steps: 15, hidden: 16, embeddingDim: 8, checkpointEverySteps: 1000 },
    { exportPath: onnxPath },
  );
  seriesDb.saveTrainedModel(db, {
    family: 'vipe',
    name: 'tiny',
    onnx: new Uint8Array(readFileSync(onnxPath)),
  });
}, 120_000);
afterAll(() => db?.close());

function context(params: EmbedParams, jobId: number): JobContext<EmbedParams, null> {
  return {
    jobId,
    params: JSON.parse(JSON.stringify(params)) as EmbedParams,
    checkpoint: null,
    signal: new AbortController().signal,
    cacheDir: join(tmp.dir, 'cache'),
    progress: () => undefined,
    commit: <T>(op: CommitOp): Promise<T> => {
      if (op.op !== 'saveSeries') throw new Error(`unexpected commit ${op.op}`);
      const { op: _op, videoId: _v, ...s } = op;
      return Promise.resolve(seriesDb.saveSeries(db, { ...s, jobId }) as T);
    },
  };
}

function unitRows(values: Float32Array, dim: number): number {
  let n = 0;
  for (let r = 0; r < values.length / dim; r++) {
    const v = values.subarray(r * dim, (r + 1) * dim);
    if (!Number.isFinite(v[0])) continue;
    expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    n++;
  }
  return n;
}

describe('embed job', () => {
  it('lists the shipped VIPE* and the project’s model', () => {
    const e = listEmbedders(db);
    expect(e.map((x) => [x.model, x.source, x.origin, x.embeddingDim])).toEqual([
      ['vipe', 'vipe', 'shipped', 32],
      ['tiny', 'vipe:tiny', 'project', 8],
    ]);
  });

  it('embeds the newest run’s longest track with the shipped model', async () => {
    const { params, title } = prepareEmbed(db, { videoId: 1 }, join(tmp.dir, 'cache'));
    expect(title).toMatch(/VIPE\* embeddings of walk\.mp4 \(track 0\)/);
    expect(params).toMatchObject({ runId, clipId: null, source: 'vipe', modelId: null });
    const r = (await runEmbed(
      context(params, jobsDb.insertJob(db, 'embed', title, params).id),
    )) as EmbedResult;
    expect(r).toMatchObject({ source: 'vipe', trackId: 0, firstFrame: 5, frames: FRAMES - 5, dim: 32 });
    const s = seriesDb.getSeries(db, r.seriesId);
    expect(s).toMatchObject({ kind: 'embedding', source: 'vipe', runId, firstFrame: 5, width: 32 });
    expect(unitRows(s.values, 32)).toBe(FRAMES - 5);
  });

  it('embeds a clip’s range with a project-trained model under vipe:<name>', async () => {
    const { params, title } = prepareEmbed(db, { clipId: 1, model: 'tiny' }, join(tmp.dir, 'cache'));
    const r = (await runEmbed(
      context(params, jobsDb.insertJob(db, 'embed', title, params).id),
    )) as EmbedResult;
    expect(r).toMatchObject({ source: 'vipe:tiny', firstFrame: 20, frames: 20, dim: 8 });
    const s = seriesDb.getSeries(db, r.seriesId);
    expect(s).toMatchObject({ clipId: 1, modelId: 1, frameCount: 20, width: 8 });
    expect(unitRows(s.values, 8)).toBe(20);
    expect(
      listEmbeddingSeries(db, 1)
        .map((x) => x.source)
        .sort(),
    ).toEqual(['vipe', 'vipe:tiny']);
  });

  it('refuses bad requests with a message and stores nothing', () => {
    const cache = join(tmp.dir, 'cache');
    const before = seriesDb.listSeries(db).length;
    expect(() => prepareEmbed(db, { videoId: 2 }, cache)).toThrow(
      'empty.mp4 (video 2) has no pose tracks to embed: detect or import poses first.',
    );
    expect(() => prepareEmbed(db, { clipId: 9 }, cache)).toThrow('Clip 9 does not exist.');
    expect(() => prepareEmbed(db, { videoId: 1, model: 'nope' }, cache)).toThrow(
      'No vipe model named "nope" in this project (there are: tiny).',
    );
    expect(() => prepareEmbed(db, { videoId: 1, trackId: 3 }, cache)).toThrow(
      `Run ${runId} has no track 3 (tracks: 0).`,
    );
    expect(() => prepareEmbed(db, { videoId: 1, runId: 99 }, cache)).toThrow(
      /has no pose run 99 \(runs: 1\)/,
    );
    expect(() => prepareEmbed(db, { videoId: 1, inFrame: 0, outFrame: 5 }, cache)).toThrow(
      'Track 0 of run 1 has no pose between frames 0 and 4.',
    );
    expect(() => prepareEmbed(db, { videoId: 2, clipId: 1 }, cache)).toThrow(
      'Clip 1 is not a clip of video 2.',
    );
    expect(embedStartInputSchema.safeParse({}).error?.issues[0].message).toBe(
      'Give a video or a clip to embed',
    );
    expect(embedStartInputSchema.safeParse({ videoId: 1, model: 'a b' }).success).toBe(false);
    expect(seriesDb.listSeries(db).length).toBe(before);
  });
});

describe('embed requests', () => {
  it('list the embedders and a video’s series, and refuse bad requests with a message', async () => {
    const ws = new Workstation({
      version: 'test',
      workerPath: '/nonexistent',
      cacheDir: join(tmp.dir, 'ws'),
    });
    await ws.openProject(join(tmp.dir, 'api.kinema'), true);
    try {
      const path = join(tmp.dir, 'walk.mp4');
      const probe = await probeVideo(path);
      const videoId = insertVideo(ws.db, probe, await indexFrames(probe));
      const call = (name: string, input: unknown) => handleRequest(ws, name, input);
      expect(await call('embed.list', { videoId })).toEqual({
        ok: true,
        value: {
          embedders: [
            expect.objectContaining({ model: 'vipe', source: 'vipe', origin: 'shipped', receptiveField: 1 }),
          ],
          series: [],
        },
      });
      expect(await call('embed.start', { videoId })).toMatchObject({
        ok: false,
        error: { message: 'walk.mp4 (video 1) has no pose tracks to embed: detect or import poses first.' },
      });
      expect(await call('embed.start', {})).toMatchObject({
        ok: false,
        error: { message: expect.stringContaining('Give a video or a clip to embed') },
      });
      expect(await call('embed.start', { videoId, inFrame: 9, outFrame: 3 })).toMatchObject({
        ok: false,
        error: { message: expect.stringContaining('The range is empty') },
      });
      expect(jobsDb.listJobs(ws.db)).toEqual([]);
    } finally {
      await ws.closeProject();
    }
  });
});
