/**
 * The TCC encoder: a small temporal network from per-frame pose features (features.ts
 * poseFeatures2d, e.g. normalised keypoints + bone directions + joint-angle cosines) to per-frame
 * embeddings, in TensorFlow.js.
 *
 * Architecture, for each output frame t of a sequence of T frames with D features:
 *   1. input normalisation: (x − mean) / std per feature (statistics of the training clips, stored
 *      with the weights, not trained);
 *   2. a per-frame MLP: D → H → H, ReLU after each layer;
 *   3. temporal context: the per-frame outputs of the C = 2k + 1 frames t + (c − k)·s
 *      (c = 0 … 2k, stride s; clamped to the sequence's first and last frame) side by side,
 *      [C·H] → dense → H, ReLU — a 1D convolution of kernel C and dilation s over an edge-padded
 *      sequence, written as gather + reshape + matMul because TF.js has no gradient for dilated
 *      conv1d and wasm lacks Conv2DBackpropFilter (DESIGN.md §4);
 *   4. dense H → E, then (by default) L2 normalisation: embeddings on the unit sphere.
 *
 * Two forms share the weights:
 *   - training (`forwardTrain` / `backward`): the input is R windows of C frames ([R, C, D],
 *     gathered around each sampled frame by the trainer), the output R embeddings; the backward
 *     pass is written out (tfjs-core's Node build registers no gradients) and transposes before
 *     multiplying, which wasm runs several times faster than BatchMatMul with transpose flags;
 *   - sequence inference (`embed`): [T, D] → [T, E], the per-frame MLP once per frame, then the
 *     context gathered with clamped indices; export-onnx.ts writes the same computation as
 *     MatMul / Pad(edge) / Conv(dilation s).
 * The context weight is stored as [C·H, H] with row c·H + h: the dense weight of the training
 * form and, transposed to [H, H, C], the ONNX Conv filter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KinemaError } from '../../../shared/errors';
import { Rng } from '../../../shared/lifting/rng';
import type { NamedTensor } from '../lifter-model';

export type { NamedTensor };

export interface TccConfig {
  /** Features per frame (D). */
  inputDim: number;
  /** Width of the per-frame MLP and of the context layer (H). */
  hidden: number;
  /** Frames of context on each side (k); 0 = a per-frame model. */
  context: number;
  /** Frames between context frames (s). */
  contextStride: number;
  /** Embedding size (E). */
  embeddingDim: number;
  /** L2-normalise the embeddings. */
  normalize: boolean;
}

/**
 * Defaults measured on CMU mocap (bench/tcc-mocap.ts): ±4 context frames 4 apart (33 frames, 1.1 s at
 * 30 fps, about one gait cycle) aligned walks seen 60-90° apart better than ±2×3.
 */
export const DEFAULT_TCC_CONFIG: Omit<TccConfig, 'inputDim'> = {
  hidden: 128,
  context: 4,
  contextStride: 4,
  embeddingDim: 64,
  normalize: true,
};

/** Added under the square root of the L2 norm, so an all-zero embedding stays finite. */
export const NORM_EPSILON = 1e-12;

/** Everything needed to rebuild an encoder: its config and every tensor (normalisation included). */
export interface TccWeights {
  config: TccConfig;
  tensors: NamedTensor[];
}

export function contextFrames(c: Pick<TccConfig, 'context'>): number {
  return 2 * c.context + 1;
}

/** Frames of the input each output frame sees: 2·k·s + 1. */
export function receptiveField(c: Pick<TccConfig, 'context' | 'contextStride'>): number {
  return 2 * c.context * c.contextStride + 1;
}

export function validateTccConfig(c: TccConfig): void {
  const posInt = (name: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min)
      throw new Error(`TCC encoder: ${name} ${v} must be an integer ≥ ${min}`);
  };
  if (!c || typeof c !== 'object') throw new Error('TCC encoder: no configuration');
  posInt('inputDim', c.inputDim);
  posInt('hidden', c.hidden);
  posInt('context', c.context, 0);
  posInt('contextStride', c.contextStride);
  posInt('embeddingDim', c.embeddingDim);
  if (typeof c.normalize !== 'boolean') throw new Error('TCC encoder: normalize must be true or false');
}

export function sameTccConfig(a: TccConfig, b: TccConfig): boolean {
  return (
    a.inputDim === b.inputDim &&
    a.hidden === b.hidden &&
    a.context === b.context &&
    a.contextStride === b.contextStride &&
    a.embeddingDim === b.embeddingDim &&
    a.normalize === b.normalize
  );
}

/** Names and shapes of every tensor: the input statistics first, then the trainable weights. */
export function tccWeightSpecs(c: TccConfig): { name: string; shape: number[]; trainable: boolean }[] {
  const { inputDim: D, hidden: H, embeddingDim: E } = c;
  const C = contextFrames(c);
  return [
    { name: 'input/mean', shape: [D], trainable: false },
    { name: 'input/std', shape: [D], trainable: false },
    { name: 'frame1/w', shape: [D, H], trainable: true },
    { name: 'frame1/b', shape: [H], trainable: true },
    { name: 'frame2/w', shape: [H, H], trainable: true },
    { name: 'frame2/b', shape: [H], trainable: true },
    { name: 'context/w', shape: [C * H, H], trainable: true },
    { name: 'context/b', shape: [H], trainable: true },
    { name: 'out/w', shape: [H, E], trainable: true },
    { name: 'out/b', shape: [E], trainable: true },
  ];
}

/**
 * Fresh weights: He-uniform (±√(6 / fan_in)) for the ReLU layers, Glorot-uniform for the output
 * layer, zero biases; input statistics mean 0, std 1 unless given (`inputStats`, e.g. from
 * `featureStats` over the training clips).
 */
export function initTccWeights(
  config: TccConfig,
  seed: number,
  inputStats?: { mean: ArrayLike<number>; std: ArrayLike<number> },
): TccWeights {
  validateTccConfig(config);
  const rng = new Rng(seed);
  const tensors = tccWeightSpecs(config).map(({ name, shape }): NamedTensor => {
    const size = shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(size);
    if (name === 'input/mean' && inputStats) data.set(Array.from(inputStats.mean));
    else if (name === 'input/std') {
      if (inputStats) for (let i = 0; i < size; i++) data[i] = inputStats.std[i];
      else data.fill(1);
    } else if (name.endsWith('/w')) {
      const bound = name === 'out/w' ? Math.sqrt(6 / (shape[0] + shape[1])) : Math.sqrt(6 / shape[0]);
      for (let i = 0; i < size; i++) data[i] = rng.uniform(-bound, bound);
    }
    return { name, shape, data };
  });
  return { config: { ...config }, tensors };
}

/** Checks weights against their config (names, shapes, finite values, positive std). */
export function validateTccWeights(w: TccWeights): void {
  if (!w || typeof w !== 'object') throw new Error('TCC encoder: no weights');
  validateTccConfig(w.config);
  const byName = new Map(w.tensors.map((t) => [t.name, t]));
  for (const spec of tccWeightSpecs(w.config)) {
    const t = byName.get(spec.name);
    if (!t) throw new Error(`TCC encoder weights lack ${spec.name}`);
    if (t.shape.join('x') !== spec.shape.join('x'))
      throw new Error(`TCC encoder weight ${spec.name} has shape [${t.shape}], expected [${spec.shape}]`);
    if (t.data.length !== spec.shape.reduce((x, y) => x * y, 1))
      throw new Error(`TCC encoder weight ${spec.name} has ${t.data.length} values for shape [${t.shape}]`);
    for (const v of t.data)
      if (!Number.isFinite(v)) throw new Error(`TCC encoder weight ${spec.name} holds a non-finite value`);
    if (spec.name === 'input/std' && t.data.some((v) => !(v > 0)))
      throw new Error('TCC encoder: input/std must be positive');
  }
}

/**
 * Per-feature mean and standard deviation over the finite rows of clips ([T, D] each); a constant
 * feature gets std 1 (so it normalises to 0 rather than dividing by zero).
 */
export function featureStats(
  clips: readonly Float32Array[],
  dim: number,
): { mean: Float32Array; std: Float32Array } {
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  let n = 0;
  for (const c of clips) {
    for (let r = 0; r + dim <= c.length; r += dim) {
      let ok = true;
      for (let d = 0; d < dim && ok; d++) ok = Number.isFinite(c[r + d]);
      if (!ok) continue;
      for (let d = 0; d < dim; d++) {
        sum[d] += c[r + d];
        sq[d] += c[r + d] * c[r + d];
      }
      n++;
    }
  }
  if (n === 0) throw new Error('TCC encoder: no frame with finite features to normalise by');
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    mean[d] = sum[d] / n;
    const s = Math.sqrt(Math.max(0, sq[d] / n - mean[d] * mean[d]));
    std[d] = s > 1e-6 ? s : 1;
  }
  return { mean, std };
}

/**
 * Row indices of each frame's context window in a sequence of `frames` rows: for frame t and
 * c = 0 … 2k, clamp(t + (c − k)·s) — [frames × C], the layout `forwardTrain` and `embed` read.
 */
export function contextIndices(config: TccConfig, centres: ArrayLike<number>, frames: number): Int32Array {
  const C = contextFrames(config);
  const out = new Int32Array(centres.length * C);
  for (let i = 0; i < centres.length; i++) {
    for (let c = 0; c < C; c++) {
      const t = centres[i] + (c - config.context) * config.contextStride;
      out[i * C + c] = t < 0 ? 0 : t >= frames ? frames - 1 : t;
    }
  }
  return out;
}

/**
 * Fills rows holding any non-finite value (absent frames) by linear interpolation between the
 * nearest full rows (held at the ends), so the temporal context stays meaningful; `missing` marks
 * them. A sequence without a single full row is refused (KinemaError NO_POSES, naming `what`).
 */
export function fillMissingRows(
  values: Float32Array,
  dim: number,
  what = 'The sequence',
): { filled: Float32Array; missing: Uint8Array } {
  const T = values.length / dim;
  const filled = Float32Array.from(values);
  const missing = new Uint8Array(T);
  const good: number[] = [];
  for (let r = 0; r < T; r++) {
    let ok = true;
    for (let d = 0; d < dim && ok; d++) ok = Number.isFinite(values[r * dim + d]);
    if (ok) good.push(r);
    else missing[r] = 1;
  }
  if (good.length === 0) throw new KinemaError('NO_POSES', `${what} has no frame with a pose.`);
  let g = 0;
  for (let r = 0; r < T; r++) {
    if (!missing[r]) continue;
    while (g < good.length && good[g] < r) g++;
    const lo = g > 0 ? good[g - 1] : -1;
    const hi = g < good.length ? good[g] : -1;
    for (let d = 0; d < dim; d++) {
      const a = lo >= 0 ? values[lo * dim + d] : values[hi * dim + d];
      const b = hi >= 0 ? values[hi * dim + d] : values[lo * dim + d];
      const w = lo >= 0 && hi >= 0 ? (r - lo) / (hi - lo) : 0;
      filled[r * dim + d] = a + (b - a) * w;
    }
  }
  return { filled, missing };
}

/** What the backward pass needs (all tensors live in the caller's tidy scope). */
export interface TccTrainCache {
  rows: number;
  xn: tf.Tensor2D;
  h1: tf.Tensor2D;
  h2: tf.Tensor2D;
  /** h2 reshaped to [R, C·H]. */
  g: tf.Tensor2D;
  h3: tf.Tensor2D;
  /** Output before normalisation and its inverse norm. */
  e: tf.Tensor2D;
  invNorm: tf.Tensor2D | null;
  y: tf.Tensor2D;
}

let nextId = 0;

export class TccModel {
  readonly config: TccConfig;
  /** Trainable variables by name. */
  readonly params = new Map<string, tf.Variable>();
  /** Input statistics by name. */
  readonly stats = new Map<string, tf.Variable>();

  constructor(weights: TccWeights) {
    validateTccWeights(weights);
    this.config = { ...weights.config };
    const byName = new Map(weights.tensors.map((t) => [t.name, t]));
    for (const spec of tccWeightSpecs(this.config)) {
      const t = byName.get(spec.name)!;
      const v = tf.tidy(() =>
        tf.variable(tf.tensor(t.data, t.shape, 'float32'), spec.trainable, `tcc${nextId++}/${spec.name}`),
      );
      (spec.trainable ? this.params : this.stats).set(spec.name, v);
    }
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name) ?? this.stats.get(name);
    if (!v) throw new Error(`TCC encoder: no weight ${name}`);
    return v;
  }

  private w2(name: string): tf.Tensor2D {
    return this.p(name) as tf.Tensor2D;
  }

  private normalizeInput(x: tf.Tensor2D): tf.Tensor2D {
    return tf.div(tf.sub(x, this.p('input/mean')), this.p('input/std')) as tf.Tensor2D;
  }

  private perFrame(xn: tf.Tensor2D): { h1: tf.Tensor2D; h2: tf.Tensor2D } {
    const h1 = tf.relu(tf.add(tf.matMul(xn, this.w2('frame1/w')), this.p('frame1/b'))) as tf.Tensor2D;
    const h2 = tf.relu(tf.add(tf.matMul(h1, this.w2('frame2/w')), this.p('frame2/b'))) as tf.Tensor2D;
    return { h1, h2 };
  }

  private head(g: tf.Tensor2D): {
    h3: tf.Tensor2D;
    e: tf.Tensor2D;
    invNorm: tf.Tensor2D | null;
    y: tf.Tensor2D;
  } {
    const h3 = tf.relu(tf.add(tf.matMul(g, this.w2('context/w')), this.p('context/b'))) as tf.Tensor2D;
    const e = tf.add(tf.matMul(h3, this.w2('out/w')), this.p('out/b')) as tf.Tensor2D;
    if (!this.config.normalize) return { h3, e, invNorm: null, y: e };
    const invNorm = tf.rsqrt(tf.add(tf.sum(tf.square(e), 1, true), NORM_EPSILON)) as tf.Tensor2D;
    return { h3, e, invNorm, y: tf.mul(e, invNorm) as tf.Tensor2D };
  }

  /**
   * Training form: `windows` [R, C, D] (or [R·C, D]): R context windows of C frames → R embeddings
   * [R, E] and the cache for `backward`. Call inside tf.tidy.
   */
  forwardTrain(windows: tf.Tensor): { out: tf.Tensor2D; cache: TccTrainCache } {
    const { inputDim: D, hidden: H } = this.config;
    const C = contextFrames(this.config);
    if (windows.size % (C * D) !== 0)
      throw new Error(`TCC encoder: input of shape [${windows.shape}] is not [rows, ${C}, ${D}]`);
    const R = windows.size / (C * D);
    const xn = this.normalizeInput(tf.reshape(windows, [R * C, D]) as tf.Tensor2D);
    const { h1, h2 } = this.perFrame(xn);
    const g = tf.reshape(h2, [R, C * H]) as tf.Tensor2D;
    const { h3, e, invNorm, y } = this.head(g);
    return { out: y, cache: { rows: R, xn, h1, h2, g, h3, e, invNorm, y } };
  }

  /** Gradients of every trainable weight given dL/d(output) [R, E]. Call inside tf.tidy. */
  backward(cache: TccTrainCache, dOut: tf.Tensor2D): Map<string, tf.Tensor> {
    const { hidden: H } = this.config;
    const C = contextFrames(this.config);
    const grads = new Map<string, tf.Tensor>();
    let de: tf.Tensor2D = dOut;
    if (cache.invNorm) {
      // y = e / ‖e‖:  de = (dy − y (y · dy)) / ‖e‖.
      const dot = tf.sum(tf.mul(cache.y, dOut), 1, true);
      de = tf.mul(tf.sub(dOut, tf.mul(cache.y, dot)), cache.invNorm) as tf.Tensor2D;
    }
    const T = (x: tf.Tensor2D): tf.Tensor2D => tf.transpose(x);
    grads.set('out/w', tf.matMul(T(cache.h3), de));
    grads.set('out/b', tf.sum(de, 0));
    let d: tf.Tensor2D = tf.matMul(de, T(this.w2('out/w')));
    d = tf.mul(d, tf.step(cache.h3)) as tf.Tensor2D;
    grads.set('context/w', tf.matMul(T(cache.g), d));
    grads.set('context/b', tf.sum(d, 0));
    d = tf.reshape(tf.matMul(d, T(this.w2('context/w'))), [cache.rows * C, H]) as tf.Tensor2D;
    d = tf.mul(d, tf.step(cache.h2)) as tf.Tensor2D;
    grads.set('frame2/w', tf.matMul(T(cache.h1), d));
    grads.set('frame2/b', tf.sum(d, 0));
    d = tf.matMul(d, T(this.w2('frame2/w')));
    d = tf.mul(d, tf.step(cache.h1)) as tf.Tensor2D;
    grads.set('frame1/w', tf.matMul(T(cache.xn), d));
    grads.set('frame1/b', tf.sum(d, 0));
    return grads;
  }

  /**
   * Sequence inference: `features` [T, D] (row-major, every value finite) → embeddings [T, E].
   * Call inside tf.tidy or dispose the result.
   */
  embedTensor(features: tf.Tensor2D): tf.Tensor2D {
    const { inputDim: D, hidden: H } = this.config;
    const [T, d] = features.shape;
    if (d !== D) throw new Error(`TCC encoder: ${d} features per frame, the model takes ${D}`);
    if (T < 1) throw new Error('TCC encoder: no frames');
    const C = contextFrames(this.config);
    return tf.tidy(() => {
      const { h2 } = this.perFrame(this.normalizeInput(features));
      const idx = contextIndices(
        this.config,
        Int32Array.from({ length: T }, (_, i) => i),
        T,
      );
      const g = tf.reshape(tf.gather(h2, tf.tensor1d(idx, 'int32')), [T, C * H]) as tf.Tensor2D;
      return this.head(g).y;
    });
  }

  /** Sequence inference on plain arrays: [T × D] → [T × E]. */
  embed(features: Float32Array): Float32Array {
    const D = this.config.inputDim;
    if (features.length === 0 || features.length % D !== 0)
      throw new Error(`TCC encoder: ${features.length} values is not frames × ${D} features`);
    const T = features.length / D;
    return tf.tidy(() => this.embedTensor(tf.tensor2d(features, [T, D])).dataSync() as Float32Array).slice();
  }

  /** The current weights as plain arrays (copies). */
  getWeights(): TccWeights {
    const tensors = tccWeightSpecs(this.config).map(({ name, shape }) => ({
      name,
      shape: [...shape],
      data: Float32Array.from(this.p(name).dataSync() as Float32Array),
    }));
    return { config: { ...this.config }, tensors };
  }

  /** Overwrites the weights (same configuration). */
  setWeights(w: TccWeights): void {
    validateTccWeights(w);
    if (!sameTccConfig(w.config, this.config))
      throw new Error('TCC encoder: weights are for another configuration');
    tf.tidy(() => {
      for (const t of w.tensors) this.p(t.name).assign(tf.tensor(t.data, t.shape, 'float32'));
    });
  }

  dispose(): void {
    for (const v of [...this.params.values(), ...this.stats.values()]) v.dispose();
    this.params.clear();
    this.stats.clear();
  }
}
