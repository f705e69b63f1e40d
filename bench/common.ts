/** Shared bits of the benchmarks: generated media, timing and percentiles. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegPaths } from '../src/main/media/ffmpeg';

export const WORK_DIR = join(process.cwd(), 'bench', '.work');
export const JOB_WORKER = join(process.cwd(), 'out', 'main', 'jobWorker.js');

export function requireBuild(): void {
  if (!existsSync(JOB_WORKER)) {
    console.error('Build the app first: npm run build');
    process.exit(1);
  }
}

/**
 * A camera-like H.264 file: moving test pattern with mild temporal noise (so it does not
 * compress to nothing), a phone-like bitrate and x264's default 250-frame GOP.
 */
export function cameraLikeVideo(
  name: string,
  width: number,
  height: number,
  fps: number,
  seconds: number,
  mbps: number,
): string {
  mkdirSync(WORK_DIR, { recursive: true });
  const path = join(WORK_DIR, name);
  if (existsSync(path)) return path;
  console.log(`Generating ${name} (${width}x${height}, ${fps} fps, ${seconds} s, ${mbps} Mbit/s)…`);
  execFileSync(ffmpegPaths().ffmpegPath, [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps},noise=alls=6:allf=t`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-b:v',
    `${mbps}M`,
    '-maxrate',
    `${mbps * 1.25}M`,
    '-bufsize',
    `${mbps * 2}M`,
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  return path;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(values: number[]): string {
  return `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (n=${values.length})`;
}

/** Deterministic pseudo-random numbers, so every run seeks the same frames. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A real person (the sample photo, @vladmandic/human's assets/samples.jpg) 600 px tall walking right
 * at 50 px/s on a grey floor: 1280x720, 30 fps, 10 s (300 frames), H.264. Made once in WORK_DIR.
 */
export function personVideo720p(): string {
  mkdirSync(WORK_DIR, { recursive: true });
  const path = join(WORK_DIR, 'person-720p-300.mp4');
  if (existsSync(path)) return path;
  const samples = join(process.cwd(), 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');
  execFileSync(ffmpegPaths().ffmpegPath, [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'color=c=0x808080:size=1280x720:rate=30',
    '-loop',
    '1',
    '-framerate',
    '30',
    '-i',
    samples,
    '-filter_complex',
    "[1:v]crop=156:156:4:0,scale=600:600[p];[0:v][p]overlay=x='200+50*t':y=60:shortest=1",
    '-t',
    '10',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  return path;
}
