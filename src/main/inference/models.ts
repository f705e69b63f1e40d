/**
 * The models Kinema ships: native-models/manifest.json read into a registry, so the API, the CLI
 * and the detect job agree on what a model id means and where its file is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelInfo } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { nativeModelsDir } from '../paths';

interface ManifestModel {
  id: string;
  file: string;
  task: string;
  description: string;
  input: { name: string; dtype: string; shape: number[] };
  output: { name: string; shape: number[]; keypoints?: string[] };
}

export interface ModelEntry extends ModelInfo {
  /** Absolute path of the ONNX file. */
  path: string;
  inputName: string;
  outputName: string;
}

/** Skeleton of a model's keypoints, from its task and keypoint count. */
function skeletonOf(m: ManifestModel): string {
  const k = m.output.keypoints?.length ?? m.output.shape.at(-2);
  if (m.task.startsWith('pose2d') && k === 17) return 'coco17';
  throw new Error(`native-models/manifest.json: no skeleton known for model ${m.id} (${k} keypoints)`);
}

/** Every model in the manifest (read each time: it is small, and tests point it elsewhere). */
export function listModels(dir = nativeModelsDir()): ModelEntry[] {
  let manifest: { models: ManifestModel[] };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { models: ManifestModel[] };
  } catch (err) {
    throw new KinemaError(
      'NO_MODELS',
      `Cannot read the model manifest ${join(dir, 'manifest.json')}: ${(err as Error).message}`,
    );
  }
  return manifest.models.map((m) => ({
    id: m.id,
    task: m.task,
    description: m.description,
    skeletonId: skeletonOf(m),
    inputSize: m.input.shape[1],
    path: join(dir, m.file),
    inputName: m.input.name,
    outputName: m.output.name,
  }));
}

/** The model with this id, or a KinemaError that lists the known ones. */
export function getModel(id: string, dir = nativeModelsDir()): ModelEntry {
  const models = listModels(dir);
  const model = models.find((m) => m.id === id);
  if (!model)
    throw new KinemaError(
      'UNKNOWN_MODEL',
      `Unknown model "${id}". Available: ${models.map((m) => m.id).join(', ') || 'none'}.`,
    );
  return model;
}

/** What `models.list` returns: the public facts only. */
export function modelInfos(): ModelInfo[] {
  return listModels().map(({ id, task, description, skeletonId, inputSize }) => ({
    id,
    task,
    description,
    skeletonId,
    inputSize,
  }));
}
