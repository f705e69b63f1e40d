/**
 * The 3D scene of a lifted track, shared by the viewer (three.js) and the MP4 render (software):
 * world = y up, metres: (x, −y, −z) of the lifter's camera space (a half turn about x, so the
 * original camera sits at the origin looking down −z, as a three.js camera does). Each frame's
 * skeleton stands at its root position (the estimated trajectory, or the origin without one); the
 * ground is the median over frames of the lower foot's height (in walking and running one foot is
 * near the ground most of the time).
 */
import { H36M17_JOINTS, H36M17_PARENTS } from '../skeletons/h36m17';

export type BoneSide = 'left' | 'right' | 'centre';

/** Colours (RGB 0-255) of the viewer and the render: left blue, right orange, centre light grey. */
export const SIDE_COLORS: Record<BoneSide, [number, number, number]> = {
  left: [64, 150, 255],
  right: [255, 140, 40],
  centre: [220, 220, 220],
};

/** The side of the bone ending at joint `child`. */
export function boneSide(child: number): BoneSide {
  const name = H36M17_JOINTS[child];
  return name.startsWith('left_') ? 'left' : name.startsWith('right_') ? 'right' : 'centre';
}

/** [parent, child] pairs of the H36M-17 tree. */
export const BONES: readonly (readonly [number, number])[] = H36M17_PARENTS.flatMap((p, c) =>
  p >= 0 ? [[p, c] as const] : [],
);

export interface Scene3d {
  frames: number;
  firstFrame: number;
  /** frames × 17 × 3 world positions (root added); NaN rows without a pose. */
  world: Float32Array;
  /** frames × 3 world root (pelvis) positions; NaN rows without a pose. */
  root: Float32Array;
  hasTrajectory: boolean;
  /** Height of the ground plane (world y). */
  groundY: number;
}

/**
 * Builds the scene from a joints series (frames × 51, camera space, pelvis-relative) and an
 * optional root series (frames × 3, camera space).
 */
export function buildScene3d(joints: Float32Array, root: Float32Array | null, firstFrame: number): Scene3d {
  const T = Math.floor(joints.length / 51);
  const world = new Float32Array(T * 51).fill(NaN);
  const rootW = new Float32Array(T * 3).fill(NaN);
  const hasTrajectory = root !== null && root.length === T * 3 && root.some((v) => Number.isFinite(v));
  const feet: number[] = [];
  const lf = H36M17_JOINTS.indexOf('left_foot');
  const rf = H36M17_JOINTS.indexOf('right_foot');
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(joints[t * 51 + 3])) continue;
    const rx = hasTrajectory ? root![t * 3] : 0;
    const ry = hasTrajectory ? root![t * 3 + 1] : 0;
    const rz = hasTrajectory ? root![t * 3 + 2] : 0;
    if (!Number.isFinite(rx)) continue;
    rootW.set([rx, -ry, -rz], t * 3);
    for (let j = 0; j < 17; j++) {
      const o = t * 51 + j * 3;
      world[o] = joints[o] + rx;
      world[o + 1] = -(joints[o + 1] + ry);
      world[o + 2] = -(joints[o + 2] + rz);
    }
    feet.push(Math.min(world[t * 51 + lf * 3 + 1], world[t * 51 + rf * 3 + 1]));
  }
  feet.sort((a, b) => a - b);
  const groundY = feet.length ? feet[feet.length >> 1] : -0.9;
  return { frames: T, firstFrame, world, root: rootW, hasTrajectory, groundY };
}

/** Whether row `t` of the scene has a pose. */
export function posedAt(scene: Scene3d, t: number): boolean {
  return t >= 0 && t < scene.frames && Number.isFinite(scene.world[t * 51]);
}
