/**
 * Streaming decode whose pipe is read on its own thread.
 *
 * `streamRgbFrames` reads ffmpeg's stdout on the calling thread. When that thread blocks (an
 * onnxruntime-node `run` is synchronous there for the whole inference), the 64 KiB pipe fills
 * and ffmpeg stops decoding, so decode and inference take turns. Here a small worker thread owns
 * ffmpeg and its pipe, assembles whole frames and hands them over (transferred, not copied), up
 * to `depth` frames ahead: ffmpeg keeps decoding while the consumer computes.
 */
import { Worker } from 'node:worker_threads';
import { KinemaError } from '../../shared/contract';
import { abortError, ffmpegPaths, lastLines } from './ffmpeg';
import type { RgbStreamRequest } from './decode';
import { rgbStreamArgs } from './decode';

// Plain CommonJS run with `eval`, so it needs no separate bundle entry.
const READER = `
const { parentPort, workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { ffmpegPath, args, frameBytes, depth } = workerData;
const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (c) => { stderr = (stderr + c.toString()).slice(-8000); });
let credit = depth;
let paused = false;
let frame = new Uint8Array(frameBytes);
let at = 0;
child.stdout.on('data', (chunk) => {
  let off = 0;
  while (off < chunk.length) {
    const n = Math.min(chunk.length - off, frameBytes - at);
    chunk.copy(frame, at, off, off + n);
    at += n;
    off += n;
    if (at === frameBytes) {
      parentPort.postMessage({ type: 'frame', data: frame }, [frame.buffer]);
      frame = new Uint8Array(frameBytes);
      at = 0;
      credit--;
    }
  }
  if (credit <= 0 && !paused) { paused = true; child.stdout.pause(); }
});
parentPort.on('message', (m) => {
  if (m === 'more') {
    credit++;
    if (paused && credit > 0) { paused = false; child.stdout.resume(); }
  } else if (m === 'stop') {
    child.kill('SIGKILL');
  }
});
child.on('error', (err) => parentPort.postMessage({ type: 'end', code: -1, stderr: err.message }));
child.on('close', (code) => parentPort.postMessage({ type: 'end', code: code === null ? -1 : code, stderr }));
`;

type ReaderMessage = { type: 'frame'; data: Uint8Array } | { type: 'end'; code: number; stderr: string };

/**
 * Like `streamRgbFrames`, with the pipe read on a worker thread and up to `depth` frames decoded
 * ahead. Each yielded frame is the consumer's to keep.
 */
export async function* streamRgbFramesThreaded(
  req: RgbStreamRequest & { depth?: number },
): AsyncGenerator<Uint8Array> {
  if (req.signal?.aborted) throw abortError();
  const frameBytes = req.width * req.height * 3;
  const worker = new Worker(READER, {
    eval: true,
    workerData: {
      ffmpegPath: ffmpegPaths().ffmpegPath,
      args: rgbStreamArgs(req),
      frameBytes,
      depth: req.depth ?? 6,
    },
  });
  const queue: ReaderMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (m: ReaderMessage) => {
    queue.push(m);
    notify();
  });
  worker.on('error', (err) => {
    failure = err;
    notify();
  });
  const onAbort = () => {
    worker.postMessage('stop');
    notify();
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      while (queue.length === 0 && !failure && !req.signal?.aborted)
        await new Promise<void>((resolve) => (wake = resolve));
      if (req.signal?.aborted) throw abortError();
      if (failure) throw failure;
      const m = queue[0];
      if (m.type === 'end') {
        if (m.code !== 0)
          throw new KinemaError('DECODE_FAILED', `Decoding stopped: ${lastLines(m.stderr, 1)}`);
        return;
      }
      queue.shift();
      worker.postMessage('more');
      yield m.data;
    }
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
    if (!queue.some((m) => m.type === 'end')) {
      // Let the reader kill ffmpeg (and see it go) before the thread goes.
      worker.postMessage('stop');
      const deadline = Date.now() + 2000;
      while (!failure && !queue.some((m) => m.type === 'end') && Date.now() < deadline)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
    }
    await worker.terminate();
  }
}
