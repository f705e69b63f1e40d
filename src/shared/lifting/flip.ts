/**
 * Flip (mirror) augmentation for lifting, as VideoPose3D does at training and test time.
 *
 * Mirroring the image left ↔ right is x → −x in normalised screen coordinates (normalize.ts) and
 * in camera space (x is the image's right), with every left joint trading places with its right
 * partner so a left wrist stays a left wrist of the mirrored person. The swap pairs come from the
 * skeleton's data (H36M-17 by default).
 */
import { h36m17 } from '../skeletons/h36m17';

/** H36M-17's left/right pairs. */
export const H36M17_SWAP_PAIRS: readonly (readonly [number, number])[] = h36m17.swapPairs;

/**
 * Mirrors `points` (N poses × joints × dims, dims ≥ 1 with x first) in place or into `out`: x is
 * negated and the swap pairs trade places. Returns the result.
 */
export function flipPoses(
  points: Float32Array,
  joints: number,
  dims: number,
  swapPairs: readonly (readonly [number, number])[] = H36M17_SWAP_PAIRS,
  out: Float32Array = new Float32Array(points.length),
): Float32Array {
  const size = joints * dims;
  if (points.length % size !== 0)
    throw new Error(`flipPoses: ${points.length} numbers is not poses × ${joints} × ${dims}`);
  if (out.length !== points.length) throw new Error('flipPoses: output length differs from input');
  const partner = Array.from({ length: joints }, (_, j) => j);
  for (const [a, b] of swapPairs) {
    if (a >= joints || b >= joints)
      throw new Error(`flipPoses: swap pair ${a}-${b} is outside ${joints} joints`);
    partner[a] = b;
    partner[b] = a;
  }
  const tmp = new Float32Array(size);
  for (let base = 0; base < points.length; base += size) {
    for (let j = 0; j < joints; j++) {
      const src = base + partner[j] * dims;
      tmp[j * dims] = -points[src];
      for (let c = 1; c < dims; c++) tmp[j * dims + c] = points[src + c];
    }
    out.set(tmp, base);
  }
  return out;
}
