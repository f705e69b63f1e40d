/**
 * Filtering series with gaps: a gap stays NaN (never 0, never bridged), each run is filtered on its
 * own, short gaps can be filled first, the raw series is never changed, and bad parameters or a
 * one-frame series get clear messages.
 */
import { describe, expect, it } from 'vitest';
import {
  fillGaps,
  filterAll,
  filterPointData,
  filterSeries,
  finiteRuns,
  gaussianSeries,
} from '../../../src/shared/kinematics';

const FPS = 60;
const sine = (n: number, hz: number, amp = 1, phase = 0) =>
  Float64Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / FPS + phase));

describe('filterSeries', () => {
  it('keeps NaN at gaps and filters each run on its own', () => {
    const v = sine(200, 1, 30, 0.3); // no exact zeros, so a 0 can only come from a gap
    for (let i = 80; i < 100; i++) v[i] = NaN;
    const raw = v.slice();
    for (const filter of [
      { kind: 'butterworth', cutoffHz: 6 },
      { kind: 'gaussian', sigmaFrames: 2 },
      { kind: 'median', window: 5 },
    ] as const) {
      const out = filterSeries(v, filter, FPS);
      for (let i = 80; i < 100; i++) expect(out[i]).toBeNaN();
      expect(out.some((x) => x === 0)).toBe(false);
      // A slow sine passes (almost) unchanged, right up to the gap's edges.
      for (const i of [40, 150]) expect(Math.abs(out[i] - raw[i])).toBeLessThan(0.8); // amplitude 30
      for (const i of [0, 79, 100, 199]) expect(Math.abs(out[i] - raw[i])).toBeLessThan(2); // run ends
      expect(Array.from(v)).toEqual(Array.from(raw)); // input untouched
    }
    expect(finiteRuns(v)).toEqual([
      [0, 80],
      [100, 200],
    ]);
  });

  it('a run is not pulled by the other side of a gap', () => {
    const v = new Float64Array(100).fill(10);
    for (let i = 50; i < 100; i++) v[i] = 100;
    for (let i = 45; i < 55; i++) v[i] = NaN;
    const out = filterSeries(v, { kind: 'butterworth', cutoffHz: 3 }, FPS);
    for (let i = 0; i < 45; i++) expect(out[i]).toBeCloseTo(10, 9);
    for (let i = 55; i < 100; i++) expect(out[i]).toBeCloseTo(100, 9);
  });

  it('removes noise: Butterworth at 6 Hz takes out a 20 Hz component', () => {
    const slow = sine(300, 1, 20);
    const noisy = slow.map((x, i) => x + 3 * Math.sin((2 * Math.PI * 20 * i) / FPS));
    const out = filterSeries(noisy, { kind: 'butterworth', cutoffHz: 6 }, FPS);
    let err = 0;
    for (let i = 30; i < 270; i++) err = Math.max(err, Math.abs(out[i] - slow[i]));
    expect(err).toBeLessThan(0.3);
  });

  it('median removes a one-frame spike; Gaussian preserves a constant and the mean of a line', () => {
    const v = new Float64Array(21).fill(5);
    v[10] = 500;
    expect(filterSeries(v, { kind: 'median', window: 3 }, FPS)[10]).toBe(5);
    const line = Float64Array.from({ length: 30 }, (_, i) => 2 * i);
    const g = gaussianSeries(line, 2);
    expect(g[15]).toBeCloseTo(30, 9);
    expect(gaussianSeries(new Float64Array(10).fill(7), 3).every((x) => Math.abs(x - 7) < 1e-12)).toBe(true);
  });

  it('fills only the gaps up to N frames, only between two values', () => {
    const v = Float64Array.from([NaN, 0, NaN, NaN, 3, NaN, NaN, NaN, NaN, 8, NaN]);
    const f = fillGaps(v, 2);
    expect(Array.from(f.slice(1, 5))).toEqual([0, 1, 2, 3]);
    expect(f[0]).toBeNaN();
    expect(f[6]).toBeNaN(); // a 4-frame gap stays
    expect(f[10]).toBeNaN();
    const out = filterSeries(v, { kind: 'median', window: 3 }, FPS, { fillGapsUpTo: 2 });
    expect(Number.isFinite(out[2])).toBe(true);
    expect(out[6]).toBeNaN();
  });

  it('keeps the raw series beside the filtered one', () => {
    const values = sine(100, 2, 10);
    const [s] = filterAll([{ name: 'knee', values }], { kind: 'gaussian', sigmaFrames: 3 }, FPS);
    expect(s.raw).toBe(values);
    expect(s.filtered).not.toBe(values);
    expect(s.filtered[50]).not.toBe(values[50]);
  });

  it('filters frames × points × dims coordinate data per coordinate', () => {
    const T = 50;
    const data = new Float64Array(T * 2 * 3);
    for (let t = 0; t < T; t++) data.set([t, 1, 2, NaN, 5, 6], t * 6);
    const out = filterPointData(data, 2, 3, { kind: 'gaussian', sigmaFrames: 1 }, FPS);
    expect(out[20 * 6]).toBeCloseTo(20, 9);
    expect(out[20 * 6 + 3]).toBeNaN();
    expect(out[20 * 6 + 4]).toBeCloseTo(5, 9);
    expect(() => filterPointData(new Float64Array(7), 2, 3, { kind: 'none' }, FPS)).toThrow(
      /whole number of frames/,
    );
  });

  it('refuses bad parameters and a one-frame series with clear messages', () => {
    const v = sine(50, 1);
    expect(() => filterSeries(v, { kind: 'butterworth', cutoffHz: 40 }, FPS)).toThrow(
      /cutoff 40 Hz must be above 0 and below half the frame rate \(30 Hz\)/,
    );
    expect(() => filterSeries(v, { kind: 'gaussian', sigmaFrames: 0 }, FPS)).toThrow(
      /sigma must be a positive/,
    );
    expect(() => filterSeries(v, { kind: 'median', window: 2.5 }, FPS)).toThrow(
      /median window must be a whole number/,
    );
    expect(() => filterSeries([1], { kind: 'butterworth', cutoffHz: 6 }, FPS)).toThrow(
      /cannot filter a series of 1 frame: filtering needs at least 2/,
    );
    expect(() =>
      filterAll([{ name: 'knee', values: Float64Array.of(1) }], { kind: 'median', window: 3 }, FPS),
    ).toThrow(/^knee: cannot filter/);
  });
});
