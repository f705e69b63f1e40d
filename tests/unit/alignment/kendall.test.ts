/**
 * Kendall's tau-b (merge-sort counting) against the O(n²) definition with many ties; TCC's
 * nearest-neighbour tau of sequences and data sets; frame error against a known warp.
 */
import { describe, expect, it } from 'vitest';
import {
  correspondenceTau,
  datasetTau,
  frameError,
  kendallTauB,
  nearestFrames,
  nearestNeighbourTau,
  quantile,
} from '../../../src/shared/alignment';
import { linspace, rng, signalAt, warp } from './synthetic';

/** tau-b straight from its definition. */
function bruteTauB(x: number[], y: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
      if (x[i] === x[j] && y[i] !== y[j]) tiesX++;
      if (y[i] === y[j] && x[i] !== x[j]) tiesY++;
    }
  }
  return (
    (concordant - discordant) /
    Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY))
  );
}

describe('Kendall tau-b', () => {
  it('matches the O(n²) definition on random series with many ties', () => {
    const r = rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(r.uniform() * 60);
      const levels = 1 + Math.floor(r.uniform() * 8);
      const x = Array.from({ length: n }, () => Math.floor(r.uniform() * levels));
      const y = Array.from({ length: n }, () => Math.floor(r.uniform() * (levels + 2)) + 0.5 * x[0]);
      const want = bruteTauB(x, y);
      const got = kendallTauB(x, y);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(got).toBeCloseTo(want, 12);
    }
  });

  it('is 1 for the same order, −1 for reversed, NaN for a constant series', () => {
    const x = [1, 2, 3, 4, 5];
    expect(kendallTauB(x, [10, 20, 30, 40, 50])).toBe(1);
    expect(kendallTauB(x, [5, 4, 3, 2, 1])).toBe(-1);
    expect(kendallTauB(x, [7, 7, 7, 7, 7])).toBeNaN();
    // The classic example with ties: scipy.stats.kendalltau([12,2,1,12,2], [1,4,7,1,0]) = −0.47140…
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.4714045207910317, 12);
  });

  it('handles 200 000 values quickly (O(n log n))', () => {
    const r = rng(9);
    const n = 200_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => i + 2000 * r.normal());
    const t0 = performance.now();
    const tau = kendallTauB(x, y);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(tau).toBeGreaterThan(0.5);
    expect(tau).toBeLessThan(1);
  });

  it('refuses bad input with a clear message', () => {
    expect(() => kendallTauB([1, 2], [1])).toThrow(/differ in length \(2 and 1\)/);
    expect(() => kendallTauB([1], [1])).toThrow(/at least 2 values/);
    expect(() => kendallTauB([1, NaN, 3], [1, 2, 3])).toThrow(/x\[1\] is NaN/);
    expect(() => correspondenceTau([3])).toThrow(/at least 2 frames/);
  });
});

describe('alignment tau (TCC) and frame error', () => {
  it('a strictly increasing correspondence has tau 1; repeats (ties) and going back lower it', () => {
    expect(correspondenceTau([0, 1, 3, 4, 9])).toBe(1);
    // tau-b counts repeated matches as ties, as scipy.stats.kendalltau (used by TCC) does.
    expect(correspondenceTau([0, 0, 1, 3, 3, 4, 9])).toBeCloseTo(
      bruteTauB([0, 1, 2, 3, 4, 5, 6], [0, 0, 1, 3, 3, 4, 9]),
      12,
    );
    expect(correspondenceTau([0, 0, 1, 3, 3, 4, 9])).toBeLessThan(1);
    expect(correspondenceTau([0, 2, 1, 3, 5, 4])).toBeLessThan(1);
  });

  it('nearest-neighbour tau: 1 for a sequence against a time-warped copy of itself', () => {
    const a = signalAt(linspace(120), 6);
    const b = signalAt(Float64Array.from(linspace(90), warp), 6);
    expect(nearestNeighbourTau(a, b, 6)).toBeGreaterThan(0.99);
    const reversed = signalAt(
      Float64Array.from(linspace(90), (u) => 1 - u),
      6,
    );
    expect(nearestNeighbourTau(a, reversed, 6)).toBeLessThan(-0.9);
    // Missing frames of a are skipped; those of b never chosen.
    const withGaps = Float32Array.from(a).fill(NaN, 0, 6 * 10);
    const nn = nearestFrames(withGaps, b, 6);
    expect(Array.from(nn.subarray(0, 10))).toEqual(new Array(10).fill(-1));
    expect(nearestFrames(b, withGaps, 6).every((j) => j >= 10)).toBe(true);
  });

  it('data-set tau averages every ordered pair', () => {
    const seqs = [0, 1, 2].map((k) =>
      signalAt(
        Float64Array.from(linspace(60 + 20 * k), (u) => warp(u) ** (1 + 0.2 * k)),
        4,
      ),
    );
    const res = datasetTau(seqs, 4);
    expect(res.pairs).toHaveLength(6);
    expect(res.undefinedCount).toBe(0);
    expect(res.mean).toBeGreaterThan(0.98);
    expect(res.mean).toBeCloseTo(res.pairs.reduce((s, p) => s + p.tau, 0) / 6, 12);
    expect(() => datasetTau([seqs[0]], 4)).toThrow(/at least 2 sequences/);
  });

  it('frame error: median, mean, p95 and max against the truth, skipping unknown frames', () => {
    const truth = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, NaN];
    const predicted = [0, 1, 2, 3, 4, 5, 6, 7, 8, 19, 3];
    const e = frameError(predicted, truth);
    expect(e.count).toBe(10);
    expect(e.median).toBe(0);
    expect(e.mean).toBeCloseTo(1, 12);
    expect(e.max).toBe(10);
    expect(e.p95).toBeCloseTo(quantile([0, 0, 0, 0, 0, 0, 0, 0, 0, 10], 0.95), 12);
    expect(e.p95).toBeCloseTo(5.5, 12);
    expect(frameError([1.5, 2], [1, 1]).median).toBeCloseTo(0.75, 12);
    expect(() => frameError([1, 2], [1])).toThrow(/2 predicted frames but 1 true ones/);
    expect(() => frameError([1], [NaN])).toThrow(/no frame has a finite true correspondence/);
    expect(() => frameError([NaN], [1])).toThrow(/predicted\[0\] is NaN/);
  });
});
