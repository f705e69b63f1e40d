import { useEffect, useState } from 'react';
import type { ModelInfo } from '../../../shared/contract';
import { call, errorMessage } from '../api';
import { useClips } from '../store/clips';
import { usePlayer } from '../store/player';
import { useToasts } from '../store/toasts';
import { useUi, type DetectRequest } from '../store/ui';
import { useVideos } from '../store/videos';
import { FormFooter, Modal } from './Modal';

type RangeChoice = 'video' | 'clip' | 'marks';

/** The model picked last time, offered first next time. */
let lastModel: string | null = null;
/** The people choice of last time. */
let lastPeople: 'single' | 'multi' = 'single';

/** Only mounted while open, so each opening starts from the current clip and marks. */
export function DetectDialog() {
  const request = useUi((s) => s.detect);
  return request ? <DetectDialogBody request={request} /> : null;
}

function DetectDialogBody({ request }: { request: DetectRequest }) {
  const video = useVideos((s) => s.videos.find((v) => v.id === request.videoId) ?? null);
  const clip = useClips((s) => {
    if (s.videoId !== request.videoId) return null;
    const id = request.clipId ?? s.selectedClipId;
    return s.clips.find((c) => c.id === id) ?? null;
  });
  const sameVideo = usePlayer((s) => s.videoId === request.videoId);
  const markIn = usePlayer((s) => s.markIn);
  const markOut = usePlayer((s) => s.markOut);
  const [models, setModels] = useState<ModelInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [model, setModel] = useState('');
  const [people, setPeople] = useState<'single' | 'multi'>(lastPeople);
  const [range, setRange] = useState<RangeChoice>(request.clipId !== undefined ? 'clip' : 'video');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = () => useUi.getState().closeDetect();

  useEffect(() => {
    let cancelled = false;
    call('models.list', {}, { quiet: true }).then(
      (list) => {
        if (cancelled) return;
        setModels(list);
        setModel(list.find((m) => m.id === lastModel)?.id ?? list[0]?.id ?? '');
      },
      (e) => {
        if (!cancelled) setLoadError(errorMessage(e));
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const frameCount = video?.frameCount ?? 0;
  const marks =
    sameVideo && (markIn !== null || markOut !== null)
      ? { inFrame: markIn ?? 0, outFrame: markOut ?? frameCount }
      : null;
  const ranges: Record<RangeChoice, { inFrame: number; outFrame: number } | null> = {
    video: frameCount > 0 ? { inFrame: 0, outFrame: frameCount } : null,
    clip: clip ? { inFrame: clip.inFrame, outFrame: clip.outFrame } : null,
    marks: marks && marks.outFrame > marks.inFrame ? marks : null,
  };
  // A choice whose range went away (clip deleted, marks cleared) falls back to the whole video.
  const effective: RangeChoice = ranges[range] ? range : 'video';
  const chosen = ranges[effective];
  const fps = video?.fps ?? 0;

  const describe = (r: { inFrame: number; outFrame: number } | null) =>
    r
      ? `frames ${r.inFrame}–${r.outFrame - 1} · ${r.outFrame - r.inFrame} f${fps > 0 ? ` · ${((r.outFrame - r.inFrame) / fps).toFixed(1)} s` : ''}`
      : '';

  const selectedModel = models?.find((m) => m.id === model);
  // A model runs only the people modes it supports (BlazePose: one athlete; MultiPose: everyone).
  const peopleModes = selectedModel?.people ?? ['single', 'multi'];
  const effectivePeople = peopleModes.includes(people) ? people : (peopleModes[0] ?? people);

  const submit = async () => {
    if (submitting || !video || !chosen) return;
    if (!model) {
      setError('Choose a model.');
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const whole = effective === 'video';
      const who = effectivePeople === 'multi' ? { people: effectivePeople } : {};
      await call(
        'poses.detect',
        whole
          ? { videoId: video.id, model, ...who }
          : { videoId: video.id, model, inFrame: chosen.inFrame, outFrame: chosen.outFrame, ...who },
        { quiet: true },
      );
      lastModel = model;
      lastPeople = people;
      useToasts.getState().info(`Detecting poses in ${video.fileName} (${describe(chosen)})`);
      close();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Modal
      title="Detect poses"
      testId="detect-dialog"
      onClose={close}
      footer={
        <FormFooter
          form="detect-form"
          onCancel={close}
          submitTestId="detect-submit"
          disabled={submitting || !models || models.length === 0 || !chosen}
        >
          {submitting ? 'Starting…' : 'Detect'}
        </FormFooter>
      }
    >
      <form
        id="detect-form"
        className="detect-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="muted small detect-video" title={video?.path}>
          {video?.fileName ?? 'Video not found'}
        </div>
        <label className="field">
          <span>Model</span>
          <select
            data-testid="detect-model-select"
            value={model}
            disabled={!models || models.length === 0}
            onChange={(e) => setModel(e.target.value)}
          >
            {!models && !loadError && <option value="">Loading models…</option>}
            {models?.length === 0 && <option value="">No models available</option>}
            {models?.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
        </label>
        {selectedModel && (
          <div className="muted small detect-model-info">
            {selectedModel.description} · {selectedModel.skeletonId} · {selectedModel.inputSize}px input
          </div>
        )}
        {loadError && (
          <div className="inline-error" role="alert">
            Models could not be listed: {loadError}
          </div>
        )}
        <label className="field">
          <span>People</span>
          <select
            data-testid="detect-people-select"
            value={effectivePeople}
            onChange={(e) => setPeople(e.target.value === 'multi' ? 'multi' : 'single')}
          >
            <option value="single" disabled={!peopleModes.includes('single')}>
              One athlete
            </option>
            <option value="multi" disabled={!peopleModes.includes('multi')}>
              Everyone (one track each)
            </option>
          </select>
        </label>
        <fieldset className="detect-range">
          <legend>Range</legend>
          {(
            [
              ['video', 'Whole video'],
              ['clip', clip ? `Clip: ${clip.label || `#${clip.id}`}` : 'Current clip'],
              ['marks', 'In–out marks'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className={`check detect-range-option${ranges[value] ? '' : ' disabled'}`}>
              <input
                type="radio"
                name="detect-range"
                value={value}
                data-testid={`detect-range-${value}`}
                checked={effective === value}
                disabled={!ranges[value]}
                onChange={() => setRange(value)}
              />
              <span>{label}</span>
              <span className="muted small">
                {ranges[value]
                  ? describe(ranges[value])
                  : value === 'clip'
                    ? 'no clip selected'
                    : value === 'marks'
                      ? 'no marks set'
                      : ''}
              </span>
            </label>
          ))}
        </fieldset>
      </form>
      {error && (
        <div className="inline-error" role="alert" data-testid="detect-error">
          {error}
        </div>
      )}
    </Modal>
  );
}
