// Runs a TF.js graph model from local files with TF.js itself (cpu backend): the reference that
// converted ONNX models are checked against.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { validateModelJson } from './model';

export interface ReferenceInput {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfjsReference {
  model: GraphModel;
  /** Runs the model; returns each output's values (float32) keyed by the output tensor name. */
  run(
    inputs: Record<string, ReferenceInput>,
  ): Promise<Record<string, { shape: number[]; data: Float32Array }>>;
}

/** Selects a TF.js backend: 'cpu' (always there) or 'wasm' (single-threaded in Node). */
async function useBackend(backend: string): Promise<void> {
  tf.env().set('PROD', true); // no "install tfjs-node" banner, no debug checks
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) {
    throw new Error(`TF.js backend "${backend}" failed to initialise`);
  }
  await tf.ready();
}

export async function loadTfjsReference(jsonPath: string, backend = 'cpu'): Promise<TfjsReference> {
  await useBackend(backend);
  const json = validateModelJson(JSON.parse(await readFile(jsonPath, 'utf8')), jsonPath);
  const dir = path.dirname(jsonPath);
  const handler: tf.io.IOHandler = {
    load: async () => {
      const parts: Uint8Array[] = [];
      for (const group of json.weightsManifest)
        for (const p of group.paths) parts.push(await readFile(path.join(dir, p)));
      const total = parts.reduce((a, p) => a + p.byteLength, 0);
      const weightData = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        weightData.set(p, off);
        off += p.byteLength;
      }
      return {
        modelTopology: json.modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
        weightData: weightData.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature as object,
      };
    },
  };
  const model = await loadGraphModel(handler);
  return {
    model,
    async run(inputs) {
      const feeds: tf.NamedTensorMap = {};
      for (const [name, v] of Object.entries(inputs)) feeds[name] = tf.tensor(v.data, v.shape, v.dtype);
      const names = model.outputs.map((o) => o.name);
      const result = model.execute(feeds, names);
      const list = Array.isArray(result) ? result : [result];
      const out: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (let i = 0; i < list.length; i++) {
        out[names[i]] = { shape: list[i].shape, data: Float32Array.from(await list[i].data()) };
      }
      tf.dispose([...Object.values(feeds), ...list]);
      return out;
    },
  };
}
