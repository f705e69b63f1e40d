/**
 * The detect job: 2D poses over a frame range, of one athlete (track 0) or of everyone (a track
 * per person), with any model a video poser can run (inference/video-posers.ts).
 *
 * ffmpeg decodes the range (in its own threads, at most DECODE_MAX_SIZE on the long side, its pipe
 * read on a separate thread) while the model runs on the previous frames. Poses come back in
 * decoded pixels with a track id and are scaled to source-video pixels. Poses of a confirmed track
 * are buffered under its stored id; poses of a tentative track wait until it is confirmed (a track
 * dropped as noise is never stored). Stored ids are dense (0, 1, 2…) in order of confirmation.
 * Every CHUNK_FRAMES frames the buffered poses of all tracks are committed in one transaction with
 * the next frame (and the next stored id) as the checkpoint; resumed after a kill, the job seeks
 * to that frame and continues.
 *
 * Resume with everyone (a simplification): the tracker's state is not persisted. A resumed job
 * starts a fresh tracker at the checkpoint frame and numbers new tracks from the checkpoint's next
 * id, so a person seen across the kill continues as a new track (joinFragments can link them
 * afterwards), and the poses of tracks still tentative at the checkpoint are lost.
 */
import { availableParallelism } from 'node:os';
import { getSkeleton } from '../../../shared/skeletons';
import { getModel } from '../../inference/models';
import { openPoser, type PosedPerson } from '../../inference/video-posers';
import { fittedSize } from '../../media/decode';
import { streamRgbFramesThreaded } from '../../media/decode-thread';
import { abortError } from '../../media/ffmpeg';
import { indexFrames, probeVideo, seekTimeForFrame } from '../../media/probe';
import type { JobRunner } from '../protocol';

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
  /** 'single' (default): one athlete, track 0; 'multi': everyone, a track each. */
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
  const people = p.people ?? 'single';
  const model = getModel(p.model);
  ctx.progress({ phase: 'load', done: 0, total, message: `Loading ${model.id}` });
  const threads = p.threads ?? (Number(process.env.KINEMA_ORT_THREADS) || DEFAULT_THREADS);
  const dec = fittedSize(p.width, p.height, p.decodeSize ?? DECODE_MAX_SIZE);
  const poser = await openPoser(model, {
    people,
    width: dec.width,
    height: dec.height,
    threads,
    minPoseScore: MIN_POSE_SCORE,
  });
  try {
    const k = getSkeleton(poser.skeletonId).joints.length;
    let cp = ctx.checkpoint;
    if (!cp) {
      const fresh: DetectCheckpoint = { runId: 0, nextFrame: p.inFrame, posed: 0 };
      const runId = await ctx.commit<number>(
        {
          op: 'createPoseRun',
          videoId: p.videoId,
          skeletonId: poser.skeletonId,
          model: model.id,
          params: {
            inFrame: p.inFrame,
            outFrame: p.outFrame,
            decodeSize: p.decodeSize ?? DECODE_MAX_SIZE,
            ...(people === 'multi' ? { people } : {}),
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
    const sx = p.width / dec.width;
    const sy = p.height / dec.height;

    interface Row {
      frame: number;
      person: PosedPerson;
    }
    /** Tracker id → stored id, for confirmed tracks. */
    const storedId = new Map<number, number>();
    /** Poses of tentative tracks, by tracker id. */
    const tentative = new Map<number, Row[]>();
    /** Poses of confirmed tracks waiting for the next commit, by stored id. */
    const buffered = new Map<number, Row[]>();
    // A single athlete is track 0, created with the run; on resume it keeps that id.
    let nextTrackId = people === 'single' ? 0 : (cp.nextTrackId ?? 0);
    let posed = cp.posed;
    let frame = cp.nextFrame;
    let processed = 0;
    let inChunk = 0;
    const started = performance.now();
    let pending: Promise<unknown> = Promise.resolve();

    const keep = (f: number, person: PosedPerson) => {
      // Source-video pixels.
      const kp = person.keypoints;
      for (let j = 0; j < k; j++) {
        kp[j * 3] *= sx;
        kp[j * 3 + 1] *= sy;
      }
      const b = person.box;
      b[0] *= sx;
      b[1] *= sy;
      b[2] *= sx;
      b[3] *= sy;
      const row = { frame: f, person };
      if (!person.confirmed) {
        const rows = tentative.get(person.trackId) ?? [];
        rows.push(row);
        tentative.set(person.trackId, rows);
        return;
      }
      let id = storedId.get(person.trackId);
      if (id === undefined) {
        id = nextTrackId++;
        storedId.set(person.trackId, id);
        buffered.set(id, tentative.get(person.trackId) ?? []);
        tentative.delete(person.trackId);
      }
      const rows = buffered.get(id) ?? [];
      rows.push(row);
      buffered.set(id, rows);
    };

    const flush = async (nextFrame: number) => {
      // Forget the poses of tentative tracks the tracker has dropped.
      const live = poser.liveTrackIds(nextFrame);
      for (const id of [...tentative.keys()]) if (!live.has(id)) tentative.delete(id);
      const tracks = [...buffered.entries()]
        .filter(([, rows]) => rows.length)
        .sort((x, y) => x[0] - y[0])
        .map(([trackId, rows]) => {
          const n = rows.length;
          const chunk = {
            trackId,
            label: 'person',
            frames: new Int32Array(n),
            keypoints: new Float32Array(n * k * 3),
            boxes: new Float32Array(n * 4),
            scores: new Float32Array(n),
          };
          rows.forEach((r, i) => {
            chunk.frames[i] = r.frame;
            chunk.keypoints.set(r.person.keypoints, i * k * 3);
            chunk.boxes.set(r.person.box, i * 4);
            chunk.scores[i] = r.person.score;
          });
          posed += n;
          return chunk;
        });
      buffered.clear();
      inChunk = 0;
      // One commit in flight at a time: the next chunk is detected while this one is written.
      await pending;
      pending = ctx.commit(
        { op: 'appendPoseTracks', videoId: p.videoId, runId, tracks },
        { runId, nextFrame, posed, ...(people === 'multi' ? { nextTrackId } : {}) },
      );
      const fps = processed / ((performance.now() - started) / 1000);
      ctx.progress({
        phase: 'detect',
        done: nextFrame - p.inFrame,
        total,
        message: `${fps.toFixed(0)} frames/s${people === 'multi' ? `, ${nextTrackId} people` : ''}`,
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
        for (const person of await poser.estimate(frame, rgb)) keep(frame, person);
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
    const st = poser.stats();
    const per = (ms: number, n: number) => (n ? ms / n : 0);
    return {
      runId,
      frames: processed,
      posed,
      fps: processed / Math.max(elapsedS, 1e-6),
      modelMs: per(st.modelMs, st.inferences),
      cropMs: per(st.cropMs, st.inferences),
      inferences: st.inferences,
      ...(people === 'multi' || st.detectorRuns
        ? {
            tracks: people === 'multi' ? nextTrackId : undefined,
            detectorRuns: st.detectorRuns,
            detectorMs: per(st.detectorMs, st.detectorRuns),
          }
        : {}),
    };
  } finally {
    await poser.release();
  }
};
