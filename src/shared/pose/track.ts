/**
 * The in-memory form of 2D pose data that every feature reads: a `PoseSet` per video holding
 * `PoseTrack`s (one per tracked person) in flat typed arrays.
 */
import { getSkeleton, type SkeletonId } from '../skeletons';

/** One person over time. Arrays are indexed by position in `frames`, not by frame index. */
export interface PoseTrack {
  trackId: number;
  skeletonId: SkeletonId;
  /** Frame indices (0-based), strictly increasing; gaps are frames where the person is absent. */
  frames: Int32Array;
  /** frames × K × 3: x, y in image pixels, score in [0, 1]. */
  keypoints: Float32Array;
  /** frames × 4: x, y, w, h in image pixels. */
  boxes: Float32Array;
  /** Per frame: the detection's score in [0, 1]. */
  scores: Float32Array;
}

export interface VideoInfo {
  width: number;
  height: number;
  /** Frames per second; 0 when unknown (e.g. read from a format that does not store it). */
  fps: number;
  /** Number of frames in the video, when known: frames beyond it are refused. */
  frameCount?: number;
  /** The video's name (file name without extension), when known. */
  name?: string;
}

export interface Provenance {
  /** The model (or tool) that produced the poses. */
  model: string;
  params: Record<string, unknown>;
  /** Where the data came from: a file path or format name. */
  source?: string;
}

export interface PoseSet {
  video: VideoInfo;
  tracks: PoseTrack[];
  provenance: Provenance;
}

/** One frame of one person, as readers collect it before building a track. */
export interface PoseRow {
  frame: number;
  keypoints: ArrayLike<number>;
  box: ArrayLike<number>;
  score: number;
}

/** Number of joints of a track's skeleton. */
export function jointCount(track: Pick<PoseTrack, 'skeletonId'>): number {
  return getSkeleton(track.skeletonId).joints.length;
}

/** Builds a track from rows in any order; a frame given twice throws. */
export function buildTrack(trackId: number, skeletonId: SkeletonId, rows: readonly PoseRow[]): PoseTrack {
  const k = getSkeleton(skeletonId).joints.length;
  const sorted = [...rows].sort((a, b) => a.frame - b.frame);
  const n = sorted.length;
  const track: PoseTrack = {
    trackId,
    skeletonId,
    frames: new Int32Array(n),
    keypoints: new Float32Array(n * k * 3),
    boxes: new Float32Array(n * 4),
    scores: new Float32Array(n),
  };
  sorted.forEach((row, i) => {
    if (i > 0 && sorted[i - 1].frame === row.frame) {
      throw new Error(`track ${trackId} has frame ${row.frame} twice`);
    }
    if (row.keypoints.length !== k * 3) {
      throw new Error(
        `track ${trackId}, frame ${row.frame}: ${row.keypoints.length / 3} keypoints, expected ${k}`,
      );
    }
    track.frames[i] = row.frame;
    track.keypoints.set(row.keypoints, i * k * 3);
    track.boxes.set(row.box, i * 4);
    track.scores[i] = row.score;
  });
  return track;
}

/** Position of `frame` in the track, or -1 (binary search). */
export function frameIndexOf(track: Pick<PoseTrack, 'frames'>, frame: number): number {
  let lo = 0;
  let hi = track.frames.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = track.frames[mid];
    if (f === frame) return mid;
    if (f < frame) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The keypoints (K × 3) of the i-th stored frame, as a view. */
export function keypointsAt(track: PoseTrack, i: number): Float32Array {
  const stride = jointCount(track) * 3;
  return track.keypoints.subarray(i * stride, (i + 1) * stride);
}

/** The box (x, y, w, h) of the i-th stored frame, as a view. */
export function boxAt(track: PoseTrack, i: number): Float32Array {
  return track.boxes.subarray(i * 4, i * 4 + 4);
}

/**
 * The part of a track in the half-open frame range [inFrame, outFrame) (either end open when
 * absent), as views on the same arrays (no copy).
 */
export function trackRange(track: PoseTrack, inFrame?: number, outFrame?: number): PoseTrack {
  const lo = inFrame ?? -Infinity;
  const hi = outFrame ?? Infinity;
  let a = 0;
  while (a < track.frames.length && track.frames[a] < lo) a++;
  let b = a;
  while (b < track.frames.length && track.frames[b] < hi) b++;
  const k = jointCount(track) * 3;
  return {
    ...track,
    frames: track.frames.subarray(a, b),
    keypoints: track.keypoints.subarray(a * k, b * k),
    boxes: track.boxes.subarray(a * 4, b * 4),
    scores: track.scores.subarray(a, b),
  };
}

/**
 * The tight box around the keypoints with a score above `minScore` ([0, 0, 0, 0] if none), for
 * formats that store no box.
 */
export function boxFromKeypoints(
  keypoints: ArrayLike<number>,
  minScore = 0,
): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 2 < keypoints.length; i += 3) {
    if (!(keypoints[i + 2] > minScore)) continue;
    x0 = Math.min(x0, keypoints[i]);
    y0 = Math.min(y0, keypoints[i + 1]);
    x1 = Math.max(x1, keypoints[i]);
    y1 = Math.max(y1, keypoints[i + 1]);
  }
  if (x0 === Infinity) return [0, 0, 0, 0];
  return [x0, y0, x1 - x0, y1 - y0];
}

/** The mean score of the keypoints (0 for none). */
export function meanKeypointScore(keypoints: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 2; i < keypoints.length; i += 3) {
    sum += keypoints[i];
    n++;
  }
  return n ? sum / n : 0;
}

/** The track with the most frames (lowest id on a tie), or undefined for an empty set. */
export function primaryTrack(set: PoseSet): PoseTrack | undefined {
  let best: PoseTrack | undefined;
  for (const t of set.tracks) {
    if (
      !best ||
      t.frames.length > best.frames.length ||
      (t.frames.length === best.frames.length && t.trackId < best.trackId)
    )
      best = t;
  }
  return best;
}
