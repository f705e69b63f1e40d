/**
 * The models Kinema ships: native-models/manifest.json read into a registry, so the API, the CLI
 * and the detect job agree on what a model id means and where its file is. User models ("bring
 * your own", byo/) join them: descriptors in `<models dir>/user/*.json` and those registered with
 * `registerByoModel`; their entries carry `descriptorPath` and a task `pose2d-topdown-*`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelInfo, PeopleMode } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { nativeModelsDir } from '../paths';
import { scanByoModels } from './byo/registry';

export { registerByoModel } from './byo/registry';

interface ManifestModel {
  id: string;
  file: string;
  task: string;
  description: string;
  /** Set where the task and keypoint count do not say it (e.g. 'blazepose33'). */
  skeletonId?: string;
  input: { name: string; dtype: string; shape: number[] };
  /** The main output (models with several also list them all under `outputs`). */
  output: { name: string; shape: number[]; keypoints?: string[] };
}

export interface ModelEntry extends ModelInfo {
  /** Absolute path of the ONNX file. */
  path: string;
  inputName: string;
  outputName: string;
  /** User models only: the descriptor to open with `loadByoModel` (byo/model.ts). */
  descriptorPath?: string;
}

/**
 * How the detect job can run a model of this task: 'single' follows one athlete, 'multi' everyone
 * (inference/video-posers.ts). Tasks with neither are in the registry but not offered.
 */
export function peopleModes(task: string): PeopleMode[] {
  if (task === 'pose2d-single' || task.startsWith('pose2d-topdown')) return ['single', 'multi'];
  if (task === 'pose2d-blazepose') return ['single'];
  if (task === 'pose2d-multi') return ['multi'];
  return [];
}

/** Refuses (KinemaError) a people mode the model cannot run, saying which it can. */
export function requirePeopleMode(
  model: Pick<ModelEntry, 'id' | 'task' | 'people'>,
  people: PeopleMode,
): void {
  if (model.people.includes(people)) return;
  const choices = model.people.map((m) => (m === 'single' ? '"one athlete"' : '"everyone"')).join(' or ');
  throw new KinemaError(
    'MODEL_NOT_SUPPORTED',
    model.people.length === 0
      ? `Model "${model.id}" (${model.task}) cannot detect poses.`
      : `Model "${model.id}" finds ${people === 'single' ? 'everyone in the frame' : 'one person only'}; choose ${choices} with it.`,
  );
}

/** Whether an entry is a user's top-down model (run it with loadByoModel, not as MoveNet). */
export function isByoModel(m: ModelEntry): boolean {
  return m.descriptorPath !== undefined;
}

/** Skeleton of a model's keypoints, from its task and keypoint count. */
function skeletonOf(m: ManifestModel): string {
  if (m.skeletonId) return m.skeletonId;
  const k = m.output.keypoints?.length ?? m.output.shape.at(-2);
  if (m.task.startsWith('pose2d') && k === 17) return 'coco17';
  if (m.task.startsWith('pose2d') && k === 33) return 'blazepose33';
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
  const native: ModelEntry[] = manifest.models.map((m) => ({
    id: m.id,
    task: m.task,
    description: m.description,
    skeletonId: skeletonOf(m),
    inputSize: m.input.shape[1],
    path: join(dir, m.file),
    inputName: m.input.name,
    outputName: m.output.name,
    people: peopleModes(m.task),
  }));
  const user = scanByoModels(dir, new Set(native.map((m) => m.id))).models.map((d): ModelEntry => ({
    id: d.id,
    task: `pose2d-topdown-${d.kind}`,
    description: `${d.name} (user model, ${d.input.width}×${d.input.height})`,
    skeletonId: d.skeletonId,
    // The larger side: these inputs are not square (e.g. 192×256); the exact size is in the description.
    inputSize: Math.max(d.input.width, d.input.height),
    path: d.modelPath,
    inputName: d.input.name ?? '',
    outputName: (d.kind === 'heatmap' ? d.output.heatmaps : d.output.simccX) ?? '',
    descriptorPath: d.descriptorPath,
    people: peopleModes(`pose2d-topdown-${d.kind}`),
  }));
  return [...native, ...user];
}

/** Order offered: MoveNet single-pose first (Lightning is the default), BlazePose, MultiPose, then user models. */
const TASK_ORDER = ['pose2d-single', 'pose2d-blazepose', 'pose2d-multi'];
const taskRank = (task: string) => (TASK_ORDER.includes(task) ? TASK_ORDER.indexOf(task) : TASK_ORDER.length);
const byTaskOrder = (a: { task: string }, b: { task: string }) => taskRank(a.task) - taskRank(b.task);

/** The model with this id, or a KinemaError that lists the known ones. */
export function getModel(id: string, dir = nativeModelsDir()): ModelEntry {
  const models = listModels(dir);
  const model = models.find((m) => m.id === id);
  if (!model)
    throw new KinemaError(
      'UNKNOWN_MODEL',
      `Unknown model "${id}". Available: ${
        models
          .filter((m) => m.people.length)
          .sort(byTaskOrder)
          .map((m) => m.id)
          .join(', ') || 'none'
      }.`,
    );
  return model;
}

/** What `models.list` returns: the public facts only, for the models pose detection can run. */
export function modelInfos(): ModelInfo[] {
  return listModels()
    .filter((m) => m.people.length)
    .sort(byTaskOrder)
    .map(({ id, task, description, skeletonId, inputSize, people }) => ({
      id,
      task,
      description,
      skeletonId,
      inputSize,
      people,
    }));
}

/** The ONNX file of a person detector listed under the manifest's `detectors` key. */
export function getDetectorPath(id = 'centernet', dir = nativeModelsDir()): string {
  let detectors: { id: string; file: string }[] = [];
  try {
    detectors =
      (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { detectors?: typeof detectors })
        .detectors ?? [];
  } catch (err) {
    throw new KinemaError(
      'NO_MODELS',
      `Cannot read the model manifest ${join(dir, 'manifest.json')}: ${(err as Error).message}`,
    );
  }
  const d = detectors.find((x) => x.id === id);
  if (!d) throw new KinemaError('MODEL_MISSING', `The person detector "${id}" is not in the model manifest.`);
  return join(dir, d.file);
}

/** A 3D lifter listed under the manifest's `lifters` key (trained by scripts/train-lifter.ts). */
export interface LifterEntry {
  id: string;
  /** Absolute path of the ONNX file. */
  path: string;
  /** The training weights (.klw) fine-tuning starts from, when shipped. */
  weightsPath: string | null;
  description: string;
}

/** The shipped lifters, first = the default. */
export function listLifters(dir = nativeModelsDir()): LifterEntry[] {
  let lifters: { id: string; file: string; weights?: string; description?: string }[] = [];
  try {
    lifters =
      (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { lifters?: typeof lifters })
        .lifters ?? [];
  } catch (err) {
    throw new KinemaError(
      'NO_MODELS',
      `Cannot read the model manifest ${join(dir, 'manifest.json')}: ${(err as Error).message}`,
    );
  }
  return lifters.map((l) => ({
    id: l.id,
    path: join(dir, l.file),
    weightsPath: l.weights ? join(dir, l.weights) : null,
    description: l.description ?? '',
  }));
}
