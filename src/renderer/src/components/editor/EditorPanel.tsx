/**
 * The pose editor's panel under the timeline (edit mode): the track and tool, undo/redo, the
 * joints of the selected person at the playhead (with provenance and visibility), the frame,
 * range, track and model-assisted commands (each button names its key), the smoothing preview,
 * and tabs with the problems to visit, the undo history and the export. Every button runs the
 * same command as its key (editor/commands.ts); the data is the editor store's.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { OCCLUDED, PROVENANCE_MASK } from '../../../../shared/editing/provenance';
import { ignore } from '../../api';
import { FIT_VIEW, PROBLEM_COLORS, PROVENANCE_STYLE, type MarkerShape } from '../../player/editOverlay';
import { findFrame, trackColor } from '../../player/poseData';
import { keyCaps, SHORTCUTS, type EditorShortcutId } from '../../shortcuts';
import { useEditor, type PoseFormat, type Problem, type SmoothFilter } from '../../store/editor';
import { usePlayer } from '../../store/player';
import { usePoses } from '../../store/poses';
import { useProject } from '../../store/project';
import {
  cycleVisibility,
  deletePerson,
  deleteRange,
  fillGap,
  gotoProblem,
  interpolate,
  mergeTracks,
  previewSmoothing,
  propagate,
  reassignRange,
  rerun,
  revertToModel,
  splitTrack,
  swapLeftRight,
  toggleKeyframe,
} from './commands';

const editor = () => useEditor.getState();

/** Keys of an editor shortcut as shown on its button: "Shift+I". */
function keysOf(id: EditorShortcutId): { keys: string; description: string } {
  const s = SHORTCUTS.find((x) => x.id === id)!;
  return {
    // "Del" keeps the buttons short; the tooltip has the description.
    keys: keyCaps(s.keys[0]).join('+').replace('Delete', 'Del'),
    description: s.description.replace(/^Edit mode: /, ''),
  };
}

/** A command button that shows its key; focus leaves it after a click so the keys keep working. */
function KeyButton({
  id,
  label,
  onClick,
  disabled,
  testId,
  wide,
}: {
  id: EditorShortcutId;
  label: string;
  onClick(): void;
  disabled?: boolean;
  testId: string;
  wide?: boolean;
}) {
  const { keys, description } = keysOf(id);
  return (
    <button
      type="button"
      className={`small-button ed-key-button${wide ? ' wide' : ''}`}
      data-testid={testId}
      title={`${description} (${keys})`}
      disabled={disabled}
      onClick={(e) => {
        e.currentTarget.blur();
        onClick();
      }}
    >
      {label}
      <kbd>{keys}</kbd>
    </button>
  );
}

function ShapeIcon({ shape, color }: { shape: MarkerShape; color: string }) {
  const common = { fill: shape === 'ring' ? 'none' : color, stroke: shape === 'ring' ? color : '#000' };
  return (
    <svg className="ed-shape" width="11" height="11" viewBox="0 0 12 12" aria-hidden="true">
      {shape === 'square' && <rect x="2" y="2" width="8" height="8" {...common} />}
      {shape === 'diamond' && <path d="M6 0.8 11.2 6 6 11.2 0.8 6z" {...common} />}
      {shape === 'triangle' && <path d="M6 1 11 10.5H1z" {...common} />}
      {shape === 'circle' && <circle cx="6" cy="6" r="4.5" {...common} />}
      {shape === 'ring' && <circle cx="6" cy="6" r="4" strokeWidth="2.2" {...common} />}
    </svg>
  );
}

/** Short names for the legend (the full ones are in its tooltips). */
const SHORT = ['model', 'person', 'interpolated', 'filtered', 'model-seeded'];

/** How the player draws each keypoint's provenance: shape and colour. */
function Legend() {
  const trackId = useEditor((s) => s.trackId);
  const color = trackId !== null ? trackColor(trackId) : '#888';
  return (
    <span className="ed-legend small muted" data-testid="edit-legend">
      {PROVENANCE_STYLE.map((p, i) => (
        <span key={p.label} className="ed-legend-item" title={p.label}>
          <ShapeIcon shape={p.shape} color={p.color ?? color} />
          {SHORT[i]}
        </span>
      ))}
      <span
        className="ed-legend-item"
        title="Marked occluded: hidden behind something, the position is an estimate"
      >
        <span className="ed-occluded" /> occluded
      </span>
      <span
        className="ed-legend-item"
        title="Keyframe (F): a frame a person fixed; interpolation runs between keyframes"
      >
        <span className="ed-keyframe-mark" /> keyframe
      </span>
    </span>
  );
}

// ---------------------------------------------------------------------------------------------
// Header

function Header() {
  const run = useEditor((s) => s.run);
  const data = useEditor((s) => s.data);
  const trackId = useEditor((s) => s.trackId);
  const tool = useEditor((s) => s.tool);
  const zoom = useEditor((s) => s.view.zoom);
  const canUndo = useEditor((s) => s.canUndo);
  const canRedo = useEditor((s) => s.canRedo);
  const undoSummary = useEditor((s) => s.undoSummary);
  const redoSummary = useEditor((s) => s.redoSummary);
  const hidden = usePoses((s) => s.hidden);
  const tracks = data?.tracks ?? [];
  return (
    <div className="kin-header ed-header">
      <span className="kin-title">Edit</span>
      {run && (
        <span
          className="ed-copy-badge"
          data-testid="edit-copy-badge"
          title={`Run #${run.id} is an editable copy of run #${run.sourceRunId ?? '?'}, which stays as it was. Each edit is saved as it is made.`}
        >
          corrected copy of #{run.sourceRunId ?? '?'} · run #{run.id}
        </span>
      )}
      <label className="kin-param">
        Track
        <select
          data-testid="edit-track-select"
          aria-label="Track to edit"
          title="The person the keys act on (T / Shift+T; or click them on the player)"
          value={trackId ?? ''}
          onChange={(e) => {
            editor().selectTrack(Number(e.target.value));
            e.currentTarget.blur();
          }}
        >
          {tracks.map((t) => (
            <option key={t.trackId} value={t.trackId}>
              #{t.trackId} · {t.frames.length} f{`${data?.runId}:${t.trackId}` in hidden ? ' (hidden)' : ''}
            </option>
          ))}
        </select>
      </label>
      <span className="ed-segmented" role="group" aria-label="Tool">
        <button
          type="button"
          className={`small-button toggle-button${tool === 'select' ? ' on' : ''}`}
          aria-pressed={tool === 'select'}
          data-testid="edit-tool-select"
          title="Select and drag joints (Esc leaves the box tool)"
          onClick={(e) => {
            editor().setTool('select');
            e.currentTarget.blur();
          }}
        >
          Select
        </button>
        <button
          type="button"
          className={`small-button toggle-button${tool === 'box' ? ' on' : ''}`}
          aria-pressed={tool === 'box'}
          data-testid="edit-tool-box"
          title={`${keysOf('edit-box').description} Shift+drag: always a new person. (B)`}
          onClick={(e) => {
            editor().setTool(tool === 'box' ? 'select' : 'box');
            e.currentTarget.blur();
          }}
        >
          Box <kbd>B</kbd>
        </button>
      </span>
      <span className="spacer" />
      <button
        type="button"
        className="small-button"
        data-testid="edit-undo"
        disabled={!canUndo}
        title={canUndo ? `Undo: ${undoSummary} (Ctrl+Z)` : 'Nothing to undo'}
        onClick={(e) => {
          e.currentTarget.blur();
          editor().undo().catch(ignore);
        }}
      >
        ↶ Undo
      </button>
      <button
        type="button"
        className="small-button"
        data-testid="edit-redo"
        disabled={!canRedo}
        title={canRedo ? `Redo: ${redoSummary} (Ctrl+Shift+Z)` : 'Nothing to redo'}
        onClick={(e) => {
          e.currentTarget.blur();
          editor().redo().catch(ignore);
        }}
      >
        Redo ↷
      </button>
      <button
        type="button"
        className="small-button"
        data-testid="edit-zoom-fit"
        disabled={zoom === 1}
        title="Zoom: + / − or Ctrl+wheel; pan: Space+drag, middle drag or Ctrl+arrows. Click to fit (Z)."
        onClick={(e) => {
          e.currentTarget.blur();
          editor().setView(FIT_VIEW);
        }}
      >
        <span className="mono">{Math.round(zoom * 100)}%</span>
      </button>
      <button
        type="button"
        className="small-button primary"
        data-testid="edit-done"
        title="Leave edit mode (E). Every edit is already saved."
        onClick={(e) => {
          e.currentTarget.blur();
          editor().leave().catch(ignore);
        }}
      >
        Done
      </button>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Joints

function visibilityOf(score: number, code: number): 'visible' | 'occluded' | 'invisible' {
  if (code & OCCLUDED) return 'occluded';
  return score > 0 ? 'visible' : 'invisible';
}

function JointList() {
  const data = useEditor((s) => s.data);
  const prov = useEditor((s) => s.prov);
  const trackId = useEditor((s) => s.trackId);
  const joint = useEditor((s) => s.joint);
  const drag = useEditor((s) => s.drag);
  const frame = usePlayer((s) => s.frame);
  if (!data) return <div className="ed-joints muted small">Loading…</div>;
  const track = data.tracks.find((t) => t.trackId === trackId);
  const i = track ? findFrame(track.frames, frame) : -1;
  const pi = prov && prov.trackId === trackId ? findFrame(prov.frames, frame) : -1;
  const k = data.k;
  const keyframe = pi >= 0 && (prov!.flags[pi] & 1) !== 0;
  return (
    <div className="ed-joints" data-testid="edit-joints" data-frame={frame} data-has-pose={i >= 0}>
      <div className="ed-section-title">
        Joints <span className="muted small">· frame {frame}</span>
        {keyframe && (
          <span
            className="ed-keyframe-chip"
            data-testid="edit-keyframe-chip"
            title="This frame is a keyframe (F)"
          >
            keyframe
          </span>
        )}
      </div>
      {i < 0 ? (
        <div className="muted small ed-empty">
          {track ? `Track #${track.trackId} has no pose at this frame.` : 'No track selected.'} A gap can be
          filled (G); the box tool (B) adds a person.
        </div>
      ) : (
        <div className="ed-joint-scroll">
          {data.joints.map((name, j) => {
            const o = (i * k + j) * 3;
            const code = pi >= 0 ? prov!.codes[pi * k + j] : 0;
            const p = PROVENANCE_STYLE[code & PROVENANCE_MASK] ?? PROVENANCE_STYLE[0];
            const dragged = drag && drag.trackId === trackId && drag.joint === j && drag.frame === frame;
            const x = dragged ? drag.x : track!.keypoints[o];
            const y = dragged ? drag.y : track!.keypoints[o + 1];
            const score = track!.keypoints[o + 2];
            const vis = visibilityOf(score, code);
            return (
              <button
                type="button"
                key={name}
                className={`ed-joint${j === joint ? ' selected' : ''}${vis !== 'visible' ? ` ${vis}` : ''}`}
                data-testid="edit-joint"
                data-joint={j}
                data-name={name}
                data-provenance={code & PROVENANCE_MASK}
                data-visibility={vis}
                aria-pressed={j === joint}
                title={`${name.replace(/_/g, ' ')}: ${p.label.toLowerCase()}, ${vis}, score ${score.toFixed(2)} at (${x.toFixed(1)}, ${y.toFixed(1)}). Type ${j} to select it.`}
                onClick={(e) => {
                  editor().selectJoint(j === joint ? null : j);
                  e.currentTarget.blur();
                }}
              >
                <span className="ed-joint-num mono">{j}</span>
                <ShapeIcon shape={p.shape} color={p.color ?? trackColor(trackId ?? 0)} />
                <span className="ed-joint-name">{name.replace(/_/g, ' ')}</span>
                <span className="ed-joint-state muted">{vis === 'visible' ? score.toFixed(2) : vis}</span>
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Commands

function Group({ title, note, children }: { title: string; note?: ReactNode; children: ReactNode }) {
  return (
    <div className="ed-group">
      <div className="ed-group-title">
        {title}
        {note && <span className="muted small"> · {note}</span>}
      </div>
      <div className="ed-group-buttons">{children}</div>
    </div>
  );
}

function RangeNote() {
  const markIn = usePlayer((s) => s.markIn);
  const markOut = usePlayer((s) => s.markOut);
  const frameCount = usePlayer((s) => s.frameCount);
  if (markIn === null && markOut === null)
    return <span data-testid="edit-range">no marks (I, O): this frame</span>;
  const a = markIn ?? 0;
  const b = markOut ?? frameCount;
  return (
    <span data-testid="edit-range" className="mono">
      {b > a ? `frames ${a}–${b - 1}` : 'out before in'}
    </span>
  );
}

const FILTERS: { kind: SmoothFilter; label: string; unit: string; step: number; value: number }[] = [
  { kind: 'one-euro', label: 'One-Euro', unit: 'Hz min cutoff', step: 0.1, value: 1 },
  { kind: 'butterworth', label: 'Butterworth', unit: 'Hz cutoff', step: 0.5, value: 6 },
  { kind: 'median', label: 'Median', unit: 'frames', step: 2, value: 5 },
];

function SmoothControls() {
  const filter = useEditor((s) => s.filter);
  const value = useEditor((s) => s.filterValue);
  const preview = useEditor((s) => s.preview);
  const [draft, setDraft] = useState<string | null>(null);
  const spec = FILTERS.find((f) => f.kind === filter)!;
  return (
    <Group title="Smooth" note="preview first, then apply">
      <select
        aria-label="Smoothing filter"
        data-testid="edit-filter-select"
        value={filter}
        onChange={(e) => {
          const f = FILTERS.find((x) => x.kind === e.target.value)!;
          editor().set({ filter: f.kind, filterValue: f.value });
          setDraft(null);
          e.currentTarget.blur();
        }}
      >
        {FILTERS.map((f) => (
          <option key={f.kind} value={f.kind}>
            {f.label}
          </option>
        ))}
      </select>
      <label className="kin-param" title={spec.unit}>
        <input
          type="number"
          data-testid="edit-filter-value"
          aria-label={spec.unit}
          min={filter === 'median' ? 3 : 0}
          step={spec.step}
          value={draft ?? String(value)}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => {
            const n = Number(draft);
            if (draft !== null && draft.trim() !== '' && Number.isFinite(n) && n > 0)
              editor().set({ filterValue: n });
            setDraft(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === 'Escape') e.currentTarget.blur();
          }}
        />
        <span className="muted small">{spec.unit}</span>
      </label>
      {preview ? (
        <>
          <button
            type="button"
            className="small-button primary ed-key-button"
            data-testid="edit-preview-apply"
            title={`Apply: ${preview.summary} (Enter)`}
            onClick={(e) => {
              e.currentTarget.blur();
              editor().applyPreview().catch(ignore);
            }}
          >
            Apply <kbd>Enter</kbd>
          </button>
          <button
            type="button"
            className="small-button ed-key-button"
            data-testid="edit-preview-cancel"
            title="Cancel the preview (Esc)"
            onClick={(e) => {
              e.currentTarget.blur();
              editor().cancelPreview();
            }}
          >
            Cancel <kbd>Esc</kbd>
          </button>
        </>
      ) : (
        <KeyButton id="edit-smooth" label="Preview" testId="edit-preview" onClick={previewSmoothing} />
      )}
    </Group>
  );
}

/** The selected joint's visibility at the playhead, set with a click (V cycles through them). */
function VisibilityControl() {
  const data = useEditor((s) => s.data);
  const prov = useEditor((s) => s.prov);
  const trackId = useEditor((s) => s.trackId);
  const joint = useEditor((s) => s.joint);
  const frame = usePlayer((s) => s.frame);
  const track = data?.tracks.find((t) => t.trackId === trackId);
  const i = track ? findFrame(track.frames, frame) : -1;
  let current: ReturnType<typeof visibilityOf> | null = null;
  if (data && track && i >= 0 && joint !== null) {
    const pi = prov && prov.trackId === trackId ? findFrame(prov.frames, frame) : -1;
    current = visibilityOf(
      track.keypoints[(i * data.k + joint) * 3 + 2],
      pi >= 0 ? prov!.codes[pi * data.k + joint] : 0,
    );
  }
  const { description } = keysOf('edit-visibility');
  return (
    <span
      className="ed-segmented"
      role="group"
      aria-label="Visibility of the selected joint"
      title={`${description} (V)`}
    >
      {(['visible', 'occluded', 'invisible'] as const).map((v) => (
        <button
          key={v}
          type="button"
          className={`small-button toggle-button${current === v ? ' on' : ''}`}
          data-testid={`edit-visibility-${v}`}
          aria-pressed={current === v}
          disabled={current === null}
          onClick={(e) => {
            e.currentTarget.blur();
            if (current !== v) cycleVisibility(v);
          }}
        >
          {v}
        </button>
      ))}
      <kbd className="ed-kbd">V</kbd>
    </span>
  );
}

function Commands() {
  const data = useEditor((s) => s.data);
  const trackId = useEditor((s) => s.trackId);
  const joint = useEditor((s) => s.joint);
  const method = useEditor((s) => s.method);
  const mergeWith = useEditor((s) => s.mergeWith);
  const mergeOverlap = useEditor((s) => s.mergeOverlap);
  const reassignTo = useEditor((s) => s.reassignTo);
  const conflict = useEditor((s) => s.reassignConflict);
  const seedBox = useEditor((s) => s.seedBox);
  const none = trackId === null;
  const others = (data?.tracks ?? []).map((t) => t.trackId).filter((id) => id !== trackId);
  const newId = Math.max(-1, ...(data?.tracks ?? []).map((t) => t.trackId)) + 1;
  return (
    <div className="ed-commands">
      <Group title="Frame" note={joint !== null ? `joint ${joint}` : 'select a joint for V'}>
        <KeyButton
          id="edit-keyframe"
          label="Keyframe"
          testId="edit-keyframe"
          disabled={none}
          onClick={toggleKeyframe}
        />
        <VisibilityControl />
        <KeyButton
          id="edit-delete-person"
          label="Delete person"
          testId="edit-delete-person"
          disabled={none}
          onClick={deletePerson}
        />
        <KeyButton
          id="edit-fill-gap"
          label="Fill gap"
          testId="edit-fill-gap"
          disabled={none}
          onClick={fillGap}
        />
      </Group>
      <Group title="Range" note={<RangeNote />}>
        <select
          aria-label="Interpolation"
          data-testid="edit-method-select"
          title="How Interpolate and Fill gap draw between poses: straight lines, or a smooth curve through the keyframes around"
          value={method}
          onChange={(e) => {
            editor().set({ method: e.target.value as 'linear' | 'smooth' });
            e.currentTarget.blur();
          }}
        >
          <option value="linear">Linear</option>
          <option value="smooth">Smooth</option>
        </select>
        <KeyButton
          id="edit-interpolate"
          label="Interpolate"
          testId="edit-interpolate"
          disabled={none}
          onClick={interpolate}
        />
        <KeyButton
          id="edit-swap"
          label="Swap L/R"
          testId="edit-swap"
          disabled={none}
          onClick={swapLeftRight}
        />
        <KeyButton
          id="edit-revert"
          label="Revert"
          testId="edit-revert"
          disabled={none}
          onClick={revertToModel}
        />
        <KeyButton
          id="edit-delete-range"
          label="Delete"
          testId="edit-delete-range"
          disabled={none}
          onClick={deleteRange}
        />
      </Group>
      <Group title="Tracks">
        <KeyButton
          id="edit-split"
          label="Split here"
          testId="edit-split"
          disabled={none}
          onClick={splitTrack}
        />
        <span className="ed-inline">
          <KeyButton
            id="edit-merge"
            label="Merge"
            testId="edit-merge"
            disabled={none || mergeWith === null}
            onClick={mergeTracks}
          />
          <select
            aria-label="Track to merge into this one"
            data-testid="edit-merge-select"
            title="The track whose frames move into the selected one (it is removed)"
            value={mergeWith ?? ''}
            onChange={(e) => {
              editor().set({ mergeWith: Number(e.target.value) });
              e.currentTarget.blur();
            }}
          >
            {others.length === 0 && <option value="">no other track</option>}
            {others.map((id) => (
              <option key={id} value={id}>
                #{id}
              </option>
            ))}
          </select>
          <select
            aria-label="Frames both tracks have"
            data-testid="edit-merge-overlap"
            title="Frames both tracks have: refuse the merge, or keep this track's poses there"
            value={mergeOverlap}
            onChange={(e) => {
              editor().set({ mergeOverlap: e.target.value as 'refuse' | 'keep-first' });
              e.currentTarget.blur();
            }}
          >
            <option value="refuse">overlap: refuse</option>
            <option value="keep-first">overlap: keep this</option>
          </select>
        </span>
        <span className="ed-inline">
          <KeyButton
            id="edit-reassign"
            label="Reassign"
            testId="edit-reassign"
            disabled={none}
            onClick={reassignRange}
          />
          <select
            aria-label="Track id the range goes to"
            data-testid="edit-reassign-select"
            value={reassignTo ?? 'new'}
            onChange={(e) => {
              editor().set({ reassignTo: e.target.value === 'new' ? null : Number(e.target.value) });
              e.currentTarget.blur();
            }}
          >
            <option value="new">to new #{newId}</option>
            {others.map((id) => (
              <option key={id} value={id}>
                to #{id}
              </option>
            ))}
          </select>
          <select
            aria-label="When the other track has poses there"
            data-testid="edit-reassign-conflict"
            title="When the other track has poses in the range: refuse, or swap the two tracks there (an identity switch)"
            value={conflict}
            onChange={(e) => {
              editor().set({ reassignConflict: e.target.value as 'refuse' | 'swap' });
              e.currentTarget.blur();
            }}
          >
            <option value="refuse">clash: refuse</option>
            <option value="swap">clash: swap ids</option>
          </select>
        </span>
      </Group>
      <Group
        title="Model"
        note={seedBox ? `seed box at frame ${seedBox.frame}` : 'box tool (B) adds a person'}
      >
        <KeyButton
          id="edit-propagate"
          label="Propagate →"
          testId="edit-propagate"
          disabled={none}
          onClick={propagate}
        />
        <KeyButton id="edit-rerun" label="Re-run range" testId="edit-rerun" disabled={none} onClick={rerun} />
      </Group>
      <SmoothControls />
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Problems, history, export

const MAX_LISTED = 300;

function ProblemList() {
  const problems = useEditor((s) => s.problems);
  const trackId = useEditor((s) => s.trackId);
  const [onlyTrack, setOnlyTrack] = useState(true);
  const list = useMemo(
    () => (onlyTrack ? problems.filter((p) => p.trackId === trackId) : problems),
    [problems, onlyTrack, trackId],
  );
  return (
    <div className="ed-list" data-testid="edit-problems" data-count={list.length}>
      <div className="ed-list-head small">
        <label className="check" title="Only the selected track's problems">
          <input
            type="checkbox"
            checked={onlyTrack}
            onChange={(e) => {
              setOnlyTrack(e.target.checked);
              e.currentTarget.blur();
            }}
          />
          This track
        </label>
        <span className="spacer" />
        <span className="muted">
          <kbd>N</kbd> next · <kbd>Shift</kbd>+<kbd>N</kbd> previous
        </span>
      </div>
      {list.length === 0 && <div className="muted small ed-empty">No problems found.</div>}
      {list.slice(0, MAX_LISTED).map((p: Problem) => (
        <button
          type="button"
          key={`${p.trackId}:${p.kind}:${p.inFrame}`}
          className="ed-row"
          data-testid="edit-problem"
          data-kind={p.kind}
          data-in={p.inFrame}
          data-out={p.outFrame}
          title={`${p.reason} Click to go there and mark its frames.`}
          onClick={(e) => {
            e.currentTarget.blur();
            gotoProblem(1, p);
          }}
        >
          <span className="ed-kind" style={{ background: PROBLEM_COLORS[p.kind] }}>
            {p.kind}
          </span>
          <span className="mono">
            #{p.trackId} {p.outFrame - p.inFrame === 1 ? p.inFrame : `${p.inFrame}–${p.outFrame - 1}`}
          </span>
          <span className="ed-row-text muted">{p.reason}</span>
        </button>
      ))}
      {list.length > MAX_LISTED && (
        <div className="muted small ed-empty">and {list.length - MAX_LISTED} more (N reaches them all)</div>
      )}
    </div>
  );
}

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The first frame a history summary names ("frame 120", "frames 30–39", "at frame 70"). */
function frameIn(summary: string): number | null {
  const m = /frames? (\d+)/.exec(summary);
  return m ? Number(m[1]) : null;
}

function HistoryList() {
  const history = useEditor((s) => s.history);
  const shown = useEditor((s) => s.shownEntry);
  const entries = [...history].reverse();
  const entry = history.find((h) => h.id === shown);
  return (
    <div className="ed-list" data-testid="edit-history" data-count={history.length}>
      <div className="ed-list-head small">
        <span className="muted">
          {history.length} edit{history.length === 1 ? '' : 's'}, newest first; saved in the project
        </span>
      </div>
      {entry && (
        <div className="ed-entry-detail small" data-testid="edit-history-detail">
          <b>{entry.action}</b> · {new Date(entry.createdAt).toLocaleString()} ·{' '}
          {entry.undone ? 'undone (redo makes it again)' : 'applied'}
          <div>{entry.summary}</div>
        </div>
      )}
      {entries.length === 0 && <div className="muted small ed-empty">No edits yet.</div>}
      {entries.map((h) => (
        <button
          type="button"
          key={h.id}
          className={`ed-row${h.undone ? ' undone' : ''}${h.id === shown ? ' selected' : ''}`}
          data-testid="edit-history-entry"
          data-entry-id={h.id}
          data-action={h.action}
          data-undone={h.undone}
          title={`${h.summary}${h.undone ? ' (undone)' : ''}. Click to show it.`}
          onClick={(e) => {
            e.currentTarget.blur();
            editor().set({ shownEntry: h.id === shown ? null : h.id });
            const f = frameIn(h.summary);
            if (f !== null && h.id !== shown) {
              usePlayer.getState().pause();
              usePlayer.getState().seek(f);
            }
          }}
        >
          <span className="mono muted">{timeOf(h.createdAt)}</span>
          <span className="ed-row-text">{h.summary}</span>
        </button>
      ))}
    </div>
  );
}

const FORMATS: { value: PoseFormat; label: string }[] = [
  { value: 'coco', label: 'COCO keypoints (.json)' },
  { value: 'alphapose', label: 'AlphaPose (.json)' },
  { value: 'openpose', label: 'OpenPose (folder)' },
  { value: 'vpd', label: 'VPD pose folder' },
  { value: 'vp3d', label: 'VideoPose3D (.npz)' },
  { value: 'csv', label: 'CSV' },
];

function ExportForm() {
  const format = useEditor((s) => s.exportFormat);
  const corrections = useEditor((s) => s.exportCorrections);
  const lastExport = useEditor((s) => s.lastExport);
  const pending = useEditor((s) => s.busy === 'Exporting…');
  const nativeDialogs = useProject((s) => s.info?.nativeDialogs ?? false);
  const [path, setPath] = useState('');
  return (
    <form
      className="ed-export"
      data-testid="edit-export"
      onSubmit={(e) => {
        e.preventDefault();
        editor()
          .exportPoses(path.trim() || undefined)
          .catch(ignore);
      }}
    >
      <label className="field">
        <span>Format</span>
        <select
          data-testid="edit-export-format"
          value={format}
          onChange={(e) => editor().set({ exportFormat: e.target.value as PoseFormat })}
        >
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="ed-radios">
        <label className="check" title="The corrected poses">
          <input
            type="radio"
            name="corrections"
            data-testid="edit-export-include"
            checked={corrections === 'include'}
            onChange={() => editor().set({ exportCorrections: 'include' })}
          />
          With corrections
        </label>
        <label
          className="check"
          title="The model's values back on every corrected keypoint; what the model never gave is left out"
        >
          <input
            type="radio"
            name="corrections"
            data-testid="edit-export-exclude"
            checked={corrections === 'exclude'}
            onChange={() => editor().set({ exportCorrections: 'exclude' })}
          />
          Model only
        </label>
      </fieldset>
      <label className="field">
        <span>Save to</span>
        <span className="ed-inline">
          <input
            type="text"
            data-testid="edit-export-path"
            placeholder="beside the video"
            value={path}
            onChange={(e) => setPath(e.target.value)}
          />
          {nativeDialogs && (
            <button
              type="button"
              className="small-button"
              onClick={() => {
                window.kinema
                  .invoke('dialog.pickExportPath', { suggestedName: `poses_${format}` })
                  .then((picked) => picked && setPath(picked))
                  .catch(ignore);
              }}
            >
              …
            </button>
          )}
        </span>
      </label>
      <div className="button-row">
        <button
          type="submit"
          className="small-button primary"
          data-testid="edit-export-submit"
          disabled={pending}
        >
          {pending ? 'Exporting…' : 'Export'}
        </button>
      </div>
      {lastExport && (
        <div className="small muted ed-export-done">
          Written to{' '}
          <span className="mono" data-testid="edit-export-written">
            {lastExport}
          </span>
        </div>
      )}
    </form>
  );
}

type Tab = 'problems' | 'history' | 'export';

function SidePane() {
  const [tab, setTab] = useState<Tab>('problems');
  const problemCount = useEditor((s) => s.problems.filter((p) => p.trackId === s.trackId).length);
  const historyCount = useEditor((s) => s.history.length);
  const tabs: { id: Tab; label: string; count?: number }[] = [
    { id: 'problems', label: 'Problems', count: problemCount },
    { id: 'history', label: 'History', count: historyCount },
    { id: 'export', label: 'Export' },
  ];
  return (
    <div className="ed-side">
      <div className="kin-tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={`kin-tab${tab === t.id ? ' on' : ''}`}
            data-testid={`edit-tab-${t.id}`}
            onClick={(e) => {
              setTab(t.id);
              e.currentTarget.blur();
            }}
          >
            {t.label}
            {t.count !== undefined && <span className="muted"> {t.count}</span>}
          </button>
        ))}
      </div>
      <div className="ed-side-scroll">
        {tab === 'problems' && <ProblemList />}
        {tab === 'history' && <HistoryList />}
        {tab === 'export' && <ExportForm />}
      </div>
    </div>
  );
}

function Status() {
  const busy = useEditor((s) => s.busy);
  const status = useEditor((s) => s.status);
  return (
    <div className="ed-status small">
      <span
        className="ed-status-text"
        data-testid="edit-status"
        aria-live="polite"
        title={busy ?? status ?? undefined}
      >
        {busy ? (
          <>
            <span className="spinner" aria-hidden="true" /> {busy}
          </>
        ) : (
          (status ?? 'Click a person to select them, a joint to drag it; press ? for every key.')
        )}
      </span>
      <Legend />
    </div>
  );
}

export function EditorPanel() {
  const active = useEditor((s) => s.active);
  const runId = useEditor((s) => s.runId);
  const trackId = useEditor((s) => s.trackId);
  const joint = useEditor((s) => s.joint);
  const revision = useEditor((s) => s.revision);
  const pending = useEditor((s) => s.pending);
  const playerVideo = usePlayer((s) => s.videoId);
  const videoId = useEditor((s) => s.videoId);
  if (!active || videoId !== playerVideo) return null;
  return (
    <section
      className="editor-panel"
      data-testid="editor-panel"
      data-run-id={runId ?? undefined}
      data-track-id={trackId ?? undefined}
      data-joint={joint ?? undefined}
      data-revision={revision}
      data-pending={pending}
      aria-label="Pose editor"
    >
      <Header />
      <Status />
      <div className="ed-body">
        <JointList />
        <Commands />
        <SidePane />
      </div>
    </section>
  );
}
