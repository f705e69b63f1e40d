/**
 * Exact t-SNE (van der Maaten & Hinton, JMLR 2008) for a 2D map of per-frame embeddings of a few
 * clips, coloured by clip (issue 6: "a 2D map (t-SNE or UMAP) of the embeddings").
 *
 * Why t-SNE and exact: a map of several clips is a few hundred to ~3,000 frames, where the exact
 * O(n²) algorithm has no approximation to tune, is deterministic for a seed, has one parameter that
 * matters (perplexity), and puts frames of the same phase from different clips together, which is
 * what the map is for. UMAP would add a nearest-neighbour graph and a stochastic optimiser for no
 * gain at this size. Cost per iteration is ~n²/2 pair updates: measured on one core of a busy
 * 2-core machine, 1,000 points × 1,000 iterations take 6.6 s and 3,000 points 58 s, so run it in a
 * worker, and subsample frames (every 2nd or 3rd) for maps of many long clips.
 *
 * Steps:
 *   1. input affinities: for each point i, a Gaussian over the others whose precision β_i is found
 *      by bisection so that the conditional distribution's perplexity 2^H (H in bits, here e^H
 *      with H in nats) equals `perplexity`; P = (P_j|i + P_i|j) / 2n;
 *   2. output affinities: Student-t with one degree of freedom, q_ij ∝ (1 + ‖y_i − y_j‖²)⁻¹;
 *   3. gradient descent on KL(P ‖ Q): ∂C/∂y_i = 4 Σ_j (p_ij − q_ij)(1 + ‖y_i − y_j‖²)⁻¹ (y_i − y_j),
 *      with early exaggeration (P × 12 for the first 250 iterations), momentum 0.5 then 0.8,
 *      per-coordinate adaptive gains (+0.2 / × 0.8, floor 0.01; Jacobs 1988, as the paper's
 *      reference implementation does), learning rate max(n / 12 / 4, 50) by default
 *      (Belkina et al. 2019), and the map re-centred after every step.
 * The start is Gaussian noise of standard deviation 1e-4 from a seeded generator, so the result
 * depends only on the input and the options.
 *
 * Rows with a non-finite value (absent frames) are left out and come back as NaN coordinates.
 */
import { Rng } from '../lifting/rng';

export interface TsneOptions {
  /** Effective number of neighbours (default 30); lowered to (n − 1) / 3 for small inputs. */
  perplexity?: number;
  /** Gradient steps (default 1000). */
  iterations?: number;
  /** Factor on P during the first `exaggerationIterations` steps (default 12). */
  earlyExaggeration?: number;
  exaggerationIterations?: number;
  /** Step size; default max(n / earlyExaggeration / 4, 50). */
  learningRate?: number;
  /** Seed of the initial map (default 1). */
  seed?: number;
  /** Called every `progressEvery` iterations (default 50). */
  onProgress?: (iteration: number, iterations: number) => void;
  progressEvery?: number;
  /** Checked every `progressEvery` iterations; aborting throws an AbortError. */
  signal?: AbortSignal;
}

export interface TsneResult {
  /** n × 2 row-major; NaN for rows that were left out. */
  coords: Float32Array;
  /** The perplexity used (after lowering for small inputs). */
  perplexity: number;
  /** KL(P ‖ Q) of the final map (without exaggeration). */
  kl: number;
  /** Rows mapped (rows with only finite values). */
  mapped: number;
}

/** Above this many rows the exact algorithm is refused (memory ~4·n² bytes, time ~n² per step). */
export const TSNE_MAX_POINTS = 5000;

function abortError(): Error {
  const err = new Error('Cancelled');
  err.name = 'AbortError';
  return err;
}

/**
 * Conditional affinities of each row (bisection on the precision to match the perplexity), then
 * symmetrised and normalised: the joint P as an n × n row-major matrix (zero diagonal), stored in
 * float32 to halve the memory of large maps (the sums that read it are float64).
 */
export function jointProbabilities(
  x: Float64Array,
  n: number,
  dim: number,
  perplexity: number,
): Float32Array {
  const P = new Float32Array(n * n);
  const target = Math.log(perplexity); // entropy in nats
  const d = new Float64Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dmin = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = x[i * dim + k] - x[j * dim + k];
        s += t * t;
      }
      d[j] = s;
      if (s < dmin) dmin = s;
    }
    let beta = 1;
    let lo = 0;
    let hi = Infinity;
    for (let it = 0; it < 100; it++) {
      // p_j ∝ exp(−β (d_j − d_min)); H = log Σ + β Σ p_j (d_j − d_min).
      let sum = 0;
      for (let j = 0; j < n; j++) {
        p[j] = j === i ? 0 : Math.exp(-beta * (d[j] - dmin));
        sum += p[j];
      }
      let dp = 0;
      for (let j = 0; j < n; j++) {
        p[j] /= sum;
        if (j !== i) dp += p[j] * (d[j] - dmin);
      }
      const H = Math.log(sum) + beta * dp;
      const diff = H - target;
      if (Math.abs(diff) < 1e-5) break;
      if (diff > 0) {
        // Too flat: sharpen.
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
    for (let j = 0; j < n; j++) P[i * n + j] = p[j];
  }
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    P[i * n + i] = 0;
    for (let j = i + 1; j < n; j++) {
      const v = (P[i * n + j] + P[j * n + i]) * scale;
      P[i * n + j] = v;
      P[j * n + i] = v;
    }
  }
  return P;
}

/** Exact t-SNE of `rows × dim` points to 2D; see the module comment. */
export function tsne(
  points: Float32Array | Float64Array,
  dim: number,
  options: TsneOptions = {},
): TsneResult {
  if (!Number.isInteger(dim) || dim < 1)
    throw new Error(`t-SNE: dimension must be a positive integer, got ${dim}`);
  if (points.length % dim !== 0)
    throw new Error(`t-SNE: ${points.length} values is not a whole number of ${dim}-d points`);
  const rows = points.length / dim;
  const keep: number[] = [];
  for (let r = 0; r < rows; r++) {
    let ok = true;
    for (let k = 0; k < dim && ok; k++) ok = Number.isFinite(points[r * dim + k]);
    if (ok) keep.push(r);
  }
  const n = keep.length;
  if (n > TSNE_MAX_POINTS)
    throw new Error(
      `t-SNE: ${n} points is more than the ${TSNE_MAX_POINTS} the exact algorithm handles; subsample the frames.`,
    );
  const iterations = options.iterations ?? 1000;
  const exaggeration = options.earlyExaggeration ?? 12;
  const exaggerationIterations = options.exaggerationIterations ?? 250;
  const requested = options.perplexity ?? 30;
  if (!(requested > 0)) throw new Error(`t-SNE: perplexity must be positive, got ${requested}`);
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new Error(`t-SNE: bad iteration count ${iterations}`);
  const perplexity = Math.max(1, Math.min(requested, (n - 1) / 3));
  const coords = new Float32Array(rows * 2).fill(NaN);
  if (n === 0) return { coords, perplexity, kl: 0, mapped: 0 };
  if (n === 1) {
    coords[keep[0] * 2] = 0;
    coords[keep[0] * 2 + 1] = 0;
    return { coords, perplexity, kl: 0, mapped: 1 };
  }
  const lr = options.learningRate ?? Math.max(n / exaggeration / 4, 50);
  if (!(lr > 0)) throw new Error(`t-SNE: learning rate must be positive, got ${lr}`);
  const every = Math.max(1, options.progressEvery ?? 50);

  const x = new Float64Array(n * dim);
  keep.forEach((r, i) => {
    for (let k = 0; k < dim; k++) x[i * dim + k] = points[r * dim + k];
  });
  const P = jointProbabilities(x, n, dim, perplexity);

  const rng = new Rng(options.seed ?? 1);
  const Y = Float64Array.from({ length: n * 2 }, () => 1e-4 * rng.normal());
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const attr = new Float64Array(n * 2);
  const rep = new Float64Array(n * 2);

  for (let it = 0; it < iterations; it++) {
    if (it % every === 0) {
      if (options.signal?.aborted) throw abortError();
      options.onProgress?.(it, iterations);
    }
    const exag = it < exaggerationIterations ? exaggeration : 1;
    const momentum = it < exaggerationIterations ? 0.5 : 0.8;
    attr.fill(0);
    rep.fill(0);
    let Z = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = Y[i * 2];
      const yi1 = Y[i * 2 + 1];
      const row = i * n;
      let ai0 = 0;
      let ai1 = 0;
      let ri0 = 0;
      let ri1 = 0;
      for (let j = i + 1; j < n; j++) {
        const d0 = yi0 - Y[j * 2];
        const d1 = yi1 - Y[j * 2 + 1];
        const num = 1 / (1 + d0 * d0 + d1 * d1);
        Z += num;
        const pa = P[row + j] * num;
        const rr = num * num;
        ai0 += pa * d0;
        ai1 += pa * d1;
        ri0 += rr * d0;
        ri1 += rr * d1;
        attr[j * 2] -= pa * d0;
        attr[j * 2 + 1] -= pa * d1;
        rep[j * 2] -= rr * d0;
        rep[j * 2 + 1] -= rr * d1;
      }
      attr[i * 2] += ai0;
      attr[i * 2 + 1] += ai1;
      rep[i * 2] += ri0;
      rep[i * 2 + 1] += ri1;
    }
    Z *= 2; // each unordered pair counted once above
    let m0 = 0;
    let m1 = 0;
    for (let k = 0; k < n * 2; k++) {
      const g = 4 * (exag * attr[k] - rep[k] / Z);
      gains[k] = Math.sign(g) !== Math.sign(update[k]) ? gains[k] + 0.2 : Math.max(0.01, gains[k] * 0.8);
      update[k] = momentum * update[k] - lr * gains[k] * g;
      Y[k] += update[k];
      if (k % 2 === 0) m0 += Y[k];
      else m1 += Y[k];
    }
    m0 /= n;
    m1 /= n;
    for (let i = 0; i < n; i++) {
      Y[i * 2] -= m0;
      Y[i * 2 + 1] -= m1;
    }
  }
  options.onProgress?.(iterations, iterations);

  // KL(P ‖ Q) of the final map.
  let Z = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d0 = Y[i * 2] - Y[j * 2];
      const d1 = Y[i * 2 + 1] - Y[j * 2 + 1];
      Z += 2 / (1 + d0 * d0 + d1 * d1);
    }
  let kl = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d0 = Y[i * 2] - Y[j * 2];
      const d1 = Y[i * 2 + 1] - Y[j * 2 + 1];
      const q = 1 / (1 + d0 * d0 + d1 * d1) / Z;
      const p = P[i * n + j];
      if (p > 0) kl += 2 * p * Math.log(p / Math.max(q, 1e-300));
    }
  keep.forEach((r, i) => {
    coords[r * 2] = Y[i * 2];
    coords[r * 2 + 1] = Y[i * 2 + 1];
  });
  return { coords, perplexity, kl, mapped: n };
}
