import { create } from 'zustand';
import type { Video } from '../../../shared/contract';
import { call, ignore } from '../api';
import { useClips } from './clips';
import { usePlayer } from './player';
import { usePoses } from './poses';
import { useToasts } from './toasts';
import { coalesced, session } from './util';

interface VideosState {
  videos: Video[];
  loaded: boolean;
  selectedId: number | null;
  refresh(): Promise<void>;
  select(videoId: number | null): void;
  remove(videoId: number): Promise<void>;
  reset(): void;
}

export function isPlayable(video: Video): boolean {
  return video.frameCount > 0 && video.status !== 'failed' && video.status !== 'missing';
}

export const useVideos = create<VideosState>()((set, get) => {
  const refresh = coalesced(async () => {
    const generation = session.generation;
    let videos: Video[];
    try {
      videos = await call('videos.list', {});
    } catch {
      return;
    }
    if (generation !== session.generation) return;
    set({ videos, loaded: true });
    const { selectedId } = get();
    const selected = videos.find((v) => v.id === selectedId);
    if (selected) {
      usePlayer.getState().sync(selected);
    } else if (videos.length > 0) {
      // Nothing (or a removed video) was selected: show something rather than an empty player.
      get().select((videos.find(isPlayable) ?? videos[0]).id);
    } else if (selectedId !== null) {
      get().select(null);
    }
  });

  return {
    videos: [],
    loaded: false,
    selectedId: null,
    refresh,
    select(videoId) {
      const video = videoId === null ? null : (get().videos.find((v) => v.id === videoId) ?? null);
      set({ selectedId: video?.id ?? null });
      usePlayer.getState().load(video);
      useClips.getState().load(video?.id ?? null);
      usePoses.getState().load(video?.id ?? null);
    },
    async remove(videoId) {
      const video = get().videos.find((v) => v.id === videoId);
      await call('videos.remove', { videoId });
      set((s) => ({ videos: s.videos.filter((v) => v.id !== videoId) }));
      if (get().selectedId === videoId) get().select(null);
      if (video) useToasts.getState().info(`Removed ${video.fileName} from the project`);
      refresh().catch(ignore);
    },
    reset() {
      set({ videos: [], loaded: false, selectedId: null });
      usePlayer.getState().load(null);
      useClips.getState().load(null);
      usePoses.getState().load(null);
    },
  };
});

/** The selected video object (the same reference as in the list, so selectors stay stable). */
export function useSelectedVideo(): Video | null {
  return useVideos((s) =>
    s.selectedId === null ? null : (s.videos.find((v) => v.id === s.selectedId) ?? null),
  );
}
