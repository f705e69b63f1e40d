/**
 * `kinema embed <video> [--clip ID] [--run N] [--track N] [--from F --to F] [--model NAME]
 * [--out FILE.npy|.npz|.json]` (issue 8, VIPE*): queues an 'embed' job, waits for it, and writes
 * the stored series in VPD's per-video layout (analysis/embeddings.ts). Bad arguments throw
 * KinemaError, which the CLI prints as `kinema: error: <message>`.
 */
import { extname, resolve } from 'node:path';
import type { Job } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { prepareEmbed, writeEmbeddings, type EmbedStartInput } from '../analysis/embeddings';
import * as jobsDb from '../db/jobs';
import * as seriesDb from '../db/series';
import { getVideo } from '../db/videos';
import type { EmbedResult } from '../jobs/kinds/embed';
import type { Workstation } from '../workstation';

export interface EmbedArgs {
  clip?: string;
  run?: string;
  track?: string;
  from?: string;
  to?: string;
  model?: string;
  out?: string;
  json?: boolean;
}

export const EMBED_FILE_TYPES = ['.npy', '.npz', '.json'];

function wholeNumber(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new KinemaError('BAD_ARGS', `--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

/** Checks the arguments before the project is opened (nothing is queued when they are wrong). */
export function embedOutPath(out: string | undefined): string | undefined {
  if (out === undefined) return undefined;
  if (!EMBED_FILE_TYPES.includes(extname(out).toLowerCase()))
    throw new KinemaError('BAD_ARGS', `--out must end in .npy, .npz or .json, got "${out}"`);
  return resolve(out);
}

export async function embedCommand(ws: Workstation, args: string[], a: EmbedArgs): Promise<Job> {
  const out = embedOutPath(a.out);
  const videoId = args[0] === undefined ? undefined : Number(args[0]);
  if (args.length > 1 || (videoId !== undefined && !(Number.isInteger(videoId) && videoId >= 1)))
    throw new KinemaError(
      'BAD_ARGS',
      'usage: kinema embed <videoId> [--clip ID] [--run N] [--track N] [--from F --to F] [--model NAME] [--out FILE.npy|.npz|.json]',
    );
  const clipId = wholeNumber(a.clip, 'clip', 1);
  if (videoId === undefined && clipId === undefined)
    throw new KinemaError('BAD_ARGS', 'give a video id or --clip ID to embed');
  const to = wholeNumber(a.to, 'to', 0);
  const input: EmbedStartInput = {
    ...(videoId !== undefined ? { videoId } : {}),
    ...(clipId !== undefined ? { clipId } : {}),
    runId: wholeNumber(a.run, 'run', 1),
    trackId: wholeNumber(a.track, 'track', 0),
    inFrame: wholeNumber(a.from, 'from', 0),
    // --to is the last frame included, as in the other commands.
    outFrame: to === undefined ? undefined : to + 1,
    ...(a.model !== undefined ? { model: a.model } : {}),
  };
  if (input.inFrame !== undefined && input.outFrame !== undefined && input.outFrame <= input.inFrame)
    throw new KinemaError('BAD_ARGS', `--to ${to} is before --from ${input.inFrame}`);
  const { params, title } = prepareEmbed(ws.db, input, ws.cacheDir);
  const job = ws.enqueueJob('embed', title, params);
  process.stderr.write(`[job ${job.id}] ${title}\n`);
  await ws.whenIdle();
  const done = jobsDb.getJob(ws.db, job.id);
  if (done.state !== 'done') return done;
  const r = done.result as EmbedResult;
  if (out) {
    const s = seriesDb.getSeries(ws.db, r.seriesId);
    writeEmbeddings(
      out,
      { model: params.model, trackId: s.trackId, firstFrame: s.firstFrame, dim: s.width, values: s.values },
      getVideo(ws.db, params.videoId).fileName,
    );
  }
  console.log(
    a.json
      ? JSON.stringify({ ...r, ...(out ? { path: out } : {}) })
      : `Embedded track ${r.trackId} of run ${r.runId}: frames ${r.firstFrame}–${r.firstFrame + r.frames - 1} (${r.posedFrames} with a pose), ${r.dim} values per frame (${params.model}, series ${r.seriesId}, source ${r.source})${out ? `; wrote ${out}` : ''}`,
  );
  return done;
}
