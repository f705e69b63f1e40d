/**
 * Main's side of 3D lifting (contract-lift.ts): checking a lift request and building the 'lift'
 * job's params, resolving a lifter name (shipped in native-models/, or trained in the project and
 * stored in trained_models, family 'lifter'), reading stored 3D series, exporting them, and the
 * 'render-3d' job's params. Every refusal is a KinemaError that says what to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  DEFAULT_LIFTER,
  PROJECT_LIFTER_PREFIX,
  type LiftExportFormatName,
  type LiftSeries,
} from '../../shared/contract-lift';
import { KinemaError } from '../../shared/errors';
import type { PoseTrack } from '../../shared/pose';
import type { FrameSeriesInfo } from '../../shared/series';
import { trainedModelNameSchema } from '../../shared/series';
import type { Db } from '../db/connection';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import * as videosDb from '../db/videos';
import { listLifters } from '../inference/models';
import { isLiftable, MIN_SCORE, seenCount } from '../lifting/core';
import { writeLiftExport, type LiftExportFormat } from '../lifting/export';
import { seekTimeForFrame } from '../media/probe';
import { lifterInfo } from '../training/lift';
import type { LiftJobParams } from '../jobs/kinds/lift';
import { ROOT_SERIES_SUFFIX, ROOT_SKELETON } from '../jobs/kinds/lift';
import type { Render3dParams } from '../jobs/kinds/render-3d';
import { encodeFloat32 } from '../jobs/kinds/train-student';
import { serializeTrack } from '../vpd/crops-job';
import { cachedModelFile } from './model-cache';

export interface ResolvedLifter {
  source: string;
  modelId: number | null;
  name: string;
  /** The shipped file, or (project lifter) a copy of its ONNX in the cache when `cacheDir` is given. */
  path: string | null;
  /** ONNX bytes of a project lifter. */
  onnx: Uint8Array | null;
}

export function lifterChoices(db: Db): { name: string; kind: 'shipped' | 'project'; description: string }[] {
  return [
    ...listLifters().map((l) => ({ name: l.id, kind: 'shipped' as const, description: l.description })),
    ...seriesDb.listTrainedModels(db, 'lifter').map((m) => ({
      name: m.name,
      kind: 'project' as const,
      description: `Trained in this project (${m.createdAt.slice(0, 10)})`,
    })),
  ];
}

/**
 * A shipped lifter id or a project lifter's name → where its ONNX is. A project lifter's bytes are
 * checked (they must carry a lifter's metadata) and, with `cacheDir`, copied there for the job.
 */
export function resolveLifter(db: Db, name: string = DEFAULT_LIFTER, cacheDir?: string): ResolvedLifter {
  const wanted = name.trim().startsWith(PROJECT_LIFTER_PREFIX)
    ? name.trim().slice(PROJECT_LIFTER_PREFIX.length)
    : name.trim();
  const shipped = listLifters().find((l) => l.id === wanted);
  if (shipped) {
    if (!existsSync(shipped.path))
      throw new KinemaError('MODEL_MISSING', `The lifter file ${shipped.path} is missing: reinstall Kinema.`);
    return { source: shipped.id, modelId: null, name: shipped.id, path: shipped.path, onnx: null };
  }
  if (
    !trainedModelNameSchema.safeParse(wanted).success ||
    !seriesDb.listTrainedModels(db, 'lifter').some((m) => m.name === wanted)
  ) {
    const names = lifterChoices(db).map((c) => c.name);
    throw new KinemaError(
      'NOT_FOUND',
      `No lifter named "${wanted}" (there are: ${names.join(', ') || 'none'}).`,
    );
  }
  const model = seriesDb.findTrainedModel(db, 'lifter', wanted);
  lifterInfo(model.onnx, `Lifter "${model.name}"`); // refuses a model that is not a lifter
  const path = cacheDir ? cachedModelFile(cacheDir, model, model.onnx) : null;
  return {
    source: `${PROJECT_LIFTER_PREFIX}${model.name}`,
    modelId: model.id,
    name: model.name,
    path,
    onnx: model.onnx,
  };
}

/** The run's track to lift: the one asked for, else the longest; refused with the reason. */
export function liftableTrack(
  db: Db,
  runId: number,
  trackId?: number,
): { track: PoseTrack; videoId: number } {
  const { run, tracks } = posesDb.loadRunTracks(db, runId);
  const track =
    trackId !== undefined
      ? tracks.find((t) => t.trackId === trackId)
      : tracks.reduce<PoseTrack | undefined>(
          (a, t) => (!a || t.frames.length > a.frames.length ? t : a),
          undefined,
        );
  if (!track)
    throw new KinemaError(
      trackId !== undefined ? 'NOT_FOUND' : 'NO_POSES',
      trackId !== undefined
        ? `Run ${runId} has no track ${trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`
        : `Run ${runId} has no tracks: detect poses first.`,
    );
  if (!isLiftable(run.skeletonId))
    throw new KinemaError(
      'BAD_INPUT',
      `The lifter reads COCO-17 (with or without feet) or H36M-17 tracks; run ${runId} is ${run.skeletonId}.`,
    );
  return { track, videoId: run.videoId };
}

/** Keeps the frames in [inFrame, outFrame). */
function sliceTrack(track: PoseTrack, inFrame: number, outFrame: number): PoseTrack {
  const idx: number[] = [];
  track.frames.forEach((f, i) => {
    if (f >= inFrame && f < outFrame) idx.push(i);
  });
  const k = track.keypoints.length / Math.max(1, track.frames.length);
  const pick = (a: Float32Array, w: number) => {
    const out = new Float32Array(idx.length * w);
    idx.forEach((i, n) => out.set(a.subarray(i * w, (i + 1) * w), n * w));
    return out;
  };
  return {
    trackId: track.trackId,
    skeletonId: track.skeletonId,
    frames: Int32Array.from(idx, (i) => track.frames[i]),
    keypoints: pick(track.keypoints, k),
    boxes: pick(track.boxes, 4),
    scores: pick(track.scores, 1),
  };
}

/** Whether a frame's pose has a keypoint the lifter can use. */
function usable(track: PoseTrack, i: number): boolean {
  const k = track.keypoints.length / track.frames.length / 3;
  return seenCount(track.keypoints, i * k * 3, k) > 0;
}

export interface LiftRequest {
  runId: number;
  trackId?: number;
  inFrame?: number;
  outFrame?: number;
  lifter?: string;
  flip?: boolean;
}

/** Checks a lift request (track, range, poses, lifter) and builds the job's params. */
export function prepareLift(
  db: Db,
  input: LiftRequest,
  cacheDir: string,
): { params: LiftJobParams; title: string } {
  const { track: whole, videoId } = liftableTrack(db, input.runId, input.trackId);
  const video = videosDb.getVideo(db, videoId);
  if (input.inFrame !== undefined && input.outFrame !== undefined && input.outFrame <= input.inFrame)
    throw new KinemaError('BAD_INPUT', `The range ${input.inFrame}–${input.outFrame - 1} is empty.`);
  const inFrame = input.inFrame ?? 0;
  const outFrame = input.outFrame ?? Number.MAX_SAFE_INTEGER;
  const track = sliceTrack(whole, inFrame, outFrame);
  const ranged = input.inFrame !== undefined || input.outFrame !== undefined;
  const where = ranged ? ` in frames ${inFrame}–${Math.min(outFrame, video.frameCount) - 1}` : '';
  if (track.frames.length === 0)
    throw new KinemaError(
      'NO_POSES',
      `Track ${whole.trackId} of run ${input.runId} has no poses${where}: nothing to lift.`,
    );
  if (!track.frames.some((_, i) => usable(track, i)))
    throw new KinemaError(
      'NO_POSES',
      `Track ${whole.trackId} of run ${input.runId} has no keypoint scoring at least ${MIN_SCORE}${where} (NaN keypoints count as missing): nothing to lift.`,
    );
  const lifter = resolveLifter(db, input.lifter ?? DEFAULT_LIFTER, cacheDir);
  const params: LiftJobParams = {
    videoId,
    runId: input.runId,
    track: serializeTrack(track),
    inFrame: input.inFrame ?? null,
    outFrame: input.outFrame ?? null,
    video: { width: video.width, height: video.height, fps: video.fps, name: video.fileName },
    lifter: { source: lifter.source, modelId: lifter.modelId, name: lifter.name, path: lifter.path! },
    flip: input.flip ?? true,
  };
  return { params, title: `Lift track ${whole.trackId} of ${video.fileName} to 3D (${lifter.name})` };
}

function rootSeriesOf(db: Db, s: FrameSeriesInfo): FrameSeriesInfo | null {
  const stored = s.params.rootSeriesId;
  const candidates = seriesDb.listSeries(db, {
    kind: 'joints3d',
    source: `${s.source}${ROOT_SERIES_SUFFIX}`,
    runId: s.runId,
    trackId: s.trackId,
  });
  return (
    candidates.find((c) => c.id === stored) ??
    candidates.find((c) => c.firstFrame === s.firstFrame && c.frameCount === s.frameCount) ??
    null
  );
}

function toLiftSeries(db: Db, s: FrameSeriesInfo): LiftSeries {
  const lifter = typeof s.params.lifter === 'string' ? s.params.lifter : s.source;
  return { ...s, lifter, rootSeriesId: rootSeriesOf(db, s)?.id ?? null };
}

/** The 3D joint series of a video (not the root trajectories stored beside them). */
export function listLiftSeries(db: Db, videoId: number): LiftSeries[] {
  videosDb.getVideo(db, videoId);
  return seriesDb
    .listSeries(db, { kind: 'joints3d', videoId })
    .filter((s) => s.skeletonId === 'h36m17' && s.width === 51)
    .map((s) => toLiftSeries(db, s));
}

export interface LoadedLift {
  series: LiftSeries;
  joints: Float32Array;
  root: Float32Array | null;
  videoId: number;
}

export function loadLift(db: Db, seriesId: number): LoadedLift {
  const s = seriesDb.getSeries(db, seriesId);
  if (s.kind !== 'joints3d' || s.skeletonId !== 'h36m17' || s.width !== 51)
    throw new KinemaError(
      'BAD_INPUT',
      `Series ${seriesId} is not lifted 3D joints (${s.kind}${s.skeletonId === ROOT_SKELETON ? ', a root trajectory' : ''}).`,
    );
  const { values, ...info } = s;
  const series = toLiftSeries(db, info);
  const root = series.rootSeriesId !== null ? seriesDb.getSeries(db, series.rootSeriesId).values : null;
  return { series, joints: values, root, videoId: posesDb.getRun(db, s.runId).videoId };
}

export function bytesOf(a: Float32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.byteLength);
  out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return out;
}

/** Writes a series to `path` (default: beside the video); returns the path and rows written. */
export function exportLift(
  db: Db,
  input: { seriesId: number; format: LiftExportFormatName; path?: string },
): { path: string; frames: number } {
  const lift = loadLift(db, input.seriesId);
  const video = videosDb.getVideo(db, lift.videoId);
  const stem = basename(video.fileName, extname(video.fileName));
  const path = resolve(
    input.path ??
      join(
        dirname(video.path),
        `${stem} - run ${lift.series.runId} track ${lift.series.trackId} 3d.${input.format}`,
      ),
  );
  if (extname(path).toLowerCase() !== `.${input.format}`)
    throw new KinemaError('BAD_PATH', `A ${input.format.toUpperCase()} export must end in .${input.format}.`);
  if (!existsSync(dirname(path))) throw new KinemaError('NOT_FOUND', `Folder not found: ${dirname(path)}`);
  if (path === resolve(video.path)) throw new KinemaError('BAD_PATH', 'Refusing to overwrite the video.');
  writeLiftExport(path, input.format as LiftExportFormat, {
    firstFrame: lift.series.firstFrame,
    joints: lift.joints,
    root: lift.root,
    fps: video.fps > 0 ? video.fps : 25,
  });
  return { path, frames: lift.series.frameCount };
}

export interface RenderRequest {
  seriesId: number;
  outPath?: string;
  inFrame?: number;
  outFrame?: number;
  height?: number;
}

/** Checks a render request and builds the 'render-3d' job's params. */
export function prepareRender3d(db: Db, input: RenderRequest): { params: Render3dParams; title: string } {
  const lift = loadLift(db, input.seriesId);
  const media = videosDb.getVideoMedia(db, lift.videoId);
  const v = media.video;
  if (!existsSync(v.path))
    throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${v.path}`);
  const first = lift.series.firstFrame;
  const last = first + lift.series.frameCount - 1;
  const start = Math.max(first, input.inFrame ?? first);
  const end = Math.min(last, (input.outFrame ?? last + 1) - 1, v.frameCount - 1);
  if (end < start)
    throw new KinemaError(
      'BAD_INPUT',
      `Frames ${input.inFrame ?? first}–${(input.outFrame ?? last + 1) - 1} are outside the lifted frames ${first}–${last}.`,
    );
  const height = Math.min(input.height ?? 480, v.height) & ~1;
  const width = Math.max(2, Math.round((v.width * height) / v.height / 2) * 2);
  const stem = basename(v.fileName, extname(v.fileName));
  const outPath = resolve(input.outPath ?? join(dirname(v.path), `${stem} - 3d ${lift.series.id}.mp4`));
  if (outPath === resolve(v.path)) throw new KinemaError('BAD_PATH', 'Refusing to overwrite the video.');
  if (extname(outPath).toLowerCase() !== '.mp4')
    throw new KinemaError('BAD_PATH', 'Render to a file ending in .mp4.');
  if (!existsSync(dirname(outPath)))
    throw new KinemaError('NOT_FOUND', `Folder not found: ${dirname(outPath)}`);
  const rows = (a: Float32Array, w: number) => a.subarray((start - first) * w, (end - first + 1) * w);
  return {
    params: {
      outPath,
      fps: v.fps > 0 ? v.fps : 25,
      video: { path: v.path, seekS: seekTimeForFrame(media.frameTimes, start), width, height },
      start,
      end,
      firstFrame: start,
      joints: encodeFloat32(rows(lift.joints, 51)),
      root: lift.root ? encodeFloat32(rows(lift.root, 3)) : null,
    },
    title: `Render ${basename(outPath)}`,
  };
}

/** Reads a shipped lifter's bytes or a project lifter's (for in-process use, e.g. the CLI). */
export function lifterBytes(l: ResolvedLifter): Uint8Array {
  return l.onnx ?? new Uint8Array(readFileSync(l.path!));
}
