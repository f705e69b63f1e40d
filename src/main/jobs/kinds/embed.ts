/**
 * The 'embed' job: per-frame VIPE* pose embeddings of one track range (issue 8), with the shipped
 * model or one the project trained, stored as a frame series (kind 'embedding', source 'vipe' or
 * 'vipe:<name>'; a recompute of the same track and range replaces it). Main checks the request and
 * cuts the track (analysis/embeddings.ts prepareEmbed); the model runs here on onnxruntime through
 * the TCC embedder, which computes the features the model's metadata names and fills short gaps
 * for its context (their rows are stored as NaN).
 */
import { existsSync } from 'node:fs';
import { KinemaError } from '../../../shared/errors';
import { TccEmbedder } from '../../training/tcc/embed';
import { deserializeTrack, type SerializedTrack } from '../../vpd/crops-job';
import type { JobRunner } from '../protocol';

export interface EmbedParams {
  videoId: number;
  runId: number;
  clipId: number | null;
  /** The track cut to the range. */
  track: SerializedTrack;
  inFrame: number | null;
  outFrame: number | null;
  /** 'vipe' (shipped) or a project model's name. */
  model: string;
  modelId: number | null;
  source: string;
  onnxPath: string;
  /** Fingerprint of the poses embedded (tells later whether the series is still current). */
  posesHash: string;
}

export interface EmbedResult {
  seriesId: number;
  source: string;
  runId: number;
  trackId: number;
  firstFrame: number;
  /** Rows stored: the range's first to last pose. */
  frames: number;
  /** Rows with a pose (a vector, not NaN). */
  posedFrames: number;
  dim: number;
}

export const runEmbed: JobRunner<EmbedParams, null, EmbedResult> = async (ctx) => {
  const p = ctx.params;
  if (!existsSync(p.onnxPath))
    throw new KinemaError('NOT_FOUND', `The embedding model ${p.onnxPath} is gone; start the job again.`);
  const track = deserializeTrack(p.track);
  ctx.progress({ phase: 'embed', done: 0, total: track.frames.length, message: 'Loading the model' });
  const embedder = await TccEmbedder.load(p.onnxPath);
  try {
    const e = await embedder.embedTrack(track);
    const rows = e.values.length / e.dim;
    let posed = 0;
    for (let r = 0; r < rows; r++) if (Number.isFinite(e.values[r * e.dim])) posed++;
    const seriesId = await ctx.commit<number>(
      {
        op: 'saveSeries',
        videoId: p.videoId,
        kind: 'embedding',
        source: p.source,
        modelId: p.modelId,
        runId: p.runId,
        trackId: track.trackId,
        clipId: p.clipId,
        firstFrame: e.frames[0],
        values: e.values,
        width: e.dim,
        params: { model: p.model, posesHash: p.posesHash, inFrame: p.inFrame, outFrame: p.outFrame },
      },
      null,
    );
    ctx.progress({
      phase: 'done',
      done: track.frames.length,
      total: track.frames.length,
      message: `${posed} frames embedded (${e.dim} values each)`,
    });
    return {
      seriesId,
      source: p.source,
      runId: p.runId,
      trackId: track.trackId,
      firstFrame: e.frames[0],
      frames: rows,
      posedFrames: posed,
      dim: e.dim,
    };
  } finally {
    await embedder.release();
  }
};
