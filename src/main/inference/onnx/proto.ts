// A minimal protobufjs descriptor of the ONNX messages Kinema writes (field numbers from
// onnx.proto3), and the encoder from plain objects to ModelProto bytes.

import protobuf from 'protobufjs';

/** TensorProto.DataType values. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType values. */
export const OnnxAttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            docString: { type: 'string', id: 12 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } },
        },
        TypeProtoTensor: {
          fields: {
            elemType: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
        },
        Dimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: {
            dimValue: { type: 'int64', id: 1 },
            dimParam: { type: 'string', id: 2 },
            denotation: { type: 'string', id: 3 },
          },
        },
      },
    },
  },
};

let root: protobuf.Root | undefined;
function modelType(): protobuf.Type {
  root ??= protobuf.Root.fromJSON(descriptor);
  return root.lookupType('onnx.ModelProto');
}

// ---- plain shapes of the messages ----

export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: number[];
  rawData: Uint8Array;
}

export type OnnxAttribute =
  | { name: string; type: typeof OnnxAttrType.INT; i: number }
  | { name: string; type: typeof OnnxAttrType.FLOAT; f: number }
  | { name: string; type: typeof OnnxAttrType.STRING; s: Uint8Array }
  | { name: string; type: typeof OnnxAttrType.INTS; ints: number[] }
  | { name: string; type: typeof OnnxAttrType.FLOATS; floats: number[] }
  | { name: string; type: typeof OnnxAttrType.TENSOR; t: OnnxTensor };

export interface OnnxNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
  domain?: string;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Dim sizes; a string names a symbolic dimension, undefined leaves the shape unknown. */
  shape?: (number | string)[];
  docString?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
  metadata?: Record<string, string>;
}

function valueInfo(v: OnnxValueInfo): object {
  const tensorType: Record<string, unknown> = { elemType: v.elemType };
  if (v.shape) {
    tensorType.shape = {
      dim: v.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
    };
  }
  return { name: v.name, type: { tensorType }, ...(v.docString ? { docString: v.docString } : {}) };
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const T = modelType();
  const g = model.graph;
  const msg = {
    irVersion: model.irVersion,
    opsetImport: [{ domain: '', version: model.opset }],
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    docString: model.docString ?? '',
    graph: {
      name: g.name,
      node: g.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: n.input,
        output: n.output,
        attribute: n.attribute,
        domain: n.domain ?? '',
      })),
      initializer: g.initializers,
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
      valueInfo: g.valueInfo.map(valueInfo),
    },
    metadataProps: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const err = T.verify(msg);
  if (err) throw new Error(`ONNX model does not fit the schema: ${err}`);
  return T.encode(T.fromObject(msg)).finish();
}

/** Decodes ModelProto bytes back to a plain object (tests and inspection). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const T = modelType();
  return T.toObject(T.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<
    string,
    unknown
  >;
}
