/**
 * `kinema recognize [--features F] [--method knn-dtw|linear] [--k N]`,
 * `kinema recognize --retrieve <clip> [--top N]` and `kinema detect-actions --label L [--video ID]
 * [--threshold X]` (issue 8). Bad arguments throw KinemaError, which the CLI prints as
 * `kinema: error: <message>`.
 */
import { KinemaError } from '../../shared/contract';
import type { RequestInput, RequestOutput } from '../../shared/contract';
import {
  ACTION_FEATURE_KINDS,
  RECOGNITION_METHODS,
  type RecognitionMethod,
} from '../../shared/contract-actions';
import { detectActions, recognizeActions, retrieveSimilar } from '../analysis/actions';
import type { Workstation } from '../workstation';

export interface ActionArgs {
  features?: string;
  method?: string;
  k?: string;
  retrieve?: string;
  top?: string;
  label?: string;
  video?: string;
  threshold?: string;
  json?: boolean;
}

/** `--features bones,angles` (pose features) or `--features vipe|tcc:NAME|…` (a stored embedding). */
export function parseActionFeatures(
  value: string | undefined,
): Pick<RequestInput<'actions.recognize'>, 'features' | 'embedding'> {
  if (value === undefined) return {};
  const parts = value.split(',').map((p) => p.trim());
  const kinds = parts.filter((p) => (ACTION_FEATURE_KINDS as readonly string[]).includes(p));
  if (kinds.length === parts.length) return { features: kinds as (typeof ACTION_FEATURE_KINDS)[number][] };
  if (parts.length === 1 && /^[\w.:-]{1,100}$/.test(parts[0])) return { embedding: parts[0] };
  throw new KinemaError(
    'BAD_ARGS',
    `--features: "${value}" is neither pose features (${ACTION_FEATURE_KINDS.join(', ')}) nor one embedding series (e.g. vipe or tcc:<model>).`,
  );
}

function parseMethod(value: string | undefined): RecognitionMethod | undefined {
  if (value === undefined) return undefined;
  if ((RECOGNITION_METHODS as readonly string[]).includes(value)) return value as RecognitionMethod;
  throw new KinemaError(
    'BAD_ARGS',
    `--method must be ${RECOGNITION_METHODS.join(' or ')} (k-NN over DTW distances, or the linear classifier), got "${value}"`,
  );
}

function wholeNumber(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new KinemaError('BAD_ARGS', `--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const range = (inFrame: number, outFrame: number) => `${inFrame}–${outFrame - 1}`;

function printNotes(notes: readonly string[]): void {
  for (const n of notes) console.log(`Note: ${n}`);
}

/** The confusion matrix as a text table: truth down, predicted across. */
export function confusionTable(labels: readonly string[], counts: readonly (readonly number[])[]): string {
  const width = Math.max(5, ...labels.map((l) => l.length)) + 2;
  const head = `${'truth \\ predicted'.padEnd(width + 6)}${labels.map((l) => l.padStart(width)).join('')}`;
  const rows = labels.map(
    (l, i) => `${l.padEnd(width + 6)}${counts[i].map((c) => String(c).padStart(width)).join('')}`,
  );
  return [head, ...rows].join('\n');
}

type RecognizedClip = RequestOutput<'actions.recognize'>['predictions'][number];

/** Why the clip got its label: k-NN's distance and nearest clip, or the classifier's probability. */
function evidence(p: RecognizedClip, nearestToo: boolean): string {
  if (p.confidence !== null) {
    const runnerUp = p.probabilities[1];
    return `probability ${p.confidence.toFixed(3)}${runnerUp ? `  (next: "${runnerUp.label}" ${runnerUp.probability.toFixed(3)})` : ''}`;
  }
  const nearest = p.neighbours[0];
  return `distance ${(p.distance ?? NaN).toFixed(3)}${nearest && nearestToo ? `  (nearest: clip ${nearest.clipId} "${nearest.label}")` : ''}`;
}

function printRecognition(r: RequestOutput<'actions.recognize'>): void {
  console.log(
    `Features: ${r.features}; ${r.method === 'linear' ? 'linear classifier (softmax over pooled clip features)' : `${r.k}-NN by DTW distance`}`,
  );
  printNotes(r.notes);
  if (r.predictions.length) {
    console.log(`\nPredictions for ${r.predictions.length} unlabelled clip(s):`);
    for (const p of r.predictions)
      console.log(
        `  clip ${p.clipId} (${p.fileName} ${range(p.inFrame, p.outFrame)}): ${p.predicted}  ${evidence(p, true)}`,
      );
  } else console.log('\nNo unlabelled clip to classify: every clip has a label.');
  const e = r.evaluation;
  if (!e) {
    console.log('\nLeave-one-out needs at least two labelled clips with poses.');
    return;
  }
  console.log(`\nLeave-one-out over ${e.predictions.length} labelled clips:`);
  for (const p of e.predictions)
    console.log(
      `  clip ${p.clipId} (${p.fileName} ${range(p.inFrame, p.outFrame)}): ${p.truth} → ${p.predicted}${p.truth === p.predicted ? '' : '  ✗'}  ${evidence(p, false)}`,
    );
  console.log(
    `Accuracy: ${pct(e.accuracy)} (${e.predictions.filter((p) => p.truth === p.predicted).length}/${e.predictions.length})`,
  );
  console.log(`\nConfusion matrix:\n${confusionTable(e.labels, e.counts)}`);
}

function printRetrieval(r: RequestOutput<'actions.retrieve'>): void {
  const q = r.query;
  console.log(
    `Moments like ${q.clipId !== null ? `clip ${q.clipId}` : 'the range'} (video ${q.videoId} frames ${range(q.inFrame, q.outFrame)}); features: ${r.features}`,
  );
  printNotes(r.notes);
  if (!r.results.length) console.log('No other moment found (no other video or track with poses?).');
  r.results.forEach((m, i) =>
    console.log(
      `  ${String(i + 1).padStart(2)}. ${m.fileName} (video ${m.videoId}) frames ${range(m.inFrame, m.outFrame)}  cost ${m.cost.toFixed(3)}${m.clips.length ? `  in ${m.clips.map((c) => `clip ${c.clipId} "${c.name}"`).join(', ')}` : ''}`,
    ),
  );
}

function printDetection(r: RequestOutput<'actions.detect'>): void {
  console.log(
    `Detecting "${r.label}" with ${r.templates.length} labelled clip(s) in ${r.videos.length} video(s); features: ${r.features}; threshold ${r.threshold} (relative cost)`,
  );
  printNotes(r.notes);
  console.log(`\n${r.occurrences.length} occurrence(s):`);
  for (const o of r.occurrences)
    console.log(
      `  ${o.fileName} (video ${o.videoId}) frames ${range(o.inFrame, o.outFrame)}  cost ${o.cost.toFixed(3)}  ${o.matchedClipId !== null ? `= clip ${o.matchedClipId}` : 'no labelled occurrence here'}`,
    );
  const missed = r.truths.filter((t) => !t.found);
  for (const t of missed)
    console.log(`  missed: clip ${t.clipId} (${t.fileName} frames ${range(t.inFrame, t.outFrame)})`);
  console.log(
    `\nPrecision ${pct(r.precision)}, recall ${pct(r.recall)}, F1 ${r.f1.toFixed(3)} against ${r.truths.length} labelled occurrence(s) (a detection counts at temporal IoU ≥ ${r.iou}; a clip never detects itself)`,
  );
}

export function recognizeCommand(ws: Workstation, a: ActionArgs): void {
  const features = parseActionFeatures(a.features);
  if (a.retrieve !== undefined) {
    const clipId = wholeNumber(a.retrieve, 'retrieve', 1)!;
    const r = retrieveSimilar(ws.db, { ...features, clipId, top: wholeNumber(a.top, 'top', 1) });
    if (a.json) console.log(JSON.stringify(r, null, 2));
    else printRetrieval(r);
    return;
  }
  const r = recognizeActions(ws.db, {
    ...features,
    method: parseMethod(a.method),
    k: wholeNumber(a.k, 'k', 1),
  });
  if (a.json) console.log(JSON.stringify(r, null, 2));
  else printRecognition(r);
}

export function detectActionsCommand(ws: Workstation, a: ActionArgs): void {
  if (!a.label?.trim())
    throw new KinemaError('BAD_ARGS', '--label is required: the action (clip label) to detect');
  let threshold: number | undefined;
  if (a.threshold !== undefined) {
    threshold = Number(a.threshold);
    if (!(Number.isFinite(threshold) && threshold > 0 && threshold <= 10))
      throw new KinemaError(
        'BAD_ARGS',
        `--threshold must be a relative cost above 0 (up to 10), got "${a.threshold}"`,
      );
  }
  const r = detectActions(ws.db, {
    ...parseActionFeatures(a.features),
    label: a.label,
    videoId: wholeNumber(a.video, 'video', 1),
    threshold,
  });
  if (a.json) console.log(JSON.stringify(r, null, 2));
  else printDetection(r);
}
