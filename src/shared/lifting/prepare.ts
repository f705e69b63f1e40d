/**
 * Turning a 2D keypoint track into a lifter's input, the same way for training data and for a
 * user's detections:
 *
 *   1. missing keypoints are filled (`fillMissing`): a keypoint is missing when its score is below
 *      `minScore`, when a coordinate is not finite, or when it sits at exactly (0, 0) with score 0
 *      (formats that write missing points as zeros). Per joint, a run of missing frames between
 *      two seen frames is linearly interpolated; missing frames before the first (after the last)
 *      seen frame copy the first (last) seen position. A joint never seen in the whole track takes
 *      its H36M-17 parent's filled position (the pelvis falls back on the mean of the seen joints
 *      of each frame). A track with no seen keypoint at all is refused.
 *   2. COCO-17 (or COCO-17 + feet, whose first 17 points are COCO-17) is mapped to H36M-17 by the
 *      skeleton mapping (skeletons/mappings.ts: pelvis = mid-hips, thorax = mid-shoulders, spine =
 *      mean of hips and shoulders, neck/nose = nose, head = mid-ears, feet = ankles). The mapping is
 *      linear, so filling before or after it gives the same points; filling first keeps a derived
 *      joint from inheriting a gap of one of its sources.
 *   3. normalised screen coordinates (normalize.ts).
 *   4. padding by edge replication: (receptiveField − 1) / 2 copies of the first frame before and of
 *      the last frame after, so a lifter with that receptive field returns one pose per input frame
 *      — also for a track shorter than the receptive field (less temporal context there).
 */
import { findMapping, type MappingTerm } from '../skeletons';
import { H36M17_PARENTS } from '../skeletons/h36m17';
import { applyInputNormalization, normalizeScreen, type InputNormalization } from './normalize';

export type LiftInputSkeleton = 'coco17' | 'coco17-feet' | 'h36m17';

export const LIFT_JOINTS = 17;

export interface FilledTrack {
  /** frames × joints × 2, pixels, every value finite. */
  readonly pointsPx: Float32Array;
  /** frames × joints: 1 where the keypoint was filled rather than seen. */
  readonly filled: Uint8Array;
}

/**
 * Fills missing keypoints of `points` (frames × joints × 3: x, y, score) as described above.
 * `parents` (per joint, −1 for the root) gives the fallback of a joint never seen; without it
 * such a joint falls back on the frame's mean of seen joints.
 */
export function fillMissing(
  points: ArrayLike<number>,
  joints: number,
  minScore: number,
  parents: readonly number[] | null = null,
): FilledTrack {
  if (points.length % (joints * 3) !== 0) {
    throw new Error(
      `Keypoint track: ${points.length} numbers is not frames × ${joints} joints × 3 (x, y, score)`,
    );
  }
  const T = points.length / (joints * 3);
  if (T === 0) throw new Error('Keypoint track is empty');
  const out = new Float32Array(T * joints * 2);
  const seen = (t: number, j: number): boolean => {
    const i = (t * joints + j) * 3;
    const x = points[i];
    const y = points[i + 1];
    const s = points[i + 2];
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(s)) return false;
    if (s < minScore) return false;
    return !(x === 0 && y === 0 && s === 0);
  };
  // Fast path: nothing missing.
  let complete = true;
  for (let t = 0; t < T && complete; t++) for (let j = 0; j < joints; j++) if (!seen(t, j)) complete = false;
  if (complete) {
    for (let i = 0; i < T * joints; i++) {
      out[i * 2] = points[i * 3];
      out[i * 2 + 1] = points[i * 3 + 1];
    }
    return { pointsPx: out, filled: new Uint8Array(T * joints) };
  }
  const filled = new Uint8Array(T * joints).fill(1);
  let anySeen = false;
  const neverSeen: number[] = [];
  for (let j = 0; j < joints; j++) {
    let prev = -1;
    for (let t = 0; t < T; t++) {
      if (!seen(t, j)) continue;
      const i = (t * joints + j) * 3;
      out[(t * joints + j) * 2] = points[i];
      out[(t * joints + j) * 2 + 1] = points[i + 1];
      filled[t * joints + j] = 0;
      const from = prev < 0 ? 0 : prev + 1;
      for (let u = from; u < t; u++) {
        const w = prev < 0 ? 1 : (u - prev) / (t - prev);
        for (let c = 0; c < 2; c++) {
          const a = prev < 0 ? points[i + c] : out[(prev * joints + j) * 2 + c];
          out[(u * joints + j) * 2 + c] = a + w * (points[i + c] - a);
        }
      }
      prev = t;
    }
    if (prev < 0) {
      neverSeen.push(j);
      continue;
    }
    anySeen = true;
    for (let u = prev + 1; u < T; u++) {
      out[(u * joints + j) * 2] = out[(prev * joints + j) * 2];
      out[(u * joints + j) * 2 + 1] = out[(prev * joints + j) * 2 + 1];
    }
  }
  if (!anySeen) {
    throw new Error(
      `Keypoint track has no keypoint with a score of at least ${minScore} in any of its ${T} frames`,
    );
  }
  // Joints never seen: parent's position (resolved root-first), else the mean of seen joints.
  const resolved = new Set<number>(
    Array.from({ length: joints }, (_, j) => j).filter((j) => !neverSeen.includes(j)),
  );
  const pending = [...neverSeen];
  while (pending.length > 0) {
    const k = pending.findIndex((j) => {
      const p = parents?.[j] ?? -1;
      return p < 0 || resolved.has(p);
    });
    const j = pending.splice(k < 0 ? 0 : k, 1)[0];
    const p = parents?.[j] ?? -1;
    for (let t = 0; t < T; t++) {
      let x = 0;
      let y = 0;
      if (p >= 0 && resolved.has(p)) {
        x = out[(t * joints + p) * 2];
        y = out[(t * joints + p) * 2 + 1];
      } else {
        let n = 0;
        for (const q of resolved) {
          x += out[(t * joints + q) * 2];
          y += out[(t * joints + q) * 2 + 1];
          n++;
        }
        x /= n;
        y /= n;
      }
      out[(t * joints + j) * 2] = x;
      out[(t * joints + j) * 2 + 1] = y;
    }
    resolved.add(j);
  }
  return { pointsPx: out, filled };
}

/** Number of joints of each accepted input skeleton. */
export function inputJoints(skeleton: LiftInputSkeleton): number {
  return skeleton === 'coco17-feet' ? 23 : 17;
}

/**
 * Fills, maps to H36M-17 (pixels) and reports which H36M joints were filled (a derived joint is
 * filled when any of its sources was).
 */
export function toH36m2d(
  points: ArrayLike<number>,
  skeleton: LiftInputSkeleton,
  minScore: number,
): { pointsPx: Float32Array; filled: Uint8Array; frames: number } {
  const K = inputJoints(skeleton);
  if (skeleton === 'h36m17') {
    const f = fillMissing(points, K, minScore, H36M17_PARENTS);
    return { ...f, frames: f.pointsPx.length / (K * 2) };
  }
  // COCO-17 (the first 17 points of COCO-17 + feet): fill, then map.
  const f = fillMissing(points, K, minScore, null);
  const T = f.pointsPx.length / (K * 2);
  return { ...cocoToH36m2d(f.pointsPx, f.filled, T, K), frames: T };
}

let cocoTerms: readonly (readonly MappingTerm[])[] | null = null;

/**
 * Maps filled COCO-17 pixels (frames × `stride` joints × 2, COCO-17 first) to H36M-17 with the
 * skeleton mapping's weights; a derived joint is filled when any of its sources was.
 */
export function cocoToH36m2d(
  pointsPx: Float32Array,
  filledIn: Uint8Array | null,
  frames: number,
  stride = 17,
): { pointsPx: Float32Array; filled: Uint8Array } {
  if (!cocoTerms) {
    const m = findMapping('coco17', 'h36m17');
    if (!m) throw new Error('No COCO-17 → H36M-17 mapping');
    cocoTerms = m.terms;
  }
  const terms = cocoTerms;
  const out = new Float32Array(frames * 34);
  const filled = new Uint8Array(frames * 17);
  for (let t = 0; t < frames; t++) {
    const s = t * stride;
    for (let j = 0; j < 17; j++) {
      let x = 0;
      let y = 0;
      let fl = 0;
      for (const [src, w] of terms[j]) {
        x += w * pointsPx[(s + src) * 2];
        y += w * pointsPx[(s + src) * 2 + 1];
        if (filledIn && filledIn[s + src]) fl = 1;
      }
      out[(t * 17 + j) * 2] = x;
      out[(t * 17 + j) * 2 + 1] = y;
      filled[t * 17 + j] = fl;
    }
  }
  return { pointsPx: out, filled };
}

/**
 * Pads frames × joints × dims values by edge replication: `before` copies of the first frame, the
 * frames, `after` copies of the last.
 */
export function padEdges(
  values: Float32Array,
  frameSize: number,
  before: number,
  after: number,
): Float32Array {
  if (values.length === 0 || values.length % frameSize !== 0)
    throw new Error('padEdges: no whole frames to pad');
  const T = values.length / frameSize;
  const out = new Float32Array((T + before + after) * frameSize);
  for (let i = 0; i < before; i++) out.set(values.subarray(0, frameSize), i * frameSize);
  out.set(values, before * frameSize);
  for (let i = 0; i < after; i++) out.set(values.subarray((T - 1) * frameSize), (before + T + i) * frameSize);
  return out;
}

/**
 * What a lifter of receptive field `receptiveField` runs on for screen-normalised frames × joints × 2:
 * padded by edge replication, then given the model's input normalisation — in that order, so the
 * edge copies are frames where nothing moves, as in training windows ('pose-motion' gives them no
 * root step; the other normalisations are per frame).
 */
export function paddedLifterInput(
  screen: Float32Array,
  joints: number,
  receptiveField: number,
  normalization: InputNormalization,
): Float32Array {
  const pad = (receptiveField - 1) / 2;
  return applyInputNormalization(padEdges(screen, joints * 2, pad, pad), joints, normalization);
}

export interface LifterInput {
  /** (frames + receptiveField − 1) × 17 × 2 normalised screen coordinates. */
  readonly input: Float32Array;
  readonly frames: number;
  /** frames × 17: 1 where the H36M joint was filled rather than seen. */
  readonly filled: Uint8Array;
}

/** Steps 1-4 above for one track (points in pixels of an image `width` × `height`). */
export function prepareLifterInput(
  points: ArrayLike<number>,
  skeleton: LiftInputSkeleton,
  width: number,
  height: number,
  receptiveField: number,
  minScore = 0.3,
): LifterInput {
  if (!Number.isInteger(receptiveField) || receptiveField < 1 || receptiveField % 2 === 0) {
    throw new Error(`Receptive field must be a positive odd number, got ${receptiveField}`);
  }
  const h = toH36m2d(points, skeleton, minScore);
  const norm = normalizeScreen(h.pointsPx, width, height);
  const pad = (receptiveField - 1) / 2;
  return { input: padEdges(norm, LIFT_JOINTS * 2, pad, pad), frames: h.frames, filled: h.filled };
}
