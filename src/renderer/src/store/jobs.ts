import { create } from 'zustand';
import type { Job } from '../../../shared/contract';
import { call, ignore } from '../api';
import { coalesced, session } from './util';

/**
 * Progress seen when a job was first observed running (in its current phase): the base of its
 * rate and ETA. Jobs report done/total per phase (hash, thumbnails, proxy…), so a new phase or
 * a count that went backwards starts a new sample rather than producing a nonsense rate.
 */
export interface ProgressSample {
  at: number;
  done: number;
  phase: string;
}

/** One point of a training curve, e.g. { step: 120, loss: 0.41 } (ProgressUpdate.metrics). */
export type MetricPoint = Record<string, number>;

interface JobsState {
  jobs: Job[];
  samples: Record<number, ProgressSample>;
  /** Training curves by job id (live from 'job.metrics', history from 'jobs.metrics'). */
  metrics: Record<number, MetricPoint[]>;
  addMetric(jobId: number, point: MetricPoint): void;
  /** Fetches a job's curve so far (once per job); later points arrive as events. */
  loadMetrics(jobId: number): Promise<void>;
  refresh(): Promise<void>;
  upsert(job: Job): void;
  cancel(jobId: number): Promise<void>;
  clearFinished(): Promise<void>;
  reset(): void;
}

export const isActive = (job: Job) => job.state === 'queued' || job.state === 'running';

const newestFirst = (a: Job, b: Job) => b.id - a.id;

function withSample(samples: Record<number, ProgressSample>, job: Job): Record<number, ProgressSample> {
  if (job.state !== 'running') {
    if (!(job.id in samples)) return samples;
    const rest = { ...samples };
    delete rest[job.id];
    return rest;
  }
  const current = samples[job.id];
  if (current && current.phase === job.phase && job.done >= current.done) return samples;
  return { ...samples, [job.id]: { at: performance.now(), done: job.done, phase: job.phase } };
}

/** Seconds left, from the rate of progress since the job was first seen running; null if unknown. */
export function estimateEtaS(job: Job, sample: ProgressSample | undefined, now: number): number | null {
  if (job.state !== 'running' || !sample || !(job.total > 0)) return null;
  const elapsedS = (now - sample.at) / 1000;
  const progressed = job.done - sample.done;
  if (elapsedS < 1 || progressed <= 0) return null;
  return Math.max(0, (job.total - job.done) / (progressed / elapsedS));
}

const metricsLoaded = new Set<number>();

export const useJobs = create<JobsState>()((set) => {
  const refresh = coalesced(async () => {
    const generation = session.generation;
    let jobs: Job[];
    try {
      jobs = await call('jobs.list', {});
    } catch {
      return;
    }
    if (generation !== session.generation) return;
    set((s) => ({ jobs: jobs.sort(newestFirst), samples: jobs.reduce(withSample, s.samples) }));
  });

  return {
    jobs: [],
    samples: {},
    metrics: {},
    refresh,
    addMetric(jobId, point) {
      set((s) => ({ metrics: { ...s.metrics, [jobId]: [...(s.metrics[jobId] ?? []), point] } }));
    },
    async loadMetrics(jobId) {
      if (metricsLoaded.has(jobId)) return;
      metricsLoaded.add(jobId);
      const points = await call('jobs.metrics', { jobId });
      // Events that arrived while fetching are newer than the history: keep them after it.
      set((s) => {
        const live = s.metrics[jobId] ?? [];
        const lastStep = points.at(-1)?.step ?? -Infinity;
        return {
          metrics: { ...s.metrics, [jobId]: [...points, ...live.filter((p) => (p.step ?? 0) > lastStep)] },
        };
      });
    },
    upsert(job) {
      set((s) => ({
        jobs: [...s.jobs.filter((j) => j.id !== job.id), job].sort(newestFirst),
        samples: withSample(s.samples, job),
      }));
    },
    async cancel(jobId) {
      await call('jobs.cancel', { jobId });
      refresh().catch(ignore);
    },
    async clearFinished() {
      await call('jobs.clearFinished', {});
      set((s) => ({ jobs: s.jobs.filter(isActive) }));
      await refresh();
    },
    reset() {
      metricsLoaded.clear();
      set({ jobs: [], samples: {}, metrics: {} });
    },
  };
});
