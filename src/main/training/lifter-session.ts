/**
 * One lifter training session as scripts/train-lifter.ts, the train-lifter job and the CLI run it:
 * train (train-lifter.ts: checkpoints, resume, abort, progress), then score the result on the
 * validation sequences with exact and with detector-like 2D (evaluate.ts), and export the ONNX
 * with the metadata every Kinema lifter carries (`lifterOnnxMetadata`: the lift code and the 3D
 * viewer read a project lifter exactly like the shipped one).
 */
import { DEFAULT_SAMPLE_OPTIONS, type LiftingSequence } from '../../shared/lifting/dataset';
import type { Track2d } from '../../shared/lifting/track-windows';
import type { MetricSet, MetricsSummary } from '../../shared/lifting/metrics';
import { DEFAULT_NOISE } from '../../shared/lifting/noise';
import type { InputNormalization } from '../../shared/lifting/normalize';
import { H36M17_JOINTS } from '../../shared/skeletons/h36m17';
import { evaluateLifter } from './evaluate';
import { lifterToOnnx, verifyLifterOnnx } from './export-onnx';
import { LifterModel, receptiveFieldOf, type LifterWeights } from './lifter-model';
import {
  DEFAULT_SEMI_SUPERVISED,
  DEFAULT_TRAIN_OPTIONS,
  trainLifter,
  type SemiSupervisedOptions,
  type TrainControl,
  type TrainLifterOptions,
  type TrainResult,
} from './train-lifter';

export interface LifterSplit {
  train: LiftingSequence[];
  validation: LiftingSequence[];
  unlabeled?: LiftingSequence[];
  unlabeledTracks?: Track2d[];
}

export interface EvaluatedLifter {
  result: TrainResult;
  /** Validation scores with exact 2D projections and with detector noise (DEFAULT_NOISE). */
  clean: MetricsSummary;
  noisy: MetricsSummary;
}

/** Trains with `control` (checkpoints, abort, progress), then scores on the validation views. */
export async function trainAndEvaluateLifter(
  split: LifterSplit,
  options: TrainLifterOptions,
  control: TrainControl,
  evaluation: { views: number; seed: number },
): Promise<EvaluatedLifter> {
  const result = await trainLifter(split, options, control);
  const model = new LifterModel(result.weights);
  try {
    const o = {
      views: evaluation.views,
      seed: evaluation.seed,
      sample: options.sample,
      signal: control.signal,
    };
    const clean = evaluateLifter(model, split.validation, { ...o, noise: null });
    const noisy = evaluateLifter(model, split.validation, { ...o, noise: DEFAULT_NOISE });
    return { result, clean, noisy };
  } finally {
    model.dispose();
  }
}

/** The metadata properties of every Kinema lifter ONNX (readOnnxMetadata, lift.ts: lifterInfo). */
export function lifterOnnxMetadata(
  fps: number,
  norm: InputNormalization,
  training: string,
): Record<string, string> {
  return {
    fps: String(fps),
    input_normalization: norm,
    input_skeleton: 'h36m17',
    input_2d: 'COCO-17 keypoints mapped to H36M-17 (mid-hips, mid-shoulders, nose, mid-ears)',
    joints_names: H36M17_JOINTS.join(','),
    output: 'H36M-17 joints, metres, pelvis-relative, camera space (x right, y down, z forward)',
    training,
  };
}

/** Writes the ONNX and checks onnxruntime against TF.js on seeded random input. */
export async function exportLifter(
  weights: LifterWeights,
  metadata: Record<string, string>,
  seed: number,
): Promise<{ onnx: Uint8Array; maxAbsDiff: number }> {
  const onnx = lifterToOnnx(weights, metadata);
  const check = await verifyLifterOnnx(weights, onnx, receptiveFieldOf(weights.config) + 64, seed);
  return { onnx, maxAbsDiff: check.maxAbsDiff };
}

function round(v: number, digits = 1): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : NaN;
}

/** A metric set rounded for storage and display (mm; velocity mm/frame). */
export function metricJson(m: MetricSet): Record<string, number> {
  return {
    frames: m.frames,
    mpjpeMm: round(m.mpjpeMm),
    pMpjpeMm: round(m.pMpjpeMm),
    nMpjpeMm: round(m.nMpjpeMm),
    velocityMmPerFrame: round(m.velocityMmPerFrame, 2),
  };
}

/** What a user sets when training or fine-tuning from the app or the CLI. */
export interface LifterTrainingSettings {
  receptiveField: number;
  channels: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Detector-like noise on the 2D input of 60 % of the windows (as the shipped model). */
  noise: boolean;
  seed: number;
}

export const LIFTER_FPS = 50;

/**
 * Training options of a job or CLI session: the shipped model's recipe (AMSGrad, lr decay 0.9 per
 * epoch, dropout 0.25, pose-normalised 2D, flip augmentation) with the user's settings, validated
 * every epoch on one view per sequence (the per-epoch curve).
 */
export function lifterTrainOptions(s: LifterTrainingSettings, totalSteps: number): TrainLifterOptions {
  return {
    ...DEFAULT_TRAIN_OPTIONS,
    receptiveField: s.receptiveField,
    channels: s.channels,
    dropout: 0.25,
    epochs: s.epochs,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    lrDecay: 0.9,
    seed: s.seed,
    windowsPerEpoch: null,
    checkpointEverySteps: Math.max(10, Math.min(200, Math.round(totalSteps / 10))),
    validateEveryEpochs: 1,
    validationViews: 1,
    sample: {
      ...DEFAULT_SAMPLE_OPTIONS,
      noiseProbability: s.noise ? DEFAULT_SAMPLE_OPTIONS.noiseProbability : 0,
    },
  };
}

/**
 * Semi-supervised options of a job: the defaults, with the warm-up (supervised pose, and the
 * trajectory model learning the root on the mocap) at most a quarter of the epochs, at least one.
 */
export function appSemiSupervised(epochs: number): SemiSupervisedOptions {
  const warmupEpochs = Math.min(DEFAULT_SEMI_SUPERVISED.warmupEpochs, Math.max(1, Math.floor(epochs / 4)));
  return { ...DEFAULT_SEMI_SUPERVISED, warmupEpochs };
}
