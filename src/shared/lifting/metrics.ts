/**
 * 3D pose accuracy metrics of the lifting literature (VideoPose3D's protocols), per joint and per
 * group (action / category).
 *
 *   - MPJPE (protocol 1): mean Euclidean distance between predicted and true joints, as given
 *     (both root-relative, so the root's error is 0 and counts in the mean, as VideoPose3D does).
 *   - P-MPJPE (protocol 2): the same after the prediction of each frame is aligned to the truth by
 *     the similarity transform (rotation, uniform scale, translation) that minimises the squared
 *     error (Procrustes; rotation from Horn's quaternion method, always proper, no reflection).
 *   - N-MPJPE: after scaling only (per frame, s = Σ p·g / Σ p·p), as VideoPose3D's n_mpjpe.
 *   - MPJVE: mean per-joint velocity error, ‖(p[t+1] − p[t]) − (g[t+1] − g[t])‖ averaged over
 *     consecutive frame pairs and joints: units per frame (millimetres per frame in a summary).
 * Points are frames × joints × 3 in metres; summaries are in millimetres.
 */

/** Mean per-joint position error (same units as the input). */
export function mpjpe(pred: ArrayLike<number>, gt: ArrayLike<number>): number {
  checkPair(pred, gt);
  const n = pred.length / 3;
  if (n === 0) throw new Error('mpjpe: no points');
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += Math.hypot(
      pred[i * 3] - gt[i * 3],
      pred[i * 3 + 1] - gt[i * 3 + 1],
      pred[i * 3 + 2] - gt[i * 3 + 2],
    );
  }
  return s / n;
}

function checkPair(pred: ArrayLike<number>, gt: ArrayLike<number>): void {
  if (pred.length !== gt.length)
    throw new Error(`Metrics: prediction has ${pred.length} numbers, truth ${gt.length}`);
  if (pred.length % 3 !== 0) throw new Error(`Metrics: ${pred.length} numbers is not a list of 3D points`);
}

/** Eigen-decomposition of a symmetric n×n matrix (row-major) by cyclic Jacobi rotations. */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: number[]; vectors: number[] } {
  const A = Array.from(a);
  const V: number[] = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  // Columns of V are the eigenvectors; return them as rows for convenience.
  const values = Array.from({ length: n }, (_, i) => A[i * n + i]);
  const vectors: number[] = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vectors.push(V[k * n + i]);
  return { values, vectors };
}

export interface Similarity {
  /** Row-major 3×3 proper rotation. */
  rotation: number[];
  scale: number;
  /** Applied after rotation and scale. */
  translation: [number, number, number];
}

/**
 * The similarity transform (rotation, uniform scale, translation) that best maps `source` points
 * onto `target` points (each joints × 3) in the least-squares sense. `allowScale` false fixes the
 * scale at 1 (rigid).
 */
export function procrustes(
  source: ArrayLike<number>,
  target: ArrayLike<number>,
  allowScale = true,
): Similarity {
  checkPair(source, target);
  const n = source.length / 3;
  const ma = [0, 0, 0];
  const mb = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      ma[c] += source[i * 3 + c] / n;
      mb[c] += target[i * 3 + c] / n;
    }
  }
  // Cross-covariance S[r][c] = Σ a_r b_c of the centred points, and Σ |a|².
  const S = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let aa = 0;
  for (let i = 0; i < n; i++) {
    const a = [source[i * 3] - ma[0], source[i * 3 + 1] - ma[1], source[i * 3 + 2] - ma[2]];
    const b = [target[i * 3] - mb[0], target[i * 3 + 1] - mb[1], target[i * 3 + 2] - mb[2]];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) S[r * 3 + c] += a[r] * b[c];
    aa += a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
  }
  const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = S;
  // Horn (1987): the unit quaternion maximising Σ b·(R a) is the top eigenvector of N.
  const N = [
    sxx + syy + szz, syz - szy, szx - sxz, sxy - syx,
    syz - szy, sxx - syy - szz, sxy + syx, szx + sxz,
    szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy,
    sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz,
  ]; // prettier-ignore
  const { values, vectors } = symmetricEigen(N, 4);
  let best = 0;
  for (let i = 1; i < 4; i++) if (values[i] > values[best]) best = i;
  const [w, x, y, z] = vectors.slice(best * 4, best * 4 + 4);
  const R = [
    w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z,
  ]; // prettier-ignore
  // Σ b·(R a) = Σ_rc R[r][c] S[c][r] (trace of R Sᵀ... written out).
  let bRa = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) bRa += R[r * 3 + c] * S[c * 3 + r];
  const scale = allowScale ? (aa > 0 ? bRa / aa : 1) : 1;
  const Rm = [
    R[0] * ma[0] + R[1] * ma[1] + R[2] * ma[2],
    R[3] * ma[0] + R[4] * ma[1] + R[5] * ma[2],
    R[6] * ma[0] + R[7] * ma[1] + R[8] * ma[2],
  ];
  return {
    rotation: R,
    scale,
    translation: [mb[0] - scale * Rm[0], mb[1] - scale * Rm[1], mb[2] - scale * Rm[2]],
  };
}

/** Applies a similarity transform to points (N × 3). */
export function applySimilarity(points: ArrayLike<number>, t: Similarity): Float32Array {
  const out = new Float32Array(points.length);
  const R = t.rotation;
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i];
    const y = points[i + 1];
    const z = points[i + 2];
    out[i] = t.scale * (R[0] * x + R[1] * y + R[2] * z) + t.translation[0];
    out[i + 1] = t.scale * (R[3] * x + R[4] * y + R[5] * z) + t.translation[1];
    out[i + 2] = t.scale * (R[6] * x + R[7] * y + R[8] * z) + t.translation[2];
  }
  return out;
}

/** P-MPJPE: MPJPE after per-frame similarity alignment of the prediction to the truth. */
export function pMpjpe(pred: ArrayLike<number>, gt: ArrayLike<number>, joints: number): number {
  return perJointErrors(pred, gt, joints).pMpjpe.reduce((a, b) => a + b, 0) / joints;
}

/** N-MPJPE: MPJPE after per-frame optimal scaling of the prediction. */
export function nMpjpe(pred: ArrayLike<number>, gt: ArrayLike<number>, joints: number): number {
  return perJointErrors(pred, gt, joints).nMpjpe.reduce((a, b) => a + b, 0) / joints;
}

/** MPJVE: mean per-joint velocity error (units per frame). Needs at least two frames. */
export function meanVelocityError(pred: ArrayLike<number>, gt: ArrayLike<number>, joints: number): number {
  const e = perJointErrors(pred, gt, joints).velocity;
  return e.reduce((a, b) => a + b, 0) / joints;
}

interface JointSums {
  frames: number;
  /** Frame pairs that entered the velocity error. */
  pairs: number;
  mpjpe: Float64Array;
  pMpjpe: Float64Array;
  nMpjpe: Float64Array;
  velocity: Float64Array;
}

function emptySums(joints: number): JointSums {
  return {
    frames: 0,
    pairs: 0,
    mpjpe: new Float64Array(joints),
    pMpjpe: new Float64Array(joints),
    nMpjpe: new Float64Array(joints),
    velocity: new Float64Array(joints),
  };
}

function accumulate(sums: JointSums, pred: ArrayLike<number>, gt: ArrayLike<number>, joints: number): void {
  checkPair(pred, gt);
  const size = joints * 3;
  if (pred.length % size !== 0)
    throw new Error(`Metrics: ${pred.length} numbers is not frames × ${joints} × 3`);
  const frames = pred.length / size;
  const dist = (a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number): number =>
    Math.hypot(a[ia] - b[ib], a[ia + 1] - b[ib + 1], a[ia + 2] - b[ib + 2]);
  for (let t = 0; t < frames; t++) {
    const o = t * size;
    const p = Array.prototype.slice.call(pred, o, o + size) as number[];
    const g = Array.prototype.slice.call(gt, o, o + size) as number[];
    for (const v of p)
      if (!Number.isFinite(v)) throw new Error(`Metrics: prediction of frame ${t} is not finite`);
    for (const v of g) if (!Number.isFinite(v)) throw new Error(`Metrics: truth of frame ${t} is not finite`);
    const aligned = applySimilarity(p, procrustes(p, g));
    let pg = 0;
    let pp = 0;
    for (let i = 0; i < size; i++) {
      pg += p[i] * g[i];
      pp += p[i] * p[i];
    }
    const s = pp > 0 ? pg / pp : 1;
    for (let j = 0; j < joints; j++) {
      const i = j * 3;
      sums.mpjpe[j] += dist(p, i, g, i);
      sums.pMpjpe[j] += dist(aligned, i, g, i);
      sums.nMpjpe[j] += Math.hypot(s * p[i] - g[i], s * p[i + 1] - g[i + 1], s * p[i + 2] - g[i + 2]);
    }
    if (t + 1 < frames) {
      const n = o + size;
      for (let j = 0; j < joints; j++) {
        const i = j * 3;
        let q = 0;
        for (let c = 0; c < 3; c++) {
          const d = pred[n + i + c] - pred[o + i + c] - (gt[n + i + c] - gt[o + i + c]);
          q += d * d;
        }
        sums.velocity[j] += Math.sqrt(q);
      }
      sums.pairs++;
    }
  }
  sums.frames += frames;
}

function perJointErrors(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  joints: number,
): { mpjpe: number[]; pMpjpe: number[]; nMpjpe: number[]; velocity: number[] } {
  const s = emptySums(joints);
  accumulate(s, pred, gt, joints);
  if (s.frames === 0) throw new Error('Metrics: no frames');
  return {
    mpjpe: Array.from(s.mpjpe, (v) => v / s.frames),
    pMpjpe: Array.from(s.pMpjpe, (v) => v / s.frames),
    nMpjpe: Array.from(s.nMpjpe, (v) => v / s.frames),
    velocity: Array.from(s.velocity, (v) => (s.pairs > 0 ? v / s.pairs : NaN)),
  };
}

/** One row of a metrics table, millimetres (velocity: millimetres per frame). */
export interface MetricSet {
  frames: number;
  mpjpeMm: number;
  pMpjpeMm: number;
  nMpjpeMm: number;
  /** NaN where no sequence had two frames. */
  velocityMmPerFrame: number;
}

export interface MetricsSummary {
  overall: MetricSet;
  /** Per joint, in the joints' order. */
  perJoint: MetricSet[];
  /** Per group (action, category), sorted by name. */
  perGroup: Record<string, MetricSet>;
}

function toSet(s: JointSums, joint?: number): MetricSet {
  const mean = (a: Float64Array, n: number): number => {
    if (n === 0) return NaN;
    if (joint !== undefined) return (a[joint] / n) * 1000;
    let t = 0;
    for (const v of a) t += v;
    return (t / a.length / n) * 1000;
  };
  return {
    frames: s.frames,
    mpjpeMm: mean(s.mpjpe, s.frames),
    pMpjpeMm: mean(s.pMpjpe, s.frames),
    nMpjpeMm: mean(s.nMpjpe, s.frames),
    velocityMmPerFrame: mean(s.velocity, s.pairs),
  };
}

/**
 * Accumulates the metrics over many sequences (each added whole, so velocities never straddle two
 * sequences) and summarises them overall, per joint and per group. Every frame weighs the same.
 */
export class LiftingMetrics {
  private readonly total: JointSums;
  private readonly groups = new Map<string, JointSums>();

  constructor(readonly joints: number) {
    if (!(joints > 0)) throw new Error('LiftingMetrics: joints must be positive');
    this.total = emptySums(joints);
  }

  /** Adds one sequence (frames × joints × 3, metres), counted in `groups` too. */
  add(pred: ArrayLike<number>, gt: ArrayLike<number>, groups: readonly string[] = []): void {
    const seq = emptySums(this.joints);
    accumulate(seq, pred, gt, this.joints);
    const merge = (into: JointSums): void => {
      into.frames += seq.frames;
      into.pairs += seq.pairs;
      for (let j = 0; j < this.joints; j++) {
        into.mpjpe[j] += seq.mpjpe[j];
        into.pMpjpe[j] += seq.pMpjpe[j];
        into.nMpjpe[j] += seq.nMpjpe[j];
        into.velocity[j] += seq.velocity[j];
      }
    };
    merge(this.total);
    for (const g of groups) {
      let s = this.groups.get(g);
      if (!s) this.groups.set(g, (s = emptySums(this.joints)));
      merge(s);
    }
  }

  summary(): MetricsSummary {
    if (this.total.frames === 0) throw new Error('LiftingMetrics: nothing was added');
    const perGroup: Record<string, MetricSet> = {};
    for (const name of [...this.groups.keys()].sort()) perGroup[name] = toSet(this.groups.get(name)!);
    return {
      overall: toSet(this.total),
      perJoint: Array.from({ length: this.joints }, (_, j) => toSet(this.total, j)),
      perGroup,
    };
  }
}
