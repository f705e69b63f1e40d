/**
 * Joint and segment angles in the sagittal plane, from 2D image points or 3D points, with one set
 * of conventions for both.
 *
 * The sagittal frame. Every vector is first expressed in a 2D frame where the person faces +x
 * ("forward") and +y is up:
 *  - 2D (image: x right, y DOWN): forward = +x when the person faces right in the image, −x when
 *    they face left (mirrored per frame, from `facing`), up = −y. Walking left or right therefore
 *    gives the same flexion signs.
 *  - 3D: lateral axis L = right − left (ASIS markers when present, else hips), up U = the lab's up
 *    axis (`up`, default +y as in OpenSim) made orthogonal to L, forward F = U × L. A vector v
 *    becomes (v·F, v·U): its projection on the body's sagittal plane.
 *
 * A segment angle θ(a→b) is the direction of the vector from a to b, counter-clockwise from the
 * forward horizontal (degrees): a thigh hanging straight down is −90°, a trunk upright is +90°.
 *
 * Joint angles (degrees; 0 = standing straight, flexion positive):
 *  - hip flexion = θ(hip→knee) − θ(mid_shoulder→mid_hip): the thigh against the trunk's downward
 *    axis (or, with `hipReference: 'pelvis'` and pelvis markers, against the pelvis:
 *    θ(hip→knee) − θ(sacrum→mid_asis) + 90); knee in front = flexion.
 *  - knee flexion = −(θ(knee→ankle) − θ(hip→knee)); hyperextension is negative.
 *  - ankle dorsiflexion = θ(heel→big_toe) − θ(knee→ankle) − 90; plantarflexion negative. Needs
 *    the heel and big toe (COCO-17+feet, Halpe-26, BlazePose or markers); COCO-17 has no ankle
 *    angle.
 *  - shoulder flexion = θ(shoulder→elbow) − θ(mid_shoulder→mid_hip): arm forward = flexion.
 *  - elbow flexion = θ(elbow→wrist) − θ(shoulder→elbow): hand forward/up = flexion.
 *  - trunk lean = 90 − θ(mid_hip→mid_shoulder): forward lean positive.
 *  - pelvis tilt = −θ(sacrum→mid_asis): anterior tilt (ASIS lower than the sacrum) positive; 0 =
 *    the ASIS–sacrum line horizontal. Needs pelvis markers (`left_asis`, `right_asis`, `sacrum`
 *    or `left_psis`/`right_psis`); no video skeleton has them.
 *  - 3D only: knee and elbow flexion from the true 3D included angle (180 − ∠hip-knee-ankle),
 *    unsigned, independent of the sagittal plane.
 *
 * Continuity. Each series is unwrapped over time (a step of more than 180° between consecutive
 * valid samples is taken as the short way round, also across gaps), then shifted by a whole number
 * of turns so that its median lies within ±180° of the angle's centre (knee 45°, thigh −90°, …).
 * So a limb rotating through ±180° gives a continuous curve, never a 360° jump, and the values
 * stay in the anatomical range the user expects.
 */
import { KinemaError } from '../errors';
import { KINEMATICS_ERROR, PointLookup, assertNamedPoints, describePoint, type NamedPoints } from './points';

const DEG = 180 / Math.PI;

// ---------------------------------------------------------------------------------------------
// Specs

/**
 * How an angle is measured from its points:
 *  - `inner`   [a, b, c]: the unsigned angle a-b-c in [0, 180], in the points' own 2D or 3D space;
 *  - `signed`  [a, b, c]: θ(b→c) − θ(b→a) in the sagittal frame (counter-clockwise positive);
 *  - `segment` [a, b]: θ(a→b), counter-clockwise from the forward horizontal;
 *  - `segments` [a, b, c, d]: θ(c→d) − θ(a→b), the angle from segment a→b to segment c→d.
 */
export type AngleKind = 'inner' | 'signed' | 'segment' | 'segments';

/** An angle declared as data: value = sign · (measured angle) + offset. */
export interface AngleSpec {
  /** Unique name, e.g. "right_knee_flexion" or "club_shaft". */
  name: string;
  kind: AngleKind;
  /** Point names: 3 for inner/signed, 2 for segment, 4 for segments. */
  points: readonly string[];
  /** −1 flips the direction (e.g. knee flexion). Default 1. */
  sign?: 1 | -1;
  /** Degrees added after the sign. Default 0. */
  offset?: number;
  /** Degrees: the series is shifted by whole turns so its median lies within ±180° of this. */
  center?: number;
  /** What the angle means, for plots and exports. */
  description?: string;
}

const POINT_COUNT: Readonly<Record<AngleKind, number>> = { inner: 3, signed: 3, segment: 2, segments: 4 };

/**
 * Validates angle specs coming from outside (a JSON file, the UI): returns them typed, or throws a
 * message naming the spec (by position and name) and the field at fault. `pointNames`, when given,
 * are the points available; specs naming others are refused.
 */
export function validateAngleSpecs(input: unknown, pointNames?: readonly string[]): AngleSpec[] {
  if (!Array.isArray(input)) throw specError(`angle specs must be a list, got ${typeOf(input)}`);
  const seen = new Set<string>();
  return input.map((raw: unknown, i) => {
    const where = `angle spec ${i + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw specError(`${where} must be an object {name, kind, points}, got ${typeOf(raw)}`);
    }
    const o = raw as Record<string, unknown>;
    if (typeof o.name !== 'string' || o.name.trim() === '') {
      throw specError(`${where}: "name" must be a non-empty text, got ${typeOf(o.name)}`);
    }
    const at = `${where} ("${o.name}")`;
    if (seen.has(o.name)) throw specError(`${at}: the name is used twice`);
    seen.add(o.name);
    if (typeof o.kind !== 'string' || !(o.kind in POINT_COUNT)) {
      throw specError(
        `${at}: "kind" must be one of ${Object.keys(POINT_COUNT).join(', ')}, got ${typeOf(o.kind)}`,
      );
    }
    const kind = o.kind as AngleKind;
    const need = POINT_COUNT[kind];
    if (!Array.isArray(o.points) || o.points.some((p) => typeof p !== 'string' || p === '')) {
      throw specError(`${at}: "points" must be a list of ${need} point names`);
    }
    const pts = o.points as string[];
    if (pts.length !== need) {
      throw specError(`${at}: kind "${kind}" takes ${need} points, got ${pts.length} (${pts.join(', ')})`);
    }
    if (kind !== 'segments' && new Set(pts).size !== pts.length) {
      throw specError(`${at}: a point is named twice (${pts.join(', ')}), so the angle is undefined`);
    }
    if (kind === 'segments' && (pts[0] === pts[1] || pts[2] === pts[3])) {
      throw specError(`${at}: a segment runs from a point to itself (${pts.join(', ')})`);
    }
    if (pointNames) {
      const missing = pts.filter((p) => !pointNames.includes(p));
      if (missing.length) {
        throw specError(
          `${at}: unknown point${missing.length > 1 ? 's' : ''} ${missing.map((p) => `"${p}"`).join(', ')}; ` +
            `available: ${pointNames.join(', ')}`,
        );
      }
    }
    if (o.sign !== undefined && o.sign !== 1 && o.sign !== -1) {
      throw specError(`${at}: "sign" must be 1 or -1, got ${typeOf(o.sign)}`);
    }
    for (const key of ['offset', 'center'] as const) {
      if (o[key] !== undefined && !(typeof o[key] === 'number' && Number.isFinite(o[key]))) {
        throw specError(`${at}: "${key}" must be a number of degrees, got ${typeOf(o[key])}`);
      }
    }
    if (o.description !== undefined && typeof o.description !== 'string') {
      throw specError(`${at}: "description" must be a text`);
    }
    const spec: AngleSpec = { name: o.name, kind, points: [...pts] };
    if (o.sign !== undefined) spec.sign = o.sign as 1 | -1;
    if (o.offset !== undefined) spec.offset = o.offset as number;
    if (o.center !== undefined) spec.center = o.center as number;
    if (o.description !== undefined) spec.description = o.description as string;
    return spec;
  });
}

function specError(message: string): KinemaError {
  return new KinemaError('BAD_ANGLE_SPEC', message);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

// ---------------------------------------------------------------------------------------------
// Standard angles

type Side = 'left' | 'right';
const SIDES: readonly Side[] = ['left', 'right'];

function sideSpecs(s: Side): AngleSpec[] {
  const p = (j: string) => `${s}_${j}`;
  return [
    {
      name: p('hip_flexion'),
      kind: 'segments',
      points: ['mid_shoulder', 'mid_hip', p('hip'), p('knee')],
      center: 0,
      description: 'thigh against the trunk, knee forward = flexion (deg)',
    },
    {
      name: p('knee_flexion'),
      kind: 'segments',
      points: [p('hip'), p('knee'), p('knee'), p('ankle')],
      sign: -1,
      center: 45,
      description: 'shank against the thigh, 0 = straight leg, flexion positive (deg)',
    },
    {
      name: p('ankle_dorsiflexion'),
      kind: 'segments',
      points: [p('knee'), p('ankle'), p('heel'), p('big_toe')],
      offset: -90,
      center: 0,
      description: 'foot (heel→big toe) against the shank, 0 = at right angles, dorsiflexion positive (deg)',
    },
    {
      name: p('shoulder_flexion'),
      kind: 'segments',
      points: ['mid_shoulder', 'mid_hip', p('shoulder'), p('elbow')],
      center: 45,
      description: 'upper arm against the trunk, arm forward = flexion (deg)',
    },
    {
      name: p('elbow_flexion'),
      kind: 'segments',
      points: [p('shoulder'), p('elbow'), p('elbow'), p('wrist')],
      center: 45,
      description: 'forearm against the upper arm, 0 = straight arm, flexion positive (deg)',
    },
    segment(p('thigh'), p('hip'), p('knee'), -90),
    segment(p('shank'), p('knee'), p('ankle'), -90),
    segment(p('foot'), p('heel'), p('big_toe'), 0),
    segment(p('upper_arm'), p('shoulder'), p('elbow'), -90),
    segment(p('forearm'), p('elbow'), p('wrist'), -90),
  ];
}

function segment(name: string, a: string, b: string, center: number): AngleSpec {
  return {
    name,
    kind: 'segment',
    points: [a, b],
    center,
    description: `segment ${a}→${b}, counter-clockwise from the forward horizontal (deg)`,
  };
}

const TRUNK_SPECS: AngleSpec[] = [
  {
    name: 'trunk_lean',
    kind: 'segment',
    points: ['mid_hip', 'mid_shoulder'],
    sign: -1,
    offset: 90,
    center: 0,
    description: 'trunk from the vertical, forward lean positive (deg)',
  },
  {
    name: 'pelvis_tilt',
    kind: 'segment',
    points: ['sacrum', 'mid_asis'],
    sign: -1,
    center: 0,
    description: 'ASIS–sacrum line from the horizontal, anterior tilt positive (deg)',
  },
  segment('trunk', 'mid_hip', 'mid_shoulder', 90),
];

/** Hip flexion against the pelvis (marker sets): θ(hip→knee) − θ(sacrum→mid_asis) + 90. */
function pelvisHipSpec(s: Side): AngleSpec {
  return {
    name: `${s}_hip_flexion`,
    kind: 'segments',
    points: ['sacrum', 'mid_asis', `${s}_hip`, `${s}_knee`],
    offset: 90,
    center: 0,
    description: 'thigh against the pelvis, knee forward = flexion (deg)',
  };
}

function flexion3d(s: Side, a: string, b: string, c: string, what: string): AngleSpec {
  return {
    name: `${s}_${what}_flexion_3d`,
    kind: 'inner',
    points: [`${s}_${a}`, `${s}_${b}`, `${s}_${c}`],
    sign: -1,
    offset: 180,
    center: 45,
    description: `${what} flexion from the 3D included angle, 0 = straight (deg, unsigned)`,
  };
}

/** Every standard angle Kinema computes, in display order, as data. */
export const STANDARD_ANGLES: readonly AngleSpec[] = [...TRUNK_SPECS, ...SIDES.flatMap(sideSpecs)];

const STANDARD_3D: readonly AngleSpec[] = SIDES.flatMap((s) => [
  flexion3d(s, 'hip', 'knee', 'ankle', 'knee'),
  flexion3d(s, 'shoulder', 'elbow', 'wrist', 'elbow'),
]);

/** Names of the standard angles for 2D or 3D points. */
export function standardAngleNames(dims: 2 | 3): string[] {
  return [...STANDARD_ANGLES, ...(dims === 3 ? STANDARD_3D : [])].map((s) => s.name);
}

// ---------------------------------------------------------------------------------------------
// Continuity

/** Wraps degrees into (−180, 180]. */
export function wrap180(deg: number): number {
  const w = deg - 360 * Math.floor((deg + 180) / 360);
  return w === -180 ? 180 : w;
}

/**
 * Unwraps a series of degrees in place: each valid sample is moved by whole turns to lie within
 * 180° of the previous valid one (NaN samples are skipped, not bridged with values). Then, when
 * `center` is given, the whole series moves by whole turns so its median is within ±180° of it.
 */
export function unwrapDegrees(values: Float64Array, center?: number): Float64Array {
  let prev = NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (Number.isFinite(prev)) values[i] = prev + wrap180(v - prev);
    prev = values[i];
  }
  if (center !== undefined) {
    const finite = Array.from(values).filter(Number.isFinite);
    if (finite.length) {
      finite.sort((a, b) => a - b);
      const med = finite[finite.length >> 1];
      const turns = Math.round((center - med) / 360);
      if (turns !== 0) for (let i = 0; i < values.length; i++) values[i] += 360 * turns;
    }
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Facing (2D)

export interface FacingOptions {
  /** Window (s) over which per-frame cues are pooled, so the facing does not flicker. Default 1. */
  windowSeconds?: number;
}

/**
 * Which way the person faces in each frame of a side-view video: +1 right, −1 left.
 *
 * Cues per frame, pooled over a sliding window: the feet (big toe ahead of the heel, weight 2),
 * the face (nose ahead of the ears' midpoint, weight 1) and the direction of travel (hip-centre
 * speed over ±0.25 s above 0.3 torso lengths/s, weight 1). Frames without any cue in their window
 * take the nearest decided frame's facing. Throws when no frame has a cue.
 */
export function detectFacing(points: NamedPoints, options: FacingOptions = {}): Int8Array {
  assertNamedPoints(points);
  if (points.dims !== 2) throw new KinemaError(KINEMATICS_ERROR, 'facing is only needed for 2D points');
  const look = new PointLookup(points);
  const T = points.frameCount;
  const x = (name: string): Float64Array | null => {
    const p = look.get(name);
    if (!p) return null;
    const out = new Float64Array(T);
    for (let t = 0; t < T; t++) out[t] = p[t * 2];
    return out;
  };
  const scale = torsoLength(look, T);
  const votes = new Float64Array(T);
  for (const s of SIDES) {
    const toe = x(`${s}_big_toe`);
    const heel = x(`${s}_heel`);
    if (!toe || !heel) continue;
    for (let t = 0; t < T; t++) {
      const d = toe[t] - heel[t];
      if (Math.abs(d) > 0.05 * scale) votes[t] += 2 * Math.sign(d);
    }
  }
  const nose = x('nose');
  const le = x('left_ear');
  const re = x('right_ear');
  if (nose && (le || re)) {
    for (let t = 0; t < T; t++) {
      const ears = [le?.[t], re?.[t]].filter((v): v is number => Number.isFinite(v));
      if (!ears.length || !Number.isFinite(nose[t])) continue;
      const d = nose[t] - ears.reduce((a, b) => a + b, 0) / ears.length;
      if (Math.abs(d) > 0.03 * scale) votes[t] += Math.sign(d);
    }
  }
  const hip = x('mid_hip');
  if (hip) {
    const h = Math.max(1, Math.round(points.fps / 4));
    for (let t = 0; t < T; t++) {
      const a = Math.max(0, t - h);
      const b = Math.min(T - 1, t + h);
      if (b === a || !Number.isFinite(hip[a]) || !Number.isFinite(hip[b])) continue;
      const speed = ((hip[b] - hip[a]) * points.fps) / (b - a);
      if (Math.abs(speed) > 0.3 * scale) votes[t] += Math.sign(speed);
    }
  }
  const half = Math.max(0, Math.round(((options.windowSeconds ?? 1) * points.fps) / 2));
  const facing = new Int8Array(T);
  let sum = 0;
  for (let t = 0; t < Math.min(T, half); t++) sum += votes[t];
  for (let t = 0; t < T; t++) {
    if (t + half < T) sum += votes[t + half];
    if (t - half - 1 >= 0) sum -= votes[t - half - 1];
    facing[t] = Math.abs(sum) > 1e-9 ? (Math.sign(sum) as 1 | -1) : 0;
  }
  if (!facing.some((f) => f !== 0)) {
    throw new KinemaError(
      KINEMATICS_ERROR,
      'Cannot tell which way the person faces: no frame shows the feet (toe/heel), the face (nose and ' +
        'an ear) or a walk across the image. Set the facing (left or right) by hand.',
    );
  }
  fillNearest(facing);
  return facing;
}

/** Replaces zeros with the nearest non-zero value (earlier one on ties). */
function fillNearest(a: Int8Array): void {
  const src = a.slice();
  let last = -1;
  const next = new Int32Array(a.length).fill(-1);
  for (let i = a.length - 1, n = -1; i >= 0; i--) {
    if (src[i] !== 0) n = i;
    next[i] = n;
  }
  for (let i = 0; i < a.length; i++) {
    if (src[i] !== 0) {
      last = i;
      continue;
    }
    const n = next[i];
    if (last < 0) a[i] = src[n];
    else if (n < 0) a[i] = src[last];
    else a[i] = i - last <= n - i ? src[last] : src[n];
  }
}

/** Median shoulder–hip distance (2D units), or 1 when not measurable. */
function torsoLength(look: PointLookup, T: number): number {
  const sh = look.get('mid_shoulder');
  const hp = look.get('mid_hip');
  if (!sh || !hp) return 1;
  const d: number[] = [];
  for (let t = 0; t < T; t++) {
    const v = Math.hypot(sh[t * 2] - hp[t * 2], sh[t * 2 + 1] - hp[t * 2 + 1]);
    if (Number.isFinite(v) && v > 0) d.push(v);
  }
  if (!d.length) return 1;
  d.sort((a, b) => a - b);
  return d[d.length >> 1];
}

// ---------------------------------------------------------------------------------------------
// Computing

export interface AngleOptions {
  /** Standard angles to compute, by name (default: every one the points allow). */
  angles?: readonly string[];
  /** User-defined angles (validated with `validateAngleSpecs`). */
  custom?: readonly AngleSpec[];
  /** 2D only: which way the person faces; 'auto' (default) detects it per frame. */
  facing?: 'auto' | 'left' | 'right';
  /** 3D only: the lab's up axis. Default [0, 1, 0] (OpenSim). */
  up?: readonly [number, number, number];
  /**
   * Reference of hip flexion: 'trunk' (shoulders–hips line), 'pelvis' (needs `left_asis`,
   * `right_asis` and `sacrum`), 'auto' (default): pelvis when those points exist.
   */
  hipReference?: 'auto' | 'trunk' | 'pelvis';
}

export interface AngleSeries {
  name: string;
  /** Degrees per frame; NaN where a point is missing. */
  values: Float64Array;
  spec: AngleSpec;
  /** Frames with a value. */
  validFrames: number;
}

export interface AngleSet {
  fps: number;
  firstFrame: number;
  frameCount: number;
  dims: 2 | 3;
  angles: AngleSeries[];
  /** Requested or standard angles that could not be computed at any frame, with the reason. */
  unavailable: { name: string; reason: string }[];
  /** 2D: facing per frame (+1 right, −1 left); null for 3D. */
  facing: Int8Array | null;
}

/** The sagittal-frame projection of a vector per frame (see the module comment). */
type Projector = (t: number, v: readonly number[]) => [number, number];

function projector2d(facing: Int8Array): Projector {
  return (t, v) => [facing[t] * v[0], -v[1]];
}

function projector3d(look: PointLookup, up: readonly [number, number, number], T: number): Projector {
  const r = look.get('right_asis') && look.get('left_asis') ? 'asis' : 'hip';
  const R = look.get(`right_${r}`);
  const L = look.get(`left_${r}`);
  const frames = new Float64Array(T * 6).fill(NaN);
  if (R && L) {
    for (let t = 0; t < T; t++) {
      const lat = norm([R[t * 3] - L[t * 3], R[t * 3 + 1] - L[t * 3 + 1], R[t * 3 + 2] - L[t * 3 + 2]]);
      const d = dot(up, lat);
      const u = norm([up[0] - d * lat[0], up[1] - d * lat[1], up[2] - d * lat[2]]);
      const f = cross(u, lat);
      frames.set([...f, ...u], t * 6);
    }
  }
  return (t, v) => {
    const o = t * 6;
    return [
      v[0] * frames[o] + v[1] * frames[o + 1] + v[2] * frames[o + 2],
      v[0] * frames[o + 3] + v[1] * frames[o + 4] + v[2] * frames[o + 5],
    ];
  };
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function norm(v: readonly number[]): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  return n > 1e-12 ? [v[0] / n, v[1] / n, v[2] / n] : [NaN, NaN, NaN];
}

/**
 * Computes angles over every frame. Standard angles whose points the set lacks are listed in
 * `unavailable` with the reason; custom specs naming unknown points throw. Throws when not one
 * angle has a value at any frame (too few keypoints, or every keypoint below the score threshold).
 */
export function computeAngles(points: NamedPoints, options: AngleOptions = {}): AngleSet {
  assertNamedPoints(points);
  const look = new PointLookup(points);
  const T = points.frameCount;
  const { dims } = points;

  const known = standardAngleNames(dims);
  for (const n of options.angles ?? []) {
    if (!known.includes(n)) {
      throw new KinemaError(
        'BAD_ANGLE_SPEC',
        `Unknown standard angle "${n}" for ${dims}D points; known: ${known.join(', ')}`,
      );
    }
  }
  const custom = validateAngleSpecs(options.custom ?? []);
  for (const spec of custom) {
    const missing = spec.points.filter((p) => !look.has(p));
    if (missing.length) {
      throw new KinemaError(
        'BAD_ANGLE_SPEC',
        `Custom angle "${spec.name}": unknown point${missing.length > 1 ? 's' : ''} ` +
          `${missing.map((p) => `"${p}"`).join(', ')}; available: ${points.names.join(', ')}`,
      );
    }
  }

  const pelvisOk = look.has('sacrum') && look.has('mid_asis');
  const hipRef = options.hipReference ?? 'auto';
  if (hipRef === 'pelvis' && !pelvisOk) {
    throw new KinemaError(
      KINEMATICS_ERROR,
      'Hip flexion against the pelvis needs the points left_asis, right_asis and sacrum (or left_psis and right_psis)',
    );
  }
  const usePelvis = hipRef === 'pelvis' || (hipRef === 'auto' && pelvisOk);
  const standard = [...STANDARD_ANGLES, ...(dims === 3 ? STANDARD_3D : [])]
    .map((s) =>
      usePelvis && s.name.endsWith('_hip_flexion')
        ? pelvisHipSpec(s.name.startsWith('left') ? 'left' : 'right')
        : s,
    )
    .filter((s) => options.angles === undefined || options.angles.includes(s.name));

  for (const spec of custom) {
    if (standard.some((s) => s.name === spec.name)) {
      throw new KinemaError(
        'BAD_ANGLE_SPEC',
        `Custom angle "${spec.name}" has the name of a standard angle; give it another name`,
      );
    }
  }

  let facing: Int8Array | null = null;
  let project: Projector;
  if (dims === 2) {
    const f = options.facing ?? 'auto';
    facing = f === 'auto' ? detectFacing(points) : new Int8Array(T).fill(f === 'right' ? 1 : -1);
    project = projector2d(facing);
  } else {
    const up = options.up ?? [0, 1, 0];
    const n = Math.hypot(...up);
    if (!(n > 0)) throw new KinemaError(KINEMATICS_ERROR, `up axis [${up.join(', ')}] has no direction`);
    project = projector3d(look, [up[0] / n, up[1] / n, up[2] / n], T);
    if (!look.has('mid_asis') && !look.has('mid_hip')) {
      throw new KinemaError(
        KINEMATICS_ERROR,
        '3D sagittal angles need both hips (left_hip, right_hip) or both ASIS markers to find the body’s side-to-side axis',
      );
    }
  }

  const angles: AngleSeries[] = [];
  const unavailable: { name: string; reason: string }[] = [];
  for (const spec of [...standard, ...custom]) {
    const lacking = spec.points.filter((p) => !look.has(p));
    if (lacking.length) {
      unavailable.push({
        name: spec.name,
        reason: `the points lack ${[...new Set(lacking)].map(describePoint).join(', ')}`,
      });
      continue;
    }
    const values = evaluate(spec, look, project, T, dims);
    const validFrames = values.reduce((n, v) => n + (Number.isFinite(v) ? 1 : 0), 0);
    if (validFrames === 0) {
      unavailable.push({
        name: spec.name,
        reason: `${spec.points.join(', ')} are never all present in the same frame (missing or low confidence)`,
      });
      continue;
    }
    angles.push({ name: spec.name, values, spec, validFrames });
  }
  if (angles.length === 0) {
    const detail = unavailable
      .slice(0, 4)
      .map((u) => `${u.name}: ${u.reason}`)
      .join('; ');
    throw new KinemaError(
      'NO_ANGLES',
      `No angle could be computed in any of the ${T} frame${T === 1 ? '' : 's'} (${detail}${unavailable.length > 4 ? '; …' : ''})`,
    );
  }
  return { fps: points.fps, firstFrame: points.firstFrame, frameCount: T, dims, angles, unavailable, facing };
}

function evaluate(
  spec: AngleSpec,
  look: PointLookup,
  project: Projector,
  T: number,
  dims: 2 | 3,
): Float64Array {
  const P = spec.points.map((p) => look.get(p) as Float64Array);
  const out = new Float64Array(T);
  const vec = (a: Float64Array, b: Float64Array, t: number): number[] => {
    const v: number[] = [];
    for (let c = 0; c < dims; c++) v.push(b[t * dims + c] - a[t * dims + c]);
    return v;
  };
  const theta = (v: number[], t: number): number => {
    const [x, y] = project(t, v);
    return Math.hypot(x, y) > 0 ? Math.atan2(y, x) * DEG : NaN;
  };
  for (let t = 0; t < T; t++) {
    let raw: number;
    switch (spec.kind) {
      case 'inner': {
        const u = vec(P[1], P[0], t);
        const w = vec(P[1], P[2], t);
        const nu = Math.hypot(...u);
        const nw = Math.hypot(...w);
        let d = 0;
        for (let c = 0; c < dims; c++) d += u[c] * w[c];
        raw = nu > 0 && nw > 0 ? Math.acos(Math.max(-1, Math.min(1, d / (nu * nw)))) * DEG : NaN;
        break;
      }
      case 'signed':
        raw = wrap180(theta(vec(P[1], P[2], t), t) - theta(vec(P[1], P[0], t), t));
        break;
      case 'segment':
        raw = theta(vec(P[0], P[1], t), t);
        break;
      case 'segments':
        raw = wrap180(theta(vec(P[2], P[3], t), t) - theta(vec(P[0], P[1], t), t));
        break;
    }
    out[t] = raw;
  }
  // Unsigned angles never wrap; the others are unwrapped before sign and offset.
  if (spec.kind !== 'inner') unwrapDegrees(out);
  const sign = spec.sign ?? 1;
  const offset = spec.offset ?? 0;
  for (let t = 0; t < T; t++) out[t] = sign * out[t] + offset;
  if (spec.kind !== 'inner') unwrapDegrees(out, spec.center ?? circularMean(out));
  return out;
}

function circularMean(values: Float64Array): number {
  let s = 0;
  let c = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    s += Math.sin(v / DEG);
    c += Math.cos(v / DEG);
  }
  return s === 0 && c === 0 ? 0 : Math.atan2(s, c) * DEG;
}

/** The series of one angle by name; throws listing what the set has. */
export function angleByName(set: AngleSet, name: string): AngleSeries {
  const a = set.angles.find((x) => x.name === name);
  if (!a) {
    const why = set.unavailable.find((u) => u.name === name);
    throw new KinemaError(
      KINEMATICS_ERROR,
      why
        ? `Angle "${name}" is unavailable: ${why.reason}`
        : `No angle "${name}"; computed: ${set.angles.map((x) => x.name).join(', ')}`,
    );
  }
  return a;
}
