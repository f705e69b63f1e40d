/**
 * Time series with gaps: filtering of angle (or coordinate) series in which NaN marks a missing
 * sample.
 *
 * Gaps are never bridged by a filter: each run of finite samples is filtered on its own and NaN
 * stays NaN, so a plot shows a gap, not a zero or a made-up curve. Gaps up to `fillGapsUpTo`
 * frames (with a value on both sides) may first be filled by linear interpolation; longer ones
 * stay NaN. Inputs are never modified: callers keep the raw series.
 *
 * Filters:
 *  - `butterworth`: zero-phase low-pass, the 2nd-order Butterworth of tracking/filters.ts run
 *    forward and backward (4th-order, no lag; −6 dB at the cutoff). The biomechanics default is
 *    6 Hz. Runs shorter than 2 samples are left as they are.
 *  - `gaussian`: centred Gaussian kernel (σ in frames), cut at ±3σ.
 *  - `median`: centred running median over an odd window (spike removal).
 * Gaussian and median see each run's ends extended by odd reflection (as filtfilt does), so a
 * trend does not bend at the start or end of a run.
 */
import { KinemaError } from '../errors';
import { butterworthLowpass, butterworthSeries, medianSeries } from '../tracking/filters';

export type SeriesFilter =
  | { kind: 'none' }
  | { kind: 'butterworth'; cutoffHz: number }
  | { kind: 'gaussian'; sigmaFrames: number }
  | { kind: 'median'; window: number };

export interface FilterOptions {
  /** Fill gaps of at most this many missing frames by linear interpolation first. Default 0. */
  fillGapsUpTo?: number;
}

/** Index ranges [start, end) of consecutive finite samples. */
export function finiteRuns(values: ArrayLike<number>): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= values.length; i++) {
    const ok = i < values.length && Number.isFinite(values[i]);
    if (ok && start < 0) start = i;
    if (!ok && start >= 0) {
      runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

/**
 * A copy with every gap of at most `maxGap` NaN samples, between two finite ones, filled by linear
 * interpolation. Leading and trailing gaps and longer gaps stay NaN.
 */
export function fillGaps(values: ArrayLike<number>, maxGap: number): Float64Array {
  const out = Float64Array.from(values);
  if (!(maxGap >= 1)) return out;
  const runs = finiteRuns(out);
  for (let r = 0; r + 1 < runs.length; r++) {
    const a = runs[r][1] - 1;
    const b = runs[r + 1][0];
    if (b - a - 1 > maxGap) continue;
    for (let i = a + 1; i < b; i++) out[i] = out[a] + ((out[b] - out[a]) * (i - a)) / (b - a);
  }
  return out;
}

/**
 * The series extended by `pad` samples at each end by odd reflection (2·x₀ − x_i), so a filter
 * sees a trend continue at the ends instead of a flat or shrinking window (no edge bias on a line).
 */
function reflectPad(values: ArrayLike<number>, pad: number): Float64Array {
  const n = values.length;
  const p = Math.min(pad, n - 1);
  const out = new Float64Array(n + 2 * p);
  for (let i = 0; i < n; i++) out[p + i] = values[i];
  for (let i = 1; i <= p; i++) {
    out[p - i] = 2 * values[0] - values[i];
    out[p + n - 1 + i] = 2 * values[n - 1] - values[n - 1 - i];
  }
  return out;
}

/** Gaussian smoothing of a gap-free series (σ in samples, kernel cut at ±3σ, odd-reflected ends). */
export function gaussianSeries(values: ArrayLike<number>, sigma: number): Float64Array {
  const n = values.length;
  const half = Math.ceil(3 * sigma);
  const w = new Float64Array(2 * half + 1);
  for (let k = -half; k <= half; k++) w[k + half] = Math.exp((-0.5 * k * k) / (sigma * sigma));
  const p = Math.min(half, n - 1);
  const x = reflectPad(values, half);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let ws = 0;
    // Beyond the reflected padding (very short runs) the kernel is renormalised.
    for (let k = Math.max(-half, -(i + p)); k <= Math.min(half, n - 1 + p - i); k++) {
      s += w[k + half] * x[p + i + k];
      ws += w[k + half];
    }
    out[i] = s / ws;
  }
  return out;
}

/** Running median (odd window) of a gap-free series, ends odd-reflected. */
function medianRun(values: ArrayLike<number>, window: number): Float64Array {
  const half = window >> 1;
  const p = Math.min(half, values.length - 1);
  return medianSeries(reflectPad(values, half), window).slice(p, p + values.length);
}

/** Throws a message naming the bad parameter; returns the filter when it is usable at `fps`. */
export function checkFilter(filter: SeriesFilter, fps: number): SeriesFilter {
  switch (filter.kind) {
    case 'none':
      return filter;
    case 'butterworth':
      if (!(fps > 0)) throw filterError(`the Butterworth filter needs the frame rate, got ${fps}`);
      if (!(filter.cutoffHz > 0) || !(filter.cutoffHz < fps / 2)) {
        throw filterError(
          `Butterworth cutoff ${filter.cutoffHz} Hz must be above 0 and below half the frame rate (${fps / 2} Hz)`,
        );
      }
      butterworthLowpass(filter.cutoffHz, fps);
      return filter;
    case 'gaussian':
      if (!(filter.sigmaFrames > 0) || !Number.isFinite(filter.sigmaFrames)) {
        throw filterError(`Gaussian sigma must be a positive number of frames, got ${filter.sigmaFrames}`);
      }
      return filter;
    case 'median':
      if (!Number.isInteger(filter.window) || filter.window < 1) {
        throw filterError(`median window must be a whole number of frames ≥ 1, got ${filter.window}`);
      }
      return filter;
    default:
      throw filterError(`unknown filter kind "${(filter as { kind: unknown }).kind as string}"`);
  }
}

function filterError(message: string): KinemaError {
  return new KinemaError('BAD_FILTER', message);
}

/**
 * Filters a series with gaps: optional short-gap filling, then the filter on each finite run.
 * NaN samples (the gaps that remain) are NaN in the result. Throws on a series with fewer than 2
 * samples, where no filter means anything.
 */
export function filterSeries(
  values: ArrayLike<number>,
  filter: SeriesFilter,
  fps: number,
  options: FilterOptions = {},
): Float64Array {
  checkFilter(filter, fps);
  if (filter.kind !== 'none' && values.length < 2) {
    throw filterError(
      `cannot filter a series of ${values.length} frame${values.length === 1 ? '' : 's'}: filtering needs at least 2`,
    );
  }
  const out = fillGaps(values, options.fillGapsUpTo ?? 0);
  if (filter.kind === 'none') return out;
  for (const [s, e] of finiteRuns(out)) {
    const run = out.subarray(s, e);
    let filtered: Float64Array;
    if (filter.kind === 'butterworth') filtered = butterworthSeries(run, filter.cutoffHz, fps);
    else if (filter.kind === 'gaussian') filtered = gaussianSeries(run, filter.sigmaFrames);
    else filtered = medianRun(run, filter.window | 1);
    run.set(filtered);
  }
  return out;
}

/** A raw series kept beside its filtered copy. */
export interface FilteredSeries {
  name: string;
  raw: Float64Array;
  filtered: Float64Array;
  filter: SeriesFilter;
}

/** Filters several named series the same way (e.g. every angle of an AngleSet). */
export function filterAll(
  series: readonly { name: string; values: Float64Array }[],
  filter: SeriesFilter,
  fps: number,
  options: FilterOptions = {},
): FilteredSeries[] {
  return series.map((s) => {
    try {
      return { name: s.name, raw: s.values, filtered: filterSeries(s.values, filter, fps, options), filter };
    } catch (err) {
      if (err instanceof KinemaError) throw new KinemaError(err.code, `${s.name}: ${err.message}`);
      throw err;
    }
  });
}

/**
 * Filters every coordinate of a frames × points × dims array (NaN = missing) with the same rules,
 * e.g. marker or keypoint trajectories before computing angles. Returns a new array.
 */
export function filterPointData(
  data: Float64Array,
  pointCount: number,
  dims: number,
  filter: SeriesFilter,
  fps: number,
  options: FilterOptions = {},
): Float64Array {
  const stride = pointCount * dims;
  if (data.length % stride !== 0) {
    throw filterError(`${data.length} numbers is not a whole number of frames of ${pointCount} × ${dims}`);
  }
  const T = data.length / stride;
  const out = new Float64Array(data.length);
  const col = new Float64Array(T);
  for (let k = 0; k < stride; k++) {
    for (let t = 0; t < T; t++) col[t] = data[t * stride + k];
    const f = filterSeries(col, filter, fps, options);
    for (let t = 0; t < T; t++) out[t * stride + k] = f[t];
  }
  return out;
}
