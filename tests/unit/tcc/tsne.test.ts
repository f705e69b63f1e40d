import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/shared/lifting/rng';
import { jointProbabilities, tsne } from '../../../src/shared/alignment/tsne';

/** Two Gaussian clusters in `dim` dimensions, 8 standard deviations apart: [points, labels]. */
function twoClusters(perCluster: number, dim: number, seed: number): { x: Float64Array; label: number[] } {
  const rng = new Rng(seed);
  const x = new Float64Array(2 * perCluster * dim);
  const label: number[] = [];
  for (let i = 0; i < 2 * perCluster; i++) {
    const c = i < perCluster ? 0 : 1;
    label.push(c);
    for (let k = 0; k < dim; k++) x[i * dim + k] = rng.normal() + (c === 1 && k < 2 ? 8 : 0);
  }
  // Interleave the clusters so the layout does not follow the input order.
  const order = Array.from(rng.permutation(2 * perCluster));
  const xs = new Float64Array(x.length);
  order.forEach((src, dst) => xs.set(x.subarray(src * dim, (src + 1) * dim), dst * dim));
  return { x: xs, label: order.map((i) => label[i]) };
}

function centroid(coords: Float32Array, idx: number[]): [number, number] {
  let a = 0;
  let b = 0;
  for (const i of idx) {
    a += coords[i * 2];
    b += coords[i * 2 + 1];
  }
  return [a / idx.length, b / idx.length];
}

describe('t-SNE', () => {
  const { x, label } = twoClusters(60, 10, 4);

  it('keeps two well-separated Gaussian clusters apart in 2D', () => {
    const r = tsne(x, 10, { perplexity: 20, iterations: 500, seed: 7 });
    expect(r.mapped).toBe(120);
    expect(r.coords.every(Number.isFinite)).toBe(true);
    const idx = [0, 1].map((c) => label.flatMap((l, i) => (l === c ? [i] : [])));
    const cent = idx.map((ids) => centroid(r.coords, ids));
    const gap = Math.hypot(cent[0][0] - cent[1][0], cent[0][1] - cent[1][1]);
    // Every point is nearer its own cluster's centre, and the clusters are far apart for their size.
    let spread = 0;
    label.forEach((c, i) => {
      const own = Math.hypot(r.coords[i * 2] - cent[c][0], r.coords[i * 2 + 1] - cent[c][1]);
      const other = Math.hypot(r.coords[i * 2] - cent[1 - c][0], r.coords[i * 2 + 1] - cent[1 - c][1]);
      expect(own).toBeLessThan(other);
      spread = Math.max(spread, own);
    });
    expect(gap).toBeGreaterThan(2 * spread);
    expect(r.kl).toBeGreaterThan(0);
    expect(r.kl).toBeLessThan(2);
  });

  it('is deterministic for a seed and differs for another', () => {
    const a = tsne(x, 10, { perplexity: 15, iterations: 300, seed: 3 });
    const b = tsne(x, 10, { perplexity: 15, iterations: 300, seed: 3 });
    const c = tsne(x, 10, { perplexity: 15, iterations: 300, seed: 4 });
    expect(b.coords).toEqual(a.coords);
    expect(c.coords).not.toEqual(a.coords);
  });

  it('calibrates each point to the asked perplexity', () => {
    const n = 40;
    const pts = x.subarray(0, n * 10);
    const P = jointProbabilities(Float64Array.from(pts), n, 10, 8);
    // P is symmetric, sums to 1, and has a zero diagonal.
    let sum = 0;
    for (let i = 0; i < n; i++) {
      expect(P[i * n + i]).toBe(0);
      for (let j = 0; j < n; j++) {
        sum += P[i * n + j];
        expect(P[i * n + j]).toBeCloseTo(P[j * n + i], 12);
      }
    }
    expect(sum).toBeCloseTo(1, 5);
  });

  it('leaves out rows with missing values (NaN coordinates) and lowers the perplexity for few points', () => {
    const pts = Float64Array.from(x.subarray(0, 12 * 10));
    pts[3 * 10 + 4] = NaN;
    const r = tsne(pts, 10, { iterations: 100 });
    expect(r.mapped).toBe(11);
    expect(Number.isNaN(r.coords[6])).toBe(true);
    expect(Number.isNaN(r.coords[7])).toBe(true);
    expect(r.perplexity).toBeCloseTo(10 / 3, 10);
    expect(r.coords.filter((v) => Number.isFinite(v)).length).toBe(22);
  });

  it('handles the trivial cases and refuses bad input', () => {
    expect(tsne(new Float32Array(0), 3).coords.length).toBe(0);
    expect(Array.from(tsne(Float32Array.of(1, 2, 3), 3).coords)).toEqual([0, 0]);
    expect(() => tsne(new Float32Array(5), 2)).toThrow(/not a whole number of 2-d points/);
    expect(() => tsne(new Float32Array(6), 0)).toThrow(/positive integer/);
    expect(() => tsne(new Float32Array(6), 2, { perplexity: -1 })).toThrow(/perplexity must be positive/);
  });

  it('can be cancelled', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => tsne(x, 10, { signal: ac.signal })).toThrow(/Cancelled/);
  });
});
