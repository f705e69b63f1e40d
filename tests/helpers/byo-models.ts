/**
 * Tiny ONNX pose models for tests, written with the in-project ONNX writer: constant heatmaps (or
 * SimCC vectors) with known peaks plus an input-dependent zero, so ORT cannot drop the input.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attr, float32Tensor, GraphBuilder } from '../../src/main/inference/onnx/builder';
import { encodeModel, OnnxDataType, type OnnxValueInfo } from '../../src/main/inference/onnx/proto';

export interface Out {
  name: string;
  shape: number[];
  data: Float32Array;
  /** Declared shape (default: `shape`); strings are symbolic dims. */
  declared?: (number | string)[];
}

/** A model whose outputs are constants + 0·ΣInput (so ORT cannot drop the input). */
export function constantModel(
  dir: string,
  file: string,
  input: { name: string; shape: (number | string)[]; dtype?: 'float32' | 'uint8' },
  outputs: Out[],
): string {
  const g = new GraphBuilder();
  g.reserve(input.name);
  for (const o of outputs) g.reserve(o.name);
  let x = input.name;
  if (input.dtype === 'uint8') x = g.node1('Cast', [x], 'cast', [attr.int('to', OnnxDataType.FLOAT)]);
  const sum = g.node1('ReduceSum', [x], 'sum', [attr.int('keepdims', 0)]);
  const zero = g.node1('Mul', [sum, g.constant(float32Tensor([0], []), 'zero')], 'zero');
  for (const o of outputs) {
    const c = g.constant({ dtype: 'float32', shape: o.shape, data: o.data }, `${o.name}_const`);
    g.node('Add', [c, zero], o.name, [], [o.name]);
  }
  return writeModel(
    dir,
    file,
    g,
    [
      {
        name: input.name,
        elemType: input.dtype === 'uint8' ? OnnxDataType.UINT8 : OnnxDataType.FLOAT,
        shape: input.shape,
      },
    ],
    outputs.map((o) => ({ name: o.name, elemType: OnnxDataType.FLOAT, shape: o.declared ?? o.shape })),
  );
}

export function writeModel(
  dir: string,
  file: string,
  g: GraphBuilder,
  inputs: OnnxValueInfo[],
  outputs: OnnxValueInfo[],
): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    encodeModel({
      irVersion: 8,
      opset: 17,
      producerName: 'kinema-byo-test',
      producerVersion: '0',
      graph: {
        name: 'g',
        nodes: g.nodes,
        initializers: [...g.initializers.values()],
        inputs,
        outputs,
        valueInfo: [],
      },
    }),
  );
  return path;
}

/** Gaussian blobs [K, h, w], blob j at `at[j]` (sub-cell), peak `peak[j]`. */
export function blobs(h: number, w: number, at: [number, number][], peak: number[], sigma = 2): Float32Array {
  const out = new Float32Array(at.length * h * w);
  at.forEach(([bx, by], j) => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        out[j * h * w + y * w + x] = peak[j] * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * sigma ** 2));
  });
  return out;
}
