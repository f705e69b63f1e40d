/**
 * The Actions panel (issue 8): few-shot recognition over the project's clips, retrieval of moments
 * like the selected clip or the marked range, and detection of a labelled action, through
 * `actions.recognize`, `actions.retrieve` and `actions.detect`. Detections are also drawn as
 * marks on the timeline of the video shown. Replies to superseded requests are dropped.
 */
import { create } from 'zustand';
import type { RequestInput, RequestOutput } from '../../../shared/contract';
import type { RecognitionMethod } from '../../../shared/contract-actions';
import { call, errorMessage } from '../api';
import { usePlayer } from './player';
import { useVideos } from './videos';
import { session } from './util';

export type ActionsTab = 'recognize' | 'retrieve' | 'detect';

/** What the features select offers: pose features or a stored embedding series. */
export type FeatureOption =
  { kind: 'pose'; features: ('keypoints' | 'bones' | 'angles')[] } | { kind: 'embedding'; source: string };

export const POSE_FEATURE_OPTIONS: { label: string; value: FeatureOption }[] = [
  { label: 'Pose: bones + angles', value: { kind: 'pose', features: ['bones', 'angles'] } },
  { label: 'Pose: angles only', value: { kind: 'pose', features: ['angles'] } },
  {
    label: 'Pose: keypoints + bones + angles',
    value: { kind: 'pose', features: ['keypoints', 'bones', 'angles'] },
  },
];

export function featureKey(f: FeatureOption): string {
  return f.kind === 'pose' ? `pose:${f.features.join(',')}` : `embedding:${f.source}`;
}

function featureInput(f: FeatureOption): Pick<RequestInput<'actions.recognize'>, 'features' | 'embedding'> {
  return f.kind === 'pose' ? { features: f.features } : { embedding: f.source };
}

interface ActionsState {
  open: boolean;
  tab: ActionsTab;
  features: FeatureOption;
  /** Recognition: k-NN over DTW distances, or the linear classifier. */
  method: RecognitionMethod;
  k: number;
  label: string;
  threshold: number;
  /** Detect in the video shown only (else every video). */
  thisVideoOnly: boolean;
  top: number;
  busy: ActionsTab | null;
  error: string | null;
  recognition: RequestOutput<'actions.recognize'> | null;
  retrieval: RequestOutput<'actions.retrieve'> | null;
  detection: RequestOutput<'actions.detect'> | null;
  setOpen(open: boolean): void;
  setTab(tab: ActionsTab): void;
  set(
    patch: Partial<
      Pick<ActionsState, 'features' | 'method' | 'k' | 'label' | 'threshold' | 'thisVideoOnly' | 'top'>
    >,
  ): void;
  recognize(): Promise<void>;
  /** Moments like a clip, or a frame range [inFrame, outFrame) of a video. */
  retrieve(query: { clipId: number } | { videoId: number; inFrame: number; outFrame: number }): Promise<void>;
  detect(): Promise<void>;
}

/** Shows a moment: selects its video, marks it and plays it once. */
export function playMoment(videoId: number, inFrame: number, outFrame: number): void {
  if (useVideos.getState().selectedId !== videoId) useVideos.getState().select(videoId);
  const player = usePlayer.getState();
  if (player.videoId !== videoId) return;
  player.setMarkIn(inFrame);
  player.setMarkOut(outFrame - 1);
  player.playRange(inFrame, outFrame);
}

export const useActions = create<ActionsState>()((set, get) => {
  let request = 0;

  async function run<T>(tab: ActionsTab, ask: () => Promise<T>, store: (value: T) => void): Promise<void> {
    const mine = ++request;
    const generation = session.generation;
    set({ busy: tab, error: null });
    try {
      const value = await ask();
      if (mine !== request || generation !== session.generation) return;
      store(value);
      set({ busy: null });
    } catch (error) {
      if (mine !== request) return;
      set({ busy: null, error: errorMessage(error) });
    }
  }

  return {
    open: false,
    tab: 'recognize',
    features: POSE_FEATURE_OPTIONS[0].value,
    method: 'knn-dtw',
    k: 1,
    label: '',
    threshold: 0.3,
    thisVideoOnly: false,
    top: 10,
    busy: null,
    error: null,
    recognition: null,
    retrieval: null,
    detection: null,
    setOpen(open) {
      set({ open });
    },
    setTab(tab) {
      set({ tab, error: null });
    },
    set(patch) {
      set(patch);
    },
    recognize() {
      const { features, method, k } = get();
      return run(
        'recognize',
        () =>
          call(
            'actions.recognize',
            { ...featureInput(features), method, ...(method === 'knn-dtw' ? { k } : {}) },
            { quiet: true },
          ),
        (recognition) => set({ recognition }),
      );
    },
    retrieve(query) {
      const { features, top } = get();
      return run(
        'retrieve',
        () => call('actions.retrieve', { ...featureInput(features), top, ...query }, { quiet: true }),
        (retrieval) => set({ retrieval }),
      );
    },
    detect() {
      const { features, label, threshold, thisVideoOnly } = get();
      const videoId = useVideos.getState().selectedId;
      if (!label.trim()) {
        set({ error: 'Pick the action (a clip label) to detect.' });
        return Promise.resolve();
      }
      return run(
        'detect',
        () =>
          call(
            'actions.detect',
            {
              ...featureInput(features),
              label,
              threshold,
              ...(thisVideoOnly && videoId !== null ? { videoId } : {}),
            },
            { quiet: true },
          ),
        (detection) => set({ detection }),
      );
    },
  };
});
