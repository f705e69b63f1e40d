/**
 * Per-frame features of a pose sequence that need no training, for DTW alignment: normalised
 * keypoints, bone directions and joint-angle cosines, from 2D poses (a PoseTrack) or from 3D
 * joints ([T, J, 3], e.g. lifted poses).
 *
 * Normalisation: the root is the mid-hip; the scale is the torso length (mid-hip to
 * mid-shoulder), by default the median over the track so that bending over does not inflate the
 * pose. Joints scoring below `minScore`, and every joint of a frame whose hips or shoulders are
 * not seen, are filled by linear interpolation in time from the nearest good frames (held at the
 * ends); a joint never seen in the whole sequence is 0 and so are the features it touches.
 * Frames where the person is absent from the track are rows of NaN (DTW's missing frames).
 */
import { getSkeleton, type SkeletonId } from '../skeletons';
import type { PoseTrack } from '../pose';

export interface FeatureSequence {
  /** rows × dim, row-major; a row of NaN where the person is absent. */
  values: Float32Array;
  dim: number;
  /** The video frame (2D) or input row (3D) of each row. */
  frames: Int32Array;
  /** One name per dimension, e.g. 'left_knee.x', 'bone:left_hip>left_knee.y', 'angle:left_knee'. */
  names: string[];
}

export type Feature2dKind = 'keypoints' | 'bones' | 'angles';
export type Feature3dKind = 'joints' | 'bones' | 'angles';

export interface Features2dOptions {
  /** Which features, concatenated in this order (default bones then angles: the view-robust ones). */
  kinds?: readonly Feature2dKind[];
  /** Keypoints scoring below are treated as unseen (default 0.3, as the smoothing filters). */
  minScore?: number;
  /** Bone directions in the body frame (up = mid-hip → mid-shoulder) rather than the image's (default true). */
  bodyFrame?: boolean;
  /** Torso length of the whole track (median) or of each frame (default 'track'). */
  scale?: 'track' | 'frame';
  /** One row per video frame from the first to the last, NaN where absent (default true). */
  fillGaps?: boolean;
}

export interface Features3dOptions {
  /** Default bones then angles. */
  kinds?: readonly Feature3dKind[];
}

const FACE = /(^nose$|eye|ear|mouth)/;

/** Angles measured at the middle joint; the first name of an alternative found is used. */
const ANGLE_TRIPLETS: readonly { name: string; joints: readonly (readonly string[])[] }[] = [
  'left',
  'right',
].flatMap((side) => [
  { name: `${side}_shoulder`, joints: [[`${side}_hip`], [`${side}_shoulder`], [`${side}_elbow`]] },
  { name: `${side}_elbow`, joints: [[`${side}_shoulder`], [`${side}_elbow`], [`${side}_wrist`]] },
  { name: `${side}_hip`, joints: [[`${side}_shoulder`], [`${side}_hip`], [`${side}_knee`]] },
  {
    name: `${side}_knee`,
    joints: [[`${side}_hip`], [`${side}_knee`], [`${side}_ankle`, `${side}_foot`, `${side}_heel`]],
  },
]);

interface Layout {
  joints: readonly string[];
  leftHip: number;
  rightHip: number;
  leftShoulder: number;
  rightShoulder: number;
  /** Top of the spine for 3D skeletons that have one (H36M 'thorax'), else −1 (mid-shoulder). */
  thorax: number;
  bones: [number, number][];
  angles: { name: string; a: number; b: number; c: number }[];
}

function layoutOf(skeletonId: SkeletonId): Layout {
  const sk = getSkeleton(skeletonId);
  const idx = (name: string) => sk.joints.indexOf(name);
  const need = ['left_hip', 'right_hip', 'left_shoulder', 'right_shoulder'];
  const missing = need.filter((n) => idx(n) < 0);
  if (missing.length) {
    throw new Error(
      `features: skeleton ${skeletonId} has no ${missing.join(', ')} (needed for the body frame)`,
    );
  }
  const bones = sk.links
    .filter(([a, b]) => !FACE.test(sk.joints[a]) && !FACE.test(sk.joints[b]))
    .map(([a, b]) => [a, b] as [number, number]);
  const angles: Layout['angles'] = [];
  for (const t of ANGLE_TRIPLETS) {
    const found = t.joints.map((alts) => alts.map(idx).find((i) => i >= 0) ?? -1);
    if (found.every((i) => i >= 0)) angles.push({ name: t.name, a: found[0], b: found[1], c: found[2] });
  }
  return {
    joints: sk.joints,
    leftHip: idx('left_hip'),
    rightHip: idx('right_hip'),
    leftShoulder: idx('left_shoulder'),
    rightShoulder: idx('right_shoulder'),
    thorax: idx('thorax'),
    bones,
    angles,
  };
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Fills NaN entries of each column of `p` (rows × cols) by linear interpolation over `times`,
 * holding the nearest value at the ends; a column with no finite value becomes 0.
 */
function fillColumns(p: Float64Array, rows: number, cols: number, times: ArrayLike<number>): void {
  for (let c = 0; c < cols; c++) {
    let prev = -1;
    for (let r = 0; r <= rows; r++) {
      if (r < rows && !Number.isFinite(p[r * cols + c])) continue;
      // Rows prev+1 … r−1 are unknown: between two known rows, at the start, or at the end.
      for (let g = prev + 1; g < r; g++) {
        let v: number;
        if (prev < 0 && r === rows) v = 0;
        else if (prev < 0) v = p[r * cols + c];
        else if (r === rows) v = p[prev * cols + c];
        else {
          const w = (times[g] - times[prev]) / (times[r] - times[prev]);
          v = p[prev * cols + c] * (1 - w) + p[r * cols + c] * w;
        }
        p[g * cols + c] = v;
      }
      prev = r;
    }
  }
}

/** Unit vector of (x, y[, z]) written at out[o…]; zeros when it has no length. */
function writeUnit(out: Float32Array, o: number, v: number[]): void {
  const len = Math.hypot(...v);
  for (let k = 0; k < v.length; k++) out[o + k] = len > 1e-12 ? v[k] / len : 0;
}

function angleCosine(p: Float64Array, o: number, a: number, b: number, c: number, d: number): number {
  let dot = 0;
  let na = 0;
  let nc = 0;
  for (let k = 0; k < d; k++) {
    const u = p[o + a * d + k] - p[o + b * d + k];
    const w = p[o + c * d + k] - p[o + b * d + k];
    dot += u * w;
    na += u * u;
    nc += w * w;
  }
  return na > 1e-24 && nc > 1e-24 ? dot / Math.sqrt(na * nc) : 0;
}

function checkKinds<T extends string>(kinds: readonly T[], allowed: readonly T[]): void {
  if (kinds.length === 0) throw new Error('features: no feature kind asked for');
  for (const k of kinds) {
    if (!allowed.includes(k)) throw new Error(`features: unknown kind '${k}' (${allowed.join(', ')})`);
  }
}

/**
 * Features of a 2D track (see the module comment). Coordinates keep the image's axes (y down)
 * unless `bodyFrame`; angles are invariant to translation, scale and in-plane rotation anyway.
 */
export function poseFeatures2d(track: PoseTrack, options: Features2dOptions = {}): FeatureSequence {
  const kinds = options.kinds ?? ['bones', 'angles'];
  checkKinds(kinds, ['keypoints', 'bones', 'angles']);
  const minScore = options.minScore ?? 0.3;
  const bodyFrame = options.bodyFrame ?? true;
  const scaleMode = options.scale ?? 'track';
  if (scaleMode !== 'track' && scaleMode !== 'frame')
    throw new Error(`features: unknown scale '${String(scaleMode)}'`);
  const L = layoutOf(track.skeletonId);
  const K = L.joints.length;
  const T = track.frames.length;
  if (T === 0) throw new Error(`features: track ${track.trackId} has no frames`);
  if (track.keypoints.length !== T * K * 3) {
    throw new Error(
      `features: track ${track.trackId} has ${track.keypoints.length} keypoint values, expected ${T} × ${K} × 3`,
    );
  }
  const kp = track.keypoints;
  const seen = (r: number, j: number) => {
    const o = (r * K + j) * 3;
    return kp[o + 2] >= minScore && Number.isFinite(kp[o]) && Number.isFinite(kp[o + 1]);
  };
  const mid = (r: number, i: number, j: number, c: number) =>
    (kp[(r * K + i) * 3 + c] + kp[(r * K + j) * 3 + c]) / 2;
  // Root and torso per frame (NaN where the hips or shoulders are not both seen).
  const root = new Float64Array(T * 2).fill(NaN);
  const torso = new Float64Array(T).fill(NaN);
  const torsos: number[] = [];
  for (let r = 0; r < T; r++) {
    if (!(seen(r, L.leftHip) && seen(r, L.rightHip) && seen(r, L.leftShoulder) && seen(r, L.rightShoulder)))
      continue;
    const hx = mid(r, L.leftHip, L.rightHip, 0);
    const hy = mid(r, L.leftHip, L.rightHip, 1);
    const len = Math.hypot(
      mid(r, L.leftShoulder, L.rightShoulder, 0) - hx,
      mid(r, L.leftShoulder, L.rightShoulder, 1) - hy,
    );
    if (!(len > 0)) continue;
    root[r * 2] = hx;
    root[r * 2 + 1] = hy;
    torso[r] = len;
    torsos.push(len);
  }
  if (torsos.length === 0) {
    throw new Error(
      `features: track ${track.trackId} has no frame with both hips and both shoulders scoring ≥ ${minScore}`,
    );
  }
  const trackScale = median(torsos);
  const pts = new Float64Array(T * K * 2).fill(NaN);
  for (let r = 0; r < T; r++) {
    if (Number.isNaN(torso[r])) continue;
    const s = scaleMode === 'track' ? trackScale : torso[r];
    for (let j = 0; j < K; j++) {
      if (!seen(r, j)) continue;
      const o = (r * K + j) * 3;
      pts[(r * K + j) * 2] = (kp[o] - root[r * 2]) / s;
      pts[(r * K + j) * 2 + 1] = (kp[o + 1] - root[r * 2 + 1]) / s;
    }
  }
  fillColumns(pts, T, K * 2, track.frames);

  const names: string[] = [];
  for (const kind of kinds) {
    if (kind === 'keypoints') for (const j of L.joints) names.push(`${j}.x`, `${j}.y`);
    if (kind === 'bones')
      for (const [a, b] of L.bones)
        names.push(`bone:${L.joints[a]}>${L.joints[b]}.x`, `bone:${L.joints[a]}>${L.joints[b]}.y`);
    if (kind === 'angles') for (const t of L.angles) names.push(`angle:${t.name}`);
  }
  const dim = names.length;
  const fillGaps = options.fillGaps ?? true;
  const first = track.frames[0];
  const rows = fillGaps ? track.frames[T - 1] - first + 1 : T;
  const values = new Float32Array(rows * dim).fill(NaN);
  const frames = fillGaps
    ? Int32Array.from({ length: rows }, (_, i) => first + i)
    : Int32Array.from(track.frames);
  for (let r = 0; r < T; r++) {
    const row = fillGaps ? track.frames[r] - first : r;
    let o = row * dim;
    const P = r * K * 2;
    const x = (j: number) => pts[P + j * 2];
    const y = (j: number) => pts[P + j * 2 + 1];
    // Body frame: up from mid-hip to mid-shoulder, side perpendicular to it.
    let ux = (x(L.leftShoulder) + x(L.rightShoulder) - x(L.leftHip) - x(L.rightHip)) / 2;
    let uy = (y(L.leftShoulder) + y(L.rightShoulder) - y(L.leftHip) - y(L.rightHip)) / 2;
    const ul = Math.hypot(ux, uy);
    if (ul > 1e-12) {
      ux /= ul;
      uy /= ul;
    } else {
      ux = 0;
      uy = -1;
    }
    for (const kind of kinds) {
      if (kind === 'keypoints') {
        for (let j = 0; j < K * 2; j++) values[o++] = pts[P + j];
      } else if (kind === 'bones') {
        for (const [a, b] of L.bones) {
          const dx = x(b) - x(a);
          const dy = y(b) - y(a);
          writeUnit(values, o, bodyFrame ? [dx * -uy + dy * ux, dx * ux + dy * uy] : [dx, dy]);
          o += 2;
        }
      } else {
        for (const t of L.angles) values[o++] = angleCosine(pts, P, t.a, t.b, t.c, 2);
      }
    }
  }
  return { values, dim, frames, names };
}

/**
 * Features of 3D joints ([T, J, 3] in `skeletonId`'s order, any units; NaN = unknown joint) in a
 * body frame: origin at the mid-hip, x from right hip to left hip, y up the spine (to the thorax,
 * or the mid-shoulder) made orthogonal to x, z = x × y. Every kind is therefore invariant to
 * translation and to any rotation of the whole body (a camera's view about the vertical axis
 * included); joints are divided by the median torso length, so they are scale-invariant too.
 */
export function poseFeatures3d(
  joints: Float32Array | Float64Array,
  jointCount: number,
  skeletonId: SkeletonId,
  options: Features3dOptions = {},
): FeatureSequence {
  const kinds = options.kinds ?? ['bones', 'angles'];
  checkKinds(kinds, ['joints', 'bones', 'angles']);
  const L = layoutOf(skeletonId);
  const J = L.joints.length;
  if (jointCount !== J)
    throw new Error(`features: ${jointCount} joints given but skeleton ${skeletonId} has ${J}`);
  if (joints.length === 0) throw new Error('features: no frames of 3D joints');
  if (joints.length % (J * 3) !== 0) {
    throw new Error(`features: ${joints.length} values is not a whole number of frames of ${J} joints × 3`);
  }
  const T = joints.length / (J * 3);
  const pts = Float64Array.from(joints);
  fillColumns(
    pts,
    T,
    J * 3,
    Int32Array.from({ length: T }, (_, i) => i),
  );
  const names: string[] = [];
  for (const kind of kinds) {
    if (kind === 'joints') for (const j of L.joints) names.push(`${j}.x`, `${j}.y`, `${j}.z`);
    if (kind === 'bones')
      for (const [a, b] of L.bones)
        for (const c of ['x', 'y', 'z']) names.push(`bone:${L.joints[a]}>${L.joints[b]}.${c}`);
    if (kind === 'angles') for (const t of L.angles) names.push(`angle:${t.name}`);
  }
  const dim = names.length;
  const values = new Float32Array(T * dim);
  const p = (r: number, j: number, c: number) => pts[(r * J + j) * 3 + c];
  const top = (r: number, c: number) =>
    L.thorax >= 0 ? p(r, L.thorax, c) : (p(r, L.leftShoulder, c) + p(r, L.rightShoulder, c)) / 2;
  const hip = (r: number, c: number) => (p(r, L.leftHip, c) + p(r, L.rightHip, c)) / 2;
  const torsos: number[] = [];
  for (let r = 0; r < T; r++) {
    const len = Math.hypot(top(r, 0) - hip(r, 0), top(r, 1) - hip(r, 1), top(r, 2) - hip(r, 2));
    if (len > 0) torsos.push(len);
  }
  if (torsos.length === 0) throw new Error('features: no frame has a torso (hips and spine/shoulders apart)');
  const scale = median(torsos);
  const cross = (u: number[], v: number[]) => [
    u[1] * v[2] - u[2] * v[1],
    u[2] * v[0] - u[0] * v[2],
    u[0] * v[1] - u[1] * v[0],
  ];
  const unit = (u: number[]) => {
    const l = Math.hypot(...u);
    return l > 1e-12 ? u.map((x) => x / l) : null;
  };
  for (let r = 0; r < T; r++) {
    const ex = unit([0, 1, 2].map((c) => p(r, L.leftHip, c) - p(r, L.rightHip, c)));
    const up = [0, 1, 2].map((c) => top(r, c) - hip(r, c));
    const ez = ex ? unit(cross(ex, up)) : null;
    let o = r * dim;
    if (!ex || !ez) {
      values.fill(NaN, o, o + dim); // hips on top of each other or spine along the hip line: no frame
      continue;
    }
    const ey = cross(ez, ex);
    const toBody = (v: number[]) =>
      [0, 1, 2].map((_, k) => [ex, ey, ez][k].reduce((s, e, c) => s + e * v[c], 0));
    const origin = [0, 1, 2].map((c) => hip(r, c));
    for (const kind of kinds) {
      if (kind === 'joints') {
        for (let j = 0; j < J; j++) {
          const v = toBody([0, 1, 2].map((c) => p(r, j, c) - origin[c]));
          for (let c = 0; c < 3; c++) values[o++] = v[c] / scale;
        }
      } else if (kind === 'bones') {
        for (const [a, b] of L.bones) {
          writeUnit(values, o, toBody([0, 1, 2].map((c) => p(r, b, c) - p(r, a, c))));
          o += 3;
        }
      } else {
        for (const t of L.angles) values[o++] = angleCosine(pts, r * J * 3, t.a, t.b, t.c, 3);
      }
    }
  }
  return { values, dim, frames: Int32Array.from({ length: T }, (_, i) => i), names };
}

/** The features of several sequences of the same frames side by side. */
export function concatFeatures(...seqs: FeatureSequence[]): FeatureSequence {
  if (seqs.length === 0) throw new Error('concatFeatures: nothing to concatenate');
  const rows = seqs[0].frames.length;
  seqs.forEach((s, k) => {
    if (s.values.length !== s.frames.length * s.dim) {
      throw new Error(
        `concatFeatures: sequence ${k} has ${s.values.length} values, expected ${s.frames.length} × ${s.dim}`,
      );
    }
    if (s.frames.length !== rows || s.frames.some((f, i) => f !== seqs[0].frames[i])) {
      throw new Error(`concatFeatures: sequence ${k} covers other frames than sequence 0`);
    }
  });
  const dim = seqs.reduce((s, q) => s + q.dim, 0);
  const values = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let o = r * dim;
    for (const s of seqs) {
      values.set(s.values.subarray(r * s.dim, (r + 1) * s.dim), o);
      o += s.dim;
    }
  }
  return { values, dim, frames: Int32Array.from(seqs[0].frames), names: seqs.flatMap((s) => s.names) };
}

export interface ZScoreStats {
  mean: Float64Array;
  std: Float64Array;
}

/** Mean and standard deviation of each dimension over the finite values of all the sequences. */
export function zScoreStats(seqs: readonly FeatureSequence[]): ZScoreStats {
  if (seqs.length === 0) throw new Error('zScoreStats: no sequences');
  const dim = seqs[0].dim;
  if (seqs.some((s) => s.dim !== dim)) throw new Error('zScoreStats: sequences differ in dimension');
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  const count = new Float64Array(dim);
  for (const s of seqs) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      const d = i % dim;
      sum[d] += v;
      sq[d] += v * v;
      count[d]++;
    }
  }
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    if (count[d] === 0) continue;
    mean[d] = sum[d] / count[d];
    std[d] = Math.sqrt(Math.max(0, sq[d] / count[d] - mean[d] * mean[d]));
  }
  return { mean, std };
}

/**
 * (value − mean) / std per dimension; a constant dimension (std ≈ 0) becomes 0 rather than
 * dividing by zero. NaN stays NaN.
 */
export function applyZScore(seq: FeatureSequence, stats: ZScoreStats): FeatureSequence {
  if (stats.mean.length !== seq.dim) {
    throw new Error(
      `applyZScore: statistics of ${stats.mean.length} dimensions for a sequence of ${seq.dim}`,
    );
  }
  const values = new Float32Array(seq.values.length);
  for (let i = 0; i < values.length; i++) {
    const d = i % seq.dim;
    const s = stats.std[d];
    values[i] = s > 1e-9 ? (seq.values[i] - stats.mean[d]) / s : Number.isNaN(seq.values[i]) ? NaN : 0;
  }
  return { ...seq, values, frames: Int32Array.from(seq.frames), names: [...seq.names] };
}

/** Z-scores a sequence with its own statistics. */
export function zScore(seq: FeatureSequence): FeatureSequence {
  return applyZScore(seq, zScoreStats([seq]));
}
