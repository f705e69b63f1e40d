import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ffmpegPaths } from '../../../src/main/media/ffmpeg';
import {
  decodeFlowPng,
  encodeFlowPng,
  FLOW_STEP_PX,
  flowToColor,
  FlowEstimator,
  medianFlow,
  rgbToGray,
  type FlowField,
} from '../../../src/main/vpd/flow';
import { skeletonMask } from '../../../src/main/vpd/mask';
import { decodePng, encodePng, type PngChannels } from '../../../src/main/vpd/png';
import { coco17 } from '../../../src/shared/skeletons';
import { tempDir } from '../../helpers/media';

const tmp = tempDir('kinema-vpd-png-');
afterAll(() => tmp.cleanup());

function pattern(w: number, h: number, c: number): Uint8Array {
  const data = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++)
        data[(y * w + x) * c + k] = (x * 7 + y * 13 + k * 50 + ((x * y) % 17)) & 0xff;
  return data;
}

describe('PNG', () => {
  it('round-trips grey, grey+alpha, RGB and RGBA exactly', () => {
    for (const channels of [1, 2, 3, 4] as PngChannels[]) {
      const img = { width: 37, height: 23, channels, data: pattern(37, 23, channels) };
      const back = decodePng(encodePng(img));
      expect(back.width).toBe(37);
      expect(back.height).toBe(23);
      expect(back.channels).toBe(channels);
      expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
    }
  });

  it('writes PNGs ffmpeg reads pixel for pixel, and reads the PNGs ffmpeg writes', () => {
    const img = { width: 40, height: 30, channels: 3 as const, data: pattern(40, 30, 3) };
    const ours = join(tmp.dir, 'ours.png');
    writeFileSync(ours, encodePng(img));
    const raw = execFileSync(ffmpegPaths().ffmpegPath, [
      '-v',
      'error',
      '-i',
      ours,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    expect(Buffer.from(raw).equals(Buffer.from(img.data))).toBe(true);

    const theirs = join(tmp.dir, 'theirs.png');
    execFileSync(ffmpegPaths().ffmpegPath, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x48',
      '-frames:v',
      '1',
      theirs,
    ]);
    const decoded = decodePng(readFileSync(theirs));
    const reference = execFileSync(ffmpegPaths().ffmpegPath, [
      '-v',
      'error',
      '-i',
      theirs,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    expect(decoded.channels).toBe(3);
    expect(Buffer.from(decoded.data).equals(Buffer.from(reference))).toBe(true);
  });

  it('refuses damaged and unsupported files with the reason', () => {
    const good = encodePng({ width: 8, height: 8, channels: 1, data: pattern(8, 8, 1) });
    expect(() => decodePng(new TextEncoder().encode('not a png at all'), 'x.png')).toThrow(
      /x\.png: is not a PNG/,
    );
    expect(() => decodePng(good.subarray(0, good.length - 20), 'cut.png')).toThrow(/truncated/);
    const flipped = good.slice();
    flipped[40] ^= 0xff; // inside IDAT
    expect(() => decodePng(flipped, 'bad.png')).toThrow(/checksum/);
    // A 16-bit PNG: same file with the bit depth changed and the header's CRC recomputed.
    const deep = good.slice();
    deep[8 + 8 + 8] = 16;
    new DataView(deep.buffer).setUint32(8 + 8 + 13, crc32(deep.subarray(12, 12 + 4 + 13)));
    expect(() => decodePng(deep, 'deep.png')).toThrow(/16-bit/);
    expect(() => encodePng({ width: 4, height: 4, channels: 3, data: new Uint8Array(10) })).toThrow(/bytes/);
  });
});

/** A smooth random texture (sum of sines), sampled at (x - dx, y - dy): shifted by (dx, dy). */
function texture(w: number, h: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const u = x - dx;
      const v = y - dy;
      const val =
        128 +
        45 * Math.sin(u * 0.31 + 0.7) * Math.cos(v * 0.23) +
        30 * Math.sin((u + 2 * v) * 0.13 + 1.1) +
        20 * Math.cos((3 * u - v) * 0.09);
      out[y * w + x] = Math.max(0, Math.min(255, Math.round(val)));
    }
  return out;
}

describe('optical flow', () => {
  it('finds a (3, −2) pixel shift of a textured image within 0.3 px (median), at 128 and 256', async () => {
    const flow = await FlowEstimator.open();
    try {
      for (const size of [128, 256]) {
        const field = flow.compute(texture(size, size, 0, 0), texture(size, size, 3, -2), size, size);
        const [u, v] = medianFlow(field);
        expect(Math.abs(u - 3)).toBeLessThan(0.3);
        expect(Math.abs(v + 2)).toBeLessThan(0.3);
      }
      // Opposite order, opposite flow.
      const back = medianFlow(flow.compute(texture(128, 128, 3, -2), texture(128, 128, 0, 0), 128, 128));
      expect(back[0]).toBeCloseTo(-3, 0);
      expect(back[1]).toBeCloseTo(2, 0);
      expect(() => flow.compute(new Uint8Array(10), new Uint8Array(10), 128, 128)).toThrow(/bytes/);
    } finally {
      flow.dispose();
    }
  });

  it('subtractMedian removes the common motion', async () => {
    const flow = await FlowEstimator.open({ subtractMedian: true });
    try {
      const [u, v] = medianFlow(flow.compute(texture(128, 128, 0, 0), texture(128, 128, 3, -2), 128, 128));
      expect(Math.abs(u)).toBeLessThan(0.05);
      expect(Math.abs(v)).toBeLessThan(0.05);
    } finally {
      flow.dispose();
    }
  });

  it('flow PNG round-trips within half a quantisation step, clipped at ±20 px, in VPD’s channel layout', () => {
    const w = 64;
    const h = 32;
    const data = new Float32Array(w * h * 2);
    for (let i = 0; i < w * h; i++) {
      data[2 * i] = -19.9 + (39.8 * i) / (w * h);
      data[2 * i + 1] = 19.9 * Math.sin(i * 0.37);
    }
    data[0] = 35; // beyond the clip
    data[1] = -50;
    const field: FlowField = { width: w, height: h, data };
    const png = encodeFlowPng(field);
    const back = decodeFlowPng(png);
    expect(back.width).toBe(w);
    expect(back.height).toBe(h);
    let worst = 0;
    for (let i = 2; i < data.length; i++) worst = Math.max(worst, Math.abs(back.data[i] - data[i]));
    expect(worst).toBeLessThanOrEqual(FLOW_STEP_PX / 2 + 1e-6);
    expect(FLOW_STEP_PX).toBeCloseTo(41 / 255, 6);
    expect(back.data[0]).toBeCloseTo(20, 0);
    expect(back.data[1]).toBeCloseTo(-20, 0);

    // What VPD's loader sees: channels (B, G) = (x, y), q = floor((f + 20) · 255 / 41); R = 128.
    const zero = decodePng(encodeFlowPng({ width: 1, height: 1, data: new Float32Array([0, 0]) }));
    expect(Array.from(zero.data)).toEqual([128, 124, 124]);
    const right = decodePng(encodeFlowPng({ width: 1, height: 1, data: new Float32Array([3, -2]) }));
    expect(Array.from(right.data)).toEqual([128, Math.floor(18 * (255 / 41)), Math.floor(23 * (255 / 41))]);
    expect(() =>
      decodeFlowPng(encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) })),
    ).toThrow(/grey/);
  });

  it('colour wheel: still is white, direction is hue, speed is saturation', () => {
    const field: FlowField = { width: 4, height: 1, data: new Float32Array([0, 0, 4, 0, -4, 0, 2, 0]) };
    const img = flowToColor(field, 4);
    const px = (i: number) => Array.from(img.data.subarray(i * 3, i * 3 + 3));
    expect(px(0)).toEqual([255, 255, 255]);
    expect(px(1)).toEqual([255, 0, 0]); // right: red
    expect(px(2)).toEqual([0, 255, 255]); // left: cyan
    expect(px(3)).toEqual([255, 128, 128]); // half speed right: pale red
  });

  it('grey conversion uses BT.601 luma', () => {
    expect(Array.from(rgbToGray(new Uint8Array([255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0])))).toEqual([
      255, 0, 76, 150,
    ]);
  });
});

describe('skeleton mask', () => {
  // A standing COCO-17 person in source pixels, crop box 400 px at (100, 50), mask 128 px.
  const box = { x: 100, y: 50, size: 400 };
  const joints: [number, number][] = [
    [300, 110],
    [292, 102],
    [308, 102],
    [282, 106],
    [318, 106],
    [260, 150],
    [340, 150],
    [245, 210],
    [355, 210],
    [240, 270],
    [360, 270],
    [275, 260],
    [325, 260],
    [272, 330],
    [328, 330],
    [270, 400],
    [330, 400],
  ];
  const kp = joints.flatMap(([x, y]) => [x, y, 0.9]);
  const toCrop = (x: number, y: number) => [((x - box.x) * 128) / box.size, ((y - box.y) * 128) / box.size];

  it("covers every pixel of the skeleton's bones, torso and head, and little else", () => {
    const mask = skeletonMask(kp, 'coco17', box, 128);
    expect(mask.length).toBe(128 * 128);
    for (const [a, b] of coco17.links) {
      const [ax, ay] = toCrop(...joints[a]);
      const [bx, by] = toCrop(...joints[b]);
      for (let t = 0; t <= 1; t += 0.05) {
        const x = Math.floor(ax + (bx - ax) * t);
        const y = Math.floor(ay + (by - ay) * t);
        expect(mask[y * 128 + x], `link ${a}-${b} at t=${t.toFixed(2)}`).toBe(255);
      }
    }
    // The torso's centre (between shoulders and hips) is inside.
    const [tx, ty] = toCrop(300, 205);
    expect(mask[Math.floor(ty) * 128 + Math.floor(tx)]).toBe(255);
    // Background: the corners, and most of the crop.
    for (const [x, y] of [
      [0, 0],
      [127, 0],
      [0, 127],
      [127, 127],
      [10, 64],
      [118, 64],
    ])
      expect(mask[y * 128 + x]).toBe(0);
    const covered = mask.reduce((n, v) => n + (v ? 1 : 0), 0) / mask.length;
    expect(covered).toBeGreaterThan(0.05);
    expect(covered).toBeLessThan(0.4);
    for (const v of mask) expect(v === 0 || v === 255).toBe(true);
  });

  it('leaves out low-scoring joints and their bones; nothing posed → empty', () => {
    const low = kp.slice();
    low[10 * 3 + 2] = 0.1; // right wrist
    const mask = skeletonMask(low, 'coco17', box, 128);
    const [wx, wy] = toCrop(360, 270);
    expect(mask[Math.floor(wy) * 128 + Math.floor(wx) + 3]).toBe(0);
    const none = kp.map((v, i) => (i % 3 === 2 ? 0 : v));
    expect(skeletonMask(none, 'coco17', box, 128).every((v) => v === 0)).toBe(true);
    expect(() => skeletonMask(kp.slice(3), 'coco17', box, 128)).toThrow(/16 keypoints/);
  });
});
