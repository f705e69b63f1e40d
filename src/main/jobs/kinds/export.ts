/**
 * The export job: cut a clip to a new MP4, by stream copy when the in point is a keyframe (exact
 * and lossless) or by re-encoding otherwise, then check the written file with ffprobe.
 */
import { probeVideo } from '../../media/probe';
import { cutClip, type CutMethod } from '../../media/transcode';
import { KinemaError } from '../../../shared/contract';
import type { JobRunner } from '../protocol';

export interface ExportParams {
  clipId: number;
  sourcePath: string;
  outPath: string;
  method: CutMethod;
  startS: number;
  inFrame: number;
  frameCount: number;
  fps: number;
  hasAudio: boolean;
}

export interface ExportResult {
  outPath: string;
  method: CutMethod;
  durationS: number;
  frames: number;
}

export const runExport: JobRunner<ExportParams, never, ExportResult> = async (ctx) => {
  const p = ctx.params;
  ctx.progress({
    phase: p.method === 'copy' ? 'copy' : 'encode',
    done: 0,
    total: 1000,
    message: `Writing ${p.outPath}`,
  });
  await cutClip({
    path: p.sourcePath,
    outPath: p.outPath,
    startS: p.startS,
    frameCount: p.frameCount,
    fps: p.fps,
    method: p.method,
    hasAudio: p.hasAudio,
    signal: ctx.signal,
    onProgress: (f) =>
      ctx.progress({
        phase: p.method === 'copy' ? 'copy' : 'encode',
        done: Math.round(f * 1000),
        total: 1000,
      }),
  });
  ctx.progress({ phase: 'verify', done: 0, total: 1, message: 'Checking the exported file' });
  const out = await probeVideo(p.outPath, ctx.signal).catch((err: Error) => {
    throw new KinemaError('EXPORT_FAILED', `The exported file cannot be read back: ${err.message}`);
  });
  return { outPath: p.outPath, method: p.method, durationS: out.durationS, frames: out.declaredFrames };
};
