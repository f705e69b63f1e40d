/**
 * The frame loop of the jobs that render an MP4 (align-video, render-3d): each frame is drawn into
 * one RGB buffer and piped to the encoder, with progress every ten frames and cancel between
 * frames. The file only appears when complete (RawVideoEncoder); on any error the partial output is
 * removed, and the caller's decode streams are closed whatever happens.
 */
import { RawVideoEncoder } from '../../media/encode';
import { abortError } from '../../media/ffmpeg';
import type { JobContext } from '../protocol';

export interface RenderedVideo {
  outPath: string;
  frames: number;
  width: number;
  height: number;
}

export async function renderVideoFrames(
  ctx: Pick<JobContext<unknown, unknown>, 'signal' | 'progress'>,
  o: {
    outPath: string;
    width: number;
    height: number;
    fps: number;
    frames: number;
    /** Fills `out` (width × height × 3, RGB) with frame i of the output. */
    draw(i: number, out: Uint8Array): Promise<void>;
    /** Closes the caller's inputs (decode streams). */
    close(): Promise<unknown>;
  },
): Promise<RenderedVideo> {
  const total = o.frames;
  const encoder = new RawVideoEncoder({
    outPath: o.outPath,
    width: o.width,
    height: o.height,
    fps: o.fps,
    signal: ctx.signal,
  });
  const out = new Uint8Array(o.width * o.height * 3);
  try {
    ctx.progress({ phase: 'render', done: 0, total, message: `Rendering ${o.outPath}` });
    for (let i = 0; i < total; i++) {
      if (ctx.signal.aborted) throw abortError();
      await o.draw(i, out);
      await encoder.write(out);
      if (i % 10 === 9) ctx.progress({ phase: 'render', done: i + 1, total });
    }
    ctx.progress({ phase: 'encode', done: total, total, message: 'Finishing the file' });
    await encoder.finish();
  } catch (err) {
    await encoder.abort();
    throw err;
  } finally {
    await o.close();
  }
  ctx.progress({ phase: 'done', done: total, total, message: 'Rendered' });
  return { outPath: o.outPath, frames: total, width: o.width, height: o.height };
}
