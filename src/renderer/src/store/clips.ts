import { create } from 'zustand';
import type { Clip, RequestInput } from '../../../shared/contract';
import { call, ignore } from '../api';
import { coalesced, session } from './util';

export type ExportMode = NonNullable<RequestInput<'clips.export'>['mode']>;
export type ClipPatch = Omit<RequestInput<'clips.update'>, 'clipId'>;

export interface ClipExport {
  jobId: number;
  outPath: string;
}

interface ClipsState {
  videoId: number | null;
  clips: Clip[];
  selectedClipId: number | null;
  /** The latest export started for each clip, to show its path and progress beside it. */
  exports: Record<number, ClipExport>;
  load(videoId: number | null): void;
  refresh(): Promise<void>;
  select(clipId: number | null): void;
  create(input: RequestInput<'clips.create'>): Promise<Clip>;
  update(clipId: number, patch: ClipPatch): Promise<Clip>;
  remove(clipId: number): Promise<void>;
  startExport(clipId: number, mode: ExportMode, outPath?: string): Promise<ClipExport>;
  reset(): void;
}

const byPosition = (a: Clip, b: Clip) => a.inFrame - b.inFrame || a.outFrame - b.outFrame || a.id - b.id;

function upsert(clips: Clip[], clip: Clip): Clip[] {
  return [...clips.filter((c) => c.id !== clip.id), clip].sort(byPosition);
}

export const useClips = create<ClipsState>()((set, get) => {
  const refresh = coalesced(async () => {
    const { videoId } = get();
    if (videoId === null) return;
    const generation = session.generation;
    let clips: Clip[];
    try {
      clips = await call('clips.list', { videoId });
    } catch {
      return;
    }
    // The selection may have moved to another video while this was loading.
    if (generation !== session.generation || get().videoId !== videoId) return;
    clips.sort(byPosition);
    set((s) => ({
      clips,
      selectedClipId: clips.some((c) => c.id === s.selectedClipId) ? s.selectedClipId : null,
    }));
  });

  return {
    videoId: null,
    clips: [],
    selectedClipId: null,
    exports: {},
    load(videoId) {
      if (get().videoId === videoId) return;
      set({ videoId, clips: [], selectedClipId: null });
      if (videoId !== null) refresh().catch(ignore);
    },
    refresh,
    select(clipId) {
      set({ selectedClipId: clipId });
    },
    async create(input) {
      const clip = await call('clips.create', input);
      if (get().videoId === clip.videoId)
        set((s) => ({ clips: upsert(s.clips, clip), selectedClipId: clip.id }));
      return clip;
    },
    async update(clipId, patch) {
      const clip = await call('clips.update', { clipId, ...patch });
      if (get().videoId === clip.videoId) set((s) => ({ clips: upsert(s.clips, clip) }));
      return clip;
    },
    async remove(clipId) {
      await call('clips.delete', { clipId });
      set((s) => ({
        clips: s.clips.filter((c) => c.id !== clipId),
        selectedClipId: s.selectedClipId === clipId ? null : s.selectedClipId,
      }));
    },
    async startExport(clipId, mode, outPath) {
      const result = await call('clips.export', outPath ? { clipId, mode, outPath } : { clipId, mode });
      set((s) => ({ exports: { ...s.exports, [clipId]: result } }));
      return result;
    },
    reset() {
      set({ videoId: null, clips: [], selectedClipId: null, exports: {} });
    },
  };
});
