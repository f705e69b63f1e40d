// Reader for TensorFlow.js graph models: model.json (a GraphDef as JSON plus a weights manifest)
// and its binary weight shards. Quantised weights are dequantised here, so everything downstream
// sees plain float32/int32 tensors.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { halfArrayToFloat32 } from './float16';

export interface TfAttrList {
  s?: string[];
  i?: (string | number)[];
  f?: number[];
  b?: boolean[];
  type?: string[];
  shape?: TfShape[];
}

export interface TfShape {
  dim?: { size?: string | number }[];
  unknownRank?: boolean;
}

export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: TfShape;
  list?: TfAttrList;
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
  device?: string;
}

export interface TfWeightQuantization {
  dtype: 'float16' | 'uint8' | 'uint16';
  min?: number;
  scale?: number;
  original_dtype?: string;
}

export interface TfWeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: TfWeightQuantization;
}

export interface TfWeightsGroup {
  paths: string[];
  weights: TfWeightEntry[];
}

export interface TfSignatureEntry {
  name: string;
  dtype?: string;
  tensorShape?: TfShape;
}

export interface TfjsGraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: { node: TfNode[]; library?: { function?: unknown[] }; versions?: unknown };
  weightsManifest: TfWeightsGroup[];
  signature?: {
    inputs?: Record<string, TfSignatureEntry>;
    outputs?: Record<string, TfSignatureEntry>;
  };
}

export type TensorDType = 'float32' | 'int32' | 'int64' | 'bool' | 'uint8';
export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface HostTensor {
  dtype: TensorDType;
  shape: number[];
  data: TensorData;
}

export interface LoadedTfjsGraphModel {
  json: TfjsGraphModelJson;
  weights: Map<string, HostTensor>;
}

/** An input reference of a TF node: `name`, `name:2` or `^name` (control dependency). */
export interface TfInputRef {
  node: string;
  index: number;
  control: boolean;
}

export function parseInputRef(ref: string): TfInputRef {
  if (ref.startsWith('^')) return { node: ref.slice(1), index: 0, control: true };
  const m = /^(.*):(\d+)$/.exec(ref);
  if (m) return { node: m[1], index: Number(m[2]), control: false };
  return { node: ref, index: 0, control: false };
}

/** The canonical name of a TF tensor: `node` for output 0, `node:k` otherwise. */
export function tensorName(node: string, index: number): string {
  return index === 0 ? node : `${node}:${index}`;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const STORED_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  float16: 2,
  uint16: 2,
};

function storedBytesPerElement(w: TfWeightEntry): number {
  const dt = w.quantization?.dtype ?? w.dtype;
  const n = STORED_BYTES[dt];
  if (n === undefined) {
    throw new Error(`Weight "${w.name}": unsupported ${w.quantization ? 'quantization ' : ''}dtype "${dt}"`);
  }
  return n;
}

function decodeWeight(w: TfWeightEntry, bytes: Uint8Array): HostTensor {
  const count = sizeOf(w.shape);
  // `bytes` is a fresh copy, so its buffer starts at offset 0 and is suitably aligned.
  const buf = bytes.buffer as ArrayBuffer;
  const q = w.quantization;
  let values: Float32Array | Int32Array | Uint8Array;
  if (!q) {
    if (w.dtype === 'float32') values = new Float32Array(buf, 0, count);
    else if (w.dtype === 'int32') values = new Int32Array(buf, 0, count);
    else if (w.dtype === 'bool' || w.dtype === 'uint8') values = new Uint8Array(buf, 0, count);
    else throw new Error(`Weight "${w.name}": unsupported dtype "${w.dtype}"`);
  } else {
    let f: Float32Array;
    if (q.dtype === 'float16') {
      f = halfArrayToFloat32(new Uint16Array(buf, 0, count));
    } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      if (q.scale === undefined || q.min === undefined) {
        throw new Error(`Weight "${w.name}": ${q.dtype} quantization without scale/min`);
      }
      const raw = q.dtype === 'uint8' ? new Uint8Array(buf, 0, count) : new Uint16Array(buf, 0, count);
      f = new Float32Array(count);
      for (let i = 0; i < count; i++) f[i] = raw[i] * q.scale + q.min;
    } else {
      throw new Error(`Weight "${w.name}": unsupported quantization dtype "${String(q.dtype)}"`);
    }
    if (w.dtype === 'float32') values = f;
    else if (w.dtype === 'int32') values = Int32Array.from(f, (v) => Math.round(v));
    else throw new Error(`Weight "${w.name}": quantized weights of dtype "${w.dtype}" are not supported`);
  }
  const dtype: TensorDType =
    w.dtype === 'float32' ? 'float32' : w.dtype === 'int32' ? 'int32' : (w.dtype as TensorDType);
  return { dtype, shape: w.shape.slice(), data: values };
}

/**
 * Splits each manifest group's concatenated shards into tensors. `shards[g]` holds the bytes of
 * group g's files in `paths` order. Throws when a group's bytes are not exactly what its weight
 * specs need.
 */
export function decodeWeights(manifest: TfWeightsGroup[], shards: Uint8Array[][]): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  manifest.forEach((group, g) => {
    const parts = shards[g] ?? [];
    const total = parts.reduce((a, p) => a + p.byteLength, 0);
    const expected = group.weights.reduce((a, w) => a + sizeOf(w.shape) * storedBytesPerElement(w), 0);
    if (total !== expected) {
      throw new Error(
        `Weights group ${g} (${group.paths.join(', ')}): shards hold ${total} bytes but the manifest ` +
          `describes ${expected} bytes; the weight files do not match model.json`,
      );
    }
    const all = new Uint8Array(total);
    let pos = 0;
    for (const p of parts) {
      all.set(p, pos);
      pos += p.byteLength;
    }
    let off = 0;
    for (const w of group.weights) {
      const n = sizeOf(w.shape) * storedBytesPerElement(w);
      out.set(w.name, decodeWeight(w, all.slice(off, off + n)));
      off += n;
    }
  });
  return out;
}

export function validateModelJson(json: unknown, source: string): TfjsGraphModelJson {
  const j = json as Partial<TfjsGraphModelJson> | null;
  if (!j || typeof j !== 'object' || !j.modelTopology || !Array.isArray(j.modelTopology.node)) {
    throw new Error(`${source}: not a TF.js graph model (no modelTopology.node[])`);
  }
  if (j.format && j.format !== 'graph-model') {
    throw new Error(`${source}: format "${j.format}" is not "graph-model"`);
  }
  if ((j.modelTopology.library?.function?.length ?? 0) > 0) {
    throw new Error(`${source}: graphs with a function library (control flow) are not supported`);
  }
  if (!Array.isArray(j.weightsManifest)) throw new Error(`${source}: no weightsManifest[]`);
  return j as TfjsGraphModelJson;
}

/** Reads model.json and its shards (paths relative to model.json's folder). */
export async function loadTfjsGraphModel(jsonPath: string): Promise<LoadedTfjsGraphModel> {
  const json = validateModelJson(JSON.parse(await readFile(jsonPath, 'utf8')), jsonPath);
  const dir = path.dirname(jsonPath);
  const shards: Uint8Array[][] = [];
  for (const group of json.weightsManifest) {
    const parts: Uint8Array[] = [];
    for (const p of group.paths) parts.push(new Uint8Array(await readFile(path.join(dir, p))));
    shards.push(parts);
  }
  return { json, weights: decodeWeights(json.weightsManifest, shards) };
}

// ---- attribute helpers ----

export function attrInt(node: TfNode, name: string, def?: number): number {
  const v = node.attr?.[name]?.i;
  if (v === undefined) {
    if (def === undefined) throw new Error(`${node.op} node "${node.name}": missing attribute "${name}"`);
    return def;
  }
  return Number(v);
}

export function attrBool(node: TfNode, name: string, def = false): boolean {
  const v = node.attr?.[name]?.b;
  return v === undefined ? def : Boolean(v);
}

export function attrFloat(node: TfNode, name: string, def?: number): number {
  const v = node.attr?.[name]?.f;
  if (v === undefined) {
    if (def === undefined) throw new Error(`${node.op} node "${node.name}": missing attribute "${name}"`);
    return def;
  }
  return Number(v);
}

export function attrString(node: TfNode, name: string, def?: string): string {
  const v = node.attr?.[name]?.s;
  if (v === undefined) {
    if (def === undefined) throw new Error(`${node.op} node "${node.name}": missing attribute "${name}"`);
    return def;
  }
  return Buffer.from(v, 'base64').toString('utf8');
}

export function attrInts(node: TfNode, name: string, def?: number[]): number[] {
  const v = node.attr?.[name]?.list;
  if (!v) {
    if (def === undefined) throw new Error(`${node.op} node "${node.name}": missing attribute "${name}"`);
    return def;
  }
  return (v.i ?? []).map(Number);
}

export function attrStrings(node: TfNode, name: string): string[] {
  const v = node.attr?.[name]?.list;
  return (v?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

export function attrType(node: TfNode, name: string, def?: string): string {
  const v = node.attr?.[name]?.type;
  if (v === undefined) {
    if (def === undefined) throw new Error(`${node.op} node "${node.name}": missing attribute "${name}"`);
    return def;
  }
  return v;
}

/** Dims of a TF shape; -1 for unknown sizes. */
export function shapeDims(shape: TfShape | undefined): number[] | undefined {
  if (!shape || shape.unknownRank) return undefined;
  return (shape.dim ?? []).map((d) => Number(d.size ?? -1));
}
