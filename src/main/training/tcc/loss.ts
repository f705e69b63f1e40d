/**
 * The Temporal Cycle-Consistency loss (Dwibedi et al., CVPR 2019, "Temporal Cycle-Consistency
 * Learning"), written out with its gradient so the training loop needs no automatic
 * differentiation (tfjs-core's Node build registers no gradients).
 *
 * For an ordered pair of embedded sequences U = (u_0 … u_{N−1}) and V = (v_0 … v_{N−1}) (N frames
 * sampled from each clip, in time order) and every query frame i of U:
 *
 *   soft nearest neighbour in V:   α_ij = softmax_j(−‖u_i − v_j‖² / τ),   ṽ_i = Σ_j α_ij v_j
 *   cycling back to U:             β_ik = softmax_k(−‖ṽ_i − u_k‖² / τ)
 *
 * and the loss of the query is one of the paper's two variants:
 *   - cycle-back classification: −log β_ii (cross-entropy against the query's own index);
 *   - cycle-back regression: with μ_i = Σ_k β_ik k and σ²_i = Σ_k β_ik (k − μ_i)²,
 *       'regression'      (variance-aware): |i − μ_i|² / σ²_i + λ log σ_i,
 *       'regression-mse'  (plain):          |i − μ_i|².
 * τ is the softmax temperature. The batch loss is the mean over every ordered pair of different
 * sequences and every query frame. Positions k are the indices of the sampled frames (0 … N−1),
 * as in the paper; σ² is floored at `minVariance` so a perfectly sharp cycle stays finite.
 *
 * The similarity is the negative squared Euclidean distance, unscaled: with L2-normalised
 * embeddings (the model's default) distances lie in [0, 4], so τ = 0.1 spans logits of 0 to −40.
 *
 * Everything here is plain TypeScript over Float32Array in, Float64 inside: the loss works on the
 * embeddings of one batch (a few sequences × tens of frames), far too small to be worth a kernel.
 */
import { KinemaError } from '../../../shared/errors';
import { Rng } from '../../../shared/lifting/rng';

export type TccLossType = 'classification' | 'regression' | 'regression-mse';

export const TCC_LOSS_TYPES: readonly TccLossType[] = ['classification', 'regression', 'regression-mse'];

export interface TccLossOptions {
  type: TccLossType;
  /** Softmax temperature τ (> 0). */
  temperature: number;
  /** λ of the variance-aware regression (weight of log σ). */
  varianceLambda: number;
  /** Floor of σ² in the variance-aware regression. */
  minVariance?: number;
}

export const DEFAULT_TCC_LOSS: TccLossOptions = {
  type: 'classification',
  temperature: 0.1,
  varianceLambda: 0.001,
  minVariance: 1e-6,
};

export interface TccLossResult {
  /** Mean loss over ordered pairs and query frames. */
  loss: number;
  /** dLoss/dEmbedding, same layout as the embeddings ([S, N, E]). */
  grad: Float32Array;
  /** Share of queries whose cycle returns to itself (argmax β_i = i): a training accuracy. */
  cycleAccuracy: number;
}

export function checkLossOptions(o: TccLossOptions): void {
  if (!TCC_LOSS_TYPES.includes(o.type)) {
    throw new KinemaError(
      'BAD_OPTIONS',
      `Unknown TCC loss type '${String(o.type)}' (${TCC_LOSS_TYPES.join(', ')})`,
    );
  }
  if (!(o.temperature > 0) || !Number.isFinite(o.temperature))
    throw new KinemaError('BAD_OPTIONS', `The softmax temperature must be positive, got ${o.temperature}`);
  if (!(o.varianceLambda >= 0) || !Number.isFinite(o.varianceLambda))
    throw new KinemaError('BAD_OPTIONS', `The variance weight λ must be ≥ 0, got ${o.varianceLambda}`);
}

/** In-place softmax of `x[off … off+n)` into `out[off …]`; returns log Σ exp. */
function softmax(x: Float64Array, out: Float64Array, off: number, n: number): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, x[off + k]);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(x[off + k] - max);
    out[off + k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) out[off + k] /= sum;
  return max + Math.log(sum);
}

/**
 * The TCC loss of a batch of `sequences` embedded sequences of `frames` frames each
 * (`embeddings` = [S, N, E] row-major), and its gradient. See the module comment.
 */
export function tccLoss(
  embeddings: Float32Array,
  sequences: number,
  frames: number,
  dim: number,
  options: TccLossOptions = DEFAULT_TCC_LOSS,
): TccLossResult {
  checkLossOptions(options);
  const S = sequences;
  const N = frames;
  const E = dim;
  if (!(Number.isInteger(S) && S >= 2))
    throw new Error(`TCC loss: needs at least 2 sequences per batch, got ${S}`);
  if (!(Number.isInteger(N) && N >= 2))
    throw new Error(`TCC loss: needs at least 2 frames per sequence, got ${N}`);
  if (!(Number.isInteger(E) && E >= 1)) throw new Error(`TCC loss: bad embedding size ${E}`);
  if (embeddings.length !== S * N * E) {
    throw new Error(`TCC loss: ${embeddings.length} values is not ${S} sequences × ${N} frames × ${E}`);
  }
  for (let i = 0; i < embeddings.length; i++) {
    if (!Number.isFinite(embeddings[i]))
      throw new Error(`TCC loss: embedding value ${i} is ${embeddings[i]}`);
  }
  const tau = options.temperature;
  const lambda = options.varianceLambda;
  const minVar = options.minVariance ?? 1e-6;
  const emb = Float64Array.from(embeddings);
  const grad = new Float64Array(S * N * E);

  // Work buffers for one pair (N × N logits / probabilities, N × E soft neighbours).
  const a = new Float64Array(N * N);
  const alpha = new Float64Array(N * N);
  const b = new Float64Array(N * N);
  const beta = new Float64Array(N * N);
  const vt = new Float64Array(N * E);
  const dB = new Float64Array(N * N);
  const dVt = new Float64Array(N * E);
  const dA = new Float64Array(N * N);
  const g = new Float64Array(N);

  let total = 0;
  let hits = 0;
  const pairs = S * (S - 1);
  const scale = 1 / (pairs * N); // mean over pairs and queries

  for (let p = 0; p < S; p++) {
    const uo = p * N * E;
    for (let q = 0; q < S; q++) {
      if (q === p) continue;
      const vo = q * N * E;
      // α: soft nearest neighbours of U's frames in V.
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          let d = 0;
          for (let e = 0; e < E; e++) {
            const t = emb[uo + i * E + e] - emb[vo + j * E + e];
            d += t * t;
          }
          a[i * N + j] = -d / tau;
        }
        softmax(a, alpha, i * N, N);
        for (let e = 0; e < E; e++) {
          let s = 0;
          for (let j = 0; j < N; j++) s += alpha[i * N + j] * emb[vo + j * E + e];
          vt[i * E + e] = s;
        }
      }
      // β: back from each soft neighbour to U.
      for (let i = 0; i < N; i++) {
        for (let k = 0; k < N; k++) {
          let d = 0;
          for (let e = 0; e < E; e++) {
            const t = vt[i * E + e] - emb[uo + k * E + e];
            d += t * t;
          }
          b[i * N + k] = -d / tau;
        }
        const lse = softmax(b, beta, i * N, N);
        let best = 0;
        for (let k = 1; k < N; k++) if (beta[i * N + k] > beta[i * N + best]) best = k;
        if (best === i) hits++;

        // Loss of query i and dL/dβ or dL/db.
        if (options.type === 'classification') {
          total += lse - b[i * N + i];
          for (let k = 0; k < N; k++) dB[i * N + k] = (beta[i * N + k] - (k === i ? 1 : 0)) * scale;
        } else {
          let mu = 0;
          let m2 = 0;
          for (let k = 0; k < N; k++) {
            mu += beta[i * N + k] * k;
            m2 += beta[i * N + k] * k * k;
          }
          const rawVar = m2 - mu * mu;
          const floored = rawVar < minVar;
          const variance = floored ? minVar : rawVar;
          const err = i - mu;
          let dMu: number;
          let dVar: number;
          if (options.type === 'regression') {
            total += (err * err) / variance + 0.5 * lambda * Math.log(variance);
            dMu = (-2 * err) / variance;
            dVar = floored ? 0 : -(err * err) / (variance * variance) + (0.5 * lambda) / variance;
          } else {
            total += err * err;
            dMu = -2 * err;
            dVar = 0;
          }
          // dL/dβ_k = dMu · k + dVar · (k² − 2μk); then the softmax's backward.
          let dot = 0;
          for (let k = 0; k < N; k++) {
            g[k] = dMu * k + dVar * (k * k - 2 * mu * k);
            dot += beta[i * N + k] * g[k];
          }
          for (let k = 0; k < N; k++) dB[i * N + k] = beta[i * N + k] * (g[k] - dot) * scale;
        }
      }
      // b_ik = −‖ṽ_i − u_k‖²/τ  →  dṽ_i and du_k.
      dVt.fill(0);
      for (let i = 0; i < N; i++) {
        for (let k = 0; k < N; k++) {
          const c = (2 / tau) * dB[i * N + k];
          if (c === 0) continue;
          for (let e = 0; e < E; e++) {
            const diff = vt[i * E + e] - emb[uo + k * E + e];
            dVt[i * E + e] -= c * diff;
            grad[uo + k * E + e] += c * diff;
          }
        }
      }
      // ṽ_i = Σ_j α_ij v_j  →  dα and dv; then α's softmax backward → da.
      for (let i = 0; i < N; i++) {
        let dot = 0;
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let e = 0; e < E; e++) {
            s += dVt[i * E + e] * emb[vo + j * E + e];
            grad[vo + j * E + e] += alpha[i * N + j] * dVt[i * E + e];
          }
          dA[i * N + j] = s;
          dot += alpha[i * N + j] * s;
        }
        for (let j = 0; j < N; j++) dA[i * N + j] = alpha[i * N + j] * (dA[i * N + j] - dot);
      }
      // a_ij = −‖u_i − v_j‖²/τ  →  du_i and dv_j.
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          const c = (2 / tau) * dA[i * N + j];
          if (c === 0) continue;
          for (let e = 0; e < E; e++) {
            const diff = emb[uo + i * E + e] - emb[vo + j * E + e];
            grad[uo + i * E + e] -= c * diff;
            grad[vo + j * E + e] += c * diff;
          }
        }
      }
    }
  }
  return { loss: total * scale, grad: Float32Array.from(grad), cycleAccuracy: hits / (pairs * N) };
}

/** The smallest clip length a run sampling `framesPerSequence` frames accepts (N must stay below it). */
export function minimumClipFrames(framesPerSequence: number): number {
  return framesPerSequence + 1;
}

/**
 * Refuses a training set whose shortest clip is not longer than the number of frames sampled per
 * sequence, naming the clip (the "must stay below the shortest clip").
 */
export function checkFramesPerSequence(
  clips: readonly { name: string; frames: number }[],
  framesPerSequence: number,
): void {
  if (!Number.isInteger(framesPerSequence) || framesPerSequence < 2) {
    throw new KinemaError(
      'BAD_OPTIONS',
      `Frames sampled per sequence must be an integer of at least 2, got ${framesPerSequence}`,
    );
  }
  let shortest: { name: string; frames: number } | null = null;
  for (const c of clips) if (!shortest || c.frames < shortest.frames) shortest = c;
  if (shortest && shortest.frames <= framesPerSequence) {
    throw new KinemaError(
      'CLIP_TOO_SHORT',
      `Clip "${shortest.name}" has ${shortest.frames} frame${shortest.frames === 1 ? '' : 's'}, but training samples ${framesPerSequence} frames per clip, which must stay below the shortest clip's length: lower the frames sampled to at most ${Math.max(0, shortest.frames - 1)}, or leave that clip out.`,
    );
  }
}

/**
 * N sorted, distinct frames of a clip of T frames, one uniformly at random in each of N equal
 * strata of [0, T), so every part of the motion is represented (T > N required).
 */
export function sampleFrames(clipFrames: number, n: number, rng: Rng): Int32Array {
  if (!(clipFrames > n)) throw new Error(`sampleFrames: ${clipFrames} frames cannot give ${n} samples`);
  const out = new Int32Array(n);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(prev + 1, Math.floor((i * clipFrames) / n));
    const hi = Math.max(lo, Math.floor(((i + 1) * clipFrames) / n) - 1);
    const f = lo + rng.int(hi - lo + 1);
    out[i] = f;
    prev = f;
  }
  return out;
}
