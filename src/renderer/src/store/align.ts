/**
 * The Align view: which learner and reference are compared (video, clip or whole video, pose run,
 * track) and how, the last `align.compute` reply decoded to typed arrays once, and the linked
 * playback: one learner frame drives both panes, the reference following through the warp.
 *
 * The pickers need every clip of the project and the pose runs of each chosen video, which the
 * per-video stores (clips, poses) do not hold, so this store fetches them and follows pushed
 * events while the view is open. Replies to superseded requests or another project are dropped.
 */
import { create } from 'zustand';
import type { AlignResult, Clip, PoseRun, RequestInput, Video } from '../../../shared/contract';
import { call, errorMessage, ignore, on } from '../api';
import { safeFileName, stripExtension, basename } from '../paths';
import { PlaybackClock } from '../player/clock';
import { decodeRun, type RunData } from '../player/poseData';
import { decodeFloats, longestTrack } from './kinematics';
import { useClips } from './clips';
import { useProject } from './project';
import { useToasts } from './toasts';
import { useVideos } from './videos';
import { coalesced, session } from './util';

export type Role = 'learner' | 'reference';
export const ROLES: readonly Role[] = ['learner', 'reference'];
export type FeatureKind = 'keypoints' | 'bones' | 'angles';
export type AlignMode = 'global' | 'subsequence';
export type AlignRequest = RequestInput<'align.compute'>;
type SideRequest = AlignRequest['learner'];

/** The view-robust features are the default; keypoints only suit the same camera view. */
export const DEFAULT_FEATURES: FeatureKind[] = ['bones', 'angles'];
/** Difference curves shown at first: the angles that differ most. */
const DEFAULT_PLOTTED = 3;

/** What the user picked for one side; null run/track = the defaults (newest run, longest track). */
export interface SideChoice {
  videoId: number | null;
  /** null = the whole video. */
  clipId: number | null;
  runId: number | null;
  trackId: number | null;
}

const EMPTY_SIDE: SideChoice = { videoId: null, clipId: null, runId: null, trackId: null };

/** A side resolved against what is loaded: the request it makes, or why it cannot make one. */
export type SideTarget =
  | { ok: true; request: SideRequest; video: Video; clip: Clip | null; run: PoseRun }
  | {
      ok: false;
      /** 'loading' while the video's runs are fetched; 'no-poses' says to run Detect poses. */
      reason: 'no-video' | 'loading' | 'no-poses' | 'no-track' | 'no-overlap';
      message: string;
      video: Video | null;
      clip: Clip | null;
    };

export interface AngleDiff {
  name: string;
  meanDiff: number | null;
  meanAbsDiff: number | null;
  maxAbsDiff: number | null;
  at: { learner: number; reference: number };
  /** Degrees, learner − reference, per reference row (see AlignData.referenceRows). */
  diff: Float32Array;
}

type Coaching = NonNullable<AlignResult['coaching']>;

export interface AlignData {
  /** The request this answers (report and export reuse it). */
  request: AlignRequest;
  mode: AlignMode;
  learnerVideoId: number;
  referenceVideoId: number;
  learnerStart: number;
  learnerEnd: number;
  referenceStart: number;
  referenceEnd: number;
  pathLearner: Int32Array;
  pathReference: Int32Array;
  /** Reference frame of each learner video frame learnerStart + i (every frame of the span). */
  toReference: Int32Array;
  /** Learner frame of each reference video frame referenceStart + j (every frame of the span). */
  toLearner: Int32Array;
  /** Reference video frame of each sample of the angle differences. */
  referenceRows: Int32Array;
  cost: number;
  normalizedCost: number;
  featureTau: number | null;
  features: string[];
  coaching: (Omit<Coaching, 'angles'> & { angles: AngleDiff[] }) | null;
  coachingError: string | null;
  learnerFps: number;
  referenceFps: number;
  /** How each side is named in the view ("serve.mp4 · Serve 1 (45–89)"). */
  labels: Record<Role, string>;
}

interface AlignState {
  open: boolean;
  learner: SideChoice;
  reference: SideChoice;
  mode: AlignMode;
  features: FeatureKind[];
  /** A trained TCC model whose embeddings are compared instead of `features` (null: none). */
  trained: string | null;
  /** Every clip of the project, for the pickers. */
  clips: Clip[];
  /** Pose runs by video id, newest first (absent: not fetched yet). */
  runs: Record<number, PoseRun[]>;
  result: AlignData | null;
  computing: boolean;
  error: string | null;
  /** Decoded tracks of the result's two runs, for the skeletons (null while loading). */
  tracks: Record<Role, RunData | null>;
  /** The learner frame shown; the reference pane shows its aligned frame. */
  frame: number;
  playing: boolean;
  /** Names of the angle differences plotted. */
  plotted: string[];
  reporting: boolean;
  exporting: boolean;
  lastExport: { jobId: number; outPath: string } | null;

  openView(): void;
  /** Opens the view with `clip` as the learner (the clip list's Compare button). */
  openWithClip(clip: Clip): void;
  close(): void;
  setSide(role: Role, patch: Partial<SideChoice>): void;
  swap(): void;
  setMode(mode: AlignMode): void;
  setFeature(kind: FeatureKind, on: boolean): void;
  setTrained(name: string | null): void;
  side(role: Role): SideTarget;
  /** Key of the request the pickers make now (null when a side is incomplete). */
  requestKey(): string | null;
  compute(): Promise<void>;
  seek(frame: number): void;
  step(delta: number): void;
  play(): void;
  pause(): void;
  togglePlay(): void;
  setPlotted(name: string, on: boolean): void;
  writeReport(): Promise<string | null>;
  exportVideo(): Promise<void>;
  /** Fetches clips and runs and follows pushed changes while the view is shown. */
  attach(): () => void;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Int32 little-endian bytes as an Int32Array (copied: wire buffers may be unaligned). */
export function decodeInts(bytes: Uint8Array): Int32Array {
  const n = Math.floor(bytes.byteLength / 4);
  if (littleEndian && bytes.byteOffset % 4 === 0)
    return new Int32Array(bytes.buffer, bytes.byteOffset, n).slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
  return out;
}

/**
 * For every video frame start..end of one side, the other side's frame from the warping path: the
 * middle of the frames paired with it (as the API computes its correspondences). Frames the path
 * skips (gaps in the track) keep the previous frame's partner, so the scrubber never lands on
 * nothing.
 */
export function mapThroughPath(from: Int32Array, to: Int32Array, start: number, end: number): Int32Array {
  const n = Math.max(0, end - start + 1);
  const first = new Int32Array(n).fill(-1);
  const last = new Int32Array(n).fill(-1);
  for (let t = 0; t < from.length; t++) {
    const i = from[t] - start;
    if (i < 0 || i >= n) continue;
    if (first[i] < 0) first[i] = to[t];
    last[i] = to[t];
  }
  const out = new Int32Array(n);
  let previous = -1;
  for (let i = 0; i < n; i++) {
    if (first[i] >= 0) previous = Math.round((first[i] + last[i]) / 2);
    out[i] = previous;
  }
  // Leading frames without a partner take the first known one.
  const firstKnown = out.find((v) => v >= 0) ?? -1;
  for (let i = 0; i < n && out[i] < 0; i++) out[i] = firstKnown;
  return out;
}

/** The distinct values of an ascending array, in order. */
function distinct(values: Int32Array): Int32Array {
  const out: number[] = [];
  for (const v of values) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  return Int32Array.from(out);
}

function decode(result: AlignResult, request: AlignRequest, labels: Record<Role, string>): AlignData {
  const pathLearner = decodeInts(result.pathLearner);
  const pathReference = decodeInts(result.pathReference);
  const span = (a: number, b: number) => b - a + 1;
  // The API's correspondences are per pose row; they are per video frame unless a track has gaps.
  const l2r = decodeInts(result.learnerToReference);
  const r2l = decodeInts(result.referenceToLearner);
  const toReference =
    l2r.length === span(result.learnerStart, result.learnerEnd)
      ? l2r
      : mapThroughPath(pathLearner, pathReference, result.learnerStart, result.learnerEnd);
  const toLearner =
    r2l.length === span(result.referenceStart, result.referenceEnd)
      ? r2l
      : mapThroughPath(pathReference, pathLearner, result.referenceStart, result.referenceEnd);
  const videos = useVideos.getState().videos;
  const fpsOf = (id: number) => videos.find((v) => v.id === id)?.fps ?? 0;
  return {
    request,
    mode: result.mode,
    learnerVideoId: result.learnerVideoId,
    referenceVideoId: result.referenceVideoId,
    learnerStart: result.learnerStart,
    learnerEnd: result.learnerEnd,
    referenceStart: result.referenceStart,
    referenceEnd: result.referenceEnd,
    pathLearner,
    pathReference,
    toReference,
    toLearner,
    // Every reference pose row is on the path, so its distinct frames are the rows.
    referenceRows: distinct(pathReference),
    cost: result.cost,
    normalizedCost: result.normalizedCost,
    featureTau: result.featureTau,
    features: result.features,
    coaching: result.coaching && {
      ...result.coaching,
      angles: result.coaching.angles.map((a) => ({ ...a, diff: decodeFloats(a.diff) })),
    },
    coachingError: result.coachingError,
    learnerFps: fpsOf(result.learnerVideoId),
    referenceFps: fpsOf(result.referenceVideoId),
    labels,
  };
}

/** The reference frame aligned with learner frame `frame` (clamped to the aligned span). */
export function referenceFrameOf(data: AlignData, frame: number): number {
  const i = Math.max(0, Math.min(data.toReference.length - 1, frame - data.learnerStart));
  return data.toReference[i] ?? data.referenceStart;
}

/** The learner frame aligned with reference frame `frame` (clamped to the aligned span). */
export function learnerFrameOf(data: AlignData, frame: number): number {
  const j = Math.max(0, Math.min(data.toLearner.length - 1, frame - data.referenceStart));
  return data.toLearner[j] ?? data.learnerStart;
}

/** Angles sorted by how much they differ (largest mean |difference| first; no value last). */
export function anglesByDifference(data: AlignData): AngleDiff[] {
  return [...(data.coaching?.angles ?? [])].sort(
    (a, b) => (b.meanAbsDiff ?? -1) - (a.meanAbsDiff ?? -1) || a.name.localeCompare(b.name),
  );
}

/** Identity of a request: the pickers' request and a result's request compare by it. */
export function requestKeyOf(r: AlignRequest): string {
  const side = (x: SideRequest) => [x.runId, x.trackId, x.inFrame ?? null, x.outFrame ?? null];
  return JSON.stringify([side(r.learner), side(r.reference), r.features ?? null, r.mode ?? null]);
}

export function clipName(clip: Clip): string {
  return clip.label || `Clip ${clip.id}`;
}

/** `trained` value choosing lifted 3D poses (a colon never occurs in a model name). */
export const LIFTED_3D = ':lifted3d';

/** The features a request names: the trained model's embeddings when one is chosen. */
function requestFeatures(s: Pick<AlignState, 'features' | 'trained'>): AlignRequest['features'] {
  if (s.trained === LIFTED_3D) return ['lifted3d'];
  return s.trained ? [`tcc:${s.trained}`] : s.features;
}

const newestFirst = (a: PoseRun, b: PoseRun) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id;

const clock = new PlaybackClock();
/** Decoded tracks by `${generation}:${runId}:${frames}`: a handful, so re-comparing does not refetch. */
const trackCache = new Map<string, RunData>();
const TRACK_CACHE_RUNS = 6;

export const useAlign = create<AlignState>()((set, get) => {
  let computeRequest = 0;
  let tracksRequest = 0;

  const refreshClips = coalesced(async () => {
    const generation = session.generation;
    let clips: Clip[];
    try {
      clips = await call('clips.list', {}, { quiet: true });
    } catch {
      return;
    }
    if (generation !== session.generation) return;
    clips.sort((a, b) => a.videoId - b.videoId || a.inFrame - b.inFrame || a.id - b.id);
    set({ clips });
    // A deleted clip leaves its side on the whole video.
    for (const role of ROLES) {
      const choice = get()[role];
      if (choice.clipId !== null && !clips.some((c) => c.id === choice.clipId))
        set({ [role]: { ...choice, clipId: null } });
    }
    pickReferenceByLabel();
  });

  /** Latest request per video: an older reply never overwrites a newer one. */
  const runsRequest = new Map<number, number>();
  const runsPending = new Set<number>();
  async function refreshRuns(videoId: number): Promise<void> {
    const mine = (runsRequest.get(videoId) ?? 0) + 1;
    runsRequest.set(videoId, mine);
    runsPending.add(videoId);
    const generation = session.generation;
    const current = () => generation === session.generation && runsRequest.get(videoId) === mine;
    try {
      const runs = await call('poses.runs', { videoId }, { quiet: true });
      if (current()) set((s) => ({ runs: { ...s.runs, [videoId]: [...runs].sort(newestFirst) } }));
    } catch (error) {
      // The picker then says there are no poses rather than loading forever.
      if (current()) set((s) => ({ runs: { ...s.runs, [videoId]: [] } }));
      console.warn('Kinema: pose runs could not be listed', error);
    } finally {
      if (runsRequest.get(videoId) === mine) runsPending.delete(videoId);
    }
  }

  function ensureRuns(): void {
    const { runs } = get();
    for (const role of ROLES) {
      const id = get()[role].videoId;
      if (id !== null && !(id in runs) && !runsPending.has(id)) refreshRuns(id).catch(ignore);
    }
  }

  /**
   * With a learner clip and no reference yet, another clip with the same label is the natural
   * reference: clips of one motion share a label.
   */
  function pickReferenceByLabel(): void {
    const { learner, reference, clips } = get();
    if (reference.videoId !== null || learner.clipId === null) return;
    const mine = clips.find((c) => c.id === learner.clipId);
    const label = mine?.label.trim().toLowerCase();
    if (!mine || !label) return;
    const other = clips.find((c) => c.id !== mine.id && c.label.trim().toLowerCase() === label);
    if (other) get().setSide('reference', { videoId: other.videoId, clipId: other.id });
  }

  async function loadTracks(data: AlignData): Promise<void> {
    const mine = ++tracksRequest;
    const generation = session.generation;
    const load = async (role: Role): Promise<RunData | null> => {
      const runId = data.request[role].runId;
      const videoId = role === 'learner' ? data.learnerVideoId : data.referenceVideoId;
      const run = get().runs[videoId]?.find((r) => r.id === runId);
      const frames = run ? run.tracks.reduce((n, t) => n + t.frameCount, 0) : -1;
      const key = `${generation}:${runId}:${run?.createdAt ?? ''}:${frames}`;
      const hit = trackCache.get(key);
      if (hit) return hit;
      const decoded = decodeRun(await call('poses.tracks', { runId }, { quiet: true }));
      trackCache.set(key, decoded);
      while (trackCache.size > TRACK_CACHE_RUNS) trackCache.delete(trackCache.keys().next().value!);
      return decoded;
    };
    set({ tracks: { learner: null, reference: null } });
    const [learner, reference] = await Promise.all([
      load('learner').catch(() => null),
      load('reference').catch(() => null),
    ]);
    if (mine !== tracksRequest || generation !== session.generation) return;
    set({ tracks: { learner, reference } });
  }

  function describe(target: Extract<SideTarget, { ok: true }>): string {
    const parts = [target.video.fileName];
    if (target.clip)
      parts.push(`${clipName(target.clip)} (${target.clip.inFrame}–${target.clip.outFrame - 1})`);
    parts.push(`run #${target.run.id} track #${target.request.trackId}`);
    return parts.join(' · ');
  }

  function suggestedName(data: AlignData, ext: string): string {
    const stem = (videoId: number) => {
      const v = useVideos.getState().videos.find((x) => x.id === videoId);
      return v ? stripExtension(v.fileName) : `video ${videoId}`;
    };
    return `${safeFileName(`${stem(data.learnerVideoId)} vs ${stem(data.referenceVideoId)} - aligned`)}.${ext}`;
  }

  /** In Electron the user picks where to write; web mode writes beside the learner video. */
  async function pickPath(data: AlignData, ext: string): Promise<string | undefined | null> {
    if (!useProject.getState().info?.nativeDialogs) return undefined;
    return call('dialog.pickExportPath', { suggestedName: suggestedName(data, ext) });
  }

  /** Another project was opened since the view was last used: its ids mean other rows. */
  let seenGeneration = session.generation;
  function freshSession(): void {
    if (seenGeneration === session.generation) return;
    seenGeneration = session.generation;
    reset();
  }

  function reset(): void {
    clock.stop();
    runsPending.clear();
    computeRequest++;
    tracksRequest++;
    trackCache.clear();
    set({
      learner: EMPTY_SIDE,
      reference: EMPTY_SIDE,
      clips: [],
      runs: {},
      result: null,
      computing: false,
      error: null,
      tracks: { learner: null, reference: null },
      frame: 0,
      playing: false,
      lastExport: null,
    });
  }

  return {
    open: false,
    learner: EMPTY_SIDE,
    reference: EMPTY_SIDE,
    mode: 'global',
    features: DEFAULT_FEATURES,
    trained: null,
    clips: [],
    runs: {},
    result: null,
    computing: false,
    error: null,
    tracks: { learner: null, reference: null },
    frame: 0,
    playing: false,
    plotted: [],
    reporting: false,
    exporting: false,
    lastExport: null,

    openView() {
      freshSession();
      // The video (and clip) on the player is where a comparison usually starts.
      if (get().learner.videoId === null) {
        const videoId = useVideos.getState().selectedId;
        const clips = useClips.getState();
        const clipId = clips.videoId === videoId ? clips.selectedClipId : null;
        if (videoId !== null) set({ learner: { ...EMPTY_SIDE, videoId, clipId } });
      }
      set({ open: true });
      pickReferenceByLabel();
      ensureRuns();
    },
    openWithClip(clip) {
      freshSession();
      const { reference } = get();
      set({
        learner: { ...EMPTY_SIDE, videoId: clip.videoId, clipId: clip.id },
        // The same clip on both sides compares nothing: let the label pick another.
        ...(reference.clipId === clip.id ? { reference: EMPTY_SIDE } : {}),
      });
      refreshRuns(clip.videoId).catch(ignore);
      get().openView();
    },
    close() {
      get().pause();
      set({ open: false });
    },
    setSide(role, patch) {
      const current = get()[role];
      let next: SideChoice = { ...current, ...patch };
      // Another video resets what belonged to the old one; another run, its track.
      if (patch.videoId !== undefined && patch.videoId !== current.videoId) {
        next = { ...EMPTY_SIDE, videoId: patch.videoId, clipId: patch.clipId ?? null };
        // Runs fetched earlier may be stale (a detection finished since).
        if (patch.videoId !== null) refreshRuns(patch.videoId).catch(ignore);
      } else if (patch.runId !== undefined && patch.runId !== current.runId)
        next.trackId = patch.trackId ?? null;
      set({ [role]: next });
      ensureRuns();
      if (role === 'learner') pickReferenceByLabel();
    },
    swap() {
      const { learner, reference } = get();
      set({ learner: reference, reference: learner });
    },
    setMode(mode) {
      set({ mode });
    },
    setFeature(kind, on) {
      const { features } = get();
      if (on === features.includes(kind)) return;
      const next = on ? [...features, kind] : features.filter((f) => f !== kind);
      // At least one feature: the API needs something to compare.
      if (next.length > 0)
        set({ features: (['keypoints', 'bones', 'angles'] as const).filter((f) => next.includes(f)) });
    },
    setTrained(name) {
      set({ trained: name });
    },

    side(role) {
      const s = get();
      const choice = s[role];
      const video = useVideos.getState().videos.find((v) => v.id === choice.videoId) ?? null;
      const clip = (video && s.clips.find((c) => c.id === choice.clipId && c.videoId === video.id)) ?? null;
      const what = role === 'learner' ? 'learner' : 'reference';
      if (!video)
        return { ok: false, reason: 'no-video', message: `Choose the ${what}'s video.`, video, clip };
      const runs = s.runs[video.id];
      if (!runs) return { ok: false, reason: 'loading', message: 'Loading pose runs…', video, clip };
      if (runs.length === 0)
        return {
          ok: false,
          reason: 'no-poses',
          message: `${video.fileName} has no poses yet. Run Detect poses on it (Poses, under the video in the list, or the pose button of a clip), then compare.`,
          video,
          clip,
        };
      const run = runs.find((r) => r.id === choice.runId) ?? runs[0];
      const trackId =
        choice.trackId !== null && run.tracks.some((t) => t.trackId === choice.trackId)
          ? choice.trackId
          : longestTrack(run);
      if (trackId === null)
        return {
          ok: false,
          reason: 'no-track',
          message: `Pose run #${run.id} found no person in ${video.fileName}. Choose another run or detect again.`,
          video,
          clip,
        };
      const request: SideRequest = { runId: run.id, trackId };
      if (clip) {
        request.inFrame = clip.inFrame;
        request.outFrame = clip.outFrame;
        const track = run.tracks.find((t) => t.trackId === trackId)!;
        if (track.lastFrame < clip.inFrame || track.firstFrame >= clip.outFrame)
          return {
            ok: false,
            reason: 'no-overlap',
            message: `Track #${trackId} of run #${run.id} has no poses in ${clipName(clip)} (frames ${clip.inFrame}–${clip.outFrame - 1}; its poses cover ${track.firstFrame}–${track.lastFrame}). Detect poses in this clip, or choose another run.`,
            video,
            clip,
          };
      }
      return { ok: true, request, video, clip, run };
    },

    requestKey() {
      const l = get().side('learner');
      const r = get().side('reference');
      if (!l.ok || !r.ok) return null;
      const { mode } = get();
      return requestKeyOf({
        learner: l.request,
        reference: r.request,
        features: requestFeatures(get()),
        mode,
      });
    },

    async compute() {
      const l = get().side('learner');
      const r = get().side('reference');
      if (!l.ok || !r.ok) {
        const bad = !l.ok ? l : (r as Extract<SideTarget, { ok: false }>);
        // Runs still loading: the picker says so already, and Compare waits for them.
        if (bad.reason !== 'loading') set({ error: bad.message });
        return;
      }
      const { mode } = get();
      const request: AlignRequest = {
        learner: l.request,
        reference: r.request,
        features: requestFeatures(get()),
        mode,
      };
      const labels = { learner: describe(l), reference: describe(r) };
      const mine = ++computeRequest;
      const generation = session.generation;
      get().pause();
      set({ computing: true, error: null });
      try {
        const reply = await call('align.compute', request, { quiet: true });
        if (mine !== computeRequest || generation !== session.generation) return;
        const data = decode(reply, request, labels);
        const previous = get().result;
        // Keep the chosen curves when the same angles come back (a re-compare); else the top ones.
        const names = anglesByDifference(data).map((a) => a.name);
        const kept = previous ? get().plotted.filter((n) => names.includes(n)) : [];
        set({
          result: data,
          computing: false,
          frame: data.learnerStart,
          plotted: kept.length > 0 ? kept : names.slice(0, DEFAULT_PLOTTED),
        });
        loadTracks(data).catch(ignore);
      } catch (error) {
        if (mine !== computeRequest || generation !== session.generation) return;
        // A stale result next to the error would read as its answer: drop it.
        set({ computing: false, error: errorMessage(error), result: null });
      }
    },

    seek(frame) {
      const data = get().result;
      if (!data) return;
      const target = Math.max(data.learnerStart, Math.min(data.learnerEnd, Math.round(frame)));
      clock.seek(target);
      if (target !== get().frame) set({ frame: target });
    },
    step(delta) {
      get().pause();
      get().seek(get().frame + delta);
    },
    play() {
      const data = get().result;
      if (!data || !(data.learnerFps > 0) || data.learnerEnd <= data.learnerStart) return;
      // Playing from the end starts over rather than doing nothing.
      const from = get().frame >= data.learnerEnd ? data.learnerStart : get().frame;
      set({ playing: true, frame: from });
      // Wall-clock driven at the learner's frame rate: slow frame loads skip frames, not time.
      clock.start({
        from,
        fps: data.learnerFps,
        speed: 1,
        direction: 1,
        min: data.learnerStart,
        max: data.learnerEnd,
        onFrame: (frame) => set({ frame }),
        onEnd: () => set({ playing: false }),
      });
    },
    pause() {
      clock.stop();
      if (get().playing) set({ playing: false });
    },
    togglePlay() {
      if (get().playing) get().pause();
      else get().play();
    },
    setPlotted(name, on) {
      const { plotted } = get();
      if (on === plotted.includes(name)) return;
      set({ plotted: on ? [...plotted, name] : plotted.filter((n) => n !== name) });
    },

    async writeReport() {
      const data = get().result;
      if (!data) return null;
      set({ reporting: true });
      try {
        const outPath = await pickPath(data, 'html');
        if (outPath === null) return null;
        const { path } = await call('align.report', { ...data.request, ...(outPath ? { outPath } : {}) });
        useToasts.getState().info(`Report written to ${path}`);
        return path;
      } catch {
        // `call` showed the error as a toast.
        return null;
      } finally {
        set({ reporting: false });
      }
    },

    async exportVideo() {
      const data = get().result;
      if (!data) return;
      set({ exporting: true });
      try {
        const outPath = await pickPath(data, 'mp4');
        if (outPath === null) return;
        const started = await call('align.exportVideo', {
          ...data.request,
          ...(outPath ? { outPath } : {}),
        });
        set({ lastExport: started });
        useToasts.getState().info(`Rendering the aligned video to ${basename(started.outPath)} (see Jobs)`);
      } catch {
        // Reported by `call`.
      } finally {
        set({ exporting: false });
      }
    },

    attach() {
      freshSession();
      refreshClips().catch(ignore);
      // Runs may have changed while the view was closed.
      for (const role of ROLES) {
        const id = get()[role].videoId;
        if (id !== null) refreshRuns(id).catch(ignore);
      }
      const offs = [
        on('clips.changed', () => refreshClips().catch(ignore)),
        on('poses.changed', ({ videoId }) => {
          if (videoId in get().runs) refreshRuns(videoId).catch(ignore);
        }),
        useVideos.subscribe((s, prev) => {
          if (s.videos === prev.videos) return;
          // A removed video leaves its side empty.
          for (const role of ROLES) {
            const id = get()[role].videoId;
            if (id !== null && s.loaded && !s.videos.some((v) => v.id === id)) set({ [role]: EMPTY_SIDE });
          }
        }),
        useProject.subscribe((s, prev) => {
          if (s.project?.path === prev.project?.path) return;
          // The project store bumps the session right after this: start over once it has.
          queueMicrotask(() => {
            freshSession();
            if (s.project) refreshClips().catch(ignore);
          });
        }),
      ];
      return () => offs.forEach((off) => off());
    },
  };
});
