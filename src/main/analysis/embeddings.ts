/**
 * Per-frame pose embeddings of a track with a shipped embedder (VIPE*, issue 8): computed with
 * onnxruntime through the TCC embedder (the same per-frame feature pipeline), stored in the
 * project as a frame series (kind 'embedding', source 'vipe') — which the VPD student distils and
 * the action tools compare — and written in VPD's per-video layout.
 *
 * File layouts (rows run from the track range's first to its last pose; frames without a pose
 * are NaN rows in the arrays and absent from the JSON list):
 *   .npy   float32 [frames, dim]: the embeddings;
 *   .npz   `embeddings` float32 [frames, dim], `frames` int32 [frames] (video frame of each row);
 *   .json  VPD's list of (frame, vector, metadata): [[frame, [v…], {"model", "video", "track"}], …].
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/contract';
import { primaryTrack, trackRange } from '../../shared/pose';
import type { Db } from '../db/connection';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import { writeFileAtomic } from '../formats/io';
import { writeNpy, writeNpz } from '../formats/npy';
import { nativeModelsDir } from '../paths';
import { TccEmbedder } from '../training/tcc/embed';

/** The embedders shipped in native-models/ (name → file). */
export const SHIPPED_EMBEDDERS: Readonly<Record<string, string>> = { vipe: 'vipe.onnx' };

export interface EmbedRequest {
  runId: number;
  /** Default: the run's main track (the longest). */
  trackId?: number;
  inFrame?: number;
  outFrame?: number;
  model?: string;
}

export interface TrackEmbeddings {
  seriesId: number;
  videoId: number;
  trackId: number;
  model: string;
  firstFrame: number;
  dim: number;
  /** rows × dim, NaN rows where the track has no pose. */
  values: Float32Array;
}

/** Embeds a track range with a shipped embedder and stores the series (replacing a recompute). */
export async function embedTrack(db: Db, request: EmbedRequest): Promise<TrackEmbeddings> {
  const model = request.model ?? 'vipe';
  const file = SHIPPED_EMBEDDERS[model];
  if (!file)
    throw new KinemaError(
      'BAD_OPTIONS',
      `Unknown embedder "${model}" (there is: ${Object.keys(SHIPPED_EMBEDDERS).join(', ')}).`,
    );
  const path = join(nativeModelsDir(), file);
  if (!existsSync(path))
    throw new KinemaError(
      'MODEL_MISSING',
      `The ${model} model is missing: ${path} (train it with bench/vipe.ts).`,
    );
  const set = posesDb.loadRunPoseSet(db, request.runId);
  const videoId = posesDb.getRun(db, request.runId).videoId;
  const track =
    request.trackId !== undefined ? set.tracks.find((t) => t.trackId === request.trackId) : primaryTrack(set);
  if (!track)
    throw new KinemaError(
      'NOT_FOUND',
      request.trackId !== undefined
        ? `Run ${request.runId} has no track ${request.trackId} (tracks: ${set.tracks.map((t) => t.trackId).join(', ') || 'none'}).`
        : `Run ${request.runId} has no tracks to embed: detect poses first.`,
    );
  const part = trackRange(track, request.inFrame, request.outFrame);
  if (part.frames.length === 0)
    throw new KinemaError('NO_POSES', `Track ${track.trackId} has no pose in the range to embed.`);
  const embedder = await TccEmbedder.load(path);
  try {
    const e = await embedder.embedTrack(track, request.inFrame, request.outFrame);
    const seriesId = seriesDb.saveSeries(db, {
      kind: 'embedding',
      source: model,
      runId: request.runId,
      trackId: track.trackId,
      firstFrame: e.frames[0],
      values: e.values,
      width: e.dim,
      params: {
        model,
        posesHash: seriesDb.posesFingerprint(part),
        inFrame: request.inFrame ?? null,
        outFrame: request.outFrame ?? null,
      },
    });
    return {
      seriesId,
      videoId,
      trackId: track.trackId,
      model,
      firstFrame: e.frames[0],
      dim: e.dim,
      values: e.values,
    };
  } finally {
    await embedder.release();
  }
}

/** Writes embeddings as .npy, .npz or .json (see the module comment). */
export function writeEmbeddings(path: string, e: TrackEmbeddings, videoName: string): void {
  const rows = e.values.length / e.dim;
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) {
    const list: [number, number[], Record<string, unknown>][] = [];
    for (let r = 0; r < rows; r++) {
      const v = Array.from(e.values.subarray(r * e.dim, (r + 1) * e.dim));
      if (v.some((x) => !Number.isFinite(x))) continue;
      list.push([e.firstFrame + r, v, { model: e.model, video: videoName, track: e.trackId }]);
    }
    writeFileAtomic(path, JSON.stringify(list));
    return;
  }
  const embeddings = writeNpy({ dtype: 'float32', shape: [rows, e.dim], data: e.values });
  if (lower.endsWith('.npy')) {
    writeFileAtomic(path, embeddings);
    return;
  }
  if (lower.endsWith('.npz')) {
    const frames = writeNpy({
      dtype: 'int32',
      shape: [rows],
      data: Int32Array.from({ length: rows }, (_, r) => e.firstFrame + r),
    });
    writeFileAtomic(path, writeNpz({ embeddings, frames }));
    return;
  }
  throw new KinemaError('BAD_PATH', `Embeddings are written as .npy, .npz or .json, not ${path}.`);
}
