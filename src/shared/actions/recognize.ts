/**
 * Few-shot action recognition over per-frame features (training-free pose features or any stored
 * embedding): the labelled clips are the support set, a query clip takes the label of its nearest
 * support clips by DTW distance (k-NN; k = 1 is 1-NN), and with known truth the predictions are
 * scored by accuracy and a confusion matrix. Leave-one-out and the confusion matrix take any
 * recogniser: this k-NN or the linear classifier of classifier.ts. Pure: no I/O.
 *
 * Distance between two clips: DTW (symmetric step pattern) over their feature rows, normalised by
 * the path weight (n + m), i.e. the mean local cost along the best alignment — so clips of
 * different lengths and speeds compare fairly. Missing frames (rows of NaN) cost DTW's neutral
 * missing cost.
 */
import { dtw, type DtwDistance } from '../alignment/dtw';

/** rows × dim, row-major; NaN rows where the person is absent. */
export interface ActionSequence {
  values: Float32Array;
  dim: number;
  /**
   * The same motion seen mirrored (2D pose features of the x-flipped poses): an athlete filmed
   * from the other side, or moving the other way. Where given, comparisons take the better of the
   * two, so the direction of travel does not matter.
   */
  mirrored?: Float32Array;
}

export interface ActionItem<Id = number> {
  id: Id;
  /** The action (clip label); null for a clip to classify. */
  label: string | null;
  sequence: ActionSequence;
}

export interface ClipDistanceOptions {
  distance?: DtwDistance;
  /** Sakoe-Chiba band as a fraction of the longer clip; none by default. */
  band?: number;
}

export function rowsOf(s: ActionSequence): number {
  return s.values.length / s.dim;
}

/** DTW distance of two clips: the mean local cost along their best alignment. */
export function clipDistance(
  a: ActionSequence,
  b: ActionSequence,
  options: ClipDistanceOptions = {},
): number {
  if (a.dim !== b.dim)
    throw new Error(`Clip features differ in size (${a.dim} and ${b.dim}): they cannot be compared.`);
  const cost = (values: Float32Array) =>
    dtw(a.values, values, a.dim, {
      distance: options.distance,
      band: options.band !== undefined ? { fraction: options.band } : undefined,
      path: false,
    }).normalizedCost;
  const direct = cost(b.values);
  return b.mirrored ? Math.min(direct, cost(b.mirrored)) : direct;
}

/** distances[q * support.length + s]: every query against every support clip. */
export function distanceMatrix(
  queries: readonly ActionSequence[],
  support: readonly ActionSequence[],
  options: ClipDistanceOptions = {},
): Float64Array {
  const out = new Float64Array(queries.length * support.length);
  for (let q = 0; q < queries.length; q++)
    for (let s = 0; s < support.length; s++)
      out[q * support.length + s] =
        queries[q] === support[s] ? 0 : clipDistance(queries[q], support[s], options);
  return out;
}

/** What every recogniser answers per query clip: enough for accuracy and the confusion matrix. */
export interface LabelPrediction<Id = number> {
  id: Id;
  /** The clip's own label (null when it has none). */
  truth: string | null;
  predicted: string;
}

export interface Neighbour<Id = number> {
  id: Id;
  label: string;
  distance: number;
}

export interface Prediction<Id = number> extends LabelPrediction<Id> {
  /** Distance to the nearest support clip with the predicted label. */
  distance: number;
  /** Votes of the predicted label among the k nearest. */
  votes: number;
  /** The k nearest support clips, nearest first. */
  neighbours: Neighbour<Id>[];
}

/**
 * The label the k nearest neighbours vote for: the most votes; a tie goes to the label whose
 * voters are nearer in total (so 1-NN decides between two single votes).
 */
export function vote<Id>(neighbours: readonly Neighbour<Id>[]): {
  label: string;
  votes: number;
  distance: number;
} {
  if (!neighbours.length) throw new Error('No neighbours to vote.');
  const tally = new Map<string, { votes: number; sum: number; nearest: number }>();
  for (const n of neighbours) {
    const t = tally.get(n.label) ?? { votes: 0, sum: 0, nearest: Infinity };
    t.votes++;
    t.sum += n.distance;
    t.nearest = Math.min(t.nearest, n.distance);
    tally.set(n.label, t);
  }
  let best: [string, { votes: number; sum: number; nearest: number }] | null = null;
  for (const entry of tally)
    if (
      !best ||
      entry[1].votes > best[1].votes ||
      (entry[1].votes === best[1].votes && entry[1].sum < best[1].sum)
    )
      best = entry;
  return { label: best![0], votes: best![1].votes, distance: best![1].nearest };
}

function predictFrom<Id>(
  query: ActionItem<Id>,
  support: readonly ActionItem<Id>[],
  distances: ArrayLike<number>,
  k: number,
): Prediction<Id> {
  const order = support.map((s, i) => ({ s, d: distances[i] })).sort((x, y) => x.d - y.d);
  const neighbours = order.slice(0, k).map(({ s, d }) => ({ id: s.id, label: s.label!, distance: d }));
  const v = vote(neighbours);
  return {
    id: query.id,
    truth: query.label,
    predicted: v.label,
    distance: v.distance,
    votes: v.votes,
    neighbours,
  };
}

function checkSupport<Id>(support: readonly ActionItem<Id>[], k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a whole number ≥ 1, got ${k}.`);
  if (!support.length) throw new Error('No labelled clip to learn from: label a few clips per action.');
  if (support.some((s) => !s.label)) throw new Error('Every support clip needs a label.');
}

/** k-NN predictions for `queries` from the labelled `support` clips. */
export function classify<Id>(
  support: readonly ActionItem<Id>[],
  queries: readonly ActionItem<Id>[],
  options: ClipDistanceOptions & { k?: number } = {},
): Prediction<Id>[] {
  const k = options.k ?? 1;
  checkSupport(support, k);
  const d = distanceMatrix(
    queries.map((q) => q.sequence),
    support.map((s) => s.sequence),
    options,
  );
  return queries.map((q, i) =>
    predictFrom(q, support, d.subarray(i * support.length, (i + 1) * support.length), k),
  );
}

/**
 * A recogniser: labels the queries from the labelled support clips (k-NN over DTW distances, or
 * the linear classifier of classifier.ts). Leave-one-out and the confusion matrix take any.
 */
export type ClipClassifier<Id, P extends LabelPrediction<Id>> = (
  support: readonly ActionItem<Id>[],
  queries: readonly ActionItem<Id>[],
) => P[];

/** k-NN by DTW distance as a ClipClassifier. */
export function knnClassifier<Id>(
  options: ClipDistanceOptions & { k?: number } = {},
): ClipClassifier<Id, Prediction<Id>> {
  return (support, queries) => classify(support, queries, options);
}

/**
 * Leave-one-out over the labelled clips: each is classified by a classifier given all the others
 * (so it never sees itself). Needs at least two labelled clips.
 */
export function leaveOneOut<Id, P extends LabelPrediction<Id>>(
  labelled: readonly ActionItem<Id>[],
  classifier: ClipClassifier<Id, P>,
): P[] {
  if (!labelled.length) throw new Error('No labelled clip to learn from: label a few clips per action.');
  if (labelled.some((s) => !s.label)) throw new Error('Every support clip needs a label.');
  if (labelled.length < 2) throw new Error('Leave-one-out needs at least two labelled clips.');
  return labelled.map((q, i) => classifier([...labelled.slice(0, i), ...labelled.slice(i + 1)], [q])[0]);
}

export interface ConfusionMatrix {
  /** Row and column labels (truth rows, predicted columns), sorted. */
  labels: string[];
  /** counts[truth][predicted]. */
  counts: number[][];
  accuracy: number;
  /** Per label: precision (of predictions of it), recall (of clips that are it), support. */
  perLabel: { label: string; precision: number; recall: number; count: number }[];
}

/** Accuracy and confusion matrix of predictions with known truth (those without truth are ignored). */
export function confusionMatrix(
  predictions: readonly Pick<LabelPrediction<unknown>, 'truth' | 'predicted'>[],
): ConfusionMatrix {
  const scored = predictions.filter((p): p is typeof p & { truth: string } => p.truth !== null);
  const labels = [...new Set(scored.flatMap((p) => [p.truth, p.predicted]))].sort();
  const at = new Map(labels.map((l, i) => [l, i]));
  const counts = labels.map(() => labels.map(() => 0));
  let correct = 0;
  for (const p of scored) {
    counts[at.get(p.truth)!][at.get(p.predicted)!]++;
    if (p.truth === p.predicted) correct++;
  }
  const perLabel = labels.map((label, i) => {
    const predictedAs = counts.reduce((n, row) => n + row[i], 0);
    const count = counts[i].reduce((n, v) => n + v, 0);
    return {
      label,
      precision: predictedAs ? counts[i][i] / predictedAs : 0,
      recall: count ? counts[i][i] / count : 0,
      count,
    };
  });
  return { labels, counts, accuracy: scored.length ? correct / scored.length : NaN, perLabel };
}
