/**
 * Writing an H.264 MP4 from raw RGB24 frames made in JS (e.g. the aligned side-by-side video):
 * ffmpeg reads them on stdin. The file is written under a temporary name and renamed when ffmpeg
 * has finished cleanly, so a cancelled or failed render leaves no half-written video.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { dirname, extname, join, basename } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { abortError, ffmpegPaths } from './ffmpeg';

export interface EncoderOptions {
  outPath: string;
  width: number;
  height: number;
  fps: number;
  signal?: AbortSignal;
  /** x264 CRF (default 20). */
  crf?: number;
}

export class RawVideoEncoder {
  private readonly child: ChildProcess;
  private readonly tmpPath: string;
  private readonly done: Promise<void>;
  private stderr = '';
  private failed: Error | null = null;

  constructor(private readonly o: EncoderOptions) {
    if (o.width % 2 || o.height % 2)
      throw new Error(`H.264 needs even frame sizes, got ${o.width}×${o.height}`);
    const ext = extname(o.outPath) || '.mp4';
    this.tmpPath = join(dirname(o.outPath), `.${basename(o.outPath, ext)}.partial${ext}`);
    this.child = spawn(
      ffmpegPaths().ffmpegPath,
      [
        '-v',
        'error',
        '-y',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        `${o.width}x${o.height}`,
        '-r',
        String(o.fps),
        '-i',
        'pipe:0',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        String(o.crf ?? 20),
        '-pix_fmt',
        'yuv420p',
        '-movflags',
        '+faststart',
        this.tmpPath,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()).slice(-4000));
    this.child.stdin?.on('error', (err) => (this.failed ??= err));
    o.signal?.addEventListener('abort', () => this.child.kill('SIGKILL'), { once: true });
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        if (code === 0) resolve();
        else
          reject(
            new KinemaError(
              'ENCODE_FAILED',
              `ffmpeg could not write ${o.outPath}: ${this.stderr.trim() || `exit ${code}`}`,
            ),
          );
      });
    });
    this.done.catch(() => undefined);
  }

  /** Queues one frame (width × height × 3 bytes), waiting while ffmpeg's pipe is full. */
  async write(rgb: Uint8Array): Promise<void> {
    if (this.o.signal?.aborted) throw abortError();
    if (this.failed) throw this.failed;
    if (rgb.length !== this.o.width * this.o.height * 3)
      throw new Error(`frame has ${rgb.length} bytes, expected ${this.o.width}×${this.o.height}×3`);
    const stdin = this.child.stdin;
    if (!stdin) throw new Error('ffmpeg has no input pipe');
    if (!stdin.write(rgb)) await new Promise<void>((resolve) => stdin.once('drain', resolve));
  }

  /** Closes the input, waits for ffmpeg and moves the file into place. */
  async finish(): Promise<void> {
    this.child.stdin?.end();
    try {
      await this.done;
    } catch (err) {
      rmSync(this.tmpPath, { force: true });
      if (this.o.signal?.aborted) throw abortError();
      throw err;
    }
    renameSync(this.tmpPath, this.o.outPath);
  }

  /** Stops ffmpeg and removes the partial file. */
  async abort(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.done.catch(() => undefined);
    rmSync(this.tmpPath, { force: true });
  }
}
