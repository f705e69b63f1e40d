/**
 * `kinema train-tcc` and `kinema tau` (issue 6). Bad arguments throw KinemaError, which the CLI
 * prints as `kinema: error: <message>`.
 */
import type { Clip, Job } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { tccLossSchema, tccModelName, type TccLossName } from '../../shared/contract-tcc';
import type { Feature2dKind } from '../../shared/alignment';
import { LIFTED_FEATURE } from '../analysis/lifted-features';
import { clipsWithLabel, clipTau, prepareTccTraining, type TauFeatures } from '../analysis/tcc';
import * as clipsDb from '../db/clips';
import * as jobsDb from '../db/jobs';
import type { TrainTccResult } from '../jobs/kinds/train-tcc';
import type { Workstation } from '../workstation';

const FEATURE_KINDS = ['keypoints', 'bones', 'angles'] as const;

/** `--features bones,angles`, `--features lifted3d` or `--features tcc:<model>` (the last two only where `trained`). */
export function parseFeatures(value: string | undefined, trained: boolean): TauFeatures | undefined {
  if (value === undefined) return undefined;
  if (value === LIFTED_FEATURE) {
    if (!trained)
      throw new KinemaError('BAD_ARGS', `--features ${value}: a TCC model trains on 2D pose features.`);
    return [LIFTED_FEATURE] as const;
  }
  if (tccModelName(value) !== null) {
    if (!trained)
      throw new KinemaError(
        'BAD_ARGS',
        `--features ${value}: a TCC model cannot be trained on another model's embeddings; use ${FEATURE_KINDS.join(', ')}.`,
      );
    if (!/^tcc:[\w.-]{1,80}$/.test(value))
      throw new KinemaError('BAD_ARGS', `--features: "${value}" is not tcc:<model name>.`);
    return [value] as const;
  }
  return value.split(',').map((f) => {
    const k = FEATURE_KINDS.find((x) => x === f.trim());
    if (!k)
      throw new KinemaError(
        'BAD_ARGS',
        `--features: unknown feature "${f}" (use ${FEATURE_KINDS.join(', ')}${trained ? `, ${LIFTED_FEATURE} or tcc:<model name>` : ''})`,
      );
    return k;
  });
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new KinemaError('BAD_ARGS', `--${name} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

export interface TrainTccArgs {
  label?: string;
  name?: string;
  steps?: string;
  batch?: string;
  frames?: string;
  loss?: string;
  features?: string;
  replace?: boolean;
  json?: boolean;
}

/** Checks, queues and waits for a train-tcc job, printing the loss as it trains. */
export async function trainTccCommand(ws: Workstation, a: TrainTccArgs): Promise<Job> {
  if (!a.label)
    throw new KinemaError('BAD_ARGS', '--label LABEL is required: the clips of one motion to train on');
  if (!a.name) throw new KinemaError('BAD_ARGS', '--name NAME is required: what the model is called');
  let loss: TccLossName | undefined;
  if (a.loss !== undefined) {
    const parsed = tccLossSchema.safeParse(a.loss);
    if (!parsed.success)
      throw new KinemaError(
        'BAD_ARGS',
        `--loss must be ${tccLossSchema.options.join(', ')}, got "${a.loss}"`,
      );
    loss = parsed.data;
  }
  const features = parseFeatures(a.features, false) as Feature2dKind[] | undefined;
  if (!/^[\w.-]{1,80}$/.test(a.name.trim()))
    throw new KinemaError(
      'BAD_ARGS',
      `--name: a model name may hold letters, digits, ".", "-" and "_" only, got "${a.name}"`,
    );
  const { params, title } = prepareTccTraining(ws.db, {
    name: a.name.trim(),
    label: a.label,
    steps: positiveInt(a.steps, 'steps'),
    batchSize: positiveInt(a.batch, 'batch'),
    framesPerSequence: positiveInt(a.frames, 'frames'),
    loss,
    features,
    replace: a.replace,
  });
  const job = ws.enqueueJob('train-tcc', title, params);
  process.stderr.write(
    `[job ${job.id}] ${title}: ${params.steps} steps, ${params.batchSize} clips per step, ${params.framesPerSequence} frames per clip, ${params.loss} loss, ${params.features.join('+')} features\n`,
  );
  let lastPhase = '';
  const offJob = ws.on('job.updated', (j) => {
    if (j.id !== job.id || j.phase === lastPhase || j.phase === 'train') return;
    lastPhase = j.phase;
    process.stderr.write(`[job ${j.id}] ${j.state} ${j.phase}${j.message ? `: ${j.message}` : ''}\n`);
  });
  const every = Math.max(1, Math.round(params.steps / 20));
  let lastPrinted = -every;
  const offMetrics = ws.on('job.metrics', ({ jobId, point }) => {
    if (jobId !== job.id || (point.step - lastPrinted < every && point.step !== params.steps)) return;
    lastPrinted = point.step;
    process.stderr.write(
      `[job ${jobId}] step ${point.step}/${params.steps}  loss ${point.loss.toFixed(4)}  cycle accuracy ${(100 * point.cycleAccuracy).toFixed(0)} %\n`,
    );
  });
  await ws.whenIdle();
  offJob();
  offMetrics();
  const done = jobsDb.getJob(ws.db, job.id);
  if (done.state === 'done') {
    const r = done.result as TrainTccResult;
    const tau = (t: number | null) => (t === null ? '—' : t.toFixed(3));
    console.log(
      a.json
        ? JSON.stringify(r)
        : `Trained TCC model "${r.name}" (id ${r.modelId}) on ${params.clips.length} clips in ${r.trainSeconds.toFixed(1)} s: final loss ${r.finalLoss.toFixed(4)}, cycle accuracy ${(100 * r.cycleAccuracy).toFixed(0)} %; alignment tau over the training clips ${tau(r.alignTau)} (input features ${tau(r.featuresAlignTau)}); embeddings stored for ${r.series} clips. Align with --features tcc:${r.name}`,
    );
  }
  return done;
}

function clipArg(ws: Workstation, value: string, what: string): Clip {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new KinemaError('BAD_ARGS', `the ${what} must be a clip id, got "${value}"`);
  return clipsDb.getClip(ws.db, n);
}

const fmt = (t: number) => (Number.isFinite(t) ? t.toFixed(3) : 'undefined');
const name = (c: Clip) => `${c.label.trim() || 'Clip'} #${c.id}`;

/** `tau <learner> <reference>` or `tau --label L`: Kendall's tau of clip alignments. */
export async function tauCommand(
  ws: Workstation,
  args: string[],
  a: { label?: string; features?: string; json?: boolean },
): Promise<void> {
  const features = parseFeatures(a.features, true);
  const stored = (videoId: number) => ws.notify('series.changed', { videoId });
  if (a.label === undefined) {
    if (args.length !== 2)
      throw new KinemaError(
        'BAD_ARGS',
        'usage: kinema tau <learner clip> <reference clip> | --label LABEL [--features F]',
      );
    const r = await clipTau(
      ws.db,
      clipArg(ws, args[0], 'learner'),
      clipArg(ws, args[1], 'reference'),
      features,
      stored,
    );
    console.log(
      a.json
        ? JSON.stringify({
            learner: r.learner.id,
            reference: r.reference.id,
            tau: Number.isFinite(r.tau) ? r.tau : null,
            features: r.features,
          })
        : `tau ${fmt(r.tau)}  (${name(r.learner)} → ${name(r.reference)}, ${r.features.join('+')}; nearest-neighbour Kendall's tau)`,
    );
    return;
  }
  if (args.length) throw new KinemaError('BAD_ARGS', 'give either two clip ids or --label, not both');
  const clips = clipsWithLabel(ws.db, a.label);
  if (clips.length < 2)
    throw new KinemaError(
      'TOO_FEW_CLIPS',
      `Only one clip is labelled "${a.label.trim()}": tau needs a pair.`,
    );
  const pairs: { learner: number; reference: number; tau: number | null }[] = [];
  let used: string[] = [];
  for (const l of clips)
    for (const r of clips) {
      if (l.id === r.id) continue;
      const t = await clipTau(ws.db, l, r, features, stored);
      used = t.features;
      pairs.push({ learner: l.id, reference: r.id, tau: Number.isFinite(t.tau) ? t.tau : null });
      if (!a.json) console.log(`${name(l)} → ${name(r)}\t${fmt(t.tau)}`);
    }
  const defined = pairs.map((p) => p.tau).filter((t): t is number => t !== null);
  const mean = defined.length ? defined.reduce((s, t) => s + t, 0) / defined.length : null;
  console.log(
    a.json
      ? JSON.stringify({ label: a.label.trim(), features: used, pairs, mean })
      : `mean tau ${mean === null ? 'undefined' : mean.toFixed(3)} over ${defined.length} ordered pairs of ${clips.length} clips labelled "${a.label.trim()}" (${used.join('+')})`,
  );
}
