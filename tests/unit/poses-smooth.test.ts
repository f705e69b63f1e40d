/**
 * `poses.smooth` through `handleRequest`: each filter makes a NEW run (source 'filter') with the
 * same frames and less frame-to-frame jitter, the source run stays byte-identical, and bad
 * parameters are refused with a clear message before anything is written.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../src/main/api/handlers';
import { loadRunTracks, storePoseSet } from '../../src/main/db/poses';
import { insertVideo } from '../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../src/main/media/probe';
import { Workstation } from '../../src/main/workstation';
import type { PoseRun } from '../../src/shared/contract';
import { buildTrack, type PoseRow, type PoseSet, type PoseTrack } from '../../src/shared/pose';
import { makeVideo, tempDir } from '../helpers/media';

const tmp = tempDir('poses-smooth-');
afterAll(() => tmp.cleanup());

/** Deterministic noise in [-1, 1). */
function noise(seed: number): number {
  const x = Math.sin(seed * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** A person moving smoothly, with ±4 px jitter on every keypoint; a gap at frames 20-22. */
function noisySet(): PoseSet {
  const frames = Array.from({ length: 50 }, (_, f) => f).filter((f) => f < 20 || f > 22);
  const rows = (trackId: number): PoseRow[] =>
    frames.map((f) => {
      const keypoints = new Float32Array(17 * 3);
      for (let j = 0; j < 17; j++) {
        const t = f / 25;
        keypoints[j * 3] =
          300 +
          trackId * 400 +
          80 * Math.sin(2 * Math.PI * 0.5 * t) +
          j * 7 +
          4 * noise(f * 101 + j * 7 + trackId);
        keypoints[j * 3 + 1] =
          200 + j * 15 + 30 * Math.cos(2 * Math.PI * 0.3 * t) + 4 * noise(f * 211 + j * 13 + trackId + 5);
        keypoints[j * 3 + 2] = 0.9;
      }
      return { frame: f, keypoints, box: [250, 150, 200, 400], score: 0.9 };
    });
  return {
    video: { width: 1280, height: 720, fps: 25, frameCount: 50, name: 'run' },
    tracks: [buildTrack(0, 'coco17', rows(0)), buildTrack(1, 'coco17', rows(1))],
    provenance: { model: 'synthetic', params: {} },
  };
}

/** RMS second difference of x, y over consecutive frames (the frame-to-frame jitter). */
function jitter(track: PoseTrack): number {
  let sum = 0;
  let n = 0;
  const kp = track.keypoints;
  for (let i = 2; i < track.frames.length; i++) {
    if (track.frames[i] - track.frames[i - 2] !== 2) continue;
    for (let j = 0; j < 17; j++)
      for (let c = 0; c < 2; c++) {
        const d = kp[i * 51 + j * 3 + c] - 2 * kp[(i - 1) * 51 + j * 3 + c] + kp[(i - 2) * 51 + j * 3 + c];
        sum += d * d;
        n++;
      }
  }
  return Math.sqrt(sum / n);
}

describe('poses.smooth', () => {
  it('stores smoothed copies as new runs and leaves the source run untouched', async () => {
    const path = makeVideo(join(tmp.dir, 'run.mp4'), { width: 1280, height: 720, fps: 25, seconds: 2 });
    const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
    await ws.openProject(join(tmp.dir, 'p.kinema'), true);
    const probe = await probeVideo(path);
    const videoId = insertVideo(ws.db, probe, await indexFrames(probe));
    const runId = storePoseSet(ws.db, videoId, noisySet(), { source: 'model', model: 'movenet-lightning' });
    const call = (name: string, input: unknown) => handleRequest(ws, name, input);
    const snapshot = () => ({
      run: ws.db.prepare('SELECT * FROM pose_runs WHERE id = ?').get(runId),
      tracks: ws.db.prepare('SELECT * FROM pose_tracks WHERE run_id = ? ORDER BY id').all(runId),
      chunks: ws.db
        .prepare(
          'SELECT c.* FROM pose_chunks c JOIN pose_tracks t ON c.track_row = t.id WHERE t.run_id = ? ORDER BY c.track_row, c.first_frame',
        )
        .all(runId),
    });
    const before = snapshot();
    const raw = loadRunTracks(ws.db, runId).tracks;
    const events: unknown[] = [];
    ws.on('poses.changed', (e) => events.push(e));

    const cases = [
      { filter: 'one-euro', expected: { filter: 'one-euro', cutoffHz: 1, beta: 0.05, window: null } },
      {
        filter: 'butterworth',
        cutoffHz: 4,
        expected: { filter: 'butterworth', cutoffHz: 4, beta: null, window: null },
      },
      { filter: 'median', expected: { filter: 'median', cutoffHz: null, beta: null, window: 5 } },
    ] as const;
    const made: number[] = [];
    for (const { expected, ...input } of cases) {
      const res = await call('poses.smooth', { runId, ...input });
      if (!res.ok) throw new Error(res.error.message);
      const run = res.value as PoseRun;
      made.push(run.id);
      expect(run).toMatchObject({
        videoId,
        skeletonId: 'coco17',
        source: 'filter',
        model: input.filter,
        params: { fromRunId: runId, ...expected },
        tracks: [
          { trackId: 0, frameCount: 47, firstFrame: 0, lastFrame: 49 },
          { trackId: 1, frameCount: 47 },
        ],
      });
      const smoothed = loadRunTracks(ws.db, run.id).tracks;
      for (let t = 0; t < 2; t++) {
        expect(Array.from(smoothed[t].frames)).toEqual(Array.from(raw[t].frames));
        expect(smoothed[t].scores).toEqual(raw[t].scores);
        expect(jitter(smoothed[t]), `${input.filter} track ${t}`).toBeLessThan(0.7 * jitter(raw[t]));
      }
    }
    expect(new Set(made).size).toBe(3);
    expect(events).toEqual([{ videoId }, { videoId }, { videoId }]);
    expect(snapshot()).toEqual(before);

    // Smoothing a smoothed run works too, and names its own source.
    const again = await call('poses.smooth', { runId: made[2], filter: 'median', window: 3 });
    expect(again).toMatchObject({ ok: true, value: { source: 'filter', params: { fromRunId: made[2] } } });

    // Bad parameters: a clear message and nothing written.
    const count = () => (ws.db.prepare('SELECT count(*) AS n FROM pose_runs').get() as { n: number }).n;
    const runsBefore = count();
    expect(await call('poses.smooth', { runId, filter: 'butterworth', cutoffHz: 12.5 })).toMatchObject({
      ok: false,
      error: { code: 'BAD_PARAMS', message: expect.stringMatching(/below half the frame rate \(12\.5 Hz/) },
    });
    expect(await call('poses.smooth', { runId, filter: 'butterworth', cutoffHz: 30 })).toMatchObject({
      ok: false,
      error: { code: 'BAD_PARAMS' },
    });
    expect(await call('poses.smooth', { runId, filter: 'median', window: 4 })).toMatchObject({
      ok: false,
      error: { code: 'BAD_PARAMS', message: expect.stringMatching(/odd/) },
    });
    expect(await call('poses.smooth', { runId, filter: 'gaussian' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await call('poses.smooth', { runId: 999, filter: 'median' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(count()).toBe(runsBefore);
    expect(snapshot()).toEqual(before);
    await ws.closeProject();
  });
});
