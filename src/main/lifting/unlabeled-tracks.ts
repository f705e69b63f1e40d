/**
 * A project's pose tracks as unlabelled 2D for semi-supervised lifter training (train-lifter job,
 * shared/lifting/track-windows.ts). A track becomes one or more segments:
 *   - frames where at least MIN_SEEN_JOINTS keypoints score ≥ MIN_SCORE count as posed (a frame
 *     with a handful of points says little about the body and would be mostly filled);
 *   - a gap longer than MAX_GAP_S between posed frames splits the track (filling it would invent
 *     motion); shorter gaps and missing keypoints are filled as lifting fills them (prepare.ts);
 *   - segments shorter than MIN_SEGMENT_S are dropped;
 *   - each segment is resampled to the lifter's frame rate, and carries the focal length the lift
 *     job assumes for the root (ROOT_FOCAL_OVER_WIDTH × image width).
 */
import { resample } from '../../shared/lifting/dataset';
import { toH36m2d } from '../../shared/lifting/prepare';
import type { Track2d } from '../../shared/lifting/track-windows';
import type { PoseTrack } from '../../shared/pose';
import { getSkeleton } from '../../shared/skeletons';
import { isLiftable, MIN_SCORE, ROOT_FOCAL_OVER_WIDTH, seenCount } from './core';

export const MIN_SEEN_JOINTS = 8;
export const MAX_GAP_S = 0.2;
export const MIN_SEGMENT_S = 0.5;

export interface UnlabeledVideo {
  width: number;
  height: number;
  fps: number;
  name: string;
}

/** The track's usable segments at `fps` (empty when none is long enough). */
export function unlabeledSegments(
  track: PoseTrack,
  video: UnlabeledVideo,
  runId: number,
  fps: number,
): Track2d[] {
  if (!isLiftable(track.skeletonId))
    throw new Error(`Track ${track.trackId} is ${track.skeletonId}; the lifter reads COCO-17 or H36M-17`);
  if (!(video.fps > 0 && video.width > 0 && video.height > 0))
    throw new Error(`${video.name}: frame rate and size must be known`);
  const k = getSkeleton(track.skeletonId).joints.length;
  const posed: number[] = [];
  for (let i = 0; i < track.frames.length; i++)
    if (seenCount(track.keypoints, i * k * 3, k) >= MIN_SEEN_JOINTS) posed.push(i);
  const maxGap = Math.max(1, Math.round(MAX_GAP_S * video.fps));
  const runs: number[][] = [];
  for (const i of posed) {
    const last = runs.at(-1);
    if (last && track.frames[i] - track.frames[last[last.length - 1]] <= maxGap) last.push(i);
    else runs.push([i]);
  }
  const out: Track2d[] = [];
  for (const rows of runs) {
    const first = track.frames[rows[0]];
    const n = track.frames[rows[rows.length - 1]] - first + 1;
    if (n < MIN_SEGMENT_S * video.fps) continue;
    // Dense rows; frames of a short gap stay zero (score 0 = missing, filled).
    const points = new Float32Array(n * k * 3);
    for (const i of rows)
      points.set(track.keypoints.subarray(i * k * 3, (i + 1) * k * 3), (track.frames[i] - first) * k * 3);
    const h36m = toH36m2d(points, track.skeletonId, MIN_SCORE).pointsPx;
    out.push({
      id: `${video.name} run ${runId} track ${track.trackId} frames ${first}–${first + n - 1}`,
      pointsPx: resample(h36m, 34, video.fps, fps),
      width: video.width,
      height: video.height,
      focalPx: ROOT_FOCAL_OVER_WIDTH * video.width,
    });
  }
  return out;
}
