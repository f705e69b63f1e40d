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
import { escapeHtml, lineChart } from './charts';

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

export type KinematicsFormat = 'csv' | 'json' | 'html';

/** What the printable report says it is about. */
export interface ReportSubject {
  videoName: string;
  runId: number;
}

const SIDE_COLOURS = { left: '#d62728', right: '#1f77b4' } as const;
const fmt = (v: number | null | undefined, digits = 1, unit = '') =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(digits)}${unit}`;

/**
 * The printable report: summary table per angle, gait metrics per side with symmetry, and one
 * chart per joint (left and right together, gait events as dashed lines), in one HTML file.
 */
export function kinematicsHtml(report: KinematicsReport, subject: ReportSubject): string {
  const filter =
    report.filter.kind === 'butterworth'
      ? `Butterworth ${report.filter.cutoffHz} Hz (zero-phase) on the keypoints`
      : report.filter.kind === 'gaussian'
        ? `Gaussian σ ${report.filter.sigmaFrames} frames`
        : report.filter.kind === 'median'
          ? `median over ${report.filter.window} frames`
          : 'none';
  const rows = report.angles
    .filter((a) => a.validFrames > 0)
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.name.replace(/_/g, ' '))}</td><td>${fmt(a.summary.min)} <small>@${a.summary.minFrame}</small></td><td>${fmt(a.summary.max)} <small>@${a.summary.maxFrame}</small></td><td>${fmt(a.summary.mean)}</td><td>${fmt(a.summary.range)}</td><td>${a.validFrames}/${report.frameCount}</td></tr>`,
    )
    .join('');
  const g = report.gait;
  const sideRow = (label: string, m: { left: number; right: number; mean: number; symmetry: number }) =>
    `<tr><td>${label}</td><td>${fmt(m.left, 3)}</td><td>${fmt(m.right, 3)}</td><td>${fmt(m.mean, 3)}</td><td>${fmt(m.symmetry, 1, ' %')}</td></tr>`;
  const gait = g
    ? `<p>${g.mode === 'run' ? 'Running' : 'Walking'} (${escapeHtml(g.method)} method): ${g.events.length} events; cadence ${fmt(g.metrics.cadence)} steps/min; duty factor ${fmt(g.metrics.dutyFactor, 2)}; ${g.mode === 'run' ? `flight ${fmt(g.metrics.flightTime, 3)} s` : `double support ${fmt(g.metrics.doubleSupportTime, 3)} s per stride`}.</p>
<table><tr><th>Seconds</th><th>Left</th><th>Right</th><th>Mean</th><th>Symmetry</th></tr>${sideRow('step time', g.metrics.stepTime)}${sideRow('stride time', g.metrics.strideTime)}${sideRow('contact time', g.metrics.contactTime)}${sideRow('swing time', g.metrics.swingTime)}</table>
${g.warnings.length ? `<ul>${g.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}`
    : `<p>${escapeHtml(report.gaitError ?? 'No gait events.')}</p>`;
  const markers = (g?.events ?? []).map((e) => ({
    x: e.frame,
    color: SIDE_COLOURS[e.side],
    dash: e.kind === 'foot_strike' ? '5 3' : '1 3',
    label: `${e.side} ${e.kind.replace('_', ' ')} @${e.frame.toFixed(1)}`,
  }));
  const joints = ['hip_flexion', 'knee_flexion', 'ankle_dorsiflexion', 'shoulder_flexion', 'elbow_flexion'];
  const charts = [
    ...joints.map((j) => {
      const sides = (['left', 'right'] as const)
        .map((side) => ({ side, a: report.angles.find((x) => x.name === `${side}_${j}`) }))
        .filter((x) => x.a && x.a.validFrames > 0);
      return lineChart(
        sides.map(({ side, a }) => ({ label: side, values: a!.filtered, color: SIDE_COLOURS[side] })),
        {
          xStart: report.firstFrame,
          xLabel: 'video frame',
          yUnit: '°',
          markers,
          caption: `${j.replace(/_/g, ' ')} (°)`,
        },
      );
    }),
    ...report.angles
      .filter((a) => a.name === 'trunk_lean' || a.name === 'pelvis_tilt' || !/^(left|right)_/.test(a.name))
      .filter((a) => a.validFrames > 0 && !/^(trunk|pelvis)$/.test(a.name))
      .slice(0, 4)
      .map((a) =>
        lineChart([{ label: '', values: a.filtered, color: '#444' }], {
          xStart: report.firstFrame,
          xLabel: 'video frame',
          yUnit: '°',
          markers,
          caption: `${a.name.replace(/_/g, ' ')} (°)${a.description ? ` — ${a.description}` : ''}`,
        }),
      ),
  ].filter(Boolean);
  const first = report.firstFrame;
  const last = first + report.frameCount - 1;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kinematics — ${escapeHtml(subject.videoName)}</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}h1{font-size:1.4em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}small{color:#888}
.chart{margin:1em 0;break-inside:avoid}figcaption{font-size:.9em}@media print{body{margin:0}}</style></head><body>
<h1>Kinematics of ${escapeHtml(subject.videoName)}</h1>
<p>Run ${subject.runId}, track ${report.trackId} (${escapeHtml(report.skeletonId)}), frames ${first}–${last} (${(report.frameCount / report.fps).toFixed(2)} s at ${report.fps} fps). Filter: ${escapeHtml(filter)}.
Angles in degrees, 0 = standing straight, flexion positive; trunk lean forward positive (README, "Kinematics").</p>
<h2>Angles</h2><table><tr><th>Angle</th><th>Min</th><th>Max</th><th>Mean</th><th>Range</th><th>Frames with a value</th></tr>${rows}</table>
${report.unavailable.length ? `<p><small>Not available: ${report.unavailable.map((u) => `${escapeHtml(u.name.replace(/_/g, ' '))} (${escapeHtml(u.reason)})`).join('; ')}</small></p>` : ''}
<h2>Gait</h2>${gait}
<h2>Curves</h2><p><small>Left red, right blue; dashed lines: foot strikes, dotted: toe-offs. Gaps in a curve are frames without a value.</small></p>
${charts.join('\n')}
<p><small>Made by Kinema.</small></p></body></html>
`;
}

/** Writes a report as CSV (one row per frame), JSON (series, summaries, gait) or printable HTML, atomically. */
export function writeKinematics(
  report: KinematicsReport,
  path: string,
  format: KinematicsFormat,
  subject: ReportSubject = { videoName: 'video', runId: 0 },
): void {
  writeFileAtomic(
    path,
    format === 'csv'
      ? kinematicsCsv(report)
      : format === 'json'
        ? `${JSON.stringify(kinematicsJson(report), null, 2)}\n`
        : kinematicsHtml(report, subject),
  );
}

/** Computes and writes the report; without `outPath`, beside the video, named after it and the track. */
export function exportKinematics(db: Db, input: RequestInput<'kinematics.export'>): string {
  const { format, outPath, ...request } = input;
  const report = kinematicsReport(db, request);
  const video = getVideo(db, posesDb.getRun(db, input.runId).videoId);
  const stem = basename(video.fileName, extname(video.fileName));
  const path =
    outPath ??
    join(dirname(video.path), `${stem} - run ${input.runId} track ${input.trackId} kinematics.${format}`);
  writeKinematics(report, path, format, { videoName: video.fileName, runId: input.runId });
  return path;
}
