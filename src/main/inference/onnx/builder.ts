// Accumulates ONNX nodes and initializers with unique names, plus small constant helpers.

import type { HostTensor, TensorDType } from '../tfjs-graph/model';
import { OnnxAttrType, OnnxDataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './proto';

export const ONNX_DTYPE: Record<TensorDType, number> = {
  float32: OnnxDataType.FLOAT,
  int32: OnnxDataType.INT32,
  int64: OnnxDataType.INT64,
  bool: OnnxDataType.BOOL,
  uint8: OnnxDataType.UINT8,
};

export function tensorBytes(t: HostTensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) as ArrayBuffer);
}

export const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: OnnxAttrType.INT, i }),
  float: (name: string, f: number): OnnxAttribute => ({ name, type: OnnxAttrType.FLOAT, f }),
  str: (name: string, s: string): OnnxAttribute => ({
    name,
    type: OnnxAttrType.STRING,
    s: new TextEncoder().encode(s),
  }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: OnnxAttrType.INTS, ints }),
  floats: (name: string, floats: number[]): OnnxAttribute => ({ name, type: OnnxAttrType.FLOATS, floats }),
};

export function int64Tensor(values: readonly (number | bigint)[], shape?: number[]): HostTensor {
  return {
    dtype: 'int64',
    shape: shape ?? [values.length],
    data: BigInt64Array.from(values, (v) => BigInt(v)),
  };
}

export function float32Tensor(values: readonly number[], shape?: number[]): HostTensor {
  return { dtype: 'float32', shape: shape ?? [values.length], data: Float32Array.from(values) };
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers = new Map<string, OnnxTensor>();
  /** Constant values of initializers, by name. */
  readonly constants = new Map<string, HostTensor>();
  private readonly used = new Set<string>();
  private counter = 0;

  /** Reserves `base` if free, else `base__N`. */
  unique(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}__${++this.counter}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  constant(t: HostTensor, base: string): string {
    const name = this.unique(base);
    this.initializers.set(name, {
      name,
      dataType: ONNX_DTYPE[t.dtype],
      dims: t.shape.slice(),
      rawData: tensorBytes(t),
    });
    this.constants.set(name, t);
    return name;
  }

  /**
   * Adds a node. `outputs` are names to use as they are (already reserved by the caller) or a
   * count of fresh names derived from `base`.
   */
  node(
    opType: string,
    inputs: string[],
    base: string,
    attributes: OnnxAttribute[] = [],
    outputs: string[] | number = 1,
  ): string[] {
    const outs =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.unique(base)) : outputs;
    this.nodes.push({
      name: this.unique(`${base}/${opType}`),
      opType,
      input: inputs,
      output: outs,
      attribute: attributes,
    });
    return outs;
  }

  node1(opType: string, inputs: string[], base: string, attributes: OnnxAttribute[] = []): string {
    return this.node(opType, inputs, base, attributes, 1)[0];
  }
}
