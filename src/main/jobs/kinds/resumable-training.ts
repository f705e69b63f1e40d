/**
 * The shell of a resumable training job (train-tcc, train-student, train-lifter). The weights
 * checkpoint lives in a cache folder that the job checkpoint names, so a killed app finds it again
 * and the training resumes at the last saved step; a user cancel deletes the folder, since nothing
 * will resume a cancelled job. The kind's `train` does the rest.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAbortError } from '../../media/ffmpeg';
import type { JobContext, JobRunner } from '../protocol';

export function resumableTraining<P, C extends { dir: string }, R>(
  /** Sub-folder of the cache for this kind's runs ('tcc-train' → <cache>/tcc-train/job-<id>). */
  folder: string,
  train: (ctx: JobContext<P, C>, dir: string) => Promise<R>,
): JobRunner<P, C, R> {
  return async (ctx) => {
    const dir = ctx.checkpoint?.dir ?? join(ctx.cacheDir, folder, `job-${ctx.jobId}`);
    try {
      return await train(ctx, dir);
    } catch (err) {
      // A killed app never gets here: its job resumes from the folder.
      if (isAbortError(err) || ctx.signal.aborted) rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  };
}
