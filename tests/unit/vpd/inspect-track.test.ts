/**
 * The crop inspector's request (`vpd.inspect`), as the strip under the timeline asks for it: a
 * generated video of the synthetic walker with its exact poses stored as a run; the playhead's
 * frame and its neighbours come back with four PNGs each (crop with the athlete in it, prev crop,
 * flow that sees the limbs move, a mask covering part of the crop), gaps say what they are, a box
 * past the frame edge is flagged and padded black, and bad requests are refused with the reason.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../src/main/api/handlers';
import { storePoseSet } from '../../../src/main/db/poses';
import { insertVideo } from '../../../src/main/db/videos';
import { indexFrames, probeVideo } from '../../../src/main/media/probe';
import { decodePng } from '../../../src/main/vpd/png';
import { Workstation } from '../../../src/main/workstation';
import type { RequestOutput } from '../../../src/shared/contract';
import { buildTrack, type PoseRow } from '../../../src/shared/pose';
import { tempDir } from '../../helpers/media';
import { walker, walkerRows } from '../../helpers/walker';
import { makeWalkerVideo } from '../../helpers/walker-video';

const tmp = tempDir('kinema-inspect-');
afterAll(() => tmp.cleanup());

const FPS = 30;
const FRAMES = 60;
/** Frames 20-29 have no pose (longer than the 5 frames crops bridge); 40-41 do not either (bridged). */
const LONG_GAP = [20, 29];
const SHORT_GAP = [40, 41];

type Inspect = RequestOutput<'vpd.inspect'>;

function spread(bytes: Uint8Array): number {
  const img = decodePng(bytes);
  let lo = 255;
  let hi = 0;
  for (const v of img.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo;
}

describe('vpd.inspect', async () => {
  const rows = walkerRows(walker(1.1), { frames: FRAMES, fps: FPS });
  const video = makeWalkerVideo(join(tmp.dir, 'walk.mp4'), rows, { fps: FPS });
  const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
  await ws.openProject(join(tmp.dir, 'inspect.kinema'), true);
  const probe = await probeVideo(video.path);
  const videoId = insertVideo(ws.db, probe, await indexFrames(probe));
  const inGap = (f: number) =>
    (f >= LONG_GAP[0] && f <= LONG_GAP[1]) || (f >= SHORT_GAP[0] && f <= SHORT_GAP[1]);
  // Track 1: the same walker moved 200 px left, so its crops reach past the frame's left edge.
  const shifted: PoseRow[] = video.rows.slice(0, 20).map((r) => ({
    ...r,
    keypoints: Float32Array.from(r.keypoints, (v, i) => (i % 3 === 0 ? v - 200 : v)),
    box: Float32Array.from(r.box, (v, i) => (i === 0 ? v - 200 : v)),
  }));
  const runId = storePoseSet(
    ws.db,
    videoId,
    {
      video: { width: 640, height: 360, fps: FPS, frameCount: FRAMES },
      tracks: [
        buildTrack(
          0,
          'coco17',
          video.rows.filter((r) => !inGap(r.frame)),
        ),
        buildTrack(1, 'coco17', shifted),
      ],
      provenance: { model: 'synthetic', params: {} },
    },
    { source: 'import', model: 'synthetic' },
  );
  afterAll(() => ws.closeProject());
  const inspect = async (input: Record<string, unknown>): Promise<Inspect> => {
    const r = await handleRequest(ws, 'vpd.inspect', input);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as Inspect;
  };

  it('gives the crop, prev crop, flow and mask of the frame and its neighbours', async () => {
    const r = await inspect({ runId, trackId: 0, frame: 10, neighbours: 2 });
    expect(r.frames.map((f) => f.frame)).toEqual([8, 9, 10, 11, 12]);
    expect(r.span).toEqual([0, FRAMES - 1]);
    for (const f of r.frames) {
      expect(f.status).toBe('posed');
      expect(f.padded).toBe(false);
      for (const bytes of [f.crop!, f.prev!, f.flow!, f.mask!]) {
        const img = decodePng(bytes);
        expect([img.width, img.height]).toEqual([128, 128]);
      }
      // The athlete's limbs over the textured floor: far from a flat picture.
      expect(spread(f.crop!)).toBeGreaterThan(80);
      expect(spread(f.prev!)).toBeGreaterThan(80);
      // The limbs move between prev and crop: some of the flow is coloured, not all white.
      expect(spread(f.flow!)).toBeGreaterThan(60);
      expect(f.maskCoverage!).toBeGreaterThan(0.05);
      expect(f.maskCoverage!).toBeLessThan(0.8);
    }
    // The crops follow the walker (it moves right 60 px/s at this scale: 2 px per frame).
    expect(r.frames[4].box!.x).toBeGreaterThan(r.frames[0].box!.x);
  });

  it('says which frames have no pose: a long gap, a bridged short gap, outside the track', async () => {
    const gap = await inspect({ runId, trackId: 0, frame: 25 });
    expect(gap.frames[0]).toMatchObject({ frame: 25, status: 'gap', crop: null, box: null });
    const bridged = await inspect({ runId, trackId: 0, frame: 40 });
    expect(bridged.frames[0].status).toBe('bridged');
    expect(bridged.frames[0].crop).not.toBeNull();
    const outside = await inspect({ runId, trackId: 1, frame: 30 });
    expect(outside.frames[0]).toMatchObject({ status: 'outside', crop: null });
  });

  it('flags a box past the frame edge and pads that part of the crop black', async () => {
    const r = await inspect({ runId, trackId: 1, frame: 5 });
    const f = r.frames[0];
    expect(f.status).toBe('posed');
    expect(f.padded).toBe(true);
    expect(f.box!.x).toBeLessThan(0);
    const crop = decodePng(f.crop!);
    for (let y = 0; y < 128; y += 16)
      expect(Array.from(crop.data.subarray(y * 128 * 3, y * 128 * 3 + 3))).toEqual([0, 0, 0]);
  });

  it('refuses a missing track and a frame past the video with the reason', async () => {
    const noTrack = await handleRequest(ws, 'vpd.inspect', { runId, trackId: 7, frame: 0 });
    expect(noTrack).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/no track 7 \(tracks: 0, 1\)/) },
    });
    const past = await handleRequest(ws, 'vpd.inspect', { runId, trackId: 0, frame: 500 });
    expect(past).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/Frame 500 is outside/) },
    });
  });
});
