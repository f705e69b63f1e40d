/**
 * VPD student → ONNX with the in-project writer (inference/onnx/builder.ts, proto.ts), run by
 * onnxruntime-node.
 *
 * Graph (opset 17), model.ts's forward pass on the same weights:
 *   input [B, S, S, C] (HWC, scaled as data.ts's studentInput) → Reshape [B, G, P, G, P, C] →
 *   Transpose [B, G, G, P, P, C] → Reshape [B, N, P·P·C] (the patches) → MatMul + Add + Add(pos) +
 *   Relu → t0 [B, N, Dm] → Transpose [B, Dm, N] → MatMul + Add + Relu → Transpose → Add t0 → t1 →
 *   MatMul + Add + Relu → MatMul + Add → Add t1 → Reshape [B, N·Dm] → MatMul + Add + Relu →
 *   MatMul + Add → ÷ √(Σ e² + ε) → embeddings [B, E].
 *
 * What the input channels hold and the teacher it was distilled from are metadata properties
 * (`readOnnxMetadata` reads them without decoding the weights).
 */
import * as ort from 'onnxruntime-node';
import { attr, float32Tensor, GraphBuilder, int64Tensor } from '../../inference/onnx/builder';
import { encodeModel, OnnxDataType } from '../../inference/onnx/proto';
import { Rng } from '../../../shared/lifting/rng';
import { currentTrainingBackend, initTrainingBackend } from '../tf-backend';
import {
  imageValues,
  NORM_EPSILON,
  patchCount,
  patchGrid,
  patchValues,
  StudentModel,
  validateStudentWeights,
  type StudentWeights,
} from './model';

export const STUDENT_INPUT = 'image';
export const STUDENT_OUTPUT = 'embeddings';
export const STUDENT_KIND = 'vpd-student';

/** The input the model was trained on: stored as ONNX metadata (strings). */
export interface StudentModelInfo {
  /** Appearance channels: 'grey' (1) or 'rgb' (3). */
  appearance: 'grey' | 'rgb';
  /** Whether the last channel is the athlete mask. */
  mask: boolean;
  /** Pixels of flow that make one unit of the flow channels. */
  flowScale: number;
  /** Source of the teacher's embeddings (e.g. 'vipe'). */
  teacher: string;
}

export function studentToOnnx(
  weights: StudentWeights,
  info: StudentModelInfo,
  extra: Record<string, string> = {},
): Uint8Array {
  validateStudentWeights(weights);
  const c = weights.config;
  const S = c.imageSize;
  const P = c.patchSize;
  const C = c.channels;
  const G = patchGrid(c);
  const N = patchCount(c);
  const K = patchValues(c);
  const { tokenDim: Dm, channelHidden: Dh, hidden: H, embeddingDim: E } = c;
  const get = (name: string): Float32Array => weights.tensors.find((t) => t.name === name)!.data;
  const g = new GraphBuilder();
  g.reserve(STUDENT_INPUT);
  g.reserve(STUDENT_OUTPUT);
  const f32 = (name: string, shape: number[]): string =>
    g.constant({ dtype: 'float32', shape, data: Float32Array.from(get(name)) }, name);
  const shape = (dims: number[], base: string): string => g.constant(int64Tensor(dims), base);
  const dense = (x: string, name: string, rows: number, cols: number): string =>
    g.node1(
      'Add',
      [g.node1('MatMul', [x, f32(`${name}/w`, [rows, cols])], name), f32(`${name}/b`, [cols])],
      `${name}/bias`,
    );
  const relu = (x: string, base: string): string => g.node1('Relu', [x], base);
  const swap = (x: string, base: string): string =>
    g.node1('Transpose', [x], base, [attr.ints('perm', [0, 2, 1])]);

  let h = g.node1('Reshape', [STUDENT_INPUT, shape([-1, G, P, G, P, C], 'grid_shape')], 'grid');
  h = g.node1('Transpose', [h], 'patch_order', [attr.ints('perm', [0, 1, 3, 2, 4, 5])]);
  h = g.node1('Reshape', [h, shape([-1, N, K], 'patches_shape')], 'patches');
  const t0 = relu(g.node1('Add', [dense(h, 'patch', K, Dm), f32('patch/pos', [N, Dm])], 'patch/pos'), 't0');
  const u = relu(dense(swap(t0, 'tokens/in'), 'tokens', N, N), 'tokens/relu');
  const t1 = g.node1('Add', [t0, swap(u, 'tokens/out')], 't1');
  const c1 = relu(dense(t1, 'channel1', Dm, Dh), 'channel1/relu');
  const t2 = g.node1('Add', [t1, dense(c1, 'channel2', Dh, Dm)], 't2');
  const flat = g.node1('Reshape', [t2, shape([-1, N * Dm], 'flat_shape')], 'flat');
  const hid = relu(dense(flat, 'head', N * Dm, H), 'head/relu');
  const e = dense(hid, 'out', H, E);
  const sq = g.node1('ReduceSumSquare', [e], 'norm/sumsq', [attr.ints('axes', [1]), attr.int('keepdims', 1)]);
  const eps = g.node1('Add', [sq, g.constant(float32Tensor([NORM_EPSILON], []), 'norm/eps')], 'norm/eps');
  g.node('Div', [e, g.node1('Sqrt', [eps], 'norm/sqrt')], STUDENT_OUTPUT, [], [STUDENT_OUTPUT]);
  return encodeModel({
    irVersion: 8,
    opset: 17,
    producerName: 'kinema-student',
    producerVersion: '1',
    docString: `VPD student: ${S}×${S}×${C} crop (+ flow) → ${E}-d pose embedding distilled from ${info.teacher}.`,
    graph: {
      name: 'vpd_student',
      nodes: g.nodes,
      initializers: [...g.initializers.values()],
      inputs: [{ name: STUDENT_INPUT, elemType: OnnxDataType.FLOAT, shape: ['batch', S, S, C] }],
      outputs: [{ name: STUDENT_OUTPUT, elemType: OnnxDataType.FLOAT, shape: ['batch', E] }],
      valueInfo: [],
    },
    metadata: {
      kind: STUDENT_KIND,
      image_size: String(S),
      channels: String(C),
      patch_size: String(P),
      embedding_dim: String(E),
      appearance: info.appearance,
      mask: String(info.mask),
      flow_scale: String(info.flowScale),
      teacher: info.teacher,
      layout: 'NHWC',
      ...extra,
    },
  });
}

/** StudentModelInfo and the sizes back from a student's ONNX metadata; throws when it is not one. */
export function studentInfoFromMetadata(
  meta: Record<string, string>,
  what = 'The model',
): StudentModelInfo & { imageSize: number; channels: number; embeddingDim: number } {
  if (meta.kind !== STUDENT_KIND)
    throw new Error(`${what} is not a Kinema VPD student (no kind=${STUDENT_KIND})`);
  const imageSize = Number(meta.image_size);
  const channels = Number(meta.channels);
  const embeddingDim = Number(meta.embedding_dim);
  const flowScale = Number(meta.flow_scale);
  if (![imageSize, channels, embeddingDim].every((v) => Number.isInteger(v) && v > 0) || !(flowScale > 0))
    throw new Error(`${what} has no valid image_size / channels / embedding_dim / flow_scale metadata`);
  if (meta.appearance !== 'grey' && meta.appearance !== 'rgb')
    throw new Error(`${what} has an unknown appearance '${meta.appearance}'`);
  const mask = meta.mask === 'true';
  if (channels !== (meta.appearance === 'rgb' ? 3 : 1) + 2 + (mask ? 1 : 0))
    throw new Error(
      `${what}: ${channels} channels do not match ${meta.appearance} + flow${mask ? ' + mask' : ''}`,
    );
  return {
    appearance: meta.appearance,
    mask,
    flowScale,
    teacher: meta.teacher ?? '',
    imageSize,
    channels,
    embeddingDim,
  };
}

/**
 * Runs the ONNX bytes with onnxruntime-node and the same weights with TF.js on seeded random images;
 * returns the largest absolute difference of the embeddings.
 */
export async function verifyStudentOnnx(
  weights: StudentWeights,
  onnx: Uint8Array,
  images = 4,
  seed = 1,
): Promise<{ maxAbsDiff: number }> {
  if (!currentTrainingBackend()) await initTrainingBackend();
  const c = weights.config;
  const rng = new Rng(seed);
  const input = Float32Array.from({ length: images * imageValues(c) }, () => rng.uniform(-1, 1));
  const model = new StudentModel(weights);
  let reference: Float32Array;
  try {
    reference = model.embedImages(input);
  } finally {
    model.dispose();
  }
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const result = await session.run({
      [STUDENT_INPUT]: new ort.Tensor('float32', input, [images, c.imageSize, c.imageSize, c.channels]),
    });
    const data = result[STUDENT_OUTPUT].data as Float32Array;
    if (data.length !== reference.length)
      throw new Error(`ONNX student returned ${data.length} values, TF.js ${reference.length}`);
    let maxAbsDiff = 0;
    for (let i = 0; i < data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(data[i] - reference[i]));
    return { maxAbsDiff };
  } finally {
    await session.release();
  }
}

export { readOnnxMetadata } from '../export-onnx';

/** Largest ORT-vs-TF.js difference an export may show before it is refused. */
export const STUDENT_ONNX_TOLERANCE = 1e-4;

/** The student as ONNX bytes, refused unless ORT gives TF.js's embeddings within the tolerance. */
export async function exportStudentOnnx(
  weights: StudentWeights,
  info: StudentModelInfo,
  extra: Record<string, string> = {},
): Promise<{ onnx: Uint8Array; maxAbsDiff: number }> {
  const onnx = studentToOnnx(weights, info, extra);
  const { maxAbsDiff } = await verifyStudentOnnx(weights, onnx);
  if (!(maxAbsDiff < STUDENT_ONNX_TOLERANCE))
    throw new Error(
      `The ONNX export of the student differs from TF.js by ${maxAbsDiff} (more than ${STUDENT_ONNX_TOLERANCE}); not stored.`,
    );
  return { onnx, maxAbsDiff };
}
