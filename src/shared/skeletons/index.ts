/**
 * Skeletons as data, the registry and the two operations every feature needs on raw points:
 * mirroring (`flipPose`) and conversion between layouts (`mapPose`).
 *
 * Points are flat `Float32Array`s of frames × K × 3 (x, y in image pixels, score in [0, 1]); a
 * single pose is the case frames = 1.
 */
import { KinemaError } from '../errors';
import { blazepose33 } from './blazepose33';
import { coco17 } from './coco17';
import { coco17Feet } from './coco17-feet';
import { h36m17 } from './h36m17';
import { halpe26 } from './halpe26';
import { findMapping } from './mappings';
import { openposeBody25, openposeCoco18 } from './openpose';
import type { Skeleton, SkeletonId } from './types';

export type { Skeleton, SkeletonId } from './types';
export { swapPairsByName, linksByName, linksFromParents } from './types';
export { findMapping, mappings, type JointMapping, type MappingTerm } from './mappings';
export { coco17, coco17Feet, h36m17, blazepose33, halpe26, openposeBody25, openposeCoco18 };
export { COCO17_JOINTS } from './coco17';
export { COCO17_FEET_JOINTS } from './coco17-feet';
export { H36M17_JOINTS, H36M17_PARENTS } from './h36m17';
export { BLAZEPOSE33_JOINTS } from './blazepose33';
export { HALPE26_JOINTS } from './halpe26';
export { OPENPOSE_BODY25_JOINTS, OPENPOSE_COCO18_JOINTS } from './openpose';

/** Every skeleton, by id. */
export const skeletons: Readonly<Record<SkeletonId, Skeleton>> = {
  coco17,
  'coco17-feet': coco17Feet,
  h36m17,
  blazepose33,
  halpe26,
  'openpose-body25': openposeBody25,
  'openpose-coco18': openposeCoco18,
};

export function isSkeletonId(id: string): id is SkeletonId {
  return Object.prototype.hasOwnProperty.call(skeletons, id);
}

/** The skeleton with this id; throws a KinemaError naming the known ids otherwise. */
export function getSkeleton(id: string | Skeleton): Skeleton {
  if (typeof id !== 'string') return id;
  if (!isSkeletonId(id)) {
    throw new KinemaError(
      'UNKNOWN_SKELETON',
      `Unknown skeleton "${id}". Known skeletons: ${Object.keys(skeletons).join(', ')}.`,
    );
  }
  return skeletons[id];
}

function frameCount(points: ArrayLike<number>, k: number, what: string): number {
  if (points.length % (k * 3) !== 0) {
    throw new KinemaError(
      'BAD_POINTS',
      `${what}: ${points.length} numbers is not a whole number of poses of ${k} joints × 3 (x, y, score).`,
    );
  }
  return points.length / (k * 3);
}

/**
 * Mirrors poses left ↔ right: x becomes `imageWidth - x` (continuous pixel coordinates, where the
 * image spans [0, imageWidth]) and each swap pair trades places, so a left wrist stays a left wrist
 * of the mirrored person. Missing joints (0, 0, 0) stay missing.
 */
export function flipPose(
  points: ArrayLike<number>,
  skeleton: Skeleton | SkeletonId,
  imageWidth: number,
): Float32Array {
  const sk = getSkeleton(skeleton);
  const k = sk.joints.length;
  const n = frameCount(points, k, `flipPose(${sk.id})`);
  const out = Float32Array.from(points);
  for (let f = 0; f < n; f++) {
    const base = f * k * 3;
    for (let j = 0; j < k; j++) {
      const o = base + j * 3;
      if (out[o] === 0 && out[o + 1] === 0 && out[o + 2] === 0) continue;
      out[o] = imageWidth - out[o];
    }
    for (const [a, b] of sk.swapPairs) {
      for (let c = 0; c < 3; c++) {
        const t = out[base + a * 3 + c];
        out[base + a * 3 + c] = out[base + b * 3 + c];
        out[base + b * 3 + c] = t;
      }
    }
  }
  return out;
}

/** Mirrors boxes (frames × 4: x, y, w, h) in an image `imageWidth` wide. */
export function flipBoxes(boxes: ArrayLike<number>, imageWidth: number): Float32Array {
  const out = Float32Array.from(boxes);
  for (let i = 0; i + 3 < out.length; i += 4) out[i] = imageWidth - out[i] - out[i + 2];
  return out;
}

/**
 * Converts poses from one skeleton to another (see `mappings.ts` for the rules). Joints without a
 * source come out as 0, 0, 0; a derived joint's score is the lowest of its sources' scores.
 */
export function mapPose(
  points: ArrayLike<number>,
  from: Skeleton | SkeletonId,
  to: Skeleton | SkeletonId,
): Float32Array {
  const src = getSkeleton(from);
  const dst = getSkeleton(to);
  const ks = src.joints.length;
  const kd = dst.joints.length;
  const n = frameCount(points, ks, `mapPose(${src.id} → ${dst.id})`);
  const mapping = findMapping(src.id, dst.id, ks);
  if (!mapping) {
    throw new KinemaError('NO_MAPPING', `There is no mapping from skeleton ${src.id} to ${dst.id}.`);
  }
  const out = new Float32Array(n * kd * 3);
  for (let f = 0; f < n; f++) {
    const si = f * ks * 3;
    const di = f * kd * 3;
    for (let j = 0; j < kd; j++) {
      const terms = mapping.terms[j];
      if (terms.length === 0) continue;
      let x = 0;
      let y = 0;
      let s = Infinity;
      for (const [sj, w] of terms) {
        x += w * points[si + sj * 3];
        y += w * points[si + sj * 3 + 1];
        s = Math.min(s, points[si + sj * 3 + 2]);
      }
      out[di + j * 3] = x;
      out[di + j * 3 + 1] = y;
      out[di + j * 3 + 2] = s;
    }
  }
  return out;
}
