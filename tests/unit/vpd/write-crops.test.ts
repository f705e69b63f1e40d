import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobContext } from '../../../src/main/jobs/protocol';
import { cropSeekTime, cutCrop, resampleRegion } from '../../../src/main/vpd/crop-frames';
import {
  cropsJobParams,
  defaultCropDir,
  deserializeTrack,
  runCrops,
  serializeTrack,
  type CropsCheckpoint,
  type CropsParams,
} from '../../../src/main/vpd/crops-job';
import { decodeFlowPng } from '../../../src/main/vpd/flow';
import { readCropFrame } from '../../../src/main/vpd/inspector';
import { decodePng } from '../../../src/main/vpd/png';
import {
  CROP_CHUNK,
  listCropFrames,
  partialDirFor,
  readCropManifest,
  writeCropDir,
  writeFlowForCropDir,
  type CropDirOptions,
} from '../../../src/main/vpd/write-crops';
import { buildTrack, type PoseRow, type PoseTrack } from '../../../src/shared/pose';
import { cropFileName } from '../../../src/shared/vpd/crops';
import {
  frameFromGrey,
  makeFrameCodedVideo,
  makePersonVideo,
  tempDir,
  type PersonRegion,
} from '../../helpers/media';

const tmp = tempDir('kinema-vpd-crops-');
afterAll(() => tmp.cleanup());

const FPS = 25;
const SPEED = 100; // px/s to the right
const SIZE = 200;
const FRAMES = 75;
let video: { path: string; region: (t: number) => PersonRegion };

/** Keypoints spread over the person's picture (a standing athlete's proportions). */
function personTrack(frames: number[]): PoseTrack {
  const layout: [number, number][] = [
    [0.5, 0.12],
    [0.47, 0.1],
    [0.53, 0.1],
    [0.44, 0.11],
    [0.56, 0.11],
    [0.38, 0.25],
    [0.62, 0.25],
    [0.34, 0.4],
    [0.66, 0.4],
    [0.33, 0.55],
    [0.67, 0.55],
    [0.42, 0.55],
    [0.58, 0.55],
    [0.41, 0.75],
    [0.59, 0.75],
    [0.4, 0.93],
    [0.6, 0.93],
  ];
  const rows: PoseRow[] = frames.map((f) => {
    const r = video.region(f / FPS);
    return {
      frame: f,
      keypoints: layout.flatMap(([u, v]) => [r.x + u * r.size, r.y + v * r.size, 0.9]),
      box: [r.x + 0.3 * r.size, r.y + 0.08 * r.size, 0.4 * r.size, 0.87 * r.size],
      score: 0.9,
    };
  });
  return buildTrack(0, 'coco17', rows);
}

const all = Array.from({ length: FRAMES }, (_, f) => f);
// Frames 20-22 missing (bridged), 50-59 missing (absent: longer than the 5-frame bridge).
const gappyFrames = all.filter((f) => !(f >= 20 && f <= 22) && !(f >= 50 && f <= 59));

function options(outDir: string, extra: Partial<CropDirOptions> = {}): CropDirOptions {
  return {
    videoPath: video.path,
    video: { width: 640, height: 360, fps: FPS, name: 'person' },
    track: personTrack(gappyFrames),
    outDir,
    ...extra,
  };
}

beforeAll(() => {
  // The person starts partly outside the left edge and walks right at 100 px/s.
  video = makePersonVideo(join(tmp.dir, 'person.mp4'), {
    width: 640,
    height: 360,
    fps: FPS,
    seconds: FRAMES / FPS,
    size: SIZE,
    x: -60,
    y: 80,
    speed: SPEED,
  });
});

describe('resampling', () => {
  it('cuts a region with bilinear sampling and fills outside the frame', () => {
    // A 4×2 frame with distinct pixels; cutting [1, 3) × [0, 2) at 2× 2 gives those pixels back.
    const src = new Uint8Array([
      10, 0, 0, 20, 0, 0, 30, 0, 0, 40, 0, 0, 50, 0, 0, 60, 0, 0, 70, 0, 0, 80, 0, 0,
    ]);
    const out = resampleRegion(src, 4, 2, { x: 1, y: 0, w: 2, h: 2 }, 2);
    expect([out[0], out[3], out[6], out[9]]).toEqual([20, 30, 60, 70]);
    // Half of the region left of the frame: those output pixels are the fill colour.
    const padded = resampleRegion(src, 4, 2, { x: -2, y: 0, w: 4, h: 2 }, 4, [9, 8, 7]);
    expect(Array.from(padded.subarray(0, 3))).toEqual([9, 8, 7]);
    expect(padded[3 * 3]).toBe(20);
    // A box given in source pixels maps onto a frame decoded at half size.
    const half = cutCrop(src, 4, 2, 8, 4, { x: 2, y: 0, size: 4 }, 2);
    expect([half[0], half[3], half[6], half[9]]).toEqual([20, 30, 60, 70]);
  });
});

describe('writing a VPD crop directory', () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof writeCropDir>>;

  beforeAll(async () => {
    dir = join(tmp.dir, 'crops', 'person');
    result = await writeCropDir(options(dir));
  }, 120_000);

  it('writes the four VPD files for every frame with a crop, and crops.json', () => {
    const expected = all.filter((f) => !(f >= 50 && f <= 59)); // bridged 20-22 included
    expect(result.frames).toBe(expected.length);
    expect(result.absent).toBe(10);
    expect(result.bridged).toBe(3);
    const names = readdirSync(dir).sort();
    const want = [
      'crops.json',
      ...expected.flatMap((f) => ['crop', 'prev', 'flow', 'mask'].map((k) => cropFileName(f, k as never))),
    ].sort();
    expect(names).toEqual(want);
    expect(listCropFrames(dir)).toEqual(expected);
    const manifest = readCropManifest(dir);
    expect(manifest.crop_size).toBe(128);
    expect(manifest.frames.map((r) => r[0])).toEqual(expected);
    expect(manifest.frames.find((r) => r[0] === 21)![4]).toBe(1);
    expect(manifest.flow.clip_px).toBe(20);
    // Nothing temporary is left beside it.
    expect(readdirSync(join(tmp.dir, 'crops'))).toEqual(['person']);
  });

  it('writes readable PNGs of the crop size: RGB crops and flow, grey masks', () => {
    for (const f of [0, 21, 49, 74]) {
      const crop = decodePng(readFileSync(join(dir, cropFileName(f, 'crop'))));
      const prev = decodePng(readFileSync(join(dir, cropFileName(f, 'prev'))));
      const flow = decodePng(readFileSync(join(dir, cropFileName(f, 'flow'))));
      const mask = decodePng(readFileSync(join(dir, cropFileName(f, 'mask'))));
      for (const img of [crop, prev, flow, mask]) expect([img.width, img.height]).toEqual([128, 128]);
      expect([crop.channels, prev.channels, flow.channels, mask.channels]).toEqual([3, 3, 3, 1]);
      const personPixels = mask.data.reduce((n, v) => n + (v === 255 ? 1 : 0), 0);
      expect(personPixels).toBeGreaterThan(128 * 128 * 0.05);
    }
  });

  it('crops show the athlete: picture, not the grey floor, at the centre; black beyond the left edge', () => {
    const crop = decodePng(readFileSync(join(dir, cropFileName(30, 'crop'))));
    let differs = 0;
    for (let y = 44; y < 84; y++)
      for (let x = 44; x < 84; x++) {
        const p = (y * 128 + x) * 3;
        if (
          Math.abs(crop.data[p] - 128) + Math.abs(crop.data[p + 1] - 128) + Math.abs(crop.data[p + 2] - 128) >
          30
        )
          differs++;
      }
    expect(differs).toBeGreaterThan(40 * 40 * 0.5);
    // Frame 0: the box reaches past x = 0, so the crop's first column is the black fill.
    const first = decodePng(readFileSync(join(dir, cropFileName(0, 'crop'))));
    const box = readCropManifest(dir).frames[0];
    expect(box[1]).toBeLessThan(0);
    for (let y = 0; y < 128; y += 8)
      expect(Array.from(first.data.subarray(y * 128 * 3, y * 128 * 3 + 3))).toEqual([0, 0, 0]);
  });

  it('the prev crop is frame t − 1 at the same box, and the flow says the athlete moves right', () => {
    const manifest = readCropManifest(dir);
    // (The generated video steps 2 then 6 px at frames 29-30 and 58-59: overlay rounding.)
    for (const f of [15, 40, 70]) {
      const size = manifest.frames.find((r) => r[0] === f)![3];
      // SPEED / FPS source pixels per frame, in crop pixels.
      const expected = (SPEED / FPS) * (128 / size);
      const flow = decodeFlowPng(readFileSync(join(dir, cropFileName(f, 'flow'))));
      const mask = decodePng(readFileSync(join(dir, cropFileName(f, 'mask'))));
      const us: number[] = [];
      const vs: number[] = [];
      for (let i = 0; i < 128 * 128; i++)
        if (mask.data[i]) {
          us.push(flow.data[2 * i]);
          vs.push(flow.data[2 * i + 1]);
        }
      const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
      expect(Math.abs(med(us) - expected), `frame ${f}: ${med(us)} vs ${expected}`).toBeLessThan(0.5);
      expect(Math.abs(med(vs))).toBeLessThan(0.4);
    }
    // Frame 0 has no frame before it: its prev crop is itself.
    expect(readFileSync(join(dir, '0.prev.png')).equals(readFileSync(join(dir, '0.png')))).toBe(true);
    expect(readFileSync(join(dir, '30.prev.png')).equals(readFileSync(join(dir, '30.png')))).toBe(false);
  });

  it('gives the inspector the crop, prev, flow picture and mask of a frame', () => {
    const f = readCropFrame(dir, 30)!;
    expect(f.box).toMatchObject({ bridged: false });
    expect(f.box!.size).toBeGreaterThan(100);
    for (const png of [f.crop, f.prev!, f.flow!, f.mask!]) expect(decodePng(png).width).toBe(128);
    expect(decodePng(f.flow!).channels).toBe(3);
    expect(f.flowMedian![0]).toBeGreaterThan(0.5);
    expect(readCropFrame(dir, 21)!.box!.bridged).toBe(true);
    expect(readCropFrame(dir, 55)).toBeNull(); // athlete absent
    expect(() => readCropFrame(join(tmp.dir, 'nowhere'), 1)).toThrow(/No crops/);
  });

  it('recomputes missing flow files of a crop directory (kinema flow), the same as written', async () => {
    const copy = join(tmp.dir, 'flow-copy');
    cpSync(dir, copy, { recursive: true });
    const original = readFileSync(join(dir, '12.flow.png'));
    rmSync(join(copy, '12.flow.png'));
    rmSync(join(copy, '13.flow.png'));
    const r = await writeFlowForCropDir(copy);
    expect(r.written).toBe(2);
    expect(r.skipped).toBe(result.frames - 2);
    expect(readFileSync(join(copy, '12.flow.png')).equals(original)).toBe(true);
    await expect(writeFlowForCropDir(join(tmp.dir, 'crops'))).rejects.toThrow(/no <frame>\.png/);
  });
});

describe('frame accuracy', () => {
  it('crop t is frame t and prev t is frame t − 1, after a seek (frame-coded video)', async () => {
    // Frame n of this video is a flat grey that says n.
    const path = makeFrameCodedVideo(join(tmp.dir, 'coded.mp4'), 40, 25);
    const rows: PoseRow[] = Array.from({ length: 40 }, (_, f) => ({
      frame: f,
      keypoints: Array.from({ length: 17 }, (_, j) => [24 + (j % 4) * 5, 22 + j, 0.9]).flat(),
      box: [24, 22, 15, 16],
      score: 0.9,
    }));
    const out = join(tmp.dir, 'coded');
    const frameTimes = Float64Array.from({ length: 40 }, (_, i) => i / 25);
    for (const seekS of [undefined, cropSeekTime(frameTimes, 9)]) {
      rmSync(out, { recursive: true, force: true });
      await writeCropDir({
        videoPath: path,
        video: { width: 64, height: 64, fps: 25 },
        track: buildTrack(0, 'coco17', rows),
        inFrame: 10,
        outFrame: 16,
        outDir: out,
        cropSize: 32,
        seekS,
      });
      for (let f = 10; f < 16; f++) {
        const grey = (kind: 'crop' | 'prev') =>
          frameFromGrey(decodePng(readFileSync(join(out, cropFileName(f, kind)))).data);
        expect(grey('crop'), `crop of frame ${f}`).toBe(f);
        expect(grey('prev'), `prev crop of frame ${f}`).toBe(f - 1);
      }
    }
    expect(cropSeekTime(frameTimes, 0)).toBe(0);
    expect(() => cropSeekTime(frameTimes, 40)).toThrow(/frame index/);
  }, 60_000);
});

describe('crop directory edge cases', () => {
  it('tennis: writes into the front/ sub-folder, crops of 64 px', async () => {
    const out = join(tmp.dir, 'tennis', 'match_10_60');
    const r = await writeCropDir(options(out, { view: 'front', cropSize: 64, inFrame: 5, outFrame: 12 }));
    expect(r.dir).toBe(join(out, 'front'));
    expect(listCropFrames(join(out, 'front'))).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(readdirSync(out)).toEqual(['front']);
    expect(decodePng(readFileSync(join(out, 'front', '5.png'))).width).toBe(64);
  }, 60_000);

  it('a cancelled write leaves no folder (and no parent it created)', async () => {
    const parent = join(tmp.dir, 'cancelled');
    const out = join(parent, 'person');
    const controller = new AbortController();
    const run = writeCropDir(
      options(out, {
        signal: controller.signal,
        onProgress: (done) => {
          if (done >= 10) controller.abort();
        },
      }),
    );
    await expect(run).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
    expect(existsSync(parent)).toBe(false);
  }, 60_000);

  it('an existing directory is replaced only when the new one is complete', async () => {
    const out = join(tmp.dir, 'replace');
    mkdirSync(out);
    writeFileSync(join(out, '999.png'), 'old');
    const controller = new AbortController();
    controller.abort();
    await expect(writeCropDir(options(out, { signal: controller.signal }))).rejects.toThrow();
    expect(readdirSync(out)).toEqual(['999.png']);
    await writeCropDir(options(out, { inFrame: 0, outFrame: 3 }));
    expect(listCropFrames(out)).toEqual([0, 1, 2]);
  }, 60_000);

  it('a video without poses in the range, or with none at all, is refused with the reason', async () => {
    const out = join(tmp.dir, 'none');
    await expect(writeCropDir(options(out, { inFrame: 50, outFrame: 60 }))).rejects.toThrow(
      /no poses between frames 50 and 59/,
    );
    await expect(writeCropDir({ ...options(out), track: buildTrack(3, 'coco17', []) })).rejects.toThrow(
      /Track 3 has no poses/,
    );
    await expect(writeCropDir(options(out, { cropSize: 8 }))).rejects.toThrow(/crop size/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('the crops job', () => {
  function context(
    params: CropsParams,
    checkpoint: CropsCheckpoint | null,
    onCommit: (cp: CropsCheckpoint) => void = () => undefined,
    signal = new AbortController().signal,
  ): JobContext<CropsParams, CropsCheckpoint> {
    return {
      jobId: 42,
      params,
      checkpoint,
      signal,
      cacheDir: tmp.dir,
      progress: () => undefined,
      commit: async <T>(_op: unknown, cp: CropsCheckpoint) => {
        onCommit(cp);
        return undefined as T;
      },
    };
  }
  const params = (outDir: string): CropsParams => ({
    videoId: 1,
    path: video.path,
    video: { width: 640, height: 360, fps: FPS },
    runId: 2,
    track: serializeTrack(personTrack(all)),
    inFrame: 0,
    outFrame: FRAMES,
    seekS: 0,
    outDir,
  });

  it('writes every frame, committing a checkpoint every chunk', async () => {
    const out = join(tmp.dir, 'job', 'person');
    const commits: CropsCheckpoint[] = [];
    const r = await runCrops(context(params(out), null, (cp) => commits.push(cp)));
    expect(r.frames).toBe(FRAMES);
    expect(r.runId).toBe(2);
    expect(commits).toEqual([{ nextFrame: CROP_CHUNK, written: CROP_CHUNK }]);
    expect(listCropFrames(out)).toEqual(all);
  }, 120_000);

  it('resumes from its checkpoint: keeps the frames before it, rewrites from it', async () => {
    const done = join(tmp.dir, 'job', 'person');
    const out = join(tmp.dir, 'job2', 'person');
    const partial = partialDirFor(out, 'job42');
    mkdirSync(partial, { recursive: true });
    // What a killed attempt left: frames 0-39 complete, 40 cut short; frame 3 marked to prove it is kept.
    for (let f = 0; f < 40; f++)
      for (const k of ['crop', 'prev', 'flow', 'mask'] as const)
        cpSync(join(done, cropFileName(f, k)), join(partial, cropFileName(f, k)));
    cpSync(join(done, '4.png'), join(partial, '3.png'));
    writeFileSync(join(partial, '40.png'), 'half');
    const r = await runCrops(context(params(out), { nextFrame: 40, written: 40 }));
    expect(r.frames).toBe(FRAMES);
    expect(existsSync(partial)).toBe(false);
    expect(readFileSync(join(out, '3.png')).equals(readFileSync(join(done, '4.png')))).toBe(true);
    expect(readFileSync(join(out, '40.png')).equals(readFileSync(join(done, '40.png')))).toBe(true);
  }, 120_000);

  it('cancelled: no folder, no temporary folder', async () => {
    const out = join(tmp.dir, 'job3', 'person');
    const controller = new AbortController();
    const run = runCrops(context(params(out), null, () => controller.abort(), controller.signal));
    await expect(run).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(tmp.dir, 'job3'))).toBe(false);
  }, 120_000);

  it('refuses a malformed track', async () => {
    const p = params(join(tmp.dir, 'job4'));
    await expect(
      runCrops(context({ ...p, track: { ...p.track, skeletonId: 'nope' as never } }, null)),
    ).rejects.toThrow(/unknown skeleton/);
    await expect(runCrops(context({ ...p, track: { ...p.track, keypoints: [1, 2] } }, null))).rejects.toThrow(
      /malformed/,
    );
  });

  it('params are checked before queueing: range, poses, seek of the frame before inFrame', () => {
    const track = personTrack(gappyFrames);
    const request = {
      video: {
        id: 1,
        path: video.path,
        fileName: 'person.mp4',
        width: 640,
        height: 360,
        fps: FPS,
        frameCount: FRAMES,
      },
      frameTimes: Float64Array.from({ length: FRAMES }, (_, i) => i / FPS),
      runId: 2,
      track,
      outDir: join(tmp.dir, 'p'),
    };
    const p = cropsJobParams({ ...request, inFrame: 10, outFrame: 30 });
    expect(p.seekS).toBeCloseTo(8.75 / FPS, 9); // a quarter frame before frame 9 (see cropSeekTime)
    expect(p.video.name).toBe('person');
    const back = deserializeTrack(p.track);
    expect(Array.from(back.frames)).toEqual(Array.from(track.frames));
    expect(Math.max(...back.keypoints.map((v, i) => Math.abs(v - track.keypoints[i])))).toBeLessThan(1e-3);
    expect(cropsJobParams(request).seekS).toBe(0);
    expect(() => cropsJobParams({ ...request, outFrame: FRAMES + 1 })).toThrow(/outside person\.mp4/);
    expect(() => cropsJobParams({ ...request, inFrame: 52, outFrame: 58 })).toThrow(
      /no poses between frames 52 and 57/,
    );
    expect(() => cropsJobParams({ ...request, inFrame: 5, outFrame: 5 })).toThrow(/empty/);
    expect(existsSync(join(tmp.dir, 'p'))).toBe(false);
    expect(defaultCropDir('/data/coach.kinema', 'serve 1.mp4', 0)).toBe('/data/coach.crops/serve 1');
    expect(defaultCropDir('/data/coach.kinema', 'serve 1.mp4', 2)).toBe('/data/coach.crops/serve 1__track2');
  });
});
