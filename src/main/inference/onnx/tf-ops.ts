// TF op -> ONNX node mapping. Tensors keep TF's layout (NHWC); convolutions, pooling and resizes
// run in ONNX's NCHW between a pair of Transposes, which optimize.ts later cancels where two
// meet. Inputs that ONNX wants as attributes or int64 tensors (axes, shapes, paddings, perms) must
// be TF Consts and are folded at conversion time.

import {
  attrBool,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  attrStrings,
  attrType,
  sizeOf,
  type HostTensor,
  type TensorDType,
  type TfNode,
} from '../tfjs-graph/model';
import { attr, float32Tensor, GraphBuilder, int64Tensor, ONNX_DTYPE } from './builder';

/** A converted TF tensor: its ONNX value (created lazily for constants), dtype and, if known, value. */
export interface Value {
  dtype: TensorDType;
  onnx?: string;
  constant?: HostTensor;
}

export class UnsupportedOpError extends Error {
  constructor(
    readonly op: string,
    readonly nodeName: string,
    detail?: string,
  ) {
    super(`Unsupported TF op "${op}" (node "${nodeName}")${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedOpError';
  }
}

export const TF_DTYPES: Record<string, TensorDType> = {
  DT_FLOAT: 'float32',
  DT_INT32: 'int32',
  DT_INT64: 'int64',
  DT_BOOL: 'bool',
  DT_UINT8: 'uint8',
};

export function tfDtype(node: TfNode, name: string, def?: string): TensorDType {
  const t = attrType(node, name, def);
  const d = TF_DTYPES[t];
  if (!d) throw new UnsupportedOpError(node.op, node.name, `dtype ${t} is not supported`);
  return d;
}

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** State shared by the op handlers. */
export class ConvertContext {
  constructor(readonly g: GraphBuilder) {}

  /** The ONNX value name of `v`, materialising a constant as an initializer on first use. */
  ref(v: Value, base: string): string {
    if (v.onnx) return v.onnx;
    if (!v.constant) throw new Error(`internal: value without ONNX name or constant (${base})`);
    v.onnx = this.g.constant(v.constant, base);
    return v.onnx;
  }

  /** The constant value of input `i`, or a clear error. */
  constInput(node: TfNode, inputs: Value[], i: number, what: string): HostTensor {
    const v = inputs[i];
    if (!v?.constant) {
      throw new UnsupportedOpError(node.op, node.name, `${what} (input ${i}) must be a constant`);
    }
    return v.constant;
  }

  constInts(node: TfNode, inputs: Value[], i: number, what: string): number[] {
    return Array.from(this.constInput(node, inputs, i, what).data as ArrayLike<number | bigint>, Number);
  }

  /** An int64 ONNX value for an integer input: folded when constant, else a Cast node. */
  int64(node: TfNode, v: Value, base: string): string {
    if (v.constant) {
      const c = v.constant;
      return this.g.constant(int64Tensor(Array.from(c.data as ArrayLike<number | bigint>), c.shape), base);
    }
    if (v.dtype === 'int64') return this.ref(v, base);
    return this.g.node1('Cast', [this.ref(v, base)], base, [attr.int('to', ONNX_DTYPE.int64)]);
  }

  i64(values: number[], base: string): string {
    return this.g.constant(int64Tensor(values), base);
  }

  scalar(value: number, dtype: TensorDType, base: string): string {
    if (dtype === 'float32') return this.g.constant(float32Tensor([value], []), base);
    if (dtype === 'int32') return this.g.constant({ dtype, shape: [], data: Int32Array.of(value) }, base);
    if (dtype === 'int64') return this.g.constant(int64Tensor([value], []), base);
    throw new Error(`internal: scalar of dtype ${dtype}`);
  }

  transpose(x: string, perm: number[], base: string): string {
    return this.g.node1('Transpose', [x], base, [attr.ints('perm', perm)]);
  }

  cast(x: string, to: TensorDType, base: string): string {
    return this.g.node1('Cast', [x], base, [attr.int('to', ONNX_DTYPE[to])]);
  }
}

type Handler = (ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]) => Value[];

/** Every handler writes output k of the TF node to the ONNX name out[k] (already reserved). */
const handlers = new Map<string, Handler>();

function dtypeOf(node: TfNode, inputs: Value[]): TensorDType {
  return inputs[0]?.dtype ?? tfDtype(node, 'T');
}

// ---- element-wise ----

const UNARY: Record<string, string> = {
  Sigmoid: 'Sigmoid',
  Relu: 'Relu',
  Tanh: 'Tanh',
  Sqrt: 'Sqrt',
  Exp: 'Exp',
  Log: 'Log',
  Neg: 'Neg',
  Abs: 'Abs',
  Floor: 'Floor',
  Ceil: 'Ceil',
  Round: 'Round',
  Sign: 'Sign',
  Reciprocal: 'Reciprocal',
  Elu: 'Elu',
  Softplus: 'Softplus',
  Sin: 'Sin',
  Cos: 'Cos',
  Erf: 'Erf',
  LogicalNot: 'Not',
  Identity: 'Identity',
  StopGradient: 'Identity',
  Snapshot: 'Identity',
};
for (const [tf, onnx] of Object.entries(UNARY)) {
  handlers.set(tf, (ctx, node, inputs, out) => {
    ctx.g.node(onnx, [ctx.ref(inputs[0], node.name)], node.name, [], out);
    return [{ dtype: inputs[0].dtype }];
  });
}

const BINARY: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  RealDiv: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
  Pow: 'Pow',
};
for (const [tf, onnx] of Object.entries(BINARY)) {
  handlers.set(tf, (ctx, node, inputs, out) => {
    if (tf === 'BiasAdd' && attrString(node, 'data_format', 'NHWC') !== 'NHWC') {
      throw new UnsupportedOpError(node.op, node.name, 'only data_format NHWC is supported');
    }
    ctx.g.node(onnx, [ctx.ref(inputs[0], node.name), ctx.ref(inputs[1], node.name)], node.name, [], out);
    return [{ dtype: dtypeOf(node, inputs) }];
  });
}

const COMPARE: Record<string, string> = {
  Greater: 'Greater',
  GreaterEqual: 'GreaterOrEqual',
  Less: 'Less',
  LessEqual: 'LessOrEqual',
  Equal: 'Equal',
  LogicalAnd: 'And',
  LogicalOr: 'Or',
};
for (const [tf, onnx] of Object.entries(COMPARE)) {
  handlers.set(tf, (ctx, node, inputs, out) => {
    ctx.g.node(onnx, [ctx.ref(inputs[0], node.name), ctx.ref(inputs[1], node.name)], node.name, [], out);
    return [{ dtype: 'bool' }];
  });
}

handlers.set('NotEqual', (ctx, node, inputs, out) => {
  const eq = ctx.g.node1('Equal', [ctx.ref(inputs[0], node.name), ctx.ref(inputs[1], node.name)], node.name);
  ctx.g.node('Not', [eq], node.name, [], out);
  return [{ dtype: 'bool' }];
});

handlers.set('Select', selectHandler);
handlers.set('SelectV2', selectHandler);
function selectHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  const names = inputs.map((v) => ctx.ref(v, node.name));
  ctx.g.node('Where', names, node.name, [], out);
  return [{ dtype: inputs[1].dtype }];
}

handlers.set('Relu6', (ctx, node, inputs, out) => {
  const dt = inputs[0].dtype;
  const lo = ctx.scalar(0, dt, `${node.name}/min`);
  const hi = ctx.scalar(6, dt, `${node.name}/max`);
  ctx.g.node('Clip', [ctx.ref(inputs[0], node.name), lo, hi], node.name, [], out);
  return [{ dtype: dt }];
});

handlers.set('LeakyRelu', (ctx, node, inputs, out) => {
  ctx.g.node(
    'LeakyRelu',
    [ctx.ref(inputs[0], node.name)],
    node.name,
    [attr.float('alpha', attrFloat(node, 'alpha', 0.2))],
    out,
  );
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Rsqrt', (ctx, node, inputs, out) => {
  const s = ctx.g.node1('Sqrt', [ctx.ref(inputs[0], node.name)], node.name);
  ctx.g.node('Reciprocal', [s], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Square', (ctx, node, inputs, out) => {
  const x = ctx.ref(inputs[0], node.name);
  ctx.g.node('Mul', [x, x], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('SquaredDifference', (ctx, node, inputs, out) => {
  const d = ctx.g.node1('Sub', [ctx.ref(inputs[0], node.name), ctx.ref(inputs[1], node.name)], node.name);
  ctx.g.node('Mul', [d, d], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

function isInteger(dt: TensorDType): boolean {
  return dt === 'int32' || dt === 'int64' || dt === 'uint8';
}

handlers.set('FloorDiv', (ctx, node, inputs, out) => {
  const a = ctx.ref(inputs[0], node.name);
  const b = ctx.ref(inputs[1], node.name);
  const dt = dtypeOf(node, inputs);
  if (isInteger(dt)) {
    // floor(a / b) == (a - mod(a, b)) / b with mod taking the divisor's sign; the division is exact.
    const m = ctx.g.node1('Mod', [a, b], node.name, [attr.int('fmod', 0)]);
    const d = ctx.g.node1('Sub', [a, m], node.name);
    ctx.g.node('Div', [d, b], node.name, [], out);
  } else {
    const q = ctx.g.node1('Div', [a, b], node.name);
    ctx.g.node('Floor', [q], node.name, [], out);
  }
  return [{ dtype: dt }];
});

handlers.set('FloorMod', (ctx, node, inputs, out) => {
  const a = ctx.ref(inputs[0], node.name);
  const b = ctx.ref(inputs[1], node.name);
  const dt = dtypeOf(node, inputs);
  if (isInteger(dt)) {
    ctx.g.node('Mod', [a, b], node.name, [attr.int('fmod', 0)], out);
  } else {
    const q = ctx.g.node1('Floor', [ctx.g.node1('Div', [a, b], node.name)], node.name);
    ctx.g.node('Sub', [a, ctx.g.node1('Mul', [q, b], node.name)], node.name, [], out);
  }
  return [{ dtype: dt }];
});

handlers.set('Cast', (ctx, node, inputs, out) => {
  const to = tfDtype(node, 'DstT');
  ctx.g.node('Cast', [ctx.ref(inputs[0], node.name)], node.name, [attr.int('to', ONNX_DTYPE[to])], out);
  return [{ dtype: to }];
});

// ---- shape manipulation ----

handlers.set('Reshape', (ctx, node, inputs, out) => {
  const shape = ctx.int64(node, inputs[1], `${node.name}/shape`);
  ctx.g.node('Reshape', [ctx.ref(inputs[0], node.name), shape], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Squeeze', (ctx, node, inputs, out) => {
  const dims = attrInts(node, 'squeeze_dims', attrInts(node, 'axis', []));
  const ins = [ctx.ref(inputs[0], node.name)];
  if (dims.length) ins.push(ctx.i64(dims, `${node.name}/axes`));
  ctx.g.node('Squeeze', ins, node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('ExpandDims', (ctx, node, inputs, out) => {
  const axes = ctx.constInts(node, inputs, 1, 'the axis');
  ctx.g.node(
    'Unsqueeze',
    [ctx.ref(inputs[0], node.name), ctx.i64(axes, `${node.name}/axes`)],
    node.name,
    [],
    out,
  );
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Pack', (ctx, node, inputs, out) => {
  const axis = attrInt(node, 'axis', 0);
  const axes = ctx.i64([axis], `${node.name}/axes`);
  const parts = inputs.map((v) => ctx.g.node1('Unsqueeze', [ctx.ref(v, node.name), axes], node.name));
  if (parts.length === 1) ctx.g.node('Identity', parts, node.name, [], out);
  else ctx.g.node('Concat', parts, node.name, [attr.int('axis', axis)], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Unpack', (ctx, node, inputs, out) => {
  const num = attrInt(node, 'num');
  const axis = attrInt(node, 'axis', 0);
  const axes = ctx.i64([axis], `${node.name}/axes`);
  const x = ctx.ref(inputs[0], node.name);
  const parts =
    num === 1
      ? [x]
      : ctx.g.node(
          'Split',
          [x, ctx.i64(new Array<number>(num).fill(1), `${node.name}/split`)],
          node.name,
          [attr.int('axis', axis)],
          num,
        );
  parts.forEach((p, k) => ctx.g.node('Squeeze', [p, axes], node.name, [], [out[k]]));
  return parts.map(() => ({ dtype: inputs[0].dtype }));
});

// Split(split_dim, value): num_split equal parts (ONNX Split without `split` divides equally).
handlers.set('Split', (ctx, node, inputs, out) => {
  const num = attrInt(node, 'num_split');
  const [axis] = ctx.constInts(node, inputs, 0, 'the split dimension');
  const x = ctx.ref(inputs[1], node.name);
  if (num === 1) ctx.g.node('Identity', [x], node.name, [], out);
  else ctx.g.node('Split', [x], node.name, [attr.int('axis', axis)], out);
  return out.map(() => ({ dtype: inputs[1].dtype }));
});

handlers.set('ConcatV2', (ctx, node, inputs, out) => {
  const [axis] = ctx.constInts(node, inputs, inputs.length - 1, 'the axis');
  const parts = inputs.slice(0, -1).map((v) => ctx.ref(v, node.name));
  ctx.g.node('Concat', parts, node.name, [attr.int('axis', axis)], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Transpose', (ctx, node, inputs, out) => {
  const perm = ctx.constInts(node, inputs, 1, 'the permutation');
  ctx.g.node('Transpose', [ctx.ref(inputs[0], node.name)], node.name, [attr.ints('perm', perm)], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Shape', (ctx, node, inputs, out) => {
  const to = tfDtype(node, 'out_type', 'DT_INT32');
  if (to === 'int64') {
    ctx.g.node('Shape', [ctx.ref(inputs[0], node.name)], node.name, [], out);
  } else {
    const s = ctx.g.node1('Shape', [ctx.ref(inputs[0], node.name)], node.name);
    ctx.g.node('Cast', [s], node.name, [attr.int('to', ONNX_DTYPE[to])], out);
  }
  return [{ dtype: to }];
});

handlers.set('Size', (ctx, node, inputs, out) => {
  const to = tfDtype(node, 'out_type', 'DT_INT32');
  const s = ctx.g.node1('Size', [ctx.ref(inputs[0], node.name)], node.name);
  ctx.g.node(
    to === 'int64' ? 'Identity' : 'Cast',
    [s],
    node.name,
    to === 'int64' ? [] : [attr.int('to', ONNX_DTYPE[to])],
    out,
  );
  return [{ dtype: to }];
});

// AddN: a chain of Adds (ONNX Sum takes floats only).
handlers.set('AddN', (ctx, node, inputs, out) => {
  let acc = ctx.ref(inputs[0], node.name);
  for (let i = 1; i < inputs.length; i++) {
    const ins = [acc, ctx.ref(inputs[i], node.name)];
    if (i === inputs.length - 1) ctx.g.node('Add', ins, node.name, [], out);
    else acc = ctx.g.node1('Add', ins, node.name);
  }
  if (inputs.length === 1) ctx.g.node('Identity', [acc], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Tile', (ctx, node, inputs, out) => {
  const reps = ctx.int64(node, inputs[1], `${node.name}/repeats`);
  ctx.g.node('Tile', [ctx.ref(inputs[0], node.name), reps], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Fill', (ctx, node, inputs, out) => {
  const shape = ctx.int64(node, inputs[0], `${node.name}/shape`);
  ctx.g.node('Expand', [ctx.ref(inputs[1], node.name), shape], node.name, [], out);
  return [{ dtype: inputs[1].dtype }];
});

handlers.set('Range', (ctx, node, inputs, out) => {
  const names = inputs.map((v) => ctx.ref(v, node.name));
  ctx.g.node('Range', names, node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('GatherV2', (ctx, node, inputs, out) => {
  if (attrInt(node, 'batch_dims', 0) !== 0) {
    throw new UnsupportedOpError(node.op, node.name, 'batch_dims other than 0');
  }
  const [axis] = ctx.constInts(node, inputs, 2, 'the axis');
  const names = [ctx.ref(inputs[0], node.name), ctx.ref(inputs[1], node.name)];
  ctx.g.node('Gather', names, node.name, [attr.int('axis', axis)], out);
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('GatherNd', (ctx, node, inputs, out) => {
  const idx = ctx.int64(node, inputs[1], `${node.name}/indices`);
  ctx.g.node('GatherND', [ctx.ref(inputs[0], node.name), idx], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

handlers.set('StridedSlice', (ctx, node, inputs, out) => {
  if (attrInt(node, 'ellipsis_mask', 0) !== 0) {
    throw new UnsupportedOpError(node.op, node.name, 'ellipsis_mask is not supported');
  }
  const newAxisMask = attrInt(node, 'new_axis_mask', 0);
  const begin = ctx.constInts(node, inputs, 1, 'begin');
  const end = ctx.constInts(node, inputs, 2, 'end');
  const strides = ctx.constInts(node, inputs, 3, 'strides');
  const beginMask = attrInt(node, 'begin_mask', 0);
  const endMask = attrInt(node, 'end_mask', 0);
  const shrinkMask = attrInt(node, 'shrink_axis_mask', 0);
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const shrink: number[] = [];
  // new_axis_mask (no ellipsis): spec entry i is dimension i of the input with size-1 axes
  // inserted at the new-axis entries, which then take the whole (size-1) range.
  const newAxes: number[] = [];
  for (let i = 0; i < begin.length; i++) if (newAxisMask & (1 << i)) newAxes.push(i);
  for (let i = 0; i < begin.length; i++) {
    const step = strides[i];
    if (newAxisMask & (1 << i)) {
      starts.push(0n);
      ends.push(INT64_MAX);
      strides[i] = 1;
      continue;
    }
    if (shrinkMask & (1 << i)) {
      starts.push(BigInt(begin[i]));
      ends.push(begin[i] === -1 ? INT64_MAX : BigInt(begin[i] + 1));
      shrink.push(i);
      continue;
    }
    starts.push(beginMask & (1 << i) ? (step > 0 ? 0n : INT64_MAX) : BigInt(begin[i]));
    ends.push(endMask & (1 << i) ? (step > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[i]));
  }
  const n = begin.length;
  const t = (vals: bigint[], what: string) =>
    ctx.g.constant({ dtype: 'int64', shape: [n], data: BigInt64Array.from(vals) }, `${node.name}/${what}`);
  const x = ctx.ref(inputs[0], node.name);
  const sliceIns = [
    newAxes.length ? ctx.g.node1('Unsqueeze', [x, ctx.i64(newAxes, `${node.name}/newaxes`)], node.name) : x,
    t(starts, 'starts'),
    t(ends, 'ends'),
    ctx.i64(
      Array.from({ length: n }, (_, i) => i),
      `${node.name}/axes`,
    ),
    t(strides.map(BigInt), 'steps'),
  ];
  if (shrink.length) {
    const s = ctx.g.node1('Slice', sliceIns, node.name);
    ctx.g.node('Squeeze', [s, ctx.i64(shrink, `${node.name}/shrink`)], node.name, [], out);
  } else {
    ctx.g.node('Slice', sliceIns, node.name, [], out);
  }
  return [{ dtype: inputs[0].dtype }];
});

handlers.set('Slice', (ctx, node, inputs, out) => {
  const begin = ctx.constInts(node, inputs, 1, 'begin');
  const size = ctx.constInts(node, inputs, 2, 'size');
  const ends = begin.map((b, i) => (size[i] === -1 ? INT64_MAX : BigInt(b + size[i])));
  const ins = [
    ctx.ref(inputs[0], node.name),
    ctx.i64(begin, `${node.name}/starts`),
    ctx.g.constant(
      { dtype: 'int64', shape: [ends.length], data: BigInt64Array.from(ends) },
      `${node.name}/ends`,
    ),
  ];
  ctx.g.node('Slice', ins, node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
});

function padsFrom(paddings: number[]): number[] {
  const rank = paddings.length / 2;
  const pads: number[] = [];
  for (let i = 0; i < rank; i++) pads.push(paddings[2 * i]);
  for (let i = 0; i < rank; i++) pads.push(paddings[2 * i + 1]);
  return pads;
}

handlers.set('Pad', padHandler);
handlers.set('PadV2', padHandler);
handlers.set('MirrorPad', padHandler);
function padHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  const pads = padsFrom(ctx.constInts(node, inputs, 1, 'the paddings'));
  const ins = [ctx.ref(inputs[0], node.name), ctx.i64(pads, `${node.name}/pads`)];
  let mode = 'constant';
  if (node.op === 'MirrorPad') {
    const m = attrString(node, 'mode');
    if (m !== 'REFLECT') throw new UnsupportedOpError(node.op, node.name, `mode ${m}`);
    mode = 'reflect';
  } else if (node.op === 'PadV2') {
    ins.push(ctx.ref(inputs[2], node.name));
  }
  ctx.g.node('Pad', ins, node.name, [attr.str('mode', mode)], out);
  return [{ dtype: inputs[0].dtype }];
}

// ---- reductions ----

const REDUCE: Record<string, string> = {
  Sum: 'ReduceSum',
  Mean: 'ReduceMean',
  Max: 'ReduceMax',
  Min: 'ReduceMin',
  Prod: 'ReduceProd',
};
for (const [tf, onnx] of Object.entries(REDUCE)) {
  handlers.set(tf, (ctx, node, inputs, out) => {
    const axes = ctx.constInts(node, inputs, 1, 'the reduction axes');
    const keep = attrBool(node, 'keep_dims') ? 1 : 0;
    const x = ctx.ref(inputs[0], node.name);
    // Opset 17: ReduceSum takes axes as an input, the others as an attribute.
    if (onnx === 'ReduceSum') {
      ctx.g.node(onnx, [x, ctx.i64(axes, `${node.name}/axes`)], node.name, [attr.int('keepdims', keep)], out);
    } else {
      ctx.g.node(onnx, [x], node.name, [attr.ints('axes', axes), attr.int('keepdims', keep)], out);
    }
    return [{ dtype: inputs[0].dtype }];
  });
}

handlers.set('ArgMax', argHandler);
handlers.set('ArgMin', argHandler);
function argHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  const [axis] = ctx.constInts(node, inputs, 1, 'the axis');
  const to = tfDtype(node, 'output_type', 'DT_INT64');
  const op = node.op === 'ArgMax' ? 'ArgMax' : 'ArgMin';
  const attrs = [attr.int('axis', axis), attr.int('keepdims', 0)];
  if (to === 'int64') {
    ctx.g.node(op, [ctx.ref(inputs[0], node.name)], node.name, attrs, out);
  } else {
    const a = ctx.g.node1(op, [ctx.ref(inputs[0], node.name)], node.name, attrs);
    ctx.g.node('Cast', [a], node.name, [attr.int('to', ONNX_DTYPE[to])], out);
  }
  return [{ dtype: to }];
}

// TopKV2: ONNX TopK on the last axis, largest first, always sorted (with TF's sorted=false any
// order is allowed, so sorted is a valid one). Ties: both take the lower index first.
handlers.set('TopKV2', (ctx, node, inputs, out) => {
  // ONNX wants K as a 1-D int64 tensor; TF's k is a scalar.
  const k = inputs[1].constant
    ? ctx.i64(ctx.constInts(node, inputs, 1, 'k'), `${node.name}/k`)
    : ctx.g.node1(
        'Reshape',
        [ctx.int64(node, inputs[1], `${node.name}/k`), ctx.i64([1], `${node.name}/k1`)],
        node.name,
      );
  const indices = ctx.g.unique(`${node.name}/indices`);
  ctx.g.node(
    'TopK',
    [ctx.ref(inputs[0], node.name), k],
    node.name,
    [attr.int('axis', -1), attr.int('largest', 1), attr.int('sorted', 1)],
    [out[0], indices],
  );
  ctx.g.node('Cast', [indices], node.name, [attr.int('to', ONNX_DTYPE.int32)], [out[1]]);
  return [{ dtype: inputs[0].dtype }, { dtype: 'int32' }];
});

handlers.set('Softmax', (ctx, node, inputs, out) => {
  ctx.g.node('Softmax', [ctx.ref(inputs[0], node.name)], node.name, [attr.int('axis', -1)], out);
  return [{ dtype: inputs[0].dtype }];
});

// ---- convolution, pooling, resize (NCHW inside a pair of Transposes) ----

interface Spatial {
  strides: number[];
  dilations: number[];
  padAttrs: ReturnType<typeof attr.str | typeof attr.ints>[];
}

function spatialAttrs(node: TfNode, nhwc: boolean, kernel?: number[]): Spatial {
  const hw = nhwc ? [1, 2] : [2, 3];
  const s = attrInts(node, 'strides', [1, 1, 1, 1]);
  const d = attrInts(node, 'dilations', [1, 1, 1, 1]);
  const padding = attrString(node, 'padding');
  const strides = hw.map((i) => s[i]);
  const dilations = hw.map((i) => d[i]);
  let padAttrs;
  if (padding === 'SAME' && kernel && strides.every((v) => v === 1)) {
    // Stride 1: the padding does not depend on the input size, so write it out (ORT refuses
    // auto_pad with dilations). TF puts the odd pixel at the end.
    const total = kernel.map((k, i) => (k - 1) * dilations[i]);
    const before = total.map((t) => Math.floor(t / 2));
    padAttrs = [attr.ints('pads', [...before, ...total.map((t, i) => t - before[i])])];
  } else if (padding === 'SAME') {
    // TF puts the odd pixel of SAME padding at the end, as SAME_UPPER does.
    padAttrs = [attr.str('auto_pad', 'SAME_UPPER')];
  } else if (padding === 'VALID') {
    padAttrs = [attr.ints('pads', [0, 0, 0, 0])];
  } else if (padding === 'EXPLICIT') {
    const e = attrInts(node, 'explicit_paddings');
    const [h0, h1, w0, w1] = nhwc ? [e[2], e[3], e[4], e[5]] : [e[4], e[5], e[6], e[7]];
    padAttrs = [attr.ints('pads', [h0, w0, h1, w1])];
  } else {
    throw new UnsupportedOpError(node.op, node.name, `padding "${padding}"`);
  }
  return { strides, dilations, padAttrs };
}

function isNhwc(node: TfNode): boolean {
  const f = attrString(node, 'data_format', 'NHWC');
  if (f !== 'NHWC' && f !== 'NCHW') throw new UnsupportedOpError(node.op, node.name, `data_format ${f}`);
  return f === 'NHWC';
}

/** Conv2D filter [kh, kw, in, out] -> ONNX [out, in, kh, kw]. */
function hwioToOihw(f: HostTensor): HostTensor {
  const [kh, kw, ci, co] = f.shape;
  const src = f.data as Float32Array;
  const dst = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          dst[((o * ci + i) * kh + y) * kw + x] = src[((y * kw + x) * ci + i) * co + o];
  return { dtype: 'float32', shape: [co, ci, kh, kw], data: dst };
}

/** Depthwise filter [kh, kw, in, mult] -> ONNX grouped [in * mult, 1, kh, kw]. */
function depthwiseFilter(f: HostTensor): HostTensor {
  const [kh, kw, ci, m] = f.shape;
  const src = f.data as Float32Array;
  const dst = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let k = 0; k < m; k++)
          dst[((i * m + k) * kh + y) * kw + x] = src[((y * kw + x) * ci + i) * m + k];
  return { dtype: 'float32', shape: [ci * m, 1, kh, kw], data: dst };
}

/** Applies TF fused_ops after the bias (already in the Conv) in NCHW; returns the new value. */
function fusedActivation(ctx: ConvertContext, node: TfNode, x: string, ops: string[]): string {
  for (const op of ops) {
    if (op === 'BiasAdd') continue;
    if (op === 'Relu') x = ctx.g.node1('Relu', [x], node.name);
    else if (op === 'Relu6') {
      x = ctx.g.node1(
        'Clip',
        [x, ctx.scalar(0, 'float32', `${node.name}/min`), ctx.scalar(6, 'float32', `${node.name}/max`)],
        node.name,
      );
    } else if (op === 'Elu') x = ctx.g.node1('Elu', [x], node.name);
    else if (op === 'Sigmoid') x = ctx.g.node1('Sigmoid', [x], node.name);
    else if (op === 'Tanh') x = ctx.g.node1('Tanh', [x], node.name);
    else if (op === 'LeakyRelu') {
      x = ctx.g.node1('LeakyRelu', [x], node.name, [
        attr.float('alpha', attrFloat(node, 'leakyrelu_alpha', 0.2)),
      ]);
    } else throw new UnsupportedOpError(node.op, node.name, `fused op "${op}"`);
  }
  return x;
}

function convHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  const depthwise = node.op.includes('Depthwise');
  const fused = node.op.startsWith('Fused') || node.op.startsWith('_Fused');
  const ops = fused ? attrStrings(node, 'fused_ops') : [];
  if (fused && ops[0] !== 'BiasAdd' && ops.length > 0) {
    throw new UnsupportedOpError(
      node.op,
      node.name,
      `fused ops [${ops.join(', ')}] (only BiasAdd + activation)`,
    );
  }
  const nhwc = isNhwc(node);
  const filter = ctx.constInput(node, inputs, 1, 'the filter');
  const sp = spatialAttrs(node, nhwc, [filter.shape[0], filter.shape[1]]);
  const w = depthwise ? depthwiseFilter(filter) : hwioToOihw(filter);
  const attrs = [
    attr.ints('kernel_shape', [filter.shape[0], filter.shape[1]]),
    attr.ints('strides', sp.strides),
    attr.ints('dilations', sp.dilations),
    ...sp.padAttrs,
  ];
  if (depthwise) attrs.push(attr.int('group', filter.shape[2]));
  const convIns = [ctx.ref(inputs[0], node.name)];
  if (nhwc) convIns[0] = ctx.transpose(convIns[0], NHWC_TO_NCHW, node.name);
  convIns.push(ctx.g.constant(w, `${node.name}/W`));
  if (ops[0] === 'BiasAdd') convIns.push(ctx.ref(inputs[2], `${node.name}/B`));
  let y = ctx.g.node1('Conv', convIns, node.name, attrs);
  y = fusedActivation(ctx, node, y, ops);
  ctx.g.node(
    nhwc ? 'Transpose' : 'Identity',
    [y],
    node.name,
    nhwc ? [attr.ints('perm', NCHW_TO_NHWC)] : [],
    out,
  );
  return [{ dtype: 'float32' }];
}
for (const op of ['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']) {
  handlers.set(op, convHandler);
}

function poolHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  const nhwc = isNhwc(node);
  const k = attrInts(node, 'ksize');
  const kernel = nhwc ? [k[1], k[2]] : [k[2], k[3]];
  const sp = spatialAttrs(node, nhwc, kernel);
  let x = ctx.ref(inputs[0], node.name);
  if (nhwc) x = ctx.transpose(x, NHWC_TO_NCHW, node.name);
  const op = node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool';
  const y = ctx.g.node1(op, [x], node.name, [
    attr.ints('kernel_shape', kernel),
    attr.ints('strides', sp.strides),
    ...sp.padAttrs,
  ]);
  ctx.g.node(
    nhwc ? 'Transpose' : 'Identity',
    [y],
    node.name,
    nhwc ? [attr.ints('perm', NCHW_TO_NHWC)] : [],
    out,
  );
  return [{ dtype: inputs[0].dtype }];
}
handlers.set('MaxPool', poolHandler);
handlers.set('AvgPool', poolHandler);

function resizeHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  // A size computed in the graph (from Shape) is passed to Resize as a tensor.
  const size = inputs[1].constant ? ctx.constInts(node, inputs, 1, 'the output size') : undefined;
  const alignCorners = attrBool(node, 'align_corners');
  const halfPixel = attrBool(node, 'half_pixel_centers');
  const bilinear = node.op === 'ResizeBilinear';
  const attrs = [attr.str('mode', bilinear ? 'linear' : 'nearest')];
  if (alignCorners) {
    attrs.push(attr.str('coordinate_transformation_mode', 'align_corners'));
    if (!bilinear) attrs.push(attr.str('nearest_mode', 'round_prefer_ceil'));
  } else if (halfPixel) {
    attrs.push(attr.str('coordinate_transformation_mode', bilinear ? 'half_pixel' : 'tf_half_pixel_for_nn'));
    if (!bilinear) attrs.push(attr.str('nearest_mode', 'floor'));
  } else {
    attrs.push(attr.str('coordinate_transformation_mode', 'asymmetric'));
    if (!bilinear) attrs.push(attr.str('nearest_mode', 'floor'));
  }
  let x = ctx.ref(inputs[0], node.name);
  // TF's ResizeBilinear always yields float32.
  const outType: TensorDType = bilinear ? 'float32' : inputs[0].dtype;
  if (bilinear && inputs[0].dtype !== 'float32') x = ctx.cast(x, 'float32', node.name);
  x = ctx.transpose(x, NHWC_TO_NCHW, node.name);
  // sizes = [N, C] of the input followed by the requested [H, W].
  const shape = ctx.g.node1('Shape', [x], node.name);
  const nc = ctx.g.node1(
    'Slice',
    [shape, ctx.i64([0], `${node.name}/s0`), ctx.i64([2], `${node.name}/s1`)],
    node.name,
  );
  const hw = size ? ctx.i64(size, `${node.name}/hw`) : ctx.int64(node, inputs[1], node.name);
  const sizes = ctx.g.node1('Concat', [nc, hw], node.name, [attr.int('axis', 0)]);
  const y = ctx.g.node1('Resize', [x, '', '', sizes], node.name, attrs);
  ctx.g.node('Transpose', [y], node.name, [attr.ints('perm', NCHW_TO_NHWC)], out);
  return [{ dtype: outType }];
}
handlers.set('ResizeBilinear', resizeHandler);
handlers.set('ResizeNearestNeighbor', resizeHandler);

/** DepthToSpace / SpaceToDepth: ONNX's DCR mode is TF's element order; NCHW inside Transposes. */
function depthSpaceHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  const nhwc = isNhwc(node);
  let x = ctx.ref(inputs[0], node.name);
  if (nhwc) x = ctx.transpose(x, NHWC_TO_NCHW, node.name);
  const attrs = [attr.int('blocksize', attrInt(node, 'block_size'))];
  if (node.op === 'DepthToSpace') attrs.push(attr.str('mode', 'DCR'));
  const y = ctx.g.node1(node.op, [x], node.name, attrs);
  ctx.g.node(
    nhwc ? 'Transpose' : 'Identity',
    [y],
    node.name,
    nhwc ? [attr.ints('perm', NCHW_TO_NHWC)] : [],
    out,
  );
  return [{ dtype: inputs[0].dtype }];
}
handlers.set('DepthToSpace', depthSpaceHandler);
handlers.set('SpaceToDepth', depthSpaceHandler);

// ---- matmul, batch norm ----

function matmulHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  let a = ctx.ref(inputs[0], node.name);
  let b = ctx.ref(inputs[1], node.name);
  if (attrBool(node, 'transpose_a')) a = ctx.transpose(a, [1, 0], node.name);
  if (attrBool(node, 'transpose_b')) b = ctx.transpose(b, [1, 0], node.name);
  const ops = node.op === '_FusedMatMul' ? attrStrings(node, 'fused_ops') : [];
  let y = ctx.g.node1('MatMul', [a, b], node.name);
  if (ops[0] === 'BiasAdd') y = ctx.g.node1('Add', [y, ctx.ref(inputs[2], node.name)], node.name);
  else if (ops.length) throw new UnsupportedOpError(node.op, node.name, `fused ops [${ops.join(', ')}]`);
  y = fusedActivation(ctx, node, y, ops);
  ctx.g.node('Identity', [y], node.name, [], out);
  return [{ dtype: inputs[0].dtype }];
}
handlers.set('MatMul', matmulHandler);
handlers.set('_FusedMatMul', matmulHandler);

handlers.set('FusedBatchNormV3', batchNormHandler);
handlers.set('FusedBatchNorm', batchNormHandler);
function batchNormHandler(ctx: ConvertContext, node: TfNode, inputs: Value[], out: string[]): Value[] {
  if (!isNhwc(node)) throw new UnsupportedOpError(node.op, node.name, 'only data_format NHWC is supported');
  const eps = attrFloat(node, 'epsilon', 1e-3);
  const [scale, offset, mean, variance] = [1, 2, 3, 4].map((i) =>
    ctx.constInput(node, inputs, i, 'batch-norm parameters'),
  );
  const c = sizeOf(scale.shape);
  const mul = new Float32Array(c);
  const add = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    mul[i] = (scale.data as Float32Array)[i] / Math.sqrt((variance.data as Float32Array)[i] + eps);
    add[i] = (offset.data as Float32Array)[i] - (mean.data as Float32Array)[i] * mul[i];
  }
  const m = ctx.g.constant({ dtype: 'float32', shape: [c], data: mul }, `${node.name}/scale`);
  const a = ctx.g.constant({ dtype: 'float32', shape: [c], data: add }, `${node.name}/offset`);
  const y = ctx.g.node1('Mul', [ctx.ref(inputs[0], node.name), m], node.name);
  ctx.g.node('Add', [y, a], node.name, [], out);
  return [{ dtype: 'float32' }];
}

handlers.set('IdentityN', (ctx, node, inputs, out) => {
  inputs.forEach((v, k) => ctx.g.node('Identity', [ctx.ref(v, node.name)], node.name, [], [out[k]]));
  return inputs.map((v) => ({ dtype: v.dtype }));
});

/** Number of outputs a TF node of this op produces (for naming `node:k`). */
export function outputCount(node: TfNode): number {
  if (node.op === 'Unpack') return attrInt(node, 'num');
  if (node.op === 'TopKV2') return 2;
  if (node.op === 'Split') return attrInt(node, 'num_split');
  if (node.op === 'IdentityN') return (node.input ?? []).filter((s) => !s.startsWith('^')).length;
  return 1;
}

export function handlerFor(node: TfNode): Handler {
  const h = handlers.get(node.op);
  if (!h) throw new UnsupportedOpError(node.op, node.name);
  return h;
}

export function supportedOps(): string[] {
  return ['Const', 'Placeholder', 'PlaceholderWithDefault', ...handlers.keys()].sort();
}
