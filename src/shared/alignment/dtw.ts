/**
 * Dynamic time warping between two feature sequences, and subsequence DTW to find where a short
 * motion occurs inside a long, untrimmed one.
 *
 * Sequences are row-major `Float32Array`/`Float64Array`s of `rows × dim` features.
 *
 * Step pattern: symmetric2 (Sakoe & Chiba 1978). With c(i, j) the local cost,
 *   D(i, j) = min(D(i−1, j−1) + 2·c(i, j),  D(i−1, j) + c(i, j),  D(i, j−1) + c(i, j)),
 *   D(0, 0) = 2·c(0, 0),
 * so every path from (0, 0) to (n−1, m−1) carries a total weight of exactly n + m and the
 * normalised cost D / (n + m) is a mean local cost comparable across lengths. Ties prefer the
 * diagonal, then a step in `a` (up), then a step in `b` (left).
 *
 * Missing frames: a frame with any NaN or infinite feature is missing; its local cost against any
 * frame is `missingCost`, by default the mean local cost of a sample of finite pairs, so a gap
 * neither attracts nor repels the path: its neighbours decide where it goes.
 *
 * Speed: costs are computed on the fly, never stored as a matrix. The local costs and the
 * recurrence run in a small WebAssembly SIMD kernel (wasm-kernel.ts; f32 features, f64
 * accumulated costs) that works two rows at a time over rolling row buffers, keeping one byte per
 * cell of step direction for the backtrack (none with `path: false`). It computes squared
 * distances as |a|² + |b|² − 2a·b on centred features (identical frames still cost exactly 0;
 * otherwise the absolute error is ~1e-7 · (|a|² + |b|²)), ~13 % faster than differencing. A
 * plain-JS engine (f64 differences, one row at a time, the same decisions) is the fallback where
 * WebAssembly is unavailable, and the engine for a precomputed cost matrix.
 */
import { createKernel, kernelNorm, kernelStride, wasmKernelAvailable, type DtwKernel } from './wasm-kernel';

export type Frames = Float32Array | Float64Array;

/** Local cost between two frames: ‖a−b‖, ‖a−b‖², or 1 − cos(a, b) (1 when either is all zeros). */
export type DtwDistance = 'euclidean' | 'sqeuclidean' | 'cosine';

/**
 * Sakoe-Chiba band: the half-width, in frames of `b`, around the straight line from (0, 0) to
 * (n−1, m−1) (so unequal lengths follow their slope). `fraction` is of the longer sequence.
 * It is widened to at least (slope + 1) / 2 so that a path always exists.
 */
export type DtwBand = { frames: number } | { fraction: number };

export type DtwEngine = 'auto' | 'wasm' | 'js';

export interface DtwOptions {
  /** Default 'euclidean'. */
  distance?: DtwDistance;
  /** Default: none (every cell). */
  band?: DtwBand;
  /** Keep step directions and return the warping path and correspondences (default true). */
  path?: boolean;
  /** Local cost of a missing frame (finite, ≥ 0); default: mean cost of sampled finite pairs. */
  missingCost?: number;
  /** Which implementation runs ('auto': WebAssembly SIMD when available). For tests and diagnosis. */
  engine?: DtwEngine;
}

/** A monotone warping path: pairs (a[t], b[t]) from (0, 0) to the end. */
export interface WarpPath {
  a: Int32Array;
  b: Int32Array;
}

export interface DtwResult {
  /** Accumulated cost D(n−1, m−1). */
  cost: number;
  /** cost / (n + m): the mean local cost along the path. */
  normalizedCost: number;
  path: WarpPath | null;
  /** For each frame of `a`, its frame of `b` (the middle of the frames it is matched to). */
  aToB: Int32Array | null;
  /** For each frame of `b`, its frame of `a`. */
  bToA: Int32Array | null;
  /** The local cost used for missing frames (NaN when no frame was missing). */
  missingCost: number;
  engine: 'wasm' | 'js';
}

export interface SubsequenceOptions {
  distance?: DtwDistance;
  /** How many non-overlapping matches to return, best first (default 1). */
  k?: number;
  /** Return each match's warping path and correspondence (default true). */
  path?: boolean;
  missingCost?: number;
  engine?: DtwEngine;
}

export interface SubsequenceMatch {
  /** First and last frame of the long series matched to the query (inclusive). */
  start: number;
  end: number;
  /** Accumulated cost of the match. */
  cost: number;
  /** cost / (queryLength + matchLength): comparable between matches of different lengths. */
  normalizedCost: number;
  /** Path in (query frame, series frame) pairs. */
  path: WarpPath | null;
  /** For each query frame, its frame of the series. */
  queryToSeries: Int32Array | null;
}

export interface SubsequenceResult {
  matches: SubsequenceMatch[];
  /** For each series frame, the normalised cost of the best match ending there (Infinity if none). */
  endCost: Float64Array;
  missingCost: number;
  engine: 'wasm' | 'js';
}

/** Largest direction matrix kept for a backtrack (bytes); beyond it ask for a band or no path. */
const MAX_PATH_CELLS = 1.5e9;

interface SequenceShape {
  rows: number;
  missing: Uint8Array;
  missingCount: number;
}

function checkSequence(x: unknown, dim: number, label: string): SequenceShape {
  if (!(x instanceof Float32Array || x instanceof Float64Array)) {
    throw new Error(`DTW: ${label} must be a Float32Array or Float64Array of rows × dim features`);
  }
  if (x.length === 0) throw new Error(`DTW: ${label} is empty (no frames)`);
  if (x.length % dim !== 0) {
    throw new Error(`DTW: ${label} has ${x.length} values, not a multiple of the feature dimension ${dim}`);
  }
  const rows = x.length / dim;
  const missing = new Uint8Array(rows);
  let missingCount = 0;
  for (let i = 0; i < rows; i++) {
    for (let k = i * dim, end = k + dim; k < end; k++) {
      if (!Number.isFinite(x[k])) {
        missing[i] = 1;
        missingCount++;
        break;
      }
    }
  }
  if (missingCount === rows) {
    throw new Error(`DTW: every frame of ${label} is missing (NaN or infinite features)`);
  }
  return { rows, missing, missingCount };
}

function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1)
    throw new Error(`DTW: feature dimension must be a positive integer, got ${dim}`);
}

function checkDistance(distance: string): asserts distance is DtwDistance {
  if (distance !== 'euclidean' && distance !== 'sqeuclidean' && distance !== 'cosine') {
    throw new Error(`DTW: unknown distance '${distance}' (euclidean, sqeuclidean or cosine)`);
  }
}

/** Local cost of frame i of a against frame j of b, in f64 (NaN when either is missing). */
export function frameCost(
  a: Frames,
  i: number,
  b: Frames,
  j: number,
  dim: number,
  distance: DtwDistance,
): number {
  const ao = i * dim;
  const bo = j * dim;
  if (distance === 'cosine') {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < dim; k++) {
      dot += a[ao + k] * b[bo + k];
      na += a[ao + k] * a[ao + k];
      nb += b[bo + k] * b[bo + k];
    }
    if (Number.isNaN(dot + na + nb)) return NaN;
    if (na === 0 || nb === 0) return 1;
    return Math.max(0, 1 - dot / Math.sqrt(na * nb));
  }
  let s = 0;
  for (let k = 0; k < dim; k++) {
    const t = a[ao + k] - b[bo + k];
    s += t * t;
  }
  return distance === 'euclidean' ? Math.sqrt(s) : s;
}

/** Mean local cost over an even grid of up to 64 × 64 pairs of present frames. */
function sampledMeanCost(
  cost: (i: number, j: number) => number,
  sa: SequenceShape,
  sb: SequenceShape,
): number {
  const pick = (s: SequenceShape) => {
    const present: number[] = [];
    for (let i = 0; i < s.rows; i++) if (!s.missing[i]) present.push(i);
    const step = Math.max(1, present.length / 64);
    const out: number[] = [];
    for (let t = 0; t < present.length; t += step) out.push(present[Math.floor(t)]);
    return out;
  };
  let sum = 0;
  let count = 0;
  for (const i of pick(sa)) {
    for (const j of pick(sb)) {
      const c = cost(i, j);
      if (Number.isFinite(c)) {
        sum += c;
        count++;
      }
    }
  }
  return count ? sum / count : 1;
}

function resolveMissingCost(given: number | undefined, estimate: () => number): number {
  if (given === undefined) return estimate();
  if (!Number.isFinite(given) || given < 0) {
    throw new Error(`DTW: missingCost must be a finite number ≥ 0, got ${given}`);
  }
  return given;
}

/** Per-row column limits [lo, hi] of the band (monotone in both, every row non-empty, connected). */
export function bandLimits(n: number, m: number, band?: DtwBand): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(n);
  const hi = new Int32Array(n).fill(m - 1);
  if (!band || n === 1 || m === 1) return { lo, hi };
  let w: number;
  if ('frames' in band) {
    if (!Number.isFinite(band.frames) || band.frames < 0) {
      throw new Error(`DTW: band.frames must be a finite number ≥ 0, got ${band.frames}`);
    }
    w = band.frames;
  } else if ('fraction' in band) {
    if (!(band.fraction > 0 && band.fraction <= 1)) {
      throw new Error(`DTW: band.fraction must be in (0, 1], got ${band.fraction}`);
    }
    w = band.fraction * Math.max(n, m);
  } else {
    throw new Error('DTW: band must be { frames } or { fraction }');
  }
  const slope = (m - 1) / (n - 1);
  w = Math.max(w, (slope + 1) / 2);
  for (let i = 0; i < n; i++) {
    const c = i * slope;
    lo[i] = Math.max(0, Math.ceil(c - w - 1e-9));
    hi[i] = Math.min(m - 1, Math.floor(c + w + 1e-9));
  }
  return { lo, hi };
}

/** The rows to compute: all of them (lo … hi per row) for DTW, open-begin rows for subsequence. */
interface Problem {
  n: number;
  m: number;
  lo: Int32Array;
  hi: Int32Array;
  keepPath: boolean;
  subsequence: boolean;
}

/** What a run leaves: the last row and a way to read each cell's step. */
interface Run {
  kind: 'wasm' | 'js';
  /** Last row's accumulated costs by slot (column + 1); slot 0 is column −1. */
  last: Float64Array;
  /** Last row's start columns by slot (subsequence only). */
  lastStart: Int32Array | null;
  /** Step that reached cell (i ≥ 1, j): bit 2 = left, else bit 1 = up, else diagonal. */
  step(i: number, j: number): number;
}

// Steps as the kernel writes them (bits).
const UP = 1;
const LEFT = 2;

/**
 * Row 0 into `buf` (by slot): D(0, 0) = 2c then steps left for DTW; D(0, j) = 2c(0, j) starting
 * at j for subsequence DTW.
 */
function firstRow(
  costs: ArrayLike<number>,
  count: number,
  buf: Float64Array,
  start: Int32Array | null,
): void {
  if (start) {
    for (let j = 0; j < count; j++) {
      buf[j + 1] = 2 * costs[j];
      start[j + 1] = j;
    }
    return;
  }
  let acc = 2 * costs[0];
  buf[1] = acc;
  for (let j = 1; j < count; j++) {
    acc += costs[j];
    buf[j + 1] = acc;
  }
}

function align16(x: number): number {
  return Math.ceil(x / 16) * 16;
}

/** Row scale for the kernels' inputs: NaN for a missing frame, 1 / norm for cosine, else 1. */
function rowScale(x: Frames, i: number, dim: number, distance: DtwDistance): number {
  let finite = true;
  let norm = 0;
  for (let k = i * dim, end = k + dim; k < end; k++) {
    if (!Number.isFinite(x[k])) finite = false;
    norm += x[k] * x[k];
  }
  // A missing frame becomes all NaN, so that its cost is NaN whatever the other frame holds.
  if (!finite) return NaN;
  return distance === 'cosine' && norm > 0 ? 1 / Math.sqrt(norm) : 1;
}

/**
 * The WebAssembly SIMD run: local costs one row at a time, the recurrence two rows at a time
 * (rows i, i + 1 over the union of their bands, the other row's band edges set to +∞ cost).
 * Null where the kernel is unavailable or its memory cannot be had.
 */
function runWasm(
  a: Frames,
  b: Frames,
  dim: number,
  distance: DtwDistance,
  missing: number,
  pb: Problem,
): Run | null {
  const { n, m, lo, hi, keepPath, subsequence } = pb;
  const stride = kernelStride(dim);
  const pairs = Math.ceil((n - 1) / 2);
  const pairL = new Int32Array(pairs);
  const pairAt = new Float64Array(pairs);
  let dirBytes = 0;
  for (let p = 0, i = 1; i < n; p++, i += 2) {
    const H = i + 1 < n ? hi[i + 1] : hi[i];
    pairL[p] = lo[i];
    pairAt[p] = dirBytes;
    if (keepPath) dirBytes += 2 * (H - lo[i] + 2);
  }
  if (!keepPath) dirBytes = 2 * (m + 2);
  let at = 0;
  const take = (bytes: number) => {
    const p = at;
    at = align16(at + bytes);
    return p;
  };
  const aPtr = take(n * stride);
  const bPtr = take((m + 3) * stride); // 3 zero rows: the kernel works 4 columns at a time
  const scrA = take((m + 8) * 4);
  const scrB = take((m + 8) * 4);
  const bufPtr = [take((m + 3) * 8), take((m + 3) * 8), take((m + 3) * 8)];
  const startPtr = subsequence ? [take((m + 3) * 4), take((m + 3) * 4), take((m + 3) * 4)] : [0, 0, 0];
  const normPtr = take((m + 4) * 4);
  const dirPtr = take(dirBytes);
  const kernel: DtwKernel | null = createKernel(dim, at);
  if (!kernel) return null;
  const mem = kernel.memory.buffer;
  const f32 = new Float32Array(mem);
  // Centred features keep |a|² + |b|² − 2a·b accurate in f32 (distances do not change). The
  // centre is rounded to an integer so that integer features stay exact (and so do their ties).
  const mean = new Float64Array(dim);
  if (distance !== 'cosine') {
    let rows = 0;
    for (const x of [a, b]) {
      for (let i = 0; i < x.length / dim; i++) {
        if (Number.isNaN(rowScale(x, i, dim, distance))) continue;
        for (let k = 0; k < dim; k++) mean[k] += x[i * dim + k];
        rows++;
      }
    }
    for (let k = 0; k < dim; k++) mean[k] = Math.round(mean[k] / rows);
  }
  const floats = stride / 4;
  const copyRows = (x: Frames, rows: number, ptr: number, norms: Float32Array) => {
    for (let i = 0; i < rows; i++) {
      const scale = rowScale(x, i, dim, distance);
      const o = ptr / 4 + i * floats;
      for (let k = 0; k < dim; k++) f32[o + k] = (x[i * dim + k] - mean[k]) * scale;
      norms[i] = kernelNorm(f32, o, floats);
    }
  };
  const normsA = new Float32Array(n);
  copyRows(a, n, aPtr, normsA);
  copyRows(b, m, bPtr, new Float32Array(mem, normPtr, m + 4));
  const costsFn =
    distance === 'sqeuclidean'
      ? kernel.costsSq
      : distance === 'euclidean'
        ? kernel.costsEuclid
        : kernel.costsCos;
  const costs = (i: number, lo: number, count: number, out: number) =>
    costsFn(aPtr + i * stride, bPtr + lo * stride, count, out, missing, normsA[i], normPtr + 4 * lo);
  const bufs = bufPtr.map((ptr) => new Float64Array(mem, ptr, m + 3).fill(Infinity));
  const starts = subsequence ? startPtr.map((ptr) => new Int32Array(mem, ptr, m + 3)) : null;
  const fA = new Float32Array(mem, scrA, m + 8);
  const fB = new Float32Array(mem, scrB, m + 8);
  const dirs = new Uint8Array(mem, dirPtr, dirBytes);

  costs(0, 0, hi[0] + 1, scrA);
  firstRow(fA, hi[0] + 1, bufs[0], starts ? starts[0] : null);
  let prev = 0;
  let next = 1;
  const A = 2;
  for (let p = 0, i = 1; i < n; p++, i += 2) {
    const hasB = i + 1 < n;
    const L = lo[i];
    const count = (hasB ? hi[i + 1] : hi[i]) - L + 1;
    costs(i, L, count, scrA);
    fA.fill(Infinity, hi[i] - L + 1, count + 1);
    if (hasB) {
      costs(i + 1, L, count, scrB + 4);
      fB.fill(Infinity, 0, lo[i + 1] - L + 1);
    } else fB.fill(Infinity, 0, count + 1);
    const dir = dirPtr + (keepPath ? pairAt[p] : 0);
    if (subsequence) {
      kernel.pairRowsStart(
        scrA,
        scrB,
        bufPtr[prev] + 8 * L,
        bufPtr[next] + 8 * L,
        bufPtr[A] + 8 * (L + 1),
        dir,
        count,
        startPtr[prev] + 4 * L,
        startPtr[next] + 4 * L,
        startPtr[A] + 4 * (L + 1),
      );
    } else {
      kernel.pairRows(
        scrA,
        scrB,
        bufPtr[prev] + 8 * L,
        bufPtr[next] + 8 * L,
        bufPtr[A] + 8 * (L + 1),
        dir,
        count,
      );
    }
    [prev, next] = [next, prev];
  }
  // The last row is row i of the last pair (in buffer A) when n − 1 is odd, else row i + 1.
  const lastBuf = n === 1 ? 0 : (n - 1) % 2 === 1 ? A : prev;
  return {
    kind: 'wasm',
    last: bufs[lastBuf],
    lastStart: starts ? starts[lastBuf] : null,
    step(i, j) {
      const p = (i - 1) >> 1;
      const k = j - pairL[p];
      return (i - 1) & 1 ? dirs[pairAt[p] + 2 * (k + 1) + 1] : dirs[pairAt[p] + 2 * k];
    },
  };
}

/**
 * The plain-JS run, row by row and exactly as the kernel decides (same order of ties).
 * `rowCosts(i, lo, count, out)` writes one row's local costs (NaN for missing).
 */
function runJs(
  pb: Problem,
  missing: number,
  rowCosts: (i: number, lo: number, count: number, out: Float64Array) => void,
): Run {
  const { n, m, lo, hi, keepPath, subsequence } = pb;
  const costs = new Float64Array(m);
  const bufs = [new Float64Array(m + 3).fill(Infinity), new Float64Array(m + 3).fill(Infinity)];
  const starts = subsequence ? [new Int32Array(m + 3), new Int32Array(m + 3)] : null;
  const rowAt = new Float64Array(n);
  let total = 0;
  for (let i = 1; i < n; i++) {
    rowAt[i] = total;
    if (keepPath) total += hi[i] - lo[i] + 1;
  }
  const dirs = new Uint8Array(keepPath ? total : m);
  const rowOf = (i: number, count: number) => {
    rowCosts(i, lo[i], count, costs);
    for (let t = 0; t < count; t++) if (costs[t] !== costs[t]) costs[t] = missing;
  };
  rowOf(0, hi[0] + 1);
  firstRow(costs, hi[0] + 1, bufs[0], starts ? starts[0] : null);
  let cur = 0;
  for (let i = 1; i < n; i++) {
    const L = lo[i];
    const count = hi[i] - L + 1;
    rowOf(i, count);
    const p = bufs[cur];
    const q = bufs[1 - cur];
    const ps = starts ? starts[cur] : null;
    const qs = starts ? starts[1 - cur] : null;
    const at = keepPath ? rowAt[i] : 0;
    let pd = p[L];
    let sd = ps ? ps[L] : 0;
    let left = Infinity;
    let sl = 0;
    for (let t = 0; t < count; t++) {
      const c = costs[t];
      const s = L + 1 + t;
      const pu = p[s];
      const su = ps ? ps[s] : 0;
      let best = pd + (c + c);
      let step = 0;
      let sb = sd;
      const up = pu + c;
      if (up < best) {
        best = up;
        step = UP;
        sb = su;
      }
      const lf = left + c;
      if (lf < best) {
        best = lf;
        step = LEFT;
        sb = sl;
      }
      q[s] = best;
      dirs[at + t] = step;
      if (qs) qs[s] = sb;
      left = best;
      sl = sb;
      pd = pu;
      sd = su;
    }
    // Column L − 1 of this buffer may hold a value from two rows ago: the next row reads it.
    q[L] = Infinity;
    cur = 1 - cur;
  }
  return {
    kind: 'js',
    last: bufs[cur],
    lastStart: starts ? starts[cur] : null,
    step: (i, j) => dirs[rowAt[i] + j - lo[i]],
  };
}

/** The run over features: WebAssembly unless asked otherwise or unavailable. */
function runFeatures(
  engine: DtwEngine,
  a: Frames,
  b: Frames,
  dim: number,
  distance: DtwDistance,
  missing: number,
  pb: Problem,
): Run {
  if (engine !== 'auto' && engine !== 'wasm' && engine !== 'js') {
    throw new Error(`DTW: unknown engine '${String(engine)}' (auto, wasm or js)`);
  }
  if (engine !== 'js') {
    const run = wasmKernelAvailable(dim) ? runWasm(a, b, dim, distance, missing, pb) : null;
    if (run) return run;
    if (engine === 'wasm') throw new Error('DTW: the WebAssembly SIMD engine is not available here');
  }
  // Missing frames as NaN rows, cosine rows at unit length: the same inputs the kernel sees.
  const prep = (x: Frames) => {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length / dim; i++) {
      const scale = rowScale(x, i, dim, distance);
      for (let k = i * dim; k < (i + 1) * dim; k++) out[k] = x[k] * scale;
    }
    return out;
  };
  const pa = prep(a);
  const pbx = prep(b);
  return runJs(pb, missing, (i, lo, count, out) => {
    const ao = i * dim;
    for (let t = 0; t < count; t++) {
      const bo = (lo + t) * dim;
      let s = 0;
      if (distance === 'cosine') {
        for (let k = 0; k < dim; k++) s += pa[ao + k] * pbx[bo + k];
        out[t] = Math.max(0, 1 - s);
      } else {
        for (let k = 0; k < dim; k++) {
          const d = pa[ao + k] - pbx[bo + k];
          s += d * d;
        }
        out[t] = distance === 'euclidean' ? Math.sqrt(s) : s;
      }
    }
  });
}

function checkPathSize(cells: number, what: string): void {
  if (cells > MAX_PATH_CELLS) {
    throw new Error(
      `DTW: keeping the path of ${what} needs ${(cells / 1e6).toFixed(0)} MB of step directions ` +
        `(limit ${MAX_PATH_CELLS / 1e6} MB); use a band or path: false`,
    );
  }
}

/** Backtracks from (i, j) until row 0 (subsequence) or (0, 0). */
function backtrack(run: Run, i: number, j: number, toOrigin: boolean): WarpPath {
  const pa: number[] = [i];
  const pbk: number[] = [j];
  while (i > 0 || (toOrigin && j > 0)) {
    if (i === 0) j--;
    else {
      const step = run.step(i, j);
      if (step & LEFT) j--;
      else if (step & UP) i--;
      else {
        i--;
        j--;
      }
    }
    pa.push(i);
    pbk.push(j);
  }
  return { a: Int32Array.from(pa).reverse(), b: Int32Array.from(pbk).reverse() };
}

/**
 * For each frame of one side, the frame of the other it is matched to: the middle of the run of
 * frames the path pairs it with (rounded up on a half).
 */
export function pathCorrespondence(
  path: WarpPath,
  n: number,
  m: number,
): { aToB: Int32Array; bToA: Int32Array } {
  const run = (from: Int32Array, to: Int32Array, size: number) => {
    const lo = new Int32Array(size).fill(-1);
    const hi = new Int32Array(size).fill(-1);
    for (let t = 0; t < from.length; t++) {
      const f = from[t];
      if (f < 0 || f >= size) throw new Error(`DTW: path frame ${f} is outside 0…${size - 1}`);
      if (lo[f] < 0) lo[f] = to[t];
      hi[f] = to[t];
    }
    const out = new Int32Array(size);
    for (let f = 0; f < size; f++) {
      if (lo[f] < 0) throw new Error(`DTW: the path never visits frame ${f}`);
      out[f] = Math.round((lo[f] + hi[f]) / 2);
    }
    return out;
  };
  if (path.a.length !== path.b.length) throw new Error('DTW: path sides differ in length');
  return { aToB: run(path.a, path.b, n), bToA: run(path.b, path.a, m) };
}

/** The path as [aFrame, bFrame] pairs. */
export function pathPairs(path: WarpPath): [number, number][] {
  return Array.from(path.a, (i, t) => [i, path.b[t]]);
}

function finishFull(run: Run, pb: Problem, missing: number, anyMissing: boolean): DtwResult {
  const { n, m } = pb;
  const cost = run.last[m];
  const path = pb.keepPath ? backtrack(run, n - 1, m - 1, true) : null;
  const corr = path ? pathCorrespondence(path, n, m) : null;
  return {
    cost,
    normalizedCost: cost / (n + m),
    path,
    aToB: corr ? corr.aToB : null,
    bToA: corr ? corr.bToA : null,
    missingCost: anyMissing ? missing : NaN,
    engine: run.kind,
  };
}

/** DTW between `a` (n × dim) and `b` (m × dim). See the module comment for the step pattern. */
export function dtw(a: Frames, b: Frames, dim: number, options: DtwOptions = {}): DtwResult {
  checkDim(dim);
  const distance = options.distance ?? 'euclidean';
  checkDistance(distance);
  const sa = checkSequence(a, dim, 'sequence a');
  const sb = checkSequence(b, dim, 'sequence b');
  const n = sa.rows;
  const m = sb.rows;
  const { lo, hi } = bandLimits(n, m, options.band);
  const keepPath = options.path ?? true;
  let cells = 0;
  for (let i = 0; i < n; i++) cells += hi[i] - lo[i] + 1;
  if (keepPath) checkPathSize(cells, `${n} × ${m} frames`);
  const anyMissing = sa.missingCount + sb.missingCount > 0;
  const missing = anyMissing
    ? resolveMissingCost(options.missingCost, () =>
        sampledMeanCost((i, j) => frameCost(a, i, b, j, dim, distance), sa, sb),
      )
    : 0;
  const pb: Problem = { n, m, lo, hi, keepPath, subsequence: false };
  return finishFull(
    runFeatures(options.engine ?? 'auto', a, b, dim, distance, missing, pb),
    pb,
    missing,
    anyMissing,
  );
}

/**
 * DTW over a precomputed local-cost matrix (n × m, row-major; NaN = missing, negative refused).
 * Runs in plain JS.
 */
export function dtwFromCostMatrix(
  cost: Frames,
  n: number,
  m: number,
  options: Omit<DtwOptions, 'distance' | 'engine'> = {},
): DtwResult {
  if (!(cost instanceof Float32Array || cost instanceof Float64Array)) {
    throw new Error('DTW: the cost matrix must be a Float32Array or Float64Array');
  }
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1) {
    throw new Error(`DTW: cost matrix sizes must be positive integers, got ${n} × ${m}`);
  }
  if (cost.length !== n * m)
    throw new Error(`DTW: cost matrix has ${cost.length} values, expected ${n} × ${m}`);
  let finite = 0;
  let sum = 0;
  for (let k = 0; k < cost.length; k++) {
    const c = cost[k];
    if (c < 0 || c === Infinity) {
      throw new Error(
        `DTW: cost matrix value ${c} at row ${Math.floor(k / m)}, column ${k % m}; costs must be finite and ≥ 0`,
      );
    }
    if (c === c) {
      finite++;
      sum += c;
    }
  }
  if (finite === 0) throw new Error('DTW: every value of the cost matrix is NaN');
  const { lo, hi } = bandLimits(n, m, options.band);
  const keepPath = options.path ?? true;
  let cells = 0;
  for (let i = 0; i < n; i++) cells += hi[i] - lo[i] + 1;
  if (keepPath) checkPathSize(cells, `${n} × ${m} frames`);
  const anyMissing = finite < cost.length;
  // Here the default missing cost is the mean of every finite cell.
  const missing = anyMissing ? resolveMissingCost(options.missingCost, () => sum / finite) : 0;
  const pb: Problem = { n, m, lo, hi, keepPath, subsequence: false };
  const run = runJs(pb, missing, (i, lo0, count, out) => {
    out.set(cost.subarray(i * m + lo0, i * m + lo0 + count));
  });
  return finishFull(run, pb, missing, anyMissing);
}

/**
 * Subsequence DTW: the query (n frames, e.g. the reference motion) may start and end anywhere in
 * the series (m frames, e.g. an untrimmed learner video); it must be matched whole. Same step
 * pattern; a match from series frame s to e carries weight n + (e − s + 1), by which its cost is
 * normalised when ranking ends. The best k matches whose frame ranges do not overlap are returned.
 */
export function subsequenceDtw(
  query: Frames,
  series: Frames,
  dim: number,
  options: SubsequenceOptions = {},
): SubsequenceResult {
  checkDim(dim);
  const distance = options.distance ?? 'euclidean';
  checkDistance(distance);
  const sq = checkSequence(query, dim, 'query');
  const ss = checkSequence(series, dim, 'series');
  const k = options.k ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`DTW: k must be a positive integer, got ${k}`);
  const n = sq.rows;
  const m = ss.rows;
  const keepPath = options.path ?? true;
  if (keepPath) checkPathSize(n * m, `${n} × ${m} frames`);
  const anyMissing = sq.missingCount + ss.missingCount > 0;
  const missing = anyMissing
    ? resolveMissingCost(options.missingCost, () =>
        sampledMeanCost((i, j) => frameCost(query, i, series, j, dim, distance), sq, ss),
      )
    : 0;
  const pb: Problem = {
    n,
    m,
    lo: new Int32Array(n),
    hi: new Int32Array(n).fill(m - 1),
    keepPath,
    subsequence: true,
  };
  const run = runFeatures(options.engine ?? 'auto', query, series, dim, distance, missing, pb);
  const last = run.last;
  const lastStart = run.lastStart as Int32Array;
  const endCost = new Float64Array(m);
  for (let j = 0; j < m; j++) endCost[j] = last[j + 1] / (n + j - lastStart[j + 1] + 1);
  const order = Array.from({ length: m }, (_, j) => j)
    .filter((j) => Number.isFinite(endCost[j]))
    .sort((x, y) => endCost[x] - endCost[y] || x - y);
  const taken: [number, number][] = [];
  const matches: SubsequenceMatch[] = [];
  for (const end of order) {
    if (matches.length >= k) break;
    const start = lastStart[end + 1];
    if (taken.some(([s, t]) => start <= t && end >= s)) continue;
    taken.push([start, end]);
    const path = keepPath ? backtrack(run, n - 1, end, false) : null;
    let queryToSeries: Int32Array | null = null;
    if (path) {
      const local: WarpPath = { a: path.a, b: path.b.map((j) => j - start) };
      queryToSeries = pathCorrespondence(local, n, end - start + 1).aToB.map((j) => j + start);
    }
    matches.push({
      start,
      end,
      cost: last[end + 1],
      normalizedCost: endCost[end],
      path,
      queryToSeries,
    });
  }
  return { matches, endCost, missingCost: anyMissing ? missing : NaN, engine: run.kind };
}
