/**
 * How good an alignment is: Kendall's tau (as Temporal Cycle-Consistency reports it) and the
 * error in frames against a known warp.
 */
import { frameCost, type DtwDistance, type Frames } from './dtw';

function checkSeries(x: ArrayLike<number>, label: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]))
      throw new Error(`Kendall tau: ${label}[${i}] is ${x[i]}, not a finite number`);
  }
}

/** Sorts `v` ascending in place (bottom-up merge sort) and returns the number of inversions. */
function sortCountingInversions(v: Float64Array<ArrayBuffer>): number {
  const n = v.length;
  let src: Float64Array<ArrayBuffer> = v;
  let dst = new Float64Array(n);
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // Equal values are taken from the left: a tie is not an inversion.
        if (src[i] <= src[j]) dst[k++] = src[i++];
        else {
          inversions += mid - i;
          dst[k++] = src[j++];
        }
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== v) v.set(src);
  return inversions;
}

/** Σ t(t − 1) / 2 over runs of equal values of an already sorted series. */
function tiedPairs(sorted: ArrayLike<number>): number {
  let pairs = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run++;
    else {
      pairs += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return pairs;
}

/**
 * Kendall's tau-b of two series of equal length (ties in either count as neither concordant nor
 * discordant), in O(n log n) by counting inversions with a merge sort (Knight 1966). NaN when
 * either series is constant (tau is undefined there).
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length)
    throw new Error(`Kendall tau: series differ in length (${x.length} and ${y.length})`);
  const n = x.length;
  if (n < 2) throw new Error(`Kendall tau needs at least 2 values, got ${n}`);
  checkSeries(x, 'x');
  checkSeries(y, 'y');
  // Order by x, then y: pairs tied in x are then never inversions of y.
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => x[p] - x[q] || y[p] - y[q]);
  let xTies = 0;
  let jointTies = 0;
  let xRun = 1;
  let jointRun = 1;
  for (let k = 1; k <= n; k++) {
    const sameX = k < n && x[order[k]] === x[order[k - 1]];
    const sameXY = sameX && y[order[k]] === y[order[k - 1]];
    if (sameX) xRun++;
    else {
      xTies += (xRun * (xRun - 1)) / 2;
      xRun = 1;
    }
    if (sameXY) jointRun++;
    else {
      jointTies += (jointRun * (jointRun - 1)) / 2;
      jointRun = 1;
    }
  }
  const ys = Float64Array.from(order, (i) => y[i]);
  const discordant = sortCountingInversions(ys);
  const yTies = tiedPairs(ys);
  const total = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((total - xTies) * (total - yTies));
  if (denominator === 0) return NaN;
  return (total - xTies - yTies + jointTies - 2 * discordant) / denominator;
}

/** Tau between frame index and matched index: 1 when the correspondence never goes backwards. */
export function correspondenceTau(matched: ArrayLike<number>): number {
  if (matched.length < 2) throw new Error(`Kendall tau needs at least 2 frames, got ${matched.length}`);
  return kendallTauB(
    Float64Array.from({ length: matched.length }, (_, i) => i),
    matched,
  );
}

/**
 * For each frame of `a`, the nearest frame of `b` (brute force); −1 for a missing (NaN) frame of
 * `a`. Missing frames of `b` are never chosen.
 */
export function nearestFrames(
  a: Frames,
  b: Frames,
  dim: number,
  distance: DtwDistance = 'sqeuclidean',
): Int32Array {
  if (!Number.isInteger(dim) || dim < 1)
    throw new Error(`nearest frames: dimension must be a positive integer, got ${dim}`);
  if (a.length === 0 || b.length === 0) throw new Error('nearest frames: a sequence is empty');
  if (a.length % dim || b.length % dim) {
    throw new Error(
      `nearest frames: sequence lengths ${a.length} and ${b.length} are not multiples of ${dim}`,
    );
  }
  const n = a.length / dim;
  const m = b.length / dim;
  const out = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < m; j++) {
      const c = frameCost(a, i, b, j, dim, distance);
      if (c < best) {
        best = c;
        out[i] = j;
      }
    }
  }
  return out;
}

/**
 * TCC's alignment tau of one pair of embedded sequences: for every frame of `a` its nearest
 * neighbour in `b`, then tau between frame index and neighbour index (missing frames skipped).
 */
export function nearestNeighbourTau(
  a: Frames,
  b: Frames,
  dim: number,
  distance: DtwDistance = 'sqeuclidean',
): number {
  const nn = nearestFrames(a, b, dim, distance);
  const xs: number[] = [];
  const ys: number[] = [];
  nn.forEach((j, i) => {
    if (j >= 0) {
      xs.push(i);
      ys.push(j);
    }
  });
  if (xs.length < 2) throw new Error('Kendall tau: fewer than 2 frames have features');
  return kendallTauB(xs, ys);
}

export interface DatasetTau {
  /** Mean over ordered pairs whose tau is defined. */
  mean: number;
  median: number;
  /** Tau of every ordered pair (i, j), i ≠ j: NaN where undefined (a constant match). */
  pairs: { a: number; b: number; tau: number }[];
  undefinedCount: number;
}

/** Nearest-neighbour tau over every ordered pair of sequences of a data set, as TCC evaluates. */
export function datasetTau(
  sequences: readonly Frames[],
  dim: number,
  distance: DtwDistance = 'sqeuclidean',
): DatasetTau {
  if (sequences.length < 2)
    throw new Error(`Kendall tau of a data set needs at least 2 sequences, got ${sequences.length}`);
  const pairs: DatasetTau['pairs'] = [];
  for (let i = 0; i < sequences.length; i++) {
    for (let j = 0; j < sequences.length; j++) {
      if (i !== j)
        pairs.push({ a: i, b: j, tau: nearestNeighbourTau(sequences[i], sequences[j], dim, distance) });
    }
  }
  const defined = pairs.map((p) => p.tau).filter((t) => !Number.isNaN(t));
  return {
    mean: defined.length ? defined.reduce((s, t) => s + t, 0) / defined.length : NaN,
    median: defined.length ? quantile(defined, 0.5) : NaN,
    pairs,
    undefinedCount: pairs.length - defined.length,
  };
}

/** Linear-interpolated quantile (q in [0, 1]) of values, as numpy's default. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((x, y) => x - y);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface FrameError {
  median: number;
  mean: number;
  p95: number;
  max: number;
  /** Frames compared (those with a finite true frame). */
  count: number;
}

/**
 * Error in frames of a correspondence against the known one: |predicted[i] − truth[i]| over the
 * frames whose truth is finite (a known warp may be fractional, or unknown at some frames).
 */
export function frameError(predicted: ArrayLike<number>, truth: ArrayLike<number>): FrameError {
  if (predicted.length !== truth.length) {
    throw new Error(`frame error: ${predicted.length} predicted frames but ${truth.length} true ones`);
  }
  const errors: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    if (!Number.isFinite(truth[i])) continue;
    if (!Number.isFinite(predicted[i])) throw new Error(`frame error: predicted[${i}] is ${predicted[i]}`);
    errors.push(Math.abs(predicted[i] - truth[i]));
  }
  if (errors.length === 0) throw new Error('frame error: no frame has a finite true correspondence');
  return {
    median: quantile(errors, 0.5),
    mean: errors.reduce((s, e) => s + e, 0) / errors.length,
    p95: quantile(errors, 0.95),
    max: errors.reduce((m, e) => Math.max(m, e), 0),
    count: errors.length,
  };
}
