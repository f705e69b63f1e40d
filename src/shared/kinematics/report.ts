/**
 * Kinematics of one pose track, as the app, the API and the CLI show it: every joint angle the
 * skeleton allows (and the user's own), raw and filtered, a per-angle summary, and the gait
 * events and metrics, over a frame range. Plus the CSV and JSON the user exports.
 *
 * Filtering: the keypoint trajectories are low-passed (gaps of up to FILL_GAP frames bridged by
 * interpolation first, longer gaps kept), and the filtered angles are computed from them, as
 * Sports2D and most gait labs do; the raw angles come from the raw keypoints. A one-frame range
 * has angles but no filtering and no gait.
 */
import { KinemaError } from '../errors';
import { trackRange, type PoseTrack } from '../pose';
import { computeAngles, type AngleOptions, type AngleSpec } from './angles';
import { detectGait, type GaitResult } from './gait';
import { pointsFromTrack, type NamedPoints } from './points';
import { filterPointData, type SeriesFilter } from './series';

/** Gaps in the keypoint trajectories up to this many frames are bridged before filtering. */
export const FILL_GAP = 3;
/** The biomechanics default: zero-phase Butterworth at 6 Hz. */
export const DEFAULT_FILTER: SeriesFilter = { kind: 'butterworth', cutoffHz: 6 };

export interface KinematicsOptions {
  /** Frames per second of the video. */
  fps: number;
  /** Half-open range [inFrame, outFrame) of video frames; the whole track when absent. */
  inFrame?: number;
  outFrame?: number;
  filter?: SeriesFilter;
  facing?: AngleOptions['facing'];
  custom?: readonly AngleSpec[];
  /** Keypoints scoring below this are missing. Default 0.3. */
  minScore?: number;
}

export interface AngleSummary {
  /** Over the filtered series' valid frames; NaN when there are none. */
  min: number;
  max: number;
  mean: number;
  /** Range of motion: max − min. */
  range: number;
  /** Video frames of the min and max. */
  minFrame: number;
  maxFrame: number;
}

export interface KinematicsAngle {
  name: string;
  description: string;
  /** Degrees per frame from firstFrame; NaN = no value. */
  raw: Float64Array;
  filtered: Float64Array;
  validFrames: number;
  summary: AngleSummary;
}

export interface KinematicsReport {
  trackId: number;
  skeletonId: string;
  fps: number;
  /** Video frame of row 0. */
  firstFrame: number;
  frameCount: number;
  filter: SeriesFilter;
  angles: KinematicsAngle[];
  unavailable: { name: string; reason: string }[];
  /** Facing per frame (+1 right, −1 left), or null when not detected. */
  facing: Int8Array | null;
  /** Events carry video frames (fractional). Null with `gaitError` when gait could not be found. */
  gait: GaitResult | null;
  gaitError: string | null;
}

function summarise(values: Float64Array, firstFrame: number): AngleSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let minFrame = -1;
  let maxFrame = -1;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    if (v < min) [min, minFrame] = [v, firstFrame + i];
    if (v > max) [max, maxFrame] = [v, firstFrame + i];
    sum += v;
    n++;
  });
  if (!n) return { min: NaN, max: NaN, mean: NaN, range: NaN, minFrame: -1, maxFrame: -1 };
  return { min, max, mean: sum / n, range: max - min, minFrame, maxFrame };
}

export function trackKinematics(track: PoseTrack, o: KinematicsOptions): KinematicsReport {
  const part = trackRange(track, o.inFrame, o.outFrame);
  if (part.frames.length === 0)
    throw new KinemaError(
      'NO_POSES',
      `Track ${track.trackId} has no pose in frames ${o.inFrame ?? 0}–${(o.outFrame ?? Infinity) - 1}.`,
    );
  const raw = pointsFromTrack(part, { fps: o.fps, minScore: o.minScore });
  const single = raw.frameCount < 2;
  const filter: SeriesFilter = single ? { kind: 'none' } : (o.filter ?? DEFAULT_FILTER);
  const names = raw.names.length;
  const smooth: NamedPoints =
    filter.kind === 'none'
      ? raw
      : { ...raw, data: filterPointData(raw.data, names, 2, filter, o.fps, { fillGapsUpTo: FILL_GAP }) };
  const angleOptions: AngleOptions = { facing: o.facing, custom: o.custom };
  const rawSet = computeAngles(raw, angleOptions);
  const smoothSet = computeAngles(smooth, angleOptions);
  const angles = rawSet.angles.map((a) => {
    const f = smoothSet.angles.find((s) => s.name === a.name);
    const filtered = f ? f.values : new Float64Array(a.values.length).fill(NaN);
    return {
      name: a.name,
      description: a.spec.description ?? '',
      raw: a.values,
      filtered,
      validFrames: a.validFrames,
      summary: summarise(filtered, raw.firstFrame),
    };
  });
  let gait: GaitResult | null = null;
  let gaitError: string | null = null;
  if (single) gaitError = 'One frame: gait needs a sequence.';
  else
    try {
      const g = detectGait(raw);
      gait = { ...g, events: g.events.map((e) => ({ ...e, frame: e.frame + raw.firstFrame })) };
    } catch (err) {
      gaitError = (err as Error).message;
    }
  return {
    trackId: track.trackId,
    skeletonId: track.skeletonId,
    fps: o.fps,
    firstFrame: raw.firstFrame,
    frameCount: raw.frameCount,
    filter,
    angles,
    unavailable: rawSet.unavailable,
    facing: smoothSet.facing,
    gait,
    gaitError,
  };
}

/** A number for CSV: empty for a gap (never 0), 3 decimals otherwise. */
const cell = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '');

/**
 * One row per video frame: frame, time (s), then each angle raw and filtered (degrees); gaps are
 * empty cells. Gait events follow as comment-free rows in a second table would confuse
 * spreadsheets, so they go to the JSON export only.
 */
export function kinematicsCsv(report: KinematicsReport): string {
  const head = ['frame', 'time_s', ...report.angles.flatMap((a) => [`${a.name}_raw`, `${a.name}`])];
  const lines = [head.join(',')];
  for (let i = 0; i < report.frameCount; i++) {
    const frame = report.firstFrame + i;
    const row = [String(frame), (frame / report.fps).toFixed(4)];
    for (const a of report.angles) row.push(cell(a.raw[i]), cell(a.filtered[i]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The report as JSON-safe data (gaps as null), for the JSON export. */
export function kinematicsJson(report: KinematicsReport): unknown {
  const nums = (a: Float64Array) =>
    Array.from(a, (v) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null));
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    trackId: report.trackId,
    skeletonId: report.skeletonId,
    fps: report.fps,
    firstFrame: report.firstFrame,
    frameCount: report.frameCount,
    filter: report.filter,
    units: { angles: 'degrees', time: 'seconds', frames: 'video frame index' },
    angles: report.angles.map((a) => ({
      name: a.name,
      description: a.description,
      validFrames: a.validFrames,
      summary: Object.fromEntries(Object.entries(a.summary).map(([k, v]) => [k, finite(v)])),
      raw: nums(a.raw),
      filtered: nums(a.filtered),
    })),
    unavailable: report.unavailable,
    gait: report.gait && {
      mode: report.gait.mode,
      method: report.gait.method,
      events: report.gait.events,
      metrics: JSON.parse(
        JSON.stringify(report.gait.metrics, (_k, v) => (typeof v === 'number' ? finite(v) : v)),
      ),
      warnings: report.gait.warnings,
    },
    gaitError: report.gaitError,
  };
}
