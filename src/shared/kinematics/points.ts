/**
 * The one input every kinematics function reads: named points per frame (`NamedPoints`), built
 * from a 2D pose track (image pixels, y down) or from 3D marker / joint-centre trajectories.
 *
 * Frames are uniformly sampled: a frame where a point is absent (missing frame of a track, score
 * below the threshold, a marker gap) holds NaN, never 0, so gaps stay visible downstream.
 */
import { KinemaError } from '../errors';
import type { PoseTrack } from '../pose';
import { getSkeleton } from '../skeletons';

export interface NamedPoints {
  /** Point names: skeleton joint names (`left_knee`…) or marker / joint-centre names. */
  readonly names: readonly string[];
  /**
   * 2: image plane, x to the right, y DOWN (pixels). 3: any right-handed frame in metres; which
   * axis is up is given to the functions that need it (default +y, OpenSim's convention).
   */
  readonly dims: 2 | 3;
  /** Number of frames. */
  readonly frameCount: number;
  /** frameCount × names.length × dims; NaN where a point is missing. */
  readonly data: Float64Array;
  /** Frames per second (> 0). */
  readonly fps: number;
  /** Video frame index of row 0 (tracks start anywhere in a video); 0 for marker files. */
  readonly firstFrame: number;
}

export const KINEMATICS_ERROR = 'BAD_KINEMATICS_INPUT';

function fail(message: string): never {
  throw new KinemaError(KINEMATICS_ERROR, message);
}

/** Checks the shape of a NamedPoints; throws a message naming what is wrong. */
export function assertNamedPoints(points: NamedPoints, what = 'points'): void {
  const { names, dims, frameCount, data, fps } = points;
  if (dims !== 2 && dims !== 3) fail(`${what}: dims must be 2 or 3, got ${String(dims)}`);
  if (!Number.isInteger(frameCount) || frameCount < 1) {
    fail(`${what}: no frames (frameCount ${frameCount}); kinematics needs at least one frame`);
  }
  if (names.length === 0) fail(`${what}: no point names`);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) fail(`${what}: the point name "${n}" appears twice`);
    seen.add(n);
  }
  if (data.length !== frameCount * names.length * dims) {
    fail(
      `${what}: data holds ${data.length} numbers, expected frames × points × dims = ` +
        `${frameCount} × ${names.length} × ${dims} = ${frameCount * names.length * dims}`,
    );
  }
  if (!(fps > 0) || !Number.isFinite(fps)) fail(`${what}: frame rate must be > 0, got ${fps}`);
}

export interface TrackPointsOptions {
  /** Frames per second of the video (> 0). */
  fps: number;
  /** Keypoints scoring below this are treated as missing (NaN). Default 0.3. */
  minScore?: number;
}

/**
 * A pose track as image-plane points: one row per video frame from the track's first to its last
 * frame; frames the track lacks and keypoints scoring below `minScore` are NaN.
 */
export function pointsFromTrack(track: PoseTrack, options: TrackPointsOptions): NamedPoints {
  const skeleton = getSkeleton(track.skeletonId);
  const k = skeleton.joints.length;
  const n = track.frames.length;
  if (n === 0) fail(`track ${track.trackId} has no frames`);
  const minScore = options.minScore ?? 0.3;
  const first = track.frames[0];
  const frameCount = track.frames[n - 1] - first + 1;
  const data = new Float64Array(frameCount * k * 2).fill(NaN);
  for (let i = 0; i < n; i++) {
    const row = track.frames[i] - first;
    for (let j = 0; j < k; j++) {
      const src = (i * k + j) * 3;
      if (!(track.keypoints[src + 2] >= minScore)) continue;
      data[(row * k + j) * 2] = track.keypoints[src];
      data[(row * k + j) * 2 + 1] = track.keypoints[src + 1];
    }
  }
  const points: NamedPoints = {
    names: skeleton.joints,
    dims: 2,
    frameCount,
    data,
    fps: options.fps,
    firstFrame: first,
  };
  assertNamedPoints(points, `track ${track.trackId}`);
  return points;
}

/** Builds NamedPoints from one array per point (frames × dims each, NaN = missing). */
export function pointsFromSeries(
  series: Readonly<Record<string, ArrayLike<number>>>,
  dims: 2 | 3,
  fps: number,
  firstFrame = 0,
): NamedPoints {
  const names = Object.keys(series);
  if (names.length === 0) fail('no points given');
  const len = series[names[0]].length;
  for (const n of names) {
    if (series[n].length !== len) {
      fail(`point "${n}" has ${series[n].length} numbers, "${names[0]}" has ${len}; all must match`);
    }
  }
  if (len % dims !== 0) fail(`point "${names[0]}": ${len} numbers is not a whole number of ${dims}D frames`);
  const frameCount = len / dims;
  const m = names.length;
  const data = new Float64Array(frameCount * m * dims);
  names.forEach((n, j) => {
    const s = series[n];
    for (let t = 0; t < frameCount; t++) {
      for (let c = 0; c < dims; c++) data[(t * m + j) * dims + c] = Number(s[t * dims + c]);
    }
  });
  const points: NamedPoints = { names, dims, frameCount, data, fps, firstFrame };
  assertNamedPoints(points);
  return points;
}

/**
 * Other names a landmark goes by in Kinema's skeletons (BlazePose calls the big toe
 * `foot_index`, H36M calls the ankle `foot`).
 */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  left_big_toe: ['left_foot_index'],
  right_big_toe: ['right_foot_index'],
  left_ankle: ['left_foot'],
  right_ankle: ['right_foot'],
  sacrum: ['mid_psis'],
};

/** Derived points: the midpoint of two named points, computed when the set lacks the name. */
const MIDPOINTS: Readonly<Record<string, readonly [string, string]>> = {
  mid_hip: ['left_hip', 'right_hip'],
  mid_shoulder: ['left_shoulder', 'right_shoulder'],
  mid_asis: ['left_asis', 'right_asis'],
  mid_psis: ['left_psis', 'right_psis'],
};

/** A point's name for messages: derived points say what they are made of. */
export function describePoint(name: string): string {
  const mid = MIDPOINTS[name];
  if (mid) return `${name} (midpoint of ${mid[0]} and ${mid[1]})`;
  const alias = ALIASES[name];
  return alias ? `${name} (or ${alias.join(', ')})` : name;
}

/** Reads points by name, resolving aliases and midpoints, with a per-name cache. */
export class PointLookup {
  private readonly index = new Map<string, number>();
  private readonly cache = new Map<string, Float64Array | null>();

  constructor(readonly points: NamedPoints) {
    points.names.forEach((n, i) => this.index.set(n, i));
  }

  /** True when `name` can be read (directly, by alias or as a midpoint). */
  has(name: string): boolean {
    return this.get(name) !== null;
  }

  /** frames × dims positions of `name` (NaN where missing), or null when the set lacks it. */
  get(name: string): Float64Array | null {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    this.cache.set(name, null); // guards against alias cycles while resolving
    const { dims, frameCount, data, names } = this.points;
    const idx = this.index.get(name);
    let out: Float64Array | null = null;
    if (idx !== undefined) {
      out = new Float64Array(frameCount * dims);
      for (let t = 0; t < frameCount; t++) {
        for (let c = 0; c < dims; c++) out[t * dims + c] = data[(t * names.length + idx) * dims + c];
      }
    } else {
      out = (ALIASES[name] ?? []).map((n) => this.get(n)).find((p) => p !== null) ?? null;
      const mid = MIDPOINTS[name];
      if (!out && mid) {
        const a = this.get(mid[0]);
        const b = this.get(mid[1]);
        if (a && b) {
          out = new Float64Array(a.length);
          for (let i = 0; i < a.length; i++) out[i] = (a[i] + b[i]) / 2;
        }
      }
    }
    this.cache.set(name, out);
    return out;
  }

  /** Like get, but throws naming the point and what the set has. */
  require(name: string, forWhat: string): Float64Array {
    const p = this.get(name);
    if (!p) {
      fail(
        `${forWhat} needs the point "${name}", which these points lack ` +
          `(they have: ${this.points.names.join(', ')})`,
      );
    }
    return p;
  }
}

/** Number of frames where every coordinate of a point series is finite. */
export function countFinite(series: Float64Array, dims: number): number {
  let n = 0;
  for (let t = 0; t * dims < series.length; t++) {
    let ok = true;
    for (let c = 0; c < dims; c++) ok &&= Number.isFinite(series[t * dims + c]);
    if (ok) n++;
  }
  return n;
}
