/**
 * Lifter → ONNX: the dilated inference form written with the in-project ONNX writer
 * (inference/onnx/builder.ts, proto.ts), run by onnxruntime-node.
 *
 * Graph (opset 17):
 *   keypoints2d [N, T, 17, 2] (normalised 2D, see the model's metadata) → Reshape [N, T, 34] →
 *   Transpose [N, 34, T] → Conv (kernel w0) + ReLU → per residual block: Conv (kernel w_i,
 *   dilation w0·…·w_{i−1}) + ReLU → Conv 1×1 + ReLU, plus the block's input sliced by the
 *   block's padding on both ends (Slice + Add) → Conv 1×1 (shrink, with bias) → Transpose →
 *   Reshape → joints3d [N, T − RF + 1, 17, 3] (root-relative camera-space metres).
 * Batch norm (running statistics) is folded into each convolution: with s = γ / √(var + ε),
 * W' = W · s per output channel and b' = β − mean · s.
 *
 * The model's facts (receptive field, frame rate, input normalisation, joints…) are stored as ONNX
 * metadata properties; `readOnnxMetadata` reads them back without decoding the weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { attr, GraphBuilder, int64Tensor } from '../inference/onnx/builder';
import { encodeModel, OnnxDataType } from '../inference/onnx/proto';
import { Rng } from '../../shared/lifting/rng';
import {
  BN_EPSILON,
  convLayers,
  LifterModel,
  outputJointsOf,
  receptiveFieldOf,
  validateWeights,
  type ConvLayer,
  type LifterWeights,
} from './lifter-model';
import { currentTrainingBackend, initTrainingBackend } from './tf-backend';

export const LIFTER_INPUT = 'keypoints2d';
export const LIFTER_OUTPUT = 'joints3d';

/** A convolution with batch norm folded in: ONNX weight [Cout, Cin, k] and bias [Cout]. */
export function foldConv(weights: LifterWeights, layer: ConvLayer): { w: Float32Array; b: Float32Array } {
  const get = (n: string): Float32Array => {
    const t = weights.tensors.find((x) => x.name === n);
    if (!t) throw new Error(`Lifter weights lack ${n}`);
    return t.data;
  };
  const W = get(`${layer.name}/w`); // [k·Cin, Cout]
  const gamma = get(`${layer.name}/bn/gamma`);
  const beta = get(`${layer.name}/bn/beta`);
  const mean = get(`${layer.name}/bn/mean`);
  const variance = get(`${layer.name}/bn/var`);
  const { kernel: k, cin, cout } = layer;
  const w = new Float32Array(cout * cin * k);
  const b = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const s = gamma[o] / Math.sqrt(variance[o] + BN_EPSILON);
    b[o] = beta[o] - mean[o] * s;
    for (let c = 0; c < cin; c++) {
      for (let kk = 0; kk < k; kk++) w[(o * cin + c) * k + kk] = W[(kk * cin + c) * cout + o] * s;
    }
  }
  return { w, b };
}

/** Writes the lifter as ONNX bytes; `metadata` adds to the standard properties. */
export function lifterToOnnx(weights: LifterWeights, metadata: Record<string, string> = {}): Uint8Array {
  validateWeights(weights);
  const c = weights.config;
  const J = c.joints;
  const Jout = outputJointsOf(c);
  const g = new GraphBuilder();
  g.reserve(LIFTER_INPUT);
  g.reserve(LIFTER_OUTPUT);
  const flat = g.node1(
    'Reshape',
    [LIFTER_INPUT, g.constant(int64Tensor([0, 0, J * 2]), 'shape_in')],
    'flatten',
  );
  let h = g.node1('Transpose', [flat], 'to_nct', [attr.ints('perm', [0, 2, 1])]);
  const conv = (x: string, l: ConvLayer, relu: boolean): string => {
    const { w, b } = foldConv(weights, l);
    const wName = g.constant({ dtype: 'float32', shape: [l.cout, l.cin, l.kernel], data: w }, `${l.name}/W`);
    const bName = g.constant({ dtype: 'float32', shape: [l.cout], data: b }, `${l.name}/B`);
    const y = g.node1('Conv', [x, wName, bName], l.name, [
      attr.ints('dilations', [l.dilation]),
      attr.ints('kernel_shape', [l.kernel]),
      attr.ints('pads', [0, 0]),
      attr.ints('strides', [1]),
      attr.int('group', 1),
    ]);
    return relu ? g.node1('Relu', [y], `${l.name}/relu`) : y;
  };
  const { expand, blocks } = convLayers(c);
  h = conv(h, expand, true);
  for (const b of blocks) {
    const pad = ((b.conv.kernel - 1) * b.conv.dilation) / 2;
    const res =
      pad === 0
        ? h
        : g.node1(
            'Slice',
            [
              h,
              g.constant(int64Tensor([pad]), `${b.conv.name}/res_start`),
              g.constant(int64Tensor([-pad]), `${b.conv.name}/res_end`),
              g.constant(int64Tensor([2]), `${b.conv.name}/res_axis`),
            ],
            `${b.conv.name}/residual`,
          );
    const y = conv(conv(h, b.conv, true), b.point, true);
    h = g.node1('Add', [res, y], `${b.conv.name}/add`);
  }
  const shrinkW = weights.tensors.find((t) => t.name === 'shrink/w')!.data; // [C, J·3]
  const shrinkB = weights.tensors.find((t) => t.name === 'shrink/b')!.data;
  const C = c.channels;
  const w = new Float32Array(Jout * 3 * C);
  for (let o = 0; o < Jout * 3; o++)
    for (let ch = 0; ch < C; ch++) w[o * C + ch] = shrinkW[ch * Jout * 3 + o];
  const out = g.node1(
    'Conv',
    [
      h,
      g.constant({ dtype: 'float32', shape: [Jout * 3, C, 1], data: w }, 'shrink/W'),
      g.constant({ dtype: 'float32', shape: [Jout * 3], data: Float32Array.from(shrinkB) }, 'shrink/B'),
    ],
    'shrink',
    [attr.ints('kernel_shape', [1])],
  );
  const ntc = g.node1('Transpose', [out], 'to_ntc', [attr.ints('perm', [0, 2, 1])]);
  g.node(
    'Reshape',
    [ntc, g.constant(int64Tensor([0, 0, J, 3]), 'shape_out')],
    LIFTER_OUTPUT,
    [],
    [LIFTER_OUTPUT],
  );
  const rf = receptiveFieldOf(c);
  return encodeModel({
    irVersion: 8,
    opset: 17,
    producerName: 'kinema-lifter',
    producerVersion: '1',
    docString: `VideoPose3D-style temporal convolution lifter, receptive field ${rf}, ${C} channels.`,
    graph: {
      name: 'lifter',
      nodes: g.nodes,
      initializers: [...g.initializers.values()],
      inputs: [{ name: LIFTER_INPUT, elemType: OnnxDataType.FLOAT, shape: ['batch', 'frames', J, 2] }],
      outputs: [
        { name: LIFTER_OUTPUT, elemType: OnnxDataType.FLOAT, shape: ['batch', 'frames_out', Jout, 3] },
      ],
      valueInfo: [],
    },
    metadata: {
      receptive_field: String(rf),
      filter_widths: c.filterWidths.join(','),
      channels: String(C),
      joints: String(Jout),
      input_joints: String(J),
      ...metadata,
    },
  });
}

/**
 * Reads the metadata properties of ONNX bytes (ModelProto field 14) with a minimal protobuf
 * walk that skips everything else, so a large model's weights are never decoded.
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  let pos = 0;
  const varint = (end: number): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw new Error('ONNX: truncated varint');
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('ONNX: varint too long');
    }
  };
  const skip = (wire: number, end: number): void => {
    if (wire === 0) varint(end);
    else if (wire === 1) pos += 8;
    else if (wire === 2) {
      const n = varint(end); // (not `pos += varint()`: that would add to the old position)
      pos += n;
    } else if (wire === 5) pos += 4;
    else throw new Error(`ONNX: unsupported wire type ${wire}`);
  };
  const text = (start: number, len: number): string =>
    new TextDecoder().decode(bytes.subarray(start, start + len));
  const out: Record<string, string> = {};
  while (pos < bytes.length) {
    const tag = varint(bytes.length);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 14 && wire === 2) {
      const len = varint(bytes.length);
      const end = pos + len;
      let key = '';
      let value = '';
      while (pos < end) {
        const t = varint(end);
        if ((t & 7) === 2) {
          const l = varint(end);
          if (t >>> 3 === 1) key = text(pos, l);
          else if (t >>> 3 === 2) value = text(pos, l);
          pos += l;
        } else skip(t & 7, end);
      }
      out[key] = value;
    } else skip(wire, bytes.length);
    if (pos > bytes.length) throw new Error('ONNX: truncated file');
  }
  return out;
}

/**
 * Runs the ONNX bytes with onnxruntime-node and the same weights with TF.js (dilated form) on a
 * seeded random input of `frames` frames; returns the largest absolute difference of the outputs.
 */
export async function verifyLifterOnnx(
  weights: LifterWeights,
  onnx: Uint8Array,
  frames = receptiveFieldOf(weights.config) + 16,
  seed = 1,
): Promise<{ maxAbsDiff: number; outputFrames: number }> {
  if (!currentTrainingBackend()) await initTrainingBackend();
  const J = weights.config.joints;
  const rng = new Rng(seed);
  const input = Float32Array.from({ length: frames * J * 2 }, () => 0.5 * rng.normal());
  const model = new LifterModel(weights);
  let reference: Float32Array;
  try {
    reference = tf.tidy(
      () => model.dilated(tf.tensor3d(input, [1, frames, J * 2])).dataSync() as Float32Array,
    );
  } finally {
    model.dispose();
  }
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const result = await session.run({ [LIFTER_INPUT]: new ort.Tensor('float32', input, [1, frames, J, 2]) });
    const out = result[LIFTER_OUTPUT];
    const data = out.data as Float32Array;
    if (data.length !== reference.length) {
      throw new Error(`ONNX lifter returned ${data.length} values, TF.js ${reference.length}`);
    }
    let maxAbsDiff = 0;
    for (let i = 0; i < data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(data[i] - reference[i]));
    return { maxAbsDiff, outputFrames: out.dims[1] };
  } finally {
    await session.release();
  }
}
