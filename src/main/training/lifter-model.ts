/**
 * The VideoPose3D temporal-convolution lifter (Pavllo et al., CVPR 2019) in TensorFlow.js.
 *
 * Architecture: an "expand" convolution (kernel w0, input 17 × 2 → C channels), then residual
 * blocks, each a convolution of kernel w_i and dilation w0·…·w_{i−1} followed by a 1 × 1
 * convolution, every convolution followed by batch norm, ReLU and dropout; the block's input, cut
 * to the block's output length, is added. A 1 × 1 "shrink" convolution with bias gives 17 × 3.
 * Receptive field = w0·w1·…: [3,3,3] = 27, [3,3,3,3] = 81, [3,3,3,3,3] = 243. [1,1,1] is the
 * per-frame baseline (the same net with kernel 1: a residual MLP in the style of Martinez et al.).
 *
 * Two forms run on the same weights:
 *   - the strided ("optimized") training form: one output frame per window of RF input frames;
 *     each convolution has stride = kernel, so it is a reshape ([B, T, C] → [B·T/k, k·C]) and a
 *     dense layer; the residual takes the middle frame of each group of k. TF.js has no gradient
 *     for dilated conv1d and wasm lacks Conv2DBackpropFilter, so training uses this form. Its
 *     backward pass is written out here (`forwardTrain` / `backward`): tfjs-core's Node build
 *     registers no gradients (they ship with the @tensorflow/tfjs union package, not a dependency),
 *     and the explicit form transposes before multiplying, which wasm runs several times faster
 *     than BatchMatMul with transpose flags.
 *   - the dilated inference form: conv1d with dilations over a whole sequence, T − RF + 1 outputs,
 *     batch norm with the running statistics (what export-onnx.ts writes).
 * A convolution weight is stored as [k·Cin, Cout] with row k_index·Cin + c_in, which is both the
 * dense weight of the strided form and, reshaped to [k, Cin, Cout], TF.js's conv1d filter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../shared/lifting/rng';

export interface LifterConfig {
  /** Kernel width per layer (expand, then one per residual block). */
  filterWidths: number[];
  /** Channels of every hidden layer. */
  channels: number;
  /** Dropout rate after every hidden layer (training only). */
  dropout: number;
  /** Joints in (17 for H36M-17), and out unless `outputJoints` says otherwise. */
  joints: number;
  /** Joints out (default `joints`; 1 for a trajectory model that predicts the root's position). */
  outputJoints?: number;
}

/** Joints a config outputs. */
export function outputJointsOf(c: LifterConfig): number {
  return c.outputJoints ?? c.joints;
}

export const BN_EPSILON = 1e-5;

let nextId = 0;

/** Filter widths for a receptive field of 1 (per-frame baseline), 27, 81 or 243. */
export function filterWidthsFor(receptiveField: number): number[] {
  switch (receptiveField) {
    case 1:
      return [1, 1, 1];
    case 27:
      return [3, 3, 3];
    case 81:
      return [3, 3, 3, 3];
    case 243:
      return [3, 3, 3, 3, 3];
    default:
      throw new Error(`Receptive field ${receptiveField} is not one of 1, 27, 81, 243`);
  }
}

/** Whether two configs describe the same net (dropout may differ: it only affects training). */
export function sameConfig(a: LifterConfig, b: LifterConfig): boolean {
  return (
    a.channels === b.channels &&
    a.joints === b.joints &&
    outputJointsOf(a) === outputJointsOf(b) &&
    a.filterWidths.length === b.filterWidths.length &&
    a.filterWidths.every((w, i) => w === b.filterWidths[i])
  );
}

export function receptiveFieldOf(config: Pick<LifterConfig, 'filterWidths'>): number {
  return config.filterWidths.reduce((a, b) => a * b, 1);
}

export function validateConfig(c: LifterConfig): void {
  if (!Array.isArray(c.filterWidths) || c.filterWidths.length < 1)
    throw new Error('Lifter: filterWidths must list at least one kernel width');
  for (const w of c.filterWidths) {
    if (!Number.isInteger(w) || w < 1 || w % 2 === 0)
      throw new Error(`Lifter: kernel width ${w} must be a positive odd integer`);
  }
  if (!Number.isInteger(c.channels) || c.channels < 1)
    throw new Error(`Lifter: channels ${c.channels} must be a positive integer`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`Lifter: dropout ${c.dropout} must be in [0, 1)`);
  if (!Number.isInteger(c.joints) || c.joints < 1)
    throw new Error(`Lifter: joints ${c.joints} must be a positive integer`);
  const out = outputJointsOf(c);
  if (!Number.isInteger(out) || out < 1)
    throw new Error(`Lifter: outputJoints ${out} must be a positive integer`);
}

/** A named float32 array with its shape: the plain, serialisable form of every weight. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Everything needed to rebuild a model: config, trainable weights and batch-norm statistics. */
export interface LifterWeights {
  config: LifterConfig;
  tensors: NamedTensor[];
}

/** One convolution + batch norm of the net. */
export interface ConvLayer {
  /** Weight name prefix ("expand", "block1/conv", "block1/point"). */
  name: string;
  kernel: number;
  dilation: number;
  cin: number;
  cout: number;
}

/** The net's convolutions in order, with the dilation each has in the inference form. */
export function convLayers(c: LifterConfig): {
  expand: ConvLayer;
  blocks: { conv: ConvLayer; point: ConvLayer }[];
} {
  const w = c.filterWidths;
  const expand: ConvLayer = {
    name: 'expand',
    kernel: w[0],
    dilation: 1,
    cin: c.joints * 2,
    cout: c.channels,
  };
  const blocks: { conv: ConvLayer; point: ConvLayer }[] = [];
  let dilation = w[0];
  for (let i = 1; i < w.length; i++) {
    blocks.push({
      conv: { name: `block${i}/conv`, kernel: w[i], dilation, cin: c.channels, cout: c.channels },
      point: { name: `block${i}/point`, kernel: 1, dilation: 1, cin: c.channels, cout: c.channels },
    });
    dilation *= w[i];
  }
  return { expand, blocks };
}

/** Names and shapes of every tensor of a config: trainable first, then batch-norm statistics. */
export function weightSpecs(c: LifterConfig): { name: string; shape: number[]; trainable: boolean }[] {
  const { expand, blocks } = convLayers(c);
  const specs: { name: string; shape: number[]; trainable: boolean }[] = [];
  const conv = (l: ConvLayer): void => {
    specs.push({ name: `${l.name}/w`, shape: [l.kernel * l.cin, l.cout], trainable: true });
    specs.push({ name: `${l.name}/bn/gamma`, shape: [l.cout], trainable: true });
    specs.push({ name: `${l.name}/bn/beta`, shape: [l.cout], trainable: true });
  };
  conv(expand);
  for (const b of blocks) {
    conv(b.conv);
    conv(b.point);
  }
  specs.push({ name: 'shrink/w', shape: [c.channels, outputJointsOf(c) * 3], trainable: true });
  specs.push({ name: 'shrink/b', shape: [outputJointsOf(c) * 3], trainable: true });
  for (const l of [expand, ...blocks.flatMap((b) => [b.conv, b.point])]) {
    specs.push({ name: `${l.name}/bn/mean`, shape: [l.cout], trainable: false });
    specs.push({ name: `${l.name}/bn/var`, shape: [l.cout], trainable: false });
  }
  return specs;
}

/**
 * Fresh weights: convolutions uniform in ±1/√fan_in (PyTorch's default for Conv1d, which
 * VideoPose3D keeps), batch norm γ = 1, β = 0, running mean 0 and variance 1, shrink bias 0.
 */
export function initLifterWeights(config: LifterConfig, seed: number): LifterWeights {
  validateConfig(config);
  const rng = new Rng(seed);
  const tensors = weightSpecs(config).map(({ name, shape }): NamedTensor => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.endsWith('/w')) {
      const bound = 1 / Math.sqrt(shape[0]);
      for (let i = 0; i < size; i++) data[i] = rng.uniform(-bound, bound);
    } else if (name.endsWith('/gamma') || name.endsWith('/var')) data.fill(1);
    return { name, shape, data };
  });
  return { config: { ...config, filterWidths: [...config.filterWidths] }, tensors };
}

/** Checks that weights match their config (names, shapes, finite values); throws saying what is off. */
export function validateWeights(w: LifterWeights): void {
  validateConfig(w.config);
  const byName = new Map(w.tensors.map((t) => [t.name, t]));
  for (const spec of weightSpecs(w.config)) {
    const t = byName.get(spec.name);
    if (!t) throw new Error(`Lifter weights lack ${spec.name}`);
    if (t.shape.join('x') !== spec.shape.join('x')) {
      throw new Error(`Lifter weight ${spec.name} has shape [${t.shape}], expected [${spec.shape}]`);
    }
    if (t.data.length !== spec.shape.reduce((a, b) => a * b, 1))
      throw new Error(`Lifter weight ${spec.name} has ${t.data.length} values for shape [${t.shape}]`);
    for (const v of t.data)
      if (!Number.isFinite(v)) throw new Error(`Lifter weight ${spec.name} holds a non-finite value`);
  }
}

/** What the backward pass needs of one convolution + batch norm + ReLU + dropout layer. */
interface LayerCache {
  name: string;
  /** Input of the dense (reshaped) layer, [N, k·Cin]. */
  x: tf.Tensor2D;
  /** Normalised pre-activation, [N, Cout]. */
  xhat: tf.Tensor2D;
  invStd: tf.Tensor1D;
  /** 1 where the ReLU passed, [N, Cout]. */
  reluMask: tf.Tensor2D;
  /** Dropout mask already divided by (1 − p), or null. */
  dropMask: tf.Tensor2D | null;
}

/** Activations of one training forward pass (all tensors live in the caller's tidy scope). */
export interface TrainCache {
  batch: number;
  expand: LayerCache;
  blocks: { kernel: number; conv: LayerCache; point: LayerCache }[];
  /** Input of the shrink layer, [B, C]. */
  last: tf.Tensor2D;
}

export class LifterModel {
  readonly config: LifterConfig;
  readonly receptiveField: number;
  /** Trainable variables by name. */
  readonly params = new Map<string, tf.Variable>();
  /** Batch-norm running statistics by name. */
  readonly stats = new Map<string, tf.Variable>();
  private readonly layers: ReturnType<typeof convLayers>;

  constructor(weights: LifterWeights) {
    validateWeights(weights);
    this.config = { ...weights.config, filterWidths: [...weights.config.filterWidths] };
    this.receptiveField = receptiveFieldOf(this.config);
    this.layers = convLayers(this.config);
    const byName = new Map(weights.tensors.map((t) => [t.name, t]));
    for (const spec of weightSpecs(this.config)) {
      const t = byName.get(spec.name)!;
      // The initial tensor is freed by tidy; the variable keeps its data.
      const v = tf.tidy(() =>
        tf.variable(tf.tensor(t.data, t.shape, 'float32'), spec.trainable, `lifter${nextId++}/${spec.name}`),
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
    if (!v) throw new Error(`Lifter: no weight ${name}`);
    return v;
  }

  private w2(name: string): tf.Tensor2D {
    return this.p(name) as tf.Tensor2D;
  }

  /** Batch norm with the running statistics (inference). */
  private bnInference(x: tf.Tensor2D, layer: string): tf.Tensor2D {
    return tf.batchNorm2d(
      x,
      this.p(`${layer}/bn/mean`) as tf.Tensor1D,
      this.p(`${layer}/bn/var`) as tf.Tensor1D,
      this.p(`${layer}/bn/beta`) as tf.Tensor1D,
      this.p(`${layer}/bn/gamma`) as tf.Tensor1D,
      BN_EPSILON,
    );
  }

  /**
   * One layer in training mode: dense, batch norm with the batch's statistics (the running ones
   * are updated with `momentum`), ReLU, dropout (when `seed` is not null). Returns the activation
   * and its cache.
   */
  private layerTrain(
    x: tf.Tensor2D,
    name: string,
    momentum: number,
    seed: number | null,
  ): [tf.Tensor2D, LayerCache] {
    const z = tf.matMul(x, this.w2(`${name}/w`));
    const mean = tf.mean(z, 0);
    const zc = tf.sub(z, mean);
    const variance = tf.mean(tf.square(zc), 0);
    const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON)) as tf.Tensor1D;
    const xhat = tf.mul(zc, invStd) as tf.Tensor2D;
    const y = tf.add(tf.mul(xhat, this.p(`${name}/bn/gamma`)), this.p(`${name}/bn/beta`));
    const reluMask = tf.step(y) as tf.Tensor2D;
    let a = tf.mul(y, reluMask) as tf.Tensor2D;
    let dropMask: tf.Tensor2D | null = null;
    const p = this.config.dropout;
    if (seed !== null && p > 0) {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(a.shape, 0, 1, 'float32', seed), p), 'float32');
      dropMask = tf.mul(keep, 1 / (1 - p)) as tf.Tensor2D;
      a = tf.mul(a, dropMask) as tf.Tensor2D;
    }
    if (momentum > 0) {
      const m = this.p(`${name}/bn/mean`);
      const v = this.p(`${name}/bn/var`);
      m.assign(tf.add(tf.mul(m, 1 - momentum), tf.mul(mean, momentum)));
      v.assign(tf.add(tf.mul(v, 1 - momentum), tf.mul(variance, momentum)));
    }
    return [a, { name, x, xhat, invStd, reluMask, dropMask }];
  }

  /** Backward of layerTrain: sets dW, dγ, dβ in `grads`, returns dL/dx when `needInput`. */
  private layerBackward(
    dA: tf.Tensor2D,
    c: LayerCache,
    grads: Map<string, tf.Tensor>,
    needInput: boolean,
  ): tf.Tensor2D | null {
    let d = c.dropMask ? tf.mul(dA, c.dropMask) : dA;
    d = tf.mul(d, c.reluMask); // dL/dy
    grads.set(`${c.name}/bn/gamma`, tf.sum(tf.mul(d, c.xhat), 0));
    grads.set(`${c.name}/bn/beta`, tf.sum(d, 0));
    const dXhat = tf.mul(d, this.p(`${c.name}/bn/gamma`));
    // Batch norm over the batch's statistics: dz = σ⁻¹ (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)).
    const dZ = tf.mul(
      tf.sub(tf.sub(dXhat, tf.mean(dXhat, 0)), tf.mul(c.xhat, tf.mean(tf.mul(dXhat, c.xhat), 0))),
      c.invStd,
    ) as tf.Tensor2D;
    // Explicit transposes: wasm's BatchMatMul with transpose flags is several times slower.
    grads.set(`${c.name}/w`, tf.matMul(tf.transpose(c.x), dZ));
    return needInput ? (tf.matMul(dZ, tf.transpose(this.w2(`${c.name}/w`))) as tf.Tensor2D) : null;
  }

  private checkWindows(x: tf.Tensor): number {
    const B = x.shape[0];
    const J2 = this.config.joints * 2;
    if (x.size !== B * this.receptiveField * J2) {
      throw new Error(`Lifter: input of shape [${x.shape}] is not [batch, ${this.receptiveField}, ${J2}]`);
    }
    return B;
  }

  /** The middle frame of each group of k: [M·k, C] → [M, C] (the residual of the strided form). */
  private middle(h: tf.Tensor2D, M: number, k: number, C: number): tf.Tensor2D {
    if (k === 1) return h;
    return tf.reshape(tf.slice(tf.reshape(h, [M, k, C]), [0, (k - 1) / 2, 0], [-1, 1, -1]), [
      M,
      C,
    ]) as tf.Tensor2D;
  }

  /**
   * The strided form in inference mode (running batch-norm statistics, no dropout): `x` [B, RF,
   * joints × 2] (or [B, RF, joints, 2]) → [B, outputJoints × 3], the pose of each window's middle
   * frame.
   */
  strided(x: tf.Tensor): tf.Tensor2D {
    const B = this.checkWindows(x);
    const { expand, blocks } = this.layers;
    let T = this.receptiveField / expand.kernel;
    const J2 = this.config.joints * 2;
    let h: tf.Tensor2D = tf.matMul(
      tf.reshape(x, [B * T, expand.kernel * J2]) as tf.Tensor2D,
      this.w2('expand/w'),
    );
    h = tf.relu(this.bnInference(h, 'expand'));
    for (const { conv, point } of blocks) {
      const k = conv.kernel;
      const Tn = T / k;
      const res = this.middle(h, B * Tn, k, conv.cin);
      let y: tf.Tensor2D = tf.matMul(
        tf.reshape(h, [B * Tn, k * conv.cin]) as tf.Tensor2D,
        this.w2(`${conv.name}/w`),
      );
      y = tf.relu(this.bnInference(y, conv.name));
      y = tf.matMul(y, this.w2(`${point.name}/w`));
      y = tf.relu(this.bnInference(y, point.name));
      h = tf.add(res, y);
      T = Tn;
    }
    return tf.add(tf.matMul(h, this.w2('shrink/w')), this.p('shrink/b')) as tf.Tensor2D;
  }

  /**
   * The strided form in training mode (batch statistics; dropout seeded by `dropoutSeed`, none
   * when it is null; running statistics updated with `bnMomentum`, not at all when 0):
   * [B, RF, joints × 2] → [B, outputJoints × 3] and the cache for `backward`. Call it inside tf.tidy.
   */
  forwardTrain(
    x: tf.Tensor,
    dropoutSeed: number | null,
    bnMomentum: number,
  ): { out: tf.Tensor2D; cache: TrainCache } {
    const B = this.checkWindows(x);
    const { expand, blocks } = this.layers;
    const J2 = this.config.joints * 2;
    let T = this.receptiveField / expand.kernel;
    let salt = 0;
    const seed = (): number | null => (dropoutSeed === null ? null : (dropoutSeed * 131 + ++salt) >>> 0);
    const [h0, expandCache] = this.layerTrain(
      tf.reshape(x, [B * T, expand.kernel * J2]) as tf.Tensor2D,
      'expand',
      bnMomentum,
      seed(),
    );
    let h = h0;
    const blockCaches: TrainCache['blocks'] = [];
    for (const { conv, point } of blocks) {
      const k = conv.kernel;
      const Tn = T / k;
      const res = this.middle(h, B * Tn, k, conv.cin);
      const [y1, c1] = this.layerTrain(
        tf.reshape(h, [B * Tn, k * conv.cin]) as tf.Tensor2D,
        conv.name,
        bnMomentum,
        seed(),
      );
      const [y2, c2] = this.layerTrain(y1, point.name, bnMomentum, seed());
      h = tf.add(res, y2) as tf.Tensor2D;
      blockCaches.push({ kernel: k, conv: c1, point: c2 });
      T = Tn;
    }
    const out = tf.add(tf.matMul(h, this.w2('shrink/w')), this.p('shrink/b')) as tf.Tensor2D;
    return { out, cache: { batch: B, expand: expandCache, blocks: blockCaches, last: h } };
  }

  /** Gradients of every trainable weight given dL/d(output) [B, outputJoints × 3]. Call inside tf.tidy. */
  backward(cache: TrainCache, dOut: tf.Tensor2D): Map<string, tf.Tensor> {
    const grads = new Map<string, tf.Tensor>();
    grads.set('shrink/w', tf.matMul(tf.transpose(cache.last), dOut));
    grads.set('shrink/b', tf.sum(dOut, 0));
    let dH: tf.Tensor2D = tf.matMul(dOut, tf.transpose(this.w2('shrink/w')));
    for (let i = cache.blocks.length - 1; i >= 0; i--) {
      const { kernel: k, conv, point } = cache.blocks[i];
      const dY1 = this.layerBackward(dH, point, grads, true)!;
      const dX = this.layerBackward(dY1, conv, grads, true)!; // [M, k·C]
      const M = dX.shape[0];
      const C = dX.shape[1] / k;
      if (k === 1) dH = tf.add(dX, dH) as tf.Tensor2D;
      else {
        // The residual took the middle frame of each group: its gradient goes back there.
        const mid = (k - 1) / 2;
        const dRes = tf.pad(tf.reshape(dH, [M, 1, C]), [
          [0, 0],
          [mid, k - 1 - mid],
          [0, 0],
        ]);
        dH = tf.reshape(tf.add(tf.reshape(dX, [M, k, C]), dRes), [M * k, C]) as tf.Tensor2D;
      }
    }
    this.layerBackward(dH, cache.expand, grads, false);
    return grads;
  }

  /**
   * The dilated inference form: `x` [N, T, joints × 2] (T ≥ RF) → [N, T − RF + 1, outputJoints × 3],
   * batch norm with the running statistics, no dropout.
   */
  dilated(x: tf.Tensor3D): tf.Tensor3D {
    const [N, T, J2] = x.shape;
    if (J2 !== this.config.joints * 2) {
      throw new Error(`Lifter: input has ${J2} features per frame, expected ${this.config.joints * 2}`);
    }
    if (T < this.receptiveField) {
      throw new Error(
        `Lifter: ${T} frames is shorter than the receptive field ${this.receptiveField} (pad the input)`,
      );
    }
    const conv = (h: tf.Tensor3D, l: ConvLayer): tf.Tensor3D => {
      const w = tf.reshape(this.p(`${l.name}/w`), [l.kernel, l.cin, l.cout]) as tf.Tensor3D;
      const y = tf.conv1d(h, w, 1, 'valid', 'NWC', l.dilation);
      const [n, t, c] = y.shape;
      const normed = this.bnInference(tf.reshape(y, [n * t, c]) as tf.Tensor2D, l.name);
      return tf.reshape(tf.relu(normed), [n, t, c]) as tf.Tensor3D;
    };
    const { expand, blocks } = this.layers;
    let h = conv(x, expand);
    for (const b of blocks) {
      const pad = ((b.conv.kernel - 1) * b.conv.dilation) / 2;
      const t = h.shape[1];
      const res = tf.slice(h, [0, pad, 0], [-1, t - 2 * pad, -1]);
      h = tf.add(res, conv(conv(h, b.conv), b.point)) as tf.Tensor3D;
    }
    const [n, t, c] = h.shape;
    const out = tf.add(
      tf.matMul(tf.reshape(h, [n * t, c]) as tf.Tensor2D, this.w2('shrink/w')),
      this.p('shrink/b'),
    );
    return tf.reshape(out, [N, t, outputJointsOf(this.config) * 3]) as tf.Tensor3D;
  }

  /** The current weights as plain arrays (copies). */
  getWeights(): LifterWeights {
    const tensors = weightSpecs(this.config).map(({ name, shape }) => ({
      name,
      shape: [...shape],
      data: Float32Array.from(this.p(name).dataSync() as Float32Array),
    }));
    return { config: { ...this.config, filterWidths: [...this.config.filterWidths] }, tensors };
  }

  /** Overwrites the weights (same net; dropout may differ). */
  setWeights(w: LifterWeights): void {
    validateWeights(w);
    if (!sameConfig(w.config, this.config)) throw new Error('Lifter: weights are for another configuration');
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
