/**
 * Decoding frames: single frames as JPEG (for the player) or RGB (for analysis), and streaming
 * decode of a range at a chosen size (for pose detection and other per-frame work).
 */
import { KinemaError } from '../../shared/contract';
import { abortError, ffmpegPaths, lastLines, runTool, spawnFfmpeg, ToolError } from './ffmpeg';

/** Scale filter that fits within maxSize on the longest side, never upscaling, even dimensions. */
export function fitWithinFilter(maxSize: number): string {
  return `scale='if(gt(iw,ih),min(iw,${maxSize}),-2)':'if(gt(iw,ih),-2,min(ih,${maxSize}))':flags=bilinear`;
}

export function fittedSize(
  width: number,
  height: number,
  maxSize: number,
): { width: number; height: number } {
  const scale = Math.min(1, maxSize / Math.max(width, height));
  if (scale === 1) return { width, height };
  const even = (v: number) => Math.max(2, Math.round(v / 2) * 2);
  return width >= height
    ? { width: Math.min(width, maxSize), height: even(height * scale) }
    : { width: even(width * scale), height: Math.min(height, maxSize) };
}

/** Splits a concatenation of JPEG images (ffmpeg's image2pipe of mjpeg) into the images. */
export function splitJpegs(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  for (let i = 0; i + 1 < data.length; i++) {
    if (data[i] !== 0xff) continue;
    const marker = data[i + 1];
    if (marker === 0xd8 && start < 0) start = i;
    else if (marker === 0xd9 && start >= 0) {
      out.push(data.subarray(start, i + 2));
      start = -1;
      i++;
    }
  }
  return out;
}

export interface JpegDecodeRequest {
  path: string;
  /** From seekTimeForFrame: lands on the first wanted frame. */
  seekS: number;
  count: number;
  maxSize: number;
  quality?: number;
  signal?: AbortSignal;
  /** Called with each image as soon as ffmpeg has written it, before the batch is done. */
  onJpeg?: (index: number, jpeg: Buffer) => void;
}

/** Decodes `count` consecutive frames starting at seekS, as JPEG images. */
export async function decodeJpegFrames(req: JpegDecodeRequest): Promise<Buffer[]> {
  const args = ['-v', 'error', '-nostdin'];
  if (req.seekS > 0) args.push('-ss', req.seekS.toFixed(6));
  args.push(
    '-i',
    req.path,
    '-an',
    '-sn',
    // Pass frames through as decoded: the default constant-rate sync repeats frames of a
    // variable-frame-rate file and the first frame after some seeks, shifting every index after.
    '-vsync',
    'passthrough',
    '-frames:v',
    String(req.count),
    '-vf',
    fitWithinFilter(req.maxSize),
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    '-q:v',
    String(req.quality ?? 3),
    'pipe:1',
  );
  try {
    let announced = 0;
    const onStdout = req.onJpeg
      ? (received: Buffer[]) => {
          const jpegs = splitJpegs(Buffer.concat(received));
          for (; announced < jpegs.length; announced++) req.onJpeg!(announced, Buffer.from(jpegs[announced]));
        }
      : undefined;
    const { stdout } = await runTool(ffmpegPaths().ffmpegPath, args, req.signal, onStdout);
    const jpegs = splitJpegs(stdout);
    for (; announced < jpegs.length; announced++) req.onJpeg?.(announced, jpegs[announced]);
    return jpegs;
  } catch (err) {
    if (err instanceof ToolError)
      throw new KinemaError('DECODE_FAILED', `Cannot decode a frame: ${lastLines(err.stderr, 1)}`);
    throw err;
  }
}

export type FitMode = 'stretch' | 'letterbox';

export interface RgbStreamRequest {
  path: string;
  seekS: number;
  /** Number of frames to decode; the stream may end earlier at the end of the file. */
  frames: number;
  width: number;
  height: number;
  fit?: FitMode;
  /**
   * 'fast' skips H.264's in-loop deblocking filter (about 20% of decode time): the small blocking
   * it leaves is invisible once a 720p frame is shrunk to a model's 256x256 input. 'exact'
   * decodes bit-exactly. Default: 'fast', since streams feed analysis.
   */
  decode?: 'fast' | 'exact';
  threads?: number;
  signal?: AbortSignal;
}

function rgbFilter(width: number, height: number, fit: FitMode): string {
  if (fit === 'stretch') return `scale=${width}:${height}:flags=fast_bilinear`;
  return (
    `scale=${width}:${height}:force_original_aspect_ratio=decrease:flags=fast_bilinear,` +
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`
  );
}

/**
 * Streams decoded frames as packed RGB24 buffers of width*height*3 bytes, in order. Decode runs
 * in ffmpeg's own threads while the consumer works on the previous frame.
 */
export async function* streamRgbFrames(req: RgbStreamRequest): AsyncGenerator<Buffer> {
  const frameBytes = req.width * req.height * 3;
  const child = spawnFfmpeg(rgbStreamArgs(req), req.signal);
  yield* readFrames(child, frameBytes, req.signal);
}

/** ffmpeg's arguments for a raw RGB24 stream of the request's range, size and fit. */
export function rgbStreamArgs(req: RgbStreamRequest): string[] {
  const args = ['-v', 'error', '-nostdin', '-threads', String(req.threads ?? 0)];
  if ((req.decode ?? 'fast') === 'fast') args.push('-skip_loop_filter', 'all');
  if (req.seekS > 0) args.push('-ss', req.seekS.toFixed(6));
  args.push(
    '-i',
    req.path,
    '-an',
    '-sn',
    // Pass frames through as decoded: the default constant-rate sync repeats frames of a
    // variable-frame-rate file and the first frame after some seeks, shifting every index after.
    '-vsync',
    'passthrough',
    '-frames:v',
    String(req.frames),
    '-vf',
    rgbFilter(req.width, req.height, req.fit ?? 'stretch'),
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  );
  return args;
}

async function* readFrames(
  child: ReturnType<typeof spawnFfmpeg>,
  frameBytes: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-8000)));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < frameBytes) continue;
      let joined = Buffer.concat(pending, pendingBytes);
      while (joined.length >= frameBytes) {
        yield joined.subarray(0, frameBytes);
        joined = joined.subarray(frameBytes);
      }
      pending = joined.length ? [joined] : [];
      pendingBytes = joined.length;
    }
    const code = await exited;
    if (signal?.aborted) throw abortError();
    if (code !== 0) throw new KinemaError('DECODE_FAILED', `Decoding stopped: ${lastLines(stderr, 1)}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** One frame as RGB24, exactly the frame at seekS. */
export async function decodeRgbFrame(req: Omit<RgbStreamRequest, 'frames'>): Promise<Buffer> {
  for await (const frame of streamRgbFrames({ decode: 'exact', ...req, frames: 1 }))
    return Buffer.from(frame);
  throw new KinemaError('DECODE_FAILED', 'The video ended before the requested frame.');
}

/** Width and height from a JPEG's start-of-frame marker, or null if there is none. */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) return null;
    const marker = jpeg[i + 1];
    const length = (jpeg[i + 2] << 8) | jpeg[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: (jpeg[i + 5] << 8) | jpeg[i + 6], width: (jpeg[i + 7] << 8) | jpeg[i + 8] };
    i += 2 + length;
  }
  return null;
}
