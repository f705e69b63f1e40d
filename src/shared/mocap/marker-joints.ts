/**
 * Joint centres from labelled marker trajectories (C3D, TRC), so marker takes can train a lifter
 * like BVH takes: the result is a joint take named like the generic Hips rig (rigs.ts), which
 * mapToTarget then turns into H36M-17 and COCO-17 with the same rules as every BVH rig.
 *
 * Two kinds of marker sets are recognised (names compared without case, separators or a
 * "Subject:" prefix):
 *   - joint-centre / keypoint sets (OpenSim or Pose2Sim TRC, markerless exports): RHip, RKnee,
 *     RAnkle, RShoulder, RElbow, RWrist, Neck, Nose, ears, eyes, head... used as they are;
 *   - skin-marker sets: Vicon Plug-in Gait (LASI, RASI, LPSI/RPSI or SACR, LKNE, LANK, LSHO, LELB,
 *     LWRA/LWRB, C7, CLAV, LFHD/RFHD/LBHD/RBHD, LTOE) and Qualisys' sports set (WaistLFront,
 *     WaistLBack, LKneeOut, LAnkleOut, LShoulderTop, LElbowOut, LWristOut/In, SpineTop, Chest,
 *     HeadL/HeadR/HeadFront, LToeTip). Joint centres are ESTIMATES: hip centres by Bell et al.'s
 *     proportions of the inter-ASIS distance (22 % posterior, 30 % distal, 36 % lateral of the
 *     ASIS midpoint); knee and ankle at the midpoint of lateral and medial markers, or the lateral
 *     marker moved 5 / 3.5 cm medially; shoulder 5 cm below the acromion marker; elbow at the
 *     epicondyle marker(s); neck base between C7 and the clavicle marker; the head joint 4 cm below
 *     the centre of the head markers. Expect errors of a few centimetres against a fitted model.
 *
 * Gaps: a marker missing in a few frames is filled by linear interpolation in time (held at the
 * ends); a marker the set needs that is absent, or missing in more than `maxMissingFraction` of
 * the frames, is refused with a message that names it. The up axis is found from the data (the
 * signed axis closest to ankles → neck), so Y-up TRC files and Z-up C3D files both end Z-up.
 */
import {
  worldRotation,
  toKinemaWorld,
  type MocapJointTake,
  type MocapSource,
  type SignedAxis,
} from './types';

/** What a marker take needs: its labels and frames × markers × 3 metres (NaN = missing). */
export interface MarkerFrames {
  readonly markerNames: readonly string[];
  readonly positionsM: Float32Array;
  readonly frameCount: number;
  readonly rate: number;
  readonly subject?: string | null;
  readonly take?: string | null;
  readonly source: MocapSource;
}

export interface MarkerJointsOptions {
  /** Largest fraction of frames a needed marker may miss (filled by interpolation). Default 0.2. */
  maxMissingFraction?: number;
  /** Name of the file in messages. */
  file?: string;
}

export class MarkerSetError extends Error {}

type V = [number, number, number];

/** Marker names as compared: no subject prefix, case, spaces, "_", "-" or ".". */
export function markerKey(name: string): string {
  return name
    .replace(/^.*:/, '')
    .toLowerCase()
    .replace(/[\s_.-]+/g, '');
}

/** Left and right spellings of a sided name: LKnee, Left_Knee, KneeL, Knee_Left. */
function sided(bases: readonly string[], extra: [string[], string[]] = [[], []]): [string[], string[]] {
  const side = (s: 'l' | 'r', word: string) =>
    bases.flatMap((b) => [`${s}${b}`, `${word}${b}`, `${b}${s}`, `${b}${word}`]);
  return [
    [...side('l', 'left'), ...extra[0]],
    [...side('r', 'right'), ...extra[1]],
  ];
}

const JOINT_SET = {
  hips: sided(['hip', 'hjc', 'hipjointcentre', 'hipjointcenter']),
  knees: sided(['knee', 'kjc', 'kneejointcentre', 'kneejointcenter']),
  ankles: sided(['ankle', 'ajc', 'anklejointcentre', 'anklejointcenter']),
  shoulders: sided(['shoulder', 'sjc', 'shoulderjointcentre', 'shoulderjointcenter']),
  elbows: sided(['elbow', 'ejc', 'elbowjointcentre', 'elbowjointcenter']),
  wrists: sided(['wrist', 'wjc', 'wristjointcentre', 'wristjointcenter']),
  toes: sided(['bigtoe', 'toe']),
  smallToes: sided(['smalltoe']),
  ears: sided(['ear']),
  eyes: sided(['eye']),
  neck: ['neck', 'thorax', 'necks'],
  headJoint: ['headbase', 'skullbase', 'headjoint'],
  headTop: ['headtop', 'head', 'top'],
};

const SKIN_SET = {
  asis: sided(['asi', 'asis'], [['waistlfront'], ['waistrfront']]),
  psis: sided(['psi', 'psis'], [['waistlback'], ['waistrback']]),
  sacrum: ['sacr', 'sacrum'],
  kneeLat: sided(['kne', 'kneeout', 'kneelat'], [['lkneeout'], ['rkneeout']]),
  kneeMed: sided(['knm', 'kneem', 'mkne', 'kneein', 'kneemed'], [['lkneein'], ['rkneein']]),
  ankleLat: sided(['ank', 'ankleout', 'anklelat', 'lmal'], [['lankleout'], ['rankleout']]),
  ankleMed: sided(['mmal', 'med', 'anklein', 'anklemed'], [['lanklein'], ['ranklein']]),
  shoulder: sided(['sho', 'shouldertop', 'acr'], [['lshouldertop'], ['rshouldertop']]),
  elbowLat: sided(['elb', 'elbowout', 'elbowlat'], [['lelbowout'], ['relbowout']]),
  elbowMed: sided(['elbm', 'melb', 'elbowin', 'elbowmed'], [['lelbowin'], ['relbowin']]),
  wristA: sided(['wra', 'wristout'], [['lwristout'], ['rwristout']]),
  wristB: sided(['wrb', 'wristin'], [['lwristin'], ['rwristin']]),
  toe: sided(['toe', 'toetip'], [['ltoetip'], ['rtoetip']]),
  c7: ['c7', 'spinetop'],
  clav: ['clav', 'chest', 'strn'],
  head: ['lfhd', 'rfhd', 'lbhd', 'rbhd', 'headl', 'headr', 'headfront', 'headtop'],
};

const SIDE_NAMES = ['left', 'right'] as const;

export function isMarkerSetError(err: unknown): err is MarkerSetError {
  return err instanceof MarkerSetError;
}

/**
 * Joint centres of a marker take as a joint take of the generic Hips rig (see the module
 * comment); throws MarkerSetError naming what is missing.
 */
export function markerTakeToJoints(take: MarkerFrames, options: MarkerJointsOptions = {}): MocapJointTake {
  const file = options.file ?? take.take ?? 'markers';
  const maxMissing = options.maxMissingFraction ?? 0.2;
  const T = take.frameCount;
  const M = take.markerNames.length;
  if (T < 1 || M === 0) throw new MarkerSetError(`${file}: no marker data`);
  const byKey = new Map<string, number>();
  take.markerNames.forEach((n, i) => {
    const k = markerKey(n);
    if (!byKey.has(k)) byKey.set(k, i);
  });
  const filled = new Map<number, Float32Array>();
  /** A marker's trajectory (frames × 3), gaps interpolated; refused when mostly missing. */
  const track = (i: number): Float32Array => {
    const done = filled.get(i);
    if (done) return done;
    const out = new Float32Array(T * 3);
    const seen: number[] = [];
    for (let t = 0; t < T; t++) {
      const o = (t * M + i) * 3;
      out.set(take.positionsM.subarray(o, o + 3), t * 3);
      if (Number.isFinite(out[t * 3]) && Number.isFinite(out[t * 3 + 1]) && Number.isFinite(out[t * 3 + 2]))
        seen.push(t);
    }
    const missing = (T - seen.length) / T;
    if (missing > maxMissing) {
      throw new MarkerSetError(
        `${file}: marker "${take.markerNames[i]}" is missing in ${Math.round(missing * 100)} % of the frames (at most ${Math.round(maxMissing * 100)} % can be filled)`,
      );
    }
    for (let k = 0; k <= seen.length; k++) {
      const a = k > 0 ? seen[k - 1] : -1;
      const b = k < seen.length ? seen[k] : T;
      for (let t = a + 1; t < b; t++) {
        const w = a < 0 ? 1 : b >= T ? 0 : (t - a) / (b - a);
        const from = a < 0 ? b : a;
        const to = b >= T ? a : b;
        for (let c = 0; c < 3; c++) out[t * 3 + c] = (1 - w) * out[from * 3 + c] + w * out[to * 3 + c];
      }
    }
    filled.set(i, out);
    return out;
  };
  const find = (names: readonly string[]): Float32Array | null => {
    for (const n of names) {
      const i = byKey.get(n);
      if (i !== undefined) return track(i);
    }
    return null;
  };
  const need = (names: readonly string[], what: string): Float32Array => {
    const got = find(names);
    if (!got) {
      throw new MarkerSetError(
        `${file}: no marker for the ${what} (looked for ${names.slice(0, 4).join(', ')}…); markers: ${take.markerNames.slice(0, 12).join(', ')}${M > 12 ? '…' : ''}`,
      );
    }
    return got;
  };
  const jointsAvailable = JOINT_SET.hips.every((s) => find(s) !== null);
  const joints = jointsAvailable ? fromJointCentres(find, need) : fromSkinMarkers(T, find, need, file);
  return assembleTake(take, joints, file);
}

type Finder = (names: readonly string[]) => Float32Array | null;
type Needer = (names: readonly string[], what: string) => Float32Array;

/** Joint-centre points of the generic Hips rig, frames × 3 each (null = not available). */
interface JointPoints {
  hips: [Float32Array, Float32Array];
  knees: [Float32Array, Float32Array];
  ankles: [Float32Array, Float32Array];
  toes: [Float32Array | null, Float32Array | null];
  shoulders: [Float32Array, Float32Array];
  elbows: [Float32Array, Float32Array];
  wrists: [Float32Array, Float32Array];
  neck: Float32Array;
  headBase: Float32Array;
  headTop: Float32Array | null;
}

function mix(terms: readonly [Float32Array, number][]): Float32Array {
  const out = new Float32Array(terms[0][0].length);
  for (const [a, w] of terms) for (let i = 0; i < out.length; i++) out[i] += w * a[i];
  return out;
}
const mid = (a: Float32Array, b: Float32Array): Float32Array =>
  mix([
    [a, 0.5],
    [b, 0.5],
  ]);

function pair(get: Needer, names: [string[], string[]], what: string): [Float32Array, Float32Array] {
  return [get(names[0], `left ${what}`), get(names[1], `right ${what}`)];
}

function fromJointCentres(find: Finder, need: Needer): JointPoints {
  const shoulders = pair(need, JOINT_SET.shoulders, 'shoulder');
  const ears = [find(JOINT_SET.ears[0]), find(JOINT_SET.ears[1])];
  const eyes = [find(JOINT_SET.eyes[0]), find(JOINT_SET.eyes[1])];
  // The rigs' head joint sits near ear level: the ears' midpoint where there are ears.
  const headBase =
    ears[0] && ears[1]
      ? mid(ears[0], ears[1])
      : (find(JOINT_SET.headJoint) ??
        (eyes[0] && eyes[1] ? mid(eyes[0], eyes[1]) : need(JOINT_SET.headTop, 'head (or ears)')));
  const headTop = ears[0] && ears[1] ? find(JOINT_SET.headTop) : find(['headtop', 'top']);
  return {
    hips: pair(need, JOINT_SET.hips, 'hip'),
    knees: pair(need, JOINT_SET.knees, 'knee'),
    ankles: pair(need, JOINT_SET.ankles, 'ankle'),
    toes: [find(JOINT_SET.toes[0]), find(JOINT_SET.toes[1])],
    shoulders,
    elbows: pair(need, JOINT_SET.elbows, 'elbow'),
    wrists: pair(need, JOINT_SET.wrists, 'wrist'),
    neck: find(JOINT_SET.neck) ?? mid(shoulders[0], shoulders[1]),
    headBase,
    headTop,
  };
}

function fromSkinMarkers(T: number, find: Finder, need: Needer, file: string): JointPoints {
  const asis = pair(need, SKIN_SET.asis, 'front pelvis (ASIS)');
  const psisL = find(SKIN_SET.psis[0]);
  const psisR = find(SKIN_SET.psis[1]);
  const back = psisL && psisR ? mid(psisL, psisR) : need(SKIN_SET.sacrum, 'back pelvis (PSIS or sacrum)');
  const midAsis = mid(asis[0], asis[1]);
  const hips: [Float32Array, Float32Array] = [new Float32Array(T * 3), new Float32Array(T * 3)];
  /** Pelvis frame per frame: forward, left, up. */
  const left: V[] = [];
  for (let t = 0; t < T; t++) {
    const o = t * 3;
    const l = unit(sub(at(asis[0], o), at(asis[1], o)));
    const f0 = sub(at(midAsis, o), at(back, o));
    const d = dot(f0, l);
    const fwd = unit([f0[0] - d * l[0], f0[1] - d * l[1], f0[2] - d * l[2]]);
    const up = cross(fwd, l);
    const width = norm(sub(at(asis[0], o), at(asis[1], o)));
    for (const s of [0, 1] as const) {
      const lat = s === 0 ? 0.36 : -0.36;
      for (let c = 0; c < 3; c++)
        hips[s][o + c] = midAsis[o + c] + width * (-0.22 * fwd[c] + lat * l[c] - 0.3 * up[c]);
    }
    left.push(l);
  }
  /** Medial shift of a lateral marker (towards the body's midline) when no medial marker exists. */
  const centre = (lat: Float32Array, med: Float32Array | null, s: 0 | 1, shift: number): Float32Array => {
    if (med) return mid(lat, med);
    const out = new Float32Array(lat);
    const sign = s === 0 ? -1 : 1;
    for (let t = 0; t < T; t++) for (let c = 0; c < 3; c++) out[t * 3 + c] += sign * shift * left[t][c];
    return out;
  };
  const sideOf = (s: 0 | 1) => SIDE_NAMES[s];
  const knees = ([0, 1] as const).map((s) =>
    centre(need(SKIN_SET.kneeLat[s], `${sideOf(s)} knee`), find(SKIN_SET.kneeMed[s]), s, 0.05),
  ) as [Float32Array, Float32Array];
  const ankles = ([0, 1] as const).map((s) =>
    centre(need(SKIN_SET.ankleLat[s], `${sideOf(s)} ankle`), find(SKIN_SET.ankleMed[s]), s, 0.035),
  ) as [Float32Array, Float32Array];
  const c7 = need(SKIN_SET.c7, 'neck (C7)');
  const clav = find(SKIN_SET.clav);
  const neck = clav ? mid(c7, clav) : c7;
  // Trunk up per frame: pelvis → neck base.
  const midHip = mid(hips[0], hips[1]);
  const trunkUp: V[] = [];
  for (let t = 0; t < T; t++) trunkUp.push(unit(sub(at(neck, t * 3), at(midHip, t * 3))));
  const down = (p: Float32Array, metres: number): Float32Array => {
    const out = new Float32Array(p);
    for (let t = 0; t < T; t++) for (let c = 0; c < 3; c++) out[t * 3 + c] -= metres * trunkUp[t][c];
    return out;
  };
  const shoulders = ([0, 1] as const).map((s) =>
    down(need(SKIN_SET.shoulder[s], `${sideOf(s)} shoulder`), 0.05),
  ) as [Float32Array, Float32Array];
  const elbows = ([0, 1] as const).map((s) => {
    const lat = need(SKIN_SET.elbowLat[s], `${sideOf(s)} elbow`);
    const med = find(SKIN_SET.elbowMed[s]);
    return med ? mid(lat, med) : lat;
  }) as [Float32Array, Float32Array];
  const wrists = ([0, 1] as const).map((s) => {
    const a = need(SKIN_SET.wristA[s], `${sideOf(s)} wrist`);
    const b = find(SKIN_SET.wristB[s]);
    return b ? mid(a, b) : a;
  }) as [Float32Array, Float32Array];
  const heads = SKIN_SET.head.map((n) => find([n])).filter((h): h is Float32Array => h !== null);
  if (heads.length < 2)
    throw new MarkerSetError(`${file}: no head markers (need two of ${SKIN_SET.head.join(', ')})`);
  const headCentre = mix(heads.map((h) => [h, 1 / heads.length] as [Float32Array, number]));
  return {
    hips,
    knees,
    ankles,
    toes: [find(SKIN_SET.toe[0]), find(SKIN_SET.toe[1])],
    shoulders,
    elbows,
    wrists,
    neck,
    headBase: down(headCentre, 0.04),
    headTop: null,
  };
}

const at = (a: Float32Array, o: number): V => [a[o], a[o + 1], a[o + 2]];
const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V, b: V): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: V): number => Math.hypot(a[0], a[1], a[2]);
const unit = (a: V): V => {
  const n = norm(a);
  return n > 0 ? [a[0] / n, a[1] / n, a[2] / n] : [0, 0, 0];
};
const cross = (a: V, b: V): V => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

/** The signed axis closest to the mean ankles → neck direction (the subject's up). */
function upAxisOf(p: JointPoints, T: number): SignedAxis {
  const sum: V = [0, 0, 0];
  const feet = mid(p.ankles[0], p.ankles[1]);
  for (let t = 0; t < T; t++) {
    const o = t * 3;
    const d = sub(at(p.neck, o), at(feet, o));
    for (let c = 0; c < 3; c++) sum[c] += d[c];
  }
  const k = [0, 1, 2].reduce((best, c) => (Math.abs(sum[c]) > Math.abs(sum[best]) ? c : best), 0);
  return `${sum[k] < 0 ? '-' : '+'}${'XYZ'[k]}` as SignedAxis;
}

const RIGHT_FOR_UP: Record<SignedAxis, SignedAxis> = {
  '+X': '+Y',
  '-X': '+Y',
  '+Y': '+X',
  '-Y': '+X',
  '+Z': '+X',
  '-Z': '+X',
};

function assembleTake(take: MarkerFrames, p: JointPoints, file: string): MocapJointTake {
  const T = take.frameCount;
  const points: [string, string | null, Float32Array | null][] = [
    ['Hips', null, mid(p.hips[0], p.hips[1])],
    ['LeftUpLeg', 'Hips', p.hips[0]],
    ['LeftLeg', 'LeftUpLeg', p.knees[0]],
    ['LeftFoot', 'LeftLeg', p.ankles[0]],
    ['LeftToeBase_end', 'LeftFoot', p.toes[0]],
    ['RightUpLeg', 'Hips', p.hips[1]],
    ['RightLeg', 'RightUpLeg', p.knees[1]],
    ['RightFoot', 'RightLeg', p.ankles[1]],
    ['RightToeBase_end', 'RightFoot', p.toes[1]],
    ['Neck', 'Hips', p.neck],
    ['Head', 'Neck', p.headBase],
    ['Head_end', 'Head', p.headTop],
    ['LeftArm', 'Neck', p.shoulders[0]],
    ['LeftForeArm', 'LeftArm', p.elbows[0]],
    ['LeftHand', 'LeftForeArm', p.wrists[0]],
    ['RightArm', 'Neck', p.shoulders[1]],
    ['RightForeArm', 'RightArm', p.elbows[1]],
    ['RightHand', 'RightForeArm', p.wrists[1]],
  ];
  const present = points.filter((q): q is [string, string | null, Float32Array] => q[2] !== null);
  const names = present.map((q) => q[0]);
  const J = present.length;
  const raw = new Float32Array(T * J * 3);
  present.forEach(([, , a], j) => {
    for (let t = 0; t < T; t++) raw.set(a.subarray(t * 3, t * 3 + 3), (t * J + j) * 3);
  });
  const up = upAxisOf(p, T);
  const positionsM = up === '+Z' ? raw : toKinemaWorld(raw, 1, worldRotation(RIGHT_FOR_UP[up], up));
  if (positionsM.some((v) => !Number.isFinite(v)))
    throw new MarkerSetError(`${file}: the joint centres are not finite (markers missing in every frame?)`);
  return {
    kind: 'joints',
    source: take.source,
    rate: take.rate,
    frameCount: T,
    positionsM,
    jointNames: names,
    parents: present.map((q) => (q[1] === null ? -1 : names.indexOf(q[1]))),
    rig: 'hips-generic',
    subject: take.subject ?? null,
    take: take.take ?? null,
    meta: { markerSet: `${present.length} joints from ${take.markerNames.length} markers`, upAxis: up },
  };
}
