/**
 * Checks a lifter training request before a 'train-lifter' job is queued (the request handler and
 * `kinema train-lifter` both call it): the name is free, the settings are consistent with the
 * starting weights, and every file reads, maps to the lifter's skeletons and is long enough for
 * the receptive field; fine-tuning a project lifter needs its stored training weights; tracks
 * asked for as unlabelled 2D (semi-supervised) must exist, be liftable and have usable stretches.
 * Bad input is refused here with a message that says which file or track and why, and nothing is
 * queued or stored.
 */
import { DEFAULT_LIFTER, PROJECT_LIFTER_PREFIX } from '../../shared/contract-lift';
import { LIFTER_TRAIN_DEFAULTS, type LifterTrainInput } from '../../shared/contract-lifter-training';
import { KinemaError } from '../../shared/errors';
import type { Db } from '../db/connection';
import * as seriesDb from '../db/series';
import { listLifters } from '../inference/models';
import * as posesDb from '../db/poses';
import * as videosDb from '../db/videos';
import type { TrainLifterParams, UnlabeledTrackParams } from '../jobs/kinds/train-lifter';
import { isLiftable, MIN_SCORE } from '../lifting/core';
import { MIN_SEEN_JOINTS, MIN_SEGMENT_S, unlabeledSegments } from '../lifting/unlabeled-tracks';
import { serializeTrack } from '../vpd/crops-job';
import { decodeWeights, loadWeightsFile } from '../training/checkpoint';
import { loadLifterDatasets, planLifterDatasets } from '../training/lifter-data';
import { receptiveFieldOf } from '../training/lifter-model';
import { cachedModelPath, writeCachedFile } from './model-cache';
import { LIFTER_FPS } from '../training/lifter-session';

export interface PreparedLifterTraining {
  params: TrainLifterParams;
  title: string;
  trainFrames: number;
  validationFrames: number;
  /** Semi-supervised: unlabelled frames at the lifter's rate, and their track segments. */
  unlabeledFrames: number;
  unlabeledSegments: number;
}

/**
 * The tracks asked for as unlabelled 2D (a run without a track id: all its tracks), each with its
 * video, checked: the run exists and is liftable, and together they have at least one usable
 * segment (lifting/unlabeled-tracks.ts).
 */
export function resolveUnlabeledTracks(
  db: Db,
  wanted: NonNullable<LifterTrainInput['unlabeledTracks']>,
): { tracks: UnlabeledTrackParams[]; frames: number; segments: number } {
  const tracks: UnlabeledTrackParams[] = [];
  const seen = new Set<string>();
  let frames = 0;
  let segments = 0;
  for (const w of wanted) {
    const { run, tracks: all } = posesDb.loadRunTracks(db, w.runId);
    if (!isLiftable(run.skeletonId))
      throw new KinemaError(
        'BAD_INPUT',
        `Unlabelled 2D: run ${w.runId} is ${run.skeletonId}; the lifter learns from COCO-17 (with or without feet) or H36M-17 tracks.`,
      );
    const picked = w.trackId === undefined ? all : all.filter((t) => t.trackId === w.trackId);
    if (picked.length === 0)
      throw new KinemaError(
        'NOT_FOUND',
        w.trackId === undefined
          ? `Unlabelled 2D: run ${w.runId} has no tracks.`
          : `Unlabelled 2D: run ${w.runId} has no track ${w.trackId} (tracks: ${all.map((t) => t.trackId).join(', ') || 'none'}).`,
      );
    const v = videosDb.getVideo(db, run.videoId);
    const video = { width: v.width, height: v.height, fps: v.fps, name: v.fileName };
    for (const track of picked) {
      const key = `${w.runId}:${track.trackId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const parts = unlabeledSegments(track, video, w.runId, LIFTER_FPS);
      if (parts.length === 0) continue;
      segments += parts.length;
      frames += parts.reduce((a, p) => a + p.pointsPx.length / 34, 0);
      tracks.push({ runId: w.runId, track: serializeTrack(track), video });
    }
  }
  if (wanted.length > 0 && segments === 0)
    throw new KinemaError(
      'NO_POSES',
      `Unlabelled 2D: the chosen tracks have no stretch of ${MIN_SEGMENT_S} s or more with at least ${MIN_SEEN_JOINTS} keypoints per frame scoring ${MIN_SCORE} or more: nothing to learn from.`,
    );
  return { tracks, frames, segments };
}

/** Training weights a run can start from, and the model size they fix. */
export interface StartingWeights {
  /** The shipped lifter's id, or `lifter:<name>` for a project lifter. */
  id: string;
  /** The .klw file the worker loads. */
  path: string;
  /** Bytes to write to `path` once the request is accepted (a project lifter's stored weights). */
  bytes?: Uint8Array;
  receptiveField: number;
  channels: number;
}

/** The shipped lifter whose training weights fine-tuning starts from, and their size. */
export function shippedLifterWeights(): StartingWeights {
  const entry = listLifters().find((l) => l.id === DEFAULT_LIFTER) ?? listLifters()[0];
  if (!entry?.weightsPath)
    throw new KinemaError('NO_MODELS', 'No shipped lifter with training weights (.klw) in native-models.');
  const { weights } = loadWeightsFile(entry.weightsPath);
  return {
    id: entry.id,
    path: entry.weightsPath,
    receptiveField: receptiveFieldOf(weights.config),
    channels: weights.config.channels,
  };
}

/**
 * A project lifter's training weights (stored beside its ONNX since migration 0006) and the cache
 * file the worker will read them from (prepareLifterTraining writes it once the request is valid,
 * so a refused request leaves nothing behind).
 */
export function projectLifterWeights(db: Db, name: string, cacheDir: string): StartingWeights {
  const model = seriesDb.findTrainedModel(db, 'lifter', name);
  const bytes = seriesDb.trainedModelWeights(db, model.id);
  if (!bytes)
    throw new KinemaError(
      'BAD_OPTIONS',
      `The project lifter "${model.name}" was stored without its training weights (it was trained before Kinema kept them), so training cannot go on from it: train it again, or fine-tune the shipped lifter.`,
    );
  const { weights } = decodeWeights(bytes, `The training weights of lifter "${model.name}"`);
  return {
    id: `${PROJECT_LIFTER_PREFIX}${model.name}`,
    path: cachedModelPath(cacheDir, model, 'klw'),
    bytes,
    receptiveField: receptiveFieldOf(weights.config),
    channels: weights.config.channels,
  };
}

export function prepareLifterTraining(
  db: Db,
  input: LifterTrainInput,
  cacheDir: string,
): PreparedLifterTraining {
  const name = input.name.trim();
  if (!input.replace && seriesDb.listTrainedModels(db, 'lifter').some((m) => m.name === name))
    throw new KinemaError(
      'EXISTS',
      `A lifter named "${name}" already exists in this project: choose another name or replace it.`,
    );
  const d = LIFTER_TRAIN_DEFAULTS;
  let receptiveField = input.receptiveField ?? d.receptiveField;
  let channels = input.channels ?? d.channels;
  // Unspecified: fine-tune the shipped lifter when the requested size is its size.
  let start: StartingWeights | null = null;
  if (input.init === 'project') start = projectLifterWeights(db, input.initLifter ?? '', cacheDir);
  else if (input.init !== 'none') start = shippedLifterWeights();
  if (start) {
    const matches =
      (input.receptiveField ?? start.receptiveField) === start.receptiveField &&
      (input.channels ?? start.channels) === start.channels;
    if (input.init && !matches)
      throw new KinemaError(
        'BAD_OPTIONS',
        `Fine-tuning starts from the ${input.init === 'project' ? 'project' : 'shipped'} lifter ${input.init === 'project' ? `"${input.initLifter}"` : start.id} (receptive field ${start.receptiveField}, ${start.channels} channels): keep those settings, or train from scratch (init none).`,
      );
    if (matches) {
      receptiveField = start.receptiveField;
      channels = start.channels;
    } else start = null;
  }
  const init: TrainLifterParams['init'] = !start ? 'none' : input.init === 'project' ? 'project' : 'shipped';
  const settings = {
    receptiveField,
    channels,
    epochs: input.epochs ?? d.epochs,
    batchSize: input.batchSize ?? d.batchSize,
    learningRate: input.learningRate ?? (start ? d.fineTuneLearningRate : d.learningRate),
    noise: input.noise ?? d.noise,
    seed: input.seed ?? d.seed,
  };
  const unlabeled = resolveUnlabeledTracks(db, input.unlabeledTracks ?? []);
  if (unlabeled.tracks.length > 0 && settings.epochs < 2)
    throw new KinemaError(
      'BAD_OPTIONS',
      'Semi-supervised training needs at least 2 epochs (the first ones train the trajectory model on the mocap alone).',
    );
  const plan = planLifterDatasets(input.files, input.validationFiles ?? []);
  const data = loadLifterDatasets(plan, { fps: LIFTER_FPS, receptiveField });
  if (start?.bytes) writeCachedFile(start.path, start.bytes);
  const totalSteps = Math.max(1, Math.floor(data.trainFrames / settings.batchSize)) * settings.epochs;
  const params: TrainLifterParams = {
    name,
    replace: input.replace ?? false,
    trainFiles: plan.train,
    validationFiles: plan.validation,
    holdOut: plan.holdOut,
    settings,
    init,
    initWeightsPath: start?.path ?? null,
    initModelId: start?.id ?? null,
    totalSteps,
    unlabeled: unlabeled.tracks,
  };
  const how = unlabeled.tracks.length > 0 ? ', semi-supervised' : '';
  return {
    params,
    title: start ? `Fine-tune lifter "${name}" from ${start.id}${how}` : `Train lifter "${name}"${how}`,
    trainFrames: data.trainFrames,
    validationFrames: data.validationFrames,
    unlabeledFrames: unlabeled.frames,
    unlabeledSegments: unlabeled.segments,
  };
}
