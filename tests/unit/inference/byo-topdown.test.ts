/** The pure pieces of top-down inference: crop geometry, bilinear resample, input layout, decoders. */
import { describe, expect, it } from 'vitest';
import {
  boxToCrop,
  cropResize,
  cropToFrame,
  decodeHeatmaps,
  decodeSimcc,
  toInputData,
} from '../../../src/main/inference/byo/topdown';

describe('boxToCrop', () => {
  it('pads by 1.25 and widens a tall box to the model aspect', () => {
    expect(boxToCrop([100, 50, 300, 350], 192, 256)).toEqual({ cx: 200, cy: 200, w: 281.25, h: 375 });
  });
  it('heightens a wide box, and honours another padding', () => {
    expect(boxToCrop([0, 0, 300, 100], 192, 256, 1)).toEqual({ cx: 150, cy: 50, w: 300, h: 400 });
  });
});

describe('cropResize', () => {
  // 4×3 frame, pixel (x, y) = [10x + y, 100, 200].
  const fw = 4;
  const fh = 3;
  const frame = new Uint8Array(fw * fh * 3);
  for (let y = 0; y < fh; y++)
    for (let x = 0; x < fw; x++) frame.set([10 * x + y, 100, 200], (y * fw + x) * 3);

  it('reproduces the frame when the crop is the frame at its own size', () => {
    const out = cropResize(frame, fw, fh, { cx: 2, cy: 1.5, w: 4, h: 3 }, 4, 3);
    expect(Array.from(out)).toEqual(Array.from(frame));
  });

  it('interpolates bilinearly and reads zeros outside the frame', () => {
    // Half-size crop with 2× upsampling: output pixel u samples x = 1 + u/2.
    const out = cropResize(frame, fw, fh, { cx: 2, cy: 1, w: 2, h: 2 }, 4, 4);
    const at = (u: number, v: number) => out[(v * 4 + u) * 3];
    expect(at(0, 0)).toBeCloseTo(10, 5); // (1, 0)
    expect(at(1, 0)).toBeCloseTo(15, 5); // (1.5, 0)
    expect(at(1, 1)).toBeCloseTo(15.5, 5); // (1.5, 0.5)
    const outside = cropResize(frame, fw, fh, { cx: -10, cy: -10, w: 2, h: 2 }, 2, 2);
    expect(Array.from(outside).every((v) => v === 0)).toBe(true);
    // Half a pixel past the right edge blends with black.
    const edge = cropResize(frame, fw, fh, { cx: 4, cy: 0.5, w: 1, h: 1 }, 1, 1);
    expect(edge[1]).toBeCloseTo(50, 5);
  });

  it('checks the frame size', () => {
    expect(() => cropResize(new Uint8Array(5), 2, 2, { cx: 1, cy: 1, w: 2, h: 2 }, 2, 2)).toThrow(
      /expected 2×2×3/,
    );
  });

  it('maps crop pixels back to the frame pixels they sampled (cropToFrame is its inverse)', () => {
    const crop = { cx: 50, cy: 40, w: 30, h: 40 };
    const kp = cropToFrame(Float32Array.from([0, 0, 1, 24, 16, 0.5]), crop, 48, 64);
    expect(Array.from(kp)).toEqual([35, 20, 1, 50, 30, 0.5]);
    const scaled = cropToFrame(Float32Array.from([6, 4, 1]), crop, 48, 64, 4, 4);
    expect(Array.from(scaled)).toEqual([50, 30, 1]);
  });
});

describe('toInputData', () => {
  // 2×1 image: pixels [10, 20, 30] and [40, 50, 60].
  const rgb = Float32Array.from([10, 20, 30, 40, 50, 60]);
  type Triple = [number, number, number];
  const base = {
    width: 2,
    height: 1,
    dtype: 'float32' as const,
    mean: [0, 0, 0] as Triple,
    std: [1, 1, 1] as Triple,
  };

  it('lays out NCHW planes and NHWC pixels, RGB or BGR', () => {
    expect(Array.from(toInputData(rgb, { ...base, layout: 'NCHW', channelOrder: 'RGB' }))).toEqual([
      10, 40, 20, 50, 30, 60,
    ]);
    expect(Array.from(toInputData(rgb, { ...base, layout: 'NHWC', channelOrder: 'BGR' }))).toEqual([
      30, 20, 10, 60, 50, 40,
    ]);
  });

  it('normalises with mean/std in the model channel order, and feeds uint8 raw', () => {
    const bgr = toInputData(rgb, {
      ...base,
      layout: 'NCHW',
      channelOrder: 'BGR',
      mean: [30, 0, 10],
      std: [2, 10, 1],
    });
    expect(Array.from(bgr)).toEqual([0, 15, 2, 5, 0, 30]);
    const u8 = toInputData(Float32Array.from([1.4, 2.6, 255, 0, 0, 0]), {
      ...base,
      dtype: 'uint8',
      layout: 'NHWC',
      channelOrder: 'RGB',
    });
    expect(u8).toBeInstanceOf(Uint8Array);
    expect(Array.from(u8)).toEqual([1, 3, 255, 0, 0, 0]);
  });
});

describe('decoders', () => {
  it('heatmaps: argmax, quarter shift toward the higher neighbour, none at the border', () => {
    // K = 2, 3×4 maps.
    const hm = new Float32Array(2 * 12);
    hm.set([0, 0, 0, 0, 0.2, 0.9, 0.5, 0, 0, 0.1, 0, 0], 0); // peak (1, 1): right > left, below > above
    hm.set([0.8, 0.3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 12); // peak (0, 0): border, no shift
    const kp = decodeHeatmaps(hm, 2, 3, 4);
    expect(Array.from(kp)).toEqual([1.25, 1.25, Math.fround(0.9), 0, 0, Math.fround(0.8)]);
    expect(() => decodeHeatmaps(hm, 3, 3, 4)).toThrow(/expected 3×3×4/);
  });

  it('SimCC: argmax / ratio, score min or mean', () => {
    const x = Float32Array.from([0, 0, 0.9, 0, 0.1, 0.8, 0, 0]); // K = 2, length 4
    const y = Float32Array.from([0, 0, 0, 0, 0, 0.5, 0.6, 0, 0, 0, 0, 0]); // length 6
    expect(Array.from(decodeSimcc(x, y, 2, 2))).toEqual([1, 2.5, Math.fround(0.5), 0.5, 0, Math.fround(0.6)]);
    expect(decodeSimcc(x, y, 2, 2, 'mean')[2]).toBeCloseTo(0.7, 6);
    expect(() => decodeSimcc(x, y, 3, 2)).toThrow(/do not hold 3 keypoints/);
  });
});
