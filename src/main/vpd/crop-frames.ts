/**
 * Cutting athlete crops out of decoded frames: one decode of the range (ffmpeg, its pipe read on
 * its own thread) and, for every frame t with a crop box, the crop of frame t and the crop of frame
 * t − 1 at the SAME box (VPD's prev crop, which the optical flow compares it with). At the video's
 * first frame there is no t − 1: the prev crop is the crop itself (zero flow), as VPD does.
 *
 * Resampling is bilinear with supersampling: each output pixel averages n × n bilinear samples
 * spread over its footprint (n = the shrink factor rounded up, 1 to 4), so shrinking does not
 * alias. Samples outside the frame take the `fill` colour (the crop is padded at frame edges);
 * inside it, samples beyond the outermost pixel centres repeat the edge pixel.
 *
 * The range is decoded at a working size rather than the source size when the athlete is large:
 * small enough that a typical (10th-percentile) box still has at least 2 × the crop size in
 * decoded pixels, which keeps the crops sharp and makes 1080p decoding several times cheaper.
 */
import type { CropBox } from '../../shared/vpd/crops';
import { fittedSize } from '../media/decode';
import { streamRgbFramesThreaded } from '../media/decode-thread';
import { abortError } from '../media/ffmpeg';
import { indexFrames, probeVideo } from '../media/probe';

export type Rgb = readonly [number, number, number];

/** Fill colour of the crop outside the frame. Black, as OpenCV's constant border. */
export const DEFAULT_FILL: Rgb = [0, 0, 0];

/**
 * Resamples the region (rx, ry, rw, rh) of an RGB image (in its pixels, (0, 0) = the top-left
 * pixel's corner) to an out × out RGB image.
 */
export function resampleRegion(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  region: { x: number; y: number; w: number; h: number },
  out: number,
  fill: Rgb = DEFAULT_FILL,
  dst?: Uint8Array,
): Uint8Array {
  if (src.length < srcWidth * srcHeight * 3)
    throw new Error(`Crop: ${src.length} bytes for a ${srcWidth}×${srcHeight} RGB frame`);
  if (!Number.isInteger(out) || out < 1)
    throw new Error(`Crop: the crop size must be a whole number ≥ 1, got ${out}`);
  if (!(region.w > 0 && region.h > 0)) throw new Error(`Crop: empty region ${region.w}×${region.h}`);
  const res = dst ?? new Uint8Array(out * out * 3);
  // Per output column (row) and subsample: the two source columns (rows) to blend and the weight
  // of the second, or -1 when the subsample lies outside the frame (it takes the fill colour).
  // Inside the frame, positions past the outermost pixel centres use the edge pixel.
  const taps = (start: number, length: number, limit: number) => {
    const step = length / out;
    const n = Math.max(1, Math.min(4, Math.ceil(step - 1e-6)));
    const i0 = new Int32Array(out * n);
    const i1 = new Int32Array(out * n);
    const w1 = new Float32Array(out * n);
    for (let o = 0; o < out; o++) {
      for (let s = 0; s < n; s++) {
        const k = o * n + s;
        const pos = start + (o + (s + 0.5) / n) * step; // continuous coordinate
        if (!(pos >= 0 && pos < limit)) {
          i0[k] = -1;
          continue;
        }
        const p = Math.min(limit - 1, Math.max(0, pos - 0.5)); // pixel-centre coordinate
        const f = Math.floor(p);
        i0[k] = f;
        i1[k] = Math.min(limit - 1, f + 1);
        w1[k] = p - f;
      }
    }
    return { n, i0, i1, w1 };
  };
  const tx = taps(region.x, region.w, srcWidth);
  const ty = taps(region.y, region.h, srcHeight);
  const inv = 1 / (tx.n * ty.n);
  const [fr, fg, fb] = fill;
  const rowStride = srcWidth * 3;
  for (let oy = 0; oy < out; oy++) {
    for (let ox = 0; ox < out; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < ty.n; sy++) {
        const ky = oy * ty.n + sy;
        const y0 = ty.i0[ky];
        const r0 = y0 * rowStride;
        const r1 = ty.i1[ky] * rowStride;
        const wy = ty.w1[ky];
        for (let sx = 0; sx < tx.n; sx++) {
          const kx = ox * tx.n + sx;
          const x0 = tx.i0[kx];
          if (y0 < 0 || x0 < 0) {
            r += fr;
            g += fg;
            b += fb;
            continue;
          }
          const c0 = x0 * 3;
          const c1 = tx.i1[kx] * 3;
          const wx = tx.w1[kx];
          const w00 = (1 - wx) * (1 - wy);
          const w10 = wx * (1 - wy);
          const w01 = (1 - wx) * wy;
          const w11 = wx * wy;
          r += src[r0 + c0] * w00 + src[r0 + c1] * w10 + src[r1 + c0] * w01 + src[r1 + c1] * w11;
          g +=
            src[r0 + c0 + 1] * w00 + src[r0 + c1 + 1] * w10 + src[r1 + c0 + 1] * w01 + src[r1 + c1 + 1] * w11;
          b +=
            src[r0 + c0 + 2] * w00 + src[r0 + c1 + 2] * w10 + src[r1 + c0 + 2] * w01 + src[r1 + c1 + 2] * w11;
        }
      }
      const o = (oy * out + ox) * 3;
      res[o] = Math.round(r * inv);
      res[o + 1] = Math.round(g * inv);
      res[o + 2] = Math.round(b * inv);
    }
  }
  return res;
}

/** The square crop `box` (source pixels) of a frame decoded at decodedWidth × decodedHeight. */
export function cutCrop(
  frame: Uint8Array,
  decodedWidth: number,
  decodedHeight: number,
  sourceWidth: number,
  sourceHeight: number,
  box: Pick<CropBox, 'x' | 'y' | 'size'>,
  cropSize: number,
  fill: Rgb = DEFAULT_FILL,
): Uint8Array {
  const sx = decodedWidth / sourceWidth;
  const sy = decodedHeight / sourceHeight;
  return resampleRegion(
    frame,
    decodedWidth,
    decodedHeight,
    { x: box.x * sx, y: box.y * sy, w: box.size * sx, h: box.size * sy },
    cropSize,
    fill,
  );
}

/**
 * The size to decode at: the source size, shrunk (never grown) so that the 10th-percentile box
 * side is about 2 × cropSize decoded pixels, and at most `maxSize` on the long side.
 */
export function workingSize(
  boxes: readonly Pick<CropBox, 'size'>[],
  sourceWidth: number,
  sourceHeight: number,
  cropSize: number,
  maxSize = Infinity,
): { width: number; height: number } {
  const long = Math.max(sourceWidth, sourceHeight);
  let target = Math.min(long, maxSize);
  if (boxes.length) {
    const sides = boxes.map((b) => b.size).sort((a, b) => a - b);
    const p10 = sides[Math.floor(sides.length * 0.1)];
    if (p10 > 0) target = Math.min(target, Math.ceil((long * 2 * cropSize) / p10));
  }
  return fittedSize(sourceWidth, sourceHeight, Math.max(16, Math.round(target)));
}

/**
 * The -ss time to start a crop stream at `frame`: a quarter of a frame before it.
 *
 * Not seekTimeForFrame's midpoint: ffmpeg's raw-video output runs with constant-frame-rate sync,
 * and when the first frame after the seek lies half a frame after the seek time, it is sent twice
 * on some files (measured on ../shared/data/video/demo.mp4, VP9: a seek to frame 99 streamed
 * 99, 99, 100…; with a quarter frame: 99, 100, 101), which would make frame t's prev crop a copy
 * of frame t. A quarter frame before still lands on `frame` (its predecessor is 3/4 of a frame
 * before the seek time).
 */
export function cropSeekTime(frameTimes: ArrayLike<number>, frame: number): number {
  if (frame <= 0) return 0;
  const t = frameTimes[frame];
  const before = frameTimes[frame - 1];
  if (!(Number.isFinite(t) && Number.isFinite(before)))
    throw new Error(`Frame ${frame} is not in the video's frame index (${frameTimes.length} frames)`);
  return Math.max(0, t - 0.25 * (t - before));
}

/** cropSeekTime of `frame`, from the video's frame index (read with ffprobe). */
export async function seekTimeOf(path: string, frame: number, signal?: AbortSignal): Promise<number> {
  if (frame <= 0) return 0;
  const index = await indexFrames(await probeVideo(path, signal), signal);
  return cropSeekTime(index.frameTimes, frame);
}

export interface CropPair {
  frame: number;
  box: CropBox;
  /** cropSize × cropSize × 3 RGB of frame t. */
  crop: Uint8Array;
  /** The same box in frame t − 1 (the crop itself at frame 0). */
  prev: Uint8Array;
}

export interface StreamCropsOptions {
  path: string;
  sourceWidth: number;
  sourceHeight: number;
  /** The boxes to cut, sorted by frame. */
  boxes: readonly CropBox[];
  cropSize: number;
  /** Decoded size (default: workingSize of the boxes). */
  decodeWidth?: number;
  decodeHeight?: number;
  /** The first frame decoded: max(0, the first box's frame − 1) by default. */
  fromFrame?: number;
  /** cropSeekTime of `fromFrame` (found by indexing the video when absent). */
  seekS?: number;
  fill?: Rgb;
  signal?: AbortSignal;
  /** Called with each decoded frame index, crop or not (for progress). */
  onFrame?: (frame: number) => void;
}

/**
 * Decodes the range once and yields, frame by frame, the crop and the prev crop of every box. A
 * video that ends before the last box simply yields fewer pairs.
 */
export async function* streamCropPairs(o: StreamCropsOptions): AsyncGenerator<CropPair> {
  if (!o.boxes.length) return;
  for (let i = 1; i < o.boxes.length; i++)
    if (o.boxes[i].frame <= o.boxes[i - 1].frame) throw new Error('Crop boxes must be sorted by frame');
  const first = o.boxes[0].frame;
  const last = o.boxes[o.boxes.length - 1].frame;
  const from = o.fromFrame ?? Math.max(0, first - 1);
  if (from > Math.max(0, first - 1))
    throw new Error(
      `Decoding must start at or before frame ${Math.max(0, first - 1)} (the first crop's prev), not ${from}`,
    );
  const size =
    o.decodeWidth && o.decodeHeight
      ? { width: o.decodeWidth, height: o.decodeHeight }
      : workingSize(o.boxes, o.sourceWidth, o.sourceHeight, o.cropSize);
  const seekS = o.seekS ?? (await seekTimeOf(o.path, from, o.signal));
  const frames = streamRgbFramesThreaded({
    path: o.path,
    seekS,
    frames: last - from + 1,
    width: size.width,
    height: size.height,
    fit: 'stretch',
    // Crops are training images, often enlarged: keep H.264's deblocking.
    decode: 'exact',
    threads: 2,
    signal: o.signal,
    depth: 4,
  });
  let frame = from;
  let prevRgb: Uint8Array | null = null;
  let b = 0;
  const cut = (rgb: Uint8Array, box: CropBox) =>
    cutCrop(rgb, size.width, size.height, o.sourceWidth, o.sourceHeight, box, o.cropSize, o.fill);
  for await (const rgb of frames) {
    if (o.signal?.aborted) throw abortError();
    while (b < o.boxes.length && o.boxes[b].frame < frame) b++;
    if (b < o.boxes.length && o.boxes[b].frame === frame) {
      const box = o.boxes[b];
      const crop = cut(rgb, box);
      // The frame before is the one decoded just before, except at the very start of the video.
      const prev = prevRgb && frame > 0 ? cut(prevRgb, box) : crop.slice();
      yield { frame, box, crop, prev };
    }
    o.onFrame?.(frame);
    prevRgb = rgb;
    frame++;
    if (frame > last) break;
  }
}
