/**
 * The shell of a resumable training job (train-tcc, train-student, train-lifter). The weights
 * checkpoint lives in a cache folder that the job checkpoint names, so a killed app finds it again
 * and the training resumes at the last saved step; a user cancel deletes the folder, since nothing
 * will resume a cancelled job. The kind's `train` does the rest, recording saved steps and the
 * stored model through the `TrainingRun` it is handed.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAbortError } from '../../media/ffmpeg';
import type { NewTrainedModel } from '../../db/series';
import type { JobContext, JobRunner } from '../protocol';

/** What every training job's checkpoint holds; kinds add their own optional fields. */
export interface TrainingCheckpoint {
  /** Folder of the weights checkpoint (and whatever else the kind keeps there). */
  dir: string;
  /** Last step whose weights are on disk. */
  step: number;
  /** Set once the model is stored, so a resume never stores it twice. */
  modelId?: number;
}

export interface TrainingRun<C extends TrainingCheckpoint> {
  readonly dir: string;
  /** Call when the weights of `step` are on disk: the job checkpoint records it (in the background). */
  weightsSaved(step: number): void;
  /** Waits until every step given to weightsSaved is recorded. */
  stepsRecorded(): Promise<void>;
  /**
   * Stores the trained model; the same commit records `during` (final step, no model id yet).
   * Then `after(modelId)` is recorded, so a resume past this point finishes up instead of storing
   * the model again.
   */
  storeModel(
    model: NewTrainedModel & { replace?: boolean },
    during: C,
    after: (modelId: number) => C,
  ): Promise<{ modelId: number; checkpoint: C }>;
}

export function resumableTraining<P, C extends TrainingCheckpoint, R>(
  /** Sub-folder of the cache for this kind's runs ('tcc-train' → <cache>/tcc-train/job-<id>). */
  folder: string,
  train: (ctx: JobContext<P, C>, run: TrainingRun<C>) => Promise<R>,
): JobRunner<P, C, R> {
  return async (ctx) => {
    const dir = ctx.checkpoint?.dir ?? join(ctx.cacheDir, folder, `job-${ctx.jobId}`);
    // Kinds' extra checkpoint fields are optional, so the bare folder + step is a valid C.
    const atStep = (step: number) => ({ dir, step }) as C;
    const pending: Promise<unknown>[] = [];
    const run: TrainingRun<C> = {
      dir,
      weightsSaved: (step) => {
        pending.push(ctx.commit({ op: 'none' }, atStep(step)).catch(() => undefined));
      },
      stepsRecorded: async () => {
        await Promise.all(pending.splice(0));
      },
      storeModel: async (model, during, after) => {
        const modelId = await ctx.commit<number>({ op: 'saveTrainedModel', ...model }, during);
        const checkpoint = after(modelId);
        await ctx.commit({ op: 'none' }, checkpoint);
        return { modelId, checkpoint };
      },
    };
    try {
      // Name the folder in the job checkpoint before the first weights land in it.
      if (!ctx.checkpoint) await ctx.commit({ op: 'none' }, atStep(0));
      return await train(ctx, run);
    } catch (err) {
      // A killed app never gets here: its job resumes from the folder.
      if (isAbortError(err) || ctx.signal.aborted) rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  };
}
