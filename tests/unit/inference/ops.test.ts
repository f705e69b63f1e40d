// Each TF op the converter maps, checked against TF.js itself on a tiny hand-written graph.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { convertTfjsGraphModelFile } from '../../../src/main/inference/onnx/convert';
import { loadTfjsReference } from '../../../src/main/inference/tfjs-graph/tfjs-runner';

const dir = mkdtempSync(path.join(tmpdir(), 'kinema-ops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Attr = Record<string, unknown>;
const A = {
  type: (t: string) => ({ type: t }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  int: (v: number) => ({ i: String(v) }),
  str: (v: string) => ({ s: Buffer.from(v).toString('base64') }),
  strs: (v: string[]) => ({ list: { s: v.map((x) => Buffer.from(x).toString('base64')) } }),
  bool: (v: boolean) => ({ b: v }),
  f: (v: number) => ({ f: v }),
};
const F = { T: A.type('DT_FLOAT') };
const I = { T: A.type('DT_INT32') };

interface Feed {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

class Tiny {
  nodes: { name: string; op: string; input?: string[]; attr?: Attr }[] = [];
  weights: { name: string; shape: number[]; dtype: string }[] = [];
  bytes: Uint8Array[] = [];
  feeds: Record<string, Feed> = {};

  input(name: string, dtype: 'float32' | 'int32', shape: number[], data?: number[]): string {
    const n = shape.reduce((a, b) => a * b, 1);
    let s = name.length * 7919;
    const values =
      data ??
      Array.from(
        { length: n },
        () => (
          (s = (s * 1103515245 + 12345) % 2147483648),
          dtype === 'int32' ? (s % 21) - 10 : (s / 2147483648) * 4 - 2
        ),
      );
    this.feeds[name] = {
      dtype,
      shape,
      data: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
    };
    const attr = {
      dtype: A.type(dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT'),
      shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } },
    };
    this.nodes.push({ name, op: 'Placeholder', attr });
    return name;
  }

  const(name: string, dtype: 'float32' | 'int32', shape: number[], data: number[]): string {
    const arr = dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
    this.weights.push({ name, shape, dtype });
    this.bytes.push(new Uint8Array(arr.buffer));
    this.nodes.push({
      name,
      op: 'Const',
      attr: { dtype: A.type(dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT') },
    });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Attr = F): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  write(id: string): string {
    const folder = mkdtempSync(path.join(dir, `${id}-`));
    const total = this.bytes.reduce((a, b) => a + b.byteLength, 0);
    const bin = new Uint8Array(total);
    let off = 0;
    for (const b of this.bytes) {
      bin.set(b, off);
      off += b.byteLength;
    }
    writeFileSync(path.join(folder, 'w.bin'), bin);
    const json = {
      format: 'graph-model',
      modelTopology: { node: this.nodes, versions: {} },
      weightsManifest: [{ paths: ['w.bin'], weights: this.weights }],
    };
    writeFileSync(path.join(folder, 'model.json'), JSON.stringify(json));
    return path.join(folder, 'model.json');
  }
}

/** Converts, runs ORT and TF.js, and compares every output. Returns the max abs diff. */
async function check(t: Tiny, id: string, tol = 1e-5): Promise<number> {
  const file = t.write(id);
  const conv = await convertTfjsGraphModelFile(file);
  const session = await ort.InferenceSession.create(conv.bytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(t.feeds)) feeds[k] = new ort.Tensor(v.dtype, v.data, v.shape);
  const got = await session.run(feeds);
  await session.release();
  const ref = await loadTfjsReference(file);
  const want = await ref.run(t.feeds);
  let worst = 0;
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    expect(g.dims, `${id}: shape of ${name}`).toEqual(w.shape);
    const gd = Array.from(g.data as ArrayLike<number | bigint>, Number);
    for (let i = 0; i < gd.length; i++) worst = Math.max(worst, Math.abs(gd[i] - w.data[i]));
  }
  expect(worst, id).toBeLessThan(tol);
  console.log(`${id}: max |ORT - TF.js| = ${worst.toExponential(2)}`);
  return worst;
}

describe('TF op mapping vs TF.js', () => {
  it('convolutions: Conv2D VALID/strided/dilated, fused conv + Relu6, depthwise multiplier 2, NHWC', async () => {
    const t = new Tiny();
    const x = t.input('x', 'float32', [1, 9, 8, 3]);
    const w = t.const(
      'w',
      'float32',
      [3, 3, 3, 4],
      Array.from({ length: 108 }, (_, i) => Math.sin(i)),
    );
    const b = t.const('b', 'float32', [4], [0.1, -0.2, 0.3, 5]);
    const dw = t.const(
      'dw',
      'float32',
      [3, 2, 4, 2],
      Array.from({ length: 48 }, (_, i) => Math.cos(i)),
    );
    const conv = {
      strides: A.ints([1, 2, 2, 1]),
      padding: A.str('VALID'),
      data_format: A.str('NHWC'),
      dilations: A.ints([1, 1, 1, 1]),
    };
    t.op('c1', 'Conv2D', [x, w], { ...F, ...conv });
    t.op('c2', 'Conv2D', [x, w], {
      ...F,
      ...conv,
      strides: A.ints([1, 1, 1, 1]),
      dilations: A.ints([1, 2, 2, 1]),
      padding: A.str('SAME'),
    });
    const f = t.op('f', '_FusedConv2D', [x, w, b], {
      ...F,
      ...conv,
      padding: A.str('SAME'),
      fused_ops: A.strs(['BiasAdd', 'Relu6']),
      num_args: A.int(1),
    });
    t.op('d', 'DepthwiseConv2dNative', [f, dw], { ...F, ...conv, padding: A.str('SAME') });
    await check(t, 'conv');
  });

  it('ResizeBilinear: half-pixel, align-corners and asymmetric; MaxPool and AvgPool SAME', async () => {
    const t = new Tiny();
    const x = t.input('x', 'float32', [1, 5, 7, 2]);
    const size = t.const('size', 'int32', [2], [11, 9]);
    t.op('r1', 'ResizeBilinear', [x, size], {
      ...F,
      align_corners: A.bool(false),
      half_pixel_centers: A.bool(true),
    });
    t.op('r2', 'ResizeBilinear', [x, size], {
      ...F,
      align_corners: A.bool(true),
      half_pixel_centers: A.bool(false),
    });
    t.op('r3', 'ResizeBilinear', [x, size], {
      ...F,
      align_corners: A.bool(false),
      half_pixel_centers: A.bool(false),
    });
    const pool = {
      ksize: A.ints([1, 3, 3, 1]),
      strides: A.ints([1, 2, 2, 1]),
      padding: A.str('SAME'),
      data_format: A.str('NHWC'),
    };
    t.op('p1', 'MaxPool', [x], { ...F, ...pool });
    t.op('p2', 'AvgPool', [x], { ...F, ...pool });
    await check(t, 'resize', 1e-5);
  });

  it('integer ops: FloorDiv/FloorMod on negatives, ArgMax, Cast, GatherNd, GatherV2', async () => {
    const t = new Tiny();
    const a = t.input('a', 'int32', [2, 6]);
    const seven = t.const('seven', 'int32', [], [7]);
    const m3 = t.const('m3', 'int32', [], [-3]);
    t.op('fd', 'FloorDiv', [a, seven], I);
    t.op('fd2', 'FloorDiv', [a, m3], I);
    t.op('fm', 'FloorMod', [a, seven], I);
    const x = t.input('x', 'float32', [3, 4, 5]);
    const ax = t.const('ax', 'int32', [], [2]);
    const am = t.op('am', 'ArgMax', [x, ax], {
      ...F,
      output_type: A.type('DT_INT32'),
      Tidx: A.type('DT_INT32'),
    });
    t.op('amf', 'Cast', [am], { SrcT: A.type('DT_INT32'), DstT: A.type('DT_FLOAT') });
    const idx = t.const('idx', 'int32', [2, 2], [0, 1, 2, 3]);
    t.op('gnd', 'GatherNd', [x, idx], { Tparams: A.type('DT_FLOAT'), Tindices: A.type('DT_INT32') });
    const gi = t.const('gi', 'int32', [3], [3, 0, 2]);
    const gax = t.const('gax', 'int32', [], [1]);
    t.op('g', 'GatherV2', [x, gi, gax], {
      Tparams: A.type('DT_FLOAT'),
      Tindices: A.type('DT_INT32'),
      batch_dims: A.int(0),
    });
    await check(t, 'int');
  });

  it('shapes: StridedSlice masks, Pack/Unpack, ConcatV2, Reshape, Squeeze, ExpandDims, Transpose, Pad, Tile', async () => {
    const t = new Tiny();
    const x = t.input('x', 'float32', [2, 5, 6, 3]);
    const c = (n: string, v: number[]) => t.const(n, 'int32', [v.length], v);
    t.op('ss1', 'StridedSlice', [x, c('b1', [0, 1, -1, 0]), c('e1', [0, 4, 0, 2]), c('s1', [1, 2, -2, 1])], {
      ...F,
      begin_mask: A.int(1),
      end_mask: A.int(1 | 4),
      shrink_axis_mask: A.int(0),
      ellipsis_mask: A.int(0),
      new_axis_mask: A.int(0),
    });
    t.op('ss2', 'StridedSlice', [x, c('b2', [1, 0, 2, -1]), c('e2', [2, 5, 3, 0]), c('s2', [1, 1, 1, 1])], {
      ...F,
      begin_mask: A.int(0),
      end_mask: A.int(2),
      shrink_axis_mask: A.int(1 | 4 | 8),
      ellipsis_mask: A.int(0),
      new_axis_mask: A.int(0),
    });
    const u = t.op('u', 'Unpack', [x], { ...F, num: A.int(3), axis: A.int(-1) });
    t.op('pk', 'Pack', [`${u}:2`, u, `${u}:1`], { ...F, N: A.int(3), axis: A.int(1) });
    t.op('cc', 'ConcatV2', [x, x, t.const('cax', 'int32', [], [-2])], {
      ...F,
      N: A.int(2),
      Tidx: A.type('DT_INT32'),
    });
    const r = t.op('rs', 'Reshape', [x, c('shape', [2, -1, 3, 1])], F);
    t.op('sq', 'Squeeze', [r], { ...F, squeeze_dims: A.ints([3]) });
    t.op('ed', 'ExpandDims', [x, t.const('edax', 'int32', [], [-1])], F);
    t.op('tr', 'Transpose', [x, c('perm', [3, 0, 2, 1])], F);
    t.op('pad', 'Pad', [x, t.const('pads', 'int32', [4, 2], [0, 0, 1, 2, 0, 1, 0, 0])], F);
    t.op('tile', 'Tile', [x, c('reps', [1, 2, 1, 2])], F);
    await check(t, 'shape');
  });

  it('element-wise and reductions: Sub/Mul/RealDiv/SquaredDifference/Sqrt/Sigmoid/Maximum, Sum/Mean/Max keep_dims', async () => {
    const t = new Tiny();
    const x = t.input('x', 'float32', [2, 3, 4]);
    const y = t.input('y', 'float32', [4]);
    const s = t.op('sub', 'Sub', [x, y]);
    const m = t.op('mul', 'Mul', [s, y]);
    const sd = t.op('sd', 'SquaredDifference', [m, x]);
    const q = t.op('sqrt', 'Sqrt', [sd]);
    t.op('div', 'RealDiv', [q, t.op('sig', 'Sigmoid', [y])]);
    t.op('mx', 'Maximum', [x, y]);
    t.op('relu6', 'Relu6', [t.op('sq', 'Square', [x])]);
    const axes = t.const('axes', 'int32', [2], [0, 2]);
    t.op('sum', 'Sum', [x, axes], { ...F, keep_dims: A.bool(true), Tidx: A.type('DT_INT32') });
    t.op('mean', 'Mean', [x, axes], { ...F, keep_dims: A.bool(false), Tidx: A.type('DT_INT32') });
    t.op('max', 'Max', [x, axes], { ...F, keep_dims: A.bool(false), Tidx: A.type('DT_INT32') });
    await check(t, 'elementwise');
  });

  it('MatMul (transpose_b), BiasAdd, FusedBatchNormV3, Softmax, LeakyRelu, comparisons + Select', async () => {
    const t = new Tiny();
    const x = t.input('x', 'float32', [3, 5]);
    const w = t.const(
      'w',
      'float32',
      [4, 5],
      Array.from({ length: 20 }, (_, i) => Math.sin(i + 1)),
    );
    const b = t.const('b', 'float32', [4], [0.5, -1, 0, 2]);
    const mm = t.op('mm', 'MatMul', [x, w], { ...F, transpose_a: A.bool(false), transpose_b: A.bool(true) });
    const ba = t.op('ba', 'BiasAdd', [mm, b], { ...F, data_format: A.str('NHWC') });
    t.op('sm', 'Softmax', [ba]);
    t.op('lr', 'LeakyRelu', [ba], { ...F, alpha: A.f(0.1) });
    const img = t.input('img', 'float32', [1, 2, 3, 4]);
    const p = (n: string, v: number[]) => t.const(n, 'float32', [4], v);
    t.op(
      'bn',
      'FusedBatchNormV3',
      [
        img,
        p('g', [1, 2, 0.5, 1]),
        p('o', [0, 1, -1, 0.5]),
        p('m', [0.1, 0.2, 0, -1]),
        p('v', [1, 4, 0.25, 2]),
      ],
      {
        ...F,
        U: A.type('DT_FLOAT'),
        epsilon: A.f(0.001),
        data_format: A.str('NHWC'),
        is_training: A.bool(false),
      },
    );
    const gt = t.op('gt', 'Greater', [ba, t.const('zero', 'float32', [], [0])]);
    t.op('sel', 'SelectV2', [gt, ba, mm]);
    await check(t, 'misc');
  });

  it('added for BlazePose and MultiPose: DepthToSpace, Size, AddN, Split, StridedSlice new_axis_mask, resize to a computed size', async () => {
    const t = new Tiny();
    const x = t.input('x', 'float32', [1, 4, 6, 8]);
    const c = (n: string, v: number[]) => t.const(n, 'int32', [v.length], v);
    t.op('d2s', 'DepthToSpace', [x], { ...F, block_size: A.int(2), data_format: A.str('NHWC') });
    t.op('size', 'Size', [x], { ...F, out_type: A.type('DT_INT32') });
    const a = t.input('a', 'float32', [2, 3]);
    const b = t.input('b', 'float32', [2, 3]);
    const d = t.input('d', 'float32', [2, 3]);
    t.op('addn', 'AddN', [a, b, d], { ...F, N: A.int(3) });
    t.op('split', 'Split', [t.const('axis', 'int32', [], [3]), x], { ...F, num_split: A.int(2) });
    t.op('halves', 'Sub', ['split', 'split:1']);
    const y = t.input('y', 'float32', [2, 3, 4]);
    t.op(
      'newaxis',
      'StridedSlice',
      [y, c('nb', [0, 0, 0, 0]), c('ne', [0, 0, 0, 0]), c('ns', [1, 1, 1, 1])],
      {
        ...F,
        Index: A.type('DT_INT32'),
        begin_mask: A.int(11),
        end_mask: A.int(11),
        shrink_axis_mask: A.int(0),
        ellipsis_mask: A.int(0),
        new_axis_mask: A.int(4),
      },
    );
    const shape = t.op('shape', 'Shape', [x], { ...F, out_type: A.type('DT_INT32') });
    const hw = t.op('hw', 'StridedSlice', [shape, c('hb', [1]), c('he', [3]), c('hs', [1])], {
      ...I,
      Index: A.type('DT_INT32'),
      begin_mask: A.int(0),
      end_mask: A.int(0),
      shrink_axis_mask: A.int(0),
      ellipsis_mask: A.int(0),
      new_axis_mask: A.int(0),
    });
    const hw2 = t.op('hw2', 'Mul', [hw, t.const('two', 'int32', [1], [2])], I);
    t.op('up', 'ResizeBilinear', [x, hw2], {
      ...F,
      align_corners: A.bool(false),
      half_pixel_centers: A.bool(true),
    });
    await check(t, 'added');
  });
});
