/**
 * The import job: probe → index every frame → hash → filmstrip thumbnails → seek proxy.
 *
 * Each phase commits its result with a checkpoint; thumbnails commit in chunks. Resumed after a
 * kill, the job skips what is committed and continues from the next thumbnail.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { indexFrames, probeVideo, seekTimeForFrame, type FrameIndex } from '../../media/probe';
import { extractThumbnails, makeSeekProxy } from '../../media/transcode';
import type { JobRunner } from '../protocol';

export interface ImportParams {
  path: string;
}

export interface ImportCheckpoint {
  videoId: number;
  hashed: boolean;
  /** Index of the next thumbnail to extract. */
  nextThumb: number;
  /** The seek proxy once built (the source itself when it is already seek-friendly). */
  proxyPath: string | null;
}

export interface ImportResult {
  videoId: number;
  frameCount: number;
  thumbnails: number;
  proxy: string | null;
}

export const THUMB_HEIGHT = 72;
const THUMB_CHUNK = 8;
export const PROXY_MAX_SIZE = 1280;
export const PROXY_GOP = 8;

/** Evenly spaced thumbnail frames: about one a second, at least 8 and at most 100. */
export function thumbnailFrames(frameCount: number, durationS: number): number[] {
  const count = Math.max(1, Math.min(frameCount, 100, Math.max(8, Math.ceil(durationS))));
  const spacing = frameCount / count;
  return Array.from({ length: count }, (_, i) =>
    Math.min(frameCount - 1, Math.floor(i * spacing + spacing / 2)),
  );
}

/** The largest distance, in frames, from any frame back to its keyframe. */
export function maxKeyframeGap(index: FrameIndex): number {
  let gap = 0;
  const keys = index.keyframes;
  for (let i = 0; i < keys.length; i++)
    gap = Math.max(gap, (keys[i + 1] ?? index.frameTimes.length) - keys[i]);
  return keys.length ? gap : index.frameTimes.length;
}

async function sha256File(path: string, signal: AbortSignal, onBytes: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 4 << 20, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    onBytes(chunk.length);
  }
  return hash.digest('hex');
}

export const runImport: JobRunner<ImportParams, ImportCheckpoint, ImportResult> = async (ctx) => {
  const { path } = ctx.params;
  ctx.progress({ phase: 'probe', done: 0, total: 1, message: 'Reading the file' });
  const probe = await probeVideo(path, ctx.signal);
  ctx.progress({ phase: 'index', done: 0, total: 1, message: 'Indexing frames' });
  const index = await indexFrames(probe, ctx.signal);
  let cp = ctx.checkpoint;
  if (!cp) {
    // The queue writes the new row's id into the checkpoint in the same transaction.
    const fresh = { videoId: 0, hashed: false, nextThumb: 0, proxyPath: null };
    const videoId = await ctx.commit<number>({ op: 'insertVideo', probe, index }, fresh);
    cp = { ...fresh, videoId };
  }
  const { videoId } = cp;

  if (!cp.hashed) {
    const total = (await stat(path)).size;
    let done = 0;
    let last = 0;
    const hash = await sha256File(path, ctx.signal, (n) => {
      done += n;
      if (done - last > 32 << 20 || done === total) {
        last = done;
        ctx.progress({ phase: 'hash', done, total, message: 'Fingerprinting the file' });
      }
    });
    cp = { ...cp, hashed: true };
    await ctx.commit({ op: 'setHash', videoId, hash }, cp);
  }

  let seekSource = cp.proxyPath;
  if (seekSource === null) {
    // A short-GOP source small enough to show is its own seek proxy.
    const seekFriendly =
      maxKeyframeGap(index) <= PROXY_GOP * 1.5 && Math.max(probe.width, probe.height) <= PROXY_MAX_SIZE;
    let proxyPath = path;
    if (!seekFriendly) {
      const dir = join(ctx.cacheDir, 'proxies');
      await mkdir(dir, { recursive: true });
      proxyPath = join(
        dir,
        `${videoId}-${probe.sizeBytes}-${Math.round(probe.mtimeMs)}-${PROXY_MAX_SIZE}g${PROXY_GOP}.mp4`,
      );
      await makeSeekProxy({
        path,
        outPath: proxyPath,
        maxSize: PROXY_MAX_SIZE,
        gop: PROXY_GOP,
        durationS: probe.durationS,
        signal: ctx.signal,
        onProgress: (f) =>
          ctx.progress({
            phase: 'proxy',
            done: Math.round(f * 1000),
            total: 1000,
            message: 'Building the seek proxy',
          }),
      });
    }
    cp = { ...cp, proxyPath };
    await ctx.commit({ op: 'setProxy', videoId, proxyPath }, cp);
    seekSource = proxyPath;
  }

  // Thumbnails come from the seek proxy: one short decode each, where the original's long GOP
  // would cost up to hundreds of decoded frames per thumbnail.
  const frames = thumbnailFrames(index.frameTimes.length, probe.durationS);
  while (cp.nextThumb < frames.length) {
    ctx.progress({
      phase: 'thumbnails',
      done: cp.nextThumb,
      total: frames.length,
      message: 'Making the filmstrip',
    });
    const chunk = frames.slice(cp.nextThumb, cp.nextThumb + THUMB_CHUNK);
    const jpegs = await extractThumbnails({
      path: seekSource,
      seekTimes: chunk.map((f) => seekTimeForFrame(index.frameTimes, f)),
      height: THUMB_HEIGHT,
      signal: ctx.signal,
    });
    const items = chunk.map((frame, i) => ({ frame, jpeg: jpegs[i] }));
    const firstIdx = cp.nextThumb;
    cp = { ...cp, nextThumb: cp.nextThumb + chunk.length };
    await ctx.commit({ op: 'thumbnails', videoId, firstIdx, items }, cp);
  }

  await ctx.commit({ op: 'setStatus', videoId, status: 'ready' }, cp);
  ctx.progress({ phase: 'done', done: 1, total: 1, message: 'Imported' });
  return { videoId, frameCount: index.frameTimes.length, thumbnails: frames.length, proxy: cp.proxyPath };
};
