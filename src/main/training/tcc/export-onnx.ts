/**
 * TCC encoder → ONNX with the in-project writer (inference/onnx/builder.ts, proto.ts), run by
 * onnxruntime-node.
 *
 * Graph (opset 17), the sequence form of model.ts on the same weights:
 *   features [N, T, D] → Sub(mean) → Div(std) → MatMul + Add + Relu (D → H) → MatMul + Add + Relu
 *   (H → H) → Transpose [N, H, T] → Pad(mode edge, k·s frames each end) → Conv (kernel 2k+1,
 *   dilation s) + Relu → Transpose [N, T, H] → MatMul + Add (H → E) → [ ÷ √(Σ e² + ε) ] →
 *   embeddings [N, T, E].
 * With no context (k = 0) the Conv is a MatMul. Edge padding repeats the first and last frame, as
 * the TF.js form clamps its context indices.
 *
 * The model's facts (feature kinds, skeleton, dimensions, training frame rate...) are ONNX metadata
 * properties; `readOnnxMetadata` (../export-onnx.ts) reads them without decoding the weights.
 */
import * as ort from 'onnxruntime-node';
import { attr, float32Tensor, GraphBuilder, int64Tensor } from '../../inference/onnx/builder';
import { encodeModel, OnnxDataType } from '../../inference/onnx/proto';
import { Rng } from '../../../shared/lifting/rng';
import { currentTrainingBackend, initTrainingBackend } from '../tf-backend';
import {
  contextFrames,
  NORM_EPSILON,
  receptiveField,
  TccModel,
  validateTccWeights,
  type TccWeights,
} from './model';

export const TCC_INPUT = 'features';
export const TCC_OUTPUT = 'embeddings';

/** What the app needs to feed the model: stored as ONNX metadata (all values are strings there). */
export interface TccModelInfo {
  /** Feature kinds of poseFeatures2d, in order (e.g. ['keypoints', 'bones', 'angles']). */
  featureKinds: string[];
  /** Skeleton the features are computed on (tracks of other skeletons are mapped to it). */
  skeleton: string;
  /** Frame rate of the training clips (the context stride is in frames). */
  fps: number;
}

/** Writes the encoder as ONNX bytes with `info` (and `extra`) as metadata. */
export function tccToOnnx(
  weights: TccWeights,
  info: TccModelInfo,
  extra: Record<string, string> = {},
): Uint8Array {
  validateTccWeights(weights);
  const c = weights.config;
  const { inputDim: D, hidden: H, embeddingDim: E } = c;
  const C = contextFrames(c);
  const get = (name: string): Float32Array => weights.tensors.find((t) => t.name === name)!.data;
  const g = new GraphBuilder();
  g.reserve(TCC_INPUT);
  g.reserve(TCC_OUTPUT);
  const f32 = (data: Float32Array, shape: number[], base: string): string =>
    g.constant({ dtype: 'float32', shape, data: Float32Array.from(data) }, base);
  const dense = (x: string, name: string, rows: number, cols: number, relu: boolean): string => {
    const y = g.node1('MatMul', [x, f32(get(`${name}/w`), [rows, cols], `${name}/W`)], name);
    const z = g.node1('Add', [y, f32(get(`${name}/b`), [cols], `${name}/B`)], `${name}/bias`);
    return relu ? g.node1('Relu', [z], `${name}/relu`) : z;
  };
  let h = g.node1('Sub', [TCC_INPUT, f32(get('input/mean'), [D], 'input/mean')], 'centre');
  h = g.node1('Div', [h, f32(get('input/std'), [D], 'input/std')], 'scale');
  h = dense(h, 'frame1', D, H, true);
  h = dense(h, 'frame2', H, H, true);
  if (C === 1) h = dense(h, 'context', H, H, true);
  else {
    // Dense [C·H, H] with row c·H + i  →  Conv filter [H_out, H_in, C].
    const W = get('context/w');
    const w = new Float32Array(H * H * C);
    for (let o = 0; o < H; o++)
      for (let i = 0; i < H; i++) for (let k = 0; k < C; k++) w[(o * H + i) * C + k] = W[(k * H + i) * H + o];
    const pad = c.context * c.contextStride;
    const nct = g.node1('Transpose', [h], 'to_nct', [attr.ints('perm', [0, 2, 1])]);
    const padded = g.node1(
      'Pad',
      [nct, g.constant(int64Tensor([0, 0, pad, 0, 0, pad]), 'context/pads')],
      'context/pad',
      [attr.str('mode', 'edge')],
    );
    const conv = g.node1(
      'Conv',
      [padded, f32(w, [H, H, C], 'context/W'), f32(get('context/b'), [H], 'context/B')],
      'context',
      [
        attr.ints('dilations', [c.contextStride]),
        attr.ints('kernel_shape', [C]),
        attr.ints('pads', [0, 0]),
        attr.ints('strides', [1]),
        attr.int('group', 1),
      ],
    );
    const relu = g.node1('Relu', [conv], 'context/relu');
    h = g.node1('Transpose', [relu], 'to_ntc', [attr.ints('perm', [0, 2, 1])]);
  }
  if (c.normalize) {
    const e = dense(h, 'out', H, E, false);
    const sq = g.node1('ReduceSumSquare', [e], 'norm/sumsq', [
      attr.ints('axes', [2]),
      attr.int('keepdims', 1),
    ]);
    const eps = g.node1('Add', [sq, g.constant(float32Tensor([NORM_EPSILON], []), 'norm/eps')], 'norm/eps');
    const norm = g.node1('Sqrt', [eps], 'norm/sqrt');
    g.node('Div', [e, norm], TCC_OUTPUT, [], [TCC_OUTPUT]);
  } else {
    const y = g.node1('MatMul', [h, f32(get('out/w'), [H, E], 'out/W')], 'out');
    g.node('Add', [y, f32(get('out/b'), [E], 'out/B')], TCC_OUTPUT, [], [TCC_OUTPUT]);
  }
  return encodeModel({
    irVersion: 8,
    opset: 17,
    producerName: 'kinema-tcc',
    producerVersion: '1',
    docString: `Temporal Cycle-Consistency pose encoder: ${D} features per frame → ${E}-d embeddings, context ±${c.context}×${c.contextStride} frames.`,
    graph: {
      name: 'tcc_encoder',
      nodes: g.nodes,
      initializers: [...g.initializers.values()],
      inputs: [{ name: TCC_INPUT, elemType: OnnxDataType.FLOAT, shape: ['batch', 'frames', D] }],
      outputs: [{ name: TCC_OUTPUT, elemType: OnnxDataType.FLOAT, shape: ['batch', 'frames', E] }],
      valueInfo: [],
    },
    metadata: {
      kind: 'tcc-encoder',
      feature_kinds: info.featureKinds.join(','),
      skeleton: info.skeleton,
      fps: String(info.fps),
      input_dim: String(D),
      embedding_dim: String(E),
      hidden: String(H),
      context: String(c.context),
      context_stride: String(c.contextStride),
      receptive_field: String(receptiveField(c)),
      normalize: String(c.normalize),
      ...extra,
    },
  });
}

/**
 * Runs the ONNX bytes with onnxruntime-node and the same weights with TF.js on a seeded random
 * input [1, frames, D]; returns the largest absolute difference of the embeddings.
 */
export async function verifyTccOnnx(
  weights: TccWeights,
  onnx: Uint8Array,
  frames = 64,
  seed = 1,
): Promise<{ maxAbsDiff: number; frames: number }> {
  if (!currentTrainingBackend()) await initTrainingBackend();
  const D = weights.config.inputDim;
  const rng = new Rng(seed);
  const mean = weights.tensors.find((t) => t.name === 'input/mean')!.data;
  const std = weights.tensors.find((t) => t.name === 'input/std')!.data;
  // Inputs in the range the model sees: its input statistics ± 2 standard deviations.
  const input = Float32Array.from(
    { length: frames * D },
    (_, i) => mean[i % D] + 2 * std[i % D] * rng.normal(),
  );
  const model = new TccModel(weights);
  let reference: Float32Array;
  try {
    reference = model.embed(input);
  } finally {
    model.dispose();
  }
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const result = await session.run({ [TCC_INPUT]: new ort.Tensor('float32', input, [1, frames, D]) });
    const data = result[TCC_OUTPUT].data as Float32Array;
    if (data.length !== reference.length)
      throw new Error(`ONNX encoder returned ${data.length} values, TF.js ${reference.length}`);
    let maxAbsDiff = 0;
    for (let i = 0; i < data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(data[i] - reference[i]));
    return { maxAbsDiff, frames };
  } finally {
    await session.release();
  }
}

/** Reads TccModelInfo and the dimensions back from an encoder's ONNX metadata; throws when it is not one. */
export function tccInfoFromMetadata(
  meta: Record<string, string>,
  what = 'The model',
): TccModelInfo & {
  inputDim: number;
  embeddingDim: number;
} {
  if (meta.kind !== 'tcc-encoder')
    throw new Error(`${what} is not a Kinema TCC encoder (no kind=tcc-encoder metadata)`);
  const inputDim = Number(meta.input_dim);
  const embeddingDim = Number(meta.embedding_dim);
  if (!(Number.isInteger(inputDim) && inputDim > 0 && Number.isInteger(embeddingDim) && embeddingDim > 0))
    throw new Error(`${what} has no valid input_dim / embedding_dim metadata`);
  const featureKinds = (meta.feature_kinds ?? '').split(',').filter(Boolean);
  if (featureKinds.length === 0) throw new Error(`${what} does not say which pose features it takes`);
  if (!meta.skeleton) throw new Error(`${what} does not say which skeleton its features are computed on`);
  return { featureKinds, skeleton: meta.skeleton, fps: Number(meta.fps) || 0, inputDim, embeddingDim };
}

// Re-exported so callers of this module need not reach into the lifter's exporter.
export { readOnnxMetadata } from '../export-onnx';
