/**
 * The kinematics panel: which track, range and filter it shows, which angles are plotted, and the
 * last `kinematics.compute` reply (angle series decoded to Float32Arrays once). The request is
 * derived from the other stores (selected pose run, clips) plus the panel's own choices, and is
 * sent again whenever any of them changes; replies to superseded requests are dropped.
 */
import { create } from 'zustand';
import type { KinematicsResult, PoseRun, RequestInput } from '../../../shared/contract';
import { call, errorMessage, ignore, on } from '../api';
import { safeFileName, stripExtension } from '../paths';
import { useClips } from './clips';
import { usePoses } from './poses';
import { useProject } from './project';
import { useToasts } from './toasts';
import { useVideos } from './videos';
import { coalesced, session } from './util';

export type FilterKind = 'butterworth' | 'gaussian' | 'median' | 'none';
export type Facing = 'auto' | 'left' | 'right';

/** The filter as the panel edits it: one number whose meaning depends on the kind. */
export interface FilterChoice {
  kind: FilterKind;
  /** Butterworth: cutoff (Hz); Gaussian: sigma (frames); median: window (frames, odd). */
  value: number;
}

export const FILTER_DEFAULTS: Record<FilterKind, number> = {
  butterworth: 6,
  gaussian: 2,
  median: 5,
  none: 0,
};

/** Whole video, or the frames of one clip. */
export type RangeChoice = { kind: 'video' } | { kind: 'clip'; clipId: number };

export interface AngleData {
  name: string;
  description: string;
  /** Degrees per frame from `firstFrame`; NaN = gap. */
  raw: Float32Array;
  filtered: Float32Array;
  validFrames: number;
  summary: KinematicsResult['angles'][number]['summary'];
}

export interface KinematicsData extends Omit<KinematicsResult, 'angles'> {
  angles: AngleData[];
  /** The request this answers (frames of the range; undefined = the whole track). */
  inFrame?: number;
  outFrame?: number;
}

/** What the panel asks for now, or why it cannot ask. */
export type Target =
  | { ok: true; input: RequestInput<'kinematics.compute'>; key: string; run: PoseRun }
  | { ok: false; reason: 'no-video' | 'no-run' | 'no-track' };

/** Knee and hip flexion on both sides: the curves a gait analysis starts from. */
export const DEFAULT_PLOTTED = [
  'left_hip_flexion',
  'right_hip_flexion',
  'left_knee_flexion',
  'right_knee_flexion',
];

interface KinematicsState {
  open: boolean;
  /** The track the user chose (for that run); otherwise the run's longest track is shown. */
  trackChoice: { runId: number; trackId: number } | null;
  filter: FilterChoice;
  facing: Facing;
  range: RangeChoice;
  /** Names of the angles drawn on the plot (and as arcs on the video). */
  plotted: string[];
  /** Draw angle arcs on the video while the panel is open. */
  arcs: boolean;
  data: KinematicsData | null;
  loading: boolean;
  error: string | null;
  /** Key of the request `data` or `error` answers. */
  shownKey: string | null;
  exporting: boolean;

  /** The request the panel sends for the current state, or why there is none. */
  target(): Target;
  /** Opens the panel on a run's track (its longest when none is given). */
  openFor(runId: number, trackId?: number): void;
  close(): void;
  setTrack(trackId: number): void;
  setFilter(filter: FilterChoice): void;
  setFacing(facing: Facing): void;
  setRange(range: RangeChoice): void;
  setPlotted(name: string, on: boolean): void;
  setArcs(on: boolean): void;
  /** Sends the current request unless its answer is already shown (`force`: send anyway). */
  refresh(force?: boolean): Promise<void>;
  /** Keeps the panel in step with poses, clips and pushed events; returns the unsubscriber. */
  attach(): () => void;
  /** Writes CSV or JSON through `kinematics.export`; resolves to the path, or null if cancelled. */
  exportAs(format: 'csv' | 'json' | 'html'): Promise<string | null>;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Float32 little-endian bytes as a Float32Array (copied: wire buffers may be unaligned). */
export function decodeFloats(bytes: Uint8Array): Float32Array {
  const n = Math.floor(bytes.byteLength / 4);
  if (littleEndian && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, n).slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

function decode(result: KinematicsResult, inFrame?: number, outFrame?: number): KinematicsData {
  return {
    ...result,
    inFrame,
    outFrame,
    angles: result.angles.map((a) => ({
      ...a,
      raw: decodeFloats(a.raw),
      filtered: decodeFloats(a.filtered),
    })),
  };
}

export function seriesFilter(f: FilterChoice): NonNullable<RequestInput<'kinematics.compute'>['filter']> {
  switch (f.kind) {
    case 'butterworth':
      return { kind: 'butterworth', cutoffHz: f.value };
    case 'gaussian':
      return { kind: 'gaussian', sigmaFrames: f.value };
    case 'median':
      return { kind: 'median', window: f.value };
    case 'none':
      return { kind: 'none' };
  }
}

/** The track shown by default: the one with the most frames (the athlete, usually). */
export function longestTrack(run: PoseRun): number | null {
  let best: PoseRun['tracks'][number] | null = null;
  for (const t of run.tracks) if (!best || t.frameCount > best.frameCount) best = t;
  return best?.trackId ?? null;
}

/** A run's content identity: a resumed detection adds frames to the same run id. */
function runKey(run: PoseRun): string {
  return `${run.id}:${run.createdAt}:${run.tracks.map((t) => `${t.trackId}/${t.frameCount}`).join(',')}`;
}

export const useKinematics = create<KinematicsState>()((set, get) => {
  let request = 0;
  /** Bumped by pushed pose changes so the same request is sent again. */
  let version = 0;

  /** The request for the current state of every store involved. */
  function target(): Target {
    const poses = usePoses.getState();
    if (poses.videoId === null) return { ok: false, reason: 'no-video' };
    const run = poses.runs.find((r) => r.id === poses.selectedRunId);
    if (!run) return { ok: false, reason: 'no-run' };
    const { trackChoice, range, filter, facing } = get();
    const chosen =
      trackChoice?.runId === run.id && run.tracks.some((t) => t.trackId === trackChoice.trackId)
        ? trackChoice.trackId
        : longestTrack(run);
    if (chosen === null) return { ok: false, reason: 'no-track' };
    const input: RequestInput<'kinematics.compute'> = {
      runId: run.id,
      trackId: chosen,
      filter: seriesFilter(filter),
      facing,
    };
    if (range.kind === 'clip') {
      const clips = useClips.getState();
      const clip =
        clips.videoId === poses.videoId ? clips.clips.find((c) => c.id === range.clipId) : undefined;
      if (clip) {
        input.inFrame = clip.inFrame;
        input.outFrame = clip.outFrame;
      }
    }
    return {
      ok: true,
      input,
      run,
      key: `${session.generation}|${runKey(run)}|${version}|${JSON.stringify(input)}`,
    };
  }

  const refreshOnce = coalesced(async () => {
    const t = target();
    if (!t.ok) {
      request++;
      set({ data: null, error: null, loading: false, shownKey: null });
      return;
    }
    if (t.key === get().shownKey) return;
    const mine = ++request;
    const generation = session.generation;
    set({ loading: true });
    try {
      const result = await call('kinematics.compute', t.input, { quiet: true });
      if (mine !== request || generation !== session.generation) return;
      set({
        data: decode(result, t.input.inFrame, t.input.outFrame),
        error: null,
        loading: false,
        shownKey: t.key,
      });
    } catch (error) {
      if (mine !== request || generation !== session.generation) return;
      set({ data: null, error: errorMessage(error), loading: false, shownKey: t.key });
    }
  });

  return {
    target,
    open: false,
    trackChoice: null,
    filter: { kind: 'butterworth', value: FILTER_DEFAULTS.butterworth },
    facing: 'auto',
    range: { kind: 'video' },
    plotted: DEFAULT_PLOTTED,
    arcs: true,
    data: null,
    loading: false,
    error: null,
    shownKey: null,
    exporting: false,

    openFor(runId, trackId) {
      if (usePoses.getState().selectedRunId !== runId) usePoses.getState().selectRun(runId);
      // The clip the user is looking at is the natural range; otherwise the whole video.
      const clipId = useClips.getState().selectedClipId;
      set({
        open: true,
        trackChoice: trackId === undefined ? null : { runId, trackId },
        range: clipId !== null ? { kind: 'clip', clipId } : { kind: 'video' },
      });
      get().refresh().catch(ignore);
    },
    close() {
      request++;
      // Pose edits are not followed while closed: reopening asks again.
      set({ open: false, loading: false, shownKey: null });
    },
    setTrack(trackId) {
      const runId = usePoses.getState().selectedRunId;
      if (runId === null) return;
      set({ trackChoice: { runId, trackId } });
      get().refresh().catch(ignore);
    },
    setFilter(filter) {
      set({ filter });
      get().refresh().catch(ignore);
    },
    setFacing(facing) {
      set({ facing });
      get().refresh().catch(ignore);
    },
    setRange(range) {
      set({ range });
      get().refresh().catch(ignore);
    },
    setPlotted(name, on) {
      const { plotted } = get();
      if (on === plotted.includes(name)) return;
      set({ plotted: on ? [...plotted, name] : plotted.filter((n) => n !== name) });
    },
    setArcs(on) {
      set({ arcs: on });
    },
    async refresh(force = false) {
      if (!get().open) return;
      if (force) version++;
      await refreshOnce();
    },

    attach() {
      const again = () => get().refresh().catch(ignore);
      const offs = [
        usePoses.subscribe((s, prev) => {
          if (s.videoId !== prev.videoId || s.selectedRunId !== prev.selectedRunId || s.runs !== prev.runs)
            again();
        }),
        useClips.subscribe((s, prev) => {
          // Selecting a clip (in its list or on the timeline) shows that clip's frames.
          if (s.selectedClipId !== prev.selectedClipId && s.selectedClipId !== null)
            get().setRange({ kind: 'clip', clipId: s.selectedClipId });
          else if (s.clips !== prev.clips || s.videoId !== prev.videoId) {
            const { range } = get();
            // A deleted clip leaves the whole video.
            if (range.kind === 'clip' && !s.clips.some((c) => c.id === range.clipId))
              get().setRange({ kind: 'video' });
            else again();
          }
        }),
        // Poses edited in place keep their run's key: the event is what says they changed.
        on('poses.changed', ({ videoId }) => {
          if (usePoses.getState().videoId === videoId) get().refresh(true).catch(ignore);
        }),
      ];
      again();
      return () => offs.forEach((off) => off());
    },

    async exportAs(format) {
      const t = target();
      if (!t.ok) {
        useToasts.getState().error('Choose a pose run first: there is nothing to export.');
        return null;
      }
      set({ exporting: true });
      try {
        let outPath: string | undefined;
        if (useProject.getState().info?.nativeDialogs) {
          const video = useVideos.getState().videos.find((v) => v.id === t.run.videoId);
          const stem = video ? stripExtension(video.fileName) : `video ${t.run.videoId}`;
          const range =
            t.input.inFrame !== undefined && t.input.outFrame !== undefined
              ? ` (${t.input.inFrame}-${t.input.outFrame - 1})`
              : '';
          const suggestedName = `${safeFileName(`${stem} - run ${t.run.id} track ${t.input.trackId}${range} kinematics`)}.${format}`;
          const picked = await call('dialog.pickExportPath', { suggestedName });
          if (!picked) return null;
          outPath = picked;
        }
        const { path } = await call('kinematics.export', { ...t.input, format, outPath });
        useToasts.getState().info(`Kinematics ${format.toUpperCase()} written to ${path}`);
        return path;
      } catch {
        // `call` showed the error as a toast.
        return null;
      } finally {
        set({ exporting: false });
      }
    },
  };
});
