/**
 * Small synthetic mocap files for lifter training tests: BVH takes of a generic Hips rig
 * (MotionBuilder/Mixamo names, centimetres, Y up) that walk or jump, a TRC of joint centres made
 * from such a take, and broken files (a BVH hierarchy that never closes, a TRC without knees).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTrc } from '../../src/main/formats/mocap/trc';
import { importBvh, mapToTarget } from '../../src/shared/mocap';
import { rigBvh, type JointSpec } from '../unit/mocap/synthetic-rig';

const left: JointSpec[] = [
  ['LeftUpLeg', 'Hips', [9, -5, 0]],
  ['LeftLeg', 'LeftUpLeg', [0, -42, 0]],
  ['LeftFoot', 'LeftLeg', [0, -42, 0], [0, -5, 14]],
  ['LeftArm', 'Spine1', [16, 18, 0]],
  ['LeftForeArm', 'LeftArm', [28, 0, 0]],
  ['LeftHand', 'LeftForeArm', [24, 0, 0], [8, 0, 0]],
];
const right = left.map(
  ([n, p, o, e]) =>
    [
      n.replace('Left', 'Right'),
      p!.replace('Left', 'Right'),
      [-o[0], o[1], o[2]],
      e ? [-e[0], e[1], e[2]] : undefined,
    ] as JointSpec,
);

/** The rig: Hips → Spine → Spine1 → Neck → Head (+ End Site), legs from Hips, arms from Spine1. */
export const HIPS_RIG: JointSpec[] = [
  ['Hips', null, [0, 0, 0]],
  ['Spine', 'Hips', [0, 12, 0]],
  ['Spine1', 'Spine', [0, 20, 0]],
  ['Neck', 'Spine1', [0, 22, 0]],
  ['Head', 'Neck', [0, 10, 0], [0, 18, 0]],
  ...left,
  ...right,
];

export type MotionKind = 'walk' | 'jump';

export interface TakeOptions {
  motion: MotionKind;
  frames: number;
  /** Cycles per second. */
  rate?: number;
  /** Heading change over the take, degrees. */
  turn?: number;
  /** Amplitude scale (1 = a normal stride or jump). */
  scale?: number;
}

/** Per-frame channel rows of a take (root position cm, then Z X Y rotations, degrees). */
export function takeRows(o: TakeOptions): number[][] {
  const fps = 120;
  const amp = o.scale ?? 1;
  const hz = o.rate ?? (o.motion === 'walk' ? 1 : 1.5);
  // Channels follow the hierarchy's depth-first order, as rigBvh writes the joints.
  const names: string[] = [];
  const visit = (parent: string | null): void => {
    for (const j of HIPS_RIG.filter((q) => q[1] === parent)) {
      names.push(j[0]);
      visit(j[0]);
    }
  };
  visit(null);
  return Array.from({ length: o.frames }, (_, t) => {
    const ph = 2 * Math.PI * hz * (t / fps);
    const s = Math.sin(ph);
    const heading = ((o.turn ?? 0) * t) / o.frames;
    const rot: Record<string, [number, number, number]> = {};
    const set = (n: string, z: number, x: number, y = 0) => (rot[n] = [z, x, y]);
    let rootY = 95;
    if (o.motion === 'walk') {
      set('LeftUpLeg', 0, -28 * amp * s);
      set('RightUpLeg', 0, 28 * amp * s);
      set('LeftLeg', 0, 35 * amp * Math.max(0, Math.sin(ph + 1)));
      set('RightLeg', 0, 35 * amp * Math.max(0, -Math.sin(ph + 1)));
      set('LeftArm', -75, 25 * amp * s);
      set('RightArm', 75, -25 * amp * s);
      set('LeftForeArm', 0, 0, -20);
      set('RightForeArm', 0, 0, 20);
      set('Spine1', 0, 4, 8 * s);
      rootY += 2 * Math.cos(2 * ph);
    } else {
      const crouch = amp * (0.5 - 0.5 * Math.cos(ph));
      set('LeftUpLeg', 0, -60 * crouch);
      set('RightUpLeg', 0, -60 * crouch);
      set('LeftLeg', 0, 100 * crouch);
      set('RightLeg', 0, 100 * crouch);
      set('LeftFoot', 0, -40 * crouch);
      set('RightFoot', 0, -40 * crouch);
      set('LeftArm', -80 + 150 * crouch, 20 * crouch);
      set('RightArm', 80 - 150 * crouch, 20 * crouch);
      set('Spine', 0, 25 * crouch);
      rootY += -30 * crouch + 25 * amp * Math.max(0, Math.sin(ph - 1.2));
    }
    const forward = o.motion === 'walk' ? 120 * amp * (t / fps) : 0;
    const h = (heading * Math.PI) / 180;
    const row = [forward * Math.sin(h), rootY, forward * Math.cos(h)];
    for (const n of names) {
      const r = rot[n] ?? [0, 0, 0];
      row.push(r[0], r[1], n === 'Hips' ? r[2] + heading : r[2]);
    }
    return row;
  });
}

/** BVH text of a synthetic take. */
export function syntheticBvh(o: TakeOptions): string {
  return rigBvh(HIPS_RIG, takeRows(o));
}

export function writeText(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A BVH whose hierarchy never closes (a truncated export). */
export function brokenBvh(): string {
  const good = syntheticBvh({ motion: 'walk', frames: 10 });
  const cut = good.indexOf('JOINT LeftUpLeg');
  return `${good.slice(0, cut)}JOINT LeftUpLeg\n{\nOFFSET 9 -5 0\nCHANNELS 3 Zrotation Xrotation Yrotation\nMOTION\nFrames: 1\nFrame Time: 0.01\n0 0 0\n`;
}

/**
 * A TRC (Y up, mm, 120 Hz) of the joint centres of a synthetic take, named like OpenSim / Pose2Sim
 * keypoints; `drop` leaves markers out (e.g. ['LKnee'] for a file that cannot be used).
 */
export function jointCentreTrc(o: TakeOptions, drop: readonly string[] = []): string {
  const take = importBvh(syntheticBvh(o), { dropLeading: 0 }).take;
  const h = mapToTarget(take, 'h36m17');
  const c = mapToTarget(take, 'coco17-feet');
  const pick: [string, 'h' | 'c', string][] = [
    ['LHip', 'h', 'left_hip'],
    ['RHip', 'h', 'right_hip'],
    ['LKnee', 'h', 'left_knee'],
    ['RKnee', 'h', 'right_knee'],
    ['LAnkle', 'h', 'left_foot'],
    ['RAnkle', 'h', 'right_foot'],
    ['LShoulder', 'h', 'left_shoulder'],
    ['RShoulder', 'h', 'right_shoulder'],
    ['LElbow', 'h', 'left_elbow'],
    ['RElbow', 'h', 'right_elbow'],
    ['LWrist', 'h', 'left_wrist'],
    ['RWrist', 'h', 'right_wrist'],
    ['Neck', 'h', 'thorax'],
    ['Head', 'h', 'head'],
    ['Nose', 'c', 'nose'],
    ['LEar', 'c', 'left_ear'],
    ['REar', 'c', 'right_ear'],
    ['LBigToe', 'c', 'left_big_toe'],
    ['RBigToe', 'c', 'right_big_toe'],
  ];
  const kept = pick.filter(([n]) => !drop.includes(n));
  const T = take.frameCount;
  const positions = new Float64Array(T * kept.length * 3);
  kept.forEach(([, src, joint], m) => {
    const map = src === 'h' ? h : c;
    const j = map.jointNames.indexOf(joint);
    if (j < 0) throw new Error(`no joint ${joint}`);
    const K = map.jointNames.length;
    for (let t = 0; t < T; t++) {
      const p = map.positionsM.subarray((t * K + j) * 3, (t * K + j) * 3 + 3);
      // Kinema world (Z up) → OpenSim's Y up: (x, y, z) → (x, z, −y).
      positions.set([p[0], p[2], -p[1]], (t * kept.length + m) * 3);
    }
  });
  return formatTrc(
    {
      rate: take.rate,
      cameraRate: take.rate,
      units: 'mm',
      markers: kept.map((k) => k[0]),
      frameNumbers: Int32Array.from({ length: T }, (_, t) => t + 1),
      times: Float64Array.from({ length: T }, (_, t) => t / take.rate),
      positions,
    },
    'synthetic.trc',
  );
}
