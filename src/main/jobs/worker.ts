/**
 * Entry point of a job's worker thread: runs one job and talks to the queue by messages.
 */
import { parentPort } from 'node:worker_threads';
import { setFfmpegPaths, isAbortError } from '../media/ffmpeg';
import { KinemaError } from '../../shared/contract';
import type { CommitOp, FromWorker, JobContext, ToWorker } from './protocol';
import { jobRunners } from './kinds';

if (!parentPort) throw new Error('jobWorker must run in a worker thread');
const port = parentPort;
const controller = new AbortController();
const acks = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let seq = 0;

function send(message: FromWorker): void {
  port.postMessage(message);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') controller.abort();
  else if (message.type === 'ack') {
    const pending = acks.get(message.seq);
    acks.delete(message.seq);
    if (message.error) pending?.reject(new KinemaError('COMMIT_FAILED', message.error));
    else pending?.resolve(message.value);
  } else if (message.type === 'start') void run(message);
});

async function run(start: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  setFfmpegPaths(start.ffmpeg);
  const ctx: JobContext<unknown, unknown> = {
    jobId: start.jobId,
    params: start.params,
    checkpoint: start.checkpoint,
    signal: controller.signal,
    cacheDir: start.cacheDir,
    progress: (update) => send({ type: 'progress', ...update }),
    commit: <T>(commit: CommitOp, checkpoint: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = ++seq;
        acks.set(id, { resolve: resolve as (v: unknown) => void, reject });
        send({ type: 'commit', seq: id, commit, checkpoint });
      }),
  };
  try {
    const result = await jobRunners[start.kind](ctx as never);
    send({ type: 'done', result });
  } catch (err) {
    if (controller.signal.aborted || isAbortError(err)) send({ type: 'cancelled' });
    else
      send({
        type: 'failed',
        error: err instanceof Error ? err.message : String(err),
        code: err instanceof KinemaError ? err.code : 'JOB_FAILED',
      });
  }
}
