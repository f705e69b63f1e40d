/**
 * Gait events (foot strike, toe-off) and temporal gait metrics from foot trajectories, for
 * walking and running, from 2D side-view keypoints or 3D markers.
 *
 * Signals, per side: the heel (else the ankle), the toe (big toe, else the ankle) and the pelvis
 * centre (sacrum / mid-ASIS for marker sets, else the hips' midpoint). Heights are along the up
 * axis (image: −y; 3D: `up`, default +y); "forward" is the direction of travel, found from the data
 * (see `travelAxis`), so walking left or right, or on a treadmill, needs no setting.
 *
 * Methods (chosen by `method`):
 *  - `zeni` (Zeni, Richards & Higginson 2008, coordinate-based): foot strike at each maximum of
 *    the heel's forward position relative to the pelvis, toe-off at each minimum of the toe's.
 *    Works with ankles only.
 *  - `height`: contact while the foot is near the ground: each foot point's height above its own
 *    ground level (its 5th percentile; a heel marker sits higher than a toe marker when both touch
 *    the floor), the lowest of them below `heightThreshold` (default 0.1) × the foot's vertical
 *    range (5th to 95th percentile). Foot strike / toe-off are the threshold crossings,
 *    interpolated between frames; lifts and dips shorter than 10 % of a stride are ignored.
 *  - `hybrid`: strikes from `zeni`, toe-offs from `height`.
 *  - `auto` (default): `zeni` for walking, `hybrid` for running. This is what validated best against
 *    force plates (bench/gait-validate.ts, OpenSim example data): in running Zeni's toe-off is
 *    ~6 frames late at 60 Hz while the height crossing is within a frame; the height method's
 *    strikes in walking are unreliable (the toe clears the floor by only ~1 cm in swing).
 *    The 0.1 threshold was chosen on that running trial (one subject).
 * Walking vs running (`mode: 'auto'`): from the pelvis height between foot strike and midstance
 * (the foot passing under the pelvis): it rises in walking (vaulting over a stiff leg) and falls in
 * running (the leg compresses).
 *
 * Events carry fractional frames (sub-frame interpolation: parabola through a peak, linear at a
 * threshold crossing) counted from row 0 of the points, and times in seconds.
 */
import { KinemaError } from '../errors';
import { KINEMATICS_ERROR, PointLookup, assertNamedPoints, type NamedPoints } from './points';
import { filterSeries } from './series';

export type Side = 'left' | 'right';
export type GaitEventKind = 'foot_strike' | 'toe_off';

export interface GaitEvent {
  side: Side;
  kind: GaitEventKind;
  /** Fractional frame, counted from row 0 of the points. */
  frame: number;
  /** Seconds from row 0. */
  time: number;
}

export interface GaitOptions {
  /** 3D: the lab's up axis (default [0, 1, 0]). Ignored in 2D (up = −y). */
  up?: readonly [number, number, number];
  mode?: 'auto' | 'walk' | 'run';
  method?: 'auto' | 'zeni' | 'height' | 'hybrid';
  /**
   * Zero-phase low-pass (Hz) of the trajectories before detection; 0 = none. Default: 6 Hz for 2D
   * keypoints (detector jitter), none for 3D markers.
   */
  lowpassHz?: number;
  /** `height` method: contact threshold as a fraction of the foot's vertical range. Default 0.1. */
  heightThreshold?: number;
  /** Gaps in the trajectories up to this many frames are interpolated first. Default 3. */
  fillGapsUpTo?: number;
}

export interface SideMetrics {
  left: number;
  right: number;
  mean: number;
  /** Symmetry index 100 · (right − left) / ((right + left) / 2), in %; NaN if a side is missing. */
  symmetry: number;
}

export interface GaitMetrics {
  /** Steps per minute (from the mean step time). */
  cadence: number;
  /** Seconds from the other foot's strike to this foot's strike. */
  stepTime: SideMetrics;
  /** Seconds between consecutive strikes of the same foot. */
  strideTime: SideMetrics;
  /** Seconds from a foot's strike to its toe-off (ground contact). */
  contactTime: SideMetrics;
  /** Seconds from a foot's toe-off to its next strike. */
  swingTime: SideMetrics;
  /** Running: seconds with both feet off the ground (toe-off to the other foot's strike), mean. */
  flightTime: number;
  /** Walking: seconds with both feet on the ground per stride (both double-support phases), mean. */
  doubleSupportTime: number;
  /** contact time / stride time (< 0.5: running). */
  dutyFactor: number;
}

export interface GaitResult {
  events: GaitEvent[];
  mode: 'walk' | 'run';
  method: 'zeni' | 'height' | 'hybrid';
  /** Unit forward (travel) axis: 2D [±1, 0] in image x; 3D in the points' frame. */
  forward: number[];
  metrics: GaitMetrics;
  /** Things the user should know (e.g. a side with no events). */
  warnings: string[];
}

const MIN_FRAMES = 10;

interface FootSignals {
  /** Forward position of the heel (else ankle) relative to the pelvis. */
  heelFwd: Float64Array;
  /** Forward position of the toe (else ankle) relative to the pelvis. */
  toeFwd: Float64Array;
  /** Height of the lowest available foot point. */
  low: Float64Array;
}

function fail(message: string): never {
  throw new KinemaError(KINEMATICS_ERROR, message);
}

/** Detects foot strikes and toe-offs on both sides and derives the temporal gait metrics. */
export function detectGait(points: NamedPoints, options: GaitOptions = {}): GaitResult {
  assertNamedPoints(points);
  const { fps, frameCount: T, dims } = points;
  if (T < MIN_FRAMES || T / fps < 0.5) {
    fail(
      `Gait events need at least ${MIN_FRAMES} frames and half a second of movement; ` +
        `got ${T} frame${T === 1 ? '' : 's'} (${(T / fps).toFixed(2)} s)`,
    );
  }
  const look = new PointLookup(points);
  const pelvisName = ['sacrum', 'mid_asis', 'mid_hip'].find((n) => look.has(n));
  if (!pelvisName) fail('Gait events need the hips (left_hip and right_hip) or pelvis markers');
  for (const s of ['left', 'right'] as const) {
    if (!['heel', 'ankle', 'big_toe'].some((j) => look.has(`${s}_${j}`))) {
      fail(`Gait events need a ${s} foot point (${s}_ankle, ${s}_heel or ${s}_big_toe)`);
    }
  }

  const lowpass = options.lowpassHz ?? (dims === 2 ? 6 : 0);
  const fill = options.fillGapsUpTo ?? 3;
  const prep = (name: string): Float64Array | null => {
    const p = look.get(name);
    if (!p) return null;
    const out = new Float64Array(p.length);
    const col = new Float64Array(T);
    for (let c = 0; c < dims; c++) {
      for (let t = 0; t < T; t++) col[t] = p[t * dims + c];
      const f =
        lowpass > 0 && lowpass < fps / 2
          ? filterSeries(col, { kind: 'butterworth', cutoffHz: lowpass }, fps, { fillGapsUpTo: fill })
          : filterSeries(col, { kind: 'none' }, fps, { fillGapsUpTo: fill });
      for (let t = 0; t < T; t++) out[t * dims + c] = f[t];
    }
    return out;
  };

  const up: number[] = dims === 2 ? [0, -1] : normalise([...(options.up ?? [0, 1, 0])]);
  const pelvis = prep(pelvisName) as Float64Array;
  const feet = {
    left: footPoints(prep, 'left'),
    right: footPoints(prep, 'right'),
  };
  const forward = travelAxis(feet, pelvis, up, dims, T);
  const warnings: string[] = [];
  const signals = {} as Record<Side, FootSignals>;
  for (const s of ['left', 'right'] as const) {
    const f = feet[s];
    const along = (p: Float64Array, axis: number[], rel: Float64Array | null): Float64Array => {
      const out = new Float64Array(T);
      for (let t = 0; t < T; t++) {
        let v = 0;
        for (let c = 0; c < dims; c++) v += (p[t * dims + c] - (rel ? rel[t * dims + c] : 0)) * axis[c];
        out[t] = v;
      }
      return out;
    };
    // Each point's height above its own ground level (5th percentile): a heel marker sits higher
    // above the floor than a toe marker when both touch it.
    const heights = [f.heel, f.toe, f.ankle]
      .filter((p): p is Float64Array => p !== null)
      .map((p) => {
        const h = along(p, up, null);
        const g = percentile(h, 0.05);
        return h.map((x) => x - g);
      });
    const low = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let m = NaN;
      for (const h of heights) if (Number.isFinite(h[t]) && !(h[t] >= m)) m = h[t];
      low[t] = m;
    }
    signals[s] = {
      heelFwd: along((f.heel ?? f.ankle ?? f.toe) as Float64Array, forward, pelvis),
      toeFwd: along((f.toe ?? f.ankle ?? f.heel) as Float64Array, forward, pelvis),
      low,
    };
  }

  const strideFrames = estimateStride(signals, fps);
  const threshold = options.heightThreshold ?? 0.1;
  const heightEvents = (['left', 'right'] as const).flatMap((s) =>
    heightMethod(signals[s].low, s, threshold, strideFrames),
  );
  const zeniEvents = (['left', 'right'] as const).flatMap((s) => zeniMethod(signals[s], s, strideFrames));
  let mode: 'walk' | 'run';
  if (options.mode && options.mode !== 'auto') mode = options.mode;
  else {
    const rise = midstanceRise(zeniEvents, signals, pelvis, up, dims, strideFrames);
    if (!Number.isFinite(rise)) {
      warnings.push('could not tell walking from running (no complete stance phase); assumed walking');
    }
    mode = rise < 0 ? 'run' : 'walk';
  }
  const method =
    options.method && options.method !== 'auto' ? options.method : mode === 'run' ? 'hybrid' : 'zeni';
  const events =
    method === 'height'
      ? heightEvents
      : method === 'zeni'
        ? zeniEvents
        : [
            ...zeniEvents.filter((e) => e.kind === 'foot_strike'),
            ...heightEvents.filter((e) => e.kind === 'toe_off'),
          ];
  for (const e of events) e.time = e.frame / fps;
  events.sort((a, b) => a.frame - b.frame);
  for (const s of ['left', 'right'] as const) {
    if (!events.some((e) => e.side === s && e.kind === 'foot_strike'))
      warnings.push(`no ${s} foot strike found`);
  }
  return { events, mode, method, forward, metrics: gaitMetrics(events, fps), warnings };
}

function footPoints(prep: (name: string) => Float64Array | null, s: Side) {
  return { heel: prep(`${s}_heel`), toe: prep(`${s}_big_toe`), ankle: prep(`${s}_ankle`) };
}

function normalise(v: number[]): number[] {
  const n = Math.hypot(...v);
  if (!(n > 0)) fail(`up axis [${v.join(', ')}] has no direction`);
  return v.map((x) => x / n);
}

/**
 * The direction of travel, as a unit vector. Feet move forward relative to the pelvis while they
 * are up (swing) and backward while they are down (stance), overground and on a treadmill alike:
 * so the axis is the main horizontal direction of the feet's motion relative to the pelvis, and
 * its sign makes the feet's forward velocity positively correlated with their height.
 */
export function travelAxis(
  feet: Record<Side, { heel: Float64Array | null; toe: Float64Array | null; ankle: Float64Array | null }>,
  pelvis: Float64Array,
  up: number[],
  dims: 2 | 3,
  T: number,
): number[] {
  // Horizontal basis: 2D → x; 3D → two axes orthogonal to up.
  let basis: number[][];
  if (dims === 2) basis = [[1, 0]];
  else {
    const ref = Math.abs(up[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    const d = ref[0] * up[0] + ref[1] * up[1] + ref[2] * up[2];
    const e1 = normalise(ref.map((r, i) => r - d * up[i]));
    const e2 = [up[1] * e1[2] - up[2] * e1[1], up[2] * e1[0] - up[0] * e1[2], up[0] * e1[1] - up[1] * e1[0]];
    basis = [e1, e2];
  }
  const rel: number[][] = [];
  const vel: number[][] = [];
  const hgt: number[] = [];
  for (const s of ['left', 'right'] as const) {
    const p = feet[s].ankle ?? feet[s].heel ?? feet[s].toe;
    if (!p) continue;
    const hs: number[] = [];
    for (let t = 1; t + 1 < T; t++) {
      const coords = basis.map((b) => {
        let v = 0;
        for (let c = 0; c < dims; c++) v += (p[t * dims + c] - pelvis[t * dims + c]) * b[c];
        return v;
      });
      const v = basis.map((b) => {
        let a = 0;
        for (let c = 0; c < dims; c++) {
          a +=
            (p[(t + 1) * dims + c] -
              pelvis[(t + 1) * dims + c] -
              p[(t - 1) * dims + c] +
              pelvis[(t - 1) * dims + c]) *
            b[c];
        }
        return a;
      });
      let h = 0;
      for (let c = 0; c < dims; c++) h += p[t * dims + c] * up[c];
      if (![...coords, ...v, h].every(Number.isFinite)) continue;
      rel.push(coords);
      vel.push(v);
      hs.push(h);
    }
    // Heights relative to this foot's median, so both feet weigh the same.
    const med = [...hs].sort((a, b) => a - b)[hs.length >> 1] ?? 0;
    for (const h of hs) hgt.push(h - med);
  }
  if (rel.length < 3)
    fail('Cannot find the direction of travel: the feet and pelvis are missing in almost every frame');
  let axis: number[];
  if (basis.length === 1) axis = [1];
  else {
    // Principal direction of the relative foot positions in the horizontal plane (2 × 2 PCA).
    const mean = [0, 0];
    for (const r of rel) {
      mean[0] += r[0] / rel.length;
      mean[1] += r[1] / rel.length;
    }
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    for (const r of rel) {
      const a = r[0] - mean[0];
      const b = r[1] - mean[1];
      sxx += a * a;
      sxy += a * b;
      syy += b * b;
    }
    const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
    axis = [Math.cos(angle), Math.sin(angle)];
  }
  let corr = 0;
  for (let i = 0; i < vel.length; i++)
    corr += (vel[i][0] * axis[0] + (vel[i][1] ?? 0) * (axis[1] ?? 0)) * hgt[i];
  if (corr < 0) axis = axis.map((a) => -a);
  const out = new Array<number>(dims).fill(0);
  basis.forEach((b, k) => b.forEach((bc, c) => (out[c] += axis[k] * bc)));
  return out;
}

/** Stride period in frames from the autocorrelation of the heel signals (NaN when unclear). */
function estimateStride(signals: Record<Side, FootSignals>, fps: number): number {
  const minLag = Math.round(0.4 * fps);
  const maxLag = Math.round(2.0 * fps);
  let best = NaN;
  const minR = 0.2;
  const acs = (['left', 'right'] as const).map((s) => autocorr(signals[s].heelFwd, minLag, maxLag));
  for (let lag = minLag; lag <= maxLag; lag++) {
    const r = (acs[0][lag - minLag] + acs[1][lag - minLag]) / 2;
    const prev = (acs[0][lag - minLag - 1] + acs[1][lag - minLag - 1]) / 2;
    const next = (acs[0][lag - minLag + 1] + acs[1][lag - minLag + 1]) / 2;
    // The first clear local maximum is the stride.
    if (r > minR && r >= prev && r >= next) {
      best = lag;
      break;
    }
  }
  return best;
}

function autocorr(x: Float64Array, minLag: number, maxLag: number): Float64Array {
  const out = new Float64Array(maxLag - minLag + 3).fill(NaN);
  let mean = 0;
  let n = 0;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    mean += v;
    n++;
  }
  mean /= n || 1;
  for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    let m = 0;
    for (let t = 0; t + lag < x.length; t++) {
      const a = x[t] - mean;
      const b = x[t + lag] - mean;
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      sxy += a * b;
      sxx += a * a;
      syy += b * b;
      m++;
    }
    out[lag - minLag + 1] = m > 10 && sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
  }
  return out;
}

/** Indices of local extrema (maxima for sign 1) with sub-frame refinement, spaced and prominent. */
export function findPeaks(
  x: Float64Array,
  sign: 1 | -1,
  minDistance: number,
  minProminence: number,
): number[] {
  const cand: { i: number; v: number }[] = [];
  for (let i = 1; i + 1 < x.length; i++) {
    const a = sign * x[i - 1];
    const b = sign * x[i];
    const c = sign * x[i + 1];
    if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) continue;
    // Plateaus count once, at their first sample.
    if (b > a && b >= c) cand.push({ i, v: b });
  }
  // Prominence: drop against the lower of the two minima on the way to a higher peak (or the end).
  const kept = cand.filter(({ i, v }) => prominence(x, sign, i, v) >= minProminence);
  // Greedy spacing: highest first.
  const chosen: number[] = [];
  for (const p of [...kept].sort((a, b) => b.v - a.v)) {
    if (chosen.every((q) => Math.abs(q - p.i) >= minDistance)) chosen.push(p.i);
  }
  return chosen
    .sort((a, b) => a - b)
    .map((i) => {
      const a = sign * x[i - 1];
      const b = sign * x[i];
      const c = sign * x[i + 1];
      const den = a - 2 * b + c;
      return den < 0 ? i + Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : i;
    });
}

function prominence(x: Float64Array, sign: 1 | -1, i: number, v: number): number {
  let leftMin = v;
  for (let j = i - 1; j >= 0; j--) {
    const w = sign * x[j];
    if (!Number.isFinite(w)) break;
    if (w > v) break;
    leftMin = Math.min(leftMin, w);
  }
  let rightMin = v;
  for (let j = i + 1; j < x.length; j++) {
    const w = sign * x[j];
    if (!Number.isFinite(w)) break;
    if (w > v) break;
    rightMin = Math.min(rightMin, w);
  }
  return v - Math.max(leftMin, rightMin);
}

function percentile(x: Float64Array, q: number): number {
  const v = Array.from(x)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return v.length ? v[Math.floor(q * (v.length - 1))] : NaN;
}

function spread(x: Float64Array): number {
  const v = Array.from(x)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (v.length < 2) return NaN;
  return v[Math.floor(0.95 * (v.length - 1))] - v[Math.floor(0.05 * (v.length - 1))];
}

function zeniMethod(sig: FootSignals, side: Side, strideFrames: number): GaitEvent[] {
  const minDist = Number.isFinite(strideFrames) ? 0.6 * strideFrames : 10;
  const events: GaitEvent[] = [];
  const fs = findPeaks(sig.heelFwd, 1, minDist, 0.25 * spread(sig.heelFwd));
  const to = findPeaks(sig.toeFwd, -1, minDist, 0.25 * spread(sig.toeFwd));
  for (const f of fs) events.push({ side, kind: 'foot_strike', frame: f, time: 0 });
  for (const f of to) events.push({ side, kind: 'toe_off', frame: f, time: 0 });
  return events;
}

function heightMethod(low: Float64Array, side: Side, fraction: number, strideFrames: number): GaitEvent[] {
  const v = Array.from(low)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (v.length < MIN_FRAMES) return [];
  const ground = v[Math.floor(0.05 * (v.length - 1))];
  const range = v[Math.floor(0.95 * (v.length - 1))] - ground;
  if (!(range > 0)) return [];
  const thr = ground + fraction * range;
  // Contact intervals [start, end) in fractional frames; null = open at a gap or an end.
  const intervals: { start: number | null; end: number | null }[] = [];
  let open: { start: number | null; end: number | null } | null = null;
  for (let t = 0; t < low.length; t++) {
    const b = low[t];
    const a = t > 0 ? low[t - 1] : NaN;
    if (!Number.isFinite(b)) {
      if (open) {
        open.end = null;
        intervals.push(open);
        open = null;
      }
      continue;
    }
    const frac = Number.isFinite(a) ? t - 1 + (thr - a) / (b - a) : null;
    if (!open && b < thr) open = { start: Number.isFinite(a) ? frac : null, end: null };
    else if (open && b >= thr) {
      open.end = frac;
      intervals.push(open);
      open = null;
    }
  }
  if (open) intervals.push(open);
  // A brief lift during the roll-over (heel up before the toe is down) is not a swing, and a
  // brief dip in swing is not a contact: merge gaps and drop contacts shorter than ~10 % of a stride.
  const minGap = Math.max(2, Number.isFinite(strideFrames) ? 0.1 * strideFrames : 4);
  const merged: typeof intervals = [];
  for (const iv of intervals) {
    const last = merged[merged.length - 1];
    if (last && last.end !== null && iv.start !== null && iv.start - last.end < minGap) last.end = iv.end;
    else merged.push({ ...iv });
  }
  const events: GaitEvent[] = [];
  for (const iv of merged) {
    if (iv.start !== null && iv.end !== null && iv.end - iv.start < minGap) continue;
    if (iv.start !== null) events.push({ side, kind: 'foot_strike', frame: iv.start, time: 0 });
    if (iv.end !== null) events.push({ side, kind: 'toe_off', frame: iv.end, time: 0 });
  }
  return events;
}

/**
 * Mean rise of the pelvis from foot strike to midstance (the foot passing under the pelvis), over
 * all strikes. Walking vaults over a stiff leg, so the pelvis is higher at midstance (> 0); running
 * loads a compressing leg, so it is lower (< 0). NaN when no stance can be measured.
 */
function midstanceRise(
  strikes: GaitEvent[],
  signals: Record<Side, FootSignals>,
  pelvis: Float64Array,
  up: number[],
  dims: number,
  strideFrames: number,
): number {
  const height = (t: number) => {
    let h = 0;
    for (let c = 0; c < dims; c++) h += pelvis[t * dims + c] * up[c];
    return h;
  };
  const reach = Number.isFinite(strideFrames) ? Math.round(0.6 * strideFrames) : 60;
  const rises: number[] = [];
  for (const e of strikes) {
    if (e.kind !== 'foot_strike') continue;
    const f = Math.round(e.frame);
    const fwd = signals[e.side].heelFwd;
    for (let t = f + 1; t < Math.min(fwd.length, f + reach); t++) {
      if (!Number.isFinite(fwd[t])) break;
      if (fwd[t] <= 0) {
        const r = height(t) - height(f);
        if (Number.isFinite(r)) rises.push(r);
        break;
      }
    }
  }
  if (!rises.length) return NaN;
  rises.sort((a, b) => a - b);
  return rises[rises.length >> 1];
}

function mean(v: number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

function sided(left: number[], right: number[]): SideMetrics {
  const l = mean(left);
  const r = mean(right);
  const all = mean([...left, ...right]);
  return { left: l, right: r, mean: all, symmetry: (100 * (r - l)) / ((r + l) / 2) };
}

/** Temporal metrics from a list of events (times in seconds). */
export function gaitMetrics(events: readonly GaitEvent[], fps: number): GaitMetrics {
  const times = (s: Side, k: GaitEventKind) =>
    events
      .filter((e) => e.side === s && e.kind === k)
      .map((e) => e.frame / fps)
      .sort((a, b) => a - b);
  const fs = { left: times('left', 'foot_strike'), right: times('right', 'foot_strike') };
  const to = { left: times('left', 'toe_off'), right: times('right', 'toe_off') };
  const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');
  const stride = { left: [] as number[], right: [] as number[] };
  const step = { left: [] as number[], right: [] as number[] };
  const contact = { left: [] as number[], right: [] as number[] };
  const swing = { left: [] as number[], right: [] as number[] };
  const flight: number[] = [];
  const dsupport: number[] = [];
  for (const s of ['left', 'right'] as const) {
    const o = other(s);
    fs[s].forEach((t, i) => {
      const next = fs[s][i + 1];
      if (next !== undefined) stride[s].push(next - t);
      // Step: the other foot's last strike before this one, within the stride.
      const prevOther = fs[o].filter((x) => x < t).pop();
      const prevSame = fs[s][i - 1];
      if (prevOther !== undefined && (prevSame === undefined || prevOther > prevSame))
        step[s].push(t - prevOther);
      const off = to[s].find((x) => x > t && (next === undefined || x < next));
      if (off !== undefined) {
        contact[s].push(off - t);
        // Flight / double support: from this toe-off to the other foot's next strike.
        const otherStrike = fs[o].find((x) => x > t);
        if (otherStrike !== undefined && (next === undefined || otherStrike < next)) {
          if (otherStrike > off) flight.push(otherStrike - off);
          else flight.push(0);
          const otherOff = to[o].filter((x) => x < off && x > t).pop();
          if (otherOff !== undefined) dsupport.push(otherOff - t);
        }
      }
    });
    to[s].forEach((t) => {
      const nextStrike = fs[s].find((x) => x > t);
      const lastStrike = fs[s].filter((x) => x < t).pop();
      if (nextStrike !== undefined && lastStrike !== undefined) swing[s].push(nextStrike - t);
    });
  }
  const stepM = sided(step.left, step.right);
  const strideM = sided(stride.left, stride.right);
  const contactM = sided(contact.left, contact.right);
  return {
    cadence: 60 / stepM.mean,
    stepTime: stepM,
    strideTime: strideM,
    contactTime: contactM,
    swingTime: sided(swing.left, swing.right),
    flightTime: mean(flight),
    doubleSupportTime: 2 * mean(dsupport),
    dutyFactor: contactM.mean / strideM.mean,
  };
}
