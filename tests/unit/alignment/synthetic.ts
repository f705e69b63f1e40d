/**
 * Synthetic data for the alignment tests: seeded random numbers, smooth multi-dimensional
 * signals, a brute-force DTW to check against, and an animated 3D stick figure (COCO-17 and
 * H36M-17 layouts) seen by a pinhole camera.
 */
import { buildTrack, type PoseTrack } from '../../../src/shared/pose';
import { COCO17_JOINTS } from '../../../src/shared/skeletons/coco17';
import { H36M17_JOINTS } from '../../../src/shared/skeletons/h36m17';

/** Deterministic PRNG (mulberry32) with a Gaussian helper. */
export function rng(seed: number): { uniform: () => number; normal: () => number } {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

export function randomFrames(rows: number, dim: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * dim }, () => r.normal());
}

/** A smooth, non-repeating signal of `dim` channels sampled at phases u ∈ [0, 1]. */
export function signalAt(phases: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(phases.length * dim);
  for (let i = 0; i < phases.length; i++) {
    const u = phases[i];
    for (let k = 0; k < dim; k++) {
      out[i * dim + k] =
        Math.sin(2 * Math.PI * (0.6 + 0.35 * k) * u + k) + 0.5 * Math.cos(5.3 * u * (k + 1)) + u * (k % 3);
    }
  }
  return out;
}

export const linspace = (n: number) =>
  Float64Array.from({ length: n }, (_, i) => (n === 1 ? 0 : i / (n - 1)));

/** A smooth monotone warp of [0, 1] onto itself. */
export const warp = (u: number) => u + 0.15 * Math.sin(Math.PI * u) * Math.cos(0.5 * Math.PI * u);

export type Step = 0 | 1 | 2;

/**
 * Brute-force symmetric2 DTW over a full cost matrix (cells outside `allowed` are +∞), with the
 * same tie order as the implementation (diagonal, then up, then left).
 */
export function bruteDtw(
  cost: (i: number, j: number) => number,
  n: number,
  m: number,
  allowed: (i: number, j: number) => boolean = () => true,
): { cost: number; path: [number, number][] } {
  const D = Array.from({ length: n }, () => new Array<number>(m).fill(Infinity));
  const S = Array.from({ length: n }, () => new Array<Step>(m).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (!allowed(i, j)) continue;
      const c = cost(i, j);
      if (i === 0 && j === 0) {
        D[0][0] = 2 * c;
        continue;
      }
      let best = i > 0 && j > 0 ? D[i - 1][j - 1] + 2 * c : Infinity;
      let step: Step = 0;
      const up = i > 0 ? D[i - 1][j] + c : Infinity;
      if (up < best) {
        best = up;
        step = 1;
      }
      const left = j > 0 ? D[i][j - 1] + c : Infinity;
      if (left < best) {
        best = left;
        step = 2;
      }
      D[i][j] = best;
      S[i][j] = step;
    }
  }
  const path: [number, number][] = [[n - 1, m - 1]];
  let i = n - 1;
  let j = m - 1;
  while (i > 0 || j > 0) {
    const s = i === 0 ? 2 : j === 0 ? 1 : S[i][j];
    if (s === 0) {
      i--;
      j--;
    } else if (s === 1) i--;
    else j--;
    path.push([i, j]);
  }
  return { cost: D[n - 1][m - 1], path: path.reverse() };
}

// --- A stick figure -------------------------------------------------------------------------

type V3 = [number, number, number];

/**
 * 3D joints (metres, y up, z forward) of a figure doing one non-repeating movement at phase
 * u ∈ [0, 1]: a squat and stand, arms raised one after the other, a forward lean.
 */
export function figureAt(u: number): Record<string, V3> {
  const bend = Math.sin(Math.PI * u) ** 2; // knees: 0 → bent → 0
  const knee = 1.1 * bend;
  const lean = 0.5 * bend;
  const armL = 2.4 * Math.min(1, u * 1.6);
  const armR = 2.4 * Math.max(0, Math.min(1, (u - 0.35) * 1.6));
  const elbow = 0.8 * Math.sin(Math.PI * u);
  const pelvisY = 0.45 * Math.cos(knee / 2) + 0.45 * Math.cos(knee / 2);
  const P: Record<string, V3> = {};
  const add = (a: V3, b: V3): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
  const pelvis: V3 = [0, pelvisY, 0];
  for (const [side, sx] of [
    ['left', 1],
    ['right', -1],
  ] as const) {
    const hip = add(pelvis, [0.1 * sx, 0, 0]);
    const kneeP = add(hip, [0, -0.45 * Math.cos(knee / 2), 0.45 * Math.sin(knee / 2)]);
    P[`${side}_hip`] = hip;
    P[`${side}_knee`] = kneeP;
    P[`${side}_ankle`] = add(kneeP, [0, -0.45 * Math.cos(knee / 2), -0.45 * Math.sin(knee / 2)]);
  }
  const top = add(pelvis, [0, 0.5 * Math.cos(lean), 0.5 * Math.sin(lean)]);
  for (const [side, sx, arm] of [
    ['left', 1, armL],
    ['right', -1, armR],
  ] as const) {
    const sh = add(top, [0.18 * sx, 0, 0]);
    const el = add(sh, [0.3 * sx * Math.sin(arm), -0.3 * Math.cos(arm), 0.05]);
    const a2 = arm + elbow;
    P[`${side}_shoulder`] = sh;
    P[`${side}_elbow`] = el;
    P[`${side}_wrist`] = add(el, [0.27 * sx * Math.sin(a2), -0.27 * Math.cos(a2), 0.1 * elbow]);
  }
  const head = add(top, [0, 0.22 * Math.cos(lean), 0.22 * Math.sin(lean)]);
  P.nose = add(head, [0, 0, 0.1]);
  P.left_eye = add(head, [0.03, 0.03, 0.08]);
  P.right_eye = add(head, [-0.03, 0.03, 0.08]);
  P.left_ear = add(head, [0.07, 0.01, 0]);
  P.right_ear = add(head, [-0.07, 0.01, 0]);
  // H36M names
  P.pelvis = pelvis;
  P.spine = add(pelvis, [0, 0.25 * Math.cos(lean), 0.25 * Math.sin(lean)]);
  P.thorax = top;
  P.neck_nose = add(top, [0, 0.1 * Math.cos(lean), 0.1 * Math.sin(lean) + 0.05]);
  P.head = add(head, [0, 0.08, 0]);
  P.left_foot = P.left_ankle;
  P.right_foot = P.right_ankle;
  return P;
}

/** Rotation about the vertical (y) axis. */
export function rotateY(p: V3, yaw: number): V3 {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return [c * p[0] + s * p[2], p[1], -s * p[0] + c * p[2]];
}

/** H36M-17 joints [T, 17, 3] of the figure at the given phases, turned by `yaw`. */
export function figure3d(phases: ArrayLike<number>, yaw = 0, shift: V3 = [0, 0, 0], scale = 1): Float32Array {
  const out = new Float32Array(phases.length * 17 * 3);
  for (let t = 0; t < phases.length; t++) {
    const P = figureAt(phases[t]);
    H36M17_JOINTS.forEach((name, j) => {
      const q = rotateY(P[name], yaw);
      for (let c = 0; c < 3; c++) out[(t * 17 + j) * 3 + c] = q[c] * scale + shift[c];
    });
  }
  return out;
}

export interface CameraView {
  yaw?: number;
  /** Camera distance (m) and focal length (px). */
  distance?: number;
  focal?: number;
  cx?: number;
  cy?: number;
  /** Pixel noise (std) and seed. */
  noise?: number;
  seed?: number;
}

/** A COCO-17 track of the figure at the given phases as a pinhole camera sees it. */
export function figureTrack(phases: ArrayLike<number>, view: CameraView = {}, frames?: number[]): PoseTrack {
  const { yaw = 0, distance = 5, focal = 1000, cx = 640, cy = 360, noise = 0, seed = 1 } = view;
  const r = rng(seed);
  const rows = Array.from(phases, (u, t) => {
    const P = figureAt(u);
    const kp: number[] = [];
    for (const name of COCO17_JOINTS) {
      const q = rotateY(P[name], yaw);
      const z = distance - q[2];
      kp.push(
        cx + (focal * q[0]) / z + noise * r.normal(),
        cy - (focal * (q[1] - 0.9)) / z + noise * r.normal(),
        0.9,
      );
    }
    return { frame: frames ? frames[t] : t, keypoints: kp, box: [0, 0, 1, 1], score: 0.9 };
  });
  return buildTrack(0, 'coco17', rows);
}
