/**
 * The detect job: 2D poses of one person over a frame range, with MoveNet single-pose.
 *
 * ffmpeg decodes the range (in its own threads, at most DECODE_MAX_SIZE on the long side, its pipe
 * read on a separate thread) while the model runs on the previous frames; each frame is cropped around the person found in the
 * previous one (MoveNetTracker). Keypoints are scaled back to source-video pixels and committed to
 * track 0 of a new run in chunks of CHUNK_FRAMES, each with the next frame to process as the
 * checkpoint. Resumed after a kill, the job seeks to that frame and continues.
 */
import { availableParallelism } from 'node:os';
import { boxFromKeypoints, meanKeypointScore } from '../../../shared/pose';
import { getModel } from '../../inference/models';
import { MIN_CROP_KEYPOINT_SCORE, MoveNetTracker, cropRunnerStats } from '../../inference/movenet-video';
import { createSession } from '../../inference/session';
import { fittedSize } from '../../media/decode';
import { streamRgbFramesThreaded } from '../../media/decode-thread';
import { abortError } from '../../media/ffmpeg';
import { indexFrames, probeVideo, seekTimeForFrame } from '../../media/probe';
import type { JobRunner } from '../protocol';
import { detectMulti } from './detect-multi';

export interface DetectParams {
  videoId: number;
  path: string;
  model: string;
  /** Half-open range [inFrame, outFrame). */
  inFrame: number;
  outFrame: number;
  /** Source video size: keypoints are stored in these pixels. */
  width: number;
  height: number;
  /** seekTimeForFrame(frameTimes, inFrame). */
  seekS: number;
  fps: number;
  /** ORT threads (default: KINEMA_ORT_THREADS, else DEFAULT_THREADS). */
  threads?: number;
  /** Long side of the decoded frames the crops are taken from (default DECODE_MAX_SIZE). */
  decodeSize?: number;
  /** 'single' (default): one athlete, track 0; 'multi': everyone, tracked (detect-multi.ts). */
  people?: 'single' | 'multi';
}

export interface DetectCheckpoint {
  runId: number;
  /** The next frame to process. */
  nextFrame: number;
  /** Frames with a pose committed so far (multi: poses, summed over the tracks). */
  posed: number;
  /** Multi only: the id the next confirmed track gets. */
  nextTrackId?: number;
}

export interface DetectResult {
  runId: number;
  /** Frames processed in this attempt and in all attempts. */
  frames: number;
  /** Frames with a pose (mean keypoint score ≥ MIN_POSE_SCORE), over the whole run (multi: poses over all tracks). */
  posed: number;
  /** Frames per second achieved in this attempt, decode to stored track. */
  fps: number;
  /** Mean model time per inference (ms). */
  modelMs: number;
  /** Mean crop-and-resize time per inference (ms). */
  cropMs: number;
  /** Inferences run (a frame whose crop found no one is tried again on the whole frame). */
  inferences: number;
  /** Multi only: tracks stored, person-detector runs and their mean time (ms). */
  tracks?: number;
  detectorRuns?: number;
  detectorMs?: number;
}

export const CHUNK_FRAMES = 256;
export const DECODE_MAX_SIZE = 640;
/** Frames whose mean keypoint score is below this are gaps: no pose stored. */
export const MIN_POSE_SCORE = 0.2;
/**
 * ORT threads. Measured on 2 cores (bench/detect.ts, 720p): 1 thread gives 88 fps end to end
 * (0.91× the model alone, decode fully hidden), 2 threads 112 fps (the model is faster but shares
 * the cores with the decoder), so use the cores, up to 4.
 */
const DEFAULT_THREADS = Math.min(4, availableParallelism());
/** Decoded frames buffered ahead of the model. */
export const PREFETCH = 8;

export const runDetect: JobRunner<DetectParams, DetectCheckpoint, DetectResult> = async (ctx) => {
  const p = ctx.params;
  const total = p.outFrame - p.inFrame;
  const model = getModel(p.model);
  ctx.progress({ phase: 'load', done: 0, total, message: `Loading ${model.id}` });
  const threads = p.threads ?? (Number(process.env.KINEMA_ORT_THREADS) || DEFAULT_THREADS);
  const { session } = await createSession(model.path, { threads });
  try {
    let cp = ctx.checkpoint;
    if (!cp) {
      const fresh: DetectCheckpoint = { runId: 0, nextFrame: p.inFrame, posed: 0 };
      const runId = await ctx.commit<number>(
        {
          op: 'createPoseRun',
          videoId: p.videoId,
          skeletonId: 'coco17',
          model: model.id,
          params: {
            inFrame: p.inFrame,
            outFrame: p.outFrame,
            decodeSize: p.decodeSize ?? DECODE_MAX_SIZE,
            ...(p.people === 'multi' ? { people: 'multi' } : {}),
          },
          jobId: ctx.jobId,
          trackLabel: 'person',
        },
        fresh,
      );
      cp = { ...fresh, runId };
    }
    const { runId } = cp;
    let seekS = p.seekS;
    if (cp.nextFrame > p.inFrame && cp.nextFrame < p.outFrame) {
      // Resuming: find the exact time of the next frame (variable frame rate safe).
      ctx.progress({
        phase: 'index',
        done: cp.nextFrame - p.inFrame,
        total,
        message: 'Finding where to resume',
      });
      const index = await indexFrames(await probeVideo(p.path, ctx.signal), ctx.signal);
      seekS = seekTimeForFrame(index.frameTimes, cp.nextFrame);
    }

    const dec = fittedSize(p.width, p.height, p.decodeSize ?? DECODE_MAX_SIZE);
    const sx = p.width / dec.width;
    const sy = p.height / dec.height;
    if (p.people === 'multi')
      return await detectMulti({ ctx, session, model, threads, cp, seekS, dec, sx, sy, total });
    const tracker = new MoveNetTracker({
      session,
      inputName: model.inputName,
      outputName: model.outputName,
      inputSize: model.inputSize,
      width: dec.width,
      height: dec.height,
    });
    const k = 17;
    const buf = {
      frames: new Int32Array(CHUNK_FRAMES),
      keypoints: new Float32Array(CHUNK_FRAMES * k * 3),
      boxes: new Float32Array(CHUNK_FRAMES * 4),
      scores: new Float32Array(CHUNK_FRAMES),
    };
    let inChunk = 0;
    let posedInChunk = 0;
    let frame = cp.nextFrame;
    let processed = 0;
    const started = performance.now();
    let pending: Promise<unknown> = Promise.resolve();
    let posed = cp.posed;

    const flush = async (nextFrame: number) => {
      const n = posedInChunk;
      const op = {
        op: 'appendPoses' as const,
        videoId: p.videoId,
        runId,
        trackId: 0,
        frames: buf.frames.slice(0, n),
        keypoints: buf.keypoints.slice(0, n * k * 3),
        boxes: buf.boxes.slice(0, n * 4),
        scores: buf.scores.slice(0, n),
      };
      posed += n;
      inChunk = 0;
      posedInChunk = 0;
      // One commit in flight at a time: the next chunk is detected while this one is written.
      await pending;
      pending = ctx.commit(op, { runId, nextFrame, posed });
      const fps = processed / ((performance.now() - started) / 1000);
      ctx.progress({
        phase: 'detect',
        done: nextFrame - p.inFrame,
        total,
        message: `${fps.toFixed(0)} frames/s`,
      });
    };

    ctx.progress({ phase: 'detect', done: frame - p.inFrame, total, message: 'Detecting poses' });
    if (frame < p.outFrame) {
      const frames = streamRgbFramesThreaded({
        path: p.path,
        seekS,
        frames: p.outFrame - frame,
        width: dec.width,
        height: dec.height,
        fit: 'stretch',
        threads: 2,
        signal: ctx.signal,
        depth: PREFETCH,
      });
      for await (const rgb of frames) {
        if (ctx.signal.aborted) throw abortError();
        const kp = await tracker.estimate(rgb, MIN_POSE_SCORE);
        for (let j = 0; j < k; j++) {
          kp[j * 3] *= sx;
          kp[j * 3 + 1] *= sy;
        }
        const score = meanKeypointScore(kp);
        if (score >= MIN_POSE_SCORE) {
          const i = posedInChunk++;
          buf.frames[i] = frame;
          buf.keypoints.set(kp, i * k * 3);
          buf.boxes.set(boxFromKeypoints(kp, MIN_CROP_KEYPOINT_SCORE), i * 4);
          buf.scores[i] = score;
        }
        frame++;
        processed++;
        inChunk++;
        if (inChunk === CHUNK_FRAMES) await flush(frame);
        if (frame >= p.outFrame) break;
      }
    }
    if (ctx.signal.aborted) throw abortError();
    // The rest of the range (also when the file ended early: those frames have no pose).
    await flush(p.outFrame);
    await pending;
    const elapsedS = (performance.now() - started) / 1000;
    ctx.progress({ phase: 'done', done: total, total, message: 'Detected' });
    return {
      runId,
      frames: processed,
      posed,
      fps: processed / Math.max(elapsedS, 1e-6),
      ...cropRunnerStats(tracker),
    };
  } finally {
    await session.release();
  }
};
