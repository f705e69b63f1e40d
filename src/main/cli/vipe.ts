/**
 * `kinema train-vipe` (issue 8): trains a VIPE* pose embedding on a CMU mocap folder (training
 * subjects only) with the code scripts/train-vipe.ts ships the default with
 * (training/vipe/run.ts), writes the ONNX (--out) and/or stores it in a project under a name
 * (trained_models family 'vipe'), so `kinema embed --model NAME` and the embed job can use it.
 * Bad arguments throw KinemaError, which the CLI prints as `kinema: error: <message>`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { KinemaError } from '../../shared/contract';
import { SHIPPED_VIPE } from '../../shared/contract-embed';
import { trainedModelNameSchema } from '../../shared/series';
import * as seriesDb from '../db/series';
import { runVipeTraining } from '../training/vipe/run';
import type { VipeTrainOptions } from '../training/vipe/train';
import type { Workstation } from '../workstation';

export interface TrainVipeArgs {
  mocap?: string;
  steps?: string;
  seed?: string;
  context?: string;
  out?: string;
  name?: string;
  project?: string;
  replace?: boolean;
  resume?: boolean;
  json?: boolean;
}

export const DEFAULT_MOCAP_FOLDER = join('..', 'shared', 'data', 'mocap', 'cmu-bvh');

/** The checked arguments; thrown before anything is opened or trained. */
export function trainVipeRequest(a: TrainVipeArgs): {
  mocapFolder: string;
  out: string | null;
  name: string | null;
  options: Partial<VipeTrainOptions>;
} {
  const whole = (v: string | undefined, flag: string, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new KinemaError('BAD_ARGS', `--${flag} must be a whole number ≥ ${min}, got "${v}"`);
    return n;
  };
  const options: Partial<VipeTrainOptions> = {};
  const steps = whole(a.steps, 'steps', 1);
  if (steps !== undefined) options.steps = steps;
  const seed = whole(a.seed, 'seed', 0);
  if (seed !== undefined) options.seed = seed;
  if (a.context !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(a.context);
    if (!m || Number(m[1]) > 16 || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 16)))
      throw new KinemaError(
        'BAD_ARGS',
        `--context must be K or K:S (K frames each side, S frames apart; K ≤ 16, 1 ≤ S ≤ 16), got "${a.context}"`,
      );
    options.context = Number(m[1]);
    options.contextStride = m[2] !== undefined ? Number(m[2]) : 2;
  }
  const out = a.out !== undefined ? resolve(a.out) : null;
  if (out && extname(out).toLowerCase() !== '.onnx')
    throw new KinemaError('BAD_ARGS', `--out must end in .onnx, got "${a.out}"`);
  let name: string | null = null;
  if (a.name !== undefined) {
    const parsed = trainedModelNameSchema.safeParse(a.name);
    if (!parsed.success) throw new KinemaError('BAD_ARGS', `--name: ${parsed.error.issues[0].message}`);
    name = parsed.data;
    if (name === SHIPPED_VIPE)
      throw new KinemaError(
        'BAD_ARGS',
        `--name "${SHIPPED_VIPE}" is the shipped model's; choose another name`,
      );
    if (!a.project)
      throw new KinemaError('BAD_ARGS', '--name stores the model in a project: give --project FILE.kinema');
  }
  if (!out && !name)
    throw new KinemaError('BAD_ARGS', 'give --out FILE.onnx, or --name NAME --project FILE.kinema (or both)');
  const mocapFolder = resolve(a.mocap ?? DEFAULT_MOCAP_FOLDER);
  if (!existsSync(mocapFolder))
    throw new KinemaError(
      'NO_DATA',
      `Mocap folder not found: ${mocapFolder}${a.mocap ? '' : ' (the default; give --mocap DIR, a folder of CMU BVH takes with clips.csv beside it)'}`,
    );
  return { mocapFolder, out, name, options };
}

/** Trains; stores the model in `ws`'s project when named. Prints progress to stderr, the result to stdout. */
export async function trainVipeCommand(
  a: TrainVipeArgs,
  ws: Workstation | null,
  cacheDir: string,
): Promise<void> {
  const req = trainVipeRequest(a);
  if (
    req.name &&
    ws &&
    seriesDb.listTrainedModels(ws.db, 'vipe').some((m) => m.name === req.name) &&
    !a.replace
  )
    throw new KinemaError(
      'EXISTS',
      `A VIPE* model named "${req.name}" already exists: choose another name or add --replace.`,
    );
  const scratch = req.out ? null : mkdtempSync(join(tmpdir(), 'kinema-vipe-'));
  const out = req.out ?? join(scratch!, 'vipe.onnx');
  try {
    const report = await runVipeTraining({
      mocapFolder: req.mocapFolder,
      out,
      options: req.options,
      checkpointDir: join(cacheDir, 'vipe-training', req.name ?? 'default'),
      resume: a.resume ?? false,
      log: (line) => process.stderr.write(`${line}\n`),
      onProgress: (p) =>
        process.stderr.write(
          `  step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(3)}  in-batch top-1 ${(100 * p.top1).toFixed(1)} %  (${p.stepsPerSecond.toFixed(1)} steps/s)\n`,
        ),
    });
    let modelId: number | null = null;
    if (req.name && ws) {
      modelId = seriesDb.saveTrainedModel(
        ws.db,
        {
          family: 'vipe',
          name: req.name,
          onnx: new Uint8Array(readFileSync(out)),
          params: { ...report.options, data: report.data },
          metrics: { training: report.training, onnx: report.onnx, retrieval: report.retrieval },
        },
        a.replace ?? false,
      );
    }
    const at90 = report.retrieval?.views.find((v) => v.viewDeg === 90);
    console.log(
      a.json
        ? JSON.stringify({
            ...report,
            ...(req.out ? {} : { onnx: { ...report.onnx, path: null } }),
            modelId,
            name: req.name,
          })
        : `Trained VIPE* (${report.training.steps} steps, ${report.training.seconds} s): loss ${report.training.finalLoss.toFixed(3)}, ONNX vs TF.js ${report.onnx.maxAbsDiffVsTfjs.toExponential(1)}` +
            (at90
              ? `; same-pose top-1 at 90° on the validation subjects ${(100 * at90.vipe.samePoseTop1).toFixed(1)} % (raw keypoints ${(100 * at90.rawKeypoints.samePoseTop1).toFixed(1)} %)`
              : '') +
            (req.out ? `; wrote ${req.out}` : '') +
            (modelId !== null
              ? `; stored as "${req.name}" (id ${modelId}): kinema embed <video> --model ${req.name}`
              : ''),
    );
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
