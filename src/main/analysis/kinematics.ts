/**
 * Kinematics of a stored pose track for the API and the CLI: loads the track, computes the report
 * (shared/kinematics/report.ts) at the video's frame rate, and hands it over as contract data
 * (angle series as Float32 bytes, NaN as null in numbers) or writes it as CSV / JSON.
 */
import { basename, dirname, extname, join } from 'node:path';
import type { RequestInput, RequestOutput } from '../../shared/contract';
import { KinemaError } from '../../shared/errors';
import {
  kinematicsCsv,
  kinematicsJson,
  trackKinematics,
  validateAngleSpecs,
  type KinematicsReport,
} from '../../shared/kinematics';
import type { Db } from '../db/connection';
import * as posesDb from '../db/poses';
import { getVideo } from '../db/videos';
import { writeFileAtomic } from '../formats/io';

export type KinematicsRequest = RequestInput<'kinematics.compute'>;

/** The report of one track of a run, over the requested range. */
export function kinematicsReport(db: Db, input: KinematicsRequest): KinematicsReport {
  const { run, tracks } = posesDb.loadRunTracks(db, input.runId);
  const track = tracks.find((t) => t.trackId === input.trackId);
  if (!track)
    throw new KinemaError(
      'NOT_FOUND',
      `Run ${input.runId} has no track ${input.trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`,
    );
  if (input.inFrame !== undefined && input.outFrame !== undefined && input.outFrame <= input.inFrame)
    throw new KinemaError(
      'BAD_RANGE',
      `The range is empty: out (${input.outFrame}) must be after in (${input.inFrame}).`,
    );
  const video = getVideo(db, run.videoId);
  if (!(video.fps > 0))
    throw new KinemaError(
      'NO_FRAME_RATE',
      `${video.fileName} has no known frame rate; angles over time need one.`,
    );
  const custom = input.custom ? validateAngleSpecs(input.custom) : undefined;
  return trackKinematics(track, {
    fps: video.fps,
    inFrame: input.inFrame,
    outFrame: input.outFrame,
    filter: input.filter,
    facing: input.facing,
    custom,
  });
}

const f32bytes = (a: Float64Array) => new Uint8Array(Float32Array.from(a).buffer);
const orNull = (v: number) => (Number.isFinite(v) ? v : null);

export function kinematicsResult(db: Db, input: KinematicsRequest): RequestOutput<'kinematics.compute'> {
  const r = kinematicsReport(db, input);
  return {
    runId: input.runId,
    trackId: r.trackId,
    skeletonId: r.skeletonId,
    fps: r.fps,
    firstFrame: r.firstFrame,
    frameCount: r.frameCount,
    filter: r.filter,
    angles: r.angles.map((a) => ({
      name: a.name,
      description: a.description,
      raw: f32bytes(a.raw),
      filtered: f32bytes(a.filtered),
      validFrames: a.validFrames,
      summary: {
        min: orNull(a.summary.min),
        max: orNull(a.summary.max),
        mean: orNull(a.summary.mean),
        range: orNull(a.summary.range),
        minFrame: a.summary.minFrame,
        maxFrame: a.summary.maxFrame,
      },
    })),
    unavailable: r.unavailable,
    gait: r.gait && {
      mode: r.gait.mode,
      method: r.gait.method,
      events: r.gait.events,
      metrics: JSON.parse(
        JSON.stringify(r.gait.metrics, (_k, v: unknown) => (typeof v === 'number' ? orNull(v) : v)),
      ) as Record<string, unknown>,
      warnings: r.gait.warnings,
    },
    gaitError: r.gaitError,
  };
}

/** Writes a report as CSV (one row per frame) or JSON (series, summaries, gait), atomically. */
export function writeKinematics(report: KinematicsReport, path: string, format: 'csv' | 'json'): void {
  writeFileAtomic(
    path,
    format === 'csv' ? kinematicsCsv(report) : `${JSON.stringify(kinematicsJson(report), null, 2)}\n`,
  );
}

/** Computes and writes the report; without `outPath`, beside the video, named after it and the track. */
export function exportKinematics(db: Db, input: RequestInput<'kinematics.export'>): string {
  const { format, outPath, ...request } = input;
  const report = kinematicsReport(db, request);
  let path = outPath;
  if (!path) {
    const video = getVideo(db, posesDb.getRun(db, input.runId).videoId);
    const stem = basename(video.fileName, extname(video.fileName));
    path = join(
      dirname(video.path),
      `${stem} - run ${input.runId} track ${input.trackId} kinematics.${format}`,
    );
  }
  writeKinematics(report, path, format);
  return path;
}
