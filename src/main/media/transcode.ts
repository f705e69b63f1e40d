/**
 * Writing video: thumbnails, the seek proxy, clip export and frame-rate change. Every output is
 * written to a temporary name and renamed into place, so a crash never leaves a half file where
 * the user expects a finished one.
 */
import { rename, rm } from 'node:fs/promises';
import { dirname, extname, basename, join } from 'node:path';
import { KinemaError } from '../../shared/contract';
import { ffmpegPaths, lastLines, runTool, spawnFfmpeg, ToolError, abortError } from './ffmpeg';
import { splitJpegs } from './decode';

function tempPathFor(outPath: string): string {
  return join(
    dirname(outPath),
    `.${basename(outPath, extname(outPath))}.partial-${process.pid}${extname(outPath)}`,
  );
}

interface WriteOptions {
  signal?: AbortSignal;
  onProgress?: (outTimeS: number) => void;
  /** Turns an ffmpeg failure into a user-facing error: its code and what was being done. */
  failure?: { code: string; doing: string };
}

async function runToTemp(
  outPath: string,
  build: (tmp: string) => string[],
  options: WriteOptions = {},
): Promise<void> {
  const tmp = tempPathFor(outPath);
  try {
    await runFfmpegWithProgress(build(tmp), options.signal, options.onProgress);
    await rename(tmp, outPath);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof ToolError && options.failure)
      throw new KinemaError(
        options.failure.code,
        `${options.failure.doing} failed: ${lastLines(err.stderr, 2)}`,
      );
    throw err;
  }
}

/** Runs ffmpeg with `-progress`, reporting the output time reached. */
function runFfmpegWithProgress(
  args: string[],
  signal?: AbortSignal,
  onProgress?: (outTimeS: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(
      ['-v', 'error', '-nostdin', '-y', '-progress', 'pipe:1', '-nostats', ...args],
      signal,
    );
    let stderr = '';
    let buffered = '';
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-16000)));
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_(?:us|ms)=(\d+)/.exec(line);
        if (m && onProgress) onProgress(Number(m[1]) / 1e6);
      }
    });
    child.on('error', (err) =>
      reject(new KinemaError('FFMPEG_MISSING', `Cannot run ffmpeg: ${err.message}`)),
    );
    child.on('close', (code) => {
      if (signal?.aborted) return reject(abortError());
      if (code === 0) resolve();
      else reject(new ToolError(ffmpegPaths().ffmpegPath, code ?? -1, stderr));
    });
  });
}

export interface ThumbnailRequest {
  path: string;
  /** Seek times of the wanted frames (accurate seek each), from seekTimeForFrame. */
  seekTimes: number[];
  height: number;
  signal?: AbortSignal;
}

/**
 * Extracts one small JPEG per requested time. One ffmpeg run per thumbnail with an input seek
 * is cheaper than decoding the whole file when thumbnails are sparse, and each is exact.
 */
export async function extractThumbnails(req: ThumbnailRequest): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const seekS of req.seekTimes) {
    const args = ['-v', 'error', '-nostdin'];
    if (seekS > 0) args.push('-ss', seekS.toFixed(6));
    args.push(
      '-i',
      req.path,
      '-an',
      '-frames:v',
      '1',
      '-vf',
      `scale=-2:${req.height}:flags=bilinear`,
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      '-q:v',
      '5',
      'pipe:1',
    );
    const { stdout } = await runTool(ffmpegPaths().ffmpegPath, args, req.signal);
    const [jpeg] = splitJpegs(stdout);
    if (!jpeg) throw new KinemaError('DECODE_FAILED', `No frame could be decoded at ${seekS.toFixed(2)} s.`);
    out.push(Buffer.from(jpeg));
  }
  return out;
}

export interface ProxyRequest {
  path: string;
  outPath: string;
  /** Longest side of the proxy. */
  maxSize: number;
  /** Keyframe interval: a seek decodes at most this many frames. */
  gop: number;
  durationS: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * Builds the seek proxy: H.264 with a short, fixed GOP and every source frame kept (no
 * duplication or dropping), so frame N of the proxy is frame N of the source and any frame is
 * a few decodes away from a keyframe. Camera files often have 1-10 s GOPs, which makes
 * frame-accurate seeking in them slow.
 */
export async function makeSeekProxy(req: ProxyRequest): Promise<void> {
  const scale = `scale='if(gt(iw,ih),min(iw,${req.maxSize}),-2)':'if(gt(iw,ih),-2,min(ih,${req.maxSize}))':flags=fast_bilinear`;
  await runToTemp(
    req.outPath,
    (tmp) => [
      '-i',
      req.path,
      '-map',
      '0:v:0',
      '-an',
      '-sn',
      '-vsync',
      'passthrough',
      '-vf',
      `${scale},format=yuv420p`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'fastdecode',
      // Scrubbing quality: a paused frame can always be fetched exactly from the original.
      '-crf',
      '26',
      '-g',
      String(req.gop),
      '-keyint_min',
      String(req.gop),
      '-sc_threshold',
      '0',
      '-bf',
      '0',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      tmp,
    ],
    {
      signal: req.signal,
      onProgress: (t) => req.onProgress?.(req.durationS > 0 ? Math.min(1, t / req.durationS) : 0),
      failure: { code: 'PROXY_FAILED', doing: 'Building the seek proxy' },
    },
  );
}

export type CutMethod = 'copy' | 'reencode';

export interface CutRequest {
  path: string;
  outPath: string;
  /** Seek time that lands on the first frame (seekTimeForFrame). */
  startS: number;
  frameCount: number;
  fps: number;
  method: CutMethod;
  hasAudio: boolean;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * Cuts [first frame, first frame + frameCount) into a new file. 'copy' keeps the original
 * bitstream (lossless, instant) and is only exact when the first frame is a keyframe; 're-encode'
 * is exact anywhere.
 */
export async function cutClip(req: CutRequest): Promise<void> {
  const durationS = req.frameCount / req.fps;
  const common = ['-ss', req.startS.toFixed(6), '-i', req.path, '-map', '0:v:0'];
  if (req.hasAudio) common.push('-map', '0:a:0?');
  const codec =
    req.method === 'copy'
      ? [
          '-c',
          'copy',
          '-frames:v',
          String(req.frameCount),
          '-t',
          durationS.toFixed(6),
          '-avoid_negative_ts',
          'make_zero',
        ]
      : [
          '-frames:v',
          String(req.frameCount),
          '-t',
          durationS.toFixed(6),
          '-c:v',
          'libx264',
          '-preset',
          'medium',
          '-crf',
          '18',
          '-pix_fmt',
          'yuv420p',
          '-c:a',
          'aac',
          '-b:a',
          '192k',
        ];
  await runToTemp(req.outPath, (tmp) => [...common, ...codec, '-movflags', '+faststart', '-f', 'mp4', tmp], {
    signal: req.signal,
    onProgress: (t) => req.onProgress?.(Math.min(1, t / durationS)),
    failure: { code: 'EXPORT_FAILED', doing: 'Export' },
  });
}

export interface ResampleRequest {
  path: string;
  outPath: string;
  fps: number;
  signal?: AbortSignal;
}

/**
 * Changes the frame rate by duplicating or dropping frames at the nearest times (duration kept),
 * as a model trained at a fixed rate expects (RunningPose resamples to its training rate).
 */
export async function changeFrameRate(req: ResampleRequest): Promise<void> {
  if (!(req.fps > 0 && req.fps <= 1000))
    throw new KinemaError('BAD_FPS', `Frame rate must be between 0 and 1000, got ${req.fps}.`);
  await runToTemp(
    req.outPath,
    (tmp) => [
      '-i',
      req.path,
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-vf',
      `fps=${req.fps}`,
      '-c:v',
      'libx264',
      '-preset',
      'fast',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-f',
      'mp4',
      tmp,
    ],
    { signal: req.signal, failure: { code: 'RESAMPLE_FAILED', doing: 'Frame-rate change' } },
  );
}
