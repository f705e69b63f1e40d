import { useState } from 'react';
import type { Job, PoseRun, Video } from '../../../shared/contract';
import { ignore } from '../api';
import { trackColor } from '../player/poseData';
import { isActive, useJobs } from '../store/jobs';
import { useEditor } from '../store/editor';
import { useKinematics } from '../store/kinematics';
import { useLift } from '../store/lift';
import { usePlayer } from '../store/player';
import { usePoses } from '../store/poses';
import { useToasts } from '../store/toasts';
import { useUi } from '../store/ui';
import { isPlayable } from '../store/videos';
import { PencilIcon } from './editor/EditBadge';
import { TrashIcon } from './icons';

type TrackSummary = PoseRun['tracks'][number];

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The frame range a run covered: from its params when they say, else the whole video. */
function runRange(run: PoseRun, video: Video): { inFrame: number; outFrame: number } {
  const p = (run.params ?? {}) as Record<string, unknown>;
  const inFrame = num(p.inFrame) ?? 0;
  const outFrame = num(p.outFrame) ?? video.frameCount;
  return outFrame > inFrame ? { inFrame, outFrame } : { inFrame: 0, outFrame: Math.max(1, video.frameCount) };
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

/** Detection jobs of this video still queued or running (job params are untyped: matched by videoId). */
function activeDetections(jobs: Job[], videoId: number): Job[] {
  return jobs.filter((j) => {
    if (j.kind !== 'detect' || !isActive(j)) return false;
    const p = j.params as Record<string, unknown> | null;
    return !p || typeof p !== 'object' || p.videoId === undefined || p.videoId === videoId;
  });
}

/** How a run is named in the list: its model, or for a smoothed run "one-euro of #3". */
function runTitle(run: PoseRun): { label: string; title: string; detail: string } {
  if (run.source === 'filter') {
    const p = (run.params ?? {}) as Record<string, unknown>;
    const from = num(p.fromRunId);
    const detail = [
      num(p.cutoffHz) !== null ? `${num(p.cutoffHz)} Hz` : '',
      num(p.beta) !== null ? `beta ${num(p.beta)}` : '',
      num(p.window) !== null ? `window ${num(p.window)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const label = from !== null ? `${run.model} of #${from}` : run.model;
    return {
      label,
      title: `Smoothed (${run.model}${detail ? `, ${detail}` : ''}) from run #${from ?? '?'}`,
      detail: `smoothed from #${from ?? '?'}${detail ? ` (${detail})` : ''}`,
    };
  }
  if (run.source === 'edit') {
    const from = num(((run.params ?? {}) as Record<string, unknown>).fromRunId);
    return {
      label: `corrected #${from ?? '?'}`,
      title: `Corrected copy of run #${from ?? '?'} (the original is kept)`,
      detail: `corrected from #${from ?? '?'}`,
    };
  }
  return {
    label: run.model,
    title: `${run.source === 'import' ? 'Imported' : 'Model'}: ${run.model}`,
    detail: '',
  };
}

type SmoothFilter = 'one-euro' | 'butterworth' | 'median';

const SMOOTH_PARAM: Record<SmoothFilter, { label: string; value: string; step: string; hint: string }> = {
  'one-euro': {
    label: 'Min cutoff (Hz)',
    value: '1',
    step: '0.1',
    hint: 'Lower: steadier at rest, more lag',
  },
  butterworth: {
    label: 'Cutoff (Hz)',
    value: '6',
    step: '0.5',
    hint: 'Zero-phase low-pass; below half the frame rate',
  },
  median: {
    label: 'Window (frames)',
    value: '5',
    step: '2',
    hint: 'Odd number of frames; removes single-frame spikes',
  },
};

/** Inline form under a run: pick a filter and its main parameter, make a smoothed copy. */
function SmoothForm({ run, onDone }: { run: PoseRun; onDone: () => void }) {
  const [filter, setFilter] = useState<SmoothFilter>('one-euro');
  const [value, setValue] = useState(SMOOTH_PARAM['one-euro'].value);
  const [busy, setBusy] = useState(false);
  const param = SMOOTH_PARAM[filter];

  const submit = async () => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) {
      useToasts.getState().error(`${param.label} must be a number.`);
      return;
    }
    setBusy(true);
    try {
      await usePoses
        .getState()
        .smoothRun(
          filter === 'median' ? { runId: run.id, filter, window: n } : { runId: run.id, filter, cutoffHz: n },
        );
      onDone();
    } catch {
      // `call` showed the error as a toast; the form stays open to fix the value.
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="pose-smooth-form small"
      data-testid="smooth-form"
      onClick={(e) => e.stopPropagation()}
      onSubmit={(e) => {
        e.preventDefault();
        submit().catch(ignore);
      }}
    >
      <select
        data-testid="smooth-filter-select"
        aria-label="Filter"
        value={filter}
        onChange={(e) => {
          const next = e.target.value as SmoothFilter;
          setFilter(next);
          setValue(SMOOTH_PARAM[next].value);
        }}
      >
        <option value="one-euro">One-Euro</option>
        <option value="butterworth">Butterworth</option>
        <option value="median">Median</option>
      </select>
      <label title={param.hint}>
        {param.label}
        <input
          type="number"
          data-testid="smooth-param"
          min={filter === 'median' ? 3 : 0}
          step={param.step}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <span className="spacer" />
      <button type="button" className="small-button" onClick={onDone}>
        Cancel
      </button>
      <button type="submit" className="small-button" data-testid="smooth-submit" disabled={busy}>
        {busy ? 'Smoothing…' : 'Smooth'}
      </button>
    </form>
  );
}

/** Opens the kinematics panel on this track, or closes it when it already shows this track. */
function AnglesToggle({ run, trackId }: { run: PoseRun; trackId: number }) {
  const on = useKinematics((s) => {
    if (!s.open) return false;
    const t = s.target();
    return t.ok && t.input.runId === run.id && t.input.trackId === trackId;
  });
  return (
    <button
      type="button"
      className={`small-button toggle-button pose-track-angles${on ? ' on' : ''}`}
      data-testid="pose-track-angles"
      aria-pressed={on}
      title={on ? 'Close the angles panel' : "Plot this track's joint angles and gait under the timeline"}
      onClick={(e) => {
        if (on) useKinematics.getState().close();
        else useKinematics.getState().openFor(run.id, trackId);
        e.currentTarget.blur();
      }}
    >
      Angles
    </button>
  );
}

/** "3D": lifts the track (a 'lift' job) or, once lifted, opens / closes the 3D viewer on it. */
function LiftToggle({ run, trackId }: { run: PoseRun; trackId: number }) {
  const lifted = useLift((s) => s.series.find((x) => x.runId === run.id && x.trackId === trackId));
  const pending = useLift((s) => s.pending.some((p) => p.runId === run.id && p.trackId === trackId));
  const on = useLift((s) => lifted !== undefined && s.openSeriesId === lifted.id);
  const liftable = ['coco17', 'coco17-feet', 'h36m17'].includes(run.skeletonId);
  return (
    <button
      type="button"
      className={`small-button toggle-button pose-track-lift${on ? ' on' : ''}`}
      data-testid="pose-track-lift"
      data-lifted={lifted !== undefined}
      aria-pressed={on}
      disabled={pending || !liftable}
      title={
        !liftable
          ? `The lifter reads COCO-17 or H36M-17 tracks; this run is ${run.skeletonId}`
          : pending
            ? 'Lifting to 3D…'
            : on
              ? 'Close the 3D view'
              : lifted
                ? 'Show this track in 3D beside the video'
                : 'Lift to 3D: a job lifts this track with the shipped lifter, then the 3D view opens'
      }
      onClick={(e) => {
        e.currentTarget.blur();
        if (on) useLift.getState().close();
        else if (lifted) useLift.getState().show(lifted.id).catch(ignore);
        else useLift.getState().startLift(run.id, trackId).catch(ignore);
      }}
    >
      {pending ? '3D…' : lifted ? '3D' : 'Lift 3D'}
    </button>
  );
}

function TrackRow({ track, run, video }: { track: TrackSummary; run: PoseRun; video: Video }) {
  const hidden = usePoses((s) => `${run.id}:${track.trackId}` in s.hidden);
  const range = runRange(run, video);
  const span = range.outFrame - range.inFrame;
  const coverage = span > 0 ? Math.min(100, (100 * track.frameCount) / span) : 0;
  const gaps = track.frameCount < track.lastFrame - track.firstFrame + 1;
  return (
    <div
      className={`pose-track${hidden ? ' hidden' : ''}`}
      data-testid="pose-track"
      data-track-id={track.trackId}
      data-frames={track.frameCount}
      data-coverage={coverage.toFixed(1)}
    >
      <input
        type="checkbox"
        data-testid="pose-track-toggle"
        aria-label={`Show track ${track.trackId}`}
        title="Show this track on the player and the timeline"
        checked={!hidden}
        onChange={(e) => {
          usePoses.getState().toggleTrack(track.trackId, e.target.checked);
          e.currentTarget.blur();
        }}
      />
      <span className="swatch" style={{ background: trackColor(track.trackId) }} />
      <button
        type="button"
        className="link-button pose-track-id"
        title={`Go to the track's first frame (${track.firstFrame})`}
        onClick={() => {
          usePlayer.getState().pause();
          usePlayer.getState().seek(track.firstFrame);
        }}
      >
        #{track.trackId}
        {track.label && track.label !== String(track.trackId) ? ` ${track.label}` : ''}
      </button>
      <span className="spacer" />
      <AnglesToggle run={run} trackId={track.trackId} />
      <LiftToggle run={run} trackId={track.trackId} />
      <span
        className="muted small pose-track-stats"
        title={`Frames ${track.firstFrame}–${track.lastFrame}${gaps ? ', with gaps' : ''}; ${track.frameCount} of the run's ${span} frames have a pose`}
      >
        {track.frameCount} f · <span data-testid="pose-track-coverage">{Math.round(coverage)}%</span>
      </span>
    </div>
  );
}

function RunItem({ run, video, selected }: { run: PoseRun; video: Video; selected: boolean }) {
  const dataLoading = usePoses((s) => selected && s.dataLoading);
  const dataError = usePoses((s) => (selected ? s.dataError : null));
  const [smoothing, setSmoothing] = useState(false);
  const editing = useEditor((s) => s.active && s.runId === run.id);
  const opening = useEditor((s) => s.opening);
  const name = runTitle(run);

  const remove = async () => {
    const ok = await useUi.getState().askConfirm({
      title: 'Delete pose run',
      message: `Delete the poses found by ${run.model} (${run.tracks.length} track${run.tracks.length === 1 ? '' : 's'})? This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (ok) await usePoses.getState().deleteRun(run.id);
  };

  const range = runRange(run, video);
  const whole = range.inFrame === 0 && range.outFrame >= video.frameCount;

  return (
    <div
      className={`pose-run${selected ? ' selected' : ''}`}
      data-testid="pose-run"
      data-run-id={run.id}
      data-selected={selected}
    >
      <div
        className="pose-run-head"
        role="button"
        tabIndex={0}
        title={selected ? 'Shown on the player' : 'Show this run on the player'}
        onClick={() => usePoses.getState().selectRun(run.id)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') usePoses.getState().selectRun(run.id);
        }}
      >
        <span className={`radio-dot${selected ? ' on' : ''}`} aria-hidden="true" />
        <span className="pose-run-model" data-testid="pose-run-name" title={name.title}>
          {name.label}
        </span>
        <span className="muted small" title={run.createdAt}>
          {formatDate(run.createdAt)}
        </span>
        <span className="spacer" />
        <button
          type="button"
          className={`icon-button toggle-button${editing ? ' on' : ''}`}
          data-testid="pose-run-edit"
          aria-pressed={editing}
          aria-label={editing ? 'Leave edit mode' : 'Edit poses'}
          title={
            editing
              ? 'Leave edit mode (E); every edit is already saved'
              : run.source === 'edit'
                ? 'Edit this corrected copy (E)'
                : 'Correct these poses (E): edits go to a corrected copy, this run is kept'
          }
          disabled={opening || run.tracks.every((t) => t.frameCount === 0)}
          onClick={(e) => {
            e.stopPropagation();
            e.currentTarget.blur();
            if (editing) useEditor.getState().leave().catch(ignore);
            else useEditor.getState().enter(run.id).catch(ignore);
          }}
        >
          <PencilIcon />
        </button>
        <button
          type="button"
          className="small-button"
          data-testid="pose-run-smooth"
          title="Make a smoothed copy of this run (the run itself is kept)"
          disabled={run.tracks.every((t) => t.frameCount === 0)}
          onClick={(e) => {
            e.stopPropagation();
            setSmoothing((on) => !on);
          }}
        >
          Smooth…
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="pose-run-delete"
          title="Delete this run"
          aria-label="Delete pose run"
          onClick={(e) => {
            e.stopPropagation();
            remove().catch(ignore);
          }}
        >
          <TrashIcon />
        </button>
      </div>
      <div className="muted small pose-run-meta">
        {run.tracks.length} track{run.tracks.length === 1 ? '' : 's'} · {run.skeletonId} ·{' '}
        {whole ? 'whole video' : `frames ${range.inFrame}–${range.outFrame - 1}`}
        {name.detail && <span data-testid="pose-run-source"> · {name.detail}</span>}
        {run.source === 'edit' && (
          <>
            {' '}
            <span
              className={`edit-run-badge${editing ? ' on' : ''}`}
              data-testid="pose-run-edit-badge"
              title={`${name.title}${editing ? '; being edited' : ''}`}
            >
              {editing ? 'editing' : 'corrected'}
            </span>
          </>
        )}
        {dataLoading && ' · loading…'}
      </div>
      {smoothing && <SmoothForm run={run} onDone={() => setSmoothing(false)} />}
      {dataError && <div className="inline-error small">{dataError}</div>}
      {selected && run.tracks.length === 0 && <div className="muted small">No person was found.</div>}
      {selected &&
        run.tracks.map((track) => <TrackRow key={track.trackId} track={track} run={run} video={video} />)}
    </div>
  );
}

export function PoseList({ video }: { video: Video }) {
  const posesVideoId = usePoses((s) => s.videoId);
  const allRuns = usePoses((s) => s.runs);
  const loaded = usePoses((s) => s.loaded);
  const selectedRunId = usePoses((s) => s.selectedRunId);
  const showBoxes = usePoses((s) => s.showBoxes);
  const threshold = usePoses((s) => s.threshold);
  const jobs = useJobs((s) => s.jobs);
  const runs = posesVideoId === video.id ? allRuns : [];
  const detecting = activeDetections(jobs, video.id);
  const playable = isPlayable(video);

  return (
    <div className="pose-list" data-testid="pose-list" onClick={(e) => e.stopPropagation()}>
      <div className="clip-list-header">
        <span>Poses</span>
        <span className="muted small">{runs.length || ''}</span>
        <span className="spacer" />
        <button
          type="button"
          className="small-button"
          data-testid="detect-button"
          disabled={!playable}
          title="Find people and their poses with a model"
          onClick={() => useUi.getState().openDetect({ videoId: video.id })}
        >
          Detect poses
        </button>
      </div>
      {detecting.map((job) => (
        <div key={job.id} className="status-hint importing pose-detecting" title={job.title}>
          <span className="spinner" aria-hidden="true" />
          {job.state === 'queued' ? 'Detection queued' : 'Detecting poses'}
          {job.total > 0 ? ` ${Math.round((100 * job.done) / job.total)}%` : '…'}
        </div>
      ))}
      {loaded && runs.length === 0 && detecting.length === 0 && (
        <div className="muted small empty-clips">
          No poses yet. Detect poses to draw skeletons on the player.
        </div>
      )}
      {runs.length > 0 && (
        <div className="pose-options small">
          <label className="check" title="Draw each person's bounding box">
            <input
              type="checkbox"
              data-testid="pose-boxes-toggle"
              checked={showBoxes}
              onChange={(e) => {
                usePoses.getState().setShowBoxes(e.target.checked);
                e.currentTarget.blur();
              }}
            />
            Boxes
          </label>
          <label className="check pose-threshold" title="Keypoints scoring below this are drawn hollow">
            Min score
            <input
              type="range"
              min={0}
              max={0.9}
              step={0.05}
              value={threshold}
              onChange={(e) => usePoses.getState().setThreshold(Number(e.target.value))}
              onPointerUp={(e) => e.currentTarget.blur()}
            />
            <span className="mono">{threshold.toFixed(2)}</span>
          </label>
        </div>
      )}
      {runs.map((run) => (
        <RunItem key={run.id} run={run} video={video} selected={run.id === selectedRunId} />
      ))}
    </div>
  );
}
