/**
 * BVH from lifted H36M-17 joints (frames × 17 × 3, metres, camera space: x right, y down, z away
 * from the camera), so that BVH readers (ours: shared/mocap/bvh.ts) rebuild the motion by forward
 * kinematics.
 *
 * - Axes and units: BVH is y-up, centimetres: (x, y, z)_bvh = 100 · (x, −y, −z)_camera (a half
 *   turn about x, so the handedness is kept).
 * - Hierarchy: the H36M-17 tree (pelvis root with 6 channels, every other joint Zrotation Xrotation
 *   Yrotation); the leaves (feet, head, wrists) end in a short End Site along their bone.
 * - Offsets: each bone's median length over the frames. Directions: the pelvis and the thorax, which
 *   have three children, get a frame from their bones (pelvis: y up the spine, x towards the left
 *   hip; thorax: y up the neck, x towards the left shoulder) and their children's offsets are the
 *   median directions in that frame. A joint with one child gets the child's median direction in
 *   its parent's frame, so its local rotations stay small.
 * - Rotations per frame: the pelvis and thorax take their frame; a one-child joint takes its
 *   parent's rotation turned by the smallest rotation that points its bone at the lifted child
 *   (no spurious twist). Local rotation = parent⁻¹ · own, written as Z, X, Y Euler angles.
 * Positions come back exactly up to (a) each bone's length differing from its median in that frame
 * and (b) the pelvis's and thorax's three bones not keeping their median angles between them.
 * Frames without a pose (NaN rows) repeat the nearest earlier pose (the first pose before it).
 */
import { KinemaError } from '../../../shared/errors';
import { H36M17_JOINTS, H36M17_PARENTS } from '../../../shared/skeletons/h36m17';

type Mat = number[]; // 3×3 row-major
type Vec = [number, number, number];

const J = 17;
const PELVIS_FRAME = { up: 7, left: 4, right: 1 };
const THORAX_FRAME = { up: 9, left: 11, right: 14 };
const LEAVES = new Set([3, 6, 10, 13, 16]);

export interface H36mBvhInput {
  /** frames × 17 × 3, metres, camera space; NaN rows for frames without a pose. */
  joints: Float32Array;
  /** frames × 3 pelvis positions in camera space (metres); default: the pelvis stays at the origin. */
  root?: Float32Array | null;
  fps: number;
}

const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec, b: Vec): Vec => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const norm = (a: Vec) => Math.hypot(a[0], a[1], a[2]);
const unit = (a: Vec): Vec => {
  const n = norm(a) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
};
const scale = (a: Vec, s: number): Vec => [a[0] * s, a[1] * s, a[2] * s];
const mulMat = (a: Mat, b: Mat): Mat => {
  const o = new Array<number>(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      o[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  return o;
};
const transpose = (a: Mat): Mat => [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
const apply = (m: Mat, v: Vec): Vec => [
  m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
  m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
  m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
];
const IDENTITY: Mat = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Rotation about unit axis by angle (Rodrigues). */
function axisAngle(axis: Vec, angle: number): Mat {
  const [x, y, z] = axis;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

/** The smallest rotation taking unit vector a to unit vector b. */
function rotationBetween(a: Vec, b: Vec): Mat {
  const c = Math.max(-1, Math.min(1, dot(a, b)));
  const axis = cross(a, b);
  const s = norm(axis);
  if (s < 1e-9) {
    if (c > 0) return IDENTITY;
    // Opposite: a half turn about any axis perpendicular to a.
    const helper: Vec = Math.abs(a[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    return axisAngle(unit(cross(a, helper)), Math.PI);
  }
  return axisAngle(scale(axis, 1 / s), Math.atan2(s, c));
}

/** Columns: x towards the left child, y up the `up` child, z = x × y. */
function jointFrame(p: Vec[], origin: number, f: { up: number; left: number; right: number }): Mat {
  const y = unit(sub(p[f.up], p[origin]));
  const across = sub(p[f.left], p[f.right]);
  let x = sub(across, scale(y, dot(across, y)));
  if (norm(x) < 1e-9) x = Math.abs(y[0]) < 0.9 ? cross([0, 0, 1], y) : cross(y, [0, 0, 1]);
  x = unit(x);
  const z = cross(x, y);
  return [x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]];
}

/** Z, X, Y Euler angles (degrees) of R = Rz · Rx · Ry. */
export function eulerZXY(r: Mat): [number, number, number] {
  const sx = Math.max(-1, Math.min(1, r[7]));
  const x = Math.asin(sx);
  let z: number;
  let y: number;
  if (Math.abs(sx) < 0.9999999) {
    z = Math.atan2(-r[1], r[4]);
    y = Math.atan2(-r[6], r[8]);
  } else {
    // Gimbal lock: only z + y (or z − y) is defined; put it all in z.
    y = 0;
    z = Math.atan2(r[3], r[0]);
  }
  const deg = 180 / Math.PI;
  return [z * deg, x * deg, y * deg];
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianUnit(vectors: Vec[]): Vec {
  const m: Vec = [0, 1, 2].map((i) => medianOf(vectors.map((v) => v[i]))) as Vec;
  return norm(m) > 1e-9 ? unit(m) : [0, 1, 0];
}

const children = (j: number) => H36M17_PARENTS.map((p, c) => (p === j ? c : -1)).filter((c) => c >= 0);

/** Formats lifted joints as BVH text (see the module comment). */
export function formatH36mBvh(input: H36mBvhInput): string {
  const T = input.joints.length / (J * 3);
  if (!Number.isInteger(T) || T === 0)
    throw new KinemaError('BAD_INPUT', 'BVH export needs frames × 17 × 3 joints.');
  if (!(input.fps > 0))
    throw new KinemaError('BAD_INPUT', `BVH export needs a frame rate, got ${input.fps}.`);
  // World (BVH) positions per valid frame: 100 · (x, −y, −z), root added.
  const valid: number[] = [];
  const world: Vec[][] = [];
  for (let t = 0; t < T; t++) {
    const o = t * J * 3;
    let finite = true;
    for (let i = 0; i < J * 3 && finite; i++) finite = Number.isFinite(input.joints[o + i]);
    const r = input.root;
    const root: Vec = r && Number.isFinite(r[t * 3]) ? [r[t * 3], r[t * 3 + 1], r[t * 3 + 2]] : [0, 0, 0];
    if (!finite) {
      world.push([]);
      continue;
    }
    valid.push(t);
    const pts: Vec[] = [];
    for (let j = 0; j < J; j++) {
      const x = input.joints[o + j * 3] + root[0];
      const y = input.joints[o + j * 3 + 1] + root[1];
      const z = input.joints[o + j * 3 + 2] + root[2];
      pts.push([100 * x, -100 * y, -100 * z]);
    }
    world.push(pts);
  }
  if (valid.length === 0)
    throw new KinemaError('NO_POSES', 'BVH export: the series has no frame with a pose.');
  // Frames without a pose repeat the nearest earlier one (the first pose before any).
  let last = valid[0];
  for (let t = 0; t < T; t++) {
    if (world[t].length) last = t;
    else world[t] = world[last];
  }

  const lengths = new Array<number>(J).fill(0);
  for (let c = 1; c < J; c++)
    lengths[c] = medianOf(valid.map((t) => norm(sub(world[t][c], world[t][H36M17_PARENTS[c]]))));

  // Global rotation of every joint per frame, top-down; offsets chosen on the way (first pass).
  const frameOf = (p: Vec[], j: number): Mat | null =>
    j === 0 ? jointFrame(p, 0, PELVIS_FRAME) : j === 8 ? jointFrame(p, 8, THORAX_FRAME) : null;
  const offsets: Vec[] = Array.from({ length: J }, () => [0, 0, 0] as Vec);
  const globalOf = (p: Vec[], rotations: Mat[], j: number): Mat => {
    const own = frameOf(p, j);
    if (own) return own;
    const parentRot = rotations[H36M17_PARENTS[j]];
    if (LEAVES.has(j)) return parentRot;
    const c = children(j)[0];
    const rest = unit(apply(parentRot, offsets[c]));
    return mulMat(rotationBetween(rest, unit(sub(p[c], p[j]))), parentRot);
  };
  // Offsets in their parent joint's frame, parents first (each needs the parent's rotations).
  const rotationsAt: Mat[][] = valid.map(() => new Array<Mat>(J));
  for (let j = 0; j < J; j++) {
    // This joint's children offsets need this joint's frame; one-child joints need the parent's.
    const kids = children(j);
    if (frameOf(world[valid[0]], j)) {
      for (const c of kids)
        offsets[c] = scale(
          medianUnit(
            valid.map((t, i) => {
              rotationsAt[i][j] ??= frameOf(world[t], j)!;
              return unit(apply(transpose(rotationsAt[i][j]), sub(world[t][c], world[t][j])));
            }),
          ),
          lengths[c],
        );
    } else if (kids.length === 1) {
      const c = kids[0];
      offsets[c] = scale(
        medianUnit(
          valid.map((t, i) =>
            unit(apply(transpose(rotationsAt[i][H36M17_PARENTS[j]]), sub(world[t][c], world[t][j]))),
          ),
        ),
        lengths[c],
      );
    }
    valid.forEach((t, i) => (rotationsAt[i][j] = globalOf(world[t], rotationsAt[i], j)));
  }

  const f = (v: number) => (Math.abs(v) < 5e-7 ? '0.000000' : v.toFixed(6));
  const lines: string[] = ['HIERARCHY'];
  const writeJoint = (j: number, depth: number) => {
    const pad = '\t'.repeat(depth);
    lines.push(`${pad}${j === 0 ? 'ROOT' : 'JOINT'} ${H36M17_JOINTS[j]}`, `${pad}{`);
    lines.push(`${pad}\tOFFSET ${offsets[j].map(f).join(' ')}`);
    lines.push(
      `${pad}\tCHANNELS ${j === 0 ? '6 Xposition Yposition Zposition Zrotation Xrotation Yrotation' : '3 Zrotation Xrotation Yrotation'}`,
    );
    if (LEAVES.has(j)) {
      // A short continuation of the leaf's bone.
      const along = unit(offsets[j]);
      lines.push(
        `${pad}\tEnd Site`,
        `${pad}\t{`,
        `${pad}\t\tOFFSET ${scale(along, 0.2 * lengths[j])
          .map(f)
          .join(' ')}`,
        `${pad}\t}`,
      );
    }
    for (const c of children(j)) writeJoint(c, depth + 1);
    lines.push(`${pad}}`);
  };
  writeJoint(0, 0);
  lines.push('MOTION', `Frames: ${T}`, `Frame Time: ${(1 / input.fps).toFixed(8)}`);
  const order: number[] = [];
  const visit = (j: number) => {
    order.push(j);
    for (const c of children(j)) visit(c);
  };
  visit(0);
  const indexOfValid = new Map(valid.map((t, i) => [t, i]));
  let lastValid = 0;
  for (let t = 0; t < T; t++) {
    const i = indexOfValid.get(t);
    if (i !== undefined) lastValid = i;
    const rot = rotationsAt[lastValid];
    const p = world[valid[lastValid]];
    const row: string[] = [];
    for (const j of order) {
      const local = j === 0 ? rot[0] : mulMat(transpose(rot[H36M17_PARENTS[j]]), rot[j]);
      if (j === 0) row.push(...p[0].map(f));
      row.push(...eulerZXY(local).map(f));
    }
    lines.push(row.join(' '));
  }
  return `${lines.join('\n')}\n`;
}
