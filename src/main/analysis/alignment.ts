/**
 * Aligning a learner's track to a reference's for the API and the CLI: loads both tracks,
 * aligns them (shared/alignment/align-tracks.ts), computes both sides' kinematics and the coaching
 * comparison, and hands the result over as contract data, or writes the shareable HTML report
 * (findings with the two key frames side by side, the warping path, angle curves on the
 * reference's time axis).
 */
import { basename, dirname, extname, join } from 'node:path';
import type { AlignResult, RequestInput } from '../../shared/contract';
import { KinemaError } from '../../shared/errors';
import {
  alignTracks,
  compareMotions,
  type AlignTracksOptions,
  type CoachingReport,
  type Feature2dKind,
  type TrackAlignment,
} from '../../shared/alignment';
import { trackKinematics, type KinematicsReport } from '../../shared/kinematics';
import type { PoseTrack } from '../../shared/pose';
import { getSkeleton } from '../../shared/skeletons';
import type { Db } from '../db/connection';
import * as posesDb from '../db/poses';
import { getVideo } from '../db/videos';
import { writeFileAtomic } from '../formats/io';
import { escapeHtml, lineChart } from './charts';

export type AlignRequest = RequestInput<'align.compute'>;
type Side = AlignRequest['learner'];

export interface AlignmentOutcome {
  alignment: TrackAlignment;
  learner: SideInfo;
  reference: SideInfo;
  kinematics: { learner: KinematicsReport; reference: KinematicsReport } | null;
  coaching: CoachingReport | null;
  coachingError: string | null;
}

interface SideInfo {
  videoId: number;
  fileName: string;
  path: string;
  fps: number;
  width: number;
  height: number;
  track: PoseTrack;
}

function loadSide(db: Db, side: Side, what: string): SideInfo {
  const { run, tracks } = posesDb.loadRunTracks(db, side.runId);
  const track = tracks.find((t) => t.trackId === side.trackId);
  if (!track)
    throw new KinemaError(
      'NOT_FOUND',
      `The ${what}'s run ${side.runId} has no track ${side.trackId} (tracks: ${tracks.map((t) => t.trackId).join(', ') || 'none'}).`,
    );
  if (side.inFrame !== undefined && side.outFrame !== undefined && side.outFrame <= side.inFrame)
    throw new KinemaError(
      'BAD_RANGE',
      `The ${what}'s range is empty: out (${side.outFrame}) must be after in (${side.inFrame}).`,
    );
  const video = getVideo(db, run.videoId);
  if (!(video.fps > 0)) throw new KinemaError('NO_FRAME_RATE', `${video.fileName} has no known frame rate.`);
  return {
    videoId: video.id,
    fileName: video.fileName,
    path: video.path,
    fps: video.fps,
    width: video.width,
    height: video.height,
    track,
  };
}

/**
 * `sequences`: per-frame vectors of both sides when the features name a trained encoder
 * (`tcc:<name>`; analysis/tcc.ts tccSequences computes them, asynchronously).
 */
export function computeAlignment(
  db: Db,
  input: AlignRequest,
  sequences?: AlignTracksOptions['sequences'],
): AlignmentOutcome {
  const learner = loadSide(db, input.learner, 'learner');
  const reference = loadSide(db, input.reference, 'reference');
  const trained = input.features?.find((f) => f.startsWith('tcc:') || f === 'lifted3d');
  if (trained && !sequences)
    throw new KinemaError(
      'BAD_INPUT',
      `The ${trained} embeddings of both sides are needed to align with them.`,
    );
  let alignment: TrackAlignment;
  try {
    alignment = alignTracks(
      { track: learner.track, inFrame: input.learner.inFrame, outFrame: input.learner.outFrame },
      { track: reference.track, inFrame: input.reference.inFrame, outFrame: input.reference.outFrame },
      {
        ...(sequences ? { sequences } : { features: input.features as Feature2dKind[] | undefined }),
        distance: input.distance,
        band: input.band,
        mode: input.mode,
      },
    );
  } catch (err) {
    throw err instanceof KinemaError ? err : new KinemaError('ALIGN_FAILED', (err as Error).message);
  }
  let kinematics: AlignmentOutcome['kinematics'] = null;
  let coaching: CoachingReport | null = null;
  let coachingError: string | null = null;
  try {
    kinematics = {
      learner: trackKinematics(learner.track, {
        fps: learner.fps,
        inFrame: alignment.learnerStart,
        outFrame: alignment.learnerEnd + 1,
      }),
      reference: trackKinematics(reference.track, {
        fps: reference.fps,
        inFrame: alignment.referenceFrames[0],
        outFrame: (alignment.referenceFrames.at(-1) ?? 0) + 1,
      }),
    };
    coaching = compareMotions(kinematics.learner, kinematics.reference, alignment);
  } catch (err) {
    coachingError = `No coaching comparison: ${(err as Error).message}`;
  }
  return { alignment, learner, reference, kinematics, coaching, coachingError };
}

const i32bytes = (a: Int32Array) =>
  new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength).slice();
const f32bytes = (a: Float64Array) => new Uint8Array(Float32Array.from(a).buffer);
const orNull = (v: number) => (Number.isFinite(v) ? v : null);

export function alignResult(
  db: Db,
  input: AlignRequest,
  sequences?: AlignTracksOptions['sequences'],
): AlignResult {
  const o = computeAlignment(db, input, sequences);
  const a = o.alignment;
  return {
    mode: a.mode,
    learnerVideoId: o.learner.videoId,
    referenceVideoId: o.reference.videoId,
    pathLearner: i32bytes(a.path.learner),
    pathReference: i32bytes(a.path.reference),
    learnerToReference: i32bytes(a.learnerToReference),
    referenceToLearner: i32bytes(a.referenceToLearner),
    learnerStart: a.learnerStart,
    learnerEnd: a.learnerEnd,
    referenceStart: a.referenceFrames[0],
    referenceEnd: a.referenceFrames.at(-1) ?? a.referenceFrames[0],
    cost: a.cost,
    normalizedCost: a.normalizedCost,
    featureTau: orNull(a.featureTau),
    features: a.features,
    coaching: o.coaching && {
      duration: o.coaching.duration,
      angles: o.coaching.angles.map((x) => ({
        name: x.name,
        meanDiff: orNull(x.meanDiff),
        meanAbsDiff: orNull(x.meanAbsDiff),
        maxAbsDiff: orNull(x.maxAbsDiff),
        at: x.at,
        diff: f32bytes(x.diff),
      })),
      phases: o.coaching.phases,
      findings: o.coaching.findings.map(({ kind, text, learnerFrame, referenceFrame }) => ({
        kind,
        text,
        learnerFrame,
        referenceFrame,
      })),
    },
    coachingError: o.coachingError,
  };
}

// ---- the HTML report -----------------------------------------------------------------------------

/** JPEG of a video frame (the workstation's frame server). */
export type FrameSource = (videoId: number, frame: number) => Promise<Uint8Array>;

/** Angle curves on the reference's time axis: reference solid, learner (through the warp) dashed. */
function angleSvg(o: AlignmentOutcome, name: string): string {
  const k = o.kinematics;
  if (!k) return '';
  const ref = k.reference.angles.find((a) => a.name === name);
  const learn = k.learner.angles.find((a) => a.name === name);
  if (!ref || !learn) return '';
  const frames = o.alignment.referenceFrames;
  return lineChart(
    [
      {
        label: 'reference',
        values: Array.from(frames, (f) => ref.filtered[f - k.reference.firstFrame]),
        color: '#1f77b4',
      },
      {
        label: 'learner at the aligned frames',
        values: Array.from(o.alignment.referenceToLearner, (f) => learn.filtered[f - k.learner.firstFrame]),
        color: '#d62728',
        dash: '5 3',
      },
    ],
    {
      xStart: frames[0],
      xLabel: 'reference frames',
      yUnit: '°',
      width: 560,
      height: 200,
      caption: `${name.replace(/_/g, ' ')} (°)`,
    },
  );
}

function pathSvg(o: AlignmentOutcome): string {
  const { path, learnerStart, learnerEnd, referenceFrames } = o.alignment;
  const r0 = referenceFrames[0];
  const r1 = referenceFrames.at(-1) ?? r0;
  const S = 240;
  const pad = 30;
  const x = (f: number) => pad + ((f - r0) / Math.max(1, r1 - r0)) * (S - 2 * pad);
  const y = (f: number) =>
    S - pad - ((f - learnerStart) / Math.max(1, learnerEnd - learnerStart)) * (S - 2 * pad);
  const d = Array.from(
    path.reference,
    (r, t) => `${t ? 'L' : 'M'}${x(r).toFixed(1)},${y(path.learner[t]).toFixed(1)}`,
  ).join('');
  return `<figure><svg width="${S}" height="${S}" font-size="10" font-family="sans-serif">
<rect x="${pad}" y="${pad}" width="${S - 2 * pad}" height="${S - 2 * pad}" fill="none" stroke="#999"/>
<line x1="${x(r0)}" y1="${y(learnerStart)}" x2="${x(r1)}" y2="${y(learnerEnd)}" stroke="#ccc" stroke-dasharray="3 3"/>
<path d="${d}" fill="none" stroke="#333" stroke-width="1.5"/>
<text x="${S / 2}" y="${S - 8}" text-anchor="middle">reference ${r0}–${r1}</text>
<text x="10" y="${S / 2}" transform="rotate(-90 10 ${S / 2})" text-anchor="middle">learner ${learnerStart}–${learnerEnd}</text></svg>
<figcaption>Warping path (diagonal = same tempo)</figcaption></figure>`;
}

/** The track's skeleton at a frame as SVG lines over the picture (video pixels as the viewBox). */
function skeletonSvg(side: SideInfo, frame: number, colour: string): string {
  const t = side.track;
  const row = t.frames.indexOf(frame);
  if (row < 0) return '';
  const sk = getSkeleton(t.skeletonId);
  const k = sk.joints.length;
  const kp = t.keypoints.subarray(row * k * 3, (row + 1) * k * 3);
  const ok = (j: number) => kp[j * 3 + 2] >= 0.3;
  const stroke = Math.max(2, side.height / 200);
  const lines = sk.links
    .filter(([a, b]) => ok(a) && ok(b))
    .map(
      ([a, b]) =>
        `<line x1="${kp[a * 3].toFixed(1)}" y1="${kp[a * 3 + 1].toFixed(1)}" x2="${kp[b * 3].toFixed(1)}" y2="${kp[b * 3 + 1].toFixed(1)}"/>`,
    )
    .join('');
  return `<svg class="pose" viewBox="0 0 ${side.width} ${side.height}" preserveAspectRatio="none" stroke="${colour}" stroke-width="${stroke}" stroke-linecap="round">${lines}</svg>`;
}

export async function alignReportHtml(o: AlignmentOutcome, frameJpeg: FrameSource): Promise<string> {
  const a = o.alignment;
  const img = async (videoId: number, frame: number) =>
    `data:image/jpeg;base64,${Buffer.from(await frameJpeg(videoId, frame)).toString('base64')}`;
  const picture = async (side: SideInfo, frame: number, who: string, colour: string) =>
    `<figure><div class="frame"><img src="${await img(side.videoId, frame)}" alt="${who} frame ${frame}">${skeletonSvg(side, frame, colour)}</div><figcaption>${who}, frame ${frame}</figcaption></figure>`;
  const findings = o.coaching?.findings ?? [];
  const cards: string[] = [];
  for (const f of findings.slice(0, 8)) {
    cards.push(`<section class="finding"><p>${escapeHtml(f.text)}</p><div class="pair">
${await picture(o.learner, f.learnerFrame, 'Learner', '#d62728')}
${await picture(o.reference, f.referenceFrame, 'Reference', '#1f77b4')}
</div></section>`);
  }
  const plotted = new Set<string>(
    (o.coaching?.angles ?? [])
      .filter((x) => Number.isFinite(x.meanAbsDiff))
      .sort((p, q) => q.meanAbsDiff - p.meanAbsDiff)
      .slice(0, 4)
      .map((x) => x.name),
  );
  const phases = (o.coaching?.phases ?? [])
    .map(
      (p) =>
        `<tr><td>${p.fromPct.toFixed(0)}–${p.toPct.toFixed(0)} %</td><td>${p.reference.start}–${p.reference.end}</td><td>${p.learner.start}–${p.learner.end}</td><td>${p.worst ? `${escapeHtml(p.worst.name.replace(/_/g, ' '))} ${p.worst.meanDiff > 0 ? '+' : ''}${p.worst.meanDiff.toFixed(1)}°` : '—'}</td></tr>`,
    )
    .join('');
  const dur = o.coaching?.duration;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kinema alignment report</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}h1{font-size:1.4em}
.pair{display:flex;gap:12px}.pair figure{margin:0;flex:1}.frame{position:relative}.pair img{width:100%;display:block;border:1px solid #ccc}
.pose{position:absolute;inset:0;width:100%;height:100%;opacity:.85}
.finding{border-top:1px solid #ddd;padding-top:.5em;margin-top:1em}.finding p{font-weight:600}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.plots{display:flex;flex-wrap:wrap;gap:8px}
@media print{.finding{break-inside:avoid}}</style></head><body>
<h1>${escapeHtml(o.learner.fileName)} compared with ${escapeHtml(o.reference.fileName)}</h1>
<p>Learner frames ${a.learnerStart}–${a.learnerEnd}${dur ? ` (${dur.learner.toFixed(2)} s)` : ''}; reference frames ${a.referenceFrames[0]}–${a.referenceFrames.at(-1)}${dur ? ` (${dur.reference.toFixed(2)} s)` : ''}.
Aligned by ${a.mode === 'subsequence' ? 'finding the reference motion inside the learner video' : 'dynamic time warping'} on ${a.features.join(' + ')} features; mean cost along the path ${a.normalizedCost.toFixed(3)}.</p>
<h2>Findings</h2>${findings.length ? cards.join('\n') : `<p>${escapeHtml(o.coachingError ?? 'No difference large enough to report (angles within 5°, timing within 0.1 s, duration within 10 %).')}</p>`}
<h2>Phases</h2><table><tr><th>Share of the motion</th><th>Reference frames</th><th>Learner frames</th><th>Largest angle difference (learner − reference)</th></tr>${phases}</table>
<h2>Curves</h2><div class="plots">${pathSvg(o)}${[...plotted].map((n) => angleSvg(o, n)).join('')}</div>
<p style="color:#888;font-size:.8em">Made by Kinema. Angles in degrees, flexion positive; see the README for the conventions.</p>
</body></html>
`;
}

export async function writeAlignReport(
  db: Db,
  input: RequestInput<'align.report'>,
  frameJpeg: FrameSource,
  sequences?: AlignTracksOptions['sequences'],
): Promise<string> {
  const { outPath, ...request } = input;
  const o = computeAlignment(db, request, sequences);
  const path =
    outPath ??
    join(
      dirname(o.learner.path),
      `${basename(o.learner.fileName, extname(o.learner.fileName))} vs ${basename(o.reference.fileName, extname(o.reference.fileName))} - report.html`,
    );
  writeFileAtomic(path, await alignReportHtml(o, frameJpeg));
  return path;
}
