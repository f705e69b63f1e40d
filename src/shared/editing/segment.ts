/**
 * A segment: some consecutive stored frames of one track with everything the editor keeps per
 * frame, in flat typed arrays indexed by position (like a PoseTrack's), plus:
 *  - `provenance`: one byte per keypoint (provenance.ts),
 *  - `flags`: one byte per frame (bit 0 keyframe),
 *  - `originals`: frames × K × 3, the source run's value of a keypoint whose provenance is not
 *    'model' (so an export can leave corrections out); NaN where the model gave none (a person
 *    added by hand, a frame filled by interpolation) and, canonically, wherever the provenance is
 *    'model' (its current value is the model's).
 *
 * Edits are expressed as patches that replace the segment of a frame range by another, so undo
 * and redo only ever store the frames an edit touched.
 */
import { KinemaError } from '../errors';
import type { PoseTrack } from '../pose';
import type { SkeletonId } from '../skeletons';
import { PROVENANCE_MASK } from './provenance';

export interface Segment {
  /** Frame indices, strictly increasing. */
  frames: Int32Array;
  /** frames × K × 3: x, y in source-video pixels, score. */
  keypoints: Float32Array;
  /** frames × 4: x, y, w, h. */
  boxes: Float32Array;
  /** Per frame: the detection's score. */
  scores: Float32Array;
  /** frames × K provenance bytes. */
  provenance: Uint8Array;
  /** Per frame flags (KEYFRAME). */
  flags: Uint8Array;
  /** frames × K × 3: the model's value of corrected keypoints (NaN: none, or not corrected). */
  originals: Float32Array;
}

/**
 * One edit of one track: the frames in [start, end) were `before` and become `after`. Both hold
 * only frames inside the range. A track with no frames left does not exist; `label` is the
 * track's label, so undoing the removal of a whole track brings it back as it was.
 */
export interface TrackPatch {
  trackId: number;
  start: number;
  end: number;
  label: string;
  before: Segment;
  after: Segment;
}

/** A segment of `n` frames: zeros, originals NaN. */
export function emptySegment(n: number, k: number): Segment {
  return {
    frames: new Int32Array(n),
    keypoints: new Float32Array(n * k * 3),
    boxes: new Float32Array(n * 4),
    scores: new Float32Array(n),
    provenance: new Uint8Array(n * k),
    flags: new Uint8Array(n),
    originals: new Float32Array(n * k * 3).fill(NaN),
  };
}

export function segmentLength(s: Segment): number {
  return s.frames.length;
}

/** Copies `count` frames from src[si…] to dst[di…]. */
export function copyFrames(
  dst: Segment,
  di: number,
  src: Segment,
  si: number,
  count: number,
  k: number,
): void {
  if (count <= 0) return;
  const s3 = k * 3;
  dst.frames.set(src.frames.subarray(si, si + count), di);
  dst.keypoints.set(src.keypoints.subarray(si * s3, (si + count) * s3), di * s3);
  dst.boxes.set(src.boxes.subarray(si * 4, (si + count) * 4), di * 4);
  dst.scores.set(src.scores.subarray(si, si + count), di);
  dst.provenance.set(src.provenance.subarray(si * k, (si + count) * k), di * k);
  dst.flags.set(src.flags.subarray(si, si + count), di);
  dst.originals.set(src.originals.subarray(si * s3, (si + count) * s3), di * s3);
}

/** A copy of positions [a, b). */
export function sliceSegment(s: Segment, a: number, b: number, k: number): Segment {
  const out = emptySegment(Math.max(0, b - a), k);
  copyFrames(out, 0, s, a, b - a, k);
  return out;
}

export function cloneSegment(s: Segment, k: number): Segment {
  return sliceSegment(s, 0, s.frames.length, k);
}

/** Segments one after the other (their frames must already be in order). */
export function concatSegments(parts: readonly Segment[], k: number): Segment {
  const n = parts.reduce((sum, p) => sum + p.frames.length, 0);
  const out = emptySegment(n, k);
  let at = 0;
  for (const p of parts) {
    copyFrames(out, at, p, 0, p.frames.length, k);
    at += p.frames.length;
  }
  return out;
}

/** Positions [a, b) of the frames in [start, end) (binary search). */
export function indexRange(frames: Int32Array, start: number, end: number): [number, number] {
  return [lowerBound(frames, start), lowerBound(frames, end)];
}

/** First position whose frame is ≥ `frame`. */
export function lowerBound(frames: Int32Array, frame: number): number {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid] < frame) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of `frame`, or -1. */
export function positionOf(s: Segment, frame: number): number {
  const i = lowerBound(s.frames, frame);
  return i < s.frames.length && s.frames[i] === frame ? i : -1;
}

/** The frames of `a` and `b` in order; the two must not share a frame. */
export function mergeSegments(a: Segment, b: Segment, k: number): Segment {
  const out = emptySegment(a.frames.length + b.frames.length, k);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.frames.length || j < b.frames.length) {
    const takeA = j >= b.frames.length || (i < a.frames.length && a.frames[i] < b.frames[j]);
    if (i < a.frames.length && j < b.frames.length && a.frames[i] === b.frames[j])
      throw new Error(`mergeSegments: frame ${a.frames[i]} is in both segments`);
    if (takeA) copyFrames(out, o++, a, i++, 1, k);
    else copyFrames(out, o++, b, j++, 1, k);
  }
  return out;
}

/** The frames whose position passes `keep`. */
export function filterSegment(s: Segment, k: number, keep: (i: number) => boolean): Segment {
  const idx: number[] = [];
  for (let i = 0; i < s.frames.length; i++) if (keep(i)) idx.push(i);
  const out = emptySegment(idx.length, k);
  idx.forEach((i, o) => copyFrames(out, o, s, i, 1, k));
  return out;
}

function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Bit-for-bit equality of two segments (NaN originals compare equal to NaN written the same way). */
export function segmentsEqual(a: Segment, b: Segment): boolean {
  return (
    sameBits(a.frames, b.frames) &&
    sameBits(a.keypoints, b.keypoints) &&
    sameBits(a.boxes, b.boxes) &&
    sameBits(a.scores, b.scores) &&
    sameBits(a.provenance, b.provenance) &&
    sameBits(a.flags, b.flags) &&
    sameBits(a.originals, b.originals)
  );
}

/**
 * Rewrites originals canonically: NaN wherever the provenance is 'model'. Readers call it so that
 * the same data always has the same bytes whatever was stored.
 */
export function canonicalizeOriginals(s: Segment): void {
  for (let p = 0; p < s.provenance.length; p++) {
    if ((s.provenance[p] & PROVENANCE_MASK) === 0) {
      const o = p * 3;
      s.originals[o] = NaN;
      s.originals[o + 1] = NaN;
      s.originals[o + 2] = NaN;
    }
  }
}

/** A track's frames as a segment: everything from the model, no keyframes. */
export function segmentFromTrack(track: PoseTrack, k: number): Segment {
  const n = track.frames.length;
  return {
    frames: track.frames.slice(),
    keypoints: track.keypoints.slice(),
    boxes: track.boxes.slice(),
    scores: track.scores.slice(),
    provenance: new Uint8Array(n * k),
    flags: new Uint8Array(n),
    originals: new Float32Array(n * k * 3).fill(NaN),
  };
}

/** The pose part of a segment as a PoseTrack (copies). */
export function segmentToTrack(s: Segment, trackId: number, skeletonId: SkeletonId): PoseTrack {
  return {
    trackId,
    skeletonId,
    frames: s.frames.slice(),
    keypoints: s.keypoints.slice(),
    boxes: s.boxes.slice(),
    scores: s.scores.slice(),
  };
}

/**
 * Replaces the frames in [patch.start, patch.end) of a whole track by `to`, after checking they
 * are exactly `from` (so a history that no longer matches the data is refused, not applied).
 */
export function spliceSegment(
  whole: Segment,
  patch: { trackId: number; start: number; end: number },
  from: Segment,
  to: Segment,
  k: number,
): Segment {
  const [a, b] = indexRange(whole.frames, patch.start, patch.end);
  const mid = sliceSegment(whole, a, b, k);
  if (!segmentsEqual(mid, from))
    throw new KinemaError(
      'CORRUPT',
      `Track ${patch.trackId} frames ${patch.start}–${patch.end - 1} are not what the edit history recorded; the edit was not applied.`,
    );
  return concatSegments(
    [sliceSegment(whole, 0, a, k), to, sliceSegment(whole, b, whole.frames.length, k)],
    k,
  );
}

/** The patches that undo `patches`: the same ranges with before and after swapped, in reverse order. */
export function invertPatches(patches: readonly TrackPatch[]): TrackPatch[] {
  return [...patches].reverse().map((p) => ({ ...p, before: p.after, after: p.before }));
}
