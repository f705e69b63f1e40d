/**
 * The Train TCC dialog: a TCC encoder trained on every clip with one label (a job; its progress
 * and loss show in the Jobs panel). The frames sampled per clip must stay below the shortest
 * clip: the dialog says so before the request, and the API's check (which counts the frames with
 * poses) has the last word.
 */
import { useMemo, useState } from 'react';
import { TCC_TRAIN_DEFAULTS, type TccLossName } from '../../../../shared/contract-tcc';
import { errorMessage } from '../../api';
import { clipName, useAlign } from '../../store/align';
import { useTcc } from '../../store/tcc';
import { FormFooter, Modal } from '../Modal';

const LOSSES: { value: TccLossName; label: string }[] = [
  { value: 'classification', label: 'Cycle-back classification (best on periodic motions)' },
  { value: 'regression', label: 'Cycle-back regression (variance-aware)' },
  { value: 'regression-mse', label: 'Cycle-back regression (MSE)' },
];

/** A model name from a label: letters, digits, ".", "-" and "_" only. */
function nameFor(label: string): string {
  const slug = label
    .trim()
    .toLowerCase()
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug || 'motion'}-tcc`;
}

export function TrainTccDialog() {
  const open = useTcc((s) => s.trainOpen);
  return open ? <TrainTccBody /> : null;
}

function TrainTccBody() {
  const clips = useAlign((s) => s.clips);
  const learnerClipId = useAlign((s) => s.learner.clipId);
  const labels = useMemo(() => {
    const byLabel = new Map<string, { label: string; clips: typeof clips }>();
    for (const c of clips) {
      const label = c.label.trim();
      if (!label) continue;
      const key = label.toLowerCase();
      const entry = byLabel.get(key) ?? { label, clips: [] };
      entry.clips.push(c);
      byLabel.set(key, entry);
    }
    return [...byLabel.values()].sort(
      (a, b) => b.clips.length - a.clips.length || a.label.localeCompare(b.label),
    );
  }, [clips]);
  const learnerLabel = clips.find((c) => c.id === learnerClipId)?.label.trim() ?? '';
  const [label, setLabel] = useState(
    labels.find((l) => l.label.toLowerCase() === learnerLabel.toLowerCase())?.label ??
      labels.find((l) => l.clips.length >= 2)?.label ??
      labels[0]?.label ??
      '',
  );
  const [name, setName] = useState(nameFor(label));
  const [nameEdited, setNameEdited] = useState(false);
  const [steps, setSteps] = useState(TCC_TRAIN_DEFAULTS.steps);
  const [batch, setBatch] = useState(TCC_TRAIN_DEFAULTS.batchSize);
  const [frames, setFrames] = useState(TCC_TRAIN_DEFAULTS.framesPerSequence);
  const [loss, setLoss] = useState<TccLossName>(TCC_TRAIN_DEFAULTS.loss);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const chosen = labels.find((l) => l.label === label);
  const shortest = chosen?.clips.reduce((a, c) => (c.outFrame - c.inFrame < a.outFrame - a.inFrame ? c : a));
  const shortestFrames = shortest ? shortest.outFrame - shortest.inFrame : 0;
  const tooFew = !chosen || chosen.clips.length < 2;
  const framesTooMany = shortest !== undefined && frames >= shortestFrames;
  const close = () => useTcc.getState().closeTrain();

  const submit = async () => {
    if (tooFew || framesTooMany || submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      await useTcc.getState().train({
        label,
        name: name.trim(),
        steps,
        batchSize: batch,
        framesPerSequence: frames,
        loss,
      });
      close();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  const number = (value: number, set: (n: number) => void, min: number, testId: string, title: string) => (
    <input
      type="number"
      min={min}
      step={1}
      value={Number.isFinite(value) ? value : ''}
      data-testid={testId}
      title={title}
      onChange={(e) => set(Math.floor(Number(e.target.value)))}
    />
  );

  return (
    <Modal
      title="Train a TCC model"
      testId="tcc-train-dialog"
      onClose={close}
      footer={
        <FormFooter
          form="tcc-train-form"
          onCancel={close}
          submitTestId="tcc-train-start"
          disabled={tooFew || framesTooMany || submitting || !name.trim()}
        >
          {submitting ? 'Starting…' : 'Train'}
        </FormFooter>
      }
    >
      <form
        id="tcc-train-form"
        className="tcc-train-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted small">
          Learns per-frame embeddings of one motion from its clips (each clip&apos;s newest pose run, longest
          track) with the temporal cycle-consistency loss. The model and every clip&apos;s embeddings are
          stored in the project; choose the model under Trained to align with it.
        </p>
        <label className="field">
          <span>Clips labelled</span>
          <select
            data-testid="tcc-train-label"
            value={label}
            onChange={(e) => {
              setLabel(e.target.value);
              if (!nameEdited) setName(nameFor(e.target.value));
            }}
          >
            {labels.length === 0 && <option value="">No clip has a label yet</option>}
            {labels.map((l) => (
              <option key={l.label} value={l.label}>
                {l.label} ({l.clips.length} clip{l.clips.length === 1 ? '' : 's'})
              </option>
            ))}
          </select>
        </label>
        {tooFew && (
          <div className="notice small" data-testid="tcc-train-few">
            Training needs at least 2 clips of the same motion: give more clips this label.
          </div>
        )}
        <label className="field">
          <span>Model name</span>
          <input
            type="text"
            data-testid="tcc-train-name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setNameEdited(true);
            }}
          />
        </label>
        <div className="tcc-train-grid">
          <label className="field">
            <span>Steps</span>
            {number(steps, setSteps, 1, 'tcc-train-steps', 'Optimizer steps')}
          </label>
          <label className="field">
            <span>Clips per step</span>
            {number(batch, setBatch, 2, 'tcc-train-batch', 'Clips in each step (all of them when fewer)')}
          </label>
          <label className="field">
            <span>Frames per clip</span>
            {number(frames, setFrames, 2, 'tcc-train-frames', 'Frames sampled from each clip at each step')}
          </label>
        </div>
        {shortest && (
          <div
            className={framesTooMany ? 'inline-error' : 'muted small'}
            data-testid="tcc-train-shortest"
            role={framesTooMany ? 'alert' : undefined}
          >
            {framesTooMany
              ? `Frames per clip must stay below the shortest clip: ${clipName(shortest)} (#${shortest.id}) has ${shortestFrames} frames. Sample at most ${shortestFrames - 1}.`
              : `Shortest clip: ${clipName(shortest)} (#${shortest.id}), ${shortestFrames} frames.`}
          </div>
        )}
        <label className="field">
          <span>Loss</span>
          <select
            data-testid="tcc-train-loss"
            value={loss}
            onChange={(e) => setLoss(e.target.value as TccLossName)}
          >
            {LOSSES.map((l) => (
              <option key={l.value} value={l.value}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error && (
        <div className="inline-error" role="alert" data-testid="tcc-train-error">
          {error}
        </div>
      )}
    </Modal>
  );
}
