/**
 * `kinema train-lifter` (queues a train-lifter job and waits, printing the loss curve) and
 * `kinema eval-lifter` (scores the shipped or a project lifter on mocap files). Bad arguments and
 * files throw KinemaError, which the CLI prints as `kinema: error: <message>`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { DEFAULT_LIFTER } from '../../shared/contract-lift';
import { lifterTrainInputSchema, type LifterTrainInput } from '../../shared/contract-lifter-training';
import type { MetricSet } from '../../shared/lifting/metrics';
import { H36M17_JOINTS } from '../../shared/skeletons/h36m17';
import { prepareLifterTraining } from '../analysis/lifter-training';
import * as jobsDb from '../db/jobs';
import * as seriesDb from '../db/series';
import { listLifters } from '../inference/models';
import type { TrainLifterResult } from '../jobs/kinds/train-lifter';
import { collectMocapFiles, loadLifterDatasets } from '../training/lifter-data';
import { evaluateOnnxLifter } from '../training/lifter-eval';
import { LIFTER_FPS } from '../training/lifter-session';
import type { Workstation } from '../workstation';

function numberArg(value: string | undefined, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new KinemaError('BAD_ARGS', `--${name} must be a ${integer ? 'whole ' : ''}number, got "${value}"`);
  return n;
}

export interface TrainLifterArgs {
  name?: string;
  val?: string[];
  rf?: string;
  channels?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  seed?: string;
  noise?: boolean;
  'no-noise'?: boolean;
  init?: string;
  replace?: boolean;
  /** RUN or RUN:TRACK, repeatable: pose tracks learnt from as 2D only (semi-supervised). */
  unlabeled?: string[];
  json?: boolean;
}

/** `--unlabeled RUN[:TRACK]` values → the request's unlabeledTracks. */
function unlabeledArg(values: string[] | undefined): LifterTrainInput['unlabeledTracks'] {
  if (!values || values.length === 0) return undefined;
  return values.map((v) => {
    const m = /^(\d+)(?::(\d+))?$/.exec(v.trim());
    if (!m)
      throw new KinemaError(
        'BAD_ARGS',
        `--unlabeled takes RUN or RUN:TRACK (pose run and track ids), got "${v}"`,
      );
    return m[2] === undefined ? { runId: Number(m[1]) } : { runId: Number(m[1]), trackId: Number(m[2]) };
  });
}

/** The request `kinema train-lifter` sends, validated by the contract's schema. */
export function trainLifterInput(files: string[], a: TrainLifterArgs): LifterTrainInput {
  if (files.length === 0)
    throw new KinemaError('BAD_ARGS', 'name at least one BVH, C3D or TRC file or folder to train on');
  if (!a.name) throw new KinemaError('BAD_ARGS', '--name NAME is required: what the lifter is called');
  // --init shipped | none | the name of a lifter trained in the project (optionally lifter:<name>).
  const init = a.init === undefined || a.init === 'shipped' || a.init === 'none' ? a.init : 'project';
  const initLifter = init === 'project' ? a.init!.replace(/^lifter:/, '') : undefined;
  if (a.noise && a['no-noise']) throw new KinemaError('BAD_ARGS', 'give --noise or --no-noise, not both');
  const parsed = lifterTrainInputSchema.safeParse({
    name: a.name,
    files,
    validationFiles: a.val,
    receptiveField: numberArg(a.rf, 'rf', true),
    channels: numberArg(a.channels, 'channels', true),
    epochs: numberArg(a.epochs, 'epochs', true),
    batchSize: numberArg(a.batch, 'batch', true),
    learningRate: numberArg(a.lr, 'lr', false),
    seed: numberArg(a.seed, 'seed', true),
    noise: a['no-noise'] ? false : a.noise ? true : undefined,
    init,
    initLifter,
    replace: a.replace || undefined,
    unlabeledTracks: unlabeledArg(a.unlabeled),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag: Record<string, string> = {
      receptiveField: '--rf',
      batchSize: '--batch',
      learningRate: '--lr',
      validationFiles: '--val',
      name: '--name',
      initLifter: '--init',
      unlabeledTracks: '--unlabeled',
    };
    const key = String(issue.path[0] ?? '');
    throw new KinemaError('BAD_ARGS', `${flag[key] ?? `--${key}`}: ${issue.message}`);
  }
  return parsed.data;
}

/** Checks, queues and waits for a train-lifter job, printing the loss and validation curve. */
export async function trainLifterCommand(ws: Workstation, files: string[], a: TrainLifterArgs): Promise<Job> {
  const input = trainLifterInput(files, a);
  const { params, title, trainFrames, validationFrames, unlabeledFrames, unlabeledSegments } =
    prepareLifterTraining(ws.db, input, ws.cacheDir);
  const job = ws.enqueueJob('train-lifter', title, params);
  const s = params.settings;
  const held =
    params.holdOut === 'time'
      ? 'validating on the last fifth of the take'
      : `validating on ${params.validationFiles.length} ${params.holdOut === 'user' ? 'given' : 'held-out'} file(s) (${validationFrames} frames)`;
  process.stderr.write(
    `[job ${job.id}] ${title}: ${params.trainFiles.length} file(s), ${trainFrames} frames at ${LIFTER_FPS} fps, ${held}; receptive field ${s.receptiveField}, ${s.channels} channels, ${s.epochs} epochs of ${params.totalSteps / s.epochs} steps, batch ${s.batchSize}, lr ${s.learningRate}, noise ${s.noise ? 'on' : 'off'}${params.init !== 'none' ? `, from ${params.initModelId}` : ''}${unlabeledSegments > 0 ? `; semi-supervised with ${unlabeledFrames} unlabelled frames (${unlabeledSegments} stretch(es) of ${params.unlabeled?.length} track(s))` : ''}\n`,
  );
  let lastPhase = '';
  const offJob = ws.on('job.updated', (j) => {
    if (j.id !== job.id || j.phase === lastPhase) return;
    lastPhase = j.phase;
    process.stderr.write(`[job ${j.id}] ${j.state} ${j.phase}${j.message ? `: ${j.message}` : ''}\n`);
  });
  const every = Math.max(1, Math.round(params.totalSteps / 20));
  let lastPrinted = -every;
  const offMetrics = ws.on('job.metrics', ({ jobId, point }) => {
    if (jobId !== job.id) return;
    if (point.valMpjpe !== undefined) {
      process.stderr.write(
        `[job ${jobId}] epoch ${point.epoch}/${s.epochs}  validation MPJPE ${point.valMpjpe.toFixed(1)} mm\n`,
      );
    } else if (
      point.loss !== undefined &&
      (point.step - lastPrinted >= every || point.step === params.totalSteps)
    ) {
      lastPrinted = point.step;
      process.stderr.write(
        `[job ${jobId}] step ${point.step}/${params.totalSteps}  loss ${point.loss.toFixed(1)} mm\n`,
      );
    }
  });
  await ws.whenIdle();
  offJob();
  offMetrics();
  const done = jobsDb.getJob(ws.db, job.id);
  if (done.state === 'done') {
    const r = done.result as TrainLifterResult;
    console.log(
      a.json
        ? JSON.stringify(r)
        : `Trained lifter "${r.name}" (id ${r.modelId}): ${r.steps} steps in ${r.trainSeconds.toFixed(1)} s (${r.samplesPerSecond.toFixed(0)} samples/s, ${r.backend}); validation (${r.validationFrames} frames) MPJPE ${r.clean.mpjpeMm} mm, P-MPJPE ${r.clean.pMpjpeMm} mm, N-MPJPE ${r.clean.nMpjpeMm} mm; with detector noise MPJPE ${r.noisy.mpjpeMm} mm`,
    );
  }
  return done;
}

export interface EvalLifterArgs {
  lifter?: string;
  noise?: boolean;
  views?: string;
  json?: boolean;
}

/** Where the named lifter's ONNX is: a shipped one (file) or a project one (bytes, written to a temp file). */
function resolveLifter(
  ws: Workstation | null,
  name: string,
): { path: string; label: string; cleanup: () => void } {
  const shipped = listLifters();
  const wanted = name === 'shipped' ? DEFAULT_LIFTER : name;
  const entry = shipped.find((l) => l.id === wanted);
  if (entry) return { path: entry.path, label: entry.id, cleanup: () => undefined };
  if (!ws)
    throw new KinemaError(
      'BAD_ARGS',
      `"${name}" is not a shipped lifter (${shipped.map((l) => l.id).join(', ')}); a project lifter needs --project FILE.kinema`,
    );
  const model = seriesDb.findTrainedModel(ws.db, 'lifter', name);
  const dir = mkdtempSync(join(tmpdir(), 'kinema-lifter-'));
  const path = join(dir, `${model.name}.onnx`);
  writeFileSync(path, model.onnx);
  return {
    path,
    label: `project lifter "${model.name}"`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');

function table(title: string, rows: [string, MetricSet][]): string {
  const w = Math.max(title.length, ...rows.map((r) => r[0].length));
  const head = `${title.padEnd(w)}  ${'frames'.padStart(7)}  ${'MPJPE'.padStart(7)}  ${'P-MPJPE'.padStart(7)}  ${'N-MPJPE'.padStart(7)}  ${'vel'.padStart(6)}`;
  const lines = rows.map(
    ([k, m]) =>
      `${k.padEnd(w)}  ${String(m.frames).padStart(7)}  ${f1(m.mpjpeMm).padStart(7)}  ${f1(m.pMpjpeMm).padStart(7)}  ${f1(m.nMpjpeMm).padStart(7)}  ${f2(m.velocityMmPerFrame).padStart(6)}`,
  );
  return [head, ...lines].join('\n');
}

/** Scores a lifter on mocap files and prints the metrics overall, per action and per joint. */
export async function evalLifterCommand(
  ws: Workstation | null,
  files: string[],
  a: EvalLifterArgs,
): Promise<void> {
  if (files.length === 0)
    throw new KinemaError('BAD_ARGS', 'name at least one BVH, C3D or TRC file or folder to evaluate on');
  const views = numberArg(a.views, 'views', true) ?? 2;
  if (views < 1 || views > 16) throw new KinemaError('BAD_ARGS', `--views must be 1 to 16, got ${views}`);
  const refs = collectMocapFiles(files, 'evaluation');
  const lifter = resolveLifter(ws, a.lifter ?? 'shipped');
  try {
    // Every file is scored: the whole list is the "validation" side, shortest length 2 frames.
    const data = loadLifterDatasets(
      { train: [], validation: refs, holdOut: 'user' },
      { fps: LIFTER_FPS, receptiveField: 1 },
    );
    const t0 = performance.now();
    const r = await evaluateOnnxLifter(lifter.path, data.validation, {
      views,
      seed: 1001,
      noise: a.noise ?? false,
    });
    const seconds = (performance.now() - t0) / 1000;
    const s = r.summary;
    if (a.json) {
      console.log(
        JSON.stringify({
          lifter: lifter.label,
          receptiveField: r.receptiveField,
          files: refs.length,
          views,
          noise: r.noise,
          overall: s.overall,
          perCategory: s.perGroup,
          perJoint: Object.fromEntries(H36M17_JOINTS.map((j, i) => [j, s.perJoint[i]])),
        }),
      );
      return;
    }
    console.log(
      `Lifter ${lifter.label} (receptive field ${r.receptiveField}) on ${refs.length} file(s), ${data.validationFrames} frames at ${LIFTER_FPS} fps × ${views} virtual cameras, ${r.noise ? 'detector-like 2D noise' : 'exact 2D'}, test-time flip (${seconds.toFixed(1)} s). Millimetres; vel = velocity error, mm/frame; frames counted once per view.`,
    );
    console.log(
      `MPJPE ${f1(s.overall.mpjpeMm)} mm  P-MPJPE ${f1(s.overall.pMpjpeMm)} mm  N-MPJPE ${f1(s.overall.nMpjpeMm)} mm  velocity ${f2(s.overall.velocityMmPerFrame)} mm/frame`,
    );
    console.log('');
    console.log(table('action', Object.entries(s.perGroup)));
    console.log('');
    console.log(
      table(
        'joint',
        H36M17_JOINTS.map((j, i) => [j, s.perJoint[i]] as [string, MetricSet]),
      ),
    );
  } finally {
    lifter.cleanup();
  }
}
