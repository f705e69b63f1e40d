/**
 * The align-video job: renders the aligned side-by-side MP4 — the learner's frames on the left at
 * their own pace, and on the right the reference frame the alignment pairs with each of them —
 * with each side's frame number burnt in. Both ranges are decoded as streams (the correspondence
 * never goes backwards, so the reference stream only ever moves forward or repeats a frame).
 * Nothing is resumed: a restarted render starts again, and the file only appears when complete.
 */
import { KinemaError } from '../../../shared/errors';
import { drawText } from '../../media/bitmap-text';
import { streamRgbFrames } from '../../media/decode';
import type { JobRunner } from '../protocol';
import { renderVideoFrames, type RenderedVideo } from './render-frames';

export interface AlignVideoSide {
  path: string;
  /** seekTimeForFrame of `start`. */
  seekS: number;
  /** First and last frame of the side's range (inclusive). */
  start: number;
  end: number;
  /** Size each side is rendered at (even). */
  width: number;
  height: number;
}

export interface AlignVideoParams {
  outPath: string;
  fps: number;
  learner: AlignVideoSide;
  reference: AlignVideoSide;
  /** For learner frame start + i, its reference frame. */
  learnerToReference: number[];
}

export type AlignVideoResult = RenderedVideo;

export const runAlignVideo: JobRunner<AlignVideoParams, never, AlignVideoResult> = async (ctx) => {
  const p = ctx.params;
  const { learner: L, reference: R } = p;
  const total = L.end - L.start + 1;
  if (p.learnerToReference.length !== total)
    throw new KinemaError(
      'BAD_PARAMS',
      `The correspondence has ${p.learnerToReference.length} frames, the learner range ${total}.`,
    );
  const W = L.width + R.width;
  const H = Math.max(L.height, R.height);
  const stream = (s: AlignVideoSide) =>
    streamRgbFrames({
      path: s.path,
      seekS: s.seekS,
      frames: s.end - s.start + 1,
      width: s.width,
      height: s.height,
      decode: 'exact',
      signal: ctx.signal,
    })[Symbol.asyncIterator]();
  const learnerFrames = stream(L);
  const referenceFrames = stream(R);
  let refFrame = R.start - 1;
  let refPixels: Uint8Array | null = null;
  const blit = (out: Uint8Array, src: Uint8Array, sw: number, sh: number, x0: number) => {
    const y0 = Math.floor((H - sh) / 2);
    for (let y = 0; y < sh; y++) out.set(src.subarray(y * sw * 3, (y + 1) * sw * 3), ((y0 + y) * W + x0) * 3);
  };
  const scale = Math.max(1, Math.round(H / 240));
  return renderVideoFrames(ctx, {
    outPath: p.outPath,
    width: W,
    height: H,
    fps: p.fps,
    frames: total,
    draw: async (i, out) => {
      const next = await learnerFrames.next();
      if (next.done)
        throw new KinemaError(
          'DECODE_FAILED',
          `The learner video ended at frame ${L.start + i}, before ${L.end}.`,
        );
      const want = p.learnerToReference[i];
      while (refFrame < want) {
        const r = await referenceFrames.next();
        if (r.done)
          throw new KinemaError(
            'DECODE_FAILED',
            `The reference video ended at frame ${refFrame + 1}, before ${want}.`,
          );
        refPixels = r.value;
        refFrame++;
      }
      out.fill(0);
      blit(out, next.value, L.width, L.height, 0);
      if (refPixels) blit(out, refPixels, R.width, R.height, L.width);
      drawText(out, W, H, `LEARNER ${L.start + i}`, 6 * scale, 6 * scale, scale);
      drawText(out, W, H, `REFERENCE ${refFrame}`, L.width + 6 * scale, 6 * scale, scale);
    },
    close: () => Promise.all([learnerFrames.return?.(undefined), referenceFrames.return?.(undefined)]),
  });
};
