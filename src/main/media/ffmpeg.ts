/**
 * Where ffmpeg and ffprobe come from, and how they are run.
 *
 * Default: the static binaries that `@ffmpeg-installer/ffmpeg` and `@ffprobe-installer/ffprobe`
 * ship inside their npm packages (so `npm install` works offline). Override with the
 * KINEMA_FFMPEG / KINEMA_FFPROBE environment variables or `setFfmpegPaths` (the app's setting).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { KinemaError } from '../../shared/contract';

const requireCjs = createRequire(import.meta.url);

export interface FfmpegPaths {
  ffmpegPath: string;
  ffprobePath: string;
}

let override: Partial<FfmpegPaths> = {};

function packagedPath(pkg: string): string | null {
  try {
    return (requireCjs(pkg) as { path: string }).path;
  } catch {
    return null;
  }
}

export function setFfmpegPaths(paths: Partial<FfmpegPaths>): void {
  override = { ...paths };
}

export function ffmpegPaths(): FfmpegPaths {
  const ffmpegPath =
    override.ffmpegPath || process.env.KINEMA_FFMPEG || packagedPath('@ffmpeg-installer/ffmpeg') || 'ffmpeg';
  const ffprobePath =
    override.ffprobePath ||
    process.env.KINEMA_FFPROBE ||
    packagedPath('@ffprobe-installer/ffprobe') ||
    'ffprobe';
  return { ffmpegPath, ffprobePath };
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a binary to completion, collecting stdout as bytes (`onStdout` sees them as they come).
 * Rejects with the tail of stderr on a non-zero exit; kills the process when the signal aborts.
 */
export function runTool(
  binary: string,
  args: string[],
  signal?: AbortSignal,
  onStdout?: (received: Buffer[]) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    if (binary.includes('/') && !existsSync(binary)) {
      return reject(
        new KinemaError(
          'FFMPEG_MISSING',
          `ffmpeg tool not found at ${binary}. Set KINEMA_FFMPEG / KINEMA_FFPROBE.`,
        ),
      );
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      onStdout?.(chunks);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new KinemaError('FFMPEG_MISSING', `Cannot run ${binary}: ${err.message}`));
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(abortError());
      if (code === 0) resolve({ stdout: Buffer.concat(chunks), stderr });
      else reject(new ToolError(binary, code ?? -1, stderr));
    });
  });
}

export class ToolError extends Error {
  constructor(
    readonly binary: string,
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${binary.split('/').pop()} exited with ${exitCode}: ${lastLines(stderr)}`);
  }
}

export function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

export function abortError(): Error {
  const err = new Error('Cancelled');
  err.name = 'AbortError';
  return err;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Spawns ffmpeg for streaming use (caller reads stdout); killed when the signal aborts. */
export function spawnFfmpeg(args: string[], signal?: AbortSignal): ChildProcess {
  const child = spawn(ffmpegPaths().ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
  return child;
}

let cachedVersion: string | null = null;
export async function ffmpegVersion(): Promise<string> {
  if (cachedVersion) return cachedVersion;
  try {
    const { stdout } = await runTool(ffmpegPaths().ffmpegPath, ['-hide_banner', '-version']);
    cachedVersion = stdout.toString().split('\n')[0] ?? 'unknown';
  } catch (err) {
    cachedVersion = `unavailable (${(err as Error).message})`;
  }
  return cachedVersion;
}
