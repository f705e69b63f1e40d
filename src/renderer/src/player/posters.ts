/**
 * Small poster images for the video list, one media.frame request at a time so the sidebar never
 * competes with the player for the server's decoder. URLs are cached for the session.
 */
import { session } from '../store/util';

const POSTER_SIZE = 160;
/** url, or null when the frame could not be had (no retry: the list shows a placeholder). */
const posters = new Map<string, string | null>();
const queued = new Set<string>();
const queue: Array<{ key: string; videoId: number; frame: number }> = [];
const listeners = new Set<() => void>();
let busy = false;
let urlGeneration = session.generation;

export function posterKey(videoId: number): string {
  return `${session.generation}:${videoId}`;
}

export function getPoster(key: string): string | null | undefined {
  return posters.get(key);
}

export function subscribePosters(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const l of listeners) l();
}

/** Another project is open: its video ids mean other videos, so old posters go. */
function dropStale(): void {
  if (urlGeneration === session.generation) return;
  urlGeneration = session.generation;
  for (const url of posters.values()) if (url) URL.revokeObjectURL(url);
  posters.clear();
  queue.length = 0;
  queued.clear();
}

export function requestPoster(videoId: number, frame: number): void {
  dropStale();
  const key = posterKey(videoId);
  if (posters.has(key) || queued.has(key)) return;
  queued.add(key);
  queue.push({ key, videoId, frame });
  void pump();
}

async function pump(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let job = queue.shift(); job; job = queue.shift()) {
      let url: string | null = null;
      try {
        const image = await window.kinema.invoke('media.frame', {
          videoId: job.videoId,
          frame: job.frame,
          maxSize: POSTER_SIZE,
        });
        url = URL.createObjectURL(new Blob([image.jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
      } catch {
        // A poster is decoration: the list shows a placeholder, the player reports real errors.
      }
      queued.delete(job.key);
      if (!job.key.startsWith(`${session.generation}:`)) {
        if (url) URL.revokeObjectURL(url);
        continue;
      }
      posters.set(job.key, url);
      notify();
    }
  } finally {
    busy = false;
  }
}
