/**
 * Checks a lifter training request before a 'train-lifter' job is queued (the request handler and
 * `kinema train-lifter` both call it): the name is free, the settings are consistent with the
 * starting weights, and every file reads, maps to the lifter's skeletons and is long enough for
 * the receptive field. Bad input is refused here with a message that says which file and why, and
 * nothing is queued or stored.
 */
import { DEFAULT_LIFTER } from '../../shared/contract-lift';
import { LIFTER_TRAIN_DEFAULTS, type LifterTrainInput } from '../../shared/contract-lifter-training';
import { KinemaError } from '../../shared/errors';
import type { Db } from '../db/connection';
import * as seriesDb from '../db/series';
import { listLifters } from '../inference/models';
import type { TrainLifterParams } from '../jobs/kinds/train-lifter';
import { loadWeightsFile } from '../training/checkpoint';
import { loadLifterDatasets, planLifterDatasets } from '../training/lifter-data';
import { receptiveFieldOf } from '../training/lifter-model';
import { LIFTER_FPS } from '../training/lifter-session';

export interface PreparedLifterTraining {
  params: TrainLifterParams;
  title: string;
  trainFrames: number;
  validationFrames: number;
}

/** The shipped lifter whose training weights fine-tuning starts from, and their size. */
export function shippedLifterWeights(): {
  id: string;
  path: string;
  receptiveField: number;
  channels: number;
} {
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

export function prepareLifterTraining(db: Db, input: LifterTrainInput): PreparedLifterTraining {
  const name = input.name.trim();
  if (!input.replace && seriesDb.listTrainedModels(db, 'lifter').some((m) => m.name === name))
    throw new KinemaError(
      'EXISTS',
      `A lifter named "${name}" already exists in this project: choose another name or replace it.`,
    );
  const d = LIFTER_TRAIN_DEFAULTS;
  let receptiveField = input.receptiveField ?? d.receptiveField;
  let channels = input.channels ?? d.channels;
  let init = input.init ?? null;
  let shipped: ReturnType<typeof shippedLifterWeights> | null = null;
  if (init !== 'none') {
    shipped = shippedLifterWeights();
    const matches =
      (input.receptiveField ?? shipped.receptiveField) === shipped.receptiveField &&
      (input.channels ?? shipped.channels) === shipped.channels;
    if (init === 'shipped' && !matches)
      throw new KinemaError(
        'BAD_OPTIONS',
        `Fine-tuning starts from the shipped lifter ${shipped.id} (receptive field ${shipped.receptiveField}, ${shipped.channels} channels): keep those settings, or train from scratch (init none).`,
      );
    // Unspecified: fine-tune when the requested size is the shipped model's.
    init = matches ? 'shipped' : 'none';
    if (init === 'shipped') {
      receptiveField = shipped.receptiveField;
      channels = shipped.channels;
    } else shipped = null;
  }
  const settings = {
    receptiveField,
    channels,
    epochs: input.epochs ?? d.epochs,
    batchSize: input.batchSize ?? d.batchSize,
    learningRate: input.learningRate ?? (init === 'shipped' ? d.fineTuneLearningRate : d.learningRate),
    noise: input.noise ?? d.noise,
    seed: input.seed ?? d.seed,
  };
  const plan = planLifterDatasets(input.files, input.validationFiles ?? []);
  const data = loadLifterDatasets(plan, { fps: LIFTER_FPS, receptiveField });
  const totalSteps = Math.max(1, Math.floor(data.trainFrames / settings.batchSize)) * settings.epochs;
  const params: TrainLifterParams = {
    name,
    replace: input.replace ?? false,
    trainFiles: plan.train,
    validationFiles: plan.validation,
    holdOut: plan.holdOut,
    settings,
    init: init === 'shipped' ? 'shipped' : 'none',
    initWeightsPath: shipped?.path ?? null,
    initModelId: shipped?.id ?? null,
    totalSteps,
  };
  return {
    params,
    title: `${init === 'shipped' ? 'Fine-tune' : 'Train'} lifter "${name}"`,
    trainFrames: data.trainFrames,
    validationFrames: data.validationFrames,
  };
}
