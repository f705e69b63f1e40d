/**
 * Main-side checks and parameters of the VPD student's jobs (issue 8): which track of each video
 * the student learns (the one its teacher series describes), the teacher's vectors, and where the
 * crops start. Workers never read the database, so everything travels in the job's params.
 * Every refusal is a KinemaError meant for the user; nothing is queued then.
 */
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import {
  STUDENT_SOURCE_PREFIX,
  STUDENT_TRAIN_DEFAULTS,
  type studentEmbedInputSchema,
  type studentTrainInputSchema,
} from '../../shared/contract-student';
import { KinemaError } from '../../shared/errors';
import { trackRange, type PoseTrack } from '../../shared/pose';
import { computeCropBoxes, cropBoxesInRange } from '../../shared/vpd/crops';
import type { Db } from '../db/connection';
import * as jobsDb from '../db/jobs';
import * as posesDb from '../db/poses';
import * as seriesDb from '../db/series';
import { getVideo, getVideoMedia } from '../db/videos';
import {
  encodeFloat32,
  type StudentEmbedParams,
  type StudentVideo,
  type TrainStudentParams,
} from '../jobs/kinds/train-student';
import { cropSeekTime } from '../vpd/crop-frames';
import { serializeTrack } from '../vpd/crops-job';
import { cachedModelFile } from './model-cache';

export type StudentTrainInput = z.infer<typeof studentTrainInputSchema>;
export type StudentEmbedInput = z.infer<typeof studentEmbedInputSchema>;

/** A video's track over [inFrame, outFrame), with where its crops start. */
function studentVideo(
  db: Db,
  videoId: number,
  runId: number,
  trackId: number,
  inFrame?: number,
  outFrame?: number,
): StudentVideo {
  const info = getVideoMedia(db, videoId);
  const v = info.video;
  if (!existsSync(v.path))
    throw new KinemaError(
      'SOURCE_MISSING',
      `The video file of ${v.fileName} was moved or deleted: ${v.path}`,
    );
  const { tracks } = posesDb.loadRunTracks(db, runId);
  const full = tracks.find((t) => t.trackId === trackId);
  if (!full) throw new KinemaError('NOT_FOUND', `Run ${runId} of ${v.fileName} has no track ${trackId}.`);
  const track: PoseTrack = trackRange(full, inFrame, outFrame);
  const lo = inFrame ?? (track.frames.length ? track.frames[0] : 0);
  const hi = outFrame ?? (track.frames.length ? track.frames[track.frames.length - 1] + 1 : 0);
  const boxes = track.frames.length
    ? cropBoxesInRange(
        computeCropBoxes(track, { frameWidth: v.width, frameHeight: v.height, fps: v.fps }),
        lo,
        hi,
      )
    : [];
  if (!boxes.length)
    throw new KinemaError(
      'NO_POSES',
      `Track ${trackId} of ${v.fileName} has no usable pose between frames ${lo} and ${hi - 1}: detect poses first.`,
    );
  return {
    videoId,
    fileName: v.fileName,
    path: v.path,
    video: { width: v.width, height: v.height, fps: v.fps },
    seekS: cropSeekTime(info.frameTimes, Math.max(0, boxes[0].frame - 1)),
    runId,
    track: serializeTrack(track),
    inFrame: lo,
    outFrame: hi,
  };
}

export function prepareStudentTraining(
  db: Db,
  input: StudentTrainInput,
): { params: TrainStudentParams; title: string; teacherFrames: number } {
  const name = input.name.trim();
  const teacher = (input.teacher ?? STUDENT_TRAIN_DEFAULTS.teacher).trim();
  if (teacher.startsWith(STUDENT_SOURCE_PREFIX))
    throw new KinemaError('BAD_OPTIONS', `A student cannot be distilled from another student (${teacher}).`);
  if (seriesDb.listTrainedModels(db, 'student').some((m) => m.name === name) && !input.replace)
    throw new KinemaError(
      'EXISTS',
      `A student named "${name}" already exists: choose another name or replace it.`,
    );
  const busy = jobsDb
    .listJobs(db)
    .some(
      (j) =>
        j.kind === 'train-student' &&
        (j.state === 'queued' || j.state === 'running') &&
        (j.params as { name?: string }).name === name,
    );
  if (busy) throw new KinemaError('BUSY', `A student named "${name}" is being trained already.`);
  const spec = {
    cropSize: input.cropSize ?? STUDENT_TRAIN_DEFAULTS.cropSize,
    appearance: input.appearance ?? STUDENT_TRAIN_DEFAULTS.appearance,
    mask: input.mask ?? STUDENT_TRAIN_DEFAULTS.mask,
  };
  let teacherFrames = 0;
  let dim = 0;
  const videos: TrainStudentParams['videos'] = [];
  for (const videoId of [...new Set(input.videoIds)]) {
    const video = getVideo(db, videoId);
    const [info] = seriesDb.listSeries(db, { videoId, kind: 'embedding', source: teacher });
    if (!info) {
      const sources = [
        ...new Set(seriesDb.listSeries(db, { videoId, kind: 'embedding' }).map((s) => s.source)),
      ].filter((s) => !s.startsWith(STUDENT_SOURCE_PREFIX));
      throw new KinemaError(
        'NO_TEACHER',
        `${video.fileName} (video ${videoId}) has no '${teacher}' embeddings to learn from: compute the teacher's embeddings of its track first${sources.length ? ` (it has: ${sources.join(', ')})` : ''}.`,
      );
    }
    const series = seriesDb.getSeries(db, info.id);
    if (dim && series.width !== dim)
      throw new KinemaError(
        'BAD_TEACHER',
        `The '${teacher}' embeddings of ${video.fileName} have ${series.width} values per frame, the others ${dim}.`,
      );
    dim = series.width;
    let finite = 0;
    for (let r = 0; r < series.frameCount; r++)
      if (Number.isFinite(series.values[r * series.width])) finite++;
    if (!finite)
      throw new KinemaError(
        'BAD_TEACHER',
        `The '${teacher}' embeddings of ${video.fileName} hold no frame with a pose.`,
      );
    teacherFrames += finite;
    const v = studentVideo(
      db,
      videoId,
      series.runId,
      series.trackId,
      series.firstFrame,
      series.firstFrame + series.frameCount,
    );
    videos.push({
      ...v,
      teacherSeries: {
        firstFrame: series.firstFrame,
        dim: series.width,
        values: encodeFloat32(series.values),
      },
    });
  }
  if (teacherFrames < 20)
    throw new KinemaError(
      'TOO_FEW_FRAMES',
      `Only ${teacherFrames} frames have a '${teacher}' embedding: the student needs at least 20 (better thousands).`,
    );
  const params: TrainStudentParams = {
    name,
    replace: input.replace ?? false,
    teacher,
    steps: input.steps ?? STUDENT_TRAIN_DEFAULTS.steps,
    batchSize: input.batchSize ?? STUDENT_TRAIN_DEFAULTS.batchSize,
    spec,
    videos,
  };
  return {
    params,
    title: `Train student "${name}" on ${videos.length} video${videos.length === 1 ? '' : 's'} (${teacher})`,
    teacherFrames,
  };
}

/** Params of a 'student-embed' job; the student's ONNX is written under `cacheDir` for the worker. */
export function prepareStudentEmbed(
  db: Db,
  input: StudentEmbedInput,
  cacheDir: string,
): { params: StudentEmbedParams; title: string } {
  const model = seriesDb.findTrainedModel(db, 'student', input.model.trim());
  const video = getVideo(db, input.videoId);
  let runId = input.runId;
  let trackId = input.trackId;
  if (runId === undefined) {
    const run = posesDb.listRuns(db, input.videoId)[0];
    if (!run) throw new KinemaError('NO_POSES', `${video.fileName} has no poses: detect poses first.`);
    runId = run.id;
  } else if (posesDb.getRun(db, runId).videoId !== input.videoId)
    throw new KinemaError('BAD_OPTIONS', `Run ${runId} is not a run of ${video.fileName}.`);
  if (trackId === undefined) {
    const run = posesDb.getRun(db, runId);
    const longest = run.tracks.reduce<(typeof run.tracks)[number] | undefined>(
      (a, t) => (!a || t.frameCount > a.frameCount ? t : a),
      undefined,
    );
    if (!longest) throw new KinemaError('NO_POSES', `Run ${runId} of ${video.fileName} has no tracks.`);
    trackId = longest.trackId;
  }
  const v = studentVideo(db, input.videoId, runId, trackId);
  const onnxPath = cachedModelFile(cacheDir, model, model.onnx);
  return {
    params: { ...v, modelId: model.id, modelName: model.name, onnxPath },
    title: `Student "${model.name}" embeddings of ${video.fileName}`,
  };
}
