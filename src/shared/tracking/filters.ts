/**
 * Smoothing filters for pose tracks: One-Euro (causal, adaptive), zero-phase Butterworth
 * (offline, forward-backward) and median (spike removal).
 *
 * Every track-level function returns a NEW PoseTrack: frames, boxes and scores are copied unchanged
 * (keypoint scores too), only keypoint x, y are filtered. The caller keeps the raw track.
 *
 * Gaps: frames are runs of consecutive frame indices; a filter never carries information across a
 * missing frame (each run is filtered on its own; One-Euro resets, up to `maxGap`).
 *
 * Low-score keypoints (score < `minScore`, default 0.3) never pull their neighbours and are
 * returned as they came in:
 *  - One-Euro: such a sample does not update the filter state (the next good sample is filtered
 *    against the last good one with the true elapsed time, or restarts the filter when that is
 *    more than `maxGap` frames back);
 *  - Butterworth: the filter's input at such samples is linearly interpolated from the nearest
 *    good samples of the run (held constant beyond the first/last good one), so the outlier itself
 *    never enters the filter;
 *  - median: the median at each sample is taken over the good samples of its window only.
 */
import { jointCount, type PoseTrack } from '../pose';

// ---------------------------------------------------------------------------------------------
// One-Euro

export interface OneEuroParams {
  /** Minimum cutoff frequency (Hz): lower → less jitter at rest, more lag. Default 1. */
  minCutoff?: number;
  /** Speed coefficient: higher → less lag on fast motion. Default 0.007 (for pixels). */
  beta?: number;
  /** Cutoff frequency (Hz) of the derivative's low-pass. Default 1. */
  dCutoff?: number;
}

function smoothingFactor(dt: number, cutoff: number): number {
  const r = 2 * Math.PI * cutoff * dt;
  return r / (r + 1);
}

/** The One-Euro filter (Casiez, Roussel, Vogel 2012) of one scalar signal. */
export class OneEuroFilter {
  private readonly minCutoff: number;
  private readonly beta: number;
  private readonly dCutoff: number;
  private xPrev = 0;
  private dxPrev = 0;
  private started = false;

  constructor(params: OneEuroParams = {}) {
    this.minCutoff = params.minCutoff ?? 1;
    this.beta = params.beta ?? 0.007;
    this.dCutoff = params.dCutoff ?? 1;
  }

  reset(): void {
    this.started = false;
  }

  /** Filters the sample `x` taken `dt` seconds after the previous one. */
  filter(x: number, dt: number): number {
    if (!this.started || !(dt > 0)) {
      this.started = true;
      this.xPrev = x;
      this.dxPrev = 0;
      return x;
    }
    const dx = (x - this.xPrev) / dt;
    const dxHat = this.dxPrev + smoothingFactor(dt, this.dCutoff) * (dx - this.dxPrev);
    const cutoff = this.minCutoff + this.beta * Math.abs(dxHat);
    const xHat = this.xPrev + smoothingFactor(dt, cutoff) * (x - this.xPrev);
    this.xPrev = xHat;
    this.dxPrev = dxHat;
    return xHat;
  }
}

/** One-Euro over a uniformly sampled series (no gaps). */
export function oneEuroSeries(
  values: ArrayLike<number>,
  fps: number,
  params: OneEuroParams = {},
): Float64Array {
  const f = new OneEuroFilter(params);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f.filter(values[i], 1 / fps);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Butterworth

export interface Biquad {
  b: [number, number, number];
  a: [number, number, number];
}

/** 2nd-order Butterworth low-pass (bilinear transform with pre-warping). */
export function butterworthLowpass(cutoff: number, fps: number): Biquad {
  if (!(cutoff > 0) || !(cutoff < fps / 2)) {
    throw new Error(
      `Butterworth cutoff ${cutoff} Hz must be between 0 and half the frame rate (${fps / 2} Hz)`,
    );
  }
  const k = Math.tan((Math.PI * cutoff) / fps);
  const k2 = k * k;
  const norm = 1 / (1 + Math.SQRT2 * k + k2);
  const b0 = k2 * norm;
  return {
    b: [b0, 2 * b0, b0],
    a: [1, 2 * (k2 - 1) * norm, (1 - Math.SQRT2 * k + k2) * norm],
  };
}

/** One pass of the biquad (transposed direct form II), started in steady state at x[0]. */
function lfilter(f: Biquad, x: Float64Array): Float64Array {
  const [b0, b1, b2] = f.b;
  const [, a1, a2] = f.a;
  const y = new Float64Array(x.length);
  // Steady-state initial conditions for a constant input x[0] (DC gain 1).
  let z1 = (1 - b0) * x[0];
  let z2 = (b2 - a2) * x[0];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = b0 * xi + z1;
    z1 = b1 * xi - a1 * yi + z2;
    z2 = b2 * xi - a2 * yi;
    y[i] = yi;
  }
  return y;
}

/**
 * Zero-phase filtering (forward then backward), edges padded by odd reflection
 * (2·x₀ − x_{i}) over `padLength` samples (default: 3 periods of the cutoff, at most n − 1).
 */
export function filtfilt(f: Biquad, values: ArrayLike<number>, padLength: number): Float64Array {
  const n = values.length;
  if (n < 2) return Float64Array.from(values);
  const pad = Math.max(0, Math.min(n - 1, padLength));
  const ext = new Float64Array(n + 2 * pad);
  for (let i = 0; i < pad; i++) {
    ext[i] = 2 * values[0] - values[pad - i];
    ext[n + pad + i] = 2 * values[n - 1] - values[n - 2 - i];
  }
  for (let i = 0; i < n; i++) ext[pad + i] = values[i];
  const fwd = lfilter(f, ext);
  fwd.reverse();
  const bwd = lfilter(f, fwd);
  bwd.reverse();
  return bwd.slice(pad, pad + n);
}

/** Zero-phase 2nd-order Butterworth low-pass of a uniformly sampled series. */
export function butterworthSeries(values: ArrayLike<number>, cutoff: number, fps: number): Float64Array {
  return filtfilt(butterworthLowpass(cutoff, fps), values, defaultPad(cutoff, fps));
}

function defaultPad(cutoff: number, fps: number): number {
  return Math.ceil((3 * fps) / cutoff);
}

// ---------------------------------------------------------------------------------------------
// Median

/** Centred running median (window shrinks at the ends); samples with `valid[i]` false are skipped. */
export function medianSeries(
  values: ArrayLike<number>,
  window: number,
  valid?: ArrayLike<boolean>,
): Float64Array {
  const half = Math.floor(Math.max(1, window) / 2);
  const out = Float64Array.from(values);
  const buf: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (valid && !valid[i]) continue;
    buf.length = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(values.length - 1, i + half); j++) {
      if (!valid || valid[j]) buf.push(values[j]);
    }
    buf.sort((a, b) => a - b);
    const m = buf.length >> 1;
    out[i] = buf.length % 2 ? buf[m] : (buf[m - 1] + buf[m]) / 2;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tracks

export interface TrackFilterOptions {
  /** Keypoints below this score are left raw and never pull their neighbours. Default 0.3. */
  minScore?: number;
}

/** Index ranges [start, end) of consecutive frames, split where the frame gap exceeds `maxGap`. */
export function contiguousRuns(frames: Int32Array, maxGap = 1): [number, number][] {
  const runs: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= frames.length; i++) {
    if (i === frames.length || frames[i] - frames[i - 1] > maxGap) {
      if (i > start) runs.push([start, i]);
      start = i;
    }
  }
  return runs;
}

function copyTrack(track: PoseTrack): PoseTrack {
  return {
    trackId: track.trackId,
    skeletonId: track.skeletonId,
    frames: track.frames.slice(),
    keypoints: track.keypoints.slice(),
    boxes: track.boxes.slice(),
    scores: track.scores.slice(),
  };
}

/**
 * Calls `fn(values, valid, frames)` for every joint coordinate of every run and writes back the
 * values it returns at the valid samples.
 */
function perCoordinate(
  track: PoseTrack,
  runs: [number, number][],
  minScore: number,
  fn: (values: Float64Array, valid: boolean[], frames: Int32Array) => Float64Array,
): PoseTrack {
  const out = copyTrack(track);
  const k = jointCount(track);
  const stride = k * 3;
  for (const [s, e] of runs) {
    const n = e - s;
    const frames = track.frames.subarray(s, e);
    for (let j = 0; j < k; j++) {
      const valid: boolean[] = new Array(n);
      let any = false;
      for (let i = 0; i < n; i++) {
        valid[i] = track.keypoints[(s + i) * stride + j * 3 + 2] >= minScore;
        any ||= valid[i];
      }
      if (!any) continue;
      for (let c = 0; c < 2; c++) {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = track.keypoints[(s + i) * stride + j * 3 + c];
        const filtered = fn(values, valid, frames);
        for (let i = 0; i < n; i++) {
          if (valid[i]) out.keypoints[(s + i) * stride + j * 3 + c] = filtered[i];
        }
      }
    }
  }
  return out;
}

export interface OneEuroTrackOptions extends OneEuroParams, TrackFilterOptions {
  fps: number;
  /** Largest frame gap bridged (with the true elapsed time); a longer one resets. Default 1. */
  maxGap?: number;
}

/** One-Euro filter on every keypoint coordinate (causal: usable live). */
export function oneEuroTrack(track: PoseTrack, options: OneEuroTrackOptions): PoseTrack {
  const { fps } = options;
  if (!(fps > 0)) throw new Error('oneEuroTrack needs the frame rate');
  const maxGap = options.maxGap ?? 1;
  return perCoordinate(
    track,
    contiguousRuns(track.frames, maxGap),
    options.minScore ?? 0.3,
    (v, valid, frames) => {
      const f = new OneEuroFilter(options);
      const out = v.slice();
      let lastFrame = -Infinity;
      for (let i = 0; i < v.length; i++) {
        if (!valid[i]) continue;
        const gap = frames[i] - lastFrame;
        if (gap > maxGap) f.reset();
        out[i] = f.filter(v[i], gap / fps);
        lastFrame = frames[i];
      }
      return out;
    },
  );
}

export interface ButterworthTrackOptions extends TrackFilterOptions {
  fps: number;
  /** Cutoff frequency in Hz (below fps / 2). */
  cutoff: number;
}

/** Zero-phase 2nd-order Butterworth low-pass on every keypoint coordinate, run by run. */
export function butterworthTrack(track: PoseTrack, options: ButterworthTrackOptions): PoseTrack {
  const { fps, cutoff } = options;
  const biquad = butterworthLowpass(cutoff, fps);
  const pad = defaultPad(cutoff, fps);
  return perCoordinate(track, contiguousRuns(track.frames), options.minScore ?? 0.3, (v, valid) => {
    const filled = fillInvalid(v, valid);
    return filled ? filtfilt(biquad, filled, pad) : v;
  });
}

/** Linear interpolation over invalid samples (held at the ends); null with fewer than 2 valid. */
function fillInvalid(v: Float64Array, valid: boolean[]): Float64Array | null {
  const idx: number[] = [];
  valid.forEach((ok, i) => ok && idx.push(i));
  if (idx.length < 2) return null;
  const out = v.slice();
  for (let i = 0; i < idx[0]; i++) out[i] = v[idx[0]];
  for (let i = idx[idx.length - 1] + 1; i < v.length; i++) out[i] = v[idx[idx.length - 1]];
  for (let q = 0; q + 1 < idx.length; q++) {
    const a = idx[q];
    const b = idx[q + 1];
    for (let i = a + 1; i < b; i++) out[i] = v[a] + ((v[b] - v[a]) * (i - a)) / (b - a);
  }
  return out;
}

export interface MedianTrackOptions extends TrackFilterOptions {
  /** Window length in frames (odd; an even one acts as the next odd). Default 5. */
  window?: number;
}

/** Running median on every keypoint coordinate, run by run (removes single-frame spikes). */
export function medianTrack(track: PoseTrack, options: MedianTrackOptions = {}): PoseTrack {
  const window = options.window ?? 5;
  return perCoordinate(track, contiguousRuns(track.frames), options.minScore ?? 0.3, (v, valid) =>
    medianSeries(v, window, valid),
  );
}
