/**
 * Serves player frames fast: decodes from the seek proxy (short GOP) in small batches, keeps a
 * byte-bounded LRU of JPEGs, and reads ahead in the direction the user is stepping, so arrow-key
 * stepping mostly hits the cache and a random seek costs one short decode.
 */
import type { FrameImage } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import type { VideoMediaInfo } from '../db/videos';
import { decodeJpegFrames, jpegSize } from './decode';
import { seekTimeForFrame } from './probe';

const BATCH = 4;
const DEFAULT_MAX_SIZE = 1280;

class ByteLru<V extends { jpeg: Uint8Array }> {
  private readonly map = new Map<string, V>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    const old = this.map.get(key);
    if (old) this.bytes -= old.jpeg.length;
    this.map.delete(key);
    this.map.set(key, value);
    this.bytes += value.jpeg.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.jpeg.length;
    }
  }
  deleteWhere(pred: (key: string) => boolean): void {
    for (const [k, v] of this.map)
      if (pred(k)) {
        this.map.delete(k);
        this.bytes -= v.jpeg.length;
      }
  }
}

export class FrameServer {
  private readonly cache = new ByteLru<FrameImage>(256 << 20);
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly lastFrame = new Map<number, number>();

  async getFrame(
    info: VideoMediaInfo,
    frame: number,
    options: { maxSize?: number; exact?: boolean } = {},
  ): Promise<FrameImage> {
    const { video } = info;
    if (video.frameCount === 0)
      throw new KinemaError('NOT_READY', `${video.fileName} has no indexed frames yet.`);
    if (frame >= video.frameCount)
      throw new KinemaError(
        'OUT_OF_RANGE',
        `Frame ${frame} is out of range: ${video.fileName} has frames 0 to ${video.frameCount - 1}.`,
      );
    const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
    const useProxy = !options.exact && info.proxyPath !== null && info.proxyPath !== video.path;
    const source = useProxy ? 'proxy' : 'original';
    const key = (f: number) => `${video.id}:${source}:${maxSize}:${f}`;
    const hit = this.cache.get(key(frame));
    const previous = this.lastFrame.get(video.id);
    this.lastFrame.set(video.id, frame);
    if (hit) return hit;

    // Read ahead in the direction of travel: stepping back decodes the batch that ends here.
    const backwards = previous !== undefined && previous === frame + 1;
    const first = backwards ? Math.max(0, frame - BATCH + 1) : frame;
    const count = Math.min(BATCH, video.frameCount - first);
    const batchKey = `${key(first)}+${count}`;
    let pending = this.inflight.get(batchKey);
    if (!pending) {
      pending = (async () => {
        const jpegs = await decodeJpegFrames({
          path: useProxy ? info.proxyPath! : video.path,
          seekS: seekTimeForFrame(info.frameTimes, first),
          count,
          maxSize,
        });
        jpegs.forEach((jpeg, i) => {
          const size = jpegSize(jpeg) ?? { width: video.width, height: video.height };
          this.cache.set(key(first + i), {
            videoId: video.id,
            frame: first + i,
            ...size,
            jpeg: new Uint8Array(jpeg),
            source,
          });
        });
      })().finally(() => this.inflight.delete(batchKey));
      this.inflight.set(batchKey, pending);
    }
    await pending;
    const image = this.cache.get(key(frame));
    if (!image)
      throw new KinemaError('DECODE_FAILED', `Frame ${frame} of ${video.fileName} could not be decoded.`);
    return image;
  }

  /** Drops cached frames of a video (re-import, proxy change, removal). */
  forget(videoId: number): void {
    this.cache.deleteWhere((k) => k.startsWith(`${videoId}:`));
    this.lastFrame.delete(videoId);
  }
}
