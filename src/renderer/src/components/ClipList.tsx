import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Clip, Video } from '../../../shared/contract';
import { formatTimecode, frameToSeconds } from '../../../shared/timecode';
import { call, ignore } from '../api';
import { clipColor } from '../clipColors';
import { addClipFromMarks } from '../commands';
import { basename, safeFileName, stripExtension } from '../paths';
import { useAlign } from '../store/align';
import { useClips, type ClipPatch, type ExportMode } from '../store/clips';
import { useJobs } from '../store/jobs';
import { usePlayer } from '../store/player';
import { useProject } from '../store/project';
import { useToasts } from '../store/toasts';
import { useUi } from '../store/ui';
import { useDraft } from '../useDraft';
import { PlayIcon, PoseIcon, TrashIcon } from './icons';

const EXPORT_MODES: { value: ExportMode; label: string; title: string }[] = [
  { value: 'auto', label: 'Auto', title: 'Stream copy when the cut falls on keyframes, else re-encode' },
  { value: 'copy', label: 'Copy', title: 'Stream copy: fast and lossless, cut snaps to keyframes' },
  { value: 'reencode', label: 'Re-encode', title: 'Frame-exact cut, slower' },
];

/** Enter saves (by leaving the field), Escape restores the saved value. */
function fieldKeys(revert: () => void, multiline = false) {
  return (e: KeyboardEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (!multiline || e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.currentTarget.blur();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      revert();
      const target = e.currentTarget;
      // Blur after React applied the reverted value, so blur sees nothing to save.
      requestAnimationFrame(() => target.blur());
    }
  };
}

interface FrameFieldProps {
  label: string;
  testId: string;
  value: number;
  title: string;
  onCommit(value: number): Promise<unknown>;
}

function FrameField({ label, testId, value, title, onCommit }: FrameFieldProps) {
  const [draft, setDraft] = useDraft(String(value));
  const commit = () => {
    const text = draft.trim();
    const n = Number(text);
    if (text === '' || !Number.isInteger(n)) {
      setDraft(String(value));
      return;
    }
    if (n === value) return;
    onCommit(n).catch(() => setDraft(String(value)));
  };
  return (
    <label className="frame-field" title={title}>
      <span>{label}</span>
      <input
        type="number"
        step={1}
        data-testid={testId}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={fieldKeys(() => setDraft(String(value)))}
      />
    </label>
  );
}

function ClipItem({ clip, video, selected }: { clip: Clip; video: Video; selected: boolean }) {
  const native = useProject((s) => s.info?.nativeDialogs ?? false);
  const lastExport = useClips((s) => s.exports[clip.id]);
  const exportJob = useJobs((s) => (lastExport ? s.jobs.find((j) => j.id === lastExport.jobId) : undefined));
  const [label, setLabel] = useDraft(clip.label);
  const [notes, setNotes] = useDraft(clip.notes);
  const [mode, setMode] = useState<ExportMode>('auto');
  const [exporting, setExporting] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const update = (patch: ClipPatch) => useClips.getState().update(clip.id, patch);

  const saveText = (field: 'label' | 'notes', value: string, revert: () => void) => {
    if (value === clip[field]) return;
    update({ [field]: value }).catch(revert);
  };

  const seekToClip = () => {
    useClips.getState().select(clip.id);
    usePlayer.getState().pause();
    usePlayer.getState().seek(clip.inFrame);
  };

  const remove = async () => {
    await useClips.getState().remove(clip.id);
    const { videoId, inFrame, outFrame, label: oldLabel, notes: oldNotes } = clip;
    useToasts.getState().info(`Deleted clip ${oldLabel || `#${clip.id}`}`, {
      label: 'Undo',
      run: () => {
        useClips
          .getState()
          .create({ videoId, inFrame, outFrame, label: oldLabel, notes: oldNotes })
          .catch(ignore);
      },
    });
  };

  const startExport = async () => {
    setExporting(true);
    try {
      let outPath: string | undefined;
      if (native) {
        const ext = video.fileName.includes('.')
          ? video.fileName.slice(video.fileName.lastIndexOf('.'))
          : '.mp4';
        const suggestedName =
          safeFileName(
            `${stripExtension(video.fileName)} - ${clip.label || `clip ${clip.id}`} (${clip.inFrame}-${clip.outFrame - 1})`,
          ) + ext;
        const picked = await call('dialog.pickExportPath', { suggestedName });
        if (!picked) return;
        outPath = picked;
      }
      const result = await useClips.getState().startExport(clip.id, mode, outPath);
      useToasts.getState().info(`Exporting to ${basename(result.outPath)}`);
    } catch {
      // Reported by the API helper (e.g. a validation error); nothing else to undo.
    } finally {
      setExporting(false);
    }
  };

  const frames = clip.outFrame - clip.inFrame;
  const exportState = exportJob?.state;

  return (
    <div
      ref={ref}
      className={`clip-item${selected ? ' selected' : ''}`}
      data-testid="clip-item"
      data-clip-id={clip.id}
      data-selected={selected}
      style={{ borderLeftColor: clipColor(clip.id) }}
      onPointerDown={() => {
        if (!selected) useClips.getState().select(clip.id);
      }}
    >
      <div className="clip-row">
        <input
          type="text"
          className="clip-label"
          data-testid="clip-label-input"
          aria-label="Clip label"
          placeholder={`Clip ${clip.id}`}
          maxLength={200}
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          onBlur={() => saveText('label', label, () => setLabel(clip.label))}
          onKeyDown={fieldKeys(() => setLabel(clip.label))}
        />
        <button
          type="button"
          className="small-button"
          data-testid="clip-align-button"
          title="Compare this clip (as the learner) with a reference in the Align view"
          onClick={() => useAlign.getState().openWithClip(clip)}
        >
          Align
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="clip-detect-button"
          title="Detect poses in this clip's frames"
          aria-label="Detect poses in this clip"
          onClick={() => {
            useClips.getState().select(clip.id);
            useUi.getState().openDetect({ videoId: clip.videoId, clipId: clip.id });
          }}
        >
          <PoseIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="clip-delete-button"
          title="Delete clip"
          aria-label="Delete clip"
          onClick={() => remove().catch(ignore)}
        >
          <TrashIcon />
        </button>
      </div>
      <div className="clip-row frames">
        <FrameField
          label="In"
          testId="clip-in-input"
          title="First frame of the clip"
          value={clip.inFrame}
          onCommit={(n) => update({ inFrame: n })}
        />
        <button
          type="button"
          className="small-button"
          data-testid="clip-set-in-button"
          title="Set the in frame to the playhead"
          onClick={() => update({ inFrame: usePlayer.getState().frame }).catch(ignore)}
        >
          ⇤
        </button>
        <FrameField
          label="Out (last frame)"
          testId="clip-out-input"
          title="Last frame of the clip (included)"
          value={clip.outFrame - 1}
          onCommit={(n) => update({ outFrame: n + 1 })}
        />
        <button
          type="button"
          className="small-button"
          data-testid="clip-set-out-button"
          title="Set the last frame to the playhead"
          onClick={() => update({ outFrame: usePlayer.getState().frame + 1 }).catch(ignore)}
        >
          ⇥
        </button>
      </div>
      <div className="clip-row muted small" data-testid="clip-range">
        {formatTimecode(clip.inFrame, video.fps)} – {formatTimecode(clip.outFrame - 1, video.fps)} · {frames}{' '}
        frame
        {frames === 1 ? '' : 's'} · {frameToSeconds(frames, video.fps).toFixed(2)} s
      </div>
      <textarea
        className="clip-notes"
        data-testid="clip-notes-input"
        aria-label="Clip notes"
        placeholder="Notes"
        rows={notes ? 2 : 1}
        maxLength={10000}
        value={notes}
        onChange={(e) => setNotes(e.target.value)}
        onBlur={() => saveText('notes', notes, () => setNotes(clip.notes))}
        onKeyDown={fieldKeys(() => setNotes(clip.notes), true)}
      />
      <div className="clip-row actions">
        <button type="button" className="small-button" data-testid="clip-seek-button" onClick={seekToClip}>
          Go to
        </button>
        <button
          type="button"
          className="small-button"
          data-testid="clip-play-button"
          onClick={() => {
            useClips.getState().select(clip.id);
            usePlayer.getState().playRange(clip.inFrame, clip.outFrame);
          }}
        >
          <PlayIcon /> Play
        </button>
        <span className="spacer" />
        <select
          data-testid="clip-export-mode"
          aria-label="Export mode"
          value={mode}
          title={EXPORT_MODES.find((m) => m.value === mode)?.title}
          onChange={(e) => {
            setMode(e.target.value as ExportMode);
            e.currentTarget.blur();
          }}
        >
          {EXPORT_MODES.map((m) => (
            <option key={m.value} value={m.value} title={m.title}>
              {m.label}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="small-button primary"
          data-testid="clip-export-button"
          disabled={exporting}
          onClick={() => void startExport()}
        >
          Export
        </button>
      </div>
      {lastExport && (
        <div className={`clip-export state-${exportState ?? 'queued'}`} data-testid="clip-export-status">
          <span className="muted">
            {exportState === 'done'
              ? 'Exported:'
              : exportState === 'failed'
                ? 'Export failed:'
                : exportState === 'cancelled'
                  ? 'Export cancelled:'
                  : exportJob && exportJob.total > 0
                    ? `Exporting ${Math.round((100 * exportJob.done) / exportJob.total)}%:`
                    : 'Exporting:'}
          </span>{' '}
          <span className="path" data-testid="clip-export-path" title={lastExport.outPath}>
            {lastExport.outPath}
          </span>
        </div>
      )}
    </div>
  );
}

export function ClipList({ video }: { video: Video }) {
  const clips = useClips((s) => s.clips);
  const clipsVideoId = useClips((s) => s.videoId);
  const selectedClipId = useClips((s) => s.selectedClipId);
  const markIn = usePlayer((s) => s.markIn);
  const markOut = usePlayer((s) => s.markOut);
  const visible = clipsVideoId === video.id ? clips : [];

  return (
    <div className="clip-list" data-testid="clip-list" onClick={(e) => e.stopPropagation()}>
      <div className="clip-list-header">
        <span>Clips</span>
        <span className="muted small">{visible.length}</span>
        <span className="spacer" />
        <button
          type="button"
          className="small-button"
          title="Create a clip from the in/out marks (C)"
          disabled={markIn === null && markOut === null}
          onClick={() => addClipFromMarks().catch(ignore)}
        >
          + From marks
        </button>
      </div>
      {visible.length === 0 && (
        <div className="muted small empty-clips">
          No clips. Mark in (I) and out (O) on the timeline, then press C.
        </div>
      )}
      {visible.map((clip) => (
        <ClipItem key={clip.id} clip={clip} video={video} selected={clip.id === selectedClipId} />
      ))}
    </div>
  );
}
