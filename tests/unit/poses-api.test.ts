/**
 * The pose requests through `handleRequest`, as both transports call them: runs with track
 * summaries, tracks as typed-array bytes with the skeleton, deletion with its event, and the
 * checks `poses.detect` makes before queuing anything.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../src/main/api/handlers';
import { listJobs } from '../../src/main/db/jobs';
import { storePoseSet } from '../../src/main/db/poses';
import { insertVideo, setVideoStatus } from '../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../src/main/media/probe';
import { Workstation } from '../../src/main/workstation';
import { makeVideo, tempDir } from '../helpers/media';
import { syntheticPoseSet } from '../helpers/poses';

const tmp = tempDir('poses-api-');
afterAll(() => tmp.cleanup());

describe('pose requests', () => {
  it('list runs, return tracks as bytes, delete runs and validate detection', async () => {
    const path = makeVideo(join(tmp.dir, 'serve.mp4'), { width: 1280, height: 720, fps: 25, seconds: 1 });
    const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
    await ws.openProject(join(tmp.dir, 'p.kinema'), true);
    const probe = await probeVideo(path);
    const videoId = insertVideo(ws.db, probe, await indexFrames(probe));
    const set = syntheticPoseSet();
    const runId = storePoseSet(ws.db, videoId, set, { source: 'import', model: 'coco' });
    const call = (name: string, input: unknown) => handleRequest(ws, name, input);

    expect(await call('models.list', {})).toEqual({
      ok: true,
      value: [
        expect.objectContaining({ id: 'movenet-lightning', skeletonId: 'coco17', inputSize: 192 }),
        expect.objectContaining({ id: 'movenet-thunder', skeletonId: 'coco17', inputSize: 256 }),
        expect.objectContaining({ id: 'blazepose-full', people: ['single'] }),
        expect.objectContaining({ id: 'movenet-multipose', people: ['multi'] }),
      ],
    });
    const runs = await call('poses.runs', { videoId });
    expect(runs).toMatchObject({
      ok: true,
      value: [
        {
          id: runId,
          videoId,
          source: 'import',
          model: 'coco',
          tracks: [{ trackId: 0, frameCount: 16 }, { trackId: 1 }],
        },
      ],
    });

    const tracks = await call('poses.tracks', { runId });
    if (!tracks.ok) throw new Error(tracks.error.message);
    const value = tracks.value as {
      joints: string[];
      links: [number, number][];
      tracks: { trackId: number; frames: Uint8Array; keypoints: Uint8Array }[];
    };
    expect(value.joints).toHaveLength(17);
    expect(value.links.length).toBeGreaterThan(10);
    const t0 = value.tracks[0];
    expect(t0.frames).toBeInstanceOf(Uint8Array);
    const frames = new Int32Array(t0.frames.slice().buffer);
    expect(Array.from(frames)).toEqual(Array.from(set.tracks[0].frames));
    expect(new Float32Array(t0.keypoints.slice().buffer)).toEqual(set.tracks[0].keypoints);

    // Detection checks: the video must be ready, the model known, the range inside and non-empty.
    expect(await call('poses.detect', { videoId, model: 'movenet-lightning' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_READY' },
    });
    setVideoStatus(ws.db, videoId, 'ready');
    expect(await call('poses.detect', { videoId, model: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_MODEL' },
    });
    expect(
      await call('poses.detect', { videoId, model: 'movenet-lightning', inFrame: 5, outFrame: 99 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'BAD_RANGE', message: expect.stringMatching(/frames 0 to 24/) },
    });
    expect(
      await call('poses.detect', { videoId, model: 'movenet-lightning', inFrame: 5, outFrame: 5 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'BAD_RANGE', message: expect.stringMatching(/empty/) },
    });
    expect(listJobs(ws.db)).toHaveLength(0);

    const events: unknown[] = [];
    ws.on('poses.changed', (e) => events.push(e));
    expect(await call('poses.deleteRun', { runId })).toEqual({ ok: true, value: { deleted: true } });
    expect(events).toEqual([{ videoId }]);
    expect(await call('poses.runs', { videoId })).toEqual({ ok: true, value: [] });
    expect(await call('poses.tracks', { runId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await ws.closeProject();
  });
});
