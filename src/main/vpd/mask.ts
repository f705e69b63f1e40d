/**
 * The athlete's mask in a crop (`<frame>.mask.png`: 8-bit grey, 255 = athlete, 0 = background, as
 * VPD reads it: background is where the mask is 0).
 *
 * An APPROXIMATION: VPD's masks come from a segmentation network (Mask R-CNN); Kinema has no such
 * model, so the mask is the pose skeleton rasterised with body-like thickness: every bone of the
 * skeleton as a capsule (a thick segment with round ends) of radius `limbRadius` × the athlete's
 * height, the torso as the convex hull of the shoulders and hips, and the head as a disc around
 * the face points. It covers the body's core but not clothing, hair or equipment (a racket).
 * Joints scoring below `minScore` are left out, with their bones.
 */
import { getSkeleton, type SkeletonId } from '../../shared/skeletons';
import type { CropBox } from '../../shared/vpd/crops';

export interface MaskOptions {
  /** Joints scoring below this are not drawn. Default 0.3. */
  minScore?: number;
  /** Bone radius as a fraction of the athlete's height (the posed joints' extent). Default 0.045. */
  limbRadius?: number;
  /** Head radius as a fraction of the athlete's height, at least. Default 0.07. */
  headRadius?: number;
}

const FACE = /^(nose|head|.*eye.*|.*ear.*|mouth.*|.*_mouth)$/;

/** Convex hull (monotone chain), counter-clockwise in image coordinates' sense of the cross product. */
function convexHull(points: [number, number][]): [number, number][] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o: number[], a: number[], b: number[]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/**
 * Rasterises the skeleton `keypoints` (K × 3, source-video pixels) into the crop `box` as a
 * size × size mask (0 or 255).
 */
export function skeletonMask(
  keypoints: ArrayLike<number>,
  skeletonId: SkeletonId,
  box: Pick<CropBox, 'x' | 'y' | 'size'>,
  size: number,
  options: MaskOptions = {},
): Uint8Array {
  const skeleton = getSkeleton(skeletonId);
  const k = skeleton.joints.length;
  if (keypoints.length !== k * 3)
    throw new Error(
      `Mask: ${keypoints.length / 3} keypoints for the ${skeleton.name} skeleton (${k} joints)`,
    );
  const minScore = options.minScore ?? 0.3;
  const mask = new Uint8Array(size * size);
  const scale = size / box.size;
  // Joints in crop pixels (continuous coordinates: pixel (i, j) covers [j, j + 1) × [i, i + 1)).
  const px = new Float64Array(k);
  const py = new Float64Array(k);
  const ok = new Array<boolean>(k);
  let y0 = Infinity;
  let y1 = -Infinity;
  let x0 = Infinity;
  let x1 = -Infinity;
  for (let j = 0; j < k; j++) {
    const x = keypoints[j * 3];
    const y = keypoints[j * 3 + 1];
    ok[j] = keypoints[j * 3 + 2] >= minScore && Number.isFinite(x) && Number.isFinite(y);
    px[j] = (x - box.x) * scale;
    py[j] = (y - box.y) * scale;
    if (ok[j]) {
      x0 = Math.min(x0, px[j]);
      x1 = Math.max(x1, px[j]);
      y0 = Math.min(y0, py[j]);
      y1 = Math.max(y1, py[j]);
    }
  }
  if (x0 === Infinity) return mask;
  const height = Math.max(x1 - x0, y1 - y0, size * 0.25);
  const r = Math.max(1.5, (options.limbRadius ?? 0.045) * height);

  const capsule = (ax: number, ay: number, bx: number, by: number, radius: number) => {
    const left = Math.max(0, Math.floor(Math.min(ax, bx) - radius));
    const right = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + radius));
    const top = Math.max(0, Math.floor(Math.min(ay, by) - radius));
    const bottom = Math.min(size - 1, Math.ceil(Math.max(ay, by) + radius));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const r2 = radius * radius;
    for (let i = top; i <= bottom; i++) {
      const cy = i + 0.5;
      for (let j = left; j <= right; j++) {
        const cx = j + 0.5;
        let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = ax + t * dx - cx;
        const ey = ay + t * dy - cy;
        if (ex * ex + ey * ey <= r2) mask[i * size + j] = 255;
      }
    }
  };

  // Bones (and lone joints, so a posed joint is never left out).
  for (const [a, b] of skeleton.links) if (ok[a] && ok[b]) capsule(px[a], py[a], px[b], py[b], r);
  for (let j = 0; j < k; j++) if (ok[j]) capsule(px[j], py[j], px[j], py[j], r);

  // Torso: the convex hull of the posed shoulders and hips.
  const torso: [number, number][] = [];
  skeleton.joints.forEach((name, j) => {
    if (ok[j] && /^(left|right)_(shoulder|hip)$/.test(name)) torso.push([px[j], py[j]]);
  });
  if (torso.length >= 3) fillConvex(mask, size, convexHull(torso));

  // Head: a disc around the face points.
  const face: number[] = [];
  skeleton.joints.forEach((name, j) => ok[j] && FACE.test(name) && face.push(j));
  if (face.length) {
    const cx = face.reduce((s, j) => s + px[j], 0) / face.length;
    const cy = face.reduce((s, j) => s + py[j], 0) / face.length;
    const spread = Math.max(...face.map((j) => Math.hypot(px[j] - cx, py[j] - cy)));
    capsule(cx, cy, cx, cy, Math.max((options.headRadius ?? 0.07) * height, spread * 1.3, r));
  }
  return mask;
}

/** Sets the pixels whose centre lies inside the convex polygon (either winding). */
function fillConvex(mask: Uint8Array, size: number, poly: [number, number][]): void {
  if (poly.length < 3) return;
  const ys = poly.map((p) => p[1]);
  const xs = poly.map((p) => p[0]);
  const top = Math.max(0, Math.floor(Math.min(...ys)));
  const bottom = Math.min(size - 1, Math.ceil(Math.max(...ys)));
  const left = Math.max(0, Math.floor(Math.min(...xs)));
  const right = Math.min(size - 1, Math.ceil(Math.max(...xs)));
  for (let i = top; i <= bottom; i++) {
    const cy = i + 0.5;
    for (let j = left; j <= right; j++) {
      const cx = j + 0.5;
      let pos = 0;
      let neg = 0;
      for (let e = 0; e < poly.length; e++) {
        const [ax, ay] = poly[e];
        const [bx, by] = poly[(e + 1) % poly.length];
        const c = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
        if (c > 0) pos++;
        else if (c < 0) neg++;
      }
      if (pos === 0 || neg === 0) mask[i * size + j] = 255;
    }
  }
}
