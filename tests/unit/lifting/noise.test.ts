import { describe, expect, it } from 'vitest';
import {
  addDetectorNoise,
  COCO17_KAPPA,
  COCO17_NOISE_LAYOUT,
  DEFAULT_NOISE,
  personScales,
  type DetectorNoiseOptions,
} from '../../../src/shared/lifting/noise';

const OFF: DetectorNoiseOptions = {
  jitter: 0,
  biasFraction: 0,
  biasCorrelation: 0,
  dropRate: 0,
  dropMeanFrames: 1,
  dropped: 'keep',
  swapRate: 0,
  swapMeanFrames: 1,
  outlierRate: 0,
};

/** A still person: 17 keypoints spread over a 200 × 400 px box (person scale √(200·400) ≈ 283 px). */
function stillPerson(frames: number): Float32Array {
  const one = Array.from({ length: 17 }, (_, j) => [400 + (j % 5) * 50, 300 + j * 25]).flat();
  one[0] = 400;
  one[1] = 300;
  one[2] = 600;
  one[3] = 700;
  const out = new Float32Array(frames * 34);
  for (let t = 0; t < frames; t++) out.set(one, t * 34);
  return out;
}

describe('detector-like 2D noise', () => {
  const T = 4000;
  const clean = stillPerson(T);

  it('is reproducible from its seed and differs between seeds', () => {
    const a = addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, DEFAULT_NOISE, 42);
    const b = addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, DEFAULT_NOISE, 42);
    const c = addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, DEFAULT_NOISE, 43);
    expect(a.pointsPx).toEqual(b.pointsPx);
    expect(a.scores).toEqual(b.scores);
    expect(a.pointsPx).not.toEqual(c.pointsPx);
  });

  it('jitters each joint with a standard deviation of jitter · κ · person scale', () => {
    const scale = personScales(clean, 1, 17)[0];
    expect(scale).toBeCloseTo(Math.sqrt(200 * 400), 3);
    const n = addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, { ...OFF, jitter: 1 }, 7);
    for (const j of [0, 5, 11, 16]) {
      let q = 0;
      for (let t = 0; t < T; t++) q += (n.pointsPx[(t * 17 + j) * 2] - clean[(t * 17 + j) * 2]) ** 2;
      const sd = Math.sqrt(q / T);
      expect(sd / (COCO17_KAPPA[j] * scale)).toBeGreaterThan(0.93);
      expect(sd / (COCO17_KAPPA[j] * scale)).toBeLessThan(1.07);
    }
    expect(n.counts).toEqual({ dropped: 0, swappedFrames: 0, outliers: 0 });
    expect(Math.min(...n.scores)).toBeGreaterThanOrEqual(0.6);
  });

  it('makes the bias part slowly varying (frame-to-frame correlation)', () => {
    const n = addDetectorNoise(
      clean,
      T,
      COCO17_NOISE_LAYOUT,
      { ...OFF, jitter: 1, biasFraction: 1, biasCorrelation: 0.95 },
      3,
    );
    let num = 0;
    let den = 0;
    for (let t = 1; t < T; t++) {
      const e0 = n.pointsPx[(t - 1) * 34 + 10] - clean[10];
      const e1 = n.pointsPx[t * 34 + 10] - clean[10];
      num += e0 * e1;
      den += e0 * e0;
    }
    expect(num / den).toBeGreaterThan(0.9);
  });

  it('drops joints in bursts at about the asked rate, with score 0 and coordinates kept or zeroed', () => {
    const opts = { ...OFF, dropRate: 0.01, dropMeanFrames: 5 };
    const kept = addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, opts, 9);
    const zeroed = addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, { ...opts, dropped: 'zero' }, 9);
    const droppedFraction = kept.counts.dropped / (T * 17);
    // a burst starts with p = 0.01 per joint-frame when none is running: expected share ≈ 5 / (100 + 5)
    expect(droppedFraction).toBeGreaterThan(0.03);
    expect(droppedFraction).toBeLessThan(0.07);
    let zeros = 0;
    for (let i = 0; i < T * 17; i++) {
      if (zeroed.scores[i] === 0) {
        expect(zeroed.pointsPx[i * 2]).toBe(0);
        expect(kept.pointsPx[i * 2]).not.toBe(0);
        zeros++;
      }
    }
    expect(zeros).toBe(kept.counts.dropped);
  });

  it('swaps left and right limbs for bursts of frames', () => {
    const n = addDetectorNoise(
      clean,
      T,
      COCO17_NOISE_LAYOUT,
      { ...OFF, swapRate: 0.01, swapMeanFrames: 4 },
      5,
    );
    expect(n.counts.swappedFrames).toBeGreaterThan(50);
    let swapped = 0;
    for (let t = 0; t < T; t++) {
      // left ankle (15) where the right ankle (16) was
      if (
        n.pointsPx[(t * 17 + 15) * 2] === clean[(t * 17 + 16) * 2] &&
        n.pointsPx[(t * 17 + 15) * 2 + 1] === clean[(t * 17 + 16) * 2 + 1]
      )
        swapped++;
    }
    expect(swapped).toBeGreaterThan(0);
    expect(Math.min(...n.scores)).toBeGreaterThanOrEqual(0.6);
  });

  it('refuses bad options and inputs', () => {
    expect(() => addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, { ...OFF, dropRate: 2 }, 1)).toThrow(
      /dropRate/,
    );
    expect(() => addDetectorNoise(clean, T, COCO17_NOISE_LAYOUT, { ...OFF, jitter: -1 }, 1)).toThrow(
      /jitter/,
    );
    expect(() => addDetectorNoise(clean.subarray(0, 33), 1, COCO17_NOISE_LAYOUT, OFF, 1)).toThrow(
      /expected 1 × 17 × 2/,
    );
  });
});
