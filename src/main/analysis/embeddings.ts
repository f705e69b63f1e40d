/**
 * Per-frame pose embeddings of a track (VIPE*, issue 8): main's side of the 'embed' job — which
 * video, clip, run, track and range, and which embedder (the shipped native-models/vipe.onnx or a
 * VIPE* model trained in the project, trained_models family 'vipe') — and the files a stored
 * series is written as, in VPD's per-video layout. The job (jobs/kinds/embed.ts) runs the model
 * through the TCC embedder (the same per-frame feature pipeline) and stores the series (kind
 * 'embedding', source 'vipe' or 'vipe:<name>'), which the VPD student distils and the action
 * tools compare.
 *
 * File layouts (rows run from the range's first to its last pose; frames without a pose are NaN
 * rows in the arrays and absent from the JSON list):
 *   .npy   float32 [frames, dim]: the embeddings;
 *   .npz   `embeddings` float32 [frames, dim], `frames` int32 [frames] (video frame of each row);
 *   .json  VPD's list of (frame, vector, metadata): [[frame, [v…], {"model", "video", "track"}], …].
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  SHIPPED_VIPE,
  vipeSource,
  type EmbedderInfo,
  type embedStartInputSchema,
} from '../../shared/contract-embed';
import { KinemaError } from '../../shared/errors';
import { trackRange, type PoseTrack } from '../../shared/pose';
import type { FrameSeriesInfo } from '../../shared/series';
import { getClip } from '../db/clips';
import type { Db } from '../db/connection';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import { getVideo } from '../db/videos';
import { writeFileAtomic } from '../formats/io';
import { writeNpy, writeNpz } from '../formats/npy';
import type { EmbedParams } from '../jobs/kinds/embed';
import { nativeModelsDir } from '../paths';
import { readOnnxMetadata, tccInfoFromMetadata } from '../training/tcc/export-onnx';
import { serializeTrack } from '../vpd/crops-job';
import { cachedModelFile } from './model-cache';

export type EmbedStartInput = z.infer<typeof embedStartInputSchema>;

/** The embedders shipped in native-models/ (name → file). */
export const SHIPPED_EMBEDDERS: Readonly<Record<string, string>> = { [SHIPPED_VIPE]: 'vipe.onnx' };

/** What an embedder's ONNX says about itself; a model that is not a pose encoder is refused. */
function describeOnnx(bytes: Uint8Array, what: string): { embeddingDim: number; receptiveField: number } {
  try {
    const meta = readOnnxMetadata(bytes);
    const info = tccInfoFromMetadata(meta, what);
    return { embeddingDim: info.embeddingDim, receptiveField: Number(meta.receptive_field) || 1 };
  } catch (err) {
    throw new KinemaError('BAD_MODEL', (err as Error).message);
  }
}

function shippedPath(model: string): string {
  const path = join(nativeModelsDir(), SHIPPED_EMBEDDERS[model]);
  if (!existsSync(path))
    throw new KinemaError(
      'MODEL_MISSING',
      `The shipped ${model} model is missing: ${path} (train it with \`npx tsx scripts/train-vipe.ts --ship\`).`,
    );
  return path;
}

/** The shipped embedders and the project's VIPE* models. */
export function listEmbedders(db: Db): EmbedderInfo[] {
  const out: EmbedderInfo[] = [];
  for (const model of Object.keys(SHIPPED_EMBEDDERS)) {
    const path = join(nativeModelsDir(), SHIPPED_EMBEDDERS[model]);
    if (!existsSync(path)) continue;
    const d = describeOnnx(readFileSync(path), path);
    out.push({
      model,
      source: vipeSource(model),
      origin: 'shipped',
      modelId: null,
      ...d,
      description: 'VIPE* shipped with Kinema (trained on CMU mocap, native-models/vipe.onnx)',
    });
  }
  for (const m of seriesDb.listTrainedModels(db, 'vipe')) {
    const d = describeOnnx(seriesDb.getTrainedModel(db, m.id).onnx, `VIPE* model "${m.name}"`);
    out.push({
      model: m.name,
      source: vipeSource(m.name),
      origin: 'project',
      modelId: m.id,
      ...d,
      description: `VIPE* trained in this project (${m.createdAt.slice(0, 10)})`,
    });
  }
  return out;
}

/** The stored embedding series of a video (every source), newest first. */
export function listEmbeddingSeries(db: Db, videoId: number): FrameSeriesInfo[] {
  getVideo(db, videoId);
  return seriesDb.listSeries(db, { videoId, kind: 'embedding' });
}

/**
 * Checks an embed request and builds the job's params: the track cut to the range travels with
 * them (workers never read the database); a project model's ONNX is written under `cacheDir`.
 */
export function prepareEmbed(
  db: Db,
  input: EmbedStartInput,
  cacheDir: string,
): { params: EmbedParams; title: string } {
  let videoId = input.videoId;
  let lo = input.inFrame;
  let hi = input.outFrame;
  let clipId: number | null = null;
  if (input.clipId !== undefined) {
    const clip = getClip(db, input.clipId);
    if (videoId !== undefined && clip.videoId !== videoId)
      throw new KinemaError('BAD_OPTIONS', `Clip ${clip.id} is not a clip of video ${videoId}.`);
    videoId = clip.videoId;
    clipId = clip.id;
    lo = Math.max(clip.inFrame, lo ?? clip.inFrame);
    hi = Math.min(clip.outFrame, hi ?? clip.outFrame);
    if (hi <= lo)
      throw new KinemaError(
        'BAD_OPTIONS',
        `Frames ${input.inFrame ?? clip.inFrame}–${(input.outFrame ?? clip.outFrame) - 1} are outside clip ${clip.id} (frames ${clip.inFrame}–${clip.outFrame - 1}).`,
      );
  }
  if (videoId === undefined) throw new KinemaError('BAD_OPTIONS', 'Give a video or a clip to embed.');
  const video = getVideo(db, videoId);

  // The model first: a bad name is refused before anything is looked up for it.
  const model = (input.model ?? SHIPPED_VIPE).trim();
  let modelId: number | null = null;
  let onnxPath: string;
  if (SHIPPED_EMBEDDERS[model]) {
    onnxPath = shippedPath(model);
    describeOnnx(readFileSync(onnxPath), onnxPath);
  } else {
    const m = seriesDb.findTrainedModel(db, 'vipe', model);
    describeOnnx(m.onnx, `VIPE* model "${m.name}"`);
    modelId = m.id;
    onnxPath = cachedModelFile(cacheDir, m, m.onnx);
  }

  const runs = posesDb.listRuns(db, videoId);
  let runId = input.runId;
  if (runId === undefined) {
    if (!runs.length)
      throw new KinemaError(
        'NO_POSES',
        `${video.fileName} (video ${videoId}) has no pose tracks to embed: detect or import poses first.`,
      );
    runId = runs[0].id;
  } else if (!runs.some((r) => r.id === runId))
    throw new KinemaError(
      'NOT_FOUND',
      `${video.fileName} (video ${videoId}) has no pose run ${runId} (runs: ${runs.map((r) => r.id).join(', ') || 'none'}).`,
    );
  const { tracks } = posesDb.loadRunTracks(db, runId);
  const inRange = tracks.map((t) => trackRange(t, lo, hi));
  let part: PoseTrack | undefined;
  if (input.trackId !== undefined) {
    part = inRange.find((t) => t.trackId === input.trackId);
    if (!part)
      throw new KinemaError(
        'NOT_FOUND',
        `Run ${runId} has no track ${input.trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`,
      );
  } else
    part = inRange.reduce<PoseTrack | undefined>(
      (a, t) => (!a || t.frames.length > a.frames.length ? t : a),
      undefined,
    );
  const where =
    lo !== undefined || hi !== undefined
      ? ` between frames ${lo ?? 0} and ${hi !== undefined ? hi - 1 : 'the end'}`
      : '';
  if (!part || part.frames.length === 0)
    throw new KinemaError(
      'NO_POSES',
      part
        ? `Track ${part.trackId} of run ${runId} has no pose${where}.`
        : `Run ${runId} of ${video.fileName} has no tracks to embed.`,
    );
  const source = vipeSource(model);
  return {
    params: {
      videoId,
      runId,
      clipId,
      track: serializeTrack(part),
      inFrame: lo ?? null,
      outFrame: hi ?? null,
      model,
      modelId,
      source,
      onnxPath,
      posesHash: seriesDb.posesFingerprint(part),
    },
    title: `${model === SHIPPED_VIPE ? 'VIPE*' : `VIPE* "${model}"`} embeddings of ${video.fileName} (track ${part.trackId}${clipId !== null ? `, clip ${clipId}` : ''})`,
  };
}

/** What a file of embeddings holds: a stored series and who it belongs to. */
export interface EmbeddingsForFile {
  model: string;
  trackId: number;
  firstFrame: number;
  dim: number;
  /** rows × dim, NaN rows where the track has no pose. */
  values: Float32Array;
}

/** Writes embeddings as .npy, .npz or .json (see the module comment). */
export function writeEmbeddings(path: string, e: EmbeddingsForFile, videoName: string): void {
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
