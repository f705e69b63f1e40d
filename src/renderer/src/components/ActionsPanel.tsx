/**
 * The Actions panel under the timeline (issue 8): few-shot recognition of the project's clips
 * (labelled clips are the examples; a table of the unlabelled ones with their predicted label and
 * distance, leave-one-out accuracy and the confusion matrix), moments similar to the selected clip
 * or the marked frames (click one to play it), and detection of a labelled action with its
 * precision and recall (the occurrences are also marked on the timeline).
 */
import { useEffect, useState } from 'react';
import type { ActionMoment, RecognitionMethod } from '../../../shared/contract-actions';
import { call } from '../api';
import {
  featureKey,
  playMoment,
  POSE_FEATURE_OPTIONS,
  useActions,
  type ActionsTab,
  type FeatureOption,
} from '../store/actions';
import { useClips } from '../store/clips';
import { usePlayer } from '../store/player';
import { useSelectedVideo } from '../store/videos';
import { CloseIcon } from './icons';
import './actions-panel.css';

const TABS: { tab: ActionsTab; label: string }[] = [
  { tab: 'recognize', label: 'Recognise' },
  { tab: 'retrieve', label: 'Similar moments' },
  { tab: 'detect', label: 'Detect' },
];

const METHODS: { method: RecognitionMethod; label: string; title: string }[] = [
  {
    method: 'knn-dtw',
    label: 'k-NN (DTW)',
    title: 'Each clip takes the label its k nearest labelled clips vote for (DTW distance)',
  },
  {
    method: 'linear',
    label: 'Linear classifier',
    title:
      "A softmax classifier trained on the labelled clips' pooled features; gives each action a probability",
  },
];

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const frames = (inFrame: number, outFrame: number) => `${inFrame}–${outFrame - 1}`;

/** Embedding series the user can pick: VIPE* and the project's TCC encoders. */
function useEmbeddingOptions(open: boolean): { label: string; value: FeatureOption }[] {
  const [tcc, setTcc] = useState<string[]>([]);
  useEffect(() => {
    if (!open) return;
    let live = true;
    call('tcc.models', {}, { quiet: true })
      .then((models) => live && setTcc(models.map((m) => m.name)))
      .catch(() => live && setTcc([]));
    return () => {
      live = false;
    };
  }, [open]);
  return [
    { label: 'Embedding: vipe', value: { kind: 'embedding', source: 'vipe' } },
    ...tcc.map((name) => ({
      label: `Embedding: tcc:${name}`,
      value: { kind: 'embedding', source: `tcc:${name}` } as FeatureOption,
    })),
  ];
}

function Notes({ notes }: { notes: readonly string[] }) {
  if (!notes.length) return null;
  return (
    <ul className="actions-notes" data-testid="actions-notes">
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

function MomentRow({ m, rank }: { m: ActionMoment; rank: number }) {
  return (
    <tr
      className="actions-row clickable"
      data-testid="actions-moment"
      data-video-id={m.videoId}
      data-in={m.inFrame}
      data-out={m.outFrame}
      onClick={() => playMoment(m.videoId, m.inFrame, m.outFrame)}
      title="Play this moment"
    >
      <td>{rank}</td>
      <td>{m.fileName}</td>
      <td className="mono">{frames(m.inFrame, m.outFrame)}</td>
      <td className="mono">{m.cost.toFixed(3)}</td>
      <td>{m.clips.map((c) => c.name).join(', ')}</td>
    </tr>
  );
}

function RecognizeTab() {
  const method = useActions((s) => s.method);
  const k = useActions((s) => s.k);
  const busy = useActions((s) => s.busy);
  const r = useActions((s) => s.recognition);
  const e = r?.evaluation ?? null;
  const linear = r?.method === 'linear';
  return (
    <div className="actions-body" data-testid="actions-recognize">
      <div className="actions-controls">
        <label title={METHODS.find((m) => m.method === method)?.title}>
          Method
          <select
            data-testid="actions-method"
            value={method}
            onChange={(ev) => useActions.getState().set({ method: ev.target.value as RecognitionMethod })}
          >
            {METHODS.map((m) => (
              <option key={m.method} value={m.method} title={m.title}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        {method === 'knn-dtw' && (
          <label>
            k
            <input
              type="number"
              min={1}
              max={50}
              value={k}
              data-testid="actions-k"
              onChange={(ev) =>
                useActions.getState().set({ k: Math.max(1, Math.round(Number(ev.target.value) || 1)) })
              }
            />
          </label>
        )}
        <button
          type="button"
          className="primary"
          data-testid="actions-recognize-run"
          disabled={busy !== null}
          onClick={() => void useActions.getState().recognize()}
          title="Label the unlabelled clips from the labelled ones, and score leave-one-out"
        >
          {busy === 'recognize' ? 'Recognising…' : 'Recognise'}
        </button>
        <span className="muted small">Labelled clips are the examples; unlabelled clips get a label.</span>
      </div>
      {r && (
        <div className="actions-results">
          <Notes notes={r.notes} />
          <section>
            <h4>
              Unlabelled clips ({r.predictions.length}){' '}
              <span className="muted small" data-testid="actions-method-used" data-method={r.method}>
                · {linear ? 'linear classifier' : `${r.k}-NN by DTW distance`} on {r.features}
              </span>
            </h4>
            {r.predictions.length ? (
              <table className="actions-table" data-testid="actions-predictions">
                <thead>
                  <tr>
                    <th>Clip</th>
                    <th>Video</th>
                    <th>Frames</th>
                    <th>Predicted</th>
                    <th>{linear ? 'Probability' : 'Distance'}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.predictions.map((p) => (
                    <tr
                      key={p.clipId}
                      className="actions-row clickable"
                      data-testid="actions-prediction"
                      data-clip-id={p.clipId}
                      data-predicted={p.predicted}
                      onClick={() => playMoment(p.videoId, p.inFrame, p.outFrame)}
                      title={
                        p.probabilities.length
                          ? p.probabilities.map((q) => `${q.label} ${pct(q.probability)}`).join(', ')
                          : undefined
                      }
                    >
                      <td>{p.name}</td>
                      <td>{p.fileName}</td>
                      <td className="mono">{frames(p.inFrame, p.outFrame)}</td>
                      <td>{p.predicted}</td>
                      <td className="mono">
                        {p.confidence !== null ? pct(p.confidence) : (p.distance ?? NaN).toFixed(3)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">Every clip has a label.</p>
            )}
          </section>
          <section>
            <h4>Leave-one-out</h4>
            {e ? (
              <>
                <p data-testid="actions-accuracy" data-accuracy={e.accuracy} data-method={r.method}>
                  Accuracy {pct(e.accuracy)} ({e.predictions.filter((p) => p.truth === p.predicted).length}/
                  {e.predictions.length})
                </p>
                <table className="actions-table confusion" data-testid="actions-confusion">
                  <thead>
                    <tr>
                      <th>truth \ predicted</th>
                      {e.labels.map((l) => (
                        <th key={l}>{l}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {e.labels.map((l, i) => (
                      <tr key={l}>
                        <th>{l}</th>
                        {e.counts[i].map((c, j) => (
                          <td key={j} className={`mono${i === j ? ' diagonal' : c ? ' wrong' : ''}`}>
                            {c}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            ) : (
              <p className="muted small">Needs at least two labelled clips with poses.</p>
            )}
          </section>
        </div>
      )}
    </div>
  );
}

function RetrieveTab() {
  const video = useSelectedVideo();
  const markIn = usePlayer((s) => s.markIn);
  const markOut = usePlayer((s) => s.markOut);
  const selectedClipId = useClips((s) => s.selectedClipId);
  const clip = useClips((s) => s.clips.find((c) => c.id === s.selectedClipId) ?? null);
  const busy = useActions((s) => s.busy);
  const top = useActions((s) => s.top);
  const r = useActions((s) => s.retrieval);
  const marked = video && markIn !== null && markOut !== null && markOut > markIn;
  const query = marked
    ? { videoId: video.id, inFrame: markIn, outFrame: markOut }
    : selectedClipId !== null
      ? { clipId: selectedClipId }
      : null;
  const what = marked
    ? `the marked frames ${frames(markIn, markOut)}`
    : clip
      ? `clip "${clip.label.trim() || `Clip ${clip.id}`}"`
      : null;
  return (
    <div className="actions-body" data-testid="actions-retrieve">
      <div className="actions-controls">
        <label>
          Top
          <input
            type="number"
            min={1}
            max={100}
            value={top}
            onChange={(ev) =>
              useActions
                .getState()
                .set({ top: Math.min(100, Math.max(1, Math.round(Number(ev.target.value) || 1))) })
            }
          />
        </label>
        <button
          type="button"
          className="primary"
          data-testid="actions-retrieve-run"
          disabled={busy !== null || !query}
          onClick={() => query && void useActions.getState().retrieve(query)}
        >
          {busy === 'retrieve' ? 'Searching…' : 'Find similar'}
        </button>
        <span className="muted small">
          {what ? `Moments like ${what}, across every video.` : 'Select a clip or mark in and out first.'}
        </span>
      </div>
      {r && (
        <div className="actions-results">
          <Notes notes={r.notes} />
          <table className="actions-table" data-testid="actions-moments">
            <thead>
              <tr>
                <th>#</th>
                <th>Video</th>
                <th>Frames</th>
                <th>Cost</th>
                <th>In clip</th>
              </tr>
            </thead>
            <tbody>
              {r.results.map((m, i) => (
                <MomentRow key={`${m.videoId}:${m.inFrame}`} m={m} rank={i + 1} />
              ))}
            </tbody>
          </table>
          {!r.results.length && <p className="muted small">No other moment found.</p>}
        </div>
      )}
    </div>
  );
}

function DetectTab() {
  const label = useActions((s) => s.label);
  const threshold = useActions((s) => s.threshold);
  const only = useActions((s) => s.thisVideoOnly);
  const busy = useActions((s) => s.busy);
  const r = useActions((s) => s.detection);
  const [labels, setLabels] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    call('clips.list', {}, { quiet: true })
      .then((clips) => {
        if (!live) return;
        const all = [...new Set(clips.map((c) => c.label.trim()).filter(Boolean))].sort();
        setLabels(all);
        if (!useActions.getState().label && all.length) useActions.getState().set({ label: all[0] });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return (
    <div className="actions-body" data-testid="actions-detect">
      <div className="actions-controls">
        <label>
          Action
          <select
            data-testid="actions-label"
            value={label}
            onChange={(ev) => useActions.getState().set({ label: ev.target.value })}
          >
            {!labels.length && <option value="">No labelled clips</option>}
            {labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label title="Largest relative cost of an occurrence: 0 = the same motion, about 1 = unrelated">
          Threshold
          <input
            type="number"
            min={0.01}
            max={10}
            step={0.05}
            value={threshold}
            data-testid="actions-threshold"
            onChange={(ev) =>
              useActions.getState().set({ threshold: Math.max(0.01, Number(ev.target.value) || 0.3) })
            }
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={only}
            onChange={(ev) => useActions.getState().set({ thisVideoOnly: ev.target.checked })}
          />
          This video only
        </label>
        <button
          type="button"
          className="primary"
          data-testid="actions-detect-run"
          disabled={busy !== null || !label}
          onClick={() => void useActions.getState().detect()}
        >
          {busy === 'detect' ? 'Detecting…' : 'Detect'}
        </button>
      </div>
      {r && (
        <div className="actions-results">
          <Notes notes={r.notes} />
          <p data-testid="actions-pr" data-precision={r.precision} data-recall={r.recall}>
            <strong>
              Precision {pct(r.precision)} · recall {pct(r.recall)}
            </strong>{' '}
            <span className="muted small">
              {r.occurrences.length} found, {r.truths.length} labelled "{r.label}" (found when the temporal
              IoU is ≥ {r.iou}; a clip never finds itself)
            </span>
          </p>
          <table className="actions-table" data-testid="actions-occurrences">
            <thead>
              <tr>
                <th>#</th>
                <th>Video</th>
                <th>Frames</th>
                <th>Cost</th>
                <th>Labelled?</th>
              </tr>
            </thead>
            <tbody>
              {r.occurrences.map((o, i) => (
                <tr
                  key={`${o.videoId}:${o.inFrame}`}
                  className="actions-row clickable"
                  data-testid="actions-occurrence"
                  onClick={() => playMoment(o.videoId, o.inFrame, o.outFrame)}
                >
                  <td>{i + 1}</td>
                  <td>{o.fileName}</td>
                  <td className="mono">{frames(o.inFrame, o.outFrame)}</td>
                  <td className="mono">{o.cost.toFixed(3)}</td>
                  <td>{o.matchedClipId !== null ? `clip ${o.matchedClipId}` : 'not labelled'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function ActionsPanel() {
  const open = useActions((s) => s.open);
  const tab = useActions((s) => s.tab);
  const features = useActions((s) => s.features);
  const error = useActions((s) => s.error);
  const embeddings = useEmbeddingOptions(open);
  if (!open) return null;
  const options = [...POSE_FEATURE_OPTIONS, ...embeddings];
  return (
    <section className="actions-panel" data-testid="actions-panel" data-tab={tab}>
      <header className="kin-header">
        <span className="kin-title">Actions</span>
        {TABS.map((t) => (
          <button
            key={t.tab}
            type="button"
            className={`toggle-button${tab === t.tab ? ' on' : ''}`}
            aria-pressed={tab === t.tab}
            data-testid={`actions-tab-${t.tab}`}
            onClick={() => useActions.getState().setTab(t.tab)}
          >
            {t.label}
          </button>
        ))}
        <label
          className="actions-features"
          title="What clips are compared on: pose features, or stored embeddings"
        >
          Features
          <select
            data-testid="actions-features"
            value={featureKey(features)}
            onChange={(ev) => {
              const picked = options.find((o) => featureKey(o.value) === ev.target.value);
              if (picked) useActions.getState().set({ features: picked.value });
            }}
          >
            {options.map((o) => (
              <option key={featureKey(o.value)} value={featureKey(o.value)}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="icon-button"
          aria-label="Close the Actions panel"
          onClick={() => useActions.getState().setOpen(false)}
        >
          <CloseIcon />
        </button>
      </header>
      {error && (
        <p className="inline-error actions-error" data-testid="actions-error">
          {error}
        </p>
      )}
      {tab === 'recognize' && <RecognizeTab />}
      {tab === 'retrieve' && <RetrieveTab />}
      {tab === 'detect' && <DetectTab />}
    </section>
  );
}

/** Detected occurrences of the Actions panel on the timeline of the video shown. */
export function ActionMarks({ videoId, frameCount }: { videoId: number; frameCount: number }) {
  const open = useActions((s) => s.open);
  const detection = useActions((s) => s.detection);
  if (!open || !detection || frameCount <= 0) return null;
  const here = detection.occurrences.filter((o) => o.videoId === videoId);
  if (!here.length) return null;
  return (
    <div className="timeline-action-marks" data-testid="timeline-action-marks" data-count={here.length}>
      {here.map((o) => (
        <div
          key={o.inFrame}
          className={`timeline-action-mark${o.matchedClipId !== null ? ' labelled' : ''}`}
          style={{
            left: `${(100 * o.inFrame) / frameCount}%`,
            width: `${(100 * (o.outFrame - o.inFrame)) / frameCount}%`,
          }}
          title={`"${detection.label}" at frames ${frames(o.inFrame, o.outFrame)}, cost ${o.cost.toFixed(3)}${o.matchedClipId !== null ? ` (clip ${o.matchedClipId})` : ' (not labelled)'}`}
        />
      ))}
    </div>
  );
}
