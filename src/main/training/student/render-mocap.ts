/**
 * Mocap rendered for the VPD student: a small software renderer of a COCO-17 3D pose (metres, z up,
 * as bench/mocap-takes.ts loadCocoTake gives it) seen by a PinholeCamera, drawn straight into a
 * square crop of the camera's image, and a window of such renders turned into the student's input
 * (crop + Farnebäck flow from the prev crop) exactly as `collectStudentFrames` cuts it from video.
 *
 * These are RENDERS OF MOCAP, not video: a mannequin of capsules (limbs, torso) and a sphere
 * (head) with body-like radii, Lambert shading and flat clothing-like grey levels (shirt, trousers,
 * skin, shoes), in front of a backdrop. They give the student crops + flow for the CMU takes, which
 * have no footage; how well a student trained on them does on real video is another question.
 *
 * Rendering: one ray per sub-sample (supersample² per crop pixel, averaged), intersected with every
 * body part (a capsule is the union of a cylinder and two end spheres, each convex, so the first
 * hit of the union is the nearest first hit of the three); the nearest hit wins (a z-buffer by ray
 * depth), so a near limb hides a far one. The backdrop is fixed to the IMAGE (a static camera's
 * scene): a vertical and horizontal gradient plus two octaves of value noise seeded per window, so
 * a moving crop box makes the background flow as it does in real crops. Optional per-frame pixel
 * noise stands in for the sensor's.
 */
import { KinemaError } from '../../../shared/errors';
import type { PinholeCamera } from '../../../shared/lifting/cameras';
import { deriveSeed } from '../../../shared/lifting/rng';
import { getSkeleton } from '../../../shared/skeletons';
import type { PoseTrack } from '../../../shared/pose';
import { computeCropBoxes, keypointsForCrop, type CropBox } from '../../../shared/vpd/crops';
import { FlowEstimator, type FarnebackParams } from '../../vpd/flow';
import { skeletonMask } from '../../vpd/mask';
import type { CropBoxSettings } from '../../vpd/write-crops';
import {
  appearanceChannels,
  checkInputSpec,
  frameBytes,
  packStudentFrame,
  type StudentFrames,
  type StudentInputSpec,
} from './data';

const K = 17;
const COCO17_JOINT_NAMES = getSkeleton('coco17').joints.map((j) => j.replace('_', ' '));

/** One part of the mannequin: a capsule between two points (a sphere when `to` is null). */
export interface BodyPart {
  name: string;
  /** Each end is the mean of these COCO-17 joints. */
  from: readonly number[];
  to: readonly number[] | null;
  radiusM: number;
  /** Grey level (0-255) of the part's material before shading. */
  albedo: number;
}

const SHIRT = 185;
const TROUSERS = 70;
const SKIN = 150;
const SHOES = 40;

/**
 * A person of about 1.75 m: thighs 8 cm, shins 6 cm, upper arms 5 cm, forearms 4 cm, a torso of a
 * 13-cm spine capsule between the shoulders' and hips' midpoints widened by a capsule down each
 * side, a head sphere of 11 cm around the nose and ears.
 */
export const COCO17_BODY: readonly BodyPart[] = [
  { name: 'torso', from: [5, 6], to: [11, 12], radiusM: 0.13, albedo: SHIRT },
  { name: 'left flank', from: [5], to: [11], radiusM: 0.08, albedo: SHIRT },
  { name: 'right flank', from: [6], to: [12], radiusM: 0.08, albedo: SHIRT },
  { name: 'shoulders', from: [5], to: [6], radiusM: 0.065, albedo: SHIRT },
  { name: 'pelvis', from: [11], to: [12], radiusM: 0.1, albedo: TROUSERS },
  { name: 'neck', from: [5, 6], to: [0, 3, 4], radiusM: 0.05, albedo: SKIN },
  { name: 'head', from: [0, 3, 4], to: null, radiusM: 0.11, albedo: SKIN },
  { name: 'left upper arm', from: [5], to: [7], radiusM: 0.05, albedo: SHIRT },
  { name: 'right upper arm', from: [6], to: [8], radiusM: 0.05, albedo: SHIRT },
  { name: 'left forearm', from: [7], to: [9], radiusM: 0.04, albedo: SKIN },
  { name: 'right forearm', from: [8], to: [10], radiusM: 0.04, albedo: SKIN },
  { name: 'left thigh', from: [11], to: [13], radiusM: 0.08, albedo: TROUSERS },
  { name: 'right thigh', from: [12], to: [14], radiusM: 0.08, albedo: TROUSERS },
  { name: 'left shin', from: [13], to: [15], radiusM: 0.06, albedo: TROUSERS },
  { name: 'right shin', from: [14], to: [16], radiusM: 0.06, albedo: TROUSERS },
  { name: 'left foot', from: [15], to: null, radiusM: 0.055, albedo: SHOES },
  { name: 'right foot', from: [16], to: null, radiusM: 0.055, albedo: SHOES },
];

export interface RenderOptions {
  /** Seeds the backdrop (one per window: the scene stays, the crop moves over it). Default 1. */
  seed?: number;
  /** Seeds the pixel noise of this picture (one per frame and crop). Default 0. */
  frameSeed?: number;
  /** Standard deviation of the pixel noise, grey levels; 0 turns it off. Default 3. */
  noise?: number;
  /** Rays per crop pixel along each axis. Default 2. */
  supersample?: number;
  body?: readonly BodyPart[];
}

/** A rendered crop: grey pixels and which body part covers each (−1: background). */
export interface RenderedCrop {
  size: number;
  grey: Uint8Array;
  /** Per pixel, the index in the body of the part most of its rays hit, −1 where most miss. */
  part: Int8Array;
}

export type CropRect = Pick<CropBox, 'x' | 'y' | 'size'>;

/** Checks a COCO-17 world pose (17 × 3 metres), with a message a user can act on. */
export function checkWorldPose(pose: ArrayLike<number>, what = 'The pose'): void {
  if (pose.length !== K * 3)
    throw new KinemaError(
      'BAD_POSE',
      `${what} must be a COCO-17 pose of ${K * 3} numbers (17 joints × x, y, z in metres), got ${pose.length}.`,
    );
  for (let i = 0; i < pose.length; i++)
    if (!Number.isFinite(pose[i]))
      throw new KinemaError(
        'BAD_POSE',
        `${what}: joint ${Math.floor(i / 3)} (${COCO17_JOINT_NAMES[Math.floor(i / 3)]}) has a coordinate that is not a number (${pose[i]}).`,
      );
}

function checkBox(box: CropRect): void {
  if (!(Number.isFinite(box.size) && box.size > 0) || !Number.isFinite(box.x) || !Number.isFinite(box.y))
    throw new KinemaError(
      'BAD_OPTIONS',
      `A crop box needs a finite position and a positive size in pixels, got x ${box.x}, y ${box.y}, size ${box.size}.`,
    );
}

function checkCropSize(size: number): void {
  if (!Number.isInteger(size) || size < 4 || size > 1024)
    throw new KinemaError(
      'BAD_OPTIONS',
      `The crop size must be a whole number of pixels from 4 to 1024, got ${size}.`,
    );
}

// ---------------------------------------------------------------------------------------------
// Backdrop

/** A 32-bit hash of a lattice point → [0, 1). */
function lattice(seed: number, ix: number, iy: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Smoothly interpolated value noise with cells of `cell` pixels, in [0, 1). */
function valueNoise(seed: number, x: number, y: number, cell: number): number {
  const gx = x / cell;
  const gy = y / cell;
  const ix = Math.floor(gx);
  const iy = Math.floor(gy);
  const fx = gx - ix;
  const fy = gy - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = lattice(seed, ix, iy);
  const b = lattice(seed, ix + 1, iy);
  const c = lattice(seed, ix, iy + 1);
  const d = lattice(seed, ix + 1, iy + 1);
  return (a * (1 - sx) + b * sx) * (1 - sy) + (c * (1 - sx) + d * sx) * sy;
}

/** The backdrop's grey level at image pixel (x, y) of a `width` × `height` camera image. */
export function backdropAt(seed: number, x: number, y: number, width: number, height: number): number {
  const s1 = deriveSeed(seed, 1) | 0;
  const s2 = deriveSeed(seed, 2) | 0;
  // Lighter at the top (sky, far wall), darker at the bottom (ground), a slant across.
  const gradient = 150 - 60 * (y / height) + 15 * (x / width - 0.5);
  return gradient + 50 * (valueNoise(s1, x, y, 160) - 0.5) + 24 * (valueNoise(s2, x, y, 28) - 0.5);
}

// ---------------------------------------------------------------------------------------------
// Rays

/** Camera-space ray direction (x, y, 1) through image pixel (u, v), lens distortion undone. */
function pixelRay(camera: PinholeCamera, u: number, v: number, out: Float64Array, at: number): void {
  const xd = (u - camera.cx) / camera.fx;
  const yd = (v - camera.cy) / camera.fy;
  let x = xd;
  let y = yd;
  if (camera.k1 !== 0 || camera.k2 !== 0) {
    // Fixed point of x · d(r²) = xd: converges for the mild distortion of virtual cameras.
    for (let it = 0; it < 20; it++) {
      const r2 = x * x + y * y;
      const d = 1 + camera.k1 * r2 + camera.k2 * r2 * r2;
      x = xd / d;
      y = yd / d;
    }
  }
  out[at] = x;
  out[at + 1] = y;
  out[at + 2] = 1;
}

interface Primitive {
  ax: number;
  ay: number;
  az: number;
  /** Unit axis and length (0 for a sphere). */
  ux: number;
  uy: number;
  uz: number;
  length: number;
  r: number;
  /** Bounding sphere, for a cheap rejection. */
  bx: number;
  by: number;
  bz: number;
  br2: number;
  albedo: number;
}

/** The body's parts in camera space (metres, x right, y down, z forward). */
function primitivesOf(
  pose: ArrayLike<number>,
  camera: PinholeCamera,
  body: readonly BodyPart[],
): Primitive[] {
  const R = camera.rotation;
  const C = camera.centre;
  const toCam = (joints: readonly number[]): [number, number, number] => {
    let wx = 0;
    let wy = 0;
    let wz = 0;
    for (const j of joints) {
      wx += pose[j * 3] / joints.length;
      wy += pose[j * 3 + 1] / joints.length;
      wz += pose[j * 3 + 2] / joints.length;
    }
    const px = wx - C[0];
    const py = wy - C[1];
    const pz = wz - C[2];
    return [
      R[0] * px + R[1] * py + R[2] * pz,
      R[3] * px + R[4] * py + R[5] * pz,
      R[6] * px + R[7] * py + R[8] * pz,
    ];
  };
  return body.map((p) => {
    const a = toCam(p.from);
    const b = p.to ? toCam(p.to) : a;
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const dz = b[2] - a[2];
    const length = Math.hypot(dx, dy, dz);
    const inv = length > 1e-9 ? 1 / length : 0;
    const br = length / 2 + p.radiusM;
    return {
      ax: a[0],
      ay: a[1],
      az: a[2],
      ux: dx * inv,
      uy: dy * inv,
      uz: dz * inv,
      length: length > 1e-9 ? length : 0,
      r: p.radiusM,
      bx: (a[0] + b[0]) / 2,
      by: (a[1] + b[1]) / 2,
      bz: (a[2] + b[2]) / 2,
      br2: br * br,
      albedo: p.albedo,
    };
  });
}

/** Nearest t > NEAR where the ray t·d enters the sphere (cx, cy, cz, r), or Infinity. */
function sphereHit(
  dx: number,
  dy: number,
  dz: number,
  cx: number,
  cy: number,
  cz: number,
  r: number,
): number {
  const a = dx * dx + dy * dy + dz * dz;
  const b = dx * cx + dy * cy + dz * cz;
  const c = cx * cx + cy * cy + cz * cz - r * r;
  const disc = b * b - a * c;
  if (disc < 0) return Infinity;
  const t = (b - Math.sqrt(disc)) / a;
  return t > NEAR_M ? t : Infinity;
}

const NEAR_M = 0.01;
/** Light from above and a little in front (world z up), and a fill from the camera. */
const SUN_WORLD = normalise([0.3, 0.2, 1]);
const AMBIENT = 0.3;
const SUN = 0.5;
const FILL = 0.35;

function normalise(v: number[]): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/**
 * Renders `pose` (COCO-17, 17 × 3 world metres) as seen by `camera` into the square `box` of the
 * camera's image (pixels; it may reach outside the image: the backdrop goes on), as a
 * `size` × `size` grey crop.
 */
export function renderPoseCrop(
  pose: ArrayLike<number>,
  camera: PinholeCamera,
  box: CropRect,
  size: number,
  options: RenderOptions = {},
): RenderedCrop {
  checkWorldPose(pose);
  checkBox(box);
  checkCropSize(size);
  const ss = options.supersample ?? 2;
  if (!Number.isInteger(ss) || ss < 1 || ss > 8)
    throw new KinemaError('BAD_OPTIONS', `supersample must be a whole number from 1 to 8, got ${ss}.`);
  const seed = options.seed ?? 1;
  const noise = options.noise ?? 3;
  const body = options.body ?? COCO17_BODY;
  if (body.length > 127) throw new KinemaError('BAD_OPTIONS', 'A body has at most 127 parts.');
  const prims = primitivesOf(pose, camera, body);
  const R = camera.rotation;
  // The sun in camera space.
  const lx = R[0] * SUN_WORLD[0] + R[1] * SUN_WORLD[1] + R[2] * SUN_WORLD[2];
  const ly = R[3] * SUN_WORLD[0] + R[4] * SUN_WORLD[1] + R[5] * SUN_WORLD[2];
  const lz = R[6] * SUN_WORLD[0] + R[7] * SUN_WORLD[1] + R[8] * SUN_WORLD[2];
  const grey = new Uint8Array(size * size);
  const part = new Int8Array(size * size);
  const votes = new Int32Array(body.length + 1);
  const ray = new Float64Array(3);
  const step = box.size / size;
  let noiseState = deriveSeed(seed, options.frameSeed ?? 0, 0x6e6f) >>> 0;
  const gauss = (): number => {
    // Sum of four uniforms (Irwin-Hall), centred and scaled to unit variance: cheap and smooth enough.
    let s = 0;
    for (let i = 0; i < 4; i++) {
      noiseState = (noiseState + 0x6d2b79f5) >>> 0;
      let t = noiseState;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      s += ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    return (s - 2) * Math.sqrt(3);
  };
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let sum = 0;
      votes.fill(0);
      for (let sy = 0; sy < ss; sy++)
        for (let sx = 0; sx < ss; sx++) {
          const u = box.x + (px + (sx + 0.5) / ss) * step;
          const v = box.y + (py + (sy + 0.5) / ss) * step;
          pixelRay(camera, u, v, ray, 0);
          const dx = ray[0];
          const dy = ray[1];
          const dz = ray[2];
          const dd = dx * dx + dy * dy + dz * dz;
          let bestT = Infinity;
          let best = -1;
          let nx = 0;
          let ny = 0;
          let nz = 0;
          for (let k = 0; k < prims.length; k++) {
            const p = prims[k];
            // Reject rays that miss the part's bounding sphere.
            const bb = dx * p.bx + dy * p.by + dz * p.bz;
            const bc = p.bx * p.bx + p.by * p.by + p.bz * p.bz - p.br2;
            if (bb * bb - dd * bc < 0) continue;
            // End spheres.
            let t = sphereHit(dx, dy, dz, p.ax, p.ay, p.az, p.r);
            let cx = p.ax;
            let cy = p.ay;
            let cz = p.az;
            if (p.length > 0) {
              const ex = p.ax + p.ux * p.length;
              const ey = p.ay + p.uy * p.length;
              const ez = p.az + p.uz * p.length;
              const t2 = sphereHit(dx, dy, dz, ex, ey, ez, p.r);
              if (t2 < t) {
                t = t2;
                cx = ex;
                cy = ey;
                cz = ez;
              }
              // Cylinder: |(w + t·d)⊥|² = r², w = origin − a = −a, ⊥ = perpendicular to the axis.
              const du = dx * p.ux + dy * p.uy + dz * p.uz;
              const wu = -(p.ax * p.ux + p.ay * p.uy + p.az * p.uz);
              const dpx = dx - du * p.ux;
              const dpy = dy - du * p.uy;
              const dpz = dz - du * p.uz;
              const wpx = -p.ax - wu * p.ux;
              const wpy = -p.ay - wu * p.uy;
              const wpz = -p.az - wu * p.uz;
              const qa = dpx * dpx + dpy * dpy + dpz * dpz;
              if (qa > 1e-12) {
                const qb = dpx * wpx + dpy * wpy + dpz * wpz;
                const qc = wpx * wpx + wpy * wpy + wpz * wpz - p.r * p.r;
                const disc = qb * qb - qa * qc;
                if (disc >= 0) {
                  const tc = (-qb - Math.sqrt(disc)) / qa;
                  const s = wu + tc * du;
                  if (tc > NEAR_M && s >= 0 && s <= p.length && tc < t) {
                    t = tc;
                    cx = p.ax + s * p.ux;
                    cy = p.ay + s * p.uy;
                    cz = p.az + s * p.uz;
                  }
                }
              }
            }
            if (t < bestT) {
              bestT = t;
              best = k;
              // Outward normal: from the nearest point of the axis (or the sphere's centre) to the hit.
              nx = (t * dx - cx) / p.r;
              ny = (t * dy - cy) / p.r;
              nz = (t * dz - cz) / p.r;
            }
          }
          if (best < 0) {
            sum += backdropAt(seed, u, v, camera.width, camera.height);
            votes[body.length]++;
          } else {
            const sun = Math.max(0, nx * lx + ny * ly + nz * lz);
            const inv = 1 / Math.sqrt(dd);
            const fill = Math.max(0, -(nx * dx + ny * dy + nz * dz) * inv);
            sum += prims[best].albedo * (AMBIENT + SUN * sun + FILL * fill);
            votes[best]++;
          }
        }
      let value = sum / (ss * ss);
      if (noise > 0) value += noise * gauss();
      grey[py * size + px] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
      let top = body.length;
      for (let k = 0; k < body.length; k++) if (votes[k] > votes[top]) top = k;
      part[py * size + px] = top === body.length ? -1 : top;
    }
  return { size, grey, part };
}

// ---------------------------------------------------------------------------------------------
// A window of mocap → the student's frames

export interface MocapWindow {
  /** World poses, frames × 17 × 3 metres; track frame f shows row f. */
  poses: ArrayLike<number>;
  /** The camera (static), or one per row of `poses`. */
  camera: PinholeCamera | readonly PinholeCamera[];
  /** The window's 2D track as a detector gives it (frames numbered from 0): the crop boxes follow it. */
  track: PoseTrack;
  /** The pose just before row 0 (the take's previous frame); without it frame 0's prev is itself. */
  previousPose?: ArrayLike<number>;
  fps: number;
}

export interface RenderWindowOptions {
  spec: StudentInputSpec;
  /** Seeds the window's backdrop and pixel noise. */
  seed: number;
  box?: CropBoxSettings;
  render?: Omit<RenderOptions, 'seed' | 'frameSeed'>;
  /** Reused across windows when given (opening one loads OpenCV); else opened and disposed here. */
  flow?: FlowEstimator;
  flowParams?: FarnebackParams;
}

/**
 * The window rendered as `collectStudentFrames` would cut a video of it: smoothed crop boxes from
 * the 2D track (computeCropBoxes), each frame's crop and the previous frame rendered at the SAME
 * box, Farnebäck flow between them, packed by packStudentFrame (mask: the track's skeleton, as
 * for video).
 */
export async function renderWindowFrames(w: MocapWindow, o: RenderWindowOptions): Promise<StudentFrames> {
  checkInputSpec(o.spec);
  const rows = w.poses.length / (K * 3);
  if (!Number.isInteger(rows) || rows < 1)
    throw new KinemaError(
      'BAD_POSE',
      `The window's poses must be frames × 17 joints × 3 numbers, got ${w.poses.length} numbers.`,
    );
  const cams = Array.isArray(w.camera) ? (w.camera as readonly PinholeCamera[]) : null;
  if (cams && cams.length !== rows)
    throw new KinemaError('BAD_OPTIONS', `The window has ${rows} poses but ${cams.length} cameras.`);
  const cameraAt = (f: number): PinholeCamera => (cams ? cams[f] : (w.camera as PinholeCamera));
  if (w.track.frames.length && (w.track.frames[0] < 0 || w.track.frames[w.track.frames.length - 1] >= rows))
    throw new KinemaError(
      'BAD_POSE',
      `The track's frames ${w.track.frames[0]}-${w.track.frames[w.track.frames.length - 1]} fall outside the window's ${rows} poses.`,
    );
  const poseAt = (f: number): ArrayLike<number> => {
    const p = Array.prototype.slice.call(w.poses, f * K * 3, (f + 1) * K * 3) as number[];
    checkWorldPose(p, `The pose of frame ${f}`);
    return p;
  };
  if (w.previousPose) checkWorldPose(w.previousPose, 'The previous pose');
  const cam0 = cameraAt(0);
  const boxes = w.track.frames.length
    ? computeCropBoxes(w.track, { ...o.box, frameWidth: cam0.width, frameHeight: cam0.height, fps: w.fps })
    : [];
  if (!boxes.length)
    throw new KinemaError(
      'NO_POSES',
      `Track ${w.track.trackId} has no pose in the window to cut a crop around.`,
    );
  const spec = o.spec;
  const S = spec.cropSize;
  const A = appearanceChannels(spec.appearance);
  const flow = o.flow ?? (await FlowEstimator.open(o.flowParams));
  const per = frameBytes(spec);
  const data = new Uint8Array(boxes.length * per);
  const frames = new Int32Array(boxes.length);
  const bridged = new Uint8Array(boxes.length);
  const appearance = new Uint8Array(S * S * A);
  try {
    boxes.forEach((box, n) => {
      const f = box.frame;
      const pose = poseAt(f);
      const render = { ...o.render, seed: o.seed };
      const crop = renderPoseCrop(pose, cameraAt(f), box, S, { ...render, frameSeed: 2 * f + 1 });
      // As for video: with no frame before the first, its prev crop is the crop itself (no flow).
      const prevPose = f > 0 ? poseAt(f - 1) : w.previousPose;
      const prev = prevPose
        ? renderPoseCrop(prevPose, cameraAt(Math.max(0, f - 1)), box, S, { ...render, frameSeed: 2 * f })
        : crop;
      const field = flow.compute(prev.grey, crop.grey, S, S);
      if (A === 1) appearance.set(crop.grey);
      else for (let i = 0; i < S * S; i++) appearance.fill(crop.grey[i], i * 3, i * 3 + 3);
      let mask: Uint8Array | null = null;
      if (spec.mask) {
        const kps = keypointsForCrop(w.track, f);
        mask = kps ? skeletonMask(kps, w.track.skeletonId, box, S) : new Uint8Array(S * S);
      }
      packStudentFrame(spec, data, n, appearance, field, mask);
      frames[n] = f;
      bridged[n] = box.bridged ? 1 : 0;
    });
  } finally {
    if (!o.flow) flow.dispose();
  }
  return { spec, frames, bridged, data };
}
