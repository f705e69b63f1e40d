/**
 * Finding a motion inside long videos: retrieval (a query moment → ranked similar moments across
 * the project's videos) and detection (every occurrence of a labelled action, with precision and
 * recall against the labelled occurrences). Both run subsequence DTW of a query (or template)
 * over each video's per-frame features. Pure: no I/O.
 *
 * Scores. A match's cost is its mean local cost along the DTW path, divided by the mean local
 * cost between any frame of the query and any frame of that video (sampled on a grid): the
 * RELATIVE cost, 0 for an identical motion and about 1 for frames that have nothing to do with
 * the query. It does not depend on the scale of the features, so one threshold works for pose
 * features and embeddings alike.
 *
 * Non-maximum suppression: subsequence DTW picks the best-ending matches greedily, never two whose
 * frame ranges overlap; across queries (detection's several templates) a match is dropped when it
 * covers at least half of the shorter of it and a better match already kept.
 *
 * Evaluation (detection): a detection is a true positive when its temporal IoU with a labelled
 * occurrence not yet matched is at least `iou` (default 0.5), taking detections best first.
 */
import { frameCost, subsequenceDtw, type DtwDistance } from '../alignment/dtw';
import { rowsOf, type ActionSequence } from './recognize';

/** A video's per-frame features: row r is video frame firstFrame + r. */
export interface VideoSeries<Key = number> {
  key: Key;
  sequence: ActionSequence;
  firstFrame: number;
}

export interface MomentMatch<Key = number> {
  key: Key;
  /** Video frames, half-open [inFrame, outFrame). */
  inFrame: number;
  outFrame: number;
  /** Relative cost (see the module comment): lower = more alike. */
  cost: number;
  /** Mean local cost along the path, in the features' own units. */
  rawCost: number;
}

/** Half-open frame ranges. */
export interface FrameRange {
  inFrame: number;
  outFrame: number;
}

export function overlapFrames(a: FrameRange, b: FrameRange): number {
  return Math.max(0, Math.min(a.outFrame, b.outFrame) - Math.max(a.inFrame, b.inFrame));
}

/** Temporal intersection over union of two half-open ranges. */
export function temporalIou(a: FrameRange, b: FrameRange): number {
  const inter = overlapFrames(a, b);
  const union = a.outFrame - a.inFrame + (b.outFrame - b.inFrame) - inter;
  return union > 0 ? inter / union : 0;
}

/** Mean local cost between frames of `a` and `b` on an even grid of up to 48 × 48 present frames. */
export function baselineCost(
  a: ActionSequence,
  b: ActionSequence,
  distance: DtwDistance = 'euclidean',
): number {
  const present = (s: ActionSequence) => {
    const rows: number[] = [];
    for (let r = 0; r < rowsOf(s); r++) if (Number.isFinite(s.values[r * s.dim])) rows.push(r);
    const step = Math.max(1, rows.length / 48);
    const out: number[] = [];
    for (let t = 0; t < rows.length; t += step) out.push(rows[Math.floor(t)]);
    return out;
  };
  let sum = 0;
  let n = 0;
  const rb = present(b);
  for (const i of present(a))
    for (const j of rb) {
      const c = frameCost(a.values, i, b.values, j, a.dim, distance);
      if (Number.isFinite(c)) {
        sum += c;
        n++;
      }
    }
  return n && sum > 0 ? sum / n : 1;
}

export interface SearchOptions {
  distance?: DtwDistance;
  /** Most matches per video (default: as many as could fit, up to 200). */
  perVideo?: number;
  /** Frames not to report (the query's own place): a match overlapping it is left out. */
  exclude?: { key: unknown; range: FrameRange }[];
}

/** The best non-overlapping matches of `query` in one video, best first. */
export function searchVideo<Key>(
  query: ActionSequence,
  video: VideoSeries<Key>,
  options: SearchOptions = {},
): MomentMatch<Key>[] {
  if (query.dim !== video.sequence.dim)
    throw new Error(
      `The query's features (${query.dim}) and the video's (${video.sequence.dim}) differ in size.`,
    );
  const n = rowsOf(query);
  const m = rowsOf(video.sequence);
  if (n < 2 || m < 2) return [];
  const excluded = (options.exclude ?? []).filter((e) => e.key === video.key);
  const fit = Math.floor(m / Math.max(1, Math.floor(n / 2))) + 1;
  const k = Math.min(200, (options.perVideo ?? fit) + excluded.length);
  const out: MomentMatch<Key>[] = [];
  // The query as given and, where known, mirrored: the better match of the two stands.
  for (const values of query.mirrored ? [query.values, query.mirrored] : [query.values]) {
    const variant = { values, dim: query.dim };
    const r = subsequenceDtw(values, video.sequence.values, query.dim, {
      distance: options.distance,
      k,
      path: false,
    });
    const baseline = baselineCost(variant, video.sequence, options.distance);
    for (const match of r.matches) {
      const range = { inFrame: video.firstFrame + match.start, outFrame: video.firstFrame + match.end + 1 };
      if (excluded.some((e) => overlapFrames(e.range, range) > 0)) continue;
      out.push({
        key: video.key,
        ...range,
        cost: match.normalizedCost / baseline,
        rawCost: match.normalizedCost,
      });
    }
  }
  return query.mirrored ? suppressOverlaps(out).slice(0, k) : out;
}

/** Retrieval: the `top` most similar moments to `query` over every video, best first. */
export function retrieveMoments<Key>(
  query: ActionSequence,
  videos: readonly VideoSeries<Key>[],
  options: SearchOptions & { top?: number } = {},
): MomentMatch<Key>[] {
  const top = options.top ?? 10;
  if (!Number.isInteger(top) || top < 1) throw new Error(`top must be a whole number ≥ 1, got ${top}.`);
  const all = videos.flatMap((v) => searchVideo(query, v, { ...options, perVideo: options.perVideo ?? top }));
  return all.sort((a, b) => a.cost - b.cost).slice(0, top);
}

/** Keeps the best of matches that cover half of the shorter one (see the module comment). */
export function suppressOverlaps<M extends MomentMatch<unknown>>(matches: readonly M[]): M[] {
  const kept: M[] = [];
  for (const m of [...matches].sort((a, b) => a.cost - b.cost)) {
    const clash = kept.some(
      (k) =>
        k.key === m.key &&
        overlapFrames(k, m) >= 0.5 * Math.min(k.outFrame - k.inFrame, m.outFrame - m.inFrame),
    );
    if (!clash) kept.push(m);
  }
  return kept;
}

export interface Template<Id = number, Key = number> {
  id: Id;
  sequence: ActionSequence;
  /** Where the template was cut from: it never detects itself there. */
  key: Key;
  range: FrameRange;
}

export interface Detection<Id = number, Key = number> extends MomentMatch<Key> {
  /** The template that found it. */
  templateId: Id;
}

/**
 * Detection: every place in `videos` where some template matches with a relative cost at most
 * `threshold`, overlaps suppressed, best first.
 */
export function detectOccurrences<Id, Key>(
  templates: readonly Template<Id, Key>[],
  videos: readonly VideoSeries<Key>[],
  options: { threshold: number; distance?: DtwDistance },
): Detection<Id, Key>[] {
  if (!(Number.isFinite(options.threshold) && options.threshold > 0))
    throw new Error(`The threshold must be a relative cost above 0, got ${options.threshold}.`);
  if (!templates.length) throw new Error('No template to detect with.');
  const found: Detection<Id, Key>[] = [];
  for (const t of templates)
    for (const v of videos)
      for (const m of searchVideo(t.sequence, v, {
        distance: options.distance,
        exclude: [{ key: t.key, range: t.range }],
      }))
        if (m.cost <= options.threshold) found.push({ ...m, templateId: t.id });
  return suppressOverlaps(found);
}

export interface DetectionScore<TruthId = number> {
  truePositives: number;
  detections: number;
  occurrences: number;
  precision: number;
  recall: number;
  f1: number;
  /** For each detection (same order), the occurrence it found, or null (a false positive). */
  matched: (TruthId | null)[];
}

/** Precision and recall against labelled occurrences (see the module comment for the criterion). */
export function scoreDetections<Key, TruthId>(
  detections: readonly MomentMatch<Key>[],
  truths: readonly (FrameRange & { key: Key; id: TruthId })[],
  iou = 0.5,
): DetectionScore<TruthId> {
  const used = new Set<number>();
  const order = detections.map((d, i) => ({ d, i })).sort((a, b) => a.d.cost - b.d.cost);
  const matched: (TruthId | null)[] = detections.map(() => null);
  for (const { d, i } of order) {
    let best = -1;
    let bestIou = iou;
    truths.forEach((t, j) => {
      if (used.has(j) || t.key !== d.key) return;
      const v = temporalIou(d, t);
      if (v >= bestIou) {
        best = j;
        bestIou = v;
      }
    });
    if (best >= 0) {
      used.add(best);
      matched[i] = truths[best].id;
    }
  }
  const tp = used.size;
  const precision = detections.length ? tp / detections.length : truths.length ? 0 : 1;
  const recall = truths.length ? tp / truths.length : 1;
  return {
    truePositives: tp,
    detections: detections.length,
    occurrences: truths.length,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    matched,
  };
}
