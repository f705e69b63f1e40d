/**
 * Checks a lifter training request before a 'train-lifter' job is queued (the request handler and
 * `kinema train-lifter` both call it): the name is free, the settings are consistent with the
 * starting weights, and every file reads, maps to the lifter's skeletons and is long enough for
 * the receptive field; fine-tuning a project lifter needs its stored training weights. Bad input is refused here with a message that says which file and why, and
 * nothing is queued or stored.
 */
import { DEFAULT_LIFTER, PROJECT_LIFTER_PREFIX } from '../../shared/contract-lift';
import { LIFTER_TRAIN_DEFAULTS, type LifterTrainInput } from '../../shared/contract-lifter-training';
import { KinemaError } from '../../shared/errors';
import type { Db } from '../db/connection';
import * as seriesDb from '../db/series';
import { listLifters } from '../inference/models';
import type { TrainLifterParams } from '../jobs/kinds/train-lifter';
import { decodeWeights, loadWeightsFile } from '../training/checkpoint';
import { loadLifterDatasets, planLifterDatasets } from '../training/lifter-data';
import { receptiveFieldOf } from '../training/lifter-model';
import { cachedModelPath, writeCachedFile } from './model-cache';
import { LIFTER_FPS } from '../training/lifter-session';

export interface PreparedLifterTraining {
  params: TrainLifterParams;
  title: string;
  trainFrames: number;
  validationFrames: number;
}

/** Training weights a run can start from, and the model size they fix. */
export interface StartingWeights {
  /** The shipped lifter's id, or `lifter:<name>` for a project lifter. */
  id: string;
  /** The .klw file the worker loads. */
  path: string;
  /** Bytes to write to `path` once the request is accepted (a project lifter's stored weights). */
  bytes?: Uint8Array;
  receptiveField: number;
  channels: number;
}

/** The shipped lifter whose training weights fine-tuning starts from, and their size. */
export function shippedLifterWeights(): StartingWeights {
  const entry = listLifters().find((l) => l.id === DEFAULT_LIFTER) ?? listLifters()[0];
  if (!entry?.weightsPath)
    throw new KinemaError('NO_MODELS', 'No shipped lifter with training weights (.klw) in native-models.');
  const { weights } = loadWeightsFile(entry.weightsPath);
  return {
    id: entry.id,
    path: entry.weightsPath,
    receptiveField: receptiveFieldOf(weights.config),
    channels: weights.config.channels,
  };
}

/**
 * A project lifter's training weights (stored beside its ONNX since migration 0006) and the cache
 * file the worker will read them from (prepareLifterTraining writes it once the request is valid,
 * so a refused request leaves nothing behind).
 */
export function projectLifterWeights(db: Db, name: string, cacheDir: string): StartingWeights {
  const model = seriesDb.findTrainedModel(db, 'lifter', name);
  const bytes = seriesDb.trainedModelWeights(db, model.id);
  if (!bytes)
    throw new KinemaError(
      'BAD_OPTIONS',
      `The project lifter "${model.name}" was stored without its training weights (it was trained before Kinema kept them), so training cannot go on from it: train it again, or fine-tune the shipped lifter.`,
    );
  const { weights } = decodeWeights(bytes, `The training weights of lifter "${model.name}"`);
  return {
    id: `${PROJECT_LIFTER_PREFIX}${model.name}`,
    path: cachedModelPath(cacheDir, model, 'klw'),
    bytes,
    receptiveField: receptiveFieldOf(weights.config),
    channels: weights.config.channels,
  };
}

export function prepareLifterTraining(
  db: Db,
  input: LifterTrainInput,
  cacheDir: string,
): PreparedLifterTraining {
  const name = input.name.trim();
  if (!input.replace && seriesDb.listTrainedModels(db, 'lifter').some((m) => m.name === name))
    throw new KinemaError(
      'EXISTS',
      `A lifter named "${name}" already exists in this project: choose another name or replace it.`,
    );
  const d = LIFTER_TRAIN_DEFAULTS;
  let receptiveField = input.receptiveField ?? d.receptiveField;
  let channels = input.channels ?? d.channels;
  // Unspecified: fine-tune the shipped lifter when the requested size is its size.
  let start: StartingWeights | null = null;
  if (input.init === 'project') start = projectLifterWeights(db, input.initLifter ?? '', cacheDir);
  else if (input.init !== 'none') start = shippedLifterWeights();
  if (start) {
    const matches =
      (input.receptiveField ?? start.receptiveField) === start.receptiveField &&
      (input.channels ?? start.channels) === start.channels;
    if (input.init && !matches)
      throw new KinemaError(
        'BAD_OPTIONS',
        `Fine-tuning starts from the ${input.init === 'project' ? 'project' : 'shipped'} lifter ${input.init === 'project' ? `"${input.initLifter}"` : start.id} (receptive field ${start.receptiveField}, ${start.channels} channels): keep those settings, or train from scratch (init none).`,
      );
    if (matches) {
      receptiveField = start.receptiveField;
      channels = start.channels;
    } else start = null;
  }
  const init: TrainLifterParams['init'] = !start ? 'none' : input.init === 'project' ? 'project' : 'shipped';
  const settings = {
    receptiveField,
    channels,
    epochs: input.epochs ?? d.epochs,
    batchSize: input.batchSize ?? d.batchSize,
    learningRate: input.learningRate ?? (start ? d.fineTuneLearningRate : d.learningRate),
    noise: input.noise ?? d.noise,
    seed: input.seed ?? d.seed,
  };
  const plan = planLifterDatasets(input.files, input.validationFiles ?? []);
  const data = loadLifterDatasets(plan, { fps: LIFTER_FPS, receptiveField });
  if (start?.bytes) writeCachedFile(start.path, start.bytes);
  const totalSteps = Math.max(1, Math.floor(data.trainFrames / settings.batchSize)) * settings.epochs;
  const params: TrainLifterParams = {
    name,
    replace: input.replace ?? false,
    trainFiles: plan.train,
    validationFiles: plan.validation,
    holdOut: plan.holdOut,
    settings,
    init,
    initWeightsPath: start?.path ?? null,
    initModelId: start?.id ?? null,
    totalSteps,
  };
  return {
    params,
    title: start ? `Fine-tune lifter "${name}" from ${start.id}` : `Train lifter "${name}"`,
    trainFrames: data.trainFrames,
    validationFrames: data.validationFrames,
  };
}
