/**
 * One VIPE* training run from a mocap folder, shared by scripts/train-vipe.ts (which ships
 * native-models/vipe.onnx) and `kinema train-vipe` (which can store the model in a project,
 * trained_models family 'vipe'): load the CMU takes split by subject (data.ts), train on the
 * training subjects only (train.ts, resumable from `checkpointDir`), export to ONNX checked against
 * TF.js, then measure cross-view retrieval on the validation subjects (evaluate.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { describeBackend } from '../tf-backend';
import { loadVipeMocap, type VipeMocap } from './data';
import { crossViewRetrieval, DEFAULT_RETRIEVAL, type ViewRetrieval } from './evaluate';
import { DEFAULT_VIPE_OPTIONS, trainVipe, type VipeProgress, type VipeTrainOptions } from './train';

export interface VipeRunRequest {
  /** The folder of CMU BVH takes (clips.csv beside it), e.g. ../shared/data/mocap/cmu-bvh. */
  mocapFolder: string;
  /** Where the ONNX model is written. */
  out: string;
  options?: Partial<VipeTrainOptions>;
  /** Keep/resume checkpoints here; a run starts afresh unless `resume`. */
  checkpointDir: string;
  resume?: boolean;
  /** Measure cross-view retrieval on the validation subjects afterwards (default true). */
  evaluate?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onProgress?: (p: VipeProgress) => void;
}

export interface VipeRunReport {
  data: {
    folder: string;
    fps: number;
    trainingTakes: number;
    trainingFrames: number;
    trainingSubjects: string[];
    validationTakes: number;
    validationSubjects: string[];
    skipped: VipeMocap['skipped'];
  };
  options: VipeTrainOptions;
  training: {
    steps: number;
    seconds: number;
    backend: string;
    firstLoss: number;
    finalLoss: number;
    finalInBatchTop1: number;
  };
  onnx: { path: string; sha256: string; bytes: number; maxAbsDiffVsTfjs: number };
  /** Cross-view retrieval on the validation subjects (null when not evaluated or none). */
  retrieval: { frames: number; views: ViewRetrieval[] } | null;
}

export async function runVipeTraining(r: VipeRunRequest): Promise<VipeRunReport> {
  const log = r.log ?? (() => undefined);
  const options: VipeTrainOptions = { ...DEFAULT_VIPE_OPTIONS, ...r.options };
  const data = loadVipeMocap(r.mocapFolder, { signal: r.signal });
  const frames = data.training.reduce((s, t) => s + t.frames, 0);
  const subjects = (takes: readonly { subject: string }[]) =>
    [...new Set(takes.map((t) => t.subject))].sort();
  log(
    `VIPE*: ${data.training.length} training takes (subjects ${subjects(data.training).join(' ')}; ${frames} frames at ${data.fps} fps), ${data.validation.length} validation takes (subjects ${subjects(data.validation).join(' ')})${data.skipped.length ? `; left out: ${data.skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}` : ''}`,
  );
  log(
    `Training ${options.steps} steps of ${options.windows * options.perWindow} two-view pairs, τ ${options.temperature}, MLP 34 → ${options.hidden} ×3 → ${options.embeddingDim}${options.context ? `, temporal context ±${options.context}×${options.contextStride} frames` : ''}, seed ${options.seed}`,
  );
  if (!r.resume) rmSync(r.checkpointDir, { recursive: true, force: true });
  const trained = await trainVipe(data.training, options, {
    checkpointDir: r.checkpointDir,
    exportPath: r.out,
    signal: r.signal,
    progressEverySteps: Math.max(1, Math.min(250, Math.round(options.steps / 20))),
    onProgress: r.onProgress,
  });
  const bytes = readFileSync(r.out);
  const h = trained.history;
  const report: VipeRunReport = {
    data: {
      folder: data.folder,
      fps: data.fps,
      trainingTakes: data.training.length,
      trainingFrames: frames,
      trainingSubjects: subjects(data.training),
      validationTakes: data.validation.length,
      validationSubjects: subjects(data.validation),
      skipped: data.skipped,
    },
    options,
    training: {
      steps: trained.steps,
      seconds: Math.round(trained.trainSeconds * 10) / 10,
      backend: describeBackend(trained.backend),
      firstLoss: h[0]?.loss ?? NaN,
      finalLoss: h.at(-1)?.loss ?? NaN,
      finalInBatchTop1: h.at(-1)?.top1 ?? NaN,
    },
    onnx: {
      path: r.out,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      maxAbsDiffVsTfjs: trained.onnx!.maxAbsDiff,
    },
    retrieval: null,
  };
  log(
    `Trained in ${report.training.seconds} s (${report.training.backend}): loss ${report.training.firstLoss.toFixed(3)} → ${report.training.finalLoss.toFixed(3)}, in-batch top-1 ${(100 * report.training.finalInBatchTop1).toFixed(1)} %; ONNX vs TF.js ${report.onnx.maxAbsDiffVsTfjs.toExponential(1)}`,
  );
  if ((r.evaluate ?? true) && data.validation.length) {
    report.retrieval = await crossViewRetrieval(bytes, data.validation, DEFAULT_RETRIEVAL);
    for (const v of report.retrieval.views)
      log(
        `Cross-view retrieval at ${v.viewDeg}° (${report.retrieval.frames} validation frames): same pose top-1 ${(100 * v.vipe.samePoseTop1).toFixed(1)} % (raw keypoints ${(100 * v.rawKeypoints.samePoseTop1).toFixed(1)} %), exact top-10 ${(100 * v.vipe.exactTop10).toFixed(1)} % (raw ${(100 * v.rawKeypoints.exactTop10).toFixed(1)} %)`,
      );
  }
  return report;
}
