/**
 * Source rigs of BVH mocap and how each one maps to Kinema's target skeletons (H36M-17 and
 * COCO-17 + feet).
 *
 * A rig is a table of the source joints that play each anatomical role (hips, knees, ankles,
 * toes, neck base, head, eyes, shoulders, elbows, wrists). Every target joint is then placed by one
 * rule shared by all rigs, so the targets mean the same thing whatever the source:
 *   - a copy of a source joint or End Site (knees, wrists, CC's toes…);
 *   - a weighted mix of source joints: pelvis = mid-hips, spine = ½ pelvis + ½ neck base
 *     (Human3.6M's 'Spine1' sits about half-way up the torso), thorax = neck base;
 *   - an APPROXIMATION: a fixed offset in metres in a head or foot frame built from source points,
 *     for the points no rig has (COCO nose/eyes/ears, H36M neck_nose, head top without an End
 *     Site, heels, big/small toes). The offsets are anatomical averages for an adult; expect errors
 *     of a few centimetres, more for children or unusual head shapes.
 * Targets a rig cannot supply (no toe point, say) come out as NaN and are listed as missing.
 *
 * Sides: `l…`/`Left…`/`L_` joints are the subject's left in every rig below (checked on the CMU
 * files: with the subject facing +Z in BVH Y-up, they lie at +X).
 */
import { COCO17_FEET_JOINTS } from '../skeletons/coco17-feet';
import { H36M17_JOINTS } from '../skeletons/h36m17';
import type { LengthUnit, MocapJointTake } from './types';

/** A source point: a joint name or an End Site `<joint>_end`; a list means "the first present". */
type PointName = string | readonly string[];
type Pair = readonly [left: PointName, right: PointName];

export interface RigBody {
  readonly hips: Pair;
  readonly knees: Pair;
  readonly ankles: Pair;
  /** Front of the foot (toe tip or End Site beyond the toes). */
  readonly toes?: Pair;
  readonly bigToes?: Pair;
  readonly smallToes?: Pair;
  readonly shoulders: Pair;
  readonly elbows: Pair;
  readonly wrists: Pair;
  /** Base of the neck, between the shoulders (H36M thorax). */
  readonly neckBase: PointName;
  /** The head joint (skull base / top of the neck). */
  readonly headBase: PointName;
  /** Top of the head (usually the head's End Site). */
  readonly headTop?: PointName;
  /** Eye joints, when the rig has them. */
  readonly eyes?: Pair;
  /** Angle of (eye midpoint − headBase) above the head's forward direction, degrees. */
  readonly eyeElevationDeg?: number;
}

export type RigId = 'cmu-daz' | 'cmu-mb' | 'cmu-asf' | 'cc-base' | 'hips-generic';

export interface RigDef {
  readonly id: RigId;
  readonly name: string;
  /** Joints that must all be present for the rig to be recognised. */
  readonly requires: readonly string[];
  /** Units of the rig's files, or null to guess from the skeleton's size. */
  readonly unit: LengthUnit | null;
  readonly body: RigBody;
  readonly notes: string;
}

const lr = (l: PointName, r: PointName): Pair => [l, r];

/** Most specific first: detection takes the first rig whose required joints are all present. */
export const RIGS: readonly RigDef[] = [
  {
    id: 'cc-base',
    name: 'Character Creator CC_Base rig (CMU conversion)',
    requires: [
      'CC_Base_Hip',
      'CC_Base_L_Thigh',
      'CC_Base_R_Thigh',
      'CC_Base_L_Calf',
      'CC_Base_L_Foot',
      'CC_Base_NeckTwist01',
      'CC_Base_Head',
      'CC_Base_L_Upperarm',
      'CC_Base_L_Forearm',
      'CC_Base_L_Hand',
    ],
    unit: 'cm',
    body: {
      hips: lr('CC_Base_L_Thigh', 'CC_Base_R_Thigh'),
      knees: lr('CC_Base_L_Calf', 'CC_Base_R_Calf'),
      ankles: lr('CC_Base_L_Foot', 'CC_Base_R_Foot'),
      toes: lr(['CC_Base_L_MidToe1', 'CC_Base_L_ToeBase'], ['CC_Base_R_MidToe1', 'CC_Base_R_ToeBase']),
      bigToes: lr('CC_Base_L_BigToe1', 'CC_Base_R_BigToe1'),
      smallToes: lr('CC_Base_L_PinkyToe1', 'CC_Base_R_PinkyToe1'),
      shoulders: lr('CC_Base_L_Upperarm', 'CC_Base_R_Upperarm'),
      elbows: lr('CC_Base_L_Forearm', 'CC_Base_R_Forearm'),
      wrists: lr('CC_Base_L_Hand', 'CC_Base_R_Hand'),
      neckBase: 'CC_Base_NeckTwist01',
      headBase: 'CC_Base_Head',
      eyes: lr('CC_Base_L_Eye', 'CC_Base_R_Eye'),
      eyeElevationDeg: 45,
    },
    notes: 'Centimetres, Y up. Some takes start with an added T-pose frame (dropped by the importer).',
  },
  {
    id: 'cmu-daz',
    name: 'CMU cgspeed "Daz-friendly" BVH (hip, abdomen, chest, lShldr…)',
    requires: [
      'hip',
      'abdomen',
      'chest',
      'neck',
      'head',
      'lThigh',
      'rThigh',
      'lShin',
      'rShin',
      'lFoot',
      'rFoot',
      'lShldr',
      'rShldr',
      'lForeArm',
      'rForeArm',
      'lHand',
      'rHand',
    ],
    unit: 'cm',
    body: {
      hips: lr('lThigh', 'rThigh'),
      knees: lr('lShin', 'rShin'),
      ankles: lr('lFoot', 'rFoot'),
      toes: lr('lFoot_end', 'rFoot_end'),
      shoulders: lr('lShldr', 'rShldr'),
      elbows: lr('lForeArm', 'rForeArm'),
      wrists: lr('lHand', 'rHand'),
      neckBase: 'neck',
      headBase: 'head',
      eyes: lr('leftEye', 'rightEye'),
      eyeElevationDeg: 45,
    },
    notes:
      'Centimetres (a 1.7 m subject spans ~236 units fingertip to toe). Frame 0 is a T-pose blended into the motion over the next few frames.',
  },
  {
    id: 'cmu-mb',
    name: 'CMU cgspeed "MotionBuilder-friendly" BVH (Hips, LHipJoint, LeftUpLeg…)',
    requires: [
      'Hips',
      'LHipJoint',
      'RHipJoint',
      'LeftUpLeg',
      'LeftLeg',
      'LeftFoot',
      'RightUpLeg',
      'RightLeg',
      'RightFoot',
      'LowerBack',
      'Neck',
      'Head',
      'LeftArm',
      'LeftForeArm',
      'LeftHand',
      'RightArm',
      'RightForeArm',
      'RightHand',
    ],
    unit: 'cmu-asf',
    body: {
      hips: lr('LeftUpLeg', 'RightUpLeg'),
      knees: lr('LeftLeg', 'RightLeg'),
      ankles: lr('LeftFoot', 'RightFoot'),
      toes: lr('LeftToeBase_end', 'RightToeBase_end'),
      shoulders: lr('LeftArm', 'RightArm'),
      elbows: lr('LeftForeArm', 'RightForeArm'),
      wrists: lr('LeftHand', 'RightHand'),
      neckBase: 'Neck',
      headBase: 'Head',
      headTop: 'Head_end',
    },
    notes: 'CMU ASF units (1/0.45 inch). Frame 0 is the ASF rest pose.',
  },
  {
    id: 'cmu-asf',
    name: 'CMU ASF joint names (hip, lfemur, ltibia, lhumerus…)',
    requires: [
      'hip',
      'lfemur',
      'rfemur',
      'ltibia',
      'rtibia',
      'lfoot',
      'rfoot',
      'lowerneck',
      'head',
      'lhumerus',
      'rhumerus',
      'lradius',
      'rradius',
      'lwrist',
      'rwrist',
    ],
    unit: 'cmu-asf',
    body: {
      hips: lr('lfemur', 'rfemur'),
      knees: lr('ltibia', 'rtibia'),
      ankles: lr('lfoot', 'rfoot'),
      toes: lr('ltoes_end', 'rtoes_end'),
      shoulders: lr('lhumerus', 'rhumerus'),
      elbows: lr('lradius', 'rradius'),
      wrists: lr('lwrist', 'rwrist'),
      neckBase: 'lowerneck',
      headBase: 'head',
      headTop: 'head_end',
    },
    notes: 'CMU ASF units (1/0.45 inch).',
  },
  {
    id: 'hips-generic',
    name: 'Generic Hips/LeftUpLeg/LeftArm rig (MotionBuilder, Mixamo style)',
    requires: [
      'Hips',
      'LeftUpLeg',
      'LeftLeg',
      'LeftFoot',
      'RightUpLeg',
      'RightLeg',
      'RightFoot',
      'Neck',
      'Head',
      'LeftArm',
      'LeftForeArm',
      'LeftHand',
      'RightArm',
      'RightForeArm',
      'RightHand',
    ],
    unit: null,
    body: {
      hips: lr('LeftUpLeg', 'RightUpLeg'),
      knees: lr('LeftLeg', 'RightLeg'),
      ankles: lr('LeftFoot', 'RightFoot'),
      toes: lr(
        ['LeftToeBase_end', 'LeftToe_End', 'LeftFoot_end'],
        ['RightToeBase_end', 'RightToe_End', 'RightFoot_end'],
      ),
      shoulders: lr('LeftArm', 'RightArm'),
      elbows: lr('LeftForeArm', 'RightForeArm'),
      wrists: lr('LeftHand', 'RightHand'),
      neckBase: 'Neck',
      headBase: 'Head',
      headTop: ['Head_end', 'HeadTop_End'],
    },
    notes: 'Units differ between exporters: guessed from the skeleton size unless given.',
  },
];

/** The rig whose required joints are all in `jointNames`, or null. */
export function detectRig(jointNames: readonly string[]): RigDef | null {
  const have = new Set(jointNames);
  return RIGS.find((r) => r.requires.every((n) => have.has(n))) ?? null;
}

export function getRig(id: string): RigDef {
  const rig = RIGS.find((r) => r.id === id);
  if (!rig) throw new Error(`Unknown rig "${id}". Known rigs: ${RIGS.map((r) => r.id).join(', ')}`);
  return rig;
}

// ---------------------------------------------------------------------------------------------
// Placement rules shared by every rig.

/** Offsets (metres) in the head frame: forward, left, up. */
type HeadOffset = readonly [forward: number, left: number, up: number];

/** Face points relative to the eye midpoint (rigs with eye joints). */
const FROM_EYES: Record<string, HeadOffset> = {
  nose: [0.02, 0, -0.04],
  left_ear: [-0.09, 0.07, -0.01],
  right_ear: [-0.09, -0.07, -0.01],
  neck_nose: [-0.04, 0, -0.04],
  head: [-0.03, 0, 0.11],
};
/** Face points relative to the head joint (rigs without eyes; the joint sits near ear level). */
const FROM_HEAD_JOINT: Record<string, HeadOffset> = {
  nose: [0.1, 0, -0.02],
  left_eye: [0.08, 0.032, 0.01],
  right_eye: [0.08, -0.032, 0.01],
  left_ear: [0, 0.075, 0],
  right_ear: [0, -0.075, 0],
  neck_nose: [0.05, 0, -0.02],
  head: [0, 0, 0.11],
};
/** Foot points: [forward along ankle→toe, outward, down] metres from the toe (toes) or ankle (heel). */
const BIG_TOE_FROM_TOE = [0, -0.012, 0] as const;
const SMALL_TOE_FROM_TOE = [-0.025, 0.03, 0] as const;
const HEEL_FROM_ANKLE = [-0.045, 0, 0.055] as const;

export type TargetId = 'h36m17' | 'coco17-feet';

/** How a target joint was placed. */
export type Placement = 'joint' | 'mix' | 'approx' | 'missing';

export interface MappedTake {
  readonly target: TargetId;
  readonly jointNames: readonly string[];
  readonly rate: number;
  readonly frameCount: number;
  /** frames × joints × 3, metres, Kinema world; NaN where the rig cannot supply the joint. */
  readonly positionsM: Float32Array;
  readonly placement: readonly Placement[];
  /** Target joints the rig supplies (copies, mixes and approximations). */
  readonly supplied: readonly string[];
  /** Target joints the rig cannot supply. */
  readonly missing: readonly string[];
}

type V = [number, number, number];
type Getter = (f: number) => V;

const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: V, b: V): V => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const unit = (a: V): V => {
  const n = Math.hypot(a[0], a[1], a[2]);
  return n > 0 ? [a[0] / n, a[1] / n, a[2] / n] : [NaN, NaN, NaN];
};
const comb = (terms: readonly (readonly [V, number])[]): V => {
  const o: V = [0, 0, 0];
  for (const [v, w] of terms) for (let c = 0; c < 3; c++) o[c] += w * v[c];
  return o;
};

/**
 * Places the target skeleton's joints from a BVH take (metres, any right-handed frame with the
 * same up-axis everywhere; the importer gives Kinema world). `rig` defaults to the take's rig.
 */
export function mapToTarget(take: MocapJointTake, target: TargetId, rig?: RigDef): MappedTake {
  const def = rig ?? (take.rig ? getRig(take.rig) : detectRig(take.jointNames));
  if (!def) {
    throw new Error(
      `No known rig matches the joints of ${take.take ?? 'this take'} (${take.jointNames.slice(0, 6).join(', ')}…); known rigs: ${RIGS.map((r) => r.id).join(', ')}`,
    );
  }
  const J = take.jointNames.length;
  const index = new Map(take.jointNames.map((n, i) => [n, i]));
  const P = take.positionsM;
  const find = (p: PointName | undefined): number => {
    if (p === undefined) return -1;
    for (const n of typeof p === 'string' ? [p] : p) {
      const i = index.get(n);
      if (i !== undefined) return i;
    }
    return -1;
  };
  const at =
    (i: number): Getter =>
    (f) => {
      const o = (f * J + i) * 3;
      return [P[o], P[o + 1], P[o + 2]];
    };
  const b = def.body;
  const point = (p: PointName | undefined): Getter | null => {
    const i = find(p);
    return i < 0 ? null : at(i);
  };
  const side = (pair: Pair | undefined, s: 0 | 1) => (pair ? point(pair[s]) : null);

  // A point that coincides with another (a zero-length End Site, as in some CMU files) carries
  // no direction: treat it as absent. Judged on the first frame with both points finite.
  const distinctFrom = (p: Getter | null, q: Getter | null): Getter | null => {
    if (!p || !q) return p;
    for (let f = 0; f < take.frameCount; f++) {
      const d = Math.hypot(...sub(p(f), q(f)));
      if (Number.isFinite(d)) return d > 0.01 ? p : null;
    }
    return p;
  };
  const hipL = side(b.hips, 0);
  const hipR = side(b.hips, 1);
  const neck = point(b.neckBase);
  const headBase = point(b.headBase);
  const headTop = distinctFrom(point(b.headTop), headBase);
  const eyeL = side(b.eyes, 0);
  const eyeR = side(b.eyes, 1);
  const shL = side(b.shoulders, 0);
  const shR = side(b.shoulders, 1);

  // Head frame per frame: [origin, forward, left, up].
  type Frame = [V, V, V, V];
  let headFrame: ((f: number) => Frame) | null = null;
  let faceOffsets: Record<string, HeadOffset> = {};
  if (eyeL && eyeR && headBase) {
    const th = ((b.eyeElevationDeg ?? 45) * Math.PI) / 180;
    faceOffsets = FROM_EYES;
    headFrame = (f) => {
      const mid = comb([
        [eyeL(f), 0.5],
        [eyeR(f), 0.5],
      ]);
      const left = unit(sub(eyeL(f), eyeR(f)));
      const n = unit(sub(mid, headBase(f)));
      const w = unit(cross(left, n));
      const up = unit(
        comb([
          [n, Math.sin(th)],
          [w, -Math.cos(th)],
        ]),
      );
      const fwd = unit(
        comb([
          [n, Math.cos(th)],
          [w, Math.sin(th)],
        ]),
      );
      return [mid, fwd, unit(cross(up, fwd)), up];
    };
  } else if (headBase && shL && shR && (headTop || neck)) {
    faceOffsets = FROM_HEAD_JOINT;
    headFrame = (f) => {
      const o = headBase(f);
      const up = unit(headTop ? sub(headTop(f), o) : sub(o, neck!(f)));
      const fwd = unit(cross(sub(shL(f), shR(f)), up));
      return [o, fwd, unit(cross(up, fwd)), up];
    };
  }
  const fromHead = (name: string): Getter | null => {
    const off = faceOffsets[name];
    if (!headFrame || !off) return null;
    const hf = headFrame;
    return (f) => {
      const [o, fwd, left, up] = hf(f);
      return comb([
        [o, 1],
        [fwd, off[0]],
        [left, off[1]],
        [up, off[2]],
      ]);
    };
  };

  // Foot frame: forward = ankle→toe, right = shin × forward (the subject's right), down = fwd × right.
  const foot = (s: 0 | 1, from: 'toe' | 'ankle', off: readonly [number, number, number]): Getter | null => {
    const knee = side(b.knees, s);
    const ankle = side(b.ankles, s);
    const toe = distinctFrom(side(b.toes, s), ankle);
    if (!knee || !ankle || !toe) return null;
    const outward = s === 0 ? -1 : 1;
    return (f) => {
      const a = ankle(f);
      const t = toe(f);
      const fwd = unit(sub(t, a));
      const right = unit(cross(sub(a, knee(f)), fwd));
      const down = unit(cross(fwd, right));
      return comb([
        [from === 'toe' ? t : a, 1],
        [fwd, off[0]],
        [right, outward * off[1]],
        [down, off[2]],
      ]);
    };
  };

  const mid = (a: Getter | null, c: Getter | null): Getter | null =>
    a && c
      ? (f) =>
          comb([
            [a(f), 0.5],
            [c(f), 0.5],
          ])
      : null;
  const pelvis = mid(hipL, hipR);

  type Rule = [Placement, Getter | null];
  const rules: Record<string, Rule> = {
    pelvis: ['mix', pelvis],
    spine: [
      'mix',
      pelvis && neck
        ? (f) =>
            comb([
              [pelvis(f), 0.5],
              [neck(f), 0.5],
            ])
        : null,
    ],
    thorax: ['joint', neck],
    neck_nose: ['approx', fromHead('neck_nose')],
    head: headTop ? ['joint', headTop] : ['approx', fromHead('head')],
    nose: ['approx', fromHead('nose')],
  };
  for (const [s, pre] of [
    [0, 'left'],
    [1, 'right'],
  ] as const) {
    rules[`${pre}_hip`] = ['joint', side(b.hips, s)];
    rules[`${pre}_knee`] = ['joint', side(b.knees, s)];
    rules[`${pre}_ankle`] = ['joint', side(b.ankles, s)];
    rules[`${pre}_foot`] = ['joint', side(b.ankles, s)]; // H36M's 'foot' joint is the ankle
    rules[`${pre}_shoulder`] = ['joint', side(b.shoulders, s)];
    rules[`${pre}_elbow`] = ['joint', side(b.elbows, s)];
    rules[`${pre}_wrist`] = ['joint', side(b.wrists, s)];
    const eye = side(b.eyes, s);
    rules[`${pre}_eye`] = eye ? ['joint', eye] : ['approx', fromHead(`${pre}_eye`)];
    rules[`${pre}_ear`] = ['approx', fromHead(`${pre}_ear`)];
    const big = side(b.bigToes, s);
    const small = side(b.smallToes, s);
    rules[`${pre}_big_toe`] = big ? ['joint', big] : ['approx', foot(s, 'toe', BIG_TOE_FROM_TOE)];
    rules[`${pre}_small_toe`] = small ? ['joint', small] : ['approx', foot(s, 'toe', SMALL_TOE_FROM_TOE)];
    rules[`${pre}_heel`] = ['approx', foot(s, 'ankle', HEEL_FROM_ANKLE)];
  }

  const names: readonly string[] = target === 'h36m17' ? H36M17_JOINTS : COCO17_FEET_JOINTS;
  const K = names.length;
  const T = take.frameCount;
  const out = new Float32Array(T * K * 3).fill(NaN);
  const placement: Placement[] = [];
  names.forEach((name, k) => {
    const rule = rules[name];
    const get = rule?.[1];
    if (!get) {
      placement.push('missing');
      return;
    }
    placement.push(rule[0]);
    for (let f = 0; f < T; f++) {
      const v = get(f);
      out.set(v, (f * K + k) * 3);
    }
  });
  return {
    target,
    jointNames: names,
    rate: take.rate,
    frameCount: T,
    positionsM: out,
    placement,
    supplied: names.filter((_, k) => placement[k] !== 'missing'),
    missing: names.filter((_, k) => placement[k] === 'missing'),
  };
}
