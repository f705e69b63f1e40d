/**
 * Distilling the teacher into the student (model.ts) on a StudentDataset (dataset.ts).
 *
 * Loss: COSINE, L = mean over the batch of 1 − ŷ · t, with ŷ the student's L2-normalised output
 * and t the teacher's embedding scaled to unit length. Why: the student's output lives on the unit
 * sphere (model.ts), so only the teacher's direction can be matched anyway; on unit vectors
 * ‖ŷ − t‖² = 2 (1 − ŷ · t), so this IS the L2 loss between normalised embeddings, and the
 * nearest-neighbour searches that use the embeddings (retrieval, alignment) rank by exactly that
 * distance. Normalising t also keeps the gradient's scale independent of the teacher's norm.
 *
 * Each step draws `batchSize` training records (from (seed, step) only, so a resumed run draws the
 * same batches), augments them (data.ts), and takes one Adam step with a cosine-decayed learning
 * rate. Every `evalEverySteps` the mean cosine to the teacher on (up to `maxEvalFrames` of) the
 * held-out frames is measured (`valCosine`). Built for a job: AbortSignal between steps (a
 * checkpoint is saved and an AbortError thrown), progress callbacks, checkpoints every
 * `checkpointEverySteps` steps and at the end, resume from the folder's checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KinemaError } from '../../../shared/errors';
import { deriveSeed, Rng } from '../../../shared/lifting/rng';
import { abortError } from '../evaluate';
import { checkTrainingOptions, cosineLearningRate } from '../cosine-schedule';
import { initTrainingBackend, type BackendChoice, type TrainingBackend } from '../tf-backend';
import { Adam } from '../train-lifter';
import {
  hasStudentCheckpoint,
  loadStudentCheckpoint,
  saveStudentCheckpoint,
  type StudentHistoryEntry,
} from './checkpoint';
import { drawAugmentation, frameBytes, studentChannels, studentInput } from './data';
import type { StudentDataset } from './dataset';
import {
  DEFAULT_STUDENT_ARCH,
  initStudentWeights,
  patchCount,
  patchify,
  patchValues,
  sameStudentConfig,
  StudentModel,
  type StudentConfig,
  type StudentWeights,
} from './model';

export interface StudentTrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Cosine decay to this fraction of the learning rate at the last step. */
  finalLrFraction: number;
  /** Augment the training crops (zoom, shift, brightness). */
  augment: boolean;
  seed: number;
  checkpointEverySteps: number;
  evalEverySteps: number;
  maxEvalFrames: number;
  patchSize: number;
  tokenDim: number;
  channelHidden: number;
  hidden: number;
  backend?: TrainingBackend;
}

export const DEFAULT_STUDENT_TRAIN_OPTIONS: StudentTrainOptions = {
  steps: 2000,
  batchSize: 64,
  learningRate: 1e-3,
  finalLrFraction: 0.05,
  augment: true,
  seed: 1,
  checkpointEverySteps: 200,
  evalEverySteps: 100,
  maxEvalFrames: 512,
  patchSize: DEFAULT_STUDENT_ARCH.patchSize,
  tokenDim: DEFAULT_STUDENT_ARCH.tokenDim,
  channelHidden: DEFAULT_STUDENT_ARCH.channelHidden,
  hidden: DEFAULT_STUDENT_ARCH.hidden,
};

/** Options that must not change across a resume (they define the model or the batches). */
const FIXED_ON_RESUME = [
  'batchSize',
  'seed',
  'augment',
  'patchSize',
  'tokenDim',
  'channelHidden',
  'hidden',
] as const;

export interface StudentProgress {
  phase: 'train' | 'checkpoint' | 'done';
  step: number;
  totalSteps: number;
  /** Mean loss (1 − cosine) of the steps since the last report. */
  loss: number;
  /** Held-out mean cosine, when measured at this report. */
  valCosine?: number;
  lr: number;
  stepsPerSecond: number;
}

export interface StudentTrainControl {
  signal?: AbortSignal;
  onProgress?: (p: StudentProgress) => void;
  checkpointDir?: string | null;
  /** Report every this many steps (default 10). */
  progressEverySteps?: number;
}

export interface StudentTrainResult {
  weights: StudentWeights;
  steps: number;
  resumedFromStep: number | null;
  history: StudentHistoryEntry[];
  backend: BackendChoice;
  trainSeconds: number;
  /** Held-out mean cosine at the end (NaN without held-out frames). */
  valCosine: number;
}

export function checkStudentTrainOptions(o: StudentTrainOptions): void {
  checkTrainingOptions(
    'Student training',
    [
      ['steps', o.steps, 1],
      ['batchSize', o.batchSize, 1],
      ['checkpointEverySteps', o.checkpointEverySteps, 1],
      ['evalEverySteps', o.evalEverySteps, 1],
      ['maxEvalFrames', o.maxEvalFrames, 1],
      ['patchSize', o.patchSize, 1],
      ['tokenDim', o.tokenDim, 1],
      ['channelHidden', o.channelHidden, 1],
      ['hidden', o.hidden, 1],
    ],
    o,
  );
}

export function studentConfigFor(
  d: Pick<StudentDataset, 'spec' | 'dim'>,
  o: StudentTrainOptions,
): StudentConfig {
  if (d.spec.cropSize % o.patchSize !== 0)
    throw new KinemaError(
      'BAD_OPTIONS',
      `The crop size ${d.spec.cropSize} is not a multiple of the patch size ${o.patchSize}.`,
    );
  return {
    imageSize: d.spec.cropSize,
    channels: studentChannels(d.spec),
    patchSize: o.patchSize,
    tokenDim: o.tokenDim,
    channelHidden: o.channelHidden,
    hidden: o.hidden,
    embeddingDim: d.dim,
  };
}

/** The records and augmented inputs of one step; depends only on (seed, step). */
export function sampleStudentBatch(
  d: StudentDataset,
  o: Pick<StudentTrainOptions, 'batchSize' | 'seed' | 'augment'>,
  step: number,
): { records: Uint32Array; images: Float32Array } {
  const rng = new Rng(deriveSeed(o.seed, step, 0x5d7));
  const B = o.batchSize;
  const per = frameBytes(d.spec);
  const records = new Uint32Array(B);
  const images = new Float32Array(B * per);
  for (let b = 0; b < B; b++) {
    records[b] = d.train[rng.int(d.train.length)];
    const aug = o.augment ? drawAugmentation(rng, d.spec.cropSize) : undefined;
    studentInput(d.spec, d.data, records[b], images, b * per, aug);
  }
  return { records, images };
}

/** Records evenly spread over the held-out frames, at most `max`. */
export function evalRecords(d: StudentDataset, max: number): Uint32Array {
  const v = d.validation;
  if (v.length <= max) return v;
  return Uint32Array.from({ length: max }, (_, i) => v[Math.floor((i * v.length) / max)]);
}

/** Mean cosine between the model's embeddings and the teacher's on `records`. */
export function meanCosine(model: StudentModel, d: StudentDataset, records: ArrayLike<number>): number {
  if (!records.length) return NaN;
  const per = frameBytes(d.spec);
  const images = new Float32Array(records.length * per);
  for (let i = 0; i < records.length; i++) studentInput(d.spec, d.data, records[i], images, i * per);
  const y = model.embedImages(images);
  let sum = 0;
  for (let i = 0; i < records.length; i++) {
    let dot = 0;
    for (let k = 0; k < d.dim; k++) dot += y[i * d.dim + k] * d.teacher[records[i] * d.dim + k];
    sum += dot;
  }
  return sum / records.length;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Trains the student; see the module comment. */
export async function trainStudent(
  dataset: StudentDataset,
  options: StudentTrainOptions,
  control: StudentTrainControl = {},
): Promise<StudentTrainResult> {
  const o = options;
  checkStudentTrainOptions(o);
  if (dataset.train.length === 0)
    throw new KinemaError(
      'BAD_OPTIONS',
      'No training frame is left after holding some out: give more video.',
    );
  const config = studentConfigFor(dataset, o);
  const backend = await initTrainingBackend(o.backend);
  let resumed = null as ReturnType<typeof loadStudentCheckpoint> | null;
  if (control.checkpointDir && hasStudentCheckpoint(control.checkpointDir)) {
    resumed = loadStudentCheckpoint(control.checkpointDir);
    for (const k of FIXED_ON_RESUME) {
      const was = resumed.state.options[k];
      if (JSON.stringify(was) !== JSON.stringify(o[k]))
        throw new KinemaError(
          'CHECKPOINT_MISMATCH',
          `The checkpoint in ${control.checkpointDir} was trained with ${k} = ${JSON.stringify(was)}, not ${JSON.stringify(o[k])}: use the same settings to resume, or another folder to start over.`,
        );
    }
    if (!sameStudentConfig(resumed.weights.config, config))
      throw new KinemaError(
        'CHECKPOINT_MISMATCH',
        `The checkpoint in ${control.checkpointDir} is for another network or input (${JSON.stringify(resumed.weights.config)}).`,
      );
  }
  const model = new StudentModel(resumed?.weights ?? initStudentWeights(config, deriveSeed(o.seed, 0x5d71)));
  const adam = new Adam(model.params, false);
  try {
    if (resumed) adam.load(resumed.optimizer);
    let step = resumed?.state.step ?? 0;
    const history: StudentHistoryEntry[] = [...(resumed?.state.history ?? [])];
    let trainSeconds = resumed?.state.trainSeconds ?? 0;
    const every = control.progressEverySteps ?? 10;
    const evalSet = evalRecords(dataset, o.maxEvalFrames);
    const N = patchCount(config);
    const K = patchValues(config);
    const E = config.embeddingDim;
    const checkpoint = (): void => {
      if (!control.checkpointDir) return;
      saveStudentCheckpoint(control.checkpointDir, {
        state: { step, options: o as unknown as Record<string, unknown>, history, trainSeconds },
        weights: model.getWeights(),
        optimizer: adam.state(),
      });
    };
    let reportLoss = 0;
    let reportSteps = 0;
    let reportMs = 0;
    let lastVal = NaN;
    while (step < o.steps) {
      if (control.signal?.aborted) {
        checkpoint();
        throw abortError();
      }
      const t0 = performance.now();
      const { records, images } = sampleStudentBatch(dataset, o, step);
      const B = records.length;
      const target = new Float32Array(B * E);
      for (let b = 0; b < B; b++)
        target.set(dataset.teacher.subarray(records[b] * E, (records[b] + 1) * E), b * E);
      const lr = cosineLearningRate(o, step);
      const patches = patchify(images, config);
      const loss = tf.tidy(() => {
        const { out, cache } = model.forwardTrain(tf.tensor2d(patches, [B * N, K]));
        const t = tf.tensor2d(target, [B, E]);
        const l = 1 - (tf.sum(tf.mul(out, t)).dataSync()[0] as number) / B;
        if (!Number.isFinite(l))
          throw new KinemaError(
            'TRAINING_DIVERGED',
            `Student training diverged at step ${step} (loss ${l}); lower the learning rate.`,
          );
        // dL/dŷ = −t / B.
        adam.apply(model.params, model.backward(cache, tf.mul(t, -1 / B) as tf.Tensor2D), lr);
        return l;
      });
      const dt = performance.now() - t0;
      trainSeconds += dt / 1000;
      reportMs += dt;
      step++;
      reportLoss += loss;
      reportSteps++;
      const evalNow = evalSet.length > 0 && (step % o.evalEverySteps === 0 || step === o.steps);
      if (evalNow) lastVal = meanCosine(model, dataset, evalSet);
      if (reportSteps >= every || step === o.steps || evalNow) {
        const entry: StudentHistoryEntry = { step, loss: reportLoss / reportSteps };
        if (evalNow) entry.valCosine = lastVal;
        history.push(entry);
        control.onProgress?.({
          phase: 'train',
          step,
          totalSteps: o.steps,
          loss: entry.loss,
          ...(evalNow ? { valCosine: lastVal } : {}),
          lr,
          stepsPerSecond: (reportSteps * 1000) / reportMs,
        });
        reportLoss = 0;
        reportSteps = 0;
        reportMs = 0;
      }
      if (step % o.checkpointEverySteps === 0 && step < o.steps) {
        checkpoint();
        control.onProgress?.({
          phase: 'checkpoint',
          step,
          totalSteps: o.steps,
          loss: history.at(-1)?.loss ?? loss,
          lr,
          stepsPerSecond: step / Math.max(1e-9, trainSeconds),
        });
      }
      await tick();
    }
    checkpoint();
    if (evalSet.length && !Number.isFinite(lastVal)) lastVal = meanCosine(model, dataset, evalSet);
    control.onProgress?.({
      phase: 'done',
      step,
      totalSteps: o.steps,
      loss: history.at(-1)?.loss ?? NaN,
      ...(Number.isFinite(lastVal) ? { valCosine: lastVal } : {}),
      lr: cosineLearningRate(o, o.steps - 1),
      stepsPerSecond: step / Math.max(1e-9, trainSeconds),
    });
    return {
      weights: model.getWeights(),
      steps: step,
      resumedFromStep: resumed ? resumed.state.step : null,
      history,
      backend,
      trainSeconds,
      valCosine: lastVal,
    };
  } finally {
    adam.dispose();
    model.dispose();
  }
}
