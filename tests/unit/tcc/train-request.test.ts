/**
 * `tcc.train` refuses, before anything is queued, clips whose poses use a skeleton that cannot be
 * converted to the other clips', and payloads that name neither a label nor clips (or both).
 * (The other refusals and the training itself run through the CLI: tests/integration/tcc-cli.)
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../src/main/api/handlers';
import { listJobs } from '../../../src/main/db/jobs';
import { storePoseSet } from '../../../src/main/db/poses';
import { insertVideo } from '../../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../../src/main/media/probe';
import { Workstation } from '../../../src/main/workstation';
import { buildTrack, type PoseRow } from '../../../src/shared/pose';
import type { SkeletonId } from '../../../src/shared/skeletons';
import { makeVideo, tempDir } from '../../helpers/media';
import { walker, walkerRows } from '../../helpers/walker';

const tmp = tempDir('tcc-request-');
afterAll(() => tmp.cleanup());
const FPS = 25;

describe('tcc.train refusals', async () => {
  const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
  await ws.openProject(join(tmp.dir, 't.kinema'), true);
  const video = async (name: string) => {
    const probe = await probeVideo(
      makeVideo(join(tmp.dir, name), { width: 640, height: 360, fps: FPS, seconds: 3 }),
    );
    return insertVideo(ws.db, probe, await indexFrames(probe));
  };
  const store = (videoId: number, skeletonId: SkeletonId, rows: PoseRow[]) =>
    storePoseSet(
      ws.db,
      videoId,
      {
        video: { width: 640, height: 360, fps: FPS, frameCount: 75 },
        tracks: [buildTrack(0, skeletonId, rows)],
        provenance: { model: 'synthetic', params: {} },
      },
      { source: 'import', model: 'synthetic' },
    );
  const rows = walkerRows(walker(1.1), { frames: 75, fps: FPS });
  const a = await video('a.mp4');
  const b = await video('b.mp4');
  store(a, 'coco17', rows);
  // H36M-17 has 17 joints too, but no mapping to COCO-17.
  store(b, 'h36m17', rows);
  const call = (name: string, input: unknown) => handleRequest(ws, name, input);
  const clip = async (videoId: number, inFrame: number, outFrame: number) => {
    const r = await call('clips.create', { videoId, inFrame, outFrame, label: 'Walk' });
    if (!r.ok) throw new Error(r.error.message);
    return (r.value as { id: number }).id;
  };
  await clip(a, 0, 30);
  await clip(a, 30, 60);
  const h36m = await clip(b, 0, 40);

  it('names the clip whose skeleton cannot be converted, and queues nothing', async () => {
    const r = await call('tcc.train', { label: 'walk', name: 'w' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('SKELETON_MISMATCH');
    expect(r.error.message).toBe(
      `Clip "Walk" (clip ${h36m}, b.mp4 frames 0–39) has Human3.6M-17 poses, which cannot be converted to the COCO-17 poses of the other clips. Detect its poses with the same model, or leave it out.`,
    );
    expect(listJobs(ws.db)).toEqual([]);
    const models = await call('tcc.models', {});
    expect(models).toEqual({ ok: true, value: [] });
  });

  it('wants a label or clip ids, not both nor neither, and a usable name', async () => {
    for (const input of [
      { name: 'w' },
      { name: 'w', label: 'Walk', clipIds: [1, 2] },
      { name: 'bad name!', label: 'Walk' },
      { name: 'w', clipIds: [1] },
    ]) {
      const r = await call('tcc.train', input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT');
    }
    expect(listJobs(ws.db)).toEqual([]);
  });
});
