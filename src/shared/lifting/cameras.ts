/**
 * Virtual pinhole cameras around a mocap subject, and projection of world points into them.
 *
 * Conventions (as Human3.6M and VideoPose3D):
 *   - world: Kinema world, metres, right-handed, Z up (see mocap/types.ts);
 *   - camera space: metres, x to the image's right, y down the image, z forward (away from the
 *     camera), so a point in front of the camera has z > 0;
 *   - pixels: continuous image coordinates, (0, 0) the top-left corner of the top-left pixel, x
 *     right, y down; the image spans [0, width] × [0, height].
 * Projection: x' = X/Z, y' = Y/Z, r² = x'² + y'², d = 1 + k1·r² + k2·r⁴ (Brown-Conrady radial
 * distortion, no tangential terms), u = fx·d·x' + cx, v = fy·d·y' + cy.
 */
import type { Rng } from './rng';

export type Vec3 = [number, number, number];

export interface PinholeCamera {
  /** Image size in pixels. */
  readonly width: number;
  readonly height: number;
  /** Focal lengths in pixels. */
  readonly fx: number;
  readonly fy: number;
  /** Principal point in pixels. */
  readonly cx: number;
  readonly cy: number;
  /** Radial distortion coefficients (0 for an ideal pinhole). */
  readonly k1: number;
  readonly k2: number;
  /**
   * World → camera rotation, row-major 3×3: its rows are the camera's x (right), y (down) and z
   * (forward) axes written in world coordinates.
   */
  readonly rotation: readonly number[];
  /** Camera centre in world coordinates, metres. */
  readonly centre: Vec3;
}

export interface Intrinsics {
  width: number;
  height: number;
  fx: number;
  fy?: number;
  cx?: number;
  cy?: number;
  k1?: number;
  k2?: number;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
const unit = (a: Vec3): Vec3 => {
  const n = norm(a);
  if (!(n > 0)) throw new Error('cameras: zero-length direction');
  return [a[0] / n, a[1] / n, a[2] / n];
};

/**
 * World → camera rotation of a camera at `position` looking at `target`, with the world's Z axis
 * up in the image, then rolled by `rollRad` about the viewing axis (positive = clockwise on screen).
 * Looking straight up or down (forward parallel to Z) is refused: the image's up is undefined.
 */
export function lookAtRotation(position: Vec3, target: Vec3, rollRad = 0): number[] {
  const fwd = unit(sub(target, position));
  const side = cross(fwd, [0, 0, 1]);
  if (norm(side) < 1e-6) throw new Error('cameras: a camera looking straight up or down has no image "up"');
  const right0 = unit(side);
  const down0 = cross(fwd, right0);
  const c = Math.cos(rollRad);
  const s = Math.sin(rollRad);
  const right: Vec3 = [
    c * right0[0] + s * down0[0],
    c * right0[1] + s * down0[1],
    c * right0[2] + s * down0[2],
  ];
  const down: Vec3 = [
    -s * right0[0] + c * down0[0],
    -s * right0[1] + c * down0[1],
    -s * right0[2] + c * down0[2],
  ];
  return [...right, ...down, ...fwd];
}

/** A camera at `position` looking at `target` (see lookAtRotation), with these intrinsics. */
export function lookAtCamera(
  position: Vec3,
  target: Vec3,
  intrinsics: Intrinsics,
  rollRad = 0,
): PinholeCamera {
  const { width, height, fx } = intrinsics;
  if (!(width > 0 && height > 0)) throw new Error(`cameras: image size ${width}×${height} must be positive`);
  if (!(fx > 0)) throw new Error(`cameras: focal length ${fx} px must be positive`);
  return {
    width,
    height,
    fx,
    fy: intrinsics.fy ?? fx,
    cx: intrinsics.cx ?? width / 2,
    cy: intrinsics.cy ?? height / 2,
    k1: intrinsics.k1 ?? 0,
    k2: intrinsics.k2 ?? 0,
    rotation: lookAtRotation(position, target, rollRad),
    centre: [...position],
  };
}

/** Smallest depth a point is projected at: points at or behind the camera are clamped here. */
export const MIN_DEPTH_M = 0.05;

export interface Projection {
  /** N × 2 pixel coordinates. */
  readonly pixels: Float32Array;
  /** N × 3 camera-space coordinates, metres. */
  readonly cameraM: Float32Array;
  /** Points whose depth was below MIN_DEPTH_M (projected as if at MIN_DEPTH_M). */
  readonly behind: number;
}

/**
 * Projects world points (N × 3, metres) into one camera, or into one camera per frame when
 * `camera` is an array (points are then frames × joints × 3 and `camera.length` the frame count,
 * as for a panning camera).
 */
export function projectPoints(
  camera: PinholeCamera | readonly PinholeCamera[],
  worldM: ArrayLike<number>,
): Projection {
  if (worldM.length % 3 !== 0)
    throw new Error(`projectPoints: ${worldM.length} numbers is not a list of 3D points`);
  const n = worldM.length / 3;
  const cams = Array.isArray(camera) ? (camera as readonly PinholeCamera[]) : null;
  if (cams && (cams.length === 0 || n % cams.length !== 0)) {
    throw new Error(`projectPoints: ${n} points cannot be split into ${cams.length} frames`);
  }
  const perFrame = cams ? n / cams.length : n;
  const pixels = new Float32Array(n * 2);
  const cameraM = new Float32Array(n * 3);
  let behind = 0;
  for (let i = 0; i < n; i++) {
    const cam = cams ? cams[Math.floor(i / perFrame)] : (camera as PinholeCamera);
    const r = cam.rotation;
    const px = worldM[i * 3] - cam.centre[0];
    const py = worldM[i * 3 + 1] - cam.centre[1];
    const pz = worldM[i * 3 + 2] - cam.centre[2];
    const X = r[0] * px + r[1] * py + r[2] * pz;
    const Y = r[3] * px + r[4] * py + r[5] * pz;
    let Z = r[6] * px + r[7] * py + r[8] * pz;
    cameraM[i * 3] = X;
    cameraM[i * 3 + 1] = Y;
    cameraM[i * 3 + 2] = Z;
    if (Z < MIN_DEPTH_M) {
      behind++;
      Z = MIN_DEPTH_M;
    }
    const x = X / Z;
    const y = Y / Z;
    const r2 = x * x + y * y;
    const d = 1 + cam.k1 * r2 + cam.k2 * r2 * r2;
    pixels[i * 2] = cam.fx * d * x + cam.cx;
    pixels[i * 2 + 1] = cam.fy * d * y + cam.cy;
  }
  return { pixels, cameraM, behind };
}

/** Where the virtual cameras of training data may be. Angles in degrees, lengths in metres. */
export interface VirtualCameraOptions {
  /** Azimuth around the subject (0 = world +X), uniform in [lo, hi). */
  azimuthDeg: [number, number];
  /** Elevation of the camera above the aim point, uniform in [lo, hi) (negative = from below). */
  elevationDeg: [number, number];
  /** Distance from the aim point, log-uniform in [lo, hi). */
  distanceM: [number, number];
  /** Focal length as a multiple of the image width, log-uniform (0.8 ≈ phone wide, 2+ = zoom). */
  focalOverWidth: [number, number];
  /** Image sizes (width, height) drawn uniformly: landscape, portrait, square. */
  imageSizes: readonly (readonly [number, number])[];
  /** Principal point offset from the image centre, uniform up to ± this fraction of the size. */
  principalJitter: number;
  /** Camera roll, uniform in ± this many degrees. */
  maxRollDeg: number;
  /** The aim point is moved by a Gaussian of this standard deviation (metres) per axis. */
  aimJitterM: number;
  /** Probability that the lens has radial distortion, and the ranges of k1 and k2 then. */
  distortion: { probability: number; k1: [number, number]; k2: [number, number] };
  /** Probability that the camera pans to follow the subject (else it stays fixed over a window). */
  panProbability: number;
}

/**
 * Defaults cover sports footage: tripod or hand-held cameras 2.5-15 m away, from slightly below
 * to well above the subject, phone-wide to moderate zoom, and a third of them panning.
 */
export const DEFAULT_CAMERA_OPTIONS: VirtualCameraOptions = {
  azimuthDeg: [0, 360],
  elevationDeg: [-10, 35],
  distanceM: [2.5, 15],
  focalOverWidth: [0.6, 2.5],
  imageSizes: [
    [1920, 1080],
    [1280, 720],
    [1080, 1920],
    [1000, 1000],
  ],
  principalJitter: 0.02,
  maxRollDeg: 5,
  aimJitterM: 0.25,
  distortion: { probability: 0.3, k1: [-0.25, 0.1], k2: [-0.05, 0.05] },
  panProbability: 0.35,
};

const DEG = Math.PI / 180;

/** Intrinsics drawn from the options (the lens, without a pose). */
export function randomIntrinsics(rng: Rng, o: VirtualCameraOptions = DEFAULT_CAMERA_OPTIONS): Intrinsics {
  if (o.imageSizes.length === 0) throw new Error('Virtual cameras: imageSizes is empty');
  const [width, height] = o.imageSizes[rng.int(o.imageSizes.length)];
  const f = rng.logUniform(o.focalOverWidth[0], o.focalOverWidth[1]) * width;
  const distorted = rng.chance(o.distortion.probability);
  return {
    width,
    height,
    fx: f,
    fy: f,
    cx: width * (0.5 + rng.uniform(-o.principalJitter, o.principalJitter)),
    cy: height * (0.5 + rng.uniform(-o.principalJitter, o.principalJitter)),
    k1: distorted ? rng.uniform(o.distortion.k1[0], o.distortion.k1[1]) : 0,
    k2: distorted ? rng.uniform(o.distortion.k2[0], o.distortion.k2[1]) : 0,
  };
}

/**
 * Cameras watching a subject over a window of frames: `rootM` is the subject's root (pelvis)
 * trajectory, frames × 3, world metres. The camera stands at a random azimuth, elevation and
 * distance from the root at the window's middle frame; it either stays aimed at that point
 * (static) or turns to follow the root (panning). Its position is pushed back until every frame's
 * root is at least 1.5 m in front of it. Returns one camera per frame.
 */
export function randomWindowCameras(
  rng: Rng,
  rootM: ArrayLike<number>,
  options: VirtualCameraOptions = DEFAULT_CAMERA_OPTIONS,
): PinholeCamera[] {
  const frames = rootM.length / 3;
  if (!Number.isInteger(frames) || frames < 1) throw new Error('randomWindowCameras: empty root trajectory');
  const root = (t: number): Vec3 => [rootM[t * 3], rootM[t * 3 + 1], rootM[t * 3 + 2]];
  const mid = root(frames >> 1);
  const aim: Vec3 = [
    mid[0] + options.aimJitterM * rng.normal(),
    mid[1] + options.aimJitterM * rng.normal(),
    mid[2] + options.aimJitterM * rng.normal(),
  ];
  const az = rng.uniform(options.azimuthDeg[0], options.azimuthDeg[1]) * DEG;
  const el = rng.uniform(options.elevationDeg[0], options.elevationDeg[1]) * DEG;
  let dist = rng.logUniform(options.distanceM[0], options.distanceM[1]);
  const dir: Vec3 = [Math.cos(el) * Math.cos(az), Math.cos(el) * Math.sin(az), Math.sin(el)];
  const intr = randomIntrinsics(rng, options);
  const roll = rng.uniform(-options.maxRollDeg, options.maxRollDeg) * DEG;
  const pan = rng.chance(options.panProbability);
  let position: Vec3 = [aim[0], aim[1], aim[2]];
  for (let tries = 0; tries < 20; tries++) {
    position = [aim[0] + dist * dir[0], aim[1] + dist * dir[1], aim[2] + dist * dir[2]];
    // Depth of each root along the static viewing direction (−dir).
    let minDepth = Infinity;
    for (let t = 0; t < frames; t++) {
      const r = root(t);
      const depth = -(
        (r[0] - position[0]) * dir[0] +
        (r[1] - position[1]) * dir[1] +
        (r[2] - position[2]) * dir[2]
      );
      minDepth = Math.min(
        minDepth,
        pan ? Math.hypot(r[0] - position[0], r[1] - position[1], r[2] - position[2]) : depth,
      );
    }
    if (minDepth >= 1.5) break;
    dist += 1.5 - minDepth + 0.5;
  }
  if (!pan) {
    const cam = lookAtCamera(position, aim, intr, roll);
    return Array.from({ length: frames }, () => cam);
  }
  const offset = sub(aim, mid);
  return Array.from({ length: frames }, (_, t) => {
    const r = root(t);
    return lookAtCamera(position, [r[0] + offset[0], r[1] + offset[1], r[2] + offset[2]], intr, roll);
  });
}
