/**
 * DTW: same cost and path as a brute-force DP on random cases (both engines, every distance, with
 * and without a band), a known time warp recovered, unequal lengths, missing frames, a precomputed
 * cost matrix, subsequence DTW finding planted motions, and clear errors on bad input.
 */
import { describe, expect, it } from 'vitest';
import {
  bandLimits,
  correspondenceTau,
  dtw,
  dtwFromCostMatrix,
  frameCost,
  frameError,
  pathPairs,
  subsequenceDtw,
  wasmKernelAvailable,
  type DtwDistance,
} from '../../../src/shared/alignment';
import { bruteDtw, linspace, randomFrames, rng, signalAt, warp } from './synthetic';

const DISTANCES: DtwDistance[] = ['euclidean', 'sqeuclidean', 'cosine'];
const ENGINES = ['js', 'wasm'] as const;

describe('DTW against brute force', () => {
  it('has WebAssembly SIMD here (the fast engine)', () => {
    expect(wasmKernelAvailable(34)).toBe(true);
  });

  for (const engine of ENGINES) {
    for (const distance of DISTANCES) {
      it(`${engine} engine, ${distance}: same cost and path on 40 random cases`, () => {
        const r = rng(distance.length * 7 + engine.length);
        for (let trial = 0; trial < 40; trial++) {
          const n = 1 + Math.floor(r.uniform() * 23);
          const m = 1 + Math.floor(r.uniform() * 23);
          const dim = 1 + Math.floor(r.uniform() * 9);
          const a = randomFrames(n, dim, trial * 2 + 1);
          const b = randomFrames(m, dim, trial * 2 + 2);
          const got = dtw(a, b, dim, { distance, engine });
          const want = bruteDtw((i, j) => frameCost(a, i, b, j, dim, distance), n, m);
          expect(got.engine).toBe(engine);
          expect(got.cost).toBeCloseTo(want.cost, 4);
          expect(got.normalizedCost).toBeCloseTo(want.cost / (n + m), 5);
          expect(pathPairs(got.path!)).toEqual(want.path);
        }
      });
    }

    it(`${engine} engine: a band gives the brute-force cost restricted to the band, and never less than full`, () => {
      for (const [n, m, band] of [
        [30, 30, { frames: 3 }],
        [20, 45, { frames: 2 }],
        [45, 20, { fraction: 0.1 }],
        [25, 60, { fraction: 0.05 }],
      ] as const) {
        const dim = 4;
        const a = randomFrames(n, dim, n);
        const b = randomFrames(m, dim, m + 100);
        const { lo, hi } = bandLimits(n, m, band);
        const banded = dtw(a, b, dim, { band, engine });
        const full = dtw(a, b, dim, { engine });
        const want = bruteDtw(
          (i, j) => frameCost(a, i, b, j, dim, 'euclidean'),
          n,
          m,
          (i, j) => j >= lo[i] && j <= hi[i],
        );
        expect(banded.cost).toBeCloseTo(want.cost, 4);
        expect(pathPairs(banded.path!)).toEqual(want.path);
        expect(banded.cost).toBeGreaterThanOrEqual(full.cost - 1e-9);
        // The band follows the n/m slope and keeps its half-width (widened only to connect).
        const slope = (m - 1) / (n - 1);
        const w = Math.max('frames' in band ? band.frames : band.fraction * Math.max(n, m), (slope + 1) / 2);
        for (const [i, j] of pathPairs(banded.path!))
          expect(Math.abs(j - i * slope)).toBeLessThanOrEqual(w + 1e-9);
      }
    });
  }

  it('breaks ties the documented way (diagonal, then up, then left) on integer features', () => {
    const r = rng(77);
    for (let trial = 0; trial < 30; trial++) {
      const n = 2 + Math.floor(r.uniform() * 15);
      const m = 2 + Math.floor(r.uniform() * 15);
      const a = Float32Array.from({ length: n }, () => Math.floor(r.uniform() * 3));
      const b = Float32Array.from({ length: m }, () => Math.floor(r.uniform() * 3));
      const want = bruteDtw((i, j) => frameCost(a, i, b, j, 1, 'sqeuclidean'), n, m);
      for (const engine of ENGINES) {
        const got = dtw(a, b, 1, { distance: 'sqeuclidean', engine });
        expect(got.cost).toBe(want.cost);
        expect(pathPairs(got.path!)).toEqual(want.path);
      }
    }
  });

  it('a band wider than the sequences changes nothing', () => {
    const a = randomFrames(40, 3, 1);
    const b = randomFrames(55, 3, 2);
    const full = dtw(a, b, 3);
    const wide = dtw(a, b, 3, { band: { fraction: 1 } });
    expect(wide.cost).toBe(full.cost);
    expect(pathPairs(wide.path!)).toEqual(pathPairs(full.path!));
  });

  it('the two engines agree on a mid-sized case, with and without the path', () => {
    const a = signalAt(linspace(300), 34);
    const b = signalAt(Float64Array.from(linspace(260), warp), 34);
    const js = dtw(a, b, 34, { engine: 'js' });
    const wasm = dtw(a, b, 34, { engine: 'wasm' });
    expect(wasm.cost).toBeCloseTo(js.cost, 2);
    expect(Array.from(wasm.aToB!)).toEqual(Array.from(js.aToB!));
    const noPath = dtw(a, b, 34, { path: false });
    expect(noPath.cost).toBe(wasm.cost);
    expect(noPath.path).toBeNull();
    expect(noPath.aToB).toBeNull();
  });

  it('features far from zero (a common offset of 1000) give the same alignment and cost', () => {
    const a = signalAt(linspace(300), 34);
    const b = signalAt(Float64Array.from(linspace(260), warp), 34);
    const shifted = (x: Float32Array) => x.map((v) => v + 1000);
    for (const distance of ['euclidean', 'sqeuclidean'] as const) {
      const near = dtw(a, b, 34, { distance, engine: 'js' });
      const far = dtw(shifted(a), shifted(b), 34, { distance, engine: 'wasm' });
      expect(far.cost / near.cost).toBeCloseTo(1, 2);
      const diff = far.aToB!.reduce((mx, j, i) => Math.max(mx, Math.abs(j - near.aToB![i])), 0);
      expect(diff).toBeLessThanOrEqual(1);
    }
  });

  it('a precomputed cost matrix gives the same result as the features it came from', () => {
    const n = 17;
    const m = 23;
    const a = randomFrames(n, 5, 3);
    const b = randomFrames(m, 5, 4);
    const C = new Float64Array(n * m);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) C[i * m + j] = frameCost(a, i, b, j, 5, 'sqeuclidean');
    const fromMatrix = dtwFromCostMatrix(C, n, m);
    const fromFeatures = dtw(a, b, 5, { distance: 'sqeuclidean', engine: 'js' });
    expect(fromMatrix.cost).toBeCloseTo(fromFeatures.cost, 9);
    expect(pathPairs(fromMatrix.path!)).toEqual(pathPairs(fromFeatures.path!));
    const banded = dtwFromCostMatrix(C, n, m, { band: { frames: 2 } });
    expect(banded.cost).toBeCloseTo(dtw(a, b, 5, { distance: 'sqeuclidean', band: { frames: 2 } }).cost, 3);
  });
});

describe('DTW alignments', () => {
  it('recovers a known smooth time warp (tau ≥ 0.99, median error ≤ 1 frame) with unequal lengths', () => {
    for (const [n, m] of [
      [400, 400],
      [300, 520],
      [600, 250],
    ]) {
      const learnerPhase = Float64Array.from(linspace(n), warp);
      const learner = signalAt(learnerPhase, 12);
      const reference = signalAt(linspace(m), 12);
      for (const distance of DISTANCES) {
        const res = dtw(learner, reference, 12, { distance });
        const truth = Array.from(learnerPhase, (u) => u * (m - 1));
        expect(correspondenceTau(res.aToB!)).toBeGreaterThanOrEqual(0.99);
        expect(frameError(res.aToB!, truth).median).toBeLessThanOrEqual(1);
        // The inverse correspondence agrees: it maps reference frames back to learner frames.
        const inverse = Array.from(res.bToA!, (i) => learnerPhase[i] * (m - 1));
        expect(
          frameError(
            inverse,
            Array.from({ length: m }, (_, j) => j),
          ).median,
        ).toBeLessThanOrEqual(1.5);
      }
    }
  });

  it('the path is monotone and continuous from (0, 0) to (n−1, m−1); correspondences are monotone', () => {
    const a = randomFrames(80, 6, 9);
    const b = randomFrames(50, 6, 10);
    const res = dtw(a, b, 6);
    const p = pathPairs(res.path!);
    expect(p[0]).toEqual([0, 0]);
    expect(p[p.length - 1]).toEqual([79, 49]);
    for (let t = 1; t < p.length; t++) {
      const di = p[t][0] - p[t - 1][0];
      const dj = p[t][1] - p[t - 1][1];
      expect([0, 1]).toContain(di);
      expect([0, 1]).toContain(dj);
      expect(di + dj).toBeGreaterThan(0);
    }
    expect(res.aToB!.length).toBe(80);
    expect(res.bToA!.length).toBe(50);
    for (let i = 1; i < 80; i++) expect(res.aToB![i]).toBeGreaterThanOrEqual(res.aToB![i - 1]);
  });

  it('one-frame sequences: everything maps to the single frame', () => {
    const a = randomFrames(1, 3, 1);
    const b = randomFrames(7, 3, 2);
    const res = dtw(a, b, 3, { band: { frames: 1 } });
    expect(Array.from(res.aToB!)).toEqual([3]);
    expect(Array.from(res.bToA!)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(dtw(a, a, 3).cost).toBe(0);
  });

  it('missing (NaN) frames cost the missing cost and the alignment goes through them', () => {
    const n = 300;
    const m = 260;
    const learnerPhase = Float64Array.from(linspace(n), warp);
    const learner = signalAt(learnerPhase, 8);
    const reference = signalAt(linspace(m), 8);
    learner.fill(NaN, 100 * 8, 115 * 8); // 15 frames lost
    learner[200 * 8 + 3] = Infinity;
    for (const engine of ENGINES) {
      const res = dtw(learner, reference, 8, { engine });
      expect(res.missingCost).toBeGreaterThan(0);
      const truth = Array.from(learnerPhase, (u) => u * (m - 1));
      expect(frameError(res.aToB!, truth).median).toBeLessThanOrEqual(1);
      expect(frameError(res.aToB!.subarray(100, 115), truth.slice(100, 115)).max).toBeLessThanOrEqual(8);
      expect(correspondenceTau(res.aToB!)).toBeGreaterThan(0.99);
    }
    // With a given missing cost, the result is the brute force with that cost on missing pairs.
    const a = randomFrames(12, 3, 5);
    const b = randomFrames(15, 3, 6);
    a.fill(NaN, 6, 9);
    const got = dtw(a, b, 3, { missingCost: 0.7 });
    const want = bruteDtw(
      (i, j) => {
        const c = frameCost(a, i, b, j, 3, 'euclidean');
        return Number.isNaN(c) ? 0.7 : c;
      },
      12,
      15,
    );
    expect(got.cost).toBeCloseTo(want.cost, 4);
    expect(pathPairs(got.path!)).toEqual(want.path);
  });
});

describe('subsequence DTW', () => {
  /** A random-walk "untrimmed video" of `length` frames with the reference planted at `at`, stretched. */
  function plant(
    reference: Float32Array,
    dim: number,
    length: number,
    plants: { at: number; frames: number }[],
    seed: number,
  ) {
    const r = rng(seed);
    const series = new Float32Array(length * dim);
    const pos = new Float64Array(dim).map(() => r.normal());
    for (let t = 0; t < length; t++) {
      for (let k = 0; k < dim; k++) {
        pos[k] += 0.15 * r.normal();
        series[t * dim + k] = pos[k];
      }
    }
    const refRows = reference.length / dim;
    for (const p of plants) {
      // The planted copy is the reference resampled to `frames` frames with a warp, plus noise.
      const phases = Float64Array.from(linspace(p.frames), warp);
      const copy = signalAt(phases, dim);
      for (let t = 0; t < p.frames; t++) {
        for (let k = 0; k < dim; k++) series[(p.at + t) * dim + k] = copy[t * dim + k] + 0.05 * r.normal();
      }
      expect(refRows).toBeGreaterThan(1);
    }
    return series;
  }

  it('finds where a planted motion starts and ends inside a long noisy series', () => {
    const dim = 10;
    const reference = signalAt(linspace(120), dim);
    for (const [at, frames] of [
      [317, 150],
      [40, 100],
      [1300, 130],
    ]) {
      const series = plant(reference, dim, 1500, [{ at, frames }], at);
      for (const engine of ENGINES) {
        const { matches, endCost } = subsequenceDtw(reference, series, dim, { engine });
        expect(matches).toHaveLength(1);
        expect(Math.abs(matches[0].start - at)).toBeLessThanOrEqual(2);
        expect(Math.abs(matches[0].end - (at + frames - 1))).toBeLessThanOrEqual(2);
        expect(endCost.length).toBe(1500);
        // The correspondence follows the warp used to plant it.
        const truth = Array.from(linspace(120), (u) => {
          // planted frame t has phase warp(t/(frames−1)); invert numerically
          let lo = 0;
          let hi = 1;
          for (let s = 0; s < 50; s++) {
            const mid = (lo + hi) / 2;
            if (warp(mid) < u) lo = mid;
            else hi = mid;
          }
          return at + lo * (frames - 1);
        });
        expect(frameError(matches[0].queryToSeries!, truth).median).toBeLessThanOrEqual(1.5);
        const p = matches[0].path!;
        expect(p.a[0]).toBe(0);
        expect(p.a[p.a.length - 1]).toBe(119);
        expect(p.b[0]).toBe(matches[0].start);
        expect(p.b[p.b.length - 1]).toBe(matches[0].end);
      }
    }
  });

  it('returns the best k non-overlapping matches, best first', () => {
    const dim = 8;
    const reference = signalAt(linspace(100), dim);
    const series = plant(
      reference,
      dim,
      2000,
      [
        { at: 200, frames: 100 },
        { at: 900, frames: 140 },
        { at: 1500, frames: 90 },
      ],
      4,
    );
    const { matches } = subsequenceDtw(reference, series, dim, { k: 3, path: false });
    expect(matches).toHaveLength(3);
    const starts = matches.map((mt) => mt.start).sort((x, y) => x - y);
    expect(Math.abs(starts[0] - 200)).toBeLessThanOrEqual(2);
    expect(Math.abs(starts[1] - 900)).toBeLessThanOrEqual(3);
    expect(Math.abs(starts[2] - 1500)).toBeLessThanOrEqual(2);
    for (let i = 1; i < 3; i++)
      expect(matches[i].normalizedCost).toBeGreaterThanOrEqual(matches[i - 1].normalizedCost);
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        expect(matches[i].end < matches[j].start || matches[j].end < matches[i].start).toBe(true);
      }
      expect(matches[i].path).toBeNull();
    }
  });

  it('agrees with a brute force over every window on small random cases', () => {
    for (let trial = 0; trial < 10; trial++) {
      const n = 3 + trial;
      const m = 25;
      const q = randomFrames(n, 2, 50 + trial);
      const s = randomFrames(m, 2, 80 + trial);
      const { matches } = subsequenceDtw(q, s, 2, { engine: trial % 2 ? 'js' : 'wasm' });
      // Brute force: for each end, the cheapest full DTW of the query against any window ending
      // there; then the end whose cost per unit of path weight, n + window length, is lowest.
      let bestNorm = Infinity;
      let want = { start: -1, end: -1, cost: 0 };
      for (let en = 0; en < m; en++) {
        let endBest = { start: -1, cost: Infinity };
        for (let st = 0; st <= en; st++) {
          const sub = s.subarray(st * 2, (en + 1) * 2);
          const c = bruteDtw((i, j) => frameCost(q, i, sub, j, 2, 'euclidean'), n, en - st + 1).cost;
          if (c < endBest.cost) endBest = { start: st, cost: c };
        }
        const norm = endBest.cost / (n + en - endBest.start + 1);
        if (norm < bestNorm) {
          bestNorm = norm;
          want = { start: endBest.start, end: en, cost: endBest.cost };
        }
      }
      expect(matches[0].start).toBe(want.start);
      expect(matches[0].end).toBe(want.end);
      expect(matches[0].cost).toBeCloseTo(want.cost, 4);
      expect(matches[0].normalizedCost).toBeCloseTo(bestNorm, 5);
    }
  });
});

describe('DTW errors', () => {
  const a = randomFrames(5, 3, 1);
  it('names the problem', () => {
    expect(() => dtw(new Float32Array(0), a, 3)).toThrow(/sequence a is empty/);
    expect(() => dtw(a, new Float32Array(0), 3)).toThrow(/sequence b is empty/);
    expect(() => dtw(a, new Float32Array(10), 3)).toThrow(
      /sequence b has 10 values, not a multiple of the feature dimension 3/,
    );
    expect(() => dtw(a, a, 0)).toThrow(/feature dimension must be a positive integer/);
    expect(() => dtw(a, a, 2.5)).toThrow(/feature dimension/);
    expect(() => dtw(a, new Float32Array(6).fill(NaN), 3)).toThrow(/every frame of sequence b is missing/);
    expect(() => dtw([1, 2, 3] as unknown as Float32Array, a, 3)).toThrow(/Float32Array or Float64Array/);
    expect(() => dtw(a, a, 3, { distance: 'manhattan' as DtwDistance })).toThrow(
      /unknown distance 'manhattan'/,
    );
    expect(() => dtw(a, a, 3, { band: { fraction: 0 } })).toThrow(/band.fraction must be in \(0, 1\]/);
    expect(() => dtw(a, a, 3, { band: { frames: -1 } })).toThrow(/band.frames/);
    expect(() => dtw(a, a, 3, { band: { frames: NaN } })).toThrow(/band.frames/);
    expect(() => dtw(a, a, 3, { missingCost: NaN })).not.toThrow(); // no frame missing: unused
    const withGap = Float32Array.from(a).fill(NaN, 0, 3);
    expect(() => dtw(withGap, a, 3, { missingCost: -1 })).toThrow(/missingCost must be a finite number ≥ 0/);
    expect(() => dtwFromCostMatrix(new Float32Array(5), 2, 3)).toThrow(
      /cost matrix has 5 values, expected 2 × 3/,
    );
    expect(() => dtwFromCostMatrix(Float32Array.of(1, -2, 3, 4), 2, 2)).toThrow(
      /value -2 at row 0, column 1/,
    );
    expect(() => dtwFromCostMatrix(new Float32Array(4).fill(NaN), 2, 2)).toThrow(
      /every value of the cost matrix is NaN/,
    );
    expect(() => subsequenceDtw(a, a, 3, { k: 0 })).toThrow(/k must be a positive integer/);
    expect(() => subsequenceDtw(new Float64Array(0), a, 3)).toThrow(/query is empty/);
    expect(() => dtw(a, a, 3, { engine: 'gpu' as 'js' })).toThrow(/unknown engine 'gpu'/);
  });

  it('refuses a full path that would not fit in memory, and says what to do', () => {
    const big = new Float32Array(50_000);
    expect(() => dtw(big, big, 1)).toThrow(/use a band or path: false/);
  });
});
