// TF.js graph model -> ONNX ModelProto.

import {
  attrType,
  loadTfjsGraphModel,
  parseInputRef,
  shapeDims,
  tensorName,
  type LoadedTfjsGraphModel,
  type TensorDType,
  type TfNode,
} from '../tfjs-graph/model';
import { GraphBuilder, ONNX_DTYPE } from './builder';
import { optimizeGraph, storeExactFloat16, type OptimizeStats } from './optimize';
import { encodeModel, type OnnxGraph, type OnnxValueInfo } from './proto';
import { ConvertContext, handlerFor, outputCount, TF_DTYPES, UnsupportedOpError, type Value } from './tf-ops';

export const CONVERTER_VERSION = '1.0.0';
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export interface ConvertOptions {
  /** Graph name in the ONNX file. */
  name?: string;
  /** Skip the transpose/dead-code optimisation (debugging). */
  optimize?: boolean;
  /**
   * Store float32 weights that are exact in float16 as FLOAT16 + Cast (lossless, half the size).
   * Default true.
   */
  float16Storage?: boolean;
  docString?: string;
  metadata?: Record<string, string>;
}

export interface ConvertedIo {
  name: string;
  dtype: TensorDType;
  shape: (number | string)[] | undefined;
}

export interface ConvertResult {
  bytes: Uint8Array;
  inputs: ConvertedIo[];
  outputs: ConvertedIo[];
  /** TF op types present in the converted part of the graph, with counts. */
  tfOps: Record<string, number>;
  onnxOps: Record<string, number>;
  stats: OptimizeStats;
}

function stripIndex(name: string): string {
  return name.replace(/:0$/, '');
}

function dtypeFromString(t: string | undefined, what: string): TensorDType {
  const d = TF_DTYPES[t ?? ''];
  if (!d) throw new Error(`${what}: dtype ${t ?? '(none)'} is not supported`);
  return d;
}

export function convertGraphModel(model: LoadedTfjsGraphModel, options: ConvertOptions = {}): ConvertResult {
  const { json, weights } = model;
  const nodes = new Map<string, TfNode>();
  for (const n of json.modelTopology.node) {
    if (nodes.has(n.name)) throw new Error(`Duplicate node name "${n.name}"`);
    nodes.set(n.name, n);
  }

  // Graph outputs: the signature's, else every non-Const node nobody consumes.
  let outputNames = Object.values(json.signature?.outputs ?? {}).map((o) => o.name);
  if (outputNames.length === 0) {
    const consumed = new Set<string>();
    for (const n of nodes.values()) for (const i of n.input ?? []) consumed.add(parseInputRef(i).node);
    outputNames = [...nodes.values()]
      .filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp')
      .map((n) => n.name);
  }

  // Topological order of the nodes the outputs depend on (data inputs only: control edges carry
  // no values, so they only matter for ordering side effects, which inference graphs lack).
  const order: TfNode[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (root: string) => {
    const stack: [string, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const n = nodes.get(top[0]);
      if (!n) throw new Error(`Graph references a missing node "${top[0]}"`);
      if (state.get(n.name) === 2) {
        stack.pop();
        continue;
      }
      state.set(n.name, 1);
      const ins = (n.input ?? []).map(parseInputRef).filter((r) => !r.control);
      if (top[1] < ins.length) {
        const dep = ins[top[1]++].node;
        if (state.get(dep) === 1) throw new Error(`Graph has a cycle through "${dep}"`);
        if (state.get(dep) !== 2) stack.push([dep, 0]);
        continue;
      }
      state.set(n.name, 2);
      order.push(n);
      stack.pop();
    }
  };
  for (const o of outputNames) visit(parseInputRef(o).node);

  const g = new GraphBuilder();
  const ctx = new ConvertContext(g);
  const values = new Map<string, Value>();
  const inputs: ConvertedIo[] = [];
  const tfOps: Record<string, number> = {};

  // Reserve every TF tensor name first so generated names never take one.
  for (const n of order) for (let k = 0; k < outputCount(n); k++) g.reserve(tensorName(n.name, k));

  for (const n of order) {
    tfOps[n.op] = (tfOps[n.op] ?? 0) + 1;
    if (n.op === 'Const') {
      const t = weights.get(n.name);
      if (!t) throw new Error(`Const node "${n.name}" has no entry in the weights manifest`);
      values.set(n.name, { dtype: t.dtype, constant: t });
      continue;
    }
    if (n.op === 'Placeholder' || n.op === 'PlaceholderWithDefault') {
      const dtype = dtypeFromString(attrType(n, 'dtype'), `Placeholder "${n.name}"`);
      const dims = shapeDims(n.attr?.shape?.shape);
      const shape = dims?.map((d, i) => (d < 0 ? `${n.name}_dim${i}` : d));
      inputs.push({ name: n.name, dtype, shape });
      values.set(n.name, { dtype, onnx: n.name });
      continue;
    }
    const ins = (n.input ?? [])
      .map(parseInputRef)
      .filter((r) => !r.control)
      .map((r) => {
        const v = values.get(tensorName(r.node, r.index));
        if (!v) throw new Error(`Node "${n.name}": input "${tensorName(r.node, r.index)}" is not available`);
        return v;
      });
    const count = outputCount(n);
    const outs = Array.from({ length: count }, (_, k) => tensorName(n.name, k));
    let produced: Value[];
    try {
      produced = handlerFor(n)(ctx, n, ins, outs);
    } catch (err) {
      if (err instanceof UnsupportedOpError) throw err;
      throw new Error(`Converting ${n.op} node "${n.name}": ${(err as Error).message}`, { cause: err });
    }
    produced.forEach((v, k) => values.set(outs[k], { ...v, onnx: outs[k] }));
  }

  // Graph outputs, named like the TF tensors ("Identity" for "Identity:0").
  const sigOutputs = json.signature?.outputs ?? {};
  const outputs: ConvertedIo[] = outputNames.map((o) => {
    const ref = parseInputRef(o);
    const tfName = tensorName(ref.node, ref.index);
    const v = values.get(tfName)!;
    const sig = Object.values(sigOutputs).find((s) => s.name === o);
    const dims = shapeDims(sig?.tensorShape);
    let name = stripIndex(o).replace(/:/g, '_');
    if (v.onnx !== name || !g.nodes.some((n) => n.output.includes(name))) {
      // Constants or inputs as outputs (or a name clash) need a node that produces the output.
      const src = ctx.ref(v, tfName);
      name = g.node1('Identity', [src], `${name}/output`);
    }
    return { name, dtype: v.dtype, shape: dims?.map((d, i) => (d < 0 ? `${name}_dim${i}` : d)) };
  });

  const valueInfo: OnnxValueInfo[] = [];
  const io = (x: ConvertedIo): OnnxValueInfo => ({
    name: x.name,
    elemType: ONNX_DTYPE[x.dtype],
    shape: x.shape,
  });
  const graph: OnnxGraph = {
    name: options.name ?? 'tfjs_graph',
    nodes: g.nodes,
    initializers: [...g.initializers.values()],
    inputs: inputs.map(io),
    outputs: outputs.map(io),
    valueInfo,
  };
  const stats =
    options.optimize === false
      ? { transposesBefore: 0, transposesAfter: 0, nodesBefore: g.nodes.length, nodesAfter: g.nodes.length }
      : optimizeGraph(graph);

  if (options.float16Storage !== false) storeExactFloat16(graph);

  // Record the element types of the TF-named tensors that survived (helps readers and tools).
  const produced = new Set(graph.nodes.flatMap((n) => n.output));
  const ioNames = new Set([...inputs, ...outputs].map((x) => x.name));
  for (const [name, v] of values) {
    if (v.onnx === name && produced.has(name) && !ioNames.has(name)) {
      valueInfo.push({ name, elemType: ONNX_DTYPE[v.dtype] });
    }
  }

  const onnxOps: Record<string, number> = {};
  for (const n of graph.nodes) onnxOps[n.opType] = (onnxOps[n.opType] ?? 0) + 1;

  const bytes = encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'kinema-tfjs-to-onnx',
    producerVersion: CONVERTER_VERSION,
    docString: options.docString,
    graph,
    metadata: options.metadata,
  });
  return { bytes, inputs, outputs, tfOps, onnxOps, stats };
}

/** Reads a TF.js graph model from disk and converts it. */
export async function convertTfjsGraphModelFile(
  jsonPath: string,
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  return convertGraphModel(await loadTfjsGraphModel(jsonPath), options);
}
