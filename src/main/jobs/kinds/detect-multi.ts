/**
 * The detect job's `people: 'multi'` mode: every person in the range, each as its own track.
 *
 * Per frame, MultiPersonEstimator (inference/multi-person.ts) finds the poses (CenterNet person
 * boxes every DETECT_EVERY frames and when someone went missing, each tracked person's crop from
 * the previous frame in between, MoveNet Lightning on each crop) and PoseTracker gives each a
 * track id online. Poses of a confirmed track are buffered under its stored id; poses of a
 * tentative track wait until it is confirmed (a track dropped as noise is never stored). Stored ids
 * are dense (0, 1, 2…) in order of confirmation. Every CHUNK_FRAMES frames the buffered poses of
 * all tracks are committed in one transaction with the next frame and the next stored id as the
 * checkpoint.
 *
 * Resume (simplification): the tracker's state is not persisted. A resumed job starts a fresh
 * tracker at the checkpoint frame and numbers new tracks from the checkpoint's next id, so a person
 * seen across the kill continues as a new track (joinFragments can link them afterwards), and the
 * poses of tracks still tentative at the checkpoint are lost.
 */
import type { ModelEntry } from '../../inference/models';
import { getDetectorPath } from '../../inference/models';
import { MultiPersonEstimator } from '../../inference/multi-person';
import { cropRunnerStats } from '../../inference/movenet-video';
import type { RunsOnnx } from '../../inference/centernet';
import { createSession } from '../../inference/session';
import { streamRgbFramesThreaded } from '../../media/decode-thread';
import { abortError } from '../../media/ffmpeg';
import type { JobContext } from '../protocol';
import {
  CHUNK_FRAMES,
  MIN_POSE_SCORE,
  PREFETCH,
  type DetectCheckpoint,
  type DetectParams,
  type DetectResult,
} from './detect';

interface Row {
  frame: number;
  keypoints: Float32Array;
  box: Float32Array;
  score: number;
}

const K = 17;

export async function detectMulti(a: {
  ctx: JobContext<DetectParams, DetectCheckpoint>;
  session: RunsOnnx;
  model: ModelEntry;
  threads: number;
  cp: DetectCheckpoint;
  seekS: number;
  dec: { width: number; height: number };
  sx: number;
  sy: number;
  total: number;
}): Promise<DetectResult> {
  const { ctx, cp, dec, sx, sy, total } = a;
  const p = ctx.params;
  const { runId } = cp;
  ctx.progress({
    phase: 'load',
    done: cp.nextFrame - p.inFrame,
    total,
    message: 'Loading the person detector',
  });
  const detector = await createSession(getDetectorPath('centernet'), { threads: a.threads });
  try {
    const estimator = new MultiPersonEstimator({
      session: a.session,
      inputName: a.model.inputName,
      outputName: a.model.outputName,
      inputSize: a.model.inputSize,
      detector,
      width: dec.width,
      height: dec.height,
      minPoseScore: MIN_POSE_SCORE,
    });
    /** Tracker id → stored id, for confirmed tracks. */
    const storedId = new Map<number, number>();
    /** Poses of tentative tracks, by tracker id. */
    const tentative = new Map<number, Row[]>();
    /** Poses of confirmed tracks waiting for the next commit, by stored id. */
    const buffered = new Map<number, Row[]>();
    let nextTrackId = cp.nextTrackId ?? 0;
    let posed = cp.posed;
    let frame = cp.nextFrame;
    let processed = 0;
    let inChunk = 0;
    const started = performance.now();
    let pending: Promise<unknown> = Promise.resolve();

    const flush = async (nextFrame: number) => {
      // Forget the poses of tentative tracks the tracker has dropped.
      const live = estimator.liveTrackIds(nextFrame);
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
            keypoints: new Float32Array(n * K * 3),
            boxes: new Float32Array(n * 4),
            scores: new Float32Array(n),
          };
          rows.forEach((r, i) => {
            chunk.frames[i] = r.frame;
            chunk.keypoints.set(r.keypoints, i * K * 3);
            chunk.boxes.set(r.box, i * 4);
            chunk.scores[i] = r.score;
          });
          posed += n;
          return chunk;
        });
      buffered.clear();
      inChunk = 0;
      await pending;
      pending = ctx.commit(
        { op: 'appendPoseTracks', videoId: p.videoId, runId, tracks },
        { runId, nextFrame, posed, nextTrackId },
      );
      const fps = processed / ((performance.now() - started) / 1000);
      ctx.progress({
        phase: 'detect',
        done: nextFrame - p.inFrame,
        total,
        message: `${fps.toFixed(0)} frames/s, ${nextTrackId} people`,
      });
    };

    ctx.progress({ phase: 'detect', done: frame - p.inFrame, total, message: 'Detecting poses' });
    if (frame < p.outFrame) {
      const frames = streamRgbFramesThreaded({
        path: p.path,
        seekS: a.seekS,
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
        const { detections, assignments } = await estimator.estimate(frame, rgb);
        detections.forEach((d, i) => {
          const { trackId, confirmed } = assignments[i];
          if (trackId < 0) return;
          const kp = Float32Array.from(d.keypoints);
          for (let j = 0; j < K; j++) {
            kp[j * 3] *= sx;
            kp[j * 3 + 1] *= sy;
          }
          const b = d.box;
          const row: Row = {
            frame,
            keypoints: kp,
            box: Float32Array.of(b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy),
            score: d.score,
          };
          if (!confirmed) {
            const rows = tentative.get(trackId) ?? [];
            rows.push(row);
            tentative.set(trackId, rows);
            return;
          }
          let id = storedId.get(trackId);
          if (id === undefined) {
            id = nextTrackId++;
            storedId.set(trackId, id);
            buffered.set(id, tentative.get(trackId) ?? []);
            tentative.delete(trackId);
          }
          const rows = buffered.get(id) ?? [];
          rows.push(row);
          buffered.set(id, rows);
        });
        frame++;
        processed++;
        inChunk++;
        if (inChunk === CHUNK_FRAMES) await flush(frame);
        if (frame >= p.outFrame) break;
      }
    }
    if (ctx.signal.aborted) throw abortError();
    await flush(p.outFrame);
    await pending;
    const elapsedS = (performance.now() - started) / 1000;
    ctx.progress({ phase: 'done', done: total, total, message: 'Detected' });
    const e = estimator;
    return {
      runId,
      frames: processed,
      posed,
      fps: processed / Math.max(elapsedS, 1e-6),
      ...cropRunnerStats(e),
      tracks: nextTrackId,
      detectorRuns: e.detectorRuns,
      detectorMs: e.detectorRuns ? e.detectorMs / e.detectorRuns : 0,
    };
  } finally {
    await detector.release();
  }
}
