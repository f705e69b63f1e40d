/**
 * The lift job: one pose track (or a frame range of it) lifted to 3D with a lifter — the shipped
 * one or a lifter trained in the project (its ONNX copied to the cache by main, since workers never
 * read the database) — and stored as two frame series of the track:
 *   - the root trajectory (kind 'joints3d', source `<lifter>#root`, skeleton 'root', width 3: the
 *     pelvis in camera space, lifting/core.ts says how it is estimated), then
 *   - the joints (kind 'joints3d', source = the lifter, skeleton 'h36m17', width 51, metres,
 *     pelvis-relative camera space, NaN rows where the track has no pose), whose params name the
 *     lifter, the options and the root series.
 * Nothing is resumed: a lift takes seconds, and a restarted job simply lifts again (the series are
 * replaced, not duplicated). Nothing is stored when it fails.
 */
import { existsSync } from 'node:fs';
import { KinemaError } from '../../../shared/errors';
import { abortError } from '../../media/ffmpeg';
import { boneLengthStats, LIFT_WIDTH, liftPoseTrack, ROOT_FOCAL_OVER_WIDTH } from '../../lifting/core';
import { Lifter } from '../../training/lift';
import { deserializeTrack, type SerializedTrack } from '../../vpd/crops-job';
import type { JobRunner } from '../protocol';

export const ROOT_SERIES_SUFFIX = '#root';
export const ROOT_SKELETON = 'root';

export interface LiftJobParams {
  videoId: number;
  runId: number;
  /** The track's frames in the range only. */
  track: SerializedTrack;
  /** Half-open range asked for (null: the whole track). */
  inFrame: number | null;
  outFrame: number | null;
  video: { width: number; height: number; fps: number; name: string };
  lifter: {
    /** The series source: the shipped id, or `lifter:<name>` for a project lifter. */
    source: string;
    /** trained_models id of a project lifter, null for a shipped one. */
    modelId: number | null;
    name: string;
    path: string;
  };
  flip: boolean;
}

export interface LiftJobResult {
  seriesId: number;
  rootSeriesId: number;
  source: string;
  firstFrame: number;
  frameCount: number;
  posedFrames: number;
  receptiveField: number;
  padded: boolean;
  /** Median coefficient of variation of the bone lengths over time. */
  boneCv: number;
}

export const runLift: JobRunner<LiftJobParams, null, LiftJobResult> = async (ctx) => {
  const p = ctx.params;
  if (!existsSync(p.lifter.path))
    throw new KinemaError(
      'MODEL_MISSING',
      `The lifter's model file ${p.lifter.path} is gone; start the lift again.`,
    );
  const track = deserializeTrack(p.track);
  ctx.progress({ phase: 'load', done: 0, total: 3, message: `Loading ${p.lifter.name}` });
  const lifter = await Lifter.open(p.lifter.path);
  try {
    ctx.progress({ phase: 'lift', done: 1, total: 3, message: `Lifting ${track.frames.length} poses` });
    const r = await liftPoseTrack(lifter, track, {
      video: p.video,
      ...(p.inFrame !== null ? { inFrame: p.inFrame } : {}),
      ...(p.outFrame !== null ? { outFrame: p.outFrame } : {}),
      flip: p.flip,
    });
    if (ctx.signal.aborted) throw abortError();
    ctx.progress({ phase: 'store', done: 2, total: 3, message: 'Storing the 3D joints' });
    const base = {
      op: 'saveSeries' as const,
      videoId: p.videoId,
      kind: 'joints3d' as const,
      modelId: p.lifter.modelId,
      runId: p.runId,
      trackId: track.trackId,
      firstFrame: r.firstFrame,
    };
    const rootSeriesId = await ctx.commit<number>(
      {
        ...base,
        source: `${p.lifter.source}${ROOT_SERIES_SUFFIX}`,
        values: r.root,
        width: 3,
        skeletonId: ROOT_SKELETON,
        params: {
          method: 'scale from the 2D and lifted joint spreads; depth = focal / scale',
          focalPx: r.rootFocalPx,
          focalOverWidth: ROOT_FOCAL_OVER_WIDTH,
        },
      },
      null,
    );
    const bones = boneLengthStats(r.joints);
    const cvs = bones.map((b) => b.cv).sort((a, b) => a - b);
    const boneCv = cvs.length ? cvs[cvs.length >> 1] : 0;
    const seriesId = await ctx.commit<number>(
      {
        ...base,
        source: p.lifter.source,
        values: r.joints,
        width: LIFT_WIDTH,
        skeletonId: 'h36m17',
        params: {
          lifter: p.lifter.name,
          lifterSource: p.lifter.source,
          receptiveField: r.receptiveField,
          flip: p.flip,
          inFrame: p.inFrame,
          outFrame: p.outFrame,
          fps: p.video.fps,
          posedFrames: r.posedFrames,
          padded: r.padded,
          rootSeriesId,
          units: 'm',
          space: 'camera, pelvis-relative (x right, y down, z away from the camera)',
          boneCv,
        },
      },
      null,
    );
    ctx.progress({ phase: 'done', done: 3, total: 3, message: `${r.posedFrames} frames lifted` });
    return {
      seriesId,
      rootSeriesId,
      source: p.lifter.source,
      firstFrame: r.firstFrame,
      frameCount: r.frameCount,
      posedFrames: r.posedFrames,
      receptiveField: r.receptiveField,
      padded: r.padded,
      boneCv,
    };
  } finally {
    await lifter.release();
  }
};
