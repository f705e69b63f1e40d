/**
 * Coaching feedback from an alignment: at every reference frame, the learner's aligned frame, and
 * the difference of each joint angle there (learner − reference, filtered series of the two
 * kinematics reports; joint angles only, not segment angles). From those differences:
 *  - per angle: mean signed and absolute difference, the largest one and where;
 *  - per phase: the reference motion split into PHASES equal parts (by reference time), and the
 *    angle that differs most in each;
 *  - timing: for each angle with a clear peak (range ≥ 15°), when the peak comes as a share of each
 *    side's motion (so a learner who is slower overall is not told every peak is late), turned
 *    into seconds of the learner's motion — "reaches its peak 0.2 s later in the motion";
 *  - duration of the whole motion on each side;
 *  - plain-language findings, largest first, each with the frames to look at.
 */
import type { KinematicsReport } from '../kinematics';
import type { TrackAlignment } from './align-tracks';

/** The reference motion is judged in this many equal parts. */
export const PHASES = 5;
/** Angle differences below this (degrees, phase mean) are not worth a finding. */
export const MIN_ANGLE_FINDING = 5;
/** Timing differences below this (seconds) are not worth a finding. */
export const MIN_TIMING_FINDING = 0.1;
/** An angle's peak is used for timing only when its range over the reference is at least this. */
const MIN_PEAK_RANGE = 15;

export interface AngleComparison {
  name: string;
  /** Learner − reference per reference frame row (NaN where either has no value). */
  diff: Float64Array;
  meanDiff: number;
  meanAbsDiff: number;
  maxAbsDiff: number;
  /** Where the largest difference is. */
  at: { learner: number; reference: number };
}

export interface PhaseComparison {
  index: number;
  /** Share of the reference motion, 0-100 %. */
  fromPct: number;
  toPct: number;
  reference: { start: number; end: number };
  learner: { start: number; end: number };
  /** The angle whose mean |difference| is largest in the phase. */
  worst: { name: string; meanDiff: number } | null;
}

export interface TimingComparison {
  name: string;
  /** When the angle peaks, as a share (0-1) of each side's motion. */
  reference: number;
  learner: number;
  /** (learner − reference share) × the learner's motion duration (s): positive = later. */
  delta: number;
  frames: { learner: number; reference: number };
}

export interface Finding {
  kind: 'angle' | 'timing' | 'duration';
  text: string;
  /** The frames to look at. */
  learnerFrame: number;
  referenceFrame: number;
  /** For ordering: degrees / 10 for angles, seconds / 0.1 for timing. */
  weight: number;
}

export interface CoachingReport {
  duration: { learner: number; reference: number };
  angles: AngleComparison[];
  phases: PhaseComparison[];
  timing: TimingComparison[];
  findings: Finding[];
}

/** How a difference in this angle reads: [more, less]. */
function wording(name: string): { joint: string; more: string; less: string } | null {
  const m = /^(left|right)_(hip|knee|ankle|shoulder|elbow)_(flexion|dorsiflexion)$/.exec(name);
  if (m) {
    const joint = `${m[1]} ${m[2]}`;
    if (m[2] === 'knee' || m[2] === 'elbow') return { joint, more: 'more bent', less: 'straighter' };
    if (m[2] === 'ankle') return { joint, more: 'more dorsiflexed', less: 'more plantarflexed' };
    if (m[2] === 'shoulder')
      return { joint: `${m[1]} arm`, more: 'raised further forward', less: 'held further back' };
    return { joint, more: 'more flexed', less: 'more extended' };
  }
  if (name === 'trunk_lean') return { joint: 'trunk', more: 'leaning further forward', less: 'more upright' };
  if (name === 'pelvis_tilt')
    return { joint: 'pelvis', more: 'tilted further forward', less: 'tilted further back' };
  return null;
}

const label = (name: string) => wording(name)?.joint ?? name.replace(/_/g, ' ');

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

const phaseWords = ['at the start', 'early on', 'in the middle', 'late', 'at the end'];

export function compareMotions(
  learner: KinematicsReport,
  reference: KinematicsReport,
  alignment: TrackAlignment,
): CoachingReport {
  const refFrames = alignment.referenceFrames;
  const m = refFrames.length;
  const toLearner = alignment.referenceToLearner;
  const valueAt = (r: KinematicsReport, name: string, frame: number) => {
    const a = r.angles.find((x) => x.name === name);
    const i = frame - r.firstFrame;
    return a && i >= 0 && i < a.filtered.length ? a.filtered[i] : NaN;
  };
  // Joint angles a coach talks about (segment angles move with them and would double-count).
  const names = reference.angles
    .map((a) => a.name)
    .filter((n) => wording(n) !== null && learner.angles.some((a) => a.name === n));

  const angles: AngleComparison[] = names.map((name) => {
    const diff = new Float64Array(m);
    let best = -1;
    for (let row = 0; row < m; row++) {
      diff[row] = valueAt(learner, name, toLearner[row]) - valueAt(reference, name, refFrames[row]);
      if (Number.isFinite(diff[row]) && (best < 0 || Math.abs(diff[row]) > Math.abs(diff[best]))) best = row;
    }
    const finite = Array.from(diff).filter(Number.isFinite);
    return {
      name,
      diff,
      meanDiff: mean(finite),
      meanAbsDiff: mean(finite.map(Math.abs)),
      maxAbsDiff: best >= 0 ? Math.abs(diff[best]) : NaN,
      at: { learner: best >= 0 ? toLearner[best] : -1, reference: best >= 0 ? refFrames[best] : -1 },
    };
  });

  const findings: Finding[] = [];
  const phases: PhaseComparison[] = [];
  const worstPhaseOf = new Map<string, { phase: number; meanDiff: number; row: number }>();
  for (let p = 0; p < PHASES; p++) {
    const lo = Math.floor((p * m) / PHASES);
    const hi = Math.max(lo, Math.floor(((p + 1) * m) / PHASES) - 1);
    let worst: PhaseComparison['worst'] = null;
    for (const a of angles) {
      const part = Array.from(a.diff.subarray(lo, hi + 1)).filter(Number.isFinite);
      if (part.length < Math.max(1, (hi - lo + 1) / 2)) continue; // mostly gaps: no verdict
      const md = mean(part);
      if (!worst || Math.abs(md) > Math.abs(worst.meanDiff)) worst = { name: a.name, meanDiff: md };
      const prev = worstPhaseOf.get(a.name);
      if (!prev || Math.abs(md) > Math.abs(prev.meanDiff)) {
        // The phase's most telling frame: its largest difference.
        let row = lo;
        for (let r = lo; r <= hi; r++)
          if (Number.isFinite(a.diff[r]) && !(Math.abs(a.diff[r]) <= Math.abs(a.diff[row]))) row = r;
        worstPhaseOf.set(a.name, { phase: p, meanDiff: md, row });
      }
    }
    phases.push({
      index: p,
      fromPct: (100 * p) / PHASES,
      toPct: (100 * (p + 1)) / PHASES,
      reference: { start: refFrames[lo], end: refFrames[hi] },
      learner: { start: toLearner[lo], end: toLearner[hi] },
      worst,
    });
  }
  for (const [name, w] of worstPhaseOf) {
    const words = wording(name);
    if (!words || Math.abs(w.meanDiff) < MIN_ANGLE_FINDING) continue;
    const deg = Math.round(Math.abs(w.meanDiff));
    findings.push({
      kind: 'angle',
      text: `${capitalise(words.joint)} ${deg}° ${w.meanDiff > 0 ? words.more : words.less} than the reference ${phaseWords[Math.min(w.phase, phaseWords.length - 1)]} (${Math.round((100 * w.phase) / PHASES)}–${Math.round((100 * (w.phase + 1)) / PHASES)} % of the motion).`,
      learnerFrame: toLearner[w.row],
      referenceFrame: refFrames[w.row],
      weight: Math.abs(w.meanDiff) / 10,
    });
  }

  // Timing: each angle's peak, counted from each side's motion start.
  const refStart = refFrames[0];
  const learnStart = toLearner[0];
  const learnEnd = toLearner[m - 1];
  const timing: TimingComparison[] = [];
  for (const name of names) {
    let peakRow = -1;
    let lo = Infinity;
    for (let row = 0; row < m; row++) {
      const v = valueAt(reference, name, refFrames[row]);
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      if (peakRow < 0 || v > valueAt(reference, name, refFrames[peakRow])) peakRow = row;
    }
    if (peakRow < 0 || valueAt(reference, name, refFrames[peakRow]) - lo < MIN_PEAK_RANGE) continue;
    // The learner's own peak near the aligned frame (within a quarter of the learner's motion).
    const aligned = toLearner[peakRow];
    const reach = Math.max(2, Math.round((learnEnd - learnStart) / 4));
    let lp = -1;
    for (let f = Math.max(learnStart, aligned - reach); f <= Math.min(learnEnd, aligned + reach); f++) {
      const v = valueAt(learner, name, f);
      if (Number.isFinite(v) && (lp < 0 || v > valueAt(learner, name, lp))) lp = f;
    }
    if (lp < 0) continue;
    const r = (refFrames[peakRow] - refStart) / Math.max(1, refFrames[m - 1] - refStart);
    const l = (lp - learnStart) / Math.max(1, learnEnd - learnStart);
    timing.push({
      name,
      reference: r,
      learner: l,
      delta: ((l - r) * (learnEnd - learnStart + 1)) / learner.fps,
      frames: { learner: lp, reference: refFrames[peakRow] },
    });
  }
  for (const t of timing) {
    if (Math.abs(t.delta) < MIN_TIMING_FINDING || !wording(t.name)) continue;
    findings.push({
      kind: 'timing',
      text: `${capitalise(label(t.name))} reaches its peak ${Math.abs(t.delta).toFixed(1)} s ${t.delta > 0 ? 'later' : 'earlier'} in the motion (at ${Math.round(100 * t.learner)} % of it; reference ${Math.round(100 * t.reference)} %).`,
      learnerFrame: t.frames.learner,
      referenceFrame: t.frames.reference,
      weight: Math.abs(t.delta) / MIN_TIMING_FINDING,
    });
  }

  const duration = {
    learner: (learnEnd - learnStart + 1) / learner.fps,
    reference: (refFrames[m - 1] - refStart + 1) / reference.fps,
  };
  const ratio = duration.learner / duration.reference;
  if (Math.abs(ratio - 1) >= 0.1)
    findings.push({
      kind: 'duration',
      text: `The whole motion takes ${duration.learner.toFixed(2)} s, ${Math.round(Math.abs(ratio - 1) * 100)} % ${ratio > 1 ? 'longer' : 'shorter'} than the reference (${duration.reference.toFixed(2)} s).`,
      learnerFrame: learnStart,
      referenceFrame: refStart,
      weight: Math.abs(ratio - 1) * 10,
    });
  findings.sort((a, b) => b.weight - a.weight);
  return { duration, angles, phases, timing, findings };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
