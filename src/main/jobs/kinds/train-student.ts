/**
 * The train-student job: distils a teacher's per-frame pose embeddings (stored series, e.g. VIPE*)
 * into a VPD student (training/student) over the athlete's crops + optical flow of chosen videos,
 * exports it to ONNX (checked against TF.js), stores it (trained_models, family 'student') and
 * stores the student's embeddings of every training track (frame_series, kind 'embedding', source
 * `student:<name>`, laid out like the teacher's).
 *
 * Phases: 'crops' (decode each video once, cut 64-px crops + flow, kept in the job's folder under
 * the cache so a resume does not decode again), 'train' (metrics {step, loss, valCosine} — loss is
 * 1 − cosine to the teacher, valCosine the mean cosine on held-out frame blocks), 'export', 'embed'.
 * Resumable: the job checkpoint names its folder and the last saved step (weights + Adam there).
 *
 * The kind 'student-embed' applies a stored student to one track (`runStudentEmbed`).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../../shared/errors';
import {
  collectStudentFrames,
  FLOW_SCALE_PX,
  type StudentFrames,
  type StudentInputSpec,
} from '../../training/student/data';
import { buildStudentDataset, DEFAULT_SPLIT, loadFrames, saveFrames } from '../../training/student/dataset';
import { StudentEmbedder } from '../../training/student/embed';
import { exportStudentOnnx } from '../../training/student/export-onnx';
import { DEFAULT_STUDENT_TRAIN_OPTIONS, trainStudent } from '../../training/student/train';
import { abortError } from '../../training/evaluate';
import { deserializeTrack, type SerializedTrack } from '../../vpd/crops-job';
import type { JobContext, JobRunner } from '../protocol';
import { resumableTraining, type TrainingCheckpoint, type TrainingRun } from './resumable-training';

/** One video's track and its teacher series, as params carry them (checked by main). */
export interface StudentVideo {
  videoId: number;
  fileName: string;
  path: string;
  video: { width: number; height: number; fps: number };
  /** cropSeekTime of max(0, first crop frame − 1). */
  seekS: number;
  runId: number;
  track: SerializedTrack;
  /** Half-open range of the series / crops. */
  inFrame: number;
  outFrame: number;
}

export interface TeacherSeriesParams {
  firstFrame: number;
  dim: number;
  /** Float32 little-endian bytes, base64 (NaN rows where the teacher has no pose). */
  values: string;
}

export interface TrainStudentParams {
  name: string;
  replace: boolean;
  teacher: string;
  steps: number;
  batchSize: number;
  spec: StudentInputSpec;
  videos: (StudentVideo & { teacherSeries: TeacherSeriesParams })[];
}

export interface TrainStudentCheckpoint extends TrainingCheckpoint {
  metrics?: Record<string, number>;
}

export interface TrainStudentResult {
  modelId: number;
  name: string;
  steps: number;
  finalLoss: number;
  valCosine: number;
  trainFrames: number;
  heldOutFrames: number;
  series: number;
  trainSeconds: number;
  resumedFromStep: number | null;
}

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Cuts (or reloads from `dir`) the frames of every video, reporting progress over all of them. */
async function framesOf(
  ctx: JobContext<unknown, unknown>,
  videos: readonly StudentVideo[],
  spec: StudentInputSpec,
  dir: string | null,
): Promise<StudentFrames[]> {
  const total = videos.reduce((s, v) => s + (v.outFrame - v.inFrame), 0);
  let before = 0;
  const out: StudentFrames[] = [];
  for (const [i, v] of videos.entries()) {
    let f = dir ? loadFrames(dir, i) : null;
    if (!f || JSON.stringify(f.spec) !== JSON.stringify(spec)) {
      ctx.progress({ phase: 'crops', done: before, total, message: `Cutting crops of ${v.fileName}` });
      f = await collectStudentFrames({
        path: v.path,
        video: v.video,
        track: deserializeTrack(v.track),
        inFrame: v.inFrame,
        outFrame: v.outFrame,
        spec,
        seekS: v.seekS,
        signal: ctx.signal,
        onProgress: (done) =>
          ctx.progress({
            phase: 'crops',
            done: before + done,
            total,
            message: `Crops + flow of ${v.fileName}`,
          }),
      });
      if (dir) saveFrames(dir, i, f);
    }
    out.push(f);
    before += v.outFrame - v.inFrame;
  }
  return out;
}

export const runTrainStudent: JobRunner<TrainStudentParams, TrainStudentCheckpoint, TrainStudentResult> =
  resumableTraining('student-train', train);

async function train(
  ctx: JobContext<TrainStudentParams, TrainStudentCheckpoint>,
  run: TrainingRun<TrainStudentCheckpoint>,
): Promise<TrainStudentResult> {
  const p = ctx.params;
  const dir = run.dir;
  mkdirSync(dir, { recursive: true });
  let checkpoint: TrainStudentCheckpoint = ctx.checkpoint ?? { dir, step: 0 };
  const frames = await framesOf(ctx as JobContext<unknown, unknown>, p.videos, p.spec, dir);
  const dataset = buildStudentDataset(
    p.videos.map((v, i) => ({
      name: v.fileName,
      frames: frames[i],
      teacher: {
        firstFrame: v.teacherSeries.firstFrame,
        dim: v.teacherSeries.dim,
        values: decodeFloat32(v.teacherSeries.values),
      },
    })),
    DEFAULT_SPLIT,
  );
  const onnxPath = join(dir, 'student.onnx');
  let modelId = checkpoint.modelId;
  let metrics = checkpoint.metrics ?? {};
  let trainSeconds = 0;
  let resumedFromStep: number | null = null;
  let onnx: Uint8Array;
  if (modelId === undefined || !existsSync(onnxPath)) {
    ctx.progress({ phase: 'train', done: checkpoint.step, total: p.steps, message: 'Starting' });
    const trained = await trainStudent(
      dataset,
      {
        ...DEFAULT_STUDENT_TRAIN_OPTIONS,
        steps: p.steps,
        batchSize: p.batchSize,
        checkpointEverySteps: Math.max(10, Math.min(200, Math.round(p.steps / 10))),
        evalEverySteps: Math.max(5, Math.min(100, Math.round(p.steps / 20))),
      },
      {
        signal: ctx.signal,
        checkpointDir: dir,
        progressEverySteps: Math.max(1, Math.min(10, Math.round(p.steps / 50))),
        onProgress: (u) => {
          if (u.phase === 'train') {
            ctx.progress({
              phase: 'train',
              done: u.step,
              total: u.totalSteps,
              message: `step ${u.step}/${u.totalSteps}, loss ${u.loss.toFixed(4)}${u.valCosine !== undefined ? `, held-out cosine ${u.valCosine.toFixed(3)}` : ''}, ${u.stepsPerSecond.toFixed(1)} steps/s`,
              metrics: {
                step: u.step,
                loss: u.loss,
                ...(u.valCosine !== undefined ? { valCosine: u.valCosine } : {}),
              },
            });
          } else if (u.phase === 'checkpoint') {
            run.weightsSaved(u.step);
          }
        },
      },
    );
    await run.stepsRecorded();
    trainSeconds = trained.trainSeconds;
    resumedFromStep = trained.resumedFromStep;
    ctx.progress({ phase: 'export', done: p.steps, total: p.steps, message: 'Exporting to ONNX' });
    const exported = await exportStudentOnnx(
      trained.weights,
      { appearance: p.spec.appearance, mask: p.spec.mask, flowScale: FLOW_SCALE_PX, teacher: p.teacher },
      { steps: String(trained.steps), videos: String(p.videos.length) },
    );
    onnx = exported.onnx;
    metrics = {
      finalLoss: trained.history.at(-1)?.loss ?? NaN,
      valCosine: trained.valCosine,
      trainFrames: dataset.train.length,
      heldOutFrames: dataset.validation.length,
      steps: trained.steps,
      trainSeconds: trained.trainSeconds,
      onnxMaxAbsDiff: exported.maxAbsDiff,
    };
    ({ modelId, checkpoint } = await run.storeModel(
      {
        family: 'student',
        name: p.name,
        replace: p.replace || modelId !== undefined,
        onnx,
        params: {
          teacher: p.teacher,
          videoIds: p.videos.map((v) => v.videoId),
          steps: p.steps,
          batchSize: p.batchSize,
          ...p.spec,
          embeddingDim: dataset.dim,
          loss: 'cosine',
          split: 'frame blocks of 60, every 5th held out, 8-frame guard',
        },
        metrics,
      },
      { dir, step: p.steps, metrics },
      (id) => ({ dir, step: p.steps, modelId: id, metrics }),
    ));
  } else onnx = new Uint8Array(readFileSync(onnxPath));

  ctx.progress({ phase: 'embed', done: 0, total: p.videos.length, message: 'Embedding the videos' });
  const embedder = await StudentEmbedder.load(onnx);
  try {
    for (const [i, v] of p.videos.entries()) {
      if (ctx.signal.aborted) throw abortError();
      const e = await embedder.embedSeries(frames[i]);
      await ctx.commit(
        {
          op: 'saveSeries',
          videoId: v.videoId,
          kind: 'embedding',
          source: `student:${p.name}`,
          modelId,
          runId: v.runId,
          trackId: v.track.trackId,
          firstFrame: e.firstFrame,
          values: e.values,
          width: e.dim,
          params: { model: p.name, teacher: p.teacher, inFrame: v.inFrame, outFrame: v.outFrame },
        },
        checkpoint,
      );
      ctx.progress({
        phase: 'embed',
        done: i + 1,
        total: p.videos.length,
        message: `Embedded ${v.fileName}`,
      });
    }
  } finally {
    await embedder.release();
  }
  rmSync(dir, { recursive: true, force: true });
  ctx.progress({ phase: 'done', done: p.videos.length, total: p.videos.length, message: 'Trained' });
  return {
    modelId,
    name: p.name,
    steps: p.steps,
    finalLoss: metrics.finalLoss ?? NaN,
    valCosine: metrics.valCosine ?? NaN,
    trainFrames: metrics.trainFrames ?? dataset.train.length,
    heldOutFrames: metrics.heldOutFrames ?? dataset.validation.length,
    series: p.videos.length,
    trainSeconds,
    resumedFromStep,
  };
}

// ---------------------------------------------------------------------------------------------

export interface StudentEmbedParams extends StudentVideo {
  modelId: number;
  modelName: string;
  /** The student's ONNX, written by main under the cache folder. */
  onnxPath: string;
}

export interface StudentEmbedResult {
  source: string;
  frames: number;
  firstFrame: number;
  dim: number;
}

/** The 'student-embed' job: a stored student's embeddings of one track, stored as a series. */
export const runStudentEmbed: JobRunner<StudentEmbedParams, null, StudentEmbedResult> = async (ctx) => {
  const p = ctx.params;
  if (!existsSync(p.onnxPath))
    throw new KinemaError(
      'NOT_FOUND',
      `The student's model file ${p.onnxPath} is gone; start the job again.`,
    );
  const embedder = await StudentEmbedder.load(
    new Uint8Array(readFileSync(p.onnxPath)),
    1,
    `Student "${p.modelName}"`,
  );
  try {
    const [frames] = await framesOf(ctx as JobContext<unknown, unknown>, [p], embedder.spec, null);
    ctx.progress({ phase: 'embed', done: 0, total: 1, message: 'Embedding' });
    const e = await embedder.embedSeries(frames);
    const source = `student:${p.modelName}`;
    await ctx.commit(
      {
        op: 'saveSeries',
        videoId: p.videoId,
        kind: 'embedding',
        source,
        modelId: p.modelId,
        runId: p.runId,
        trackId: p.track.trackId,
        firstFrame: e.firstFrame,
        values: e.values,
        width: e.dim,
        params: { model: p.modelName, inFrame: p.inFrame, outFrame: p.outFrame },
      },
      null,
    );
    ctx.progress({ phase: 'done', done: 1, total: 1, message: `${frames.frames.length} frames embedded` });
    return { source, frames: frames.frames.length, firstFrame: e.firstFrame, dim: e.dim };
  } finally {
    await embedder.release();
  }
};
