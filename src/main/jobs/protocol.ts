/**
 * Messages between the job queue (main thread, owns the database) and a job's worker thread.
 *
 * Workers never touch the database: they send `commit` operations, which the main thread applies
 * in one transaction together with the job's new checkpoint. A kill therefore loses at most the
 * chunk in flight, and a resumed job continues from the last committed checkpoint.
 */
import type { FrameIndex, ProbeResult } from '../media/probe';
import type { FfmpegPaths } from '../media/ffmpeg';
import type { JobKind, Video } from '../../shared/contract';
import type { SkeletonId } from '../../shared/skeletons';
import type { PoseChunk } from '../db/poses';
import type { NewFrameSeries, NewTrainedModel } from '../db/series';

export type CommitOp =
  | { op: 'insertVideo'; probe: ProbeResult; index: FrameIndex }
  | { op: 'setHash'; videoId: number; hash: string }
  | { op: 'thumbnails'; videoId: number; firstIdx: number; items: { frame: number; jpeg: Uint8Array }[] }
  | { op: 'setProxy'; videoId: number; proxyPath: string }
  | { op: 'setStatus'; videoId: number; status: Video['status'] }
  | {
      op: 'createPoseRun';
      videoId: number;
      skeletonId: SkeletonId;
      model: string;
      params: Record<string, unknown>;
      jobId: number;
      /** Label of track 0, created with the run. */
      trackLabel: string;
    }
  | ({ op: 'appendPoses'; videoId: number; runId: number; trackId: number } & PoseChunk)
  /** Frames of several tracks (created with `label` when new), in one transaction. */
  | {
      op: 'appendPoseTracks';
      videoId: number;
      runId: number;
      tracks: ({ trackId: number; label: string } & PoseChunk)[];
    }
  /** A per-frame series (embeddings, 3D joints); replaces the same kind/source/track/range. */
  | ({ op: 'saveSeries'; videoId: number } & NewFrameSeries)
  /** A model trained in the project; `replace` overwrites one of the same family and name. */
  | ({ op: 'saveTrainedModel'; replace?: boolean } & NewTrainedModel)
  | { op: 'none' };

export interface ProgressUpdate {
  phase: string;
  done: number;
  total: number;
  message?: string;
  /**
   * One point of a training curve (e.g. { step: 120, loss: 0.41, valLoss: 0.5 }): the queue keeps
   * every point of a running job so the Jobs panel can draw live loss curves (`jobs.metrics`).
   */
  metrics?: Record<string, number>;
}

export type ToWorker =
  | {
      type: 'start';
      jobId: number;
      kind: JobKind;
      params: unknown;
      checkpoint: unknown;
      ffmpeg: FfmpegPaths;
      cacheDir: string;
    }
  | { type: 'cancel' }
  | { type: 'ack'; seq: number; value?: unknown; error?: string };

export type FromWorker =
  | ({ type: 'progress' } & ProgressUpdate)
  | { type: 'commit'; seq: number; commit: CommitOp; checkpoint: unknown }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: string; code: string }
  | { type: 'cancelled' };

/** What a job implementation gets: its inputs, where it left off, and ways to report and commit. */
export interface JobContext<P, C> {
  jobId: number;
  params: P;
  /** The last committed checkpoint, or null on a first run. */
  checkpoint: C | null;
  signal: AbortSignal;
  cacheDir: string;
  progress(update: ProgressUpdate): void;
  /** Applies `op` and stores `checkpoint` atomically in the project database; resolves with the op's value. */
  commit<T = unknown>(op: CommitOp, checkpoint: C): Promise<T>;
}

export type JobRunner<P, C, R> = (ctx: JobContext<P, C>) => Promise<R>;
