/**
 * Checks of pose data, with messages that say where and what: every reader runs them before
 * returning and every writer before writing, so bad data never leaves or enters silently.
 */
import { KinemaError } from '../errors';
import { isSkeletonId, skeletons } from '../skeletons';
import type { PoseSet, PoseTrack, VideoInfo } from './track';

/** At most this many problems are listed; the rest are counted. */
const MAX_PROBLEMS = 10;

/** Problems with one track ([] when valid). */
export function validatePoseTrack(track: PoseTrack, video?: Pick<VideoInfo, 'frameCount'>): string[] {
  const p: string[] = [];
  const t = `track ${track.trackId}`;
  if (!Number.isInteger(track.trackId)) p.push(`${t}: track id must be an integer`);
  if (!isSkeletonId(track.skeletonId)) {
    p.push(`${t}: unknown skeleton "${track.skeletonId}"`);
    return p;
  }
  const k = skeletons[track.skeletonId].joints.length;
  const n = track.frames.length;
  if (!(track.frames instanceof Int32Array)) p.push(`${t}: frames must be an Int32Array`);
  if (track.keypoints.length !== n * k * 3) {
    p.push(
      `${t}: keypoints has ${track.keypoints.length} numbers, expected ${n} frames × ${k} joints × 3 = ${n * k * 3}`,
    );
  }
  if (track.boxes.length !== n * 4)
    p.push(`${t}: boxes has ${track.boxes.length} numbers, expected ${n} frames × 4 = ${n * 4}`);
  if (track.scores.length !== n)
    p.push(`${t}: scores has ${track.scores.length} numbers, expected one per frame (${n})`);
  if (p.length) return p;
  for (let i = 0; i < n && p.length < MAX_PROBLEMS; i++) {
    const f = track.frames[i];
    if (f < 0) p.push(`${t}: frame ${f} is negative`);
    if (i > 0 && f <= track.frames[i - 1]) {
      p.push(`${t}: frames must increase, but frame ${f} follows frame ${track.frames[i - 1]}`);
    }
    if (video?.frameCount !== undefined && f >= video.frameCount) {
      p.push(`${t}: frame ${f} is beyond the video's last frame (${video.frameCount - 1})`);
    }
    for (let j = 0; j < k; j++) {
      const o = (i * k + j) * 3;
      const x = track.keypoints[o];
      const y = track.keypoints[o + 1];
      const s = track.keypoints[o + 2];
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(s)) {
        p.push(
          `${t}: frame ${f}, joint ${j} (${skeletons[track.skeletonId].joints[j]}) is not a finite number`,
        );
      } else if (s < 0 || s > 1) {
        p.push(`${t}: frame ${f}, joint ${j} has score ${s}, expected a value in [0, 1]`);
      }
    }
    for (let c = 0; c < 4; c++) {
      if (!Number.isFinite(track.boxes[i * 4 + c])) {
        p.push(`${t}: frame ${f}: box is not finite numbers`);
        break;
      }
    }
    if (track.boxes[i * 4 + 2] < 0 || track.boxes[i * 4 + 3] < 0)
      p.push(`${t}: frame ${f}: box has a negative size`);
    const s = track.scores[i];
    if (!Number.isFinite(s) || s < 0 || s > 1) p.push(`${t}: frame ${f}: score ${s} is not in [0, 1]`);
  }
  return p;
}

/** Problems with a whole set ([] when valid). */
export function validatePoseSet(set: PoseSet): string[] {
  const p: string[] = [];
  const v = set.video;
  if (!v || !(v.width > 0) || !(v.height > 0))
    p.push(`video size must be positive (got ${v?.width} × ${v?.height})`);
  if (v && !(v.fps >= 0)) p.push(`video fps must be ≥ 0 (0 = unknown), got ${v.fps}`);
  if (v?.frameCount !== undefined && !(Number.isInteger(v.frameCount) && v.frameCount >= 0)) {
    p.push(`video frame count must be a whole number ≥ 0, got ${v.frameCount}`);
  }
  if (!Array.isArray(set.tracks)) return [...p, 'tracks must be a list'];
  const ids = new Set<number>();
  for (const track of set.tracks) {
    if (ids.has(track.trackId)) p.push(`track id ${track.trackId} is used twice`);
    ids.add(track.trackId);
    p.push(...validatePoseTrack(track, v));
    if (p.length >= MAX_PROBLEMS) break;
  }
  return p;
}

/** Throws a KinemaError listing the problems, prefixed with `context` (e.g. a file name). */
export function assertValidPoseSet(set: PoseSet, context: string): void {
  const problems = validatePoseSet(set);
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_PROBLEMS);
  const more = problems.length > MAX_PROBLEMS ? ` (and more)` : '';
  throw new KinemaError('INVALID_POSE', `${context}: ${shown.join('; ')}${more}`);
}
