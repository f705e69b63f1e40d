/**
 * The Align view: pick a learner and a reference (clip or whole video, pose run, track), compare
 * them with `align.compute`, then play them side by side through the warp with the warping path,
 * the angle differences and the coaching findings; write the HTML report or render the aligned
 * MP4. It takes the place of the video list and player while open (the jobs panel stays, so an
 * export's progress shows). State lives in store/align.ts.
 *
 * Trained TCC models (store/tcc.ts) are offered as features, trained from the Train TCC dialog,
 * and mapped in the embedding map panel (align/TrainTcc.tsx, align/EmbeddingMap.tsx).
 */
import { useEffect, useRef, type RefObject } from 'react';
import { ignore } from '../api';
import { basename } from '../paths';
import { comboOf, matchShortcut } from '../shortcuts';
import { LIFTED_3D, requestKeyOf, useAlign, type FeatureKind } from '../store/align';
import { isActive, useJobs } from '../store/jobs';
import { tccDialogOpen, useTcc } from '../store/tcc';
import { isModalOpen, useUi } from '../store/ui';
import { AlignPlots } from './align/AlignPlots';
import { CoachingPanel } from './align/Coaching';
import { AlignPanes, AlignTransport } from './align/Playback';
import { SidePicker, useSideTarget } from './align/SidePicker';
import { EmbeddingMapPanel } from './align/EmbeddingMap';
import { TrainTccDialog } from './align/TrainTcc';
import { CloseIcon } from './icons';

const FEATURES: { kind: FeatureKind; label: string; title: string }[] = [
  {
    kind: 'bones',
    label: 'Bones',
    title: 'Bone directions in a body-centred frame (robust to the camera view)',
  },
  { kind: 'angles', label: 'Angles', title: 'Joint-angle cosines (robust to the camera view)' },
  {
    kind: 'keypoints',
    label: 'Keypoints',
    title: 'Normalised 2D keypoints (best when both cameras see the same view)',
  },
];

/** Two opposite arrows (drawn: arrow glyphs are missing from some system fonts). */
const SwapIcon = () => (
  <svg className="icon" width={14} height={14} viewBox="0 0 16 16" fill="currentColor" aria-hidden="true">
    <path d="M11 2l4 3.5L11 9V6.5H3v-2h8zM5 7v2.5h8v2H5V14l-4-3.5z" />
  </svg>
);

/** Typing or choosing in a field keeps its keys; checkboxes and buttons do not type. */
function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (
    target.isContentEditable ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  )
    return true;
  return (
    target instanceof HTMLInputElement &&
    !['checkbox', 'radio', 'button', 'submit', 'range', 'color', 'file'].includes(target.type)
  );
}

/**
 * Keys of the view, taken before the global player shortcuts (capture phase) because the player
 * is hidden while the view is open: Space plays, arrows step (Shift: 10 frames), Home/End, K
 * pauses, Enter compares. The other player shortcuts (marks, clips, overlay) would act on the
 * hidden player, so they are swallowed; ? still opens the help.
 */
function useAlignKeys(root: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const ui = useUi.getState();
      if (isModalOpen(ui) || ui.helpOpen || tccDialogOpen()) return;
      const target = e.target;
      const a = useAlign.getState();
      if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        // On a button Enter presses it; from the pickers (or nothing focused) it compares.
        if (
          target instanceof HTMLButtonElement ||
          target instanceof HTMLAnchorElement ||
          target instanceof HTMLTextAreaElement
        )
          return;
        const inView = target instanceof Node && root.current?.contains(target);
        if (!inView && target !== document.body) return;
        e.preventDefault();
        a.compute().catch(ignore);
        return;
      }
      if (isTextEntry(target)) return;
      const data = a.result;
      let handled = data !== null;
      switch (comboOf(e)) {
        case 'Space':
          a.togglePlay();
          break;
        case 'ArrowLeft':
          a.step(-1);
          break;
        case 'ArrowRight':
          a.step(1);
          break;
        case 'Shift+ArrowLeft':
          a.step(-10);
          break;
        case 'Shift+ArrowRight':
          a.step(10);
          break;
        case 'Home':
          a.pause();
          if (data) a.seek(data.learnerStart);
          break;
        case 'End':
          a.pause();
          if (data) a.seek(data.learnerEnd);
          break;
        case 'K':
          a.pause();
          break;
        default:
          handled = false;
      }
      const shortcut = matchShortcut(e);
      if (!handled && (shortcut === null || shortcut === 'help')) return;
      e.preventDefault();
      // A focused button would also "click" on the Space keyup: take focus off it first.
      if (target instanceof HTMLButtonElement) target.blur();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [root]);
}

function ExportStatus() {
  const last = useAlign((s) => s.lastExport);
  const job = useJobs((s) => (last ? s.jobs.find((j) => j.id === last.jobId) : undefined));
  if (!last) return null;
  const state = job?.state ?? 'queued';
  const what =
    state === 'done'
      ? 'Rendered'
      : state === 'failed'
        ? 'Render failed'
        : state === 'cancelled'
          ? 'Render cancelled'
          : job && isActive(job) && job.total > 0
            ? `Rendering ${Math.round((100 * job.done) / job.total)}%`
            : 'Rendering';
  return (
    <span
      className={`align-export clip-export state-${state}`}
      data-testid="align-export-status"
      data-state={state}
      title={job?.error ?? last.outPath}
    >
      <span className="muted">{what}:</span> <span className="path">{basename(last.outPath)}</span>
    </span>
  );
}

function MapToggle() {
  const open = useTcc((s) => s.mapOpen);
  return (
    <button
      type="button"
      className={`small-button toggle-button${open ? ' on' : ''}`}
      data-testid="tcc-map-toggle"
      aria-pressed={open}
      title="A 2D map (t-SNE) of several clips' embeddings by a trained TCC model"
      onClick={() => useTcc.getState().toggleMap()}
    >
      Embedding map
    </button>
  );
}

/** Trained TCC models as features, and the dialog that trains one. */
function TrainedFeature() {
  const models = useTcc((s) => s.models);
  const trained = useAlign((s) => s.trained);
  return (
    <div className="align-field">
      <span>Learned or 3D</span>
      <div className="align-trained">
        <select
          data-testid="align-trained"
          value={trained ?? ''}
          title="Compare lifted 3D poses or a trained TCC model's embeddings instead of the features above"
          onChange={(e) => useAlign.getState().setTrained(e.target.value || null)}
        >
          <option value="">None: the features above</option>
          <option value={LIFTED_3D}>Lifted 3D poses (view-invariant)</option>
          {models.map((m) => (
            <option key={m.id} value={m.name}>
              {m.name}
            </option>
          ))}
          {trained && trained !== LIFTED_3D && !models.some((m) => m.name === trained) && (
            <option value={trained}>{trained}</option>
          )}
        </select>
        <button
          type="button"
          className="small-button"
          data-testid="tcc-train-open"
          title="Train a TCC model on the clips of one label (a job)"
          onClick={() => useTcc.getState().openTrain()}
        >
          Train TCC…
        </button>
      </div>
    </div>
  );
}

function Header() {
  const result = useAlign((s) => s.result);
  const reporting = useAlign((s) => s.reporting);
  const exporting = useAlign((s) => s.exporting);
  return (
    <div className="align-header">
      <span className="kin-title">Align</span>
      <span className="muted small align-header-hint">
        Compare a learner&apos;s attempt with a reference: one scrubber drives both through the alignment.
      </span>
      <span className="spacer" />
      <ExportStatus />
      <MapToggle />
      <button
        type="button"
        className="small-button"
        data-testid="align-report"
        disabled={!result || reporting}
        title="Write a self-contained HTML report: findings with key frames side by side, the warping path, the angle curves"
        onClick={() => useAlign.getState().writeReport().catch(ignore)}
      >
        {reporting ? 'Writing…' : 'Report (HTML)'}
      </button>
      <button
        type="button"
        className="small-button"
        data-testid="align-export-video"
        disabled={!result || exporting}
        title="Render the aligned side-by-side MP4 with frame numbers (a job in the Jobs panel)"
        onClick={() => useAlign.getState().exportVideo().catch(ignore)}
      >
        Export video
      </button>
      <button
        type="button"
        className="icon-button"
        data-testid="align-close"
        title="Back to the player"
        aria-label="Close the Align view"
        onClick={() => useAlign.getState().close()}
      >
        <CloseIcon />
      </button>
    </div>
  );
}

function Options() {
  const mode = useAlign((s) => s.mode);
  const features = useAlign((s) => s.features);
  const trained = useAlign((s) => s.trained);
  const computing = useAlign((s) => s.computing);
  const learner = useSideTarget('learner');
  const reference = useSideTarget('reference');
  return (
    <div className="align-options">
      <label className="align-field">
        <span>Mode</span>
        <select
          data-testid="align-mode"
          value={mode}
          title="End to end: both ranges are the same motion. Find: the reference motion is somewhere in a longer learner video."
          onChange={(e) => useAlign.getState().setMode(e.target.value as 'global' | 'subsequence')}
        >
          <option value="global">End to end</option>
          <option value="subsequence">Find the reference motion in the learner video</option>
        </select>
      </label>
      <div className="align-field">
        <span>Features</span>
        <div className="align-features" role="group" aria-label="Features compared frame by frame">
          {FEATURES.map((f) => {
            const on = features.includes(f.kind);
            return (
              <button
                key={f.kind}
                type="button"
                className={`small-button toggle-button${on ? ' on' : ''}`}
                data-testid={`align-feature-${f.kind}`}
                aria-pressed={on}
                title={f.title}
                disabled={(on && features.length === 1) || trained !== null}
                onClick={() => useAlign.getState().setFeature(f.kind, !on)}
              >
                {f.label}
              </button>
            );
          })}
        </div>
      </div>
      <TrainedFeature />
      <button
        type="button"
        className="primary align-compare"
        data-testid="align-compare"
        disabled={computing || !learner.ok || !reference.ok}
        title="Align the learner to the reference (Enter)"
        onClick={() => useAlign.getState().compute().catch(ignore)}
      >
        {computing ? (
          <>
            <span className="spinner" aria-hidden="true" />
            Comparing…
          </>
        ) : (
          'Compare'
        )}
      </button>
    </div>
  );
}

/** Says so when the pickers no longer match what is shown. */
function StaleNotice() {
  const result = useAlign((s) => s.result);
  useAlign((s) => s.mode);
  useAlign((s) => s.features);
  useAlign((s) => s.trained);
  useSideTarget('learner');
  useSideTarget('reference');
  if (!result) return null;
  const now = useAlign.getState().requestKey();
  if (now === null || now === requestKeyOf(result.request)) return null;
  return (
    <div className="align-stale small" data-testid="align-stale">
      The choices above changed: press Compare (Enter) to align them. Showing the previous comparison.
    </div>
  );
}

function Body() {
  const result = useAlign((s) => s.result);
  const computing = useAlign((s) => s.computing);
  const error = useAlign((s) => s.error);
  return (
    <>
      {error && (
        <div className="inline-error align-error" data-testid="align-error">
          {error}
        </div>
      )}
      <StaleNotice />
      {result ? (
        <div className="align-body">
          <div className="align-main">
            <AlignPanes data={result} />
            <AlignTransport data={result} />
            <AlignPlots data={result} />
          </div>
          <CoachingPanel data={result} />
        </div>
      ) : (
        <div className="align-empty muted">
          {computing ? (
            <p>
              <span className="spinner" aria-hidden="true" />
              Aligning…
            </p>
          ) : (
            !error && (
              <p>
                Choose a learner and a reference above, then Compare (Enter). The learner plays on the left at
                its own pace; the reference follows on the right, frame by aligned frame.
              </p>
            )
          )}
        </div>
      )}
    </>
  );
}

export function AlignView() {
  const rootRef = useRef<HTMLElement>(null);
  const state = useAlign((s) =>
    s.computing ? 'computing' : s.error ? 'error' : s.result ? 'ready' : 'empty',
  );
  const mapOpen = useTcc((s) => s.mapOpen);
  useAlignKeys(rootRef);
  useEffect(() => {
    const detach = useAlign.getState().attach();
    const detachTcc = useTcc.getState().attach();
    // Keys go to the view at once (the player it replaces may have had focus).
    rootRef.current?.focus();
    return () => {
      detach();
      detachTcc();
    };
  }, []);
  return (
    <section
      className="align-view"
      ref={rootRef}
      tabIndex={-1}
      aria-label="Align"
      data-testid="align-view"
      data-state={state}
    >
      <Header />
      <div className="align-setup">
        <SidePicker role="learner" />
        <button
          type="button"
          className="icon-button align-swap"
          data-testid="align-swap"
          title="Swap learner and reference"
          aria-label="Swap learner and reference"
          onClick={() => useAlign.getState().swap()}
        >
          <SwapIcon />
        </button>
        <SidePicker role="reference" />
        <Options />
      </div>
      {mapOpen && <EmbeddingMapPanel />}
      <Body />
      <TrainTccDialog />
    </section>
  );
}
