/**
 * The crops job (kind 'crops'): writes a track's VPD crop directory (crops, prev crops, flow and
 * masks; write-crops.ts) in the job's worker thread.
 *
 * Workers never open the database, so the track travels in the params (`serializeTrack`: plain
 * arrays, about 0.5 KB per frame of COCO-17 as JSON). Resumable by frame: every CROP_CHUNK crops
 * the job commits a checkpoint (`{ nextFrame, written }`, op 'none'); the files go to a hidden
 * temporary folder named after the job (`.<name>.partial-job<id>`), which a resumed job keeps
 * filling from the checkpoint. A cancelled or failed job removes that folder; only a finished one
 * is renamed into place.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { validatePoseTrack, type PoseTrack } from '../../shared/pose';
import { isSkeletonId, type SkeletonId } from '../../shared/skeletons';
import type { CropView } from '../../shared/vpd/crops';
import type { JobRunner } from '../jobs/protocol';
import { cropSeekTime } from './crop-frames';
import type { FarnebackParams } from './flow';
import type { MaskOptions } from './mask';
import {
  cropDirTarget,
  partialDirFor,
  planCrops,
  writeCropDir,
  type CropBoxSettings,
  type CropDirResult,
} from './write-crops';

/** A PoseTrack as JSON-safe arrays. */
export interface SerializedTrack {
  trackId: number;
  skeletonId: SkeletonId;
  frames: number[];
  keypoints: number[];
  boxes: number[];
  scores: number[];
}

export interface CropsParams {
  videoId: number;
  path: string;
  /** Source video size and frame rate (keypoints are in these pixels). */
  video: { width: number; height: number; fps: number; name?: string };
  runId: number;
  track: SerializedTrack;
  /** Half-open range [inFrame, outFrame). */
  inFrame: number;
  outFrame: number;
  /** cropSeekTime(frameTimes, max(0, inFrame − 1)): the prev crop of inFrame needs frame inFrame − 1. */
  seekS: number;
  /** The video's crop directory; tennis: with `view`, its front/ or back/ sub-folder. */
  outDir: string;
  view?: CropView;
  cropSize?: number;
  box?: CropBoxSettings;
  flow?: FarnebackParams;
  mask?: MaskOptions;
  decodeMaxSize?: number;
}

export interface CropsCheckpoint {
  /** Every crop before this frame is written in the temporary folder. */
  nextFrame: number;
  written: number;
}

export type CropsResult = CropDirResult & { runId: number; trackId: number };

/** Rounds to float32's precision in 7 significant digits, so params stay compact. */
function compact(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : 0));
}

/** The track as params can carry it (JSON). */
export function serializeTrack(track: PoseTrack): SerializedTrack {
  return {
    trackId: track.trackId,
    skeletonId: track.skeletonId,
    frames: Array.from(track.frames),
    keypoints: compact(track.keypoints),
    boxes: compact(track.boxes),
    scores: compact(track.scores),
  };
}

/** Back from params; a malformed track is refused with the reason. */
export function deserializeTrack(t: SerializedTrack): PoseTrack {
  if (!t || !isSkeletonId(String(t.skeletonId)))
    throw new KinemaError(
      'BAD_PARAMS',
      `The crops job's track has an unknown skeleton ${String(t?.skeletonId)}.`,
    );
  const track: PoseTrack = {
    trackId: t.trackId,
    skeletonId: t.skeletonId,
    frames: Int32Array.from(t.frames ?? []),
    keypoints: Float32Array.from(t.keypoints ?? []),
    boxes: Float32Array.from(t.boxes ?? []),
    scores: Float32Array.from(t.scores ?? []),
  };
  const problems = validatePoseTrack(track);
  if (problems.length)
    throw new KinemaError('BAD_PARAMS', `The crops job's track is malformed: ${problems.join('; ')}.`);
  return track;
}

export interface CropsRequest {
  video: {
    id: number;
    path: string;
    fileName: string;
    width: number;
    height: number;
    fps: number;
    frameCount: number;
  };
  /** The video's frame times (the frame index), for a frame-exact seek. */
  frameTimes: ArrayLike<number>;
  runId: number;
  track: PoseTrack;
  /** Half-open range; default the whole video. */
  inFrame?: number;
  outFrame?: number;
  outDir: string;
  view?: CropView;
  cropSize?: number;
  box?: CropBoxSettings;
  flow?: FarnebackParams;
  mask?: MaskOptions;
}

/**
 * The crops job's params for a request, checked before the job is queued: a range outside the
 * video, a track without poses there or a bad crop size is refused here with the reason.
 */
export function cropsJobParams(r: CropsRequest): CropsParams {
  const { video } = r;
  const inFrame = r.inFrame ?? 0;
  const outFrame = r.outFrame ?? video.frameCount;
  if (!(Number.isInteger(inFrame) && Number.isInteger(outFrame) && inFrame >= 0 && outFrame > inFrame))
    throw new KinemaError(
      'BAD_RANGE',
      `The range is empty: out (${outFrame}) must be after in (${inFrame}).`,
    );
  if (outFrame > video.frameCount)
    throw new KinemaError(
      'BAD_RANGE',
      `Frames ${inFrame}-${outFrame - 1} are outside ${video.fileName}, which has frames 0 to ${video.frameCount - 1}.`,
    );
  const videoInfo = { width: video.width, height: video.height, fps: video.fps, name: stem(video.fileName) };
  // Refuses a track without usable poses in the range (NO_POSES) and bad settings, synchronously.
  planCrops({
    videoPath: video.path,
    video: videoInfo,
    track: r.track,
    inFrame,
    outFrame,
    outDir: r.outDir,
    view: r.view,
    cropSize: r.cropSize,
    box: r.box,
  });
  return {
    videoId: video.id,
    path: video.path,
    video: videoInfo,
    runId: r.runId,
    track: serializeTrack(r.track),
    inFrame,
    outFrame,
    seekS: cropSeekTime(r.frameTimes, Math.max(0, inFrame - 1)),
    outDir: r.outDir,
    ...(r.view ? { view: r.view } : {}),
    ...(r.cropSize ? { cropSize: r.cropSize } : {}),
    ...(r.box ? { box: r.box } : {}),
    ...(r.flow ? { flow: r.flow } : {}),
    ...(r.mask ? { mask: r.mask } : {}),
  };
}

function stem(fileName: string): string {
  return basename(fileName, extname(fileName));
}

/**
 * Where a project keeps a track's crops unless told otherwise: `<project>.crops/<video>` beside
 * the project file for the main athlete (track 0, VPD's one folder per video), and
 * `<project>.crops/<video>__track<N>` for other tracks.
 */
export function defaultCropDir(projectPath: string, videoFileName: string, trackId: number): string {
  const root = join(dirname(projectPath), `${stem(projectPath)}.crops`);
  return join(root, trackId === 0 ? stem(videoFileName) : `${stem(videoFileName)}__track${trackId}`);
}

export const runCrops: JobRunner<CropsParams, CropsCheckpoint, CropsResult> = async (ctx) => {
  const p = ctx.params;
  const track = deserializeTrack(p.track);
  const partial = partialDirFor(cropDirTarget(p.outDir, p.view), `job${ctx.jobId}`);
  const cp = ctx.checkpoint;
  const resumeFrom = cp && cp.nextFrame > p.inFrame && existsSync(partial) ? cp.nextFrame : undefined;
  const writtenBefore = resumeFrom !== undefined ? (cp?.written ?? 0) : 0;
  const total = p.outFrame - p.inFrame;
  ctx.progress({
    phase: 'crops',
    done: resumeFrom !== undefined ? resumeFrom - p.inFrame : 0,
    total,
    message: resumeFrom !== undefined ? `Resuming at frame ${resumeFrom}` : 'Loading optical flow',
  });
  const result = await writeCropDir({
    videoPath: p.path,
    video: p.video,
    track,
    inFrame: p.inFrame,
    outFrame: p.outFrame,
    outDir: p.outDir,
    view: p.view,
    cropSize: p.cropSize,
    box: p.box,
    flow: p.flow,
    mask: p.mask,
    decodeMaxSize: p.decodeMaxSize,
    seekS: p.seekS,
    signal: ctx.signal,
    partialDir: partial,
    resumeFrom,
    provenance: { videoId: p.videoId, runId: p.runId, jobId: ctx.jobId },
    onProgress: (done, all, message) => ctx.progress({ phase: 'crops', done, total: all, message }),
    onChunk: async (nextFrame, written) => {
      await ctx.commit({ op: 'none' }, { nextFrame, written: writtenBefore + written });
    },
  });
  ctx.progress({ phase: 'done', done: total, total, message: `${result.frames} crops in ${result.dir}` });
  return { ...result, runId: p.runId, trackId: track.trackId };
};
