/** LRU cache of decoded frames. Evicted bitmaps are closed at once: each holds megabytes. */
export interface CachedFrame {
  bitmap: ImageBitmap;
  width: number;
  height: number;
  source: 'proxy' | 'original';
}

export interface FrameRequest {
  videoId: number;
  frame: number;
  /** Longest side asked of the server (bucketed, so resizing does not empty the cache). */
  maxSize: number;
}

export function frameKey(r: FrameRequest): string {
  return `${r.videoId}:${r.frame}:${r.maxSize}`;
}

export class FrameCache {
  private readonly map = new Map<string, CachedFrame>();
  /** The frame on screen: never evicted, since a resize must be able to redraw it. */
  private pinned: string | null = null;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Looks up and marks as most recently used. */
  get(key: string): CachedFrame | undefined {
    const entry = this.map.get(key);
    if (entry) {
      this.map.delete(key);
      this.map.set(key, entry);
    }
    return entry;
  }

  peek(key: string): CachedFrame | undefined {
    return this.map.get(key);
  }

  set(key: string, entry: CachedFrame): void {
    const old = this.map.get(key);
    if (old && old.bitmap !== entry.bitmap) old.bitmap.close();
    this.map.delete(key);
    this.map.set(key, entry);
    this.evict();
  }

  pin(key: string | null): void {
    this.pinned = key;
    this.evict();
  }

  /** Drops every entry whose key fails `keep` (e.g. frames of removed videos). */
  retain(keep: (key: string) => boolean): void {
    for (const [key, entry] of this.map) {
      if (key !== this.pinned && !keep(key)) {
        entry.bitmap.close();
        this.map.delete(key);
      }
    }
  }

  clear(): void {
    for (const entry of this.map.values()) entry.bitmap.close();
    this.map.clear();
    this.pinned = null;
  }

  private evict(): void {
    if (this.map.size <= this.capacity) return;
    for (const [key, entry] of this.map) {
      if (this.map.size <= this.capacity) break;
      if (key === this.pinned) continue;
      entry.bitmap.close();
      this.map.delete(key);
    }
  }
}
