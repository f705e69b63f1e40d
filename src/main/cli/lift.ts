/**
 * `kinema lift <runId> [--track N] [--from F --to F] [--lifter NAME] [--no-flip]
 * [--out FILE.npy|.npz|.csv|.bvh|.trc] [--render OUT.mp4]` (issue 5): queues a 'lift' job (the 3D
 * joints are stored in the project as a series of the track), waits, writes the series to --out
 * (lifting/export.ts) and, with --render, queues and waits for a 'render-3d' job. Bad arguments
 * throw KinemaError, which the CLI prints as `kinema: error: <message>`.
 */
import { extname, resolve } from 'node:path';
import type { Job } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { primaryTrack } from '../../shared/pose';
import { exportLift, prepareLift, prepareRender3d } from '../analysis/lift';
import * as jobsDb from '../db/jobs';
import * as posesDb from '../db/poses';
import type { LiftJobResult } from '../jobs/kinds/lift';
import type { Render3dResult } from '../jobs/kinds/render-3d';
import { liftFormatOf, type LiftExportFormat } from '../lifting/export';
import type { Workstation } from '../workstation';

export interface LiftArgs {
  track?: string;
  from?: string;
  to?: string;
  lifter?: string;
  out?: string;
  render?: string;
  'no-flip'?: boolean;
  json?: boolean;
}

function wholeNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new KinemaError('BAD_ARGS', `--${name} must be a whole number ≥ 0, got "${value}"`);
  return n;
}

/** Checks the output arguments before the project is opened (nothing is queued when they are wrong). */
export function liftOutputs(a: LiftArgs): { out?: string; format?: LiftExportFormat; render?: string } {
  if (!a.out && !a.render)
    throw new KinemaError(
      'BAD_ARGS',
      '--out FILE.npy, .npz, .csv, .bvh or .trc (or --render OUT.mp4) is required',
    );
  const format = a.out ? liftFormatOf(a.out) : undefined;
  if (a.out && !format)
    throw new KinemaError('BAD_ARGS', `--out must end in .npy, .npz, .csv, .bvh or .trc, got "${a.out}"`);
  if (a.render && extname(a.render).toLowerCase() !== '.mp4')
    throw new KinemaError('BAD_ARGS', `--render must end in .mp4, got "${a.render}"`);
  return {
    ...(a.out ? { out: resolve(a.out), format: format! } : {}),
    ...(a.render ? { render: resolve(a.render) } : {}),
  };
}

async function finished(ws: Workstation, job: Job, title: string): Promise<Job> {
  process.stderr.write(`[job ${job.id}] ${title}\n`);
  await ws.whenIdle();
  return jobsDb.getJob(ws.db, job.id);
}

/** Runs the command; returns the jobs it ran (the caller reports failed ones). */
export async function liftCommand(ws: Workstation, args: string[], a: LiftArgs): Promise<Job[]> {
  const { out, format, render } = liftOutputs(a);
  const runId = Number(args[0]);
  if (args.length !== 1 || !Number.isInteger(runId) || runId < 1)
    throw new KinemaError(
      'BAD_ARGS',
      'usage: kinema lift <runId> [--track N] [--from F --to F] [--lifter NAME] [--out FILE] [--render OUT.mp4]',
    );
  const from = wholeNumber(a.from, 'from');
  const to = wholeNumber(a.to, 'to');
  if (from !== undefined && to !== undefined && to < from)
    throw new KinemaError('BAD_ARGS', `--to ${to} is before --from ${from}`);
  // Default track: the run's primary athlete, as before the lift became a job.
  const trackId =
    wholeNumber(a.track, 'track') ?? primaryTrack(posesDb.loadRunPoseSet(ws.db, runId))?.trackId;
  const { params, title } = prepareLift(
    ws.db,
    {
      runId,
      ...(trackId !== undefined ? { trackId } : {}),
      ...(from !== undefined ? { inFrame: from } : {}),
      // --to is the last frame included, as in the other commands.
      ...(to !== undefined ? { outFrame: to + 1 } : {}),
      ...(a.lifter ? { lifter: a.lifter } : {}),
      flip: !a['no-flip'],
    },
    ws.cacheDir,
  );
  const liftJob = await finished(ws, ws.enqueueJob('lift', title, params), title);
  if (liftJob.state !== 'done') return [liftJob];
  const r = liftJob.result as LiftJobResult;
  if (out) exportLift(ws.db, { seriesId: r.seriesId, format: format!, path: out });
  const jobs = [liftJob];
  let rendered: Render3dResult | null = null;
  if (render) {
    const rp = prepareRender3d(ws.db, { seriesId: r.seriesId, outPath: render });
    const renderJob = await finished(ws, ws.enqueueJob('render-3d', rp.title, rp.params), rp.title);
    jobs.push(renderJob);
    if (renderJob.state === 'done') rendered = renderJob.result as Render3dResult;
  }
  const last = r.firstFrame + r.frameCount - 1;
  console.log(
    a.json
      ? JSON.stringify({
          ...(out ? { out } : {}),
          frames: r.frameCount,
          firstFrame: r.firstFrame,
          posedFrames: r.posedFrames,
          lifter: params.lifter.name,
          receptiveField: r.receptiveField,
          padded: r.padded,
          seriesId: r.seriesId,
          ...(rendered ? { render: rendered.outPath } : {}),
        })
      : `Lifted run ${runId} track ${params.track.trackId} (frames ${r.firstFrame}–${last}, ${r.posedFrames} with a pose${r.padded ? `; shorter than the ${r.receptiveField}-frame receptive field, edge-padded` : ''}) with ${params.lifter.name}, series ${r.seriesId}${out ? `; wrote ${out}` : ''}${rendered ? `; rendered ${rendered.outPath}` : ''}`,
  );
  return jobs;
}
