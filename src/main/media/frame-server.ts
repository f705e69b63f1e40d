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

type Waiter = { resolve: (image: FrameImage) => void; reject: (error: Error) => void };

export class FrameServer {
  private readonly cache = new ByteLru<FrameImage>(256 << 20);
  /** Frames being decoded by a running batch, with the requests waiting for each. */
  private readonly waiting = new Map<string, Waiter[]>();
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
    const previous = this.lastFrame.get(video.id);
    this.lastFrame.set(video.id, frame);
    const hit = this.cache.get(key(frame));
    if (hit) return hit;
    if (!this.waiting.has(key(frame))) {
      // Read ahead in the direction of travel: stepping back decodes the batch that ends here.
      const backwards = previous !== undefined && previous === frame + 1;
      // A batch is contiguous, starts or ends at `frame`, and skips frames another batch decodes.
      let first = frame;
      let count = 1;
      const step = backwards ? -1 : 1;
      for (let f = frame + step; count < BATCH && f >= 0 && f < video.frameCount; f += step, count++) {
        if (this.waiting.has(key(f))) break;
        if (backwards) first = f;
      }
      for (let f = first; f < first + count; f++) this.waiting.set(key(f), []);
      const settle = (f: number, outcome: FrameImage | Error) => {
        const waiters = this.waiting.get(key(f));
        if (!waiters) return;
        this.waiting.delete(key(f));
        for (const w of waiters) {
          if (outcome instanceof Error) w.reject(outcome);
          else w.resolve(outcome);
        }
      };
      // Each frame is handed out as soon as ffmpeg writes it, not when the batch ends.
      decodeJpegFrames({
        path: useProxy ? info.proxyPath! : video.path,
        seekS: seekTimeForFrame(info.frameTimes, first),
        count,
        maxSize,
        onJpeg: (i, jpeg) => {
          const size = jpegSize(jpeg) ?? { width: video.width, height: video.height };
          const image: FrameImage = {
            videoId: video.id,
            frame: first + i,
            ...size,
            jpeg: new Uint8Array(jpeg),
            source,
          };
          this.cache.set(key(first + i), image);
          settle(first + i, image);
        },
      }).then(
        () => {
          const missing = new KinemaError(
            'DECODE_FAILED',
            `A frame of ${video.fileName} could not be decoded.`,
          );
          for (let f = first; f < first + count; f++) settle(f, missing);
        },
        (err: Error) => {
          for (let f = first; f < first + count; f++) settle(f, err);
        },
      );
    }
    return new Promise<FrameImage>((resolve, reject) =>
      this.waiting.get(key(frame))!.push({ resolve, reject }),
    );
  }

  /** Drops cached frames of a video (re-import, proxy change, removal). */
  forget(videoId: number): void {
    this.cache.deleteWhere((k) => k.startsWith(`${videoId}:`));
    this.lastFrame.delete(videoId);
  }
}
