/**
 * Pose runs of the selected video, the decoded tracks of the run shown on the player, and the
 * overlay's display settings. Track data is fetched once per run and kept as typed arrays
 * (see player/poseData.ts); drawing reads it with getState(), never through React renders.
 */
import { create } from 'zustand';
import type { PoseRun, RequestInput } from '../../../shared/contract';
import { call, ignore } from '../api';
import { decodeRun, type RunData } from '../player/poseData';
import { useToasts } from './toasts';
import { coalesced, session } from './util';

interface PosesState {
  videoId: number | null;
  /** Newest first. */
  runs: PoseRun[];
  loaded: boolean;
  /** The run drawn on the player. */
  selectedRunId: number | null;
  /** True once the user picked a run themselves: new runs then do not take over. */
  pinned: boolean;
  /** Decoded tracks of the selected run (null while loading or when there is none). */
  data: RunData | null;
  dataLoading: boolean;
  dataError: string | null;
  /** Hidden tracks, keyed `${runId}:${trackId}`. */
  hidden: Record<string, true>;
  overlay: boolean;
  showBoxes: boolean;
  /** Keypoints scoring below this are drawn hollow. */
  threshold: number;

  load(videoId: number | null): void;
  refresh(): Promise<void>;
  selectRun(runId: number): void;
  toggleTrack(trackId: number, visible?: boolean): void;
  isHidden(trackId: number): boolean;
  setOverlay(on: boolean): void;
  setShowBoxes(on: boolean): void;
  setThreshold(threshold: number): void;
  deleteRun(runId: number): Promise<void>;
  /** Smooths a run into a new run, which is added and shown; errors come as toasts (rethrown). */
  smoothRun(request: RequestInput<'poses.smooth'>): Promise<PoseRun>;
  reset(): void;
}

const newestFirst = (a: PoseRun, b: PoseRun) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id;

/** Identifies a run's content: ids may be reused after a delete, and a run may still be filling. */
function runKey(run: PoseRun): string {
  const frames = run.tracks.reduce((n, t) => n + t.frameCount, 0);
  return `${run.id}:${run.createdAt}:${run.tracks.length}:${frames}`;
}

/** Decoded runs by runKey (a handful: switching runs back and forth should not refetch). */
const cache = new Map<string, RunData>();
const CACHE_RUNS = 4;
let cacheGeneration = -1;

/**
 * Forgets the decoded runs: an edit changes a run in place (same id, frame counts maybe too), so
 * after 'poses.changed' the runs are fetched again rather than trusted by their key.
 */
export function forgetDecodedRuns(): void {
  cache.clear();
}

export const usePoses = create<PosesState>()((set, get) => {
  let dataRequest = 0;

  async function loadData(): Promise<void> {
    const { runs, selectedRunId } = get();
    const run = runs.find((r) => r.id === selectedRunId);
    const request = ++dataRequest;
    if (!run) {
      set({ data: null, dataLoading: false, dataError: null });
      return;
    }
    if (cacheGeneration !== session.generation) {
      cache.clear();
      cacheGeneration = session.generation;
    }
    const key = runKey(run);
    const hit = cache.get(key);
    if (hit) {
      if (get().data !== hit) set({ data: hit, dataLoading: false, dataError: null });
      return;
    }
    set({ dataLoading: true, dataError: null });
    const generation = session.generation;
    try {
      const reply = await call('poses.tracks', { runId: run.id }, { quiet: true });
      if (generation !== session.generation || request !== dataRequest) return;
      const data = decodeRun(reply);
      cache.set(key, data);
      while (cache.size > CACHE_RUNS) cache.delete(cache.keys().next().value!);
      set({ data, dataLoading: false });
    } catch (error) {
      if (request !== dataRequest) return;
      set({
        data: null,
        dataLoading: false,
        dataError: error instanceof Error ? error.message : 'The poses could not be loaded.',
      });
    }
  }

  const refresh = coalesced(async () => {
    const { videoId } = get();
    if (videoId === null) return;
    const generation = session.generation;
    let runs: PoseRun[];
    try {
      runs = await call('poses.runs', { videoId }, { quiet: true });
    } catch {
      // No pose support (yet) or a transient failure: the list just stays as it was.
      if (get().videoId === videoId) set({ loaded: true });
      return;
    }
    if (generation !== session.generation || get().videoId !== videoId) return;
    runs = [...runs].sort(newestFirst);
    const s = get();
    const keep = s.pinned && runs.some((r) => r.id === s.selectedRunId);
    const selectedRunId = keep ? s.selectedRunId : (runs[0]?.id ?? null);
    set({ runs, loaded: true, selectedRunId, pinned: keep });
    await loadData();
  });

  return {
    videoId: null,
    runs: [],
    loaded: false,
    selectedRunId: null,
    pinned: false,
    data: null,
    dataLoading: false,
    dataError: null,
    hidden: {},
    overlay: true,
    showBoxes: false,
    threshold: 0.3,

    load(videoId) {
      if (get().videoId === videoId) return;
      dataRequest++;
      set({
        videoId,
        runs: [],
        loaded: false,
        selectedRunId: null,
        pinned: false,
        data: null,
        dataLoading: false,
        dataError: null,
      });
      if (videoId !== null) refresh().catch(ignore);
    },
    refresh,
    selectRun(runId) {
      if (get().selectedRunId === runId) return;
      set({ selectedRunId: runId, pinned: true, data: null });
      loadData().catch(ignore);
    },
    toggleTrack(trackId, visible) {
      const { selectedRunId, hidden } = get();
      if (selectedRunId === null) return;
      const key = `${selectedRunId}:${trackId}`;
      const show = visible ?? key in hidden;
      const next = { ...hidden };
      if (show) delete next[key];
      else next[key] = true;
      set({ hidden: next });
    },
    isHidden(trackId) {
      const { selectedRunId, hidden } = get();
      return `${selectedRunId}:${trackId}` in hidden;
    },
    setOverlay(on) {
      set({ overlay: on });
    },
    setShowBoxes(on) {
      set({ showBoxes: on });
    },
    setThreshold(threshold) {
      set({ threshold: Math.min(1, Math.max(0, threshold)) });
    },
    async deleteRun(runId) {
      const run = get().runs.find((r) => r.id === runId);
      await call('poses.deleteRun', { runId });
      for (const key of [...cache.keys()]) if (key.startsWith(`${runId}:`)) cache.delete(key);
      const runs = get().runs.filter((r) => r.id !== runId);
      const wasSelected = get().selectedRunId === runId;
      set({
        runs,
        ...(wasSelected ? { selectedRunId: runs[0]?.id ?? null, pinned: false, data: null } : {}),
      });
      if (wasSelected) loadData().catch(ignore);
      if (run) useToasts.getState().info(`Deleted pose run #${run.id} (${run.model})`);
      refresh().catch(ignore);
    },
    async smoothRun(request) {
      const run = await call('poses.smooth', request);
      if (get().videoId === run.videoId) {
        const runs = [run, ...get().runs.filter((r) => r.id !== run.id)].sort(newestFirst);
        set({ runs, selectedRunId: run.id, pinned: true, data: null });
        loadData().catch(ignore);
      }
      useToasts.getState().info(`Smoothed run #${request.runId} with ${run.model} into run #${run.id}`);
      return run;
    },
    reset() {
      dataRequest++;
      cache.clear();
      set({
        videoId: null,
        runs: [],
        loaded: false,
        selectedRunId: null,
        pinned: false,
        data: null,
        dataLoading: false,
        dataError: null,
        hidden: {},
      });
    },
  };
});
