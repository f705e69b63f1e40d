/**
 * Model-assisted fixes: the pose model run again from a person's correction, recorded as ONE
 * undoable edit whose keypoints have provenance 'seeded-by-model' (the internal 'setPoses' action).
 *
 *  - addPerson: the model finds the keypoints inside a box drawn around a missing person.
 *  - rerun: the model runs over a short range (≤ 300 frames) starting from a corrected box, or from
 *    the track's corrected pose at the first frame, and then follows the person with MoveNet's
 *    crop-from-the-previous-frame strategy (inference/movenet-video.ts). Keyframes (frames a
 *    person fixed) are kept and re-seed the crop; frames where the model finds no one keep theirs.
 *  - propagate: from a corrected pose, forward frame by frame until the model's confidence drops
 *    below a threshold, the next keyframe, 300 frames or the end of the video.
 *
 * Frames are decoded like the detect job does (≤ 640 px on the long side, ffmpeg in its own
 * threads) and keypoints mapped back to source-video pixels. These run synchronously within the
 * request: a few hundred frames of MoveNet take seconds. MoveNet (single pose) only: its crop
 * runner takes any region, which is what a seed needs.
 */
import { existsSync } from 'node:fs';
import { KinemaError } from '../../shared/contract';
import type { AssistInput, EditOutcome } from '../../shared/contract-edits';
import { KEYFRAME, type SetPosesSpec } from '../../shared/editing';
import { boxFromKeypoints, meanKeypointScore } from '../../shared/pose';
import type { Db } from '../db/connection';
import { getVideoMedia } from '../db/videos';
import { getModel, type ModelEntry } from '../inference/models';
import {
  fullFrameRegion,
  MIN_CROP_KEYPOINT_SCORE,
  MoveNetCropRunner,
  nextCropRegion,
  type CropRegion,
} from '../inference/movenet-video';
import { createSession } from '../inference/session';
import { fittedSize, streamRgbFrames } from '../media/decode';
import { seekTimeForFrame } from '../media/probe';
import { applyEdit } from './service';
import { DbSource, getEditRun, type EditRun } from './store';

/** Most frames one model-assisted fix covers. */
export const ASSIST_MAX_FRAMES = 300;
/** Long side of the decoded frames (as the detect job). */
const DECODE_SIZE = 640;
/** A pose scoring below this is "no one found" (as the detect job's MIN_POSE_SCORE). */
const MIN_POSE_SCORE = 0.2;
/** Propagation stops when the mean keypoint score drops below this (default). */
export const PROPAGATE_MIN_SCORE = 0.3;
/** Margin around a drawn box for the model's square crop. */
const BOX_MARGIN = 1.25;

type Pose = SetPosesSpec['poses'][number];

/** The model to run: the one asked for, else the run's own when it is MoveNet, else Lightning. */
function pickModel(run: EditRun, requested: string | undefined): ModelEntry {
  const id = requested ?? (/^movenet-(lightning|thunder)$/.test(run.model) ? run.model : 'movenet-lightning');
  const model = getModel(id);
  if (model.task !== 'pose2d-single')
    throw new KinemaError(
      'MODEL_NOT_SUPPORTED',
      `Model-assisted fixes run a single-pose MoveNet (movenet-lightning, movenet-thunder); "${model.id}" cannot start from a box or a corrected pose.`,
    );
  if (model.skeletonId !== run.skeletonId)
    throw new KinemaError(
      'MODEL_NOT_SUPPORTED',
      `"${model.id}" finds ${model.skeletonId} keypoints, but this run holds ${run.skeletonId} poses.`,
    );
  return model;
}

interface Runner {
  /** Keypoints (K × 3, source-video pixels) of the person in `region` (decoded-frame pixels). */
  run(rgb: Uint8Array, region: CropRegion): Promise<Float32Array>;
  /** A region (decoded-frame pixels) around a box in source-video pixels. */
  regionOfBox(box: readonly number[]): CropRegion;
  /** The next frame's region from keypoints in source-video pixels. */
  regionOfPose(keypoints: ArrayLike<number>): CropRegion;
  full: CropRegion;
  frames(first: number, count: number): AsyncGenerator<Buffer>;
  release(): Promise<void>;
}

async function openRunner(db: Db, run: EditRun, model: ModelEntry): Promise<Runner> {
  const { video, frameTimes } = getVideoMedia(db, run.videoId);
  if (!existsSync(video.path))
    throw new KinemaError('SOURCE_MISSING', `The video file was moved or deleted: ${video.path}`);
  const dec = fittedSize(video.width, video.height, DECODE_SIZE);
  const sx = video.width / dec.width;
  const sy = video.height / dec.height;
  const threads = Number(process.env.KINEMA_ORT_THREADS) || 2;
  const session = await createSession(model.path, { threads });
  const runner = new MoveNetCropRunner({
    session,
    inputName: model.inputName,
    outputName: model.outputName,
    inputSize: model.inputSize,
    width: dec.width,
    height: dec.height,
  });
  const toDecoded = (kp: ArrayLike<number>) => {
    const out = new Float32Array(kp.length);
    for (let i = 0; i < kp.length; i += 3) {
      out[i] = kp[i] / sx;
      out[i + 1] = kp[i + 1] / sy;
      out[i + 2] = kp[i + 2];
    }
    return out;
  };
  return {
    async run(rgb, region) {
      const kp = await runner.run(rgb, region);
      for (let i = 0; i < kp.length; i += 3) {
        kp[i] *= sx;
        kp[i + 1] *= sy;
      }
      return kp;
    },
    regionOfBox([x, y, w, h]) {
      const size = (Math.max(w / sx, h / sy) * BOX_MARGIN) | 0 || 1;
      return { x: (x + w / 2) / sx - size / 2, y: (y + h / 2) / sy - size / 2, size };
    },
    regionOfPose: (kp) => nextCropRegion(toDecoded(kp), dec.width, dec.height),
    full: fullFrameRegion(dec.width, dec.height),
    frames: (first, count) =>
      streamRgbFrames({
        path: video.path,
        seekS: seekTimeForFrame(frameTimes, first),
        frames: count,
        width: dec.width,
        height: dec.height,
        fit: 'stretch',
        threads: 2,
      }),
    release: () => session.release(),
  };
}

function pose(frame: number, kp: Float32Array, box?: readonly number[]): Pose {
  const b = box ?? boxFromKeypoints(kp, MIN_CROP_KEYPOINT_SCORE);
  return {
    frame,
    keypoints: Array.from(kp),
    box: [b[0], b[1], Math.max(0, b[2]), Math.max(0, b[3])],
    score: Math.min(1, Math.max(0, meanKeypointScore(kp))),
  };
}

function requireVideoRange(run: EditRun, inFrame: number, outFrame: number): void {
  const n = run.video.frameCount ?? 0;
  if (outFrame <= inFrame)
    throw new KinemaError(
      'BAD_EDIT',
      `The frame range is empty: out (${outFrame}) must be after in (${inFrame}).`,
    );
  if (n > 0 && outFrame > n)
    throw new KinemaError(
      'BAD_EDIT',
      `Frames ${inFrame}–${outFrame - 1} are outside the video, which has frames 0 to ${n - 1}.`,
    );
  if (outFrame - inFrame > ASSIST_MAX_FRAMES)
    throw new KinemaError(
      'BAD_EDIT',
      `A model-assisted fix covers at most ${ASSIST_MAX_FRAMES} frames at a time (asked for ${outFrame - inFrame}); run Detect for longer ranges.`,
    );
}

/** Runs a model-assisted fix and records it as one edit (nothing is recorded when it finds nothing to change). */
export async function assistEdit(db: Db, input: AssistInput): Promise<EditOutcome> {
  const run = getEditRun(db, input.runId);
  const model = pickModel(run, input.model);
  const source = new DbSource(db, run);
  const k = run.k;
  const seedFrame = input.mode === 'rerun' ? input.inFrame : input.frame;
  // Check everything that can be checked before decoding anything.
  let inFrame: number;
  let outFrame: number;
  let seedPose: Float32Array | null = null;
  const seedBox = input.mode === 'propagate' ? undefined : input.box;
  if (input.mode === 'addPerson') {
    [inFrame, outFrame] = [input.frame, input.frame + 1];
    requireVideoRange(run, inFrame, outFrame);
    if (source.read(input.trackId, input.frame, input.frame + 1).frames.length)
      throw new KinemaError(
        'BAD_EDIT',
        `Track ${input.trackId} already has a pose at frame ${input.frame}; move its keypoints, or delete it first.`,
      );
  } else if (input.mode === 'rerun') {
    [inFrame, outFrame] = [input.inFrame, input.outFrame];
    requireVideoRange(run, inFrame, outFrame);
    if (!input.box) {
      if (outFrame - inFrame < 2)
        throw new KinemaError(
          'BAD_EDIT',
          `Re-running from the pose at frame ${inFrame} needs at least one more frame in the range.`,
        );
      const seed = source.read(input.trackId, seedFrame, seedFrame + 1);
      if (!seed.frames.length)
        throw new KinemaError(
          'BAD_EDIT',
          `Track ${input.trackId} has no pose at frame ${seedFrame} to start from; draw a box around the person instead.`,
        );
      seedPose = seed.keypoints;
    }
  } else {
    const seed = source.read(input.trackId, input.frame, input.frame + 1);
    if (!seed.frames.length)
      throw new KinemaError(
        'BAD_EDIT',
        `Track ${input.trackId} has no pose at frame ${input.frame} to propagate; correct it first.`,
      );
    seedPose = seed.keypoints;
    const n = run.video.frameCount ?? 0;
    const next = source.nearestKeyframe(input.trackId, input.frame, 1);
    inFrame = input.frame + 1;
    outFrame = Math.min(
      input.frame + 1 + (input.maxFrames ?? ASSIST_MAX_FRAMES),
      n > 0 ? n : Infinity,
      next ?? Infinity,
    );
    if (outFrame <= inFrame)
      throw new KinemaError(
        'BAD_EDIT',
        next === inFrame
          ? `Frame ${inFrame} is a keyframe: there is nothing to propagate into.`
          : `Frame ${input.frame} is the last frame of the video: there is nothing to propagate into.`,
      );
  }

  const existing = source.read(input.trackId, inFrame, outFrame);
  const keyframeAt = new Map<number, Float32Array>();
  for (let i = 0; i < existing.frames.length; i++)
    if (existing.flags[i] & KEYFRAME)
      keyframeAt.set(existing.frames[i], existing.keypoints.slice(i * k * 3, (i + 1) * k * 3));

  const runner = await openRunner(db, run, model);
  const poses: Pose[] = [];
  let stoppedBecause = '';
  try {
    let region = seedBox ? runner.regionOfBox(seedBox) : runner.regionOfPose(seedPose as Float32Array);
    // A rerun seeded by the pose at inFrame keeps that frame and starts after it.
    const first = seedBox ? inFrame : input.mode === 'rerun' ? inFrame + 1 : inFrame;
    let frame = first;
    for await (const rgb of runner.frames(first, outFrame - first)) {
      const kept = keyframeAt.get(frame);
      if (input.mode !== 'addPerson' && kept) {
        if (input.mode === 'propagate') break; // (outFrame already stops before the next keyframe)
        region = runner.regionOfPose(kept);
      } else {
        let kp = await runner.run(rgb, region);
        let score = meanKeypointScore(kp);
        if (score < MIN_POSE_SCORE && input.mode !== 'addPerson') {
          kp = await runner.run(rgb, runner.full);
          score = meanKeypointScore(kp);
        }
        const threshold =
          input.mode === 'propagate' ? (input.minScore ?? PROPAGATE_MIN_SCORE) : MIN_POSE_SCORE;
        if (score < threshold) {
          if (input.mode === 'propagate') {
            stoppedBecause = `the model's confidence dropped to ${score.toFixed(2)} at frame ${frame}`;
            break;
          }
          if (input.mode === 'addPerson') {
            stoppedBecause = `the model found no one in the box (mean keypoint score ${score.toFixed(2)})`;
            break;
          }
          region = runner.full;
        } else {
          // The frame of a drawn box keeps that box; the others get the box around their keypoints.
          poses.push(pose(frame, kp, frame === inFrame ? seedBox : undefined));
          region = runner.regionOfPose(kp);
        }
      }
      frame++;
      if (frame >= outFrame) break;
    }
  } finally {
    await runner.release();
  }
  if (!poses.length)
    throw new KinemaError(
      'NO_POSES',
      `Nothing was changed: ${stoppedBecause || `the model found no one in frames ${inFrame}–${outFrame - 1}`}.`,
    );
  if (input.mode === 'addPerson') {
    const [found] = poses;
    return applyEdit(db, input.runId, {
      action: 'addPerson',
      trackId: input.trackId,
      frame: input.frame,
      box: input.box,
      keypoints: found.keypoints,
      score: found.score,
    });
  }
  const note =
    input.mode === 'rerun'
      ? `Re-run ${model.id} from ${input.box ? 'a box' : `the pose at frame ${seedFrame}`}`
      : `Propagate frame ${input.frame} with ${model.id}`;
  return applyEdit(db, input.runId, {
    action: 'setPoses',
    trackId: input.trackId,
    inFrame: poses[0].frame,
    outFrame: poses[poses.length - 1].frame + 1,
    poses,
    note,
  });
}
