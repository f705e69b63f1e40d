/**
 * The light classifier beside k-NN DTW for few-shot action recognition: multinomial logistic
 * regression (softmax) over a fixed-length clip descriptor. Pure and deterministic: no I/O, no
 * random numbers (training starts from zero and L-BFGS takes the same steps every time).
 *
 * Descriptor (5 × the per-frame width): per feature, the clip's mean and standard deviation over
 * its frames, and the means of its first, middle and last thirds — so the order of the frames
 * matters a little (a squat going down reads differently from one coming up), while the length
 * and speed of the clip do not. Frames without features (NaN rows: the person is absent) are
 * skipped; a third without any frame takes the clip's mean.
 *
 * Training: the descriptors are standardised with the training set's mean and standard deviation
 * (a feature that does not vary over the training set, e.g. with one clip per action, keeps
 * scale 1 instead of dividing by zero; a feature a clip lacks entirely takes the training mean);
 * the loss is the class-balanced mean cross-entropy (every action weighs the same whatever its
 * number of clips) plus λ/2 ‖W‖² (biases free), minimised by L-BFGS.
 *
 * Mirror-invariance, as the k-NN path: where a clip's sequence carries its mirrored twin (pose
 * features of the left-right flipped poses), training sees both views with the clip's label, and
 * a prediction averages the probabilities of the query and of its mirror — so a motion and its
 * flip get exactly the same answer.
 */
import { KinemaError } from '../errors';
import type { ActionItem, ActionSequence, ClipClassifier, LabelPrediction } from './recognize';

/** Parts of the descriptor, each `dim` wide, in this order. */
export const DESCRIPTOR_PARTS = ['mean', 'std', 'first third', 'middle third', 'last third'] as const;
/** Default L2 penalty on the weights (loss = mean cross-entropy + λ/2 ‖W‖²). */
export const DEFAULT_L2 = 0.01;

export interface LinearClassifierOptions {
  /** L2 penalty λ on the weights; default DEFAULT_L2. */
  l2?: number;
  /** Train on each clip's mirrored twin too and average both views when predicting (default true). */
  mirror?: boolean;
  /** L-BFGS iterations at most (default 500). */
  maxIterations?: number;
}

/** A trained classifier: everything needed to label a new clip. */
export interface LinearModel {
  /** The actions, sorted; probabilities come in this order. */
  labels: string[];
  /** Per-frame feature width the model expects. */
  dim: number;
  /** Descriptor standardisation: (descriptor − mean) / scale. */
  mean: Float64Array;
  scale: Float64Array;
  /** labels.length × descriptor size, row-major. */
  weights: Float64Array;
  bias: Float64Array;
  mirror: boolean;
  l2: number;
  /** Optimiser report: iterations taken, final loss, whether the gradient vanished. */
  iterations: number;
  loss: number;
  converged: boolean;
}

export interface LinearPrediction<Id = number> extends LabelPrediction<Id> {
  /** The predicted action's probability. */
  confidence: number;
  /** Every action's probability, most likely first. */
  probabilities: { label: string; probability: number }[];
}

const clipName = (id: unknown) => `clip ${String(id)}`;

function checkSequence(s: ActionSequence, what: string, dim?: number): void {
  if (!Number.isInteger(s.dim) || s.dim < 1)
    throw new KinemaError('BAD_INPUT', `${what} has no features per frame (width ${s.dim}).`);
  if (dim !== undefined && s.dim !== dim)
    throw new KinemaError(
      'BAD_INPUT',
      `${what} has ${s.dim} features per frame where the other clips have ${dim}: clips compared together need the same features.`,
    );
  if (s.values.length % s.dim !== 0)
    throw new KinemaError(
      'BAD_INPUT',
      `${what}: ${s.values.length} values are not whole frames of ${s.dim} features.`,
    );
  if (!s.values.length) throw new KinemaError('BAD_INPUT', `${what} has no frames to classify.`);
  if (s.mirrored && s.mirrored.length !== s.values.length)
    throw new KinemaError('BAD_INPUT', `${what}: its mirrored features do not cover the same frames.`);
}

/**
 * The clip's descriptor: DESCRIPTOR_PARTS × dim values (NaN where a feature has no finite value in
 * any frame). Throws when no frame has features.
 */
export function clipDescriptor(values: Float32Array, dim: number, what = 'The clip'): Float64Array {
  checkSequence({ values, dim }, what);
  const rows = values.length / dim;
  const out = new Float64Array(DESCRIPTOR_PARTS.length * dim).fill(NaN);
  const bounds = [0, Math.round(rows / 3), Math.round((2 * rows) / 3), rows];
  let anyFinite = false;
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * dim + d];
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    if (!n) continue;
    anyFinite = true;
    const mean = sum / n;
    let sq = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * dim + d];
      if (Number.isFinite(v)) sq += (v - mean) ** 2;
    }
    out[d] = mean;
    out[dim + d] = Math.sqrt(sq / n);
    for (let t = 0; t < 3; t++) {
      let s = 0;
      let m = 0;
      for (let r = bounds[t]; r < bounds[t + 1]; r++) {
        const v = values[r * dim + d];
        if (Number.isFinite(v)) {
          s += v;
          m++;
        }
      }
      out[(2 + t) * dim + d] = m ? s / m : mean;
    }
  }
  if (!anyFinite)
    throw new KinemaError('BAD_INPUT', `${what} has no frame with features (no pose in any of its frames).`);
  return out;
}

/** A softmax regression problem over standardised descriptors. */
export interface SoftmaxProblem {
  /** samples × size, row-major. */
  x: Float64Array;
  size: number;
  /** Class index per sample. */
  targets: Int32Array;
  /** Per-sample weight; they sum to 1. */
  weights: Float64Array;
  classes: number;
  l2: number;
}

/**
 * The training loss at `params` (W: classes × size, row-major, then the biases), and its gradient
 * into `grad` when given: Σ wᵢ · (−log softmax(W xᵢ + b)[yᵢ]) + λ/2 ‖W‖².
 */
export function softmaxLoss(p: SoftmaxProblem, params: Float64Array, grad?: Float64Array): number {
  const { x, size, targets, weights, classes, l2 } = p;
  const biasAt = classes * size;
  const logits = new Float64Array(classes);
  if (grad) grad.fill(0);
  let loss = 0;
  for (let i = 0; i < targets.length; i++) {
    const xi = i * size;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      let z = params[biasAt + c];
      const wc = c * size;
      for (let d = 0; d < size; d++) z += params[wc + d] * x[xi + d];
      logits[c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[c] - max);
    const logSum = max + Math.log(sum);
    loss += weights[i] * (logSum - logits[targets[i]]);
    if (!grad) continue;
    for (let c = 0; c < classes; c++) {
      const delta = weights[i] * (Math.exp(logits[c] - logSum) - (c === targets[i] ? 1 : 0));
      if (delta === 0) continue;
      const wc = c * size;
      for (let d = 0; d < size; d++) grad[wc + d] += delta * x[xi + d];
      grad[biasAt + c] += delta;
    }
  }
  let norm = 0;
  for (let j = 0; j < biasAt; j++) {
    norm += params[j] * params[j];
    if (grad) grad[j] += l2 * params[j];
  }
  return loss + 0.5 * l2 * norm;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Minimises a smooth convex function by L-BFGS (two-loop recursion, 10 pairs) with a backtracking
 * Armijo line search; stops when the gradient's largest component is below `tolerance` or the
 * loss stops decreasing.
 */
function lbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  start: Float64Array,
  o: { maxIterations: number; tolerance: number; memory?: number },
): { x: Float64Array; value: number; iterations: number; converged: boolean } {
  const n = start.length;
  const memory = o.memory ?? 10;
  let x = start.slice();
  let g = new Float64Array(n);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  for (; iterations < o.maxIterations; iterations++) {
    let gMax = 0;
    for (let i = 0; i < n; i++) gMax = Math.max(gMax, Math.abs(g[i]));
    if (gMax < o.tolerance) {
      converged = true;
      break;
    }
    // direction = −H·g from the stored pairs (steepest descent, scaled, with none).
    direction.set(g);
    const alpha = new Array<number>(S.length);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], direction);
      for (let i = 0; i < n; i++) direction[i] -= alpha[k] * Y[k][i];
    }
    const last = S.length - 1;
    const gamma = last >= 0 ? dot(S[last], Y[last]) / dot(Y[last], Y[last]) : 1 / Math.sqrt(dot(g, g));
    for (let i = 0; i < n; i++) direction[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], direction);
      for (let i = 0; i < n; i++) direction[i] += S[k][i] * (alpha[k] - beta);
    }
    for (let i = 0; i < n; i++) direction[i] = -direction[i];
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (should not happen on a convex loss): restart from the gradient.
      S.length = Y.length = rho.length = 0;
      const norm = Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) direction[i] = -g[i] / norm;
      slope = -norm;
    }
    let step = 1;
    const next = new Float64Array(n);
    const gNext = new Float64Array(n);
    let fNext = Infinity;
    for (let tries = 0; tries < 50; tries++) {
      for (let i = 0; i < n; i++) next[i] = x[i] + step * direction[i];
      fNext = f(next, gNext);
      if (fNext <= fx + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNext <= fx)) break; // no step decreases the loss: as good as it gets in floating point
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = next[i] - x[i];
      y[i] = gNext[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const decrease = fx - fNext;
    x = next;
    g = gNext;
    fx = fNext;
    if (decrease <= 1e-13 * Math.max(1, Math.abs(fx))) {
      iterations++;
      converged = true;
      break;
    }
  }
  return { x, value: fx, iterations, converged };
}

/** Trains the classifier on labelled clips (at least two actions). */
export function trainLinearClassifier<Id>(
  examples: readonly Pick<ActionItem<Id>, 'id' | 'label' | 'sequence'>[],
  options: LinearClassifierOptions = {},
): LinearModel {
  const l2 = options.l2 ?? DEFAULT_L2;
  if (!(Number.isFinite(l2) && l2 > 0))
    throw new KinemaError('BAD_OPTIONS', `The L2 penalty must be a number above 0, got ${l2}.`);
  const mirror = options.mirror ?? true;
  if (!examples.length)
    throw new KinemaError('NO_LABELS', 'No labelled clip to learn from: label a few clips per action.');
  const unlabelled = examples.find((e) => !e.label);
  if (unlabelled)
    throw new KinemaError('BAD_INPUT', `${clipName(unlabelled.id)} has no label: every example needs one.`);
  const dim = examples[0].sequence.dim;
  for (const e of examples) checkSequence(e.sequence, clipName(e.id), dim);
  const labels = [...new Set(examples.map((e) => e.label!))].sort();
  if (labels.length < 2)
    throw new KinemaError(
      'BAD_INPUT',
      `The linear classifier needs labelled clips of at least two actions; only "${labels[0]}" is labelled.`,
    );
  const classOf = new Map(labels.map((l, i) => [l, i]));
  const perClass = labels.map((l) => examples.filter((e) => e.label === l).length);

  // One sample per view: the clip, and its mirror where it has one.
  const samples: { descriptor: Float64Array; target: number; weight: number }[] = [];
  for (const e of examples) {
    const target = classOf.get(e.label!)!;
    const views = [e.sequence.values, ...(mirror && e.sequence.mirrored ? [e.sequence.mirrored] : [])];
    for (const values of views)
      samples.push({
        descriptor: clipDescriptor(values, dim, clipName(e.id)),
        target,
        weight: 1 / (labels.length * perClass[target] * views.length),
      });
  }

  const size = DESCRIPTOR_PARTS.length * dim;
  const mean = new Float64Array(size);
  const scale = new Float64Array(size).fill(1);
  for (let d = 0; d < size; d++) {
    let sum = 0;
    let n = 0;
    for (const s of samples)
      if (Number.isFinite(s.descriptor[d])) {
        sum += s.descriptor[d];
        n++;
      }
    if (!n) continue;
    mean[d] = sum / n;
    let sq = 0;
    for (const s of samples) if (Number.isFinite(s.descriptor[d])) sq += (s.descriptor[d] - mean[d]) ** 2;
    const sd = Math.sqrt(sq / n);
    // A feature constant over the training set (one clip per action, or a fixed joint) keeps scale 1.
    if (sd > 1e-6 * Math.max(1, Math.abs(mean[d]))) scale[d] = sd;
  }
  const x = new Float64Array(samples.length * size);
  samples.forEach((s, i) => standardise(s.descriptor, mean, scale, x.subarray(i * size, (i + 1) * size)));
  const problem: SoftmaxProblem = {
    x,
    size,
    targets: Int32Array.from(samples, (s) => s.target),
    weights: Float64Array.from(samples, (s) => s.weight),
    classes: labels.length,
    l2,
  };
  const fit = lbfgs(
    (params, grad) => softmaxLoss(problem, params, grad),
    new Float64Array(labels.length * (size + 1)),
    { maxIterations: options.maxIterations ?? 500, tolerance: 1e-7 },
  );
  return {
    labels,
    dim,
    mean,
    scale,
    weights: fit.x.slice(0, labels.length * size),
    bias: fit.x.slice(labels.length * size),
    mirror,
    l2,
    iterations: fit.iterations,
    loss: fit.value,
    converged: fit.converged,
  };
}

/** (descriptor − mean) / scale into `out`; a missing feature becomes 0, the training mean. */
function standardise(
  descriptor: Float64Array,
  mean: Float64Array,
  scale: Float64Array,
  out: Float64Array,
): Float64Array {
  for (let d = 0; d < descriptor.length; d++)
    out[d] = Number.isFinite(descriptor[d]) ? (descriptor[d] - mean[d]) / scale[d] : 0;
  return out;
}

function softmaxOf(model: LinearModel, values: Float32Array, what: string): Float64Array {
  const size = model.mean.length;
  const z = standardise(
    clipDescriptor(values, model.dim, what),
    model.mean,
    model.scale,
    new Float64Array(size),
  );
  const classes = model.labels.length;
  const out = new Float64Array(classes);
  let max = -Infinity;
  for (let c = 0; c < classes; c++) {
    let v = model.bias[c];
    for (let d = 0; d < size; d++) v += model.weights[c * size + d] * z[d];
    out[c] = v;
    max = Math.max(max, v);
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += out[c] = Math.exp(out[c] - max);
  for (let c = 0; c < classes; c++) out[c] /= sum;
  return out;
}

/** Every action's probability for the clip, in model.labels order. */
export function predictProbabilities(
  model: LinearModel,
  sequence: ActionSequence,
  what = 'The clip',
): Float64Array {
  checkSequence(sequence, what, model.dim);
  const p = softmaxOf(model, sequence.values, what);
  if (model.mirror && sequence.mirrored) {
    const q = softmaxOf(model, sequence.mirrored, what);
    for (let c = 0; c < p.length; c++) p[c] = (p[c] + q[c]) / 2;
  }
  return p;
}

function predictionOf<Id>(
  query: ActionItem<Id>,
  labels: readonly string[],
  probabilities: ArrayLike<number>,
): LinearPrediction<Id> {
  // Sorted by probability, ties by label order, so the answer never depends on float noise order.
  const ranked = labels
    .map((label, i) => ({ label, probability: probabilities[i] }))
    .sort((a, b) => b.probability - a.probability || (a.label < b.label ? -1 : 1));
  return {
    id: query.id,
    truth: query.label,
    predicted: ranked[0].label,
    confidence: ranked[0].probability,
    probabilities: ranked,
  };
}

/** The model's answer for one clip: every action's probability, the top one predicted. */
export function predictLinear<Id>(
  model: LinearModel,
  query: ActionItem<Id>,
  what = clipName(query.id),
): LinearPrediction<Id> {
  return predictionOf(query, model.labels, predictProbabilities(model, query.sequence, what));
}

/** Trains on `support` and labels the `queries` (probabilities and the top one as confidence). */
export function classifyLinear<Id>(
  support: readonly ActionItem<Id>[],
  queries: readonly ActionItem<Id>[],
  options: LinearClassifierOptions = {},
): LinearPrediction<Id>[] {
  const model = trainLinearClassifier(support, options);
  return queries.map((q) => predictLinear(model, q));
}

/**
 * The linear classifier as a ClipClassifier, for leave-one-out. A fold whose remaining clips show
 * one action only (the left-out clip was the only example of the other) gets that action with
 * probability 1 — the only answer there is, as k-NN would give.
 */
export function linearClassifier<Id>(
  options: LinearClassifierOptions = {},
): ClipClassifier<Id, LinearPrediction<Id>> {
  return (support, queries) => {
    const labels = [...new Set(support.map((s) => s.label))];
    if (labels.length === 1 && labels[0]) return queries.map((q) => predictionOf(q, [labels[0]!], [1]));
    return classifyLinear(support, queries, options);
  };
}
