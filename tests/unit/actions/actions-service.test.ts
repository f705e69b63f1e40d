/**
 * The action service on stored embeddings (`--features vipe` / the panel's Features menu): when
 * every clip's track has the series, clips are compared in it; when one video lacks it, every
 * clip falls back to the pose features and the note says which clip lacked it and how to compute
 * it. The "embeddings" here are the pose features of the track stored as a series, so the answer
 * is known.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../src/main/api/handlers';
import { createClip } from '../../../src/main/db/clips';
import { storePoseSet } from '../../../src/main/db/poses';
import { saveSeries } from '../../../src/main/db/series';
import { insertVideo } from '../../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../../src/main/media/probe';
import { Workstation } from '../../../src/main/workstation';
import { poseFeatures2d } from '../../../src/shared/alignment';
import type { RequestOutput } from '../../../src/shared/contract';
import { buildTrack } from '../../../src/shared/pose';
import { actionTrack, type ActionSegment } from '../../helpers/actions';
import { makeVideo, tempDir } from '../../helpers/media';

const tmp = tempDir('kinema-actions-service-');
afterAll(() => tmp.cleanup());
const FPS = 30;

const SEGMENTS: ActionSegment[] = [
  { kind: 'stand', frames: 10 },
  { kind: 'walk', frames: 66 },
  { kind: 'stand', frames: 10 },
  { kind: 'squat', frames: 48 },
  { kind: 'stand', frames: 10 },
];

describe('actions on stored embeddings', async () => {
  const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
  await ws.openProject(join(tmp.dir, 'a.kinema'), true);
  afterAll(() => ws.closeProject());
  const videos: { videoId: number; runId: number; rows: number }[] = [];
  for (let v = 0; v < 2; v++) {
    const { rows, ranges } = actionTrack(SEGMENTS, { fps: FPS });
    const path = makeVideo(join(tmp.dir, `v${v}.mp4`), { fps: FPS, seconds: rows.length / FPS });
    const probe = await probeVideo(path);
    const videoId = insertVideo(ws.db, probe, await indexFrames(probe));
    const track = buildTrack(0, 'coco17', rows);
    const runId = storePoseSet(
      ws.db,
      videoId,
      {
        video: { width: 1280, height: 720, fps: FPS, frameCount: rows.length },
        tracks: [track],
        provenance: { model: 'synthetic', params: {} },
      },
      { source: 'import', model: 'synthetic' },
    );
    for (const r of ranges)
      if (r.kind !== 'stand')
        createClip(ws.db, {
          videoId,
          inFrame: r.inFrame,
          outFrame: r.outFrame,
          label: r.kind === 'walk' ? 'Walk' : 'Squat',
        });
    videos.push({ videoId, runId, rows: rows.length });
  }
  const storeEmbedding = (i: number) => {
    const { runId } = videos[i];
    const track = buildTrack(0, 'coco17', actionTrack(SEGMENTS, { fps: FPS }).rows);
    const f = poseFeatures2d(track, { kinds: ['angles'] });
    saveSeries(ws.db, {
      kind: 'embedding',
      source: 'vipe',
      runId,
      trackId: 0,
      firstFrame: f.frames[0],
      values: f.values,
      width: f.dim,
    });
  };
  const recognize = async (input: Record<string, unknown>) => {
    const r = await handleRequest(ws, 'actions.recognize', input);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as RequestOutput<'actions.recognize'>;
  };

  it('falls back to the pose features with a note naming the clip without embeddings', async () => {
    storeEmbedding(0);
    const r = await recognize({ embedding: 'vipe' });
    expect(r.features).toBe('bones,angles');
    expect(r.notes.join(' ')).toMatch(
      new RegExp(
        `No "vipe" embeddings for clip \\d+ "Walk" \\(v1\\.mp4\\).*Compute them with: kinema embed ${videos[1].runId}`,
      ),
    );
    expect(r.evaluation!.accuracy).toBe(1);
  });

  it('compares in the stored embedding when every clip has it', async () => {
    storeEmbedding(1);
    const r = await recognize({ embedding: 'vipe' });
    expect(r.features).toBe('vipe');
    expect(r.notes).toEqual([]);
    expect(r.evaluation!.accuracy).toBe(1);
    expect(r.evaluation!.counts).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });

  it('recognises with the linear classifier too: probabilities instead of distances, same evaluation shape', async () => {
    const r = await recognize({ embedding: 'vipe', method: 'linear' });
    expect(r).toMatchObject({ method: 'linear', k: null, features: 'vipe' });
    expect(r.evaluation!.accuracy).toBe(1);
    expect(r.evaluation!.labels).toEqual(['Squat', 'Walk']);
    expect(r.evaluation!.counts).toEqual([
      [2, 0],
      [0, 2],
    ]);
    for (const p of r.evaluation!.predictions) {
      expect(p).toMatchObject({ distance: null, votes: null, neighbours: [] });
      expect(p.confidence).toBe(p.probabilities[0].probability);
      expect(p.probabilities.map((q) => q.label).sort()).toEqual(['Squat', 'Walk']);
    }
    const knn = await recognize({ embedding: 'vipe' });
    expect(knn).toMatchObject({ method: 'knn-dtw', k: 1 });
    expect(knn.evaluation!.predictions[0]).toMatchObject({ confidence: null, probabilities: [] });
  });

  it('refuses k with the linear classifier, and an unknown method, with the reason', async () => {
    const withK = await handleRequest(ws, 'actions.recognize', { method: 'linear', k: 3 });
    expect(withK).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/the linear classifier has none/) },
    });
    const unknown = await handleRequest(ws, 'actions.recognize', { method: 'svm' });
    expect(unknown).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/method.*"knn-dtw"\|"linear"/) },
    });
  });

  it('refuses an invalid embedding name before anything runs', async () => {
    const r = await handleRequest(ws, 'actions.recognize', { embedding: 'no spaces allowed' });
    expect(r).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/embedding.*series source/) },
    });
  });
});
