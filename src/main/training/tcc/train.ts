/**
 * Training the TCC encoder (model.ts) with the TCC loss (loss.ts) on clips of one motion.
 *
 * Each step draws `batchSize` different clips (all of them when there are fewer), samples
 * `framesPerSequence` frames from each (stratified: one at random in each of N equal parts of the
 * clip, so each sequence covers the whole motion in order), gathers every sampled frame's context
 * window, embeds the windows, and takes one Adam step on the TCC loss over every ordered pair of
 * the batch's sequences. A step's randomness comes only from (seed, step), so a run resumed from a
 * checkpoint draws the same batches as an uninterrupted one and ends with the same weights.
 *
 * Built for a job: `trainTcc(clips, options, control)` takes an AbortSignal (checked between
 * steps; on abort it saves a checkpoint and throws an AbortError), reports progress (step, loss,
 * cycle accuracy), saves a checkpoint every `checkpointEverySteps` steps and at the end when given
 * a folder, resumes from the folder's checkpoint, and optionally writes the ONNX export (checked
 * against TF.js) at the end. Fine-tuning starts from given weights with a fresh optimizer.
 */
import { writeFileSync, renameSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { KinemaError } from '../../../shared/errors';
import { deriveSeed, Rng } from '../../../shared/lifting/rng';
import { abortError } from '../evaluate';
import { checkTrainingOptions, cosineLearningRate } from '../cosine-schedule';
import { initTrainingBackend, type BackendChoice, type TrainingBackend } from '../tf-backend';
import { Adam } from '../train-lifter';
import {
  hasTccCheckpoint,
  loadTccCheckpoint,
  saveTccCheckpoint,
  type TccCheckpoint,
  type TccHistoryEntry,
} from './checkpoint';
import { tccToOnnx, verifyTccOnnx, type TccModelInfo } from './export-onnx';
import {
  checkFramesPerSequence,
  checkLossOptions,
  sampleFrames,
  tccLoss,
  TCC_LOSS_TYPES,
  type TccLossResult,
  type TccLossType,
} from './loss';
import {
  contextFrames,
  contextIndices,
  DEFAULT_TCC_CONFIG,
  featureStats,
  fillMissingRows,
  initTccWeights,
  sameTccConfig,
  TccModel,
  type TccConfig,
  type TccWeights,
} from './model';

/** One training clip: its per-frame features ([frames × dim], row-major; NaN rows = absent frames). */
export interface TccClip {
  name: string;
  features: Float32Array;
}

export interface TccTrainOptions {
  steps: number;
  /** Sequences per step (all clips when there are fewer; at least 2 clips are needed). */
  batchSize: number;
  /** Frames sampled per sequence (N); must stay below every clip's length. */
  framesPerSequence: number;
  loss: TccLossType;
  /** Softmax temperature τ. */
  temperature: number;
  /** λ of the variance-aware regression. */
  varianceLambda: number;
  learningRate: number;
  /** Cosine decay of the learning rate to this fraction of it at the last step (1 = constant). */
  finalLrFraction: number;
  seed: number;
  checkpointEverySteps: number;
  hidden: number;
  context: number;
  contextStride: number;
  embeddingDim: number;
  normalize: boolean;
  /** Where the backend chain starts (default: its top). */
  backend?: TrainingBackend;
}

export const DEFAULT_TCC_TRAIN_OPTIONS: TccTrainOptions = {
  steps: 1000,
  batchSize: 4,
  framesPerSequence: 32,
  // Cycle-back classification: on CMU walks (periodic) it aligned far better than the regression
  // variants, whose cycles never settle on one frame (bench/tcc-mocap.ts).
  loss: 'classification',
  temperature: 0.1,
  varianceLambda: 0.001,
  learningRate: 1e-3,
  finalLrFraction: 0.1,
  seed: 1,
  checkpointEverySteps: 100,
  ...DEFAULT_TCC_CONFIG,
};

/** Options that must not change across a resume (they define the model or the batches). */
const FIXED_ON_RESUME = [
  'batchSize',
  'framesPerSequence',
  'seed',
  'hidden',
  'context',
  'contextStride',
  'embeddingDim',
  'normalize',
] as const;

export interface TccProgress {
  phase: 'train' | 'checkpoint' | 'export' | 'done';
  /** Steps done so far and in all. */
  step: number;
  totalSteps: number;
  /** Mean loss of the steps since the last report. */
  loss: number;
  /** Mean share of query frames whose cycle came back to themselves, since the last report. */
  cycleAccuracy: number;
  lr: number;
  stepsPerSecond: number;
}

export interface TccTrainControl {
  signal?: AbortSignal;
  onProgress?: (p: TccProgress) => void;
  /** Save checkpoints here and resume from the one found there. */
  checkpointDir?: string | null;
  /** Fine-tuning: start from these weights (ignored when a checkpoint is resumed). */
  initialWeights?: TccWeights | null;
  /** Report progress every this many steps (default 10). */
  progressEverySteps?: number;
  /** Write the trained encoder as ONNX here at the end (verified against TF.js). */
  exportPath?: string | null;
  /** Metadata of the export (feature kinds, skeleton, fps); required with exportPath. */
  exportInfo?: TccModelInfo;
}

export interface TccTrainResult {
  weights: TccWeights;
  steps: number;
  /** Step the run resumed from, or null for a fresh start. */
  resumedFromStep: number | null;
  history: TccHistoryEntry[];
  backend: BackendChoice;
  trainSeconds: number;
  /** Where the ONNX went and how far ORT is from TF.js on random input. */
  onnx: { path: string; maxAbsDiff: number } | null;
}

export function checkTccTrainOptions(o: TccTrainOptions): void {
  checkTrainingOptions(
    'TCC training',
    [
      ['steps', o.steps, 1],
      ['batchSize', o.batchSize, 2],
      ['framesPerSequence', o.framesPerSequence, 2],
      ['checkpointEverySteps', o.checkpointEverySteps, 1],
      ['hidden', o.hidden, 1],
      ['context', o.context, 0],
      ['contextStride', o.contextStride, 1],
      ['embeddingDim', o.embeddingDim, 1],
    ],
    o,
  );
  if (!TCC_LOSS_TYPES.includes(o.loss))
    throw new KinemaError(
      'BAD_OPTIONS',
      `Unknown TCC loss '${String(o.loss)}' (${TCC_LOSS_TYPES.join(', ')})`,
    );
  checkLossOptions({ type: o.loss, temperature: o.temperature, varianceLambda: o.varianceLambda });
  if (!Number.isFinite(o.seed)) throw new KinemaError('BAD_OPTIONS', `seed must be a number, got ${o.seed}`);
}

/** A clip ready to sample: rows of NaN (absent frames) filled linearly from their neighbours. */
interface PreparedClip {
  name: string;
  frames: number;
  features: Float32Array;
}

/**
 * Checks clips (dimension, finite frames, at least two, long enough) and fills their absent rows.
 * Throws KinemaError with a message for the user.
 */
export function prepareTccClips(
  clips: readonly TccClip[],
  dim: number,
  framesPerSequence: number,
): PreparedClip[] {
  if (clips.length < 2) {
    throw new KinemaError(
      'TOO_FEW_CLIPS',
      `TCC training needs at least 2 clips of the same motion, got ${clips.length}.`,
    );
  }
  const out = clips.map((c): PreparedClip => {
    if (c.features.length === 0 || c.features.length % dim !== 0)
      throw new KinemaError(
        'BAD_CLIP',
        `Clip "${c.name}" has ${c.features.length} feature values, not frames × ${dim}.`,
      );
    const T = c.features.length / dim;
    const { filled: f } = fillMissingRows(c.features, dim, `Clip "${c.name}"`);
    return { name: c.name, frames: T, features: f };
  });
  checkFramesPerSequence(out, framesPerSequence);
  return out;
}

/**
 * The input of one step: the batch's clips, and for each the N sampled frames' context windows
 * ([B, N, C, D] row-major). Depends only on (seed, step).
 */
export function sampleBatch(
  clips: readonly PreparedClip[],
  config: TccConfig,
  o: Pick<TccTrainOptions, 'batchSize' | 'framesPerSequence' | 'seed'>,
  step: number,
): { clipIndices: Uint32Array; frames: Int32Array[]; input: Float32Array; batch: number } {
  const rng = new Rng(deriveSeed(o.seed, step, 0x7cc));
  const B = Math.min(o.batchSize, clips.length);
  const clipIndices = rng.permutation(clips.length).slice(0, B);
  const N = o.framesPerSequence;
  const C = contextFrames(config);
  const D = config.inputDim;
  const input = new Float32Array(B * N * C * D);
  const frames: Int32Array[] = [];
  clipIndices.forEach((ci, b) => {
    const clip = clips[ci];
    const f = sampleFrames(clip.frames, N, rng);
    frames.push(f);
    const idx = contextIndices(config, f, clip.frames);
    for (let r = 0; r < idx.length; r++) {
      input.set(clip.features.subarray(idx[r] * D, (idx[r] + 1) * D), (b * N * C + r) * D);
    }
  });
  return { clipIndices, frames, input, batch: B };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Trains the encoder; see the module comment. `dim` is the features' size per frame. */
export async function trainTcc(
  clips: readonly TccClip[],
  dim: number,
  options: TccTrainOptions,
  control: TccTrainControl = {},
): Promise<TccTrainResult> {
  const o = options;
  checkTccTrainOptions(o);
  if (!Number.isInteger(dim) || dim < 1)
    throw new KinemaError('BAD_OPTIONS', `Feature size ${dim} is not a positive integer`);
  if (control.exportPath && !control.exportInfo)
    throw new Error('trainTcc: exportInfo (feature kinds, skeleton, fps) is required to export');
  const prepared = prepareTccClips(clips, dim, o.framesPerSequence);
  const backend = await initTrainingBackend(o.backend);
  const config: TccConfig = {
    inputDim: dim,
    hidden: o.hidden,
    context: o.context,
    contextStride: o.contextStride,
    embeddingDim: o.embeddingDim,
    normalize: o.normalize,
  };
  let resumed: TccCheckpoint | null = null;
  if (control.checkpointDir && hasTccCheckpoint(control.checkpointDir)) {
    resumed = loadTccCheckpoint(control.checkpointDir);
    for (const k of FIXED_ON_RESUME) {
      const was = resumed.state.options[k];
      if (JSON.stringify(was) !== JSON.stringify(o[k])) {
        throw new KinemaError(
          'CHECKPOINT_MISMATCH',
          `The checkpoint in ${control.checkpointDir} was trained with ${k} = ${JSON.stringify(was)}, not ${JSON.stringify(o[k])}: use the same settings to resume, or another folder to start over.`,
        );
      }
    }
  }
  const start =
    resumed?.weights ??
    control.initialWeights ??
    initTccWeights(
      config,
      deriveSeed(o.seed, 0x7cc1),
      featureStats(
        prepared.map((c) => c.features),
        dim,
      ),
    );
  if (!sameTccConfig(start.config, config)) {
    throw new KinemaError(
      'CHECKPOINT_MISMATCH',
      `The starting weights are for a ${start.config.inputDim}-feature, ${start.config.hidden}-wide, ${start.config.embeddingDim}-d encoder with context ±${start.config.context}×${start.config.contextStride}; the options ask for ${dim}, ${o.hidden}, ${o.embeddingDim}, ±${o.context}×${o.contextStride}.`,
    );
  }
  const model = new TccModel(start);
  const adam = new Adam(model.params, false);
  try {
    if (resumed) adam.load(resumed.optimizer);
    let step = resumed?.state.step ?? 0;
    const history: TccHistoryEntry[] = [...(resumed?.state.history ?? [])];
    let trainSeconds = resumed?.state.trainSeconds ?? 0;
    const every = control.progressEverySteps ?? 10;
    const N = o.framesPerSequence;
    const E = config.embeddingDim;
    const lossOptions = { type: o.loss, temperature: o.temperature, varianceLambda: o.varianceLambda };

    const checkpoint = (): void => {
      if (!control.checkpointDir) return;
      saveTccCheckpoint(control.checkpointDir, {
        state: { step, options: o as unknown as Record<string, unknown>, history, trainSeconds },
        weights: model.getWeights(),
        optimizer: adam.state(),
      });
    };

    let reportLoss = 0;
    let reportAcc = 0;
    let reportSteps = 0;
    let reportMs = 0;
    while (step < o.steps) {
      if (control.signal?.aborted) {
        checkpoint();
        throw abortError();
      }
      const t0 = performance.now();
      const { input, batch: B } = sampleBatch(prepared, config, o, step);
      const lr = cosineLearningRate(o, step);
      // Forward (embeddings of every sampled frame, [B·N, E]), the loss and its gradient in plain
      // JS, then the backward pass and Adam, all in one scope so the activations stay alive.
      const held: { result?: TccLossResult } = {};
      tf.tidy(() => {
        const x = tf.tensor2d(input, [B * N * contextFrames(config), dim]);
        const { out, cache } = model.forwardTrain(x);
        const r = tccLoss(out.dataSync() as Float32Array, B, N, E, lossOptions);
        if (!Number.isFinite(r.loss)) {
          throw new KinemaError(
            'TRAINING_DIVERGED',
            `TCC training diverged at step ${step} (loss ${r.loss}); lower the learning rate.`,
          );
        }
        adam.apply(model.params, model.backward(cache, tf.tensor2d(r.grad, [B * N, E])), lr);
        held.result = r;
      });
      const res = held.result;
      if (!res) throw new Error('TCC training: the step produced no loss');
      const dt = performance.now() - t0;
      trainSeconds += dt / 1000;
      reportMs += dt;
      step++;
      reportLoss += res.loss;
      reportAcc += res.cycleAccuracy;
      reportSteps++;
      if (reportSteps >= every || step === o.steps) {
        const entry = { step, loss: reportLoss / reportSteps, cycleAccuracy: reportAcc / reportSteps };
        history.push(entry);
        control.onProgress?.({
          phase: 'train',
          step,
          totalSteps: o.steps,
          loss: entry.loss,
          cycleAccuracy: entry.cycleAccuracy,
          lr,
          stepsPerSecond: (reportSteps * 1000) / reportMs,
        });
        reportLoss = 0;
        reportAcc = 0;
        reportSteps = 0;
        reportMs = 0;
      }
      if (step % o.checkpointEverySteps === 0 && step < o.steps) {
        checkpoint();
        const last = history.at(-1);
        control.onProgress?.({
          phase: 'checkpoint',
          step,
          totalSteps: o.steps,
          loss: last?.loss ?? res.loss,
          cycleAccuracy: last?.cycleAccuracy ?? res.cycleAccuracy,
          lr,
          stepsPerSecond: step / Math.max(1e-9, trainSeconds),
        });
      }
      await tick();
    }
    checkpoint();
    const weights = model.getWeights();
    const last = history.at(-1);
    let onnx: TccTrainResult['onnx'] = null;
    if (control.exportPath) {
      control.onProgress?.({
        phase: 'export',
        step,
        totalSteps: o.steps,
        loss: last?.loss ?? NaN,
        cycleAccuracy: last?.cycleAccuracy ?? NaN,
        lr: cosineLearningRate(o, o.steps - 1),
        stepsPerSecond: step / Math.max(1e-9, trainSeconds),
      });
      onnx = await exportTccOnnx(weights, control.exportInfo!, control.exportPath, {
        loss: o.loss,
        steps: String(step),
        clips: String(clips.length),
      });
    }
    control.onProgress?.({
      phase: 'done',
      step,
      totalSteps: o.steps,
      loss: last?.loss ?? NaN,
      cycleAccuracy: last?.cycleAccuracy ?? NaN,
      lr: cosineLearningRate(o, o.steps - 1),
      stepsPerSecond: step / Math.max(1e-9, trainSeconds),
    });
    return {
      weights,
      steps: step,
      resumedFromStep: resumed ? resumed.state.step : null,
      history,
      backend,
      trainSeconds,
      onnx,
    };
  } finally {
    adam.dispose();
    model.dispose();
  }
}

/** Largest ORT-vs-TF.js difference an export may show before it is refused. */
export const ONNX_TOLERANCE = 1e-4;

/**
 * Writes the encoder as ONNX at `path` (through a temporary file) after checking that ORT gives
 * the TF.js embeddings to within ONNX_TOLERANCE on random input.
 */
export async function exportTccOnnx(
  weights: TccWeights,
  info: TccModelInfo,
  path: string,
  extra: Record<string, string> = {},
): Promise<{ path: string; maxAbsDiff: number }> {
  const bytes = tccToOnnx(weights, info, extra);
  const { maxAbsDiff } = await verifyTccOnnx(weights, bytes);
  if (!(maxAbsDiff < ONNX_TOLERANCE)) {
    throw new Error(
      `The ONNX export of the TCC encoder differs from TF.js by ${maxAbsDiff} (more than ${ONNX_TOLERANCE}); not written.`,
    );
  }
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
  return { path, maxAbsDiff };
}
