/**
 * The in-memory form of an imported motion-capture take, whatever file it came from.
 *
 * Kinema world convention (every importer converts to it once, at ingest):
 *   - metres;
 *   - right-handed, Z up (the ground is the X-Y plane), as Human3.6M's world frame;
 *   - a Y-up source (BVH, OpenSim TRC) is rotated +90° about X: (x, y, z) → (x, −z, y), so a BVH
 *     subject facing +Z faces −Y;
 *   - missing points are NaN in all three coordinates.
 */

export type MocapSource = 'bvh' | 'c3d' | 'trc';

interface MocapTakeBase {
  readonly source: MocapSource;
  /** Frames per second. */
  readonly rate: number;
  readonly frameCount: number;
  /** frames × points × 3, metres, Kinema world (Z up); NaN = missing. */
  readonly positionsM: Float32Array;
  /** Subject name or id when the file says it (C3D SUBJECTS:NAMES) or the caller knows it. */
  readonly subject: string | null;
  /** Take name (usually the file name without extension). */
  readonly take: string | null;
  /** Facts about the import a user may want to see: units, scale, dropped frames, rig… */
  readonly meta: Readonly<Record<string, string | number | boolean>>;
}

/** Joint positions from a kinematic hierarchy (BVH forward kinematics). */
export interface MocapJointTake extends MocapTakeBase {
  readonly kind: 'joints';
  /** Joint names, then End Sites named `<joint>_end` when they were asked for. */
  readonly jointNames: readonly string[];
  /** Parent index per point (−1 for a root). */
  readonly parents: readonly number[];
  /** Rig the joint names were recognised as (see rigs.ts), or null. */
  readonly rig: string | null;
}

/** Labelled marker trajectories (C3D, TRC). */
export interface MocapMarkerTake extends MocapTakeBase {
  readonly kind: 'markers';
  readonly markerNames: readonly string[];
}

export type MocapTake = MocapJointTake | MocapMarkerTake;

/** A right-handed axis as C3D's POINT:X_SCREEN / Y_SCREEN write it. */
export type SignedAxis = '+X' | '-X' | '+Y' | '-Y' | '+Z' | '-Z';

/** Metres per file unit for the unit names mocap files use. */
export const METRES_PER_UNIT = {
  m: 1,
  cm: 0.01,
  mm: 0.001,
  in: 0.0254,
  /** CMU's ASF "length 0.45": one unit is 1/0.45 inch (so a 1.75 m subject is ~31 units tall). */
  'cmu-asf': 0.0254 / 0.45,
} as const;

export type LengthUnit = keyof typeof METRES_PER_UNIT;

function axisVector(a: SignedAxis): [number, number, number] {
  const s = a[0] === '-' ? -1 : 1;
  const i = 'XYZ'.indexOf(a[1]);
  const v: [number, number, number] = [0, 0, 0];
  v[i] = s;
  return v;
}

/**
 * The rotation (row-major 3×3) that takes a source frame, described by which of its axes points to
 * the viewer's right (`right`) and which points up (`up`), to the Kinema world: `right` → +X,
 * `up` → +Z, and +Y = Z × X (so the result stays right-handed and is a proper rotation).
 */
export function worldRotation(right: SignedAxis, up: SignedAxis): number[] {
  const x = axisVector(right);
  const z = axisVector(up);
  if (x[0] * z[0] + x[1] * z[1] + x[2] * z[2] !== 0) {
    throw new Error(`Axes ${right} (right) and ${up} (up) must be perpendicular`);
  }
  const y = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]];
  return [...x, ...y, ...z];
}

/**
 * Returns points (frames × points × 3) converted to metres in the Kinema world: multiplied by
 * `metresPerUnit`, then rotated by `rotation` (from `worldRotation`). NaN stays NaN.
 */
export function toKinemaWorld(
  points: ArrayLike<number>,
  metresPerUnit: number,
  rotation: readonly number[],
): Float32Array {
  if (!(metresPerUnit > 0) || !Number.isFinite(metresPerUnit)) {
    throw new Error(`Scale must be a positive number of metres per unit, got ${metresPerUnit}`);
  }
  const out = new Float32Array(points.length);
  const r = rotation;
  for (let i = 0; i + 2 < points.length; i += 3) {
    const x = points[i] * metresPerUnit;
    const y = points[i + 1] * metresPerUnit;
    const z = points[i + 2] * metresPerUnit;
    out[i] = r[0] * x + r[1] * y + r[2] * z;
    out[i + 1] = r[3] * x + r[4] * y + r[5] * z;
    out[i + 2] = r[6] * x + r[7] * y + r[8] * z;
  }
  return out;
}
