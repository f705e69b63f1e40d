/**
 * The train-tcc job: trains a TCC encoder (training/tcc) on clips of one motion, exports it to
 * ONNX, stores it in the project (trained_models, family 'tcc') and stores every training clip's
 * per-frame embeddings (frame_series, kind 'embedding', source `tcc:<name>`).
 *
 * The clips' poses travel in the parameters (workers never read the database); main checked them
 * before queueing (analysis/tcc.ts: prepareTccTraining). Resumable: the weights and optimizer are
 * checkpointed under the cache folder (training/tcc/checkpoint.ts), and the job checkpoint names
 * that folder and the step saved, so a killed app resumes at the last saved step with the same
 * batches. Once the model is stored, a resumed job only (re)computes the embeddings.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { datasetTau, poseFeatures2d, type Feature2dKind } from '../../../shared/alignment';
import type { TccLossName } from '../../../shared/contract-tcc';
import { KinemaError } from '../../../shared/errors';
import type { PoseTrack } from '../../../shared/pose';
import { getSkeleton, type SkeletonId } from '../../../shared/skeletons';
import { TccEmbedder } from '../../training/tcc/embed';
import { DEFAULT_TCC_TRAIN_OPTIONS, trainTcc, type TccClip } from '../../training/tcc/train';
import { abortError } from '../../training/evaluate';
import type { JobContext, JobRunner } from '../protocol';
import { resumableTraining, type TrainingCheckpoint, type TrainingRun } from './resumable-training';

export interface TrainTccClip {
  clipId: number;
  name: string;
  videoId: number;
  runId: number;
  trackId: number;
  inFrame: number;
  outFrame: number;
  /** Skeleton the poses were detected with (keypoints below are already in the job's skeleton). */
  sourceSkeletonId: SkeletonId;
  /** Fingerprint of the source poses (analysis/tcc.ts), so the Align view knows the series is current. */
  posesHash: string;
  frames: number[];
  /** frames × joints × 3 (x, y, score), in the job's skeleton. */
  keypoints: number[];
}

export interface TrainTccParams {
  name: string;
  /** The clips' common label ('' when trained on clips of several labels). */
  label: string;
  replace: boolean;
  steps: number;
  batchSize: number;
  framesPerSequence: number;
  loss: TccLossName;
  features: Feature2dKind[];
  skeletonId: SkeletonId;
  fps: number;
  clips: TrainTccClip[];
}

/** The folder also holds the exported ONNX. */
export interface TrainTccCheckpoint extends TrainingCheckpoint {
  metrics?: Record<string, number>;
}

export interface TrainTccResult {
  modelId: number;
  name: string;
  steps: number;
  finalLoss: number;
  cycleAccuracy: number;
  /** Mean nearest-neighbour Kendall's tau over ordered pairs of the training clips' embeddings. */
  alignTau: number | null;
  /** The same on the training-free input features, for comparison. */
  featuresAlignTau: number | null;
  series: number;
  trainSeconds: number;
  resumedFromStep: number | null;
}

/** Pairs of clips whose tau is computed at the end (the cost grows with the square of the count). */
const MAX_TAU_CLIPS = 16;

function trackOf(c: TrainTccClip, skeletonId: SkeletonId): PoseTrack {
  const n = c.frames.length;
  const k = getSkeleton(skeletonId).joints.length;
  if (c.keypoints.length !== n * k * 3)
    throw new KinemaError(
      'BAD_PARAMS',
      `Clip "${c.name}" has ${c.keypoints.length} keypoint values, not ${n} × ${k} × 3.`,
    );
  return {
    trackId: c.trackId,
    skeletonId,
    frames: Int32Array.from(c.frames),
    keypoints: Float32Array.from(c.keypoints),
    boxes: new Float32Array(n * 4),
    scores: new Float32Array(n).fill(1),
  };
}

function meanTau(sequences: Float32Array[], dim: number): number | null {
  if (sequences.length < 2 || sequences.length > MAX_TAU_CLIPS) return null;
  try {
    const t = datasetTau(sequences, dim);
    return Number.isFinite(t.mean) ? t.mean : null;
  } catch {
    return null;
  }
}

export const runTrainTcc: JobRunner<TrainTccParams, TrainTccCheckpoint, TrainTccResult> = resumableTraining(
  'tcc-train',
  train,
);

async function train(
  ctx: JobContext<TrainTccParams, TrainTccCheckpoint>,
  run: TrainingRun<TrainTccCheckpoint>,
): Promise<TrainTccResult> {
  const p = ctx.params;
  const dir = run.dir;
  const onnxPath = join(dir, 'encoder.onnx');
  const tracks = p.clips.map((c) => trackOf(c, p.skeletonId));
  const features = tracks.map((t) => poseFeatures2d(t, { kinds: p.features }));
  const dim = features[0].dim;
  const clips: TccClip[] = features.map((f, i) => ({ name: p.clips[i].name, features: f.values }));

  let checkpoint: TrainTccCheckpoint = ctx.checkpoint ?? { dir, step: 0 };

  let modelId = checkpoint.modelId;
  let metrics = checkpoint.metrics ?? {};
  let trainSeconds = 0;
  let resumedFromStep: number | null = null;
  // Stored already (a resume between the model and the series) unless the export went missing.
  const storeModel = modelId === undefined || !existsSync(onnxPath);
  if (storeModel) {
    ctx.progress({ phase: 'train', done: checkpoint.step, total: p.steps, message: 'Starting' });
    const trained = await trainTcc(
      clips,
      dim,
      {
        ...DEFAULT_TCC_TRAIN_OPTIONS,
        steps: p.steps,
        batchSize: p.batchSize,
        framesPerSequence: p.framesPerSequence,
        loss: p.loss,
        checkpointEverySteps: Math.max(10, Math.min(100, Math.round(p.steps / 10))),
      },
      {
        signal: ctx.signal,
        checkpointDir: dir,
        progressEverySteps: Math.max(1, Math.min(10, Math.round(p.steps / 50))),
        exportPath: onnxPath,
        exportInfo: { featureKinds: p.features, skeleton: p.skeletonId, fps: p.fps },
        onProgress: (u) => {
          if (u.phase === 'train') {
            ctx.progress({
              phase: 'train',
              done: u.step,
              total: u.totalSteps,
              message: `step ${u.step}/${u.totalSteps}, loss ${u.loss.toFixed(4)}, ${u.stepsPerSecond.toFixed(1)} steps/s`,
              metrics: { step: u.step, loss: u.loss, cycleAccuracy: u.cycleAccuracy },
            });
          } else if (u.phase === 'checkpoint') {
            run.weightsSaved(u.step);
          } else if (u.phase === 'export') {
            ctx.progress({
              phase: 'export',
              done: u.step,
              total: u.totalSteps,
              message: 'Exporting to ONNX',
            });
          }
        },
      },
    );
    await run.stepsRecorded();
    trainSeconds = trained.trainSeconds;
    resumedFromStep = trained.resumedFromStep;
    const last = trained.history.at(-1);
    metrics = {
      finalLoss: last?.loss ?? NaN,
      cycleAccuracy: last?.cycleAccuracy ?? NaN,
      steps: trained.steps,
      trainSeconds: trained.trainSeconds,
      onnxMaxAbsDiff: trained.onnx?.maxAbsDiff ?? NaN,
    };
  }

  const onnx = new Uint8Array(readFileSync(onnxPath));
  ctx.progress({ phase: 'embed', done: 0, total: p.clips.length, message: 'Embedding the clips' });
  const embedder = await TccEmbedder.load(onnx);
  const embeddings: { values: Float32Array; frames: Int32Array; dim: number }[] = [];
  try {
    for (const t of tracks) {
      if (ctx.signal.aborted) throw abortError();
      embeddings.push(await embedder.embedTrack(t));
    }
  } finally {
    await embedder.release();
  }

  if (storeModel) {
    const alignTau = meanTau(
      embeddings.map((e) => e.values),
      embeddings[0].dim,
    );
    const featuresAlignTau = meanTau(
      features.map((f) => f.values),
      dim,
    );
    metrics = {
      ...metrics,
      ...(alignTau !== null ? { alignTau } : {}),
      ...(featuresAlignTau !== null ? { featuresAlignTau } : {}),
    };
    ({ modelId, checkpoint } = await run.storeModel(
      {
        family: 'tcc',
        name: p.name,
        replace: p.replace || modelId !== undefined,
        onnx,
        params: {
          label: p.label,
          clipIds: p.clips.map((c) => c.clipId),
          steps: p.steps,
          batchSize: p.batchSize,
          framesPerSequence: p.framesPerSequence,
          loss: p.loss,
          features: p.features,
          skeleton: p.skeletonId,
          fps: p.fps,
          embeddingDim: embeddings[0].dim,
        },
        metrics,
      },
      { dir, step: p.steps, metrics },
      (id) => ({ dir, step: p.steps, modelId: id, metrics }),
    ));
  }

  if (modelId === undefined) throw new Error('train-tcc: the model was not stored');
  for (let i = 0; i < p.clips.length; i++) {
    const c = p.clips[i];
    const e = embeddings[i];
    await ctx.commit(
      {
        op: 'saveSeries',
        videoId: c.videoId,
        kind: 'embedding',
        source: `tcc:${p.name}`,
        modelId,
        runId: c.runId,
        trackId: c.trackId,
        clipId: c.clipId,
        firstFrame: e.frames[0],
        values: e.values,
        width: e.dim,
        params: { posesHash: c.posesHash, model: p.name, inFrame: c.inFrame, outFrame: c.outFrame },
      },
      checkpoint,
    );
    ctx.progress({ phase: 'embed', done: i + 1, total: p.clips.length, message: `Embedded ${c.name}` });
  }
  rmSync(dir, { recursive: true, force: true });
  ctx.progress({ phase: 'done', done: p.clips.length, total: p.clips.length, message: 'Trained' });
  return {
    modelId,
    name: p.name,
    steps: p.steps,
    finalLoss: metrics.finalLoss ?? NaN,
    cycleAccuracy: metrics.cycleAccuracy ?? NaN,
    alignTau: metrics.alignTau ?? null,
    featuresAlignTau: metrics.featuresAlignTau ?? null,
    series: p.clips.length,
    trainSeconds,
    resumedFromStep,
  };
}
