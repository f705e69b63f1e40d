import { useEffect, useState } from 'react';
import type { Job } from '../../../shared/contract';
import { formatDuration } from '../../../shared/timecode';
import { ignore } from '../api';
import { estimateEtaS, isActive, useJobs } from '../store/jobs';
import { JobMetricsChart } from './JobMetricsChart';

interface ExportResult {
  outPath: string;
  method?: string;
  durationS?: number;
}

/** job.result is untyped in the contract; exports carry { outPath, method, durationS }. */
function exportResult(job: Job): ExportResult | null {
  const r = job.result as Partial<ExportResult> | null | undefined;
  return r && typeof r === 'object' && typeof r.outPath === 'string' ? (r as ExportResult) : null;
}

interface DetectResult {
  runId: number;
  frames?: number;
  posed?: number;
  fps?: number;
}

/** Detections carry { runId, frames, posed, fps, modelMs }. */
function detectResult(job: Job): DetectResult | null {
  const r = job.result as Partial<DetectResult> | null | undefined;
  return r && typeof r === 'object' && typeof r.runId === 'number' ? (r as DetectResult) : null;
}

function formatEta(seconds: number): string {
  if (seconds < 1) return 'almost done';
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  return `${formatDuration(seconds)} left`;
}

/** Re-renders once a second while something runs, so ETAs keep counting between updates. */
function useTick(active: boolean): number {
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/**
 * A training job's curves (loss per step, a held-out figure per epoch when it reports one, and any
 * other metric), live while it runs; hidden until two points exist.
 */
function TrainingCurve({ jobId }: { jobId: number }) {
  const points = useJobs((s) => s.metrics[jobId]);
  useEffect(() => {
    useJobs.getState().loadMetrics(jobId).catch(ignore);
  }, [jobId]);
  if (!points || points.length < 2) return null;
  return (
    <div className="job-curve" data-testid="job-loss-curve" title="Training metrics per step">
      <JobMetricsChart points={points} />
    </div>
  );
}

function JobRow({ job }: { job: Job }) {
  const sample = useJobs((s) => s.samples[job.id]);
  const active = isActive(job);
  const fraction = job.total > 0 ? Math.min(1, Math.max(0, job.done / job.total)) : null;
  const eta = estimateEtaS(job, sample, performance.now());
  const result =
    (job.kind === 'export' || job.kind === 'align-video') && job.state === 'done' ? exportResult(job) : null;
  const detected = job.kind === 'detect' && job.state === 'done' ? detectResult(job) : null;

  return (
    <div
      className={`job-row state-${job.state}`}
      data-testid="job-row"
      data-job-id={job.id}
      data-kind={job.kind}
      data-state={job.state}
    >
      <div className="job-head">
        <span className={`job-kind ${job.kind}`}>{job.kind}</span>
        <span className="job-title" title={job.title}>
          {job.title}
        </span>
        {active && (
          <button
            type="button"
            className="small-button"
            data-testid="job-cancel-button"
            onClick={() => useJobs.getState().cancel(job.id).catch(ignore)}
          >
            Cancel
          </button>
        )}
      </div>
      <div className="job-status">
        <span className={`job-state ${job.state}`}>{job.state}</span>
        {job.phase && <span className="job-phase">{job.phase}</span>}
        {job.attempts > 1 && <span className="muted">resumed</span>}
        <span className="spacer" />
        {fraction !== null && active && <span className="muted">{Math.round(fraction * 100)}%</span>}
        {eta !== null && (
          <span
            className="muted job-eta"
            data-testid="job-eta"
            title="Estimated from progress so far in this phase"
          >
            {formatEta(eta)}
          </span>
        )}
      </div>
      {(active || job.state === 'done') && (
        <div
          className={`progress${fraction === null && job.state === 'running' ? ' indeterminate' : ''}`}
          role="progressbar"
          data-testid="job-progress"
          aria-valuemin={0}
          aria-valuemax={job.total || 1}
          aria-valuenow={job.total > 0 ? job.done : undefined}
        >
          <div style={{ width: `${job.state === 'done' ? 100 : (fraction ?? 0) * 100}%` }} />
        </div>
      )}
      {job.message && job.state !== 'failed' && <div className="job-message muted">{job.message}</div>}
      {job.kind.startsWith('train-') && <TrainingCurve jobId={job.id} />}
      {job.state === 'failed' && (
        <div className="job-error" data-testid="job-error">
          {job.error || job.message || 'Failed'}
        </div>
      )}
      {detected && (
        <div className="job-result detect" data-testid="job-result">
          Run #{detected.runId}
          {detected.posed !== undefined && detected.frames !== undefined && (
            <span className="muted">
              {' '}
              · {detected.posed}/{detected.frames} frames with a pose
              {detected.fps !== undefined && detected.fps > 0 ? ` · ${detected.fps.toFixed(1)} fps` : ''}
            </span>
          )}
        </div>
      )}
      {result && (
        <div className="job-result" data-testid="job-result" title={result.outPath}>
          {result.outPath}
          {(result.method || result.durationS !== undefined) && (
            <span className="muted">
              {' '}
              (
              {[result.method, result.durationS !== undefined ? `${result.durationS.toFixed(2)} s` : null]
                .filter(Boolean)
                .join(', ')}
              )
            </span>
          )}
        </div>
      )}
    </div>
  );
}

export function JobsPanel() {
  const jobs = useJobs((s) => s.jobs);
  const anyRunning = jobs.some((j) => j.state === 'running');
  const anyFinished = jobs.some((j) => !isActive(j));
  useTick(anyRunning);
  const activeCount = jobs.filter(isActive).length;

  return (
    <section className="panel jobs-panel" data-testid="jobs-panel">
      <div className="panel-header">
        <span>Jobs</span>
        <span className="muted small">{activeCount > 0 ? `${activeCount} active` : ''}</span>
        <span className="spacer" />
        <button
          type="button"
          className="small-button"
          data-testid="jobs-clear-button"
          disabled={!anyFinished}
          onClick={() => useJobs.getState().clearFinished().catch(ignore)}
        >
          Clear finished
        </button>
      </div>
      <div className="panel-scroll">
        {jobs.length === 0 && (
          <div className="muted small empty">No jobs. Imports, exports and pose detections show up here.</div>
        )}
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} />
        ))}
      </div>
    </section>
  );
}
