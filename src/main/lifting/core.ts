/**
 * Lifting one stored pose track (or a frame range of it) to 3D, as the 'lift' job and `kinema lift`
 * do it, with no database: the caller passes the track and the video's size and frame rate.
 *
 * - Rows: one per video frame from the first to the last frame of the range that has a pose.
 *   Frames where the track has no pose (or no keypoint scoring ≥ MIN_SCORE) are lifted from
 *   keypoints interpolated in time (training/lift.ts) so their neighbours keep their temporal
 *   context, then written as NaN rows: the series never shows an invented pose.
 * - A track shorter than the lifter's receptive field is lifted with edge-replication padding
 *   (the first and last pose repeated), i.e. with less temporal context; `padded` says so.
 * - Root trajectory (pelvis in camera space, metres): per frame, the spread of the seen 2D joints
 *   around their centroid over the spread of the lifted joints' x, y gives the image scale s
 *   (pixels per metre at the body's depth); s is smoothed with a one-second running median. Then
 *   root x, y = (2D centroid − principal point) / s − mean lifted x, y, and depth z = f / s with
 *   an assumed focal length f = ROOT_FOCAL_OVER_WIDTH × image width (the middle of the lifter's
 *   training range, 0.6-2.5 widths). x, y are independent of f; z scales with it.
 */
import { KinemaError } from '../../shared/errors';
import { toH36m2d, type LiftInputSkeleton } from '../../shared/lifting/prepare';
import type { PoseTrack } from '../../shared/pose';
import { getSkeleton } from '../../shared/skeletons';
import { H36M17_PARENTS } from '../../shared/skeletons/h36m17';
import type { Lifter } from '../training/lift';

/** Keypoints scoring below this are missing (the lifter's default). */
export const MIN_SCORE = 0.3;
/** Assumed focal length of the root depth, in image widths. */
export const ROOT_FOCAL_OVER_WIDTH = 1.2;
export const LIFT_WIDTH = 51;

export interface LiftTrackOptions {
  video: { width: number; height: number; fps: number };
  /** Half-open frame range; default: the whole track. */
  inFrame?: number;
  outFrame?: number;
  /** Test-time flip augmentation (default true). */
  flip?: boolean;
}

export interface LiftedTrack {
  firstFrame: number;
  frameCount: number;
  /** frameCount × 17 × 3 H36M-17, metres, pelvis-relative camera space; NaN rows without a pose. */
  joints: Float32Array;
  /** frameCount × 3 pelvis position in camera space (metres, see the module comment); NaN rows without a pose. */
  root: Float32Array;
  /** Rows with a pose. */
  posedFrames: number;
  receptiveField: number;
  /** The range was shorter than the receptive field: lifted with edge padding. */
  padded: boolean;
  /** Focal length assumed for the root depth, pixels. */
  rootFocalPx: number;
}

export function isLiftable(skeletonId: string): skeletonId is LiftInputSkeleton {
  return skeletonId === 'coco17' || skeletonId === 'coco17-feet' || skeletonId === 'h36m17';
}

/** Keypoints with a usable score and finite coordinates. */
export function seenCount(kp: Float32Array, offset: number, k: number): number {
  let n = 0;
  for (let j = 0; j < k; j++) {
    const i = offset + j * 3;
    if (Number.isFinite(kp[i]) && Number.isFinite(kp[i + 1]) && kp[i + 2] >= MIN_SCORE) n++;
  }
  return n;
}

export async function liftPoseTrack(
  lifter: Lifter,
  track: PoseTrack,
  options: LiftTrackOptions,
): Promise<LiftedTrack> {
  const { video } = options;
  const name = `Track ${track.trackId}`;
  if (!isLiftable(track.skeletonId))
    throw new KinemaError(
      'BAD_INPUT',
      `The lifter reads COCO-17 (with or without feet) or H36M-17 tracks; ${name} is ${track.skeletonId}.`,
    );
  const k = getSkeleton(track.skeletonId).joints.length;
  const lo = options.inFrame ?? 0;
  const hi = options.outFrame ?? Number.MAX_SAFE_INTEGER;
  if (hi <= lo) throw new KinemaError('BAD_INPUT', `The frame range ${lo}–${hi - 1} is empty.`);
  const rows: number[] = [];
  for (let i = 0; i < track.frames.length; i++) {
    const f = track.frames[i];
    if (f >= lo && f < hi && seenCount(track.keypoints, i * k * 3, k) > 0) rows.push(i);
  }
  const rangeText =
    options.inFrame !== undefined || options.outFrame !== undefined ? ` in frames ${lo}–${hi - 1}` : '';
  if (rows.length === 0)
    throw new KinemaError(
      'NO_POSES',
      track.frames.length === 0
        ? `${name} has no poses to lift.`
        : `${name} has no pose${rangeText} with a keypoint scoring at least ${MIN_SCORE} (NaN keypoints count as missing): nothing to lift.`,
    );
  const first = track.frames[rows[0]];
  const n = track.frames[rows[rows.length - 1]] - first + 1;
  // Dense rows; absent frames stay zero (score 0 = missing, filled by the lifter).
  const points = new Float32Array(n * k * 3);
  const present = new Uint8Array(n);
  for (const i of rows) {
    const t = track.frames[i] - first;
    points.set(track.keypoints.subarray(i * k * 3, (i + 1) * k * 3), t * k * 3);
    present[t] = 1;
  }
  const r = await lifter.lift(points, {
    width: video.width,
    height: video.height,
    skeleton: track.skeletonId,
    minScore: MIN_SCORE,
    fps: video.fps > 0 ? video.fps : undefined,
    flip: options.flip ?? true,
  });
  const joints = r.jointsM;
  const focal = ROOT_FOCAL_OVER_WIDTH * video.width;
  const root = rootTrajectory(
    toH36m2d(points, track.skeletonId, MIN_SCORE),
    joints,
    present,
    video,
    focal,
    video.fps > 0 ? video.fps : 25,
  );
  for (let t = 0; t < n; t++) {
    if (present[t]) continue;
    joints.fill(NaN, t * LIFT_WIDTH, (t + 1) * LIFT_WIDTH);
    root.fill(NaN, t * 3, t * 3 + 3);
  }
  return {
    firstFrame: first,
    frameCount: n,
    joints,
    root,
    posedFrames: rows.length,
    receptiveField: r.receptiveField,
    padded: n < r.receptiveField,
    rootFocalPx: focal,
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The pelvis in camera space per frame (see the module comment); NaN where it cannot be told. */
export function rootTrajectory(
  h2d: { pointsPx: Float32Array; filled: Uint8Array; frames: number },
  joints: Float32Array,
  present: Uint8Array,
  video: { width: number; height: number },
  focalPx: number,
  fps: number,
): Float32Array {
  const T = h2d.frames;
  const scale = new Float64Array(T).fill(NaN);
  const centroid = new Float64Array(T * 4).fill(NaN); // 2D x, y; lifted x, y
  for (let t = 0; t < T; t++) {
    if (!present[t]) continue;
    let n = 0;
    let px = 0;
    let py = 0;
    let qx = 0;
    let qy = 0;
    for (let j = 0; j < 17; j++) {
      if (h2d.filled[t * 17 + j]) continue;
      n++;
      px += h2d.pointsPx[(t * 17 + j) * 2];
      py += h2d.pointsPx[(t * 17 + j) * 2 + 1];
      qx += joints[t * 51 + j * 3];
      qy += joints[t * 51 + j * 3 + 1];
    }
    if (n < 4) continue;
    px /= n;
    py /= n;
    qx /= n;
    qy /= n;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < 17; j++) {
      if (h2d.filled[t * 17 + j]) continue;
      s2 += (h2d.pointsPx[(t * 17 + j) * 2] - px) ** 2 + (h2d.pointsPx[(t * 17 + j) * 2 + 1] - py) ** 2;
      s3 += (joints[t * 51 + j * 3] - qx) ** 2 + (joints[t * 51 + j * 3 + 1] - qy) ** 2;
    }
    if (!(s3 > 1e-6)) continue;
    scale[t] = Math.sqrt(s2 / s3);
    centroid.set([px, py, qx, qy], t * 4);
  }
  const half = Math.max(2, Math.round(fps / 2));
  const out = new Float32Array(T * 3).fill(NaN);
  const cx = video.width / 2;
  const cy = video.height / 2;
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(scale[t])) continue;
    const window: number[] = [];
    for (let u = Math.max(0, t - half); u <= Math.min(T - 1, t + half); u++)
      if (Number.isFinite(scale[u])) window.push(scale[u]);
    const s = median(window);
    out[t * 3] = (centroid[t * 4] - cx) / s - centroid[t * 4 + 2];
    out[t * 3 + 1] = (centroid[t * 4 + 1] - cy) / s - centroid[t * 4 + 3];
    out[t * 3 + 2] = focalPx / s;
  }
  return out;
}

export interface BoneLengthStat {
  /** `parent-child` joint names. */
  bone: string;
  /** Frames with the bone. */
  frames: number;
  meanM: number;
  medianM: number;
  /** Coefficient of variation over time: standard deviation / mean. */
  cv: number;
  /** Fraction of frames whose length is within ±10 % of the median. */
  within10: number;
}

/** Per-bone length statistics over the frames that have a pose (NaN rows skipped). */
export function boneLengthStats(joints: Float32Array): BoneLengthStat[] {
  const names = getSkeleton('h36m17').joints;
  const T = joints.length / LIFT_WIDTH;
  const out: BoneLengthStat[] = [];
  for (let c = 1; c < 17; c++) {
    const p = H36M17_PARENTS[c];
    const lengths: number[] = [];
    for (let t = 0; t < T; t++) {
      const a = t * LIFT_WIDTH + p * 3;
      const b = t * LIFT_WIDTH + c * 3;
      const d = Math.hypot(
        joints[a] - joints[b],
        joints[a + 1] - joints[b + 1],
        joints[a + 2] - joints[b + 2],
      );
      if (Number.isFinite(d)) lengths.push(d);
    }
    if (lengths.length === 0) continue;
    const mean = lengths.reduce((s, v) => s + v, 0) / lengths.length;
    const sd = Math.sqrt(lengths.reduce((s, v) => s + (v - mean) ** 2, 0) / lengths.length);
    const med = median(lengths);
    out.push({
      bone: `${names[p]}-${names[c]}`,
      frames: lengths.length,
      meanM: mean,
      medianM: med,
      cv: mean > 0 ? sd / mean : 0,
      within10: lengths.filter((v) => Math.abs(v - med) <= 0.1 * med).length / lengths.length,
    });
  }
  return out;
}
