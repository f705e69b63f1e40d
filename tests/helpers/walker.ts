/**
 * A synthetic side-view walker (COCO-17, image y down) whose joint angles are known by
 * construction: thigh angle from the downward vertical and knee flexion are smooth functions of
 * time, so tests can compare computed angles, alignments and coaching findings with the truth.
 */
import type { PoseRow } from '../../src/shared/pose';
import { COCO17_JOINTS } from '../../src/shared/skeletons';

export type Side = 'left' | 'right';
const J = (name: string) => (COCO17_JOINTS as readonly string[]).indexOf(name);
const rad = (deg: number) => (deg * Math.PI) / 180;

export interface Walker {
  /** Seconds per stride. */
  stride: number;
  /** Knee flexion (degrees) at time t (s). */
  knee(t: number, side: Side): number;
  /** Thigh angle from the downward vertical, forward positive (degrees). */
  thigh(t: number, side: Side): number;
}

export function walker(stride = 1.1): Walker {
  const phase = (t: number, side: Side) => (2 * Math.PI * t) / stride + (side === 'left' ? Math.PI : 0);
  return {
    stride,
    knee: (t, side) => 32 + 25 * Math.sin(phase(t, side) + 1),
    thigh: (t, side) => 22 * Math.sin(phase(t, side)),
  };
}

export interface WalkerPoseOptions {
  /** 1: walking right; −1: walking left. */
  dir?: 1 | -1;
  /** Hip position (px). */
  hipX: number;
  hipY?: number;
  /** Extra knee flexion (degrees) added on top of the walker's. */
  kneeExtra?: (side: Side) => number;
  /** Keypoints scored this (below 0.3 = missing), per joint name. */
  score?: (joint: string) => number;
}

/** COCO-17 keypoints (x, y, score) of the walker at time t. */
export function walkerPose(w: Walker, t: number, o: WalkerPoseOptions): Float32Array {
  const dir = o.dir ?? 1;
  const hipX = o.hipX;
  const hipY = o.hipY ?? 420;
  const L = 110;
  const kp = new Float32Array(17 * 3);
  const set = (name: string, x: number, y: number) => kp.set([x, y, o.score?.(name) ?? 0.9], J(name) * 3);
  for (const side of ['left', 'right'] as const) {
    const a = rad(w.thigh(t, side));
    const kx = hipX + dir * L * Math.sin(a);
    const ky = hipY + L * Math.cos(a);
    const s = a - rad(w.knee(t, side) + (o.kneeExtra?.(side) ?? 0));
    set(`${side}_hip`, hipX, hipY);
    set(`${side}_knee`, kx, ky);
    set(`${side}_ankle`, kx + dir * L * Math.sin(s), ky + L * Math.cos(s));
    set(`${side}_shoulder`, hipX, hipY - 150);
    set(`${side}_elbow`, hipX + dir * 10, hipY - 80);
    set(`${side}_wrist`, hipX + dir * 25, hipY - 20);
    set(`${side}_ear`, hipX - dir * 2, hipY - 190);
    set(`${side}_eye`, hipX + dir * 10, hipY - 195);
  }
  set('nose', hipX + dir * 18, hipY - 188);
  return kp;
}

/** Rows of a walk of `frames` frames at `fps`, moving 120 px/s; `gap` frames lose the right ankle. */
export function walkerRows(
  w: Walker,
  o: { frames: number; fps: number; dir?: 1 | -1; gap?: readonly number[] },
): PoseRow[] {
  const dir = o.dir ?? 1;
  const rows: PoseRow[] = [];
  for (let f = 0; f < o.frames; f++) {
    const t = f / o.fps;
    const hipX = 640 + dir * (-250 + 120 * t);
    const kp = walkerPose(w, t, {
      dir,
      hipX,
      score: (j) => (j === 'right_ankle' && o.gap?.includes(f) ? 0.05 : 0.9),
    });
    rows.push({ frame: f, keypoints: kp, box: [hipX - 60, 210, 120, 430], score: 0.9 });
  }
  return rows;
}

export interface WalkPair {
  fps: number;
  reference: PoseRow[];
  learner: PoseRow[];
  /** Reference time (s) the learner shows at learner motion frame f (from `lead`). */
  warp(f: number): number;
  /** First learner frame of the motion (still frames before it). */
  lead: number;
  /** Video frame of the reference's first pose. */
  referenceFirst: number;
  referenceFrames: number;
  learnerFrames: number;
}

/**
 * A reference walk (two strides) and a learner's: the same walker slowed down by a smooth known
 * time warp (21 % longer), with the left knee bent 12° more over the middle fifth of the motion,
 * after `lead` still frames.
 */
export function walkPair(
  o: {
    fps?: number;
    referenceFrames?: number;
    learnerFrames?: number;
    lead?: number;
    referenceFirst?: number;
  } = {},
): WalkPair {
  const fps = o.fps ?? 30;
  const refN = o.referenceFrames ?? 66;
  const learnN = o.learnerFrames ?? 80;
  const lead = o.lead ?? 20;
  const refFirst = o.referenceFirst ?? 100;
  const w = walker(1.1);
  const warp = (f: number) => {
    const s = f / (learnN - 1);
    const u = s - (0.06 * Math.sin(2 * Math.PI * s)) / (2 * Math.PI);
    return (u * (refN - 1)) / fps;
  };
  const bump = (tRef: number) => {
    const p = tRef / ((refN - 1) / fps);
    return p > 0.38 && p < 0.62 ? 12 * Math.sin((Math.PI * (p - 0.38)) / 0.24) ** 0.25 : 0;
  };
  const box = [0, 0, 1, 1];
  const reference = Array.from({ length: refN }, (_, f) => ({
    frame: refFirst + f,
    keypoints: walkerPose(w, f / fps, { hipX: 300 + 4 * f }),
    box,
    score: 0.9,
  }));
  const learner: PoseRow[] = [];
  for (let f = 0; f < lead; f++)
    learner.push({ frame: f, keypoints: walkerPose(w, 0, { hipX: 300 }), box, score: 0.9 });
  for (let f = 0; f < learnN; f++) {
    const t = warp(f);
    learner.push({
      frame: lead + f,
      keypoints: walkerPose(w, t, {
        hipX: 300 + 4 * t * fps,
        kneeExtra: (side) => (side === 'left' ? bump(t) : 0),
      }),
      box,
      score: 0.9,
    });
  }
  return {
    fps,
    reference,
    learner,
    warp,
    lead,
    referenceFirst: refFirst,
    referenceFrames: refN,
    learnerFrames: learnN,
  };
}
