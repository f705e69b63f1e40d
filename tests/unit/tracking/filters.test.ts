/**
 * Smoothing filters: One-Euro cuts jitter yet follows a step; the zero-phase Butterworth passes a
 * slow sine without lag and removes a fast one; median removes a spike; no filter bridges a gap or
 * lets a low-score keypoint pull its neighbours; the raw track is never modified.
 */
import { describe, expect, it } from 'vitest';
import { buildTrack, type PoseTrack } from '../../../src/shared/pose';
import {
  butterworthLowpass,
  butterworthSeries,
  butterworthTrack,
  contiguousRuns,
  hungarian,
  medianSeries,
  medianTrack,
  oneEuroSeries,
  oneEuroTrack,
} from '../../../src/shared/tracking';
import { rng } from './synthetic';

const FPS = 30;
const K = 17;

/** A COCO-17 track whose every joint has x = xs[i] (y = 2·x), score `score(i, j)`. */
function trackOf(
  frames: number[],
  xs: ArrayLike<number>,
  score = (_i: number, _j: number) => 0.9,
): PoseTrack {
  return buildTrack(
    3,
    'coco17',
    frames.map((frame, i) => {
      const kp = new Float32Array(K * 3);
      for (let j = 0; j < K; j++) kp.set([xs[i], 2 * xs[i], score(i, j)], j * 3);
      return { frame, keypoints: kp, box: [0, 0, 10, 10], score: 0.8 };
    }),
  );
}

/** x of joint j over the track. */
function xsOf(t: PoseTrack, j = 0): number[] {
  return Array.from(t.frames, (_, i) => t.keypoints[i * K * 3 + j * 3]);
}

function variance(v: ArrayLike<number>): number {
  const a = Array.from(v);
  const m = a.reduce((s, x) => s + x, 0) / a.length;
  return a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length;
}

/** Amplitude and phase of the f-Hz component of v (least squares on sin and cos). */
function sineFit(v: ArrayLike<number>, f: number, from: number, to: number): { amp: number; phase: number } {
  let s = 0;
  let c = 0;
  let ss = 0;
  let cc = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * f * i) / FPS;
    s += v[i] * Math.sin(w);
    c += v[i] * Math.cos(w);
    ss += Math.sin(w) ** 2;
    cc += Math.cos(w) ** 2;
  }
  const a = s / ss;
  const b = c / cc;
  return { amp: Math.hypot(a, b), phase: Math.atan2(b, a) };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('hungarian', () => {
  it('solves small square matrices', () => {
    const r = hungarian([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(Array.from(r.rowToCol)).toEqual([1, 0, 2]);
    expect(r.cost).toBe(5);
    expect(
      Array.from(
        hungarian([
          [1, 2],
          [1, 2],
        ]).rowToCol,
      ).sort(),
    ).toEqual([0, 1]);
  });

  it('solves rectangular matrices both ways', () => {
    const wide = hungarian([
      [10, 1, 10, 10],
      [10, 2, 3, 10],
    ]);
    expect(Array.from(wide.rowToCol)).toEqual([1, 2]);
    expect(Array.from(wide.colToRow)).toEqual([-1, 0, 1, -1]);
    expect(wide.cost).toBe(4);
    const tall = hungarian([
      [10, 10],
      [1, 10],
      [10, 10],
      [2, 3],
    ]);
    expect(Array.from(tall.rowToCol)).toEqual([-1, 0, -1, 1]);
    expect(tall.cost).toBe(4);
    expect(hungarian([]).rowToCol.length).toBe(0);
    expect(hungarian([[], []], 0).rowToCol).toEqual(Int32Array.of(-1, -1));
  });

  it('never returns forbidden pairs and maximises the allowed ones', () => {
    const r = hungarian([
      [1, Infinity],
      [0.5, 100],
    ]);
    // 0→0, 1→1 (two pairs) beats 1→0 alone even though 0.5 < 1.
    expect(Array.from(r.rowToCol)).toEqual([0, 1]);
    const none = hungarian([
      [Infinity, 2],
      [Infinity, 1],
    ]);
    expect(Array.from(none.rowToCol)).toEqual([-1, 1]);
    expect(none.cost).toBe(1);
  });

  it('matches brute force on random matrices', () => {
    const r = rng(5);
    const best = (c: number[][], row: number, used: Set<number>): number => {
      if (row === c.length) return 0;
      let b = Infinity;
      for (let j = 0; j < c[0].length; j++) {
        if (used.has(j)) continue;
        used.add(j);
        b = Math.min(b, c[row][j] + best(c, row + 1, used));
        used.delete(j);
      }
      return b;
    };
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(r.uniform() * 5);
      const m = n + Math.floor(r.uniform() * 3);
      const c = range(0, n).map(() => range(0, m).map(() => Math.round(r.uniform() * 100)));
      expect(hungarian(c).cost).toBe(best(c, 0, new Set()));
      // Transposed (more rows than columns) gives the same optimum.
      const t = range(0, m).map((j) => range(0, n).map((i) => c[i][j]));
      expect(hungarian(t).cost).toBe(best(c, 0, new Set()));
    }
  });
});

describe('One-Euro', () => {
  it('reduces jitter on a constant signal and follows a step within a few frames', () => {
    const r = rng(2);
    const raw = range(0, 200).map((i) => (i < 100 ? 100 : 200) + 2 * r.normal());
    const t = oneEuroTrack(trackOf(range(0, 200), raw), { fps: FPS, minCutoff: 1, beta: 0.05 });
    const out = xsOf(t);
    expect(variance(out.slice(20, 100))).toBeLessThan(0.2 * variance(raw.slice(20, 100)));
    // Within 5 px of the new level (5 % of the step) in at most 4 frames, and stays there.
    const settled = out.findIndex((x, i) => i >= 100 && Math.abs(x - 200) < 5);
    expect(settled - 100).toBeLessThanOrEqual(4);
    expect(out.slice(settled, 200).every((x) => Math.abs(x - 200) < 5)).toBe(true);
    // Same answer from the series function; y is filtered too.
    expect(out[150]).toBeCloseTo(oneEuroSeries(raw, FPS, { minCutoff: 1, beta: 0.05 })[150], 3);
    const ys = Array.from({ length: 80 }, (_, i) => t.keypoints[(20 + i) * K * 3 + 1]);
    expect(variance(ys)).toBeLessThan(0.5 * variance(raw.slice(20, 100).map((x) => 2 * x)));
  });

  it('resets at a gap and ignores low-score samples', () => {
    const frames = [...range(0, 20), ...range(30, 50)];
    const xs: number[] = frames.map((f) => (f < 30 ? 0 : 100));
    const t = oneEuroTrack(trackOf(frames, xs), { fps: FPS });
    expect(xsOf(t)[20]).toBe(100); // first sample after the gap is not pulled toward 0
    const spiky = xs.slice();
    spiky[10] = 1000;
    const u = oneEuroTrack(
      trackOf(frames, spiky, (i) => (i === 10 ? 0.1 : 0.9)),
      { fps: FPS },
    );
    expect(xsOf(u)[10]).toBe(1000); // kept raw
    expect(xsOf(u)[11]).toBe(0); // the neighbour is not pulled
  });
});

describe('zero-phase Butterworth', () => {
  const n = 300;

  it('passes a sine below the cutoff with < 2 % amplitude error and no phase lag', () => {
    const sine = range(0, n).map((i) => 50 * Math.sin((2 * Math.PI * 1 * i) / FPS));
    const out = xsOf(butterworthTrack(trackOf(range(0, n), sine), { fps: FPS, cutoff: 6 }));
    const fit = sineFit(out, 1, 0, n);
    expect(Math.abs(fit.amp - 50) / 50).toBeLessThan(0.02);
    expect(Math.abs(fit.phase)).toBeLessThan(0.005); // radians: zero phase
    // Point by point, edges included (reflection padding).
    const maxErr = Math.max(...out.map((x, i) => Math.abs(x - sine[i])));
    expect(maxErr).toBeLessThan(0.02 * 50);
    // A one-way filter of the same order would lag: the forward pass alone has a phase shift.
    const { b, a } = butterworthLowpass(6, FPS);
    const w = (2 * Math.PI * 1) / FPS;
    const num = [
      b[0] + b[1] * Math.cos(w) + b[2] * Math.cos(2 * w),
      -(b[1] * Math.sin(w) + b[2] * Math.sin(2 * w)),
    ];
    const den = [
      a[0] + a[1] * Math.cos(w) + a[2] * Math.cos(2 * w),
      -(a[1] * Math.sin(w) + a[2] * Math.sin(2 * w)),
    ];
    expect(Math.abs(Math.atan2(num[1], num[0]) - Math.atan2(den[1], den[0]))).toBeGreaterThan(0.1);
  });

  it('attenuates a sine well above the cutoff by more than 90 %', () => {
    const slow = range(0, n).map((i) => 20 * Math.sin((2 * Math.PI * 0.5 * i) / FPS));
    const fast = range(0, n).map((i) => 50 * Math.sin((2 * Math.PI * 10 * i) / FPS));
    const out = butterworthSeries(
      slow.map((v, i) => v + fast[i]),
      2,
      FPS,
    );
    expect(sineFit(out, 10, 30, n - 30).amp).toBeLessThan(0.1 * 50);
    expect(sineFit(out, 10, 0, n).amp).toBeLessThan(0.1 * 50);
    expect(Math.abs(sineFit(out, 0.5, 0, n).amp - 20)).toBeLessThan(0.02 * 20);
  });

  it('refuses a cutoff at or above Nyquist', () => {
    expect(() => butterworthLowpass(15, FPS)).toThrow(/half the frame rate/);
  });

  it('does not bridge gaps: each run is filtered on its own', () => {
    const frames = [...range(0, 50), ...range(60, 110)];
    const xs = frames.map((f) => (f < 60 ? 0 : 100));
    expect(contiguousRuns(Int32Array.from(frames))).toEqual([
      [0, 50],
      [50, 100],
    ]);
    const out = xsOf(butterworthTrack(trackOf(frames, xs), { fps: FPS, cutoff: 3 }));
    expect(Math.max(...out.slice(0, 50).map(Math.abs))).toBeLessThan(1e-6);
    expect(Math.max(...out.slice(50).map((x) => Math.abs(x - 100)))).toBeLessThan(1e-6);
    // Without the gap, the step would be smeared over its neighbours.
    const joined = xsOf(butterworthTrack(trackOf(range(0, 100), xs), { fps: FPS, cutoff: 3 }));
    expect(Math.abs(joined[49])).toBeGreaterThan(10);
  });

  it('keeps low-score keypoints raw and out of their neighbours', () => {
    const xs = range(0, 100).map(() => 10);
    xs[50] = 500;
    const t = trackOf(range(0, 100), xs, (i, j) => (i === 50 && j === 0 ? 0.05 : 0.9));
    const out = butterworthTrack(t, { fps: FPS, cutoff: 4 });
    const j0 = xsOf(out, 0);
    expect(j0[50]).toBe(500);
    expect(Math.max(...j0.filter((_, i) => i !== 50).map((x) => Math.abs(x - 10)))).toBeLessThan(1e-6);
    // Joint 1 had a good score at frame 50: its spike is smoothed (pulled down, spread out).
    const j1 = xsOf(out, 1);
    expect(j1[50]).toBeLessThan(300);
    expect(j1[49]).toBeGreaterThan(20);
  });

  it('returns a new track and leaves the raw one as it was', () => {
    const r = rng(8);
    const t = trackOf(
      range(0, 60),
      range(0, 60).map(() => r.normal()),
    );
    const before = t.keypoints.slice();
    const out = butterworthTrack(t, { fps: FPS, cutoff: 3 });
    expect(out).not.toBe(t);
    expect(out.keypoints).not.toBe(t.keypoints);
    expect(t.keypoints).toEqual(before);
    expect(out.frames).toEqual(t.frames);
    expect(out.boxes).toEqual(t.boxes);
    expect(out.scores).toEqual(t.scores);
    // Scores are copied unchanged.
    for (let i = 2; i < out.keypoints.length; i += 3) expect(out.keypoints[i]).toBe(t.keypoints[i]);
  });
});

describe('median', () => {
  it('removes a single-frame spike and keeps edges', () => {
    const xs: number[] = range(0, 40).map((i) => (i < 20 ? 5 : 9));
    xs[10] = 100;
    const out = xsOf(medianTrack(trackOf(range(0, 40), xs), { window: 5 }));
    expect(out[10]).toBe(5);
    expect(out.slice(0, 20).every((x) => x === 5)).toBe(true);
    expect(out.slice(20).every((x) => x === 9)).toBe(true); // a step stays sharp
    expect(Array.from(medianSeries([1, 50, 2, 3], 3))).toEqual([25.5, 2, 3, 2.5]);
  });

  it('uses only good samples and does not cross a gap', () => {
    const frames = [...range(0, 10), ...range(12, 22)];
    const xs = frames.map((f) => (f < 12 ? 0 : 50));
    const t = trackOf(frames, xs, (i) => (i === 3 ? 0.1 : 0.9));
    t.keypoints[3 * K * 3] = 999;
    const out = xsOf(medianTrack(t, { window: 7 }));
    expect(out[3]).toBe(999);
    expect(out.slice(0, 10).filter((_, i) => i !== 3)).toEqual(Array(9).fill(0));
    expect(out.slice(10)).toEqual(Array(10).fill(50));
  });
});
