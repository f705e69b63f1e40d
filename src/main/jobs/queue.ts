/**
 * The job queue: persisted in the project database, each job run in its own worker thread.
 *
 * The queue is the only writer of job rows and of what jobs produce; workers send commit
 * operations that are applied here, each in one transaction with the job's checkpoint.
 */
import { Worker } from 'node:worker_threads';
import type { Job, JobKind } from '../../shared/contract';
import type { Db } from '../db/connection';
import * as jobsDb from '../db/jobs';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import * as videosDb from '../db/videos';
import { ffmpegPaths } from '../media/ffmpeg';
import type { CommitOp, FromWorker, ToWorker } from './protocol';

export interface JobQueueOptions {
  workerPath: string;
  cacheDir: string;
  /** How many jobs run at once (each may use ffmpeg's own threads too). */
  concurrency?: number;
  onJobUpdated(job: Job): void;
  /** Called after a commit changed what the renderer shows: videos (and thumbnails) or poses. */
  onDataChanged(change: { kind: 'videos' | 'poses' | 'series' | 'models'; videoId?: number }): void;
  /** A training point a job reported (ProgressUpdate.metrics). */
  onJobMetrics?(jobId: number, point: Record<string, number>): void;
}

interface Running {
  worker: Worker;
  cancelRequested: boolean;
  lastProgressWrite: number;
  lastEmit: number;
}

const PROGRESS_DB_INTERVAL_MS = 500;
const PROGRESS_EVENT_INTERVAL_MS = 100;
/** Training curves kept per job (in memory; a resumed job re-reports its own history). */
const MAX_METRIC_POINTS = 5000;

export class JobQueue {
  private readonly running = new Map<number, Running>();
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly metrics = new Map<number, Record<string, number>[]>();

  constructor(
    private readonly db: Db,
    private readonly options: JobQueueOptions,
  ) {}

  /** The training points a job reported since this queue started (oldest first). */
  metricsOf(jobId: number): Record<string, number>[] {
    return [...(this.metrics.get(jobId) ?? [])];
  }

  /** Puts jobs interrupted by a crash back in the queue and starts them. */
  resumeInterrupted(): number {
    const n = jobsDb.requeueInterrupted(this.db);
    this.pump();
    return n;
  }

  enqueue(kind: JobKind, title: string, params: unknown): Job {
    const job = jobsDb.insertJob(this.db, kind, title, params);
    this.options.onJobUpdated(job);
    queueMicrotask(() => this.pump());
    return job;
  }

  cancel(jobId: number): boolean {
    const job = jobsDb.getJob(this.db, jobId);
    if (job.state === 'queued') {
      jobsDb.finishJob(this.db, jobId, { state: 'cancelled' });
      this.cleanupAfterStop(job);
      this.emit(jobId);
      return true;
    }
    const run = this.running.get(jobId);
    if (!run) return false;
    run.cancelRequested = true;
    run.worker.postMessage({ type: 'cancel' } satisfies ToWorker);
    // A worker stuck in native code still goes: terminate it if it has not stopped in time.
    setTimeout(() => {
      if (this.running.get(jobId) === run) void run.worker.terminate();
    }, 5000).unref();
    return true;
  }

  /** Resolves when no job is running or queued. */
  whenIdle(): Promise<void> {
    if (this.running.size === 0 && jobsDb.queuedJobIds(this.db).length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    // Interrupted, not failed: the jobs stay 'running' in the DB and resume on the next open.
    await Promise.all([...this.running.values()].map((r) => r.worker.terminate()));
    this.running.clear();
  }

  private pump(): void {
    if (this.closed) return;
    const limit = this.options.concurrency ?? 2;
    for (const id of jobsDb.queuedJobIds(this.db)) {
      if (this.running.size >= limit) break;
      if (!this.running.has(id)) this.start(id);
    }
    if (this.running.size === 0 && jobsDb.queuedJobIds(this.db).length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private start(jobId: number): void {
    jobsDb.markJobStarted(this.db, jobId);
    const job = jobsDb.getJob(this.db, jobId);
    const worker = new Worker(this.options.workerPath);
    const run: Running = { worker, cancelRequested: false, lastProgressWrite: 0, lastEmit: 0 };
    this.running.set(jobId, run);
    this.options.onJobUpdated(job);
    let settled = false;
    const settle = (outcome: {
      state: 'done' | 'failed' | 'cancelled';
      result?: unknown;
      error?: string;
    }) => {
      if (settled) return;
      settled = true;
      this.running.delete(jobId);
      jobsDb.finishJob(this.db, jobId, outcome);
      if (outcome.state !== 'done') this.cleanupAfterStop(jobsDb.getJob(this.db, jobId));
      this.emit(jobId);
      void worker.terminate();
      this.pump();
    };
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'progress': {
          const now = Date.now();
          if (message.metrics) {
            const points = this.metrics.get(jobId) ?? [];
            if (points.length >= MAX_METRIC_POINTS) points.splice(0, points.length / 2); // keep the recent half
            points.push(message.metrics);
            this.metrics.set(jobId, points);
            this.options.onJobMetrics?.(jobId, message.metrics);
          }
          if (now - run.lastProgressWrite > PROGRESS_DB_INTERVAL_MS || message.done >= message.total) {
            run.lastProgressWrite = now;
            jobsDb.setJobProgress(this.db, jobId, { ...message, message: message.message ?? '' });
          }
          if (now - run.lastEmit > PROGRESS_EVENT_INTERVAL_MS) {
            run.lastEmit = now;
            this.options.onJobUpdated({
              ...jobsDb.getJob(this.db, jobId),
              phase: message.phase,
              done: message.done,
              total: message.total,
              message: message.message ?? '',
            });
          }
          break;
        }
        case 'commit': {
          try {
            const value = this.applyCommit(jobId, message.commit, message.checkpoint);
            worker.postMessage({ type: 'ack', seq: message.seq, value } satisfies ToWorker);
          } catch (err) {
            worker.postMessage({
              type: 'ack',
              seq: message.seq,
              error: (err as Error).message,
            } satisfies ToWorker);
          }
          break;
        }
        case 'done':
          settle({ state: 'done', result: message.result });
          break;
        case 'failed':
          settle({ state: 'failed', error: message.error });
          break;
        case 'cancelled':
          settle({ state: 'cancelled' });
          break;
      }
    });
    worker.on('error', (err) => settle({ state: 'failed', error: `Job crashed: ${err.message}` }));
    worker.on('exit', () => {
      if (this.closed) return;
      settle(
        run.cancelRequested
          ? { state: 'cancelled' }
          : { state: 'failed', error: 'The job stopped unexpectedly.' },
      );
    });
    worker.postMessage({
      type: 'start',
      jobId,
      kind: job.kind,
      params: job.params,
      checkpoint: jobsDb.jobCheckpoint(this.db, jobId),
      ffmpeg: ffmpegPaths(),
      cacheDir: this.options.cacheDir,
    } satisfies ToWorker);
  }

  /** Applies a job's output and its new checkpoint atomically. */
  private applyCommit(jobId: number, commit: CommitOp, checkpoint: unknown): unknown {
    let value: unknown;
    let videoId: number | undefined;
    let kind: 'videos' | 'poses' | 'series' | 'models' = 'videos';
    let modelsChanged = false;
    this.db.transaction(() => {
      switch (commit.op) {
        case 'insertVideo':
          value = videoId = videosDb.insertVideo(this.db, commit.probe, commit.index);
          (checkpoint as { videoId: number }).videoId = videoId;
          break;
        case 'setHash':
          videosDb.setVideoHash(this.db, commit.videoId, commit.hash);
          videoId = commit.videoId;
          break;
        case 'thumbnails':
          videosDb.insertThumbnails(this.db, commit.videoId, commit.firstIdx, commit.items);
          videoId = commit.videoId;
          break;
        case 'setProxy':
          videosDb.setVideoProxy(this.db, commit.videoId, commit.proxyPath);
          videoId = commit.videoId;
          break;
        case 'setStatus':
          videosDb.setVideoStatus(this.db, commit.videoId, commit.status);
          videoId = commit.videoId;
          break;
        case 'createPoseRun': {
          const runId = posesDb.createRun(this.db, {
            videoId: commit.videoId,
            skeletonId: commit.skeletonId,
            source: 'model',
            model: commit.model,
            params: commit.params,
            jobId: commit.jobId,
          });
          posesDb.ensureTrack(this.db, runId, 0, commit.trackLabel);
          value = runId;
          (checkpoint as { runId: number }).runId = runId;
          videoId = commit.videoId;
          kind = 'poses';
          break;
        }
        case 'appendPoses':
          posesDb.appendPoseChunk(this.db, commit.runId, commit.trackId, commit);
          videoId = commit.videoId;
          kind = 'poses';
          break;
        case 'appendPoseTracks':
          for (const t of commit.tracks) {
            posesDb.ensureTrack(this.db, commit.runId, t.trackId, t.label);
            posesDb.appendPoseChunk(this.db, commit.runId, t.trackId, t);
          }
          videoId = commit.videoId;
          kind = 'poses';
          break;
        case 'saveSeries':
          value = seriesDb.saveSeries(this.db, { ...commit, jobId });
          videoId = commit.videoId;
          kind = 'series';
          break;
        case 'saveTrainedModel':
          value = seriesDb.saveTrainedModel(this.db, { ...commit, jobId }, commit.replace ?? false);
          modelsChanged = true;
          break;
        case 'none':
          break;
      }
      jobsDb.setJobCheckpoint(this.db, jobId, checkpoint);
    })();
    if (videoId !== undefined) this.options.onDataChanged({ kind, videoId });
    if (modelsChanged) this.options.onDataChanged({ kind: 'models' });
    return value;
  }

  /**
   * A cancelled or failed import leaves no half-imported video behind, and a cancelled or failed
   * detection no partial pose run.
   */
  private cleanupAfterStop(job: Job): void {
    if (job.kind === 'detect') {
      const cp = jobsDb.jobCheckpoint<{ runId?: number }>(this.db, job.id);
      const videoId = (job.params as { videoId?: number }).videoId;
      if (cp?.runId && posesDb.deleteRun(this.db, cp.runId))
        this.options.onDataChanged({ kind: 'poses', videoId });
      return;
    }
    if (job.kind !== 'import') return;
    const cp = jobsDb.jobCheckpoint<{ videoId?: number }>(this.db, job.id);
    if (!cp?.videoId) return;
    const video = videosDb.findVideo(this.db, cp.videoId);
    if (video && video.status === 'importing') {
      videosDb.deleteVideo(this.db, cp.videoId);
      this.options.onDataChanged({ kind: 'videos', videoId: cp.videoId });
    }
  }

  private emit(jobId: number): void {
    this.options.onJobUpdated(jobsDb.getJob(this.db, jobId));
  }
}
