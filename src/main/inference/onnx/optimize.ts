// Graph clean-up after conversion: cancels Transpose pairs that undo each other, moves Transposes
// below element-wise ops so more pairs meet, drops dead nodes and initializers, and sorts the
// nodes topologically.

import { floatToHalfExact } from '../tfjs-graph/float16';
import { attr } from './builder';
import { OnnxDataType, type OnnxGraph, type OnnxNode } from './proto';

const UNARY_ELEMENTWISE = new Set([
  'Relu',
  'Sigmoid',
  'Tanh',
  'Sqrt',
  'Exp',
  'Log',
  'Neg',
  'Abs',
  'Floor',
  'Ceil',
  'Elu',
  'LeakyRelu',
  'Cast',
  'Identity',
  'Reciprocal',
]);
const BINARY_ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow']);

function permOf(n: OnnxNode): number[] {
  const a = n.attribute.find((x) => x.name === 'perm');
  return a && 'ints' in a ? a.ints : [];
}

function setPerm(n: OnnxNode, perm: number[]): void {
  const a = n.attribute.find((x) => x.name === 'perm');
  if (a && 'ints' in a) a.ints = perm;
}

function isIdentityPerm(p: number[]): boolean {
  return p.every((v, i) => v === i);
}

function samePerm(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

interface Index {
  producer: Map<string, OnnxNode>;
  uses: Map<string, number>;
}

function index(g: OnnxGraph): Index {
  const producer = new Map<string, OnnxNode>();
  const uses = new Map<string, number>();
  for (const n of g.nodes) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  }
  for (const o of g.outputs) uses.set(o.name, (uses.get(o.name) ?? 0) + 1000); // never rename these
  return { producer, uses };
}

function rename(g: OnnxGraph, from: string, to: string): void {
  for (const n of g.nodes) n.input = n.input.map((i) => (i === from ? to : i));
}

/** One sweep; returns whether anything changed. */
function sweep(g: OnnxGraph, scalarInitializers: Set<string>): boolean {
  const { producer, uses } = index(g);
  const outputs = new Set(g.outputs.map((o) => o.name));
  for (const n of g.nodes) {
    if (n.opType === 'Transpose') {
      const prev = producer.get(n.input[0]);
      if (prev?.opType !== 'Transpose') continue;
      const p = permOf(prev);
      const q = permOf(n);
      const composed = q.map((i) => p[i]);
      if (isIdentityPerm(composed)) {
        if (outputs.has(n.output[0])) {
          n.opType = 'Identity';
          n.attribute = [];
          n.input = [prev.input[0]];
        } else {
          rename(g, n.output[0], prev.input[0]);
          n.input = [];
          n.output = [];
        }
      } else {
        n.input = [prev.input[0]];
        setPerm(n, composed);
      }
      return true;
    }
    if (UNARY_ELEMENTWISE.has(n.opType) || n.opType === 'Clip') {
      const t = producer.get(n.input[0]);
      if (t?.opType !== 'Transpose' || uses.get(t.output[0]) !== 1) continue;
      if (n.opType === 'Clip' && !n.input.slice(1).every((i) => !i || scalarInitializers.has(i))) continue;
      // op(T(x)) -> T(op(x)), reusing the transpose's output name for op(x).
      const y = n.output[0];
      const mid = t.output[0];
      n.input[0] = t.input[0];
      n.output[0] = mid;
      t.input[0] = mid;
      t.output[0] = y;
      return true;
    }
    if (BINARY_ELEMENTWISE.has(n.opType)) {
      const [a, b] = n.input.map((i) => producer.get(i));
      const aT = a?.opType === 'Transpose' && uses.get(a.output[0]) === 1;
      const bT = b?.opType === 'Transpose' && uses.get(b.output[0]) === 1;
      const aS = scalarInitializers.has(n.input[0]);
      const bS = scalarInitializers.has(n.input[1]);
      let lead: OnnxNode | undefined;
      if (aT && bT && samePerm(permOf(a!), permOf(b!)) && a !== b) {
        n.input = [a!.input[0], b!.input[0]];
        b!.input = [];
        b!.output = [];
        lead = a;
      } else if (aT && bS) {
        n.input = [a!.input[0], n.input[1]];
        lead = a;
      } else if (bT && aS) {
        n.input = [n.input[0], b!.input[0]];
        lead = b;
      }
      if (!lead) continue;
      const y = n.output[0];
      const mid = lead.output[0];
      n.output[0] = mid;
      lead.input = [mid];
      lead.output[0] = y;
      return true;
    }
  }
  return false;
}

/** Removes nodes whose outputs nobody reads, and unused initializers. */
export function removeDeadCode(g: OnnxGraph): void {
  const needed = new Set(g.outputs.map((o) => o.name));
  const { producer } = index(g);
  const live = new Set<OnnxNode>();
  const stack = [...needed];
  while (stack.length) {
    const name = stack.pop()!;
    const n = producer.get(name);
    if (!n || live.has(n)) continue;
    live.add(n);
    for (const i of n.input) {
      if (i && !needed.has(i)) {
        needed.add(i);
        stack.push(i);
      }
    }
  }
  g.nodes = g.nodes.filter((n) => live.has(n));
  g.initializers = g.initializers.filter((t) => needed.has(t.name));
}

/** Orders nodes so each comes after the producers of its inputs. */
export function topoSort(g: OnnxGraph): void {
  const { producer } = index(g);
  const done = new Set<OnnxNode>();
  const order: OnnxNode[] = [];
  const visit = (root: OnnxNode) => {
    const stack: [OnnxNode, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, k] = top;
      if (done.has(n)) {
        stack.pop();
        continue;
      }
      if (k < n.input.length) {
        top[1]++;
        const p = producer.get(n.input[k]);
        if (p && !done.has(p)) stack.push([p, 0]);
        continue;
      }
      done.add(n);
      order.push(n);
      stack.pop();
    }
  };
  for (const n of g.nodes) visit(n);
  g.nodes = order;
}

export interface OptimizeStats {
  transposesBefore: number;
  transposesAfter: number;
  nodesBefore: number;
  nodesAfter: number;
}

export function optimizeGraph(g: OnnxGraph): OptimizeStats {
  const count = () => g.nodes.filter((n) => n.opType === 'Transpose').length;
  const transposesBefore = count();
  const nodesBefore = g.nodes.length;
  const scalars = new Set(
    g.initializers.filter((t) => t.dims.reduce((a, b) => a * b, 1) === 1).map((t) => t.name),
  );
  removeDeadCode(g);
  for (let i = 0; i < 100_000 && sweep(g, scalars); i++) {
    g.nodes = g.nodes.filter((n) => n.output.length > 0);
    removeDeadCode(g);
  }
  topoSort(g);
  return { transposesBefore, transposesAfter: count(), nodesBefore, nodesAfter: g.nodes.length };
}

/**
 * Stores float32 initializers whose values are all exact in float16 (weights that were float16 in
 * the source) as FLOAT16 plus a Cast back to float32. Lossless; halves the file; runtimes fold the
 * Cast when the session loads. Returns the number of initializers changed.
 */
export function storeExactFloat16(g: OnnxGraph, minElements = 16): number {
  let changed = 0;
  const casts: OnnxNode[] = [];
  g.initializers = g.initializers.map((t) => {
    if (t.dataType !== OnnxDataType.FLOAT) return t;
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n < minElements) return t;
    const src = new Float32Array(
      t.rawData.buffer.slice(
        t.rawData.byteOffset,
        t.rawData.byteOffset + t.rawData.byteLength,
      ) as ArrayBuffer,
    );
    const half = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const h = floatToHalfExact(src[i]);
      if (h < 0) return t;
      half[i] = h;
    }
    changed++;
    const name = `${t.name}__f16`;
    casts.push({
      name: `${t.name}/Cast`,
      opType: 'Cast',
      input: [name],
      output: [t.name],
      attribute: [attr.int('to', OnnxDataType.FLOAT)],
    });
    return { name, dataType: OnnxDataType.FLOAT16, dims: t.dims, rawData: new Uint8Array(half.buffer) };
  });
  g.nodes = [...casts, ...g.nodes];
  return changed;
}
