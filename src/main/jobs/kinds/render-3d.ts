/**
 * The render-3d job (VideoPose3D's --render): an MP4 with the video frame on the left and the
 * lifted skeleton on the right (lifting/render.ts: fixed orbit view, ground grid, root trail,
 * bones coloured left / right / centre), the frame number burnt in on both. The video is decoded as
 * one stream; the file only appears when complete (RawVideoEncoder), and a restart renders again.
 */
import { buildScene3d } from '../../../shared/lifting/scene3d';
import { KinemaError } from '../../../shared/errors';
import { drawText } from '../../media/bitmap-text';
import { streamRgbFrames } from '../../media/decode';
import { DEFAULT_ORBIT, renderScene, RgbCanvas, type OrbitView } from '../../lifting/render';
import type { JobRunner } from '../protocol';
import { renderVideoFrames, type RenderedVideo } from './render-frames';
import { decodeFloat32 } from './train-student';

export interface Render3dParams {
  outPath: string;
  fps: number;
  video: {
    path: string;
    /** seekTimeForFrame of `start`. */
    seekS: number;
    /** Size the video side is rendered at (even). */
    width: number;
    height: number;
  };
  /** Video frames rendered, inclusive. */
  start: number;
  end: number;
  /** The series: first frame, Float32 joints (frames × 51) and root (frames × 3) as base64. */
  firstFrame: number;
  joints: string;
  root: string | null;
  view?: OrbitView;
}

export type Render3dResult = RenderedVideo;

export const runRender3d: JobRunner<Render3dParams, never, Render3dResult> = async (ctx) => {
  const p = ctx.params;
  const scene = buildScene3d(decodeFloat32(p.joints), p.root ? decodeFloat32(p.root) : null, p.firstFrame);
  const total = p.end - p.start + 1;
  if (!(total > 0)) throw new KinemaError('BAD_PARAMS', `Nothing to render: frames ${p.start}–${p.end}.`);
  const H = p.video.height;
  const side = H & ~1; // the 3D view is square
  const W = p.video.width + side;
  const frames = streamRgbFrames({
    path: p.video.path,
    seekS: p.video.seekS,
    frames: total,
    width: p.video.width,
    height: H,
    decode: 'exact',
    signal: ctx.signal,
  })[Symbol.asyncIterator]();
  const scale = Math.max(1, Math.round(H / 240));
  let view: RgbCanvas | null = null;
  return renderVideoFrames(ctx, {
    outPath: p.outPath,
    width: W,
    height: H,
    fps: p.fps,
    frames: total,
    draw: async (i, out) => {
      const next = await frames.next();
      if (next.done)
        throw new KinemaError('DECODE_FAILED', `The video ended at frame ${p.start + i}, before ${p.end}.`);
      const frame = p.start + i;
      for (let y = 0; y < H; y++)
        out.set(next.value.subarray(y * p.video.width * 3, (y + 1) * p.video.width * 3), y * W * 3);
      view ??= new RgbCanvas(out, side, H, p.video.width, W);
      renderScene(view, scene, frame - p.firstFrame, p.view ?? DEFAULT_ORBIT);
      drawText(out, W, H, `FRAME ${frame}`, 6 * scale, 6 * scale, scale);
      drawText(out, W, H, `3D ${frame}`, p.video.width + 6 * scale, 6 * scale, scale);
    },
    close: () => frames.return?.(undefined) ?? Promise.resolve(),
  });
};
