import { useCallback, useEffect, useState } from 'react';
import { create } from 'zustand';
import type { RequestOutput } from '../../../shared/contract';
import {
  LIFTER_RECEPTIVE_FIELDS,
  LIFTER_TRAIN_DEFAULTS,
  type LifterTrainInput,
} from '../../../shared/contract-lifter-training';
import { call, errorMessage } from '../api';
import { dirname, resolveTyped } from '../paths';
import { usePoses } from '../store/poses';
import { useProject } from '../store/project';
import { useToasts } from '../store/toasts';
import { FileIcon, FolderIcon } from './icons';
import { FormFooter, Modal } from './Modal';
import './training.css';

/** Whether the dialog is open (its own tiny store: nothing else needs it). */
export const useTrainLifterDialog = create<{ open: boolean; setOpen(open: boolean): void }>()((set) => ({
  open: false,
  setOpen: (open) => set({ open }),
}));

const MOCAP = /\.(bvh|c3d|trc)$/i;

type Listing = RequestOutput<'files.list'>;

/** Only mounted while open, so each opening starts fresh. */
export function TrainLifterDialog() {
  const open = useTrainLifterDialog((s) => s.open);
  return open ? <TrainLifterDialogBody /> : null;
}

/** A list of chosen mocap files and folders, fed by the in-app browser or a typed path. */
function PathList({
  paths,
  onChange,
  testId,
  empty,
}: {
  paths: string[];
  onChange(paths: string[]): void;
  testId: string;
  empty: string;
}) {
  return (
    <div className="mocap-list" data-testid={testId}>
      {paths.length === 0 && <div className="muted">{empty}</div>}
      {paths.map((p) => (
        <div key={p} data-testid={`${testId}-item`}>
          <span title={p}>{p}</span>
          <button
            type="button"
            className="small-button"
            aria-label={`Remove ${p}`}
            onClick={() => onChange(paths.filter((q) => q !== p))}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

function TrainLifterDialogBody() {
  const projectPath = useProject((s) => s.project?.path);
  const homeDir = useProject((s) => s.info?.homeDir);
  const [name, setName] = useState('');
  const [files, setFiles] = useState<string[]>([]);
  const [validation, setValidation] = useState<string[]>([]);
  const [target, setTarget] = useState<'train' | 'validation'>('train');
  const [listing, setListing] = useState<Listing | null>(null);
  const [typed, setTyped] = useState('');
  // 'shipped', 'none', or `project:<name>` for a lifter trained in this project.
  const [init, setInit] = useState<string>(LIFTER_TRAIN_DEFAULTS.init);
  const [parents, setParents] = useState<RequestOutput<'lifterTraining.models'>>([]);
  const [rf, setRf] = useState(LIFTER_TRAIN_DEFAULTS.receptiveField);
  const [channels, setChannels] = useState(LIFTER_TRAIN_DEFAULTS.channels);
  const [epochs, setEpochs] = useState(LIFTER_TRAIN_DEFAULTS.epochs);
  const [batch, setBatch] = useState(LIFTER_TRAIN_DEFAULTS.batchSize);
  const [lr, setLr] = useState('');
  const [noise, setNoise] = useState(LIFTER_TRAIN_DEFAULTS.noise);
  // Semi-supervised: the tracks of the pose run shown on the player, as 2D only.
  const shownRun = usePoses((s) => s.runs.find((r) => r.id === s.selectedRunId) ?? null);
  const [semi, setSemi] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => useTrainLifterDialog.getState().setOpen(false);

  const browse = useCallback(async (dir: string) => {
    try {
      setListing(await call('files.list', { dir }, { quiet: true }));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);
  useEffect(() => {
    void browse(projectPath ? dirname(projectPath) : (homeDir ?? '/'));
  }, [browse, projectPath, homeDir]);
  useEffect(() => {
    call('lifterTraining.models', {}, { quiet: true })
      .then((models) => setParents(models.filter((m) => m.fineTunable)))
      .catch(() => setParents([]));
  }, []);

  const add = (path: string) => {
    const set = target === 'train' ? setFiles : setValidation;
    set((list) => (list.includes(path) ? list : [...list, path]));
  };
  const parent = init.startsWith('project:')
    ? parents.find((m) => m.name === init.slice('project:'.length))
    : undefined;
  const fineTune = init !== 'none';
  // Fine-tuning keeps the starting model's size.
  const fixedRf = parent ? Number(parent.params.receptiveField) : LIFTER_TRAIN_DEFAULTS.receptiveField;
  const fixedChannels = parent ? Number(parent.params.channels) : LIFTER_TRAIN_DEFAULTS.channels;

  const submit = async () => {
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      const input: LifterTrainInput = {
        name: name.trim(),
        files,
        ...(validation.length > 0 ? { validationFiles: validation } : {}),
        ...(parent
          ? { init: 'project' as const, initLifter: parent.name }
          : { init: init as 'shipped' | 'none' }),
        ...(fineTune ? {} : { receptiveField: rf, channels }),
        epochs,
        batchSize: batch,
        ...(lr.trim() ? { learningRate: Number(lr) } : {}),
        noise,
        ...(semi && shownRun ? { unlabeledTracks: [{ runId: shownRun.id }] } : {}),
      };
      const r = await call('lifterTraining.start', input, { quiet: true });
      const unlabeled =
        r.unlabeledFrames > 0 ? ` and ${r.unlabeledFrames} unlabelled 2D frames (semi-supervised)` : '';
      useToasts
        .getState()
        .info(
          `Training lifter "${r.name}" on ${r.trainFiles} file(s) (${r.trainFrames} frames)${unlabeled}, ${r.totalSteps} steps; the Jobs panel shows its curves.`,
        );
      close();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Modal
      title="Train lifter"
      testId="train-lifter-dialog"
      wide
      onClose={close}
      footer={
        <FormFooter
          form="train-lifter-form"
          onCancel={close}
          submitTestId="train-lifter-submit"
          disabled={submitting || files.length === 0 || !name.trim()}
        >
          {submitting ? 'Checking files…' : fineTune ? 'Fine-tune' : 'Train'}
        </FormFooter>
      }
    >
      <form
        id="train-lifter-form"
        className="train-lifter-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Model name (lifting offers it by this name)
          <input
            data-autofocus
            data-testid="train-lifter-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. qualisys-sprint"
          />
        </label>
        <div className="row">
          <span className="muted small">Add to:</span>
          <label className="inline">
            <input type="radio" checked={target === 'train'} onChange={() => setTarget('train')} />
            training files
          </label>
          <label className="inline">
            <input
              type="radio"
              data-testid="train-lifter-target-validation"
              checked={target === 'validation'}
              onChange={() => setTarget('validation')}
            />
            validation files
          </label>
        </div>
        <div className="mocap-browser" data-testid="train-lifter-browser">
          {listing && (
            <>
              <div className="muted small" title={listing.dir}>
                {listing.dir}
                <button
                  type="button"
                  className="small-button"
                  data-testid="train-lifter-add-folder"
                  onClick={() => add(listing.dir)}
                >
                  Add this folder
                </button>
              </div>
              {listing.parent && (
                <button type="button" className="entry" onClick={() => void browse(listing.parent!)}>
                  <FolderIcon /> ..
                </button>
              )}
              {listing.entries
                .filter((e) => e.kind === 'dir' || MOCAP.test(e.name))
                .map((e) => (
                  <button
                    type="button"
                    key={e.path}
                    className="entry"
                    data-testid="train-lifter-entry"
                    title={e.kind === 'dir' ? 'Open' : 'Add'}
                    onClick={() => (e.kind === 'dir' ? void browse(e.path) : add(e.path))}
                  >
                    {e.kind === 'dir' ? <FolderIcon /> : <FileIcon />} {e.name}
                  </button>
                ))}
            </>
          )}
        </div>
        <div className="row">
          <input
            style={{ flex: 1 }}
            data-testid="train-lifter-path"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder="or type a file or folder path"
          />
          <button
            type="button"
            data-testid="train-lifter-add-path"
            disabled={!typed.trim()}
            onClick={() => {
              add(resolveTyped(typed.trim(), listing?.dir ?? '/'));
              setTyped('');
            }}
          >
            Add
          </button>
        </div>
        <label>
          Training files and folders (BVH, C3D, TRC; folders are searched, sub-folders name actions)
          <PathList paths={files} onChange={setFiles} testId="train-lifter-files" empty="None yet." />
        </label>
        <label>
          Validation files (never trained on)
          <PathList
            paths={validation}
            onChange={setValidation}
            testId="train-lifter-validation"
            empty="None: about one training file in five is held out (a single take: its last fifth)."
          />
        </label>
        <div className="row">
          <label>
            Start from
            <select data-testid="train-lifter-init" value={init} onChange={(e) => setInit(e.target.value)}>
              <option value="shipped">the shipped lifter (fine-tune)</option>
              {parents.map((m) => (
                <option key={m.id} value={`project:${m.name}`}>
                  project lifter "{m.name}" (fine-tune)
                </option>
              ))}
              <option value="none">nothing (train from scratch)</option>
            </select>
          </label>
          <label>
            Receptive field
            <select
              value={fineTune ? fixedRf : rf}
              disabled={fineTune}
              onChange={(e) => setRf(Number(e.target.value))}
            >
              {LIFTER_RECEPTIVE_FIELDS.map((v) => (
                <option key={v} value={v}>
                  {v} frames
                </option>
              ))}
            </select>
          </label>
          <label>
            Channels
            <input
              type="number"
              data-testid="train-lifter-channels"
              min={8}
              max={1024}
              value={fineTune ? fixedChannels : channels}
              disabled={fineTune}
              onChange={(e) => setChannels(Number(e.target.value))}
            />
          </label>
        </div>
        <div className="row">
          <label>
            Epochs
            <input
              type="number"
              data-testid="train-lifter-epochs"
              min={1}
              max={1000}
              value={epochs}
              onChange={(e) => setEpochs(Number(e.target.value))}
            />
          </label>
          <label>
            Batch
            <input
              type="number"
              data-testid="train-lifter-batch"
              min={1}
              max={4096}
              value={batch}
              onChange={(e) => setBatch(Number(e.target.value))}
            />
          </label>
          <label>
            Learning rate
            <input
              value={lr}
              onChange={(e) => setLr(e.target.value)}
              placeholder={String(
                fineTune ? LIFTER_TRAIN_DEFAULTS.fineTuneLearningRate : LIFTER_TRAIN_DEFAULTS.learningRate,
              )}
              style={{ width: 90 }}
            />
          </label>
          <label className="inline">
            <input type="checkbox" checked={noise} onChange={(e) => setNoise(e.target.checked)} />
            detector-like 2D noise
          </label>
        </div>
        <label
          className="inline"
          title="VideoPose3D's back-projection: the lifter's 3D, projected with an assumed camera, must match the detected 2D; the mocap keeps the scale"
        >
          <input
            type="checkbox"
            data-testid="train-lifter-semi"
            checked={semi && shownRun !== null}
            disabled={!shownRun}
            onChange={(e) => setSemi(e.target.checked)}
          />
          {shownRun
            ? `Also learn from the tracks of pose run ${shownRun.id} (${shownRun.model}, on the player) as 2D only: semi-supervised`
            : 'Also learn from a video’s pose tracks (semi-supervised): open a video with poses first'}
        </label>
        {semi && shownRun && (
          <div className="muted small" data-testid="train-lifter-semi-hint">
            {fineTune
              ? 'Measured here: footage 2D helps when the mocap is scarce (from scratch on 3 subjects: 9.5 % lower error) but raised the error by 15 % when fine-tuning the shipped lifter on plenty of mocap — consider "nothing (train from scratch)" with few takes.'
              : 'Measured here: from scratch on 3 subjects’ mocap, the footage’s 2D lowered the error on that footage by 9.5 %.'}
          </div>
        )}
        {error && (
          <div
            className="inline-error"
            role="alert"
            data-testid="train-lifter-error"
            style={{ whiteSpace: 'pre-wrap' }}
          >
            {error}
          </div>
        )}
      </form>
    </Modal>
  );
}
