/**
 * The crop inspector strip under the timeline: whether it is open, which track of the shown pose
 * run it follows, and the images of the playhead's frame and its neighbours (`vpd.inspect`,
 * computed on demand in main). Requests follow the playhead debounced, replies to superseded
 * requests are dropped, and the blob URLs of replaced images are revoked.
 */
import { create } from 'zustand';
import type { CropInspectFrame } from '../../../shared/contract-crop-inspector';
import type { PoseRun } from '../../../shared/contract';
import { call, errorMessage } from '../api';
import { session } from './util';

/** Frames either side of the playhead shown as small crops. */
export const STRIP_NEIGHBOURS = 2;
/** Wait this long after the playhead last moved before asking (scrubbing asks once). */
export const STRIP_DEBOUNCE_MS = 120;

export type StripImageKind = 'crop' | 'prev' | 'flow' | 'mask';
export const STRIP_IMAGE_KINDS: readonly StripImageKind[] = ['crop', 'prev', 'flow', 'mask'];

export interface StripFrame extends Omit<CropInspectFrame, StripImageKind> {
  /** Blob URLs of the PNGs (null where the frame has no images). */
  urls: Record<StripImageKind, string> | null;
}

export interface StripData {
  key: string;
  runId: number;
  trackId: number;
  /** The frame asked for (the playhead's when it was asked). */
  frame: number;
  span: [number, number];
  flowScalePx: number;
  frames: StripFrame[];
}

interface CropStripState {
  open: boolean;
  /** The track the user picked (for that run); otherwise the run's longest track. */
  trackChoice: { runId: number; trackId: number } | null;
  data: StripData | null;
  loading: boolean;
  error: string | null;
  setOpen(open: boolean): void;
  setTrack(runId: number, trackId: number): void;
  /** Asks for the strip of `frame` (debounced); no-op when that answer is already shown. */
  request(run: PoseRun, trackId: number, frame: number): void;
  clear(): void;
}

/** The track the strip follows in `run`: the user's choice, else the one with the most frames. */
export function stripTrack(run: PoseRun, choice: CropStripState['trackChoice']): number | null {
  if (choice && choice.runId === run.id && run.tracks.some((t) => t.trackId === choice.trackId))
    return choice.trackId;
  let best: PoseRun['tracks'][number] | null = null;
  for (const t of run.tracks) if (!best || t.frameCount > best.frameCount) best = t;
  return best?.trackId ?? null;
}

function revoke(data: StripData | null): void {
  for (const f of data?.frames ?? [])
    if (f.urls) for (const u of Object.values(f.urls)) URL.revokeObjectURL(u);
}

function pngUrl(bytes: Uint8Array): string {
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
}

export const useCropStrip = create<CropStripState>()((set, get) => {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let latest = 0;
  let pendingKey: string | null = null;

  async function fetchStrip(runId: number, trackId: number, frame: number, key: string): Promise<void> {
    const request = ++latest;
    const generation = session.generation;
    set({ loading: true });
    try {
      const reply = await call(
        'vpd.inspect',
        { runId, trackId, frame, neighbours: STRIP_NEIGHBOURS },
        { quiet: true },
      );
      if (request !== latest || generation !== session.generation) return;
      const frames: StripFrame[] = reply.frames.map(({ crop, prev, flow, mask, ...rest }) => ({
        ...rest,
        urls:
          crop && prev && flow && mask
            ? { crop: pngUrl(crop), prev: pngUrl(prev), flow: pngUrl(flow), mask: pngUrl(mask) }
            : null,
      }));
      revoke(get().data);
      set({
        data: { key, runId, trackId, frame, span: reply.span, flowScalePx: reply.flowScalePx, frames },
        loading: false,
        error: null,
      });
    } catch (error) {
      if (request !== latest) return;
      set({ loading: false, error: errorMessage(error) });
    }
  }

  return {
    open: false,
    trackChoice: null,
    data: null,
    loading: false,
    error: null,
    setOpen(open) {
      set({ open });
      if (!open) get().clear();
    },
    setTrack(runId, trackId) {
      set({ trackChoice: { runId, trackId } });
    },
    request(run, trackId, frame) {
      const runId = run.id;
      // The run's content too: an edit or a resumed detection changes the track under the same id.
      const content = `${run.createdAt}:${run.tracks.map((t) => `${t.trackId}/${t.frameCount}`).join(',')}`;
      const key = `${session.generation}|${runId}|${content}|${trackId}|${frame}`;
      if (get().data?.key === key || pendingKey === key) return;
      pendingKey = key;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        pendingKey = null;
        void fetchStrip(runId, trackId, frame, key);
      }, STRIP_DEBOUNCE_MS);
    },
    clear() {
      if (timer) clearTimeout(timer);
      timer = null;
      pendingKey = null;
      latest++;
      revoke(get().data);
      set({ data: null, loading: false, error: null });
    },
  };
});
