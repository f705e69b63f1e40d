/**
 * Fetches frames for the player with request coalescing: at most one request is in flight, and
 * while it is, only the latest wanted frame is remembered. Dragging the scrubber across a video
 * therefore costs one round trip at a time, never a queue of hundreds of stale requests.
 * When idle, frames just ahead of the playhead are prefetched into the cache.
 */
import { FrameCache, frameKey, type CachedFrame, type FrameRequest } from './frameCache';

export interface FrameLoaderOptions {
  capacity: number;
  fetchFrame(request: FrameRequest): Promise<CachedFrame>;
  /** Called whenever a frame should be put on screen. */
  onShow(request: FrameRequest, frame: CachedFrame): void;
  /** Called when the wanted frame could not be loaded (prefetch failures stay silent). */
  onError(request: FrameRequest, error: unknown): void;
}

interface InFlight {
  request: FrameRequest;
  key: string;
  prefetch: boolean;
}

const MAX_REMEMBERED_FAILURES = 256;

export class FrameLoader {
  private readonly cache: FrameCache;
  private wanted: FrameRequest | null = null;
  private wantedDone = true;
  private prefetchQueue: FrameRequest[] = [];
  private inFlight: InFlight | null = null;
  private displayedKey: string | null = null;
  private displayed: FrameRequest | null = null;
  /** Keys that failed, so prefetching does not hammer a frame the server cannot decode. */
  private readonly failed = new Set<string>();
  /** Bumped by clear(): replies to requests made before it are dropped. */
  private generation = 0;
  private disposed = false;

  constructor(private readonly options: FrameLoaderOptions) {
    this.cache = new FrameCache(options.capacity);
  }

  /** Makes `request` the frame to show: at once from the cache, else after the current fetch. */
  show(request: FrameRequest): void {
    if (this.disposed) return;
    this.wanted = request;
    const key = frameKey(request);
    if (key === this.displayedKey) {
      this.wantedDone = true;
      return;
    }
    const hit = this.cache.get(key);
    if (hit) {
      this.wantedDone = true;
      this.display(request, key, hit);
    } else {
      this.wantedDone = false;
      this.pump();
    }
  }

  /** Replaces the prefetch queue; it is worked through only while nothing is wanted. */
  prefetch(requests: FrameRequest[]): void {
    if (this.disposed) return;
    this.prefetchQueue = requests.filter((r) => {
      const key = frameKey(r);
      return !this.cache.has(key) && !this.failed.has(key);
    });
    this.pump();
  }

  /** Shows the displayed frame again (after the canvas was resized and cleared). */
  redraw(): void {
    if (!this.displayed || !this.displayedKey) return;
    const entry = this.cache.peek(this.displayedKey);
    if (entry) this.options.onShow(this.displayed, entry);
  }

  /** Forgets what is shown so the next show() of the same frame draws again. */
  forgetDisplayed(): void {
    this.displayed = null;
    this.displayedKey = null;
    this.cache.pin(null);
  }

  isCached(request: FrameRequest): boolean {
    return this.cache.has(frameKey(request));
  }

  /** Drops cached frames of videos for which `keep` is false. */
  retainVideos(keep: (videoId: number) => boolean): void {
    this.cache.retain((key) => keep(Number(key.slice(0, key.indexOf(':')))));
  }

  /** Empties everything (another project is open: video ids mean other videos now). */
  clear(): void {
    this.generation++;
    this.cache.clear();
    this.failed.clear();
    this.wanted = null;
    this.wantedDone = true;
    this.prefetchQueue = [];
    this.displayed = null;
    this.displayedKey = null;
  }

  dispose(): void {
    this.clear();
    this.disposed = true;
  }

  private display(request: FrameRequest, key: string, entry: CachedFrame): void {
    this.displayed = request;
    this.displayedKey = key;
    this.cache.pin(key);
    this.options.onShow(request, entry);
  }

  private next(): InFlight | null {
    if (this.wanted && !this.wantedDone) {
      return { request: this.wanted, key: frameKey(this.wanted), prefetch: false };
    }
    while (this.prefetchQueue.length > 0) {
      const request = this.prefetchQueue.shift()!;
      const key = frameKey(request);
      if (!this.cache.has(key) && !this.failed.has(key)) return { request, key, prefetch: true };
    }
    return null;
  }

  private pump(): void {
    if (this.inFlight || this.disposed) return;
    const job = this.next();
    if (!job) return;
    this.inFlight = job;
    const generation = this.generation;
    const stale = () => this.disposed || generation !== this.generation;
    this.options
      .fetchFrame(job.request)
      .then(
        (entry) => {
          if (stale()) {
            entry.bitmap.close();
            return;
          }
          this.failed.delete(job.key);
          this.cache.set(job.key, entry);
          const wanted = this.wanted;
          if (!wanted) return;
          if (frameKey(wanted) === job.key) {
            this.wantedDone = true;
            this.display(wanted, job.key, entry);
          } else if (
            !job.prefetch &&
            !this.wantedDone &&
            wanted.videoId === job.request.videoId &&
            wanted.maxSize === job.request.maxSize
          ) {
            // The playhead moved on while this was loading (scrubbing, playback): show it anyway
            // as the freshest frame there is; the wanted one is fetched next.
            this.display(job.request, job.key, entry);
          }
        },
        (error: unknown) => {
          if (stale()) return;
          if (this.failed.size >= MAX_REMEMBERED_FAILURES) this.failed.clear();
          this.failed.add(job.key);
          if (!job.prefetch && this.wanted && frameKey(this.wanted) === job.key) {
            this.wantedDone = true;
            this.options.onError(job.request, error);
          }
        },
      )
      .catch((error: unknown) => console.error('Kinema: drawing a frame failed', error))
      .finally(() => {
        this.inFlight = null;
        this.pump();
      });
  }
}
