/**
 * Similarities between poses and boxes used by tracking: box IoU and COCO's object keypoint
 * similarity (OKS) with the published per-joint sigmas.
 */
import { getSkeleton, type Skeleton, type SkeletonId } from '../skeletons';

/**
 * COCO keypoint sigmas (the published values of the COCO keypoint evaluation), by joint name part.
 * Joints of other skeletons are matched by name (`left_knee`, `knee_left`, …); joints with no COCO
 * counterpart (feet, hands, pelvis, spine…) get `DEFAULT_OKS_SIGMA`.
 */
export const COCO_OKS_SIGMAS: Readonly<Record<string, number>> = {
  nose: 0.026,
  eye: 0.025,
  ear: 0.035,
  shoulder: 0.079,
  elbow: 0.072,
  wrist: 0.062,
  hip: 0.107,
  knee: 0.087,
  ankle: 0.089,
};

/** Sigma for joints that have no COCO counterpart (close to the body joints' mean). */
export const DEFAULT_OKS_SIGMA = 0.08;

const sigmaCache = new Map<string, Float64Array>();

/** Per-joint OKS sigmas of a skeleton (COCO-17: exactly the published values). */
export function oksSigmas(skeleton: SkeletonId | Skeleton): Float64Array {
  const sk = getSkeleton(skeleton);
  const cached = sigmaCache.get(sk.id);
  if (cached) return cached;
  const sigmas = new Float64Array(
    sk.joints.map((name) => {
      const parts = name.toLowerCase().split(/[_\s]+/);
      for (const part of parts) {
        const s = COCO_OKS_SIGMAS[part];
        if (s !== undefined) return s;
      }
      return DEFAULT_OKS_SIGMA;
    }),
  );
  sigmaCache.set(sk.id, sigmas);
  return sigmas;
}

/** Intersection over union of two boxes given as x, y, w, h. */
export function boxIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

export interface OksOptions {
  /** Keypoints with a score below this (in either pose) do not count. Default 0.3. */
  minScore?: number;
  /** Multiplies every joint's tolerance (widens the gate, e.g. for a track lost for a while). */
  toleranceScale?: number;
}

/**
 * OKS between pose `a` and pose `b` (K × 3 each: x, y, score): the mean over joints seen in both of
 * exp(-d² / (2 s² κ²)) with κ = 2σ and s² = `area` (the object's area; a box area here). Returns
 * NaN when no joint is seen in both, so callers can fall back on another cue.
 */
export function oks(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  sigmas: ArrayLike<number>,
  area: number,
  options: OksOptions = {},
): number {
  const minScore = options.minScore ?? 0.3;
  const scale = options.toleranceScale ?? 1;
  const s2 = Math.max(area, 1);
  let sum = 0;
  let n = 0;
  for (let j = 0; j < sigmas.length; j++) {
    if (!(a[j * 3 + 2] >= minScore) || !(b[j * 3 + 2] >= minScore)) continue;
    const dx = a[j * 3] - b[j * 3];
    const dy = a[j * 3 + 1] - b[j * 3 + 1];
    const kappa = 2 * sigmas[j] * scale;
    sum += Math.exp(-(dx * dx + dy * dy) / (2 * s2 * kappa * kappa));
    n++;
  }
  return n ? sum / n : NaN;
}
