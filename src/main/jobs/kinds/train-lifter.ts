/**
 * The train-lifter job: trains or fine-tunes a 3D lifter on the user's mocap files (BVH, C3D,
 * TRC; training/lifter-data.ts), semi-supervised when pose tracks of the project come along as
 * unlabelled 2D (lifting/unlabeled-tracks.ts; back-projection with an assumed focal length),
 * scores it on the validation files (never trained on), exports the ONNX with the shipped model's
 * metadata and stores it in the project (trained_models, family 'lifter') with its training
 * weights, so a later run can fine-tune it.
 *
 * Main checked the files and settings before queueing (analysis/lifter-training.ts); the worker
 * reads the files again itself. Live metrics: { step, loss } (training MPJPE, mm) every few steps
 * and { step, epoch, valMpjpe } (validation MPJPE, mm, exact 2D, one view) after every epoch.
 * Resumable: the weights, optimizer and training state are checkpointed under the cache folder
 * (training/checkpoint.ts), and the job checkpoint names that folder and the step saved, so a
 * killed app resumes at the last saved step with the same batches. A user cancel deletes the
 * folder; nothing is stored unless the whole run finishes.
 */
import { rmSync } from 'node:fs';
import { KinemaError } from '../../../shared/errors';
import type { MetricsSummary } from '../../../shared/lifting/metrics';
import { H36M17_JOINTS } from '../../../shared/skeletons/h36m17';
import { encodeWeights, loadWeightsFile } from '../../training/checkpoint';
import { loadLifterDatasets, type HoldOut, type MocapFileRef } from '../../training/lifter-data';
import { unlabeledSegments, type UnlabeledVideo } from '../../lifting/unlabeled-tracks';
import { deserializeTrack, type SerializedTrack } from '../../vpd/crops-job';
import {
  appSemiSupervised,
  exportLifter,
  LIFTER_FPS,
  lifterOnnxMetadata,
  lifterTrainOptions,
  metricJson,
  trainAndEvaluateLifter,
  type LifterTrainingSettings,
} from '../../training/lifter-session';
import type { JobContext, JobRunner } from '../protocol';
import { resumableTraining, type TrainingCheckpoint, type TrainingRun } from './resumable-training';

export interface TrainLifterParams {
  name: string;
  replace: boolean;
  trainFiles: MocapFileRef[];
  validationFiles: MocapFileRef[];
  holdOut: HoldOut;
  settings: LifterTrainingSettings;
  /** Where the weights start: the shipped lifter's or a project lifter's training weights, or a fresh model. */
  init: 'shipped' | 'project' | 'none';
  /** The .klw file to start from, and the starting model's id (shipped id or `lifter:<name>`). */
  initWeightsPath: string | null;
  initModelId: string | null;
  /** Training steps in all (checked by main from the frame counts), for the progress bar. */
  totalSteps: number;
  /** Semi-supervised: pose tracks learnt from as 2D only (empty or absent: supervised). */
  unlabeled?: UnlabeledTrackParams[];
}

export interface UnlabeledTrackParams {
  runId: number;
  track: SerializedTrack;
  video: UnlabeledVideo;
}

export interface TrainLifterCheckpoint extends TrainingCheckpoint {
  /** Set with the stored model: a resume then only finishes up. */
  result?: TrainLifterResult;
}

export interface TrainLifterResult {
  modelId: number;
  name: string;
  steps: number;
  trainSeconds: number;
  samplesPerSecond: number;
  backend: string;
  resumedFromStep: number | null;
  trainFrames: number;
  validationFrames: number;
  /** Validation scores, exact 2D and with detector noise (mm; velocity mm/frame). */
  clean: Record<string, number>;
  noisy: Record<string, number>;
}

/** Validation views per sequence in the final scores. */
const EVAL_VIEWS = 2;

function perCategory(clean: MetricsSummary, noisy: MetricsSummary): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(clean.perGroup).map((c) => [
      c,
      { clean: metricJson(clean.perGroup[c]), noisy: metricJson(noisy.perGroup[c]) },
    ]),
  );
}

export const runTrainLifter: JobRunner<TrainLifterParams, TrainLifterCheckpoint, TrainLifterResult> =
  resumableTraining('lifter-train', train);

async function train(
  ctx: JobContext<TrainLifterParams, TrainLifterCheckpoint>,
  run: TrainingRun<TrainLifterCheckpoint>,
): Promise<TrainLifterResult> {
  const p = ctx.params;
  const dir = run.dir;
  if (ctx.checkpoint?.result) {
    rmSync(dir, { recursive: true, force: true });
    return ctx.checkpoint.result;
  }

  const files = p.trainFiles.length + p.validationFiles.length;
  ctx.progress({ phase: 'load', done: 0, total: files, message: 'Reading the mocap files' });
  const data = loadLifterDatasets(
    { train: p.trainFiles, validation: p.validationFiles, holdOut: p.holdOut },
    {
      fps: LIFTER_FPS,
      receptiveField: p.settings.receptiveField,
      signal: ctx.signal,
      onFile: (done, total) =>
        ctx.progress({ phase: 'load', done, total, message: `Read ${done} of ${total} files` }),
    },
  );
  const unlabeledTracks = (p.unlabeled ?? []).flatMap((u) =>
    unlabeledSegments(deserializeTrack(u.track), u.video, u.runId, LIFTER_FPS),
  );
  const options = {
    ...lifterTrainOptions(p.settings, p.totalSteps),
    semiSupervised: unlabeledTracks.length > 0 ? appSemiSupervised(p.settings.epochs) : null,
  };
  const initial = p.init !== 'none' && p.initWeightsPath ? loadWeightsFile(p.initWeightsPath).weights : null;
  ctx.progress({ phase: 'train', done: ctx.checkpoint?.step ?? 0, total: p.totalSteps, message: 'Starting' });
  const trained = await trainAndEvaluateLifter(
    { ...data, unlabeledTracks },
    options,
    {
      signal: ctx.signal,
      checkpointDir: dir,
      initialWeights: initial,
      progressEverySteps: Math.max(1, Math.min(10, Math.round(p.totalSteps / 200))),
      onProgress: (u) => {
        if (u.phase === 'train') {
          ctx.progress({
            phase: 'train',
            done: u.step,
            total: u.totalSteps,
            message: `epoch ${u.epoch + 1}/${u.epochs}, step ${u.step}/${u.totalSteps}, loss ${u.lossMm.toFixed(1)} mm, ${u.samplesPerSecond.toFixed(0)} samples/s`,
            metrics: { step: u.step, loss: u.lossMm },
          });
        } else if (u.phase === 'validate' && u.val) {
          ctx.progress({
            phase: 'train',
            done: u.step,
            total: u.totalSteps,
            message: `epoch ${u.epoch + 1}/${u.epochs}: validation MPJPE ${u.val.mpjpeMm.toFixed(1)} mm`,
            metrics: { step: u.step, epoch: u.epoch + 1, valMpjpe: u.val.mpjpeMm },
          });
        } else if (u.phase === 'checkpoint') {
          run.weightsSaved(u.step);
        }
      },
    },
    { views: EVAL_VIEWS, seed: p.settings.seed + 1000 },
  );
  await run.stepsRecorded();
  const { result, clean, noisy } = trained;
  if (!Number.isFinite(clean.overall.mpjpeMm))
    throw new KinemaError('TRAINING_FAILED', 'The trained lifter gave no finite validation error.');

  ctx.progress({ phase: 'export', done: 0, total: 1, message: 'Exporting to ONNX' });
  const source =
    p.init !== 'none' ? `fine-tuned from ${p.initModelId ?? 'a lifter'}` : 'trained from scratch';
  const metadata = lifterOnnxMetadata(
    LIFTER_FPS,
    options.sample.inputNormalization,
    `Kinema project model "${p.name}", ${source} on ${p.trainFiles.length} mocap files (${data.trainFrames} frames at ${LIFTER_FPS} fps), validated on ${data.holdOut === 'time' ? 'the last fifth of the take' : `${p.validationFiles.length} held-out files`}; receptive field ${p.settings.receptiveField}, ${p.settings.channels} channels, ${p.settings.epochs} epochs, seed ${p.settings.seed}`,
  );
  const { onnx, maxAbsDiff } = await exportLifter(result.weights, metadata, p.settings.seed);
  const metrics = {
    ...metricJson(clean.overall),
    noisy: metricJson(noisy.overall),
    perCategory: perCategory(clean, noisy),
    perJoint: Object.fromEntries(H36M17_JOINTS.map((j, i) => [j, metricJson(clean.perJoint[i])])),
    protocol: `${EVAL_VIEWS} seeded virtual cameras per validation take, test-time flip; noisy = detector-like 2D noise`,
    trainFrames: data.trainFrames,
    validationFrames: data.validationFrames,
    steps: result.steps,
    finalLossMm: result.history.at(-1)?.lossMm ?? NaN,
    trainSeconds: Number(result.trainSeconds.toFixed(1)),
    samplesPerSecond: Math.round(result.samplesPerSecond),
    onnxMaxAbsDiff: maxAbsDiff,
  };
  const params = {
    trainFiles: p.trainFiles.map((f) => f.path),
    validationFiles: p.validationFiles.map((f) => f.path),
    holdOut: p.holdOut,
    categories: [...new Set([...p.trainFiles, ...p.validationFiles].map((f) => f.category))].sort(),
    ...p.settings,
    init: p.init,
    initModel: p.initModelId,
    semiSupervised: options.semiSupervised
      ? {
          ...options.semiSupervised,
          tracks: (p.unlabeled ?? []).map((u) => ({
            runId: u.runId,
            trackId: u.track.trackId,
            video: u.video.name,
          })),
          segments: unlabeledTracks.length,
          frames: unlabeledTracks.reduce((a, t) => a + t.pointsPx.length / 34, 0),
        }
      : null,
    fps: LIFTER_FPS,
    inputNormalization: options.sample.inputNormalization,
    backend: result.backend.backend,
  };
  const summary = {
    name: p.name,
    steps: result.steps,
    trainSeconds: result.trainSeconds,
    samplesPerSecond: result.samplesPerSecond,
    backend: result.backend.backend,
    resumedFromStep: result.resumedFromStep,
    trainFrames: data.trainFrames,
    validationFrames: data.validationFrames,
    clean: metricJson(clean.overall),
    noisy: metricJson(noisy.overall),
  };
  // The model and a result land together, so a resume after this point never stores it twice
  // (a kill before the next commit leaves modelId 0 in the result).
  const { modelId } = await run.storeModel(
    {
      family: 'lifter',
      name: p.name,
      replace: p.replace,
      onnx,
      // Kept so training can go on from this model later (the ONNX is inference-only).
      weights: encodeWeights(result.weights, { name: p.name, source }),
      params,
      metrics,
    },
    { dir, step: result.steps, result: { modelId: 0, ...summary } },
    (id) => ({ dir, step: result.steps, modelId: id, result: { modelId: id, ...summary } }),
  );
  rmSync(dir, { recursive: true, force: true });
  ctx.progress({ phase: 'done', done: p.totalSteps, total: p.totalSteps, message: 'Trained' });
  return { modelId, ...summary };
}
