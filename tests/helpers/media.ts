/**
 * Test media made on the spot with the same ffmpeg the app uses: no fixtures to download.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPaths } from '../../src/main/media/ffmpeg';

export function tempDir(prefix = 'kinema-test-'): { dir: string; cleanup: () => void } {
  const base = join(process.cwd(), 'tests', '.tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function ffmpeg(args: string[]): void {
  execFileSync(ffmpegPaths().ffmpegPath, ['-v', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

export function ffprobeJson(path: string): {
  streams: Record<string, string | number>[];
  format: Record<string, string>;
} {
  const out = execFileSync(ffmpegPaths().ffprobePath, [
    '-v',
    'error',
    '-show_streams',
    '-show_format',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(out.toString());
}

export function ffprobeFrameCount(path: string): number {
  const out = execFileSync(ffmpegPaths().ffprobePath, [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    path,
  ]);
  return Number(out.toString().trim());
}

export interface VideoSpec {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** Keyframe interval in frames (x264's default is 250). */
  gop?: number;
  audio?: boolean;
}

/** A test-pattern H.264 MP4 (with a moving pattern and a running timestamp). */
export function makeVideo(path: string, spec: VideoSpec = {}): string {
  const { width = 320, height = 240, fps = 25, seconds = 2, gop = 250, audio = false } = spec;
  const args = ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push(
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(gop),
  );
  if (audio) args.push('-c:a', 'aac', '-shortest');
  args.push(path);
  ffmpeg(args);
  return path;
}

/**
 * A video whose frame n is a flat grey of level 16 + 4n (lossless), so a decoded frame's
 * brightness says which frame it is: the check for frame-accurate seeking.
 */
export function makeFrameCodedVideo(path: string, frames = 50, fps = 25, gop = 250): string {
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=black:size=64x64:rate=${fps}`,
    '-frames:v',
    String(frames),
    '-vf',
    "geq=lum='16+4*N':cb=128:cr=128",
    '-c:v',
    'libx264',
    '-qp',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(gop),
    path,
  ]);
  return path;
}

/**
 * Variable frame rate: like makeFrameCodedVideo, but the gaps between frames grow (frame n is
 * shown at (n + floor(n²/30)) / 25 s), as phones write when the light drops.
 */
export function makeVariableRateVideo(path: string, frames = 40): string {
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'color=c=black:size=64x64:rate=25',
    '-frames:v',
    String(frames),
    '-vf',
    "geq=lum='16+4*N':cb=128:cr=128,setpts='(N+floor(N*N/30))/25/TB'",
    '-vsync',
    'passthrough',
    '-c:v',
    'libx264',
    '-qp',
    '0',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '250',
    path,
  ]);
  return path;
}

/** Inverts makeFrameCodedVideo's coding from a decoded RGB frame. */
export function frameFromGrey(rgb: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < rgb.length; i += 3) sum += rgb[i + 1];
  const meanFullRange = sum / (rgb.length / 3);
  const lumaLimited = 16 + (meanFullRange * 219) / 255;
  return Math.round((lumaLimited - 16) / 4);
}

export function makeAudioOnly(path: string): string {
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '1', '-c:a', 'aac', path]);
  return path;
}

/** The first `fraction` of a file's bytes: what a cut-off copy or recording leaves. */
export function truncateCopy(src: string, dest: string, fraction = 0.5): string {
  const data = readFileSync(src);
  writeFileSync(dest, data.subarray(0, Math.floor(data.length * fraction)));
  return dest;
}

export function tmpFile(name: string): string {
  return join(tmpdir(), name);
}

/** Where makePersonVideo puts the person (the square picture of them), in video pixels. */
export interface PersonRegion {
  x: number;
  y: number;
  size: number;
}

/**
 * A real person for pose detection: the standing woman of @vladmandic/human's samples.jpg (its
 * first thumbnail, 156 px square), scaled to `size` and laid on a grey background. She moves
 * right by `speed` px/s; `region(t)` says where her picture is at time t.
 */
export function makePersonVideo(
  path: string,
  spec: {
    width?: number;
    height?: number;
    fps?: number;
    seconds?: number;
    size?: number;
    x?: number;
    y?: number;
    speed?: number;
    gop?: number;
  } = {},
): { path: string; region: (t: number) => PersonRegion } {
  const {
    width = 640,
    height = 360,
    fps = 25,
    seconds = 2,
    size = 312,
    x = 160,
    y = 24,
    speed = 0,
    gop = 250,
  } = spec;
  const samples = join(process.cwd(), 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=0x808080:size=${width}x${height}:rate=${fps}`,
    '-loop',
    '1',
    '-framerate',
    String(fps),
    '-i',
    samples,
    '-filter_complex',
    `[1:v]crop=156:156:4:0,scale=${size}:${size}[p];[0:v][p]overlay=x='${x}+${speed}*t':y=${y}:shortest=1`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(gop),
    path,
  ]);
  return { path, region: (t: number) => ({ x: x + speed * t, y, size }) };
}

/**
 * Two people for multi-person detection: two copies of makePersonVideo's woman (`size` px
 * square), A starting at `xA` moving right and B starting at `xB` moving left, both at `speed`
 * px/s, so they cross when they meet (B is drawn on top). `regions(t)` gives [A, B].
 */
export function makeTwoPersonVideo(
  path: string,
  spec: {
    width?: number;
    height?: number;
    fps?: number;
    seconds?: number;
    size?: number;
    xA?: number;
    xB?: number;
    y?: number;
    speed?: number;
  } = {},
): { path: string; regions: (t: number) => [PersonRegion, PersonRegion] } {
  const {
    width = 640,
    height = 360,
    fps = 25,
    seconds = 4,
    size = 200,
    xA = 20,
    xB = 420,
    y = 80,
    speed = 100,
  } = spec;
  const samples = join(process.cwd(), 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=0x808080:size=${width}x${height}:rate=${fps}`,
    '-loop',
    '1',
    '-framerate',
    String(fps),
    '-i',
    samples,
    '-filter_complex',
    `[1:v]crop=156:156:4:0,scale=${size}:${size},split[a][b];` +
      `[0:v][a]overlay=x='${xA}+${speed}*t':y=${y}:shortest=1[ab];` +
      `[ab][b]overlay=x='${xB}-${speed}*t':y=${y}:shortest=1`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  return {
    path,
    regions: (t: number) => [
      { x: xA + speed * t, y, size },
      { x: xB - speed * t, y, size },
    ],
  };
}
