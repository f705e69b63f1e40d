/**
 * The VPD student: a small patch network from an athlete's crop (+ optical flow, + optional mask)
 * to a pose embedding of the teacher's size, in TensorFlow.js.
 *
 * Input: an S × S image of C channels (HWC; what the channels hold is data.ts's business), cut
 * into N = (S / P)² non-overlapping P × P patches, each flattened to K = P·P·C values (row n =
 * gy·G + gx, value (py·P + px)·C + c, G = S / P; `patchify`).
 *
 * Architecture (one mixer block, MLP-Mixer style, every layer a matmul):
 *   1. patch embedding: t0 = ReLU(X·Wp + bp + pos) per patch, [N, Dm] per image (pos: a learned
 *      embedding of each patch position, so the network knows where a limb is);
 *   2. token mixing (residual): t1 = t0 + ReLU(t0ᵀ·Wt + bt)ᵀ: every channel mixes information
 *      across all patches of the image (N → N);
 *   3. channel MLP (residual): t2 = t1 + ReLU(t1·Wc1 + bc1)·Wc2 + bc2 (Dm → Dh → Dm);
 *   4. head: flatten the N tokens in order ([N·Dm], keeps the layout), ReLU(·Wh + bh) (→ H),
 *      ·Wo + bo (→ E), L2-normalised: embeddings on the unit sphere, like the teacher's.
 *
 * Convolutions are avoided on purpose (DESIGN.md §4: wasm lacks Conv2DBackpropFilter and
 * tfjs-core's Node build registers no gradients), so the backward pass is written out here and
 * transposes before multiplying (wasm runs that several times faster than BatchMatMul with
 * transpose flags). ONNX (export-onnx.ts) writes the same graph with Reshape / Transpose / MatMul /
 * Add / Relu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../shared/lifting/rng';
import type { NamedTensor } from '../lifter-model';

export type { NamedTensor };

export interface StudentConfig {
  /** Side of the square input image (S), a multiple of patchSize. */
  imageSize: number;
  /** Channels per pixel (C). */
  channels: number;
  /** Side of a patch (P). */
  patchSize: number;
  /** Width of a patch token (Dm). */
  tokenDim: number;
  /** Hidden width of the channel MLP (Dh). */
  channelHidden: number;
  /** Width of the head's hidden layer (H). */
  hidden: number;
  /** Embedding size (E): the teacher's. */
  embeddingDim: number;
}

/** Defaults for 64 × 64 crops: 64 patches of 8 × 8, about 0.55 M weights (32-d teacher). */
export const DEFAULT_STUDENT_ARCH = {
  imageSize: 64,
  patchSize: 8,
  tokenDim: 32,
  channelHidden: 64,
  hidden: 256,
};

/** Added under the square root of the L2 norm, so an all-zero output stays finite. */
export const NORM_EPSILON = 1e-12;

export interface StudentWeights {
  config: StudentConfig;
  tensors: NamedTensor[];
}

export function patchGrid(c: Pick<StudentConfig, 'imageSize' | 'patchSize'>): number {
  return c.imageSize / c.patchSize;
}

export function patchCount(c: Pick<StudentConfig, 'imageSize' | 'patchSize'>): number {
  return patchGrid(c) ** 2;
}

export function patchValues(c: Pick<StudentConfig, 'patchSize' | 'channels'>): number {
  return c.patchSize * c.patchSize * c.channels;
}

export function imageValues(c: Pick<StudentConfig, 'imageSize' | 'channels'>): number {
  return c.imageSize * c.imageSize * c.channels;
}

export function validateStudentConfig(c: StudentConfig): void {
  if (!c || typeof c !== 'object') throw new Error('Student network: no configuration');
  for (const k of [
    'imageSize',
    'channels',
    'patchSize',
    'tokenDim',
    'channelHidden',
    'hidden',
    'embeddingDim',
  ] as const) {
    const v = c[k];
    if (!Number.isInteger(v) || v < 1) throw new Error(`Student network: ${k} ${v} must be an integer ≥ 1`);
  }
  if (c.imageSize % c.patchSize !== 0)
    throw new Error(
      `Student network: the image side ${c.imageSize} is not a multiple of the patch ${c.patchSize}`,
    );
}

export function sameStudentConfig(a: StudentConfig, b: StudentConfig): boolean {
  return (
    a.imageSize === b.imageSize &&
    a.channels === b.channels &&
    a.patchSize === b.patchSize &&
    a.tokenDim === b.tokenDim &&
    a.channelHidden === b.channelHidden &&
    a.hidden === b.hidden &&
    a.embeddingDim === b.embeddingDim
  );
}

/** Names and shapes of every (trainable) tensor. */
export function studentWeightSpecs(c: StudentConfig): { name: string; shape: number[] }[] {
  const N = patchCount(c);
  const K = patchValues(c);
  const { tokenDim: Dm, channelHidden: Dh, hidden: H, embeddingDim: E } = c;
  return [
    { name: 'patch/w', shape: [K, Dm] },
    { name: 'patch/b', shape: [Dm] },
    { name: 'patch/pos', shape: [N, Dm] },
    { name: 'tokens/w', shape: [N, N] },
    { name: 'tokens/b', shape: [N] },
    { name: 'channel1/w', shape: [Dm, Dh] },
    { name: 'channel1/b', shape: [Dh] },
    { name: 'channel2/w', shape: [Dh, Dm] },
    { name: 'channel2/b', shape: [Dm] },
    { name: 'head/w', shape: [N * Dm, H] },
    { name: 'head/b', shape: [H] },
    { name: 'out/w', shape: [H, E] },
    { name: 'out/b', shape: [E] },
  ];
}

/**
 * Fresh weights: He-uniform (±√(6 / fan_in)) for layers followed by a ReLU, Glorot-uniform for the
 * output, the residual branches' last layer scaled down (0.1) so the block starts close to the
 * identity, small position embeddings, zero biases.
 */
export function initStudentWeights(config: StudentConfig, seed: number): StudentWeights {
  validateStudentConfig(config);
  const rng = new Rng(seed);
  const tensors = studentWeightSpecs(config).map(({ name, shape }): NamedTensor => {
    const size = shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(size);
    let bound = 0;
    if (name === 'patch/pos') bound = 0.1;
    else if (name === 'out/w') bound = Math.sqrt(6 / (shape[0] + shape[1]));
    else if (name === 'channel2/w') bound = 0.1 * Math.sqrt(6 / (shape[0] + shape[1]));
    else if (name.endsWith('/w')) bound = Math.sqrt(6 / shape[0]);
    if (name === 'tokens/w') bound *= 0.5;
    for (let i = 0; i < size && bound > 0; i++) data[i] = rng.uniform(-bound, bound);
    return { name, shape, data };
  });
  return { config: { ...config }, tensors };
}

/** Checks weights against their config (names, shapes, finite values). */
export function validateStudentWeights(w: StudentWeights): void {
  if (!w || typeof w !== 'object') throw new Error('Student network: no weights');
  validateStudentConfig(w.config);
  const byName = new Map(w.tensors.map((t) => [t.name, t]));
  for (const spec of studentWeightSpecs(w.config)) {
    const t = byName.get(spec.name);
    if (!t) throw new Error(`Student weights lack ${spec.name}`);
    if (t.shape.join('x') !== spec.shape.join('x'))
      throw new Error(`Student weight ${spec.name} has shape [${t.shape}], expected [${spec.shape}]`);
    if (t.data.length !== spec.shape.reduce((x, y) => x * y, 1))
      throw new Error(`Student weight ${spec.name} has ${t.data.length} values for shape [${t.shape}]`);
    for (const v of t.data)
      if (!Number.isFinite(v)) throw new Error(`Student weight ${spec.name} holds a non-finite value`);
  }
}

/**
 * Images ([count × S × S × C], HWC each) → patches ([count × N × K]) in the layout the network
 * reads (see the module comment).
 */
export function patchify(
  images: Float32Array,
  c: Pick<StudentConfig, 'imageSize' | 'patchSize' | 'channels'>,
  out?: Float32Array,
): Float32Array {
  const S = c.imageSize;
  const P = c.patchSize;
  const C = c.channels;
  const G = S / P;
  const per = S * S * C;
  if (images.length % per !== 0)
    throw new Error(`Student network: ${images.length} values is not images of ${S}×${S}×${C}`);
  const res = out ?? new Float32Array(images.length);
  const rowLen = P * C;
  for (let base = 0; base < images.length; base += per) {
    let o = base;
    for (let gy = 0; gy < G; gy++)
      for (let gx = 0; gx < G; gx++)
        for (let py = 0; py < P; py++) {
          const src = base + ((gy * P + py) * S + gx * P) * C;
          res.set(images.subarray(src, src + rowLen), o);
          o += rowLen;
        }
  }
  return res;
}

/** What the backward pass needs (all tensors live in the caller's tidy scope). */
export interface StudentTrainCache {
  batch: number;
  x: tf.Tensor2D;
  t0: tf.Tensor2D;
  /** t0 as [B·Dm, N] (channels × patches) and the token-mixing activation in that layout. */
  t0T: tf.Tensor2D;
  u: tf.Tensor2D;
  t1: tf.Tensor2D;
  c1: tf.Tensor2D;
  g: tf.Tensor2D;
  h: tf.Tensor2D;
  invNorm: tf.Tensor2D;
  y: tf.Tensor2D;
}

let nextId = 0;

export class StudentModel {
  readonly config: StudentConfig;
  readonly params = new Map<string, tf.Variable>();

  constructor(weights: StudentWeights) {
    validateStudentWeights(weights);
    this.config = { ...weights.config };
    const byName = new Map(weights.tensors.map((t) => [t.name, t]));
    for (const spec of studentWeightSpecs(this.config)) {
      const t = byName.get(spec.name)!;
      const v = tf.tidy(() =>
        tf.variable(tf.tensor(t.data, t.shape, 'float32'), true, `student${nextId++}/${spec.name}`),
      );
      this.params.set(spec.name, v);
    }
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`Student network: no weight ${name}`);
    return v;
  }

  private w2(name: string): tf.Tensor2D {
    return this.p(name) as tf.Tensor2D;
  }

  /** [B·N, Dm] ↔ [B·Dm, N]: swaps the patch and channel axes of each image. */
  private swapTokens(x: tf.Tensor2D, batch: number, rows: number, cols: number): tf.Tensor2D {
    return tf.reshape(tf.transpose(tf.reshape(x, [batch, rows, cols]), [0, 2, 1]), [
      batch * cols,
      rows,
    ]) as tf.Tensor2D;
  }

  /**
   * Training form: `patches` [B·N, K] (patchify's layout) → embeddings [B, E] and the cache for
   * `backward`. Call inside tf.tidy.
   */
  forwardTrain(patches: tf.Tensor): { out: tf.Tensor2D; cache: StudentTrainCache } {
    const c = this.config;
    const N = patchCount(c);
    const K = patchValues(c);
    const Dm = c.tokenDim;
    if (patches.size % (N * K) !== 0)
      throw new Error(`Student network: input of shape [${patches.shape}] is not [batch, ${N}, ${K}]`);
    const B = patches.size / (N * K);
    const x = tf.reshape(patches, [B * N, K]) as tf.Tensor2D;
    const a0 = tf.add(tf.matMul(x, this.w2('patch/w')), this.p('patch/b'));
    const z0 = tf.add(tf.reshape(a0, [B, N, Dm]), this.p('patch/pos'));
    const t0 = tf.relu(tf.reshape(z0, [B * N, Dm])) as tf.Tensor2D;
    const t0T = this.swapTokens(t0, B, N, Dm);
    const u = tf.relu(tf.add(tf.matMul(t0T, this.w2('tokens/w')), this.p('tokens/b'))) as tf.Tensor2D;
    const t1 = tf.add(t0, this.swapTokens(u, B, Dm, N)) as tf.Tensor2D;
    const c1 = tf.relu(tf.add(tf.matMul(t1, this.w2('channel1/w')), this.p('channel1/b'))) as tf.Tensor2D;
    const t2 = tf.add(t1, tf.add(tf.matMul(c1, this.w2('channel2/w')), this.p('channel2/b')));
    const g = tf.reshape(t2, [B, N * Dm]) as tf.Tensor2D;
    const h = tf.relu(tf.add(tf.matMul(g, this.w2('head/w')), this.p('head/b'))) as tf.Tensor2D;
    const e = tf.add(tf.matMul(h, this.w2('out/w')), this.p('out/b')) as tf.Tensor2D;
    const invNorm = tf.rsqrt(tf.add(tf.sum(tf.square(e), 1, true), NORM_EPSILON)) as tf.Tensor2D;
    const y = tf.mul(e, invNorm) as tf.Tensor2D;
    return { out: y, cache: { batch: B, x, t0, t0T, u, t1, c1, g, h, invNorm, y } };
  }

  /** Gradients of every weight given dL/d(output) [B, E]. Call inside tf.tidy. */
  backward(cache: StudentTrainCache, dOut: tf.Tensor2D): Map<string, tf.Tensor> {
    const c = this.config;
    const N = patchCount(c);
    const Dm = c.tokenDim;
    const B = cache.batch;
    const T = (x: tf.Tensor2D): tf.Tensor2D => tf.transpose(x);
    const grads = new Map<string, tf.Tensor>();
    // y = e / ‖e‖:  de = (dy − y (y · dy)) / ‖e‖.
    const dot = tf.sum(tf.mul(cache.y, dOut), 1, true);
    const de = tf.mul(tf.sub(dOut, tf.mul(cache.y, dot)), cache.invNorm) as tf.Tensor2D;
    grads.set('out/w', tf.matMul(T(cache.h), de));
    grads.set('out/b', tf.sum(de, 0));
    const dh = tf.mul(tf.matMul(de, T(this.w2('out/w'))), tf.step(cache.h)) as tf.Tensor2D;
    grads.set('head/w', tf.matMul(T(cache.g), dh));
    grads.set('head/b', tf.sum(dh, 0));
    const dt2 = tf.reshape(tf.matMul(dh, T(this.w2('head/w'))), [B * N, Dm]) as tf.Tensor2D;
    // Channel MLP with its residual.
    grads.set('channel2/w', tf.matMul(T(cache.c1), dt2));
    grads.set('channel2/b', tf.sum(dt2, 0));
    const dc1 = tf.mul(tf.matMul(dt2, T(this.w2('channel2/w'))), tf.step(cache.c1)) as tf.Tensor2D;
    grads.set('channel1/w', tf.matMul(T(cache.t1), dc1));
    grads.set('channel1/b', tf.sum(dc1, 0));
    const dt1 = tf.add(dt2, tf.matMul(dc1, T(this.w2('channel1/w')))) as tf.Tensor2D;
    // Token mixing with its residual, in the [B·Dm, N] layout.
    const du = tf.mul(this.swapTokens(dt1, B, N, Dm), tf.step(cache.u)) as tf.Tensor2D;
    grads.set('tokens/w', tf.matMul(T(cache.t0T), du));
    grads.set('tokens/b', tf.sum(du, 0));
    const dt0 = tf.add(dt1, this.swapTokens(tf.matMul(du, T(this.w2('tokens/w'))), B, Dm, N));
    // Patch embedding.
    const dz0 = tf.mul(dt0, tf.step(cache.t0)) as tf.Tensor2D;
    grads.set('patch/pos', tf.sum(tf.reshape(dz0, [B, N, Dm]), 0));
    grads.set('patch/w', tf.matMul(T(cache.x), dz0));
    grads.set('patch/b', tf.sum(dz0, 0));
    return grads;
  }

  /** Inference on images ([count × S × S × C] HWC) → embeddings [count × E], in batches. */
  embedImages(images: Float32Array, batch = 128): Float32Array {
    const c = this.config;
    const per = imageValues(c);
    if (images.length === 0 || images.length % per !== 0)
      throw new Error(`Student network: ${images.length} values is not images of ${per} values`);
    const count = images.length / per;
    const out = new Float32Array(count * c.embeddingDim);
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const patches = patchify(images.subarray(i * per, (i + n) * per), c);
      const y = tf.tidy(
        () =>
          this.forwardTrain(
            tf.tensor2d(patches, [n * patchCount(c), patchValues(c)]),
          ).out.dataSync() as Float32Array,
      );
      out.set(y, i * c.embeddingDim);
    }
    return out;
  }

  /** The current weights as plain arrays (copies). */
  getWeights(): StudentWeights {
    const tensors = studentWeightSpecs(this.config).map(({ name, shape }) => ({
      name,
      shape: [...shape],
      data: Float32Array.from(this.p(name).dataSync() as Float32Array),
    }));
    return { config: { ...this.config }, tensors };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
