/**
 * The linear (softmax) classifier beside k-NN DTW: on synthetic per-frame feature sequences with
 * planted classes it must be right for every clip left out in turn, tell apart two classes made of
 * the same frames in opposite order (only the thirds of the descriptor differ), have a gradient
 * that matches finite differences, train the same way every time, be mirror-invariant when the
 * clips carry their mirrored twin, survive one clip per action, and refuse bad input with the
 * reason.
 */
import { describe, expect, it } from 'vitest';
import {
  classify,
  classifyLinear,
  clipDescriptor,
  confusionMatrix,
  DESCRIPTOR_PARTS,
  knnClassifier,
  leaveOneOut,
  linearClassifier,
  predictProbabilities,
  softmaxLoss,
  trainLinearClassifier,
  type ActionItem,
  type SoftmaxProblem,
} from '../../../src/shared/actions';
import { KinemaError } from '../../../src/shared/errors';
import { Rng } from '../../../src/shared/lifting/rng';

const DIM = 6;

/** One performance of action `a`: each action its own smooth curve through feature space. */
function perform(a: number, frames: number, rng: Rng, noise = 0.05): Float32Array {
  const out = new Float32Array(frames * DIM);
  const bend = rng.uniform(-0.25, 0.25);
  for (let f = 0; f < frames; f++) {
    const s = f / (frames - 1);
    const p = s + (bend * Math.sin(Math.PI * s)) / Math.PI; // a different speed profile each time
    for (let d = 0; d < DIM; d++)
      out[f * DIM + d] =
        Math.sin(2 * Math.PI * (1 + ((a + d) % 3)) * p + a * 1.7 + d * 0.9) +
        0.3 * a * Math.cos(d) +
        rng.uniform(-noise, noise);
  }
  if (rng.chance(0.5)) out.fill(NaN, 5 * DIM, 6 * DIM); // a missing frame
  return out;
}

/** A straight move from `from` to `to` over the clip, with noise. */
function ramp(from: number[], to: number[], frames: number, rng: Rng): Float32Array {
  const out = new Float32Array(frames * DIM);
  for (let f = 0; f < frames; f++)
    for (let d = 0; d < DIM; d++)
      out[f * DIM + d] = from[d] + ((to[d] - from[d]) * f) / (frames - 1) + rng.uniform(-0.1, 0.1);
  return out;
}

function reversed(values: Float32Array, dim: number): Float32Array {
  const rows = values.length / dim;
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) out.set(values.subarray(r * dim, (r + 1) * dim), (rows - 1 - r) * dim);
  return out;
}

const seq = (values: Float32Array) => ({ values, dim: DIM });
/** Feature 0 plays the role of an x component: the mirrored view negates it. */
const flip = (v: Float32Array) => v.map((x, i) => (i % DIM === 0 ? -x : x));

function planted(perClass: number, seed: number): ActionItem[] {
  const rng = new Rng(seed);
  const labels = ['serve', 'forehand', 'backhand'];
  const clips: ActionItem[] = [];
  let id = 1;
  for (let rep = 0; rep < perClass; rep++)
    labels.forEach((label, a) =>
      clips.push({ id: id++, label, sequence: seq(perform(a, 30 + rng.int(30), rng)) }),
    );
  return clips;
}

function expectKinemaError(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KinemaError);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a KinemaError matching ${message}`);
}

describe('linear classifier', () => {
  it('is right for every clip of separable classes left out in turn, like k-NN, with the same confusion matrix shape', () => {
    const clips = planted(5, 11);
    const linear = leaveOneOut(clips, linearClassifier());
    const knn = leaveOneOut(clips, knnClassifier({ k: 1 }));
    const cm = confusionMatrix(linear);
    expect(cm.accuracy).toBe(1);
    expect(cm.labels).toEqual(['backhand', 'forehand', 'serve']);
    expect(cm.counts).toEqual([
      [5, 0, 0],
      [0, 5, 0],
      [0, 0, 5],
    ]);
    expect(confusionMatrix(knn).labels).toEqual(cm.labels);
    for (const p of linear) {
      expect(p.probabilities.map((q) => q.label).sort()).toEqual(cm.labels);
      expect(p.probabilities.reduce((s, q) => s + q.probability, 0)).toBeCloseTo(1, 12);
      expect(p.confidence).toBe(p.probabilities[0].probability);
      expect(p.predicted).toBe(p.probabilities[0].label);
      expect(p.confidence).toBeGreaterThan(1 / 3);
    }
  });

  it('classifies unlabelled clips from two examples per action, with probabilities', () => {
    const clips = planted(5, 12);
    const support = clips.slice(0, 6);
    const queries = clips.slice(6).map((c) => ({ ...c, label: null }));
    const predictions = classifyLinear(support, queries);
    predictions.forEach((p, i) => {
      expect(p.predicted).toBe(clips[6 + i].label);
      expect(p.truth).toBeNull();
    });
    // A clean performance is predicted with more confidence than chance by a clear margin.
    expect(Math.min(...predictions.map((p) => p.confidence))).toBeGreaterThan(0.5);
  });

  it('tells apart two actions made of the same frames in opposite order: the thirds pooling sees the order', () => {
    const rng = new Rng(5);
    const low = [0, 0.2, -0.4, 0.1, 0.5, -0.2];
    const high = [1.2, 0.9, 0.6, -0.8, 1.1, 0.7];
    const clips: ActionItem[] = [];
    for (let i = 0; i < 6; i++) {
      clips.push({
        id: clips.length + 1,
        label: 'rise',
        sequence: seq(ramp(low, high, 25 + rng.int(20), rng)),
      });
      clips.push({
        id: clips.length + 1,
        label: 'fall',
        sequence: seq(reversed(ramp(low, high, 25 + rng.int(20), rng), DIM)),
      });
    }
    // Mean and spread of a clip and of the clip played backwards are the same; only the thirds differ.
    const a = clipDescriptor(clips[0].sequence.values, DIM);
    const b = clipDescriptor(reversed(clips[0].sequence.values, DIM), DIM);
    expect(a).toHaveLength(DESCRIPTOR_PARTS.length * DIM);
    for (let d = 0; d < 2 * DIM; d++) expect(b[d]).toBeCloseTo(a[d], 5);
    for (let d = 0; d < DIM; d++) {
      expect(b[2 * DIM + d]).toBeCloseTo(a[4 * DIM + d], 5); // first third of one = last third of the other
      expect(Math.abs(a[2 * DIM + d] - a[4 * DIM + d])).toBeGreaterThan(0.3);
    }
    const cm = confusionMatrix(leaveOneOut(clips, linearClassifier()));
    expect(cm.accuracy).toBe(1);
  });

  it('has the gradient of its loss (central differences agree to 1e-7)', () => {
    const rng = new Rng(3);
    const n = 9;
    const size = 5;
    const classes = 3;
    const raw = Array.from({ length: n }, () => rng.uniform(0.2, 1));
    const total = raw.reduce((s, v) => s + v, 0);
    const problem: SoftmaxProblem = {
      x: Float64Array.from({ length: n * size }, () => rng.normal()),
      size,
      targets: Int32Array.from({ length: n }, (_, i) => i % classes),
      weights: Float64Array.from(raw, (v) => v / total),
      classes,
      l2: 0.3,
    };
    const params = Float64Array.from({ length: classes * (size + 1) }, () => rng.normal());
    const grad = new Float64Array(params.length);
    const loss = softmaxLoss(problem, params, grad);
    expect(loss).toBeCloseTo(softmaxLoss(problem, params), 14);
    const h = 1e-5;
    for (let j = 0; j < params.length; j++) {
      const up = params.slice();
      const down = params.slice();
      up[j] += h;
      down[j] -= h;
      const numeric = (softmaxLoss(problem, up) - softmaxLoss(problem, down)) / (2 * h);
      expect(Math.abs(numeric - grad[j])).toBeLessThan(1e-7);
    }
    // The training optimum is where that gradient vanishes.
    const model = trainLinearClassifier(planted(3, 21));
    expect(model.converged).toBe(true);
  });

  it('trains the same way every time: identical weights and probabilities', () => {
    const clips = planted(4, 13);
    const m1 = trainLinearClassifier(clips);
    const m2 = trainLinearClassifier(clips);
    expect(m2.weights).toEqual(m1.weights);
    expect(m2.bias).toEqual(m1.bias);
    expect(m2.iterations).toBe(m1.iterations);
    const query = planted(1, 99)[1].sequence;
    expect(predictProbabilities(m2, query)).toEqual(predictProbabilities(m1, query));
  });

  it('with mirrored twins, a motion and its left-right flip get exactly the same answer', () => {
    const rng = new Rng(8);
    const clips: ActionItem[] = [];
    for (let rep = 0; rep < 3; rep++)
      for (const [a, label] of [
        [0, 'serve'],
        [1, 'forehand'],
      ] as const) {
        const v = perform(a, 40, rng);
        clips.push({ id: clips.length + 1, label, sequence: { values: v, dim: DIM, mirrored: flip(v) } });
      }
    const model = trainLinearClassifier(clips);
    const q = perform(1, 35, rng);
    const direct = predictProbabilities(model, { values: q, dim: DIM, mirrored: flip(q) });
    const flipped = predictProbabilities(model, { values: flip(q), dim: DIM, mirrored: q });
    for (let c = 0; c < direct.length; c++) expect(flipped[c]).toBeCloseTo(direct[c], 12);
    expect(model.labels[direct.indexOf(Math.max(...direct))]).toBe('forehand');
    // Without the mirror, the flipped view is a different motion to the classifier.
    const plain = trainLinearClassifier(clips, { mirror: false });
    const a = predictProbabilities(plain, { values: q, dim: DIM });
    const b = predictProbabilities(plain, { values: flip(q), dim: DIM });
    expect(Math.abs(a[0] - b[0])).toBeGreaterThan(1e-3);
  });

  it('learns from one clip per action: a feature constant over the training set does not divide by zero', () => {
    const clips = planted(1, 14).map((c) => {
      const v = c.sequence.values.slice();
      for (let r = 0; r < v.length / DIM; r++) v[r * DIM + 3] = 0.5; // same in every clip
      return { ...c, sequence: seq(v) };
    });
    const model = trainLinearClassifier(clips);
    expect([...model.scale].every((s) => Number.isFinite(s) && s > 0)).toBe(true);
    expect(model.scale[3]).toBe(1);
    const queries = planted(3, 15).map((c) => ({ ...c, label: null, truth: c.label }));
    const predictions = classifyLinear(clips, queries);
    for (const p of predictions)
      expect(p.probabilities.every((q) => Number.isFinite(q.probability))).toBe(true);
    const right = predictions.filter((p, i) => p.predicted === queries[i].truth).length;
    expect(right).toBeGreaterThanOrEqual(8);
    // k-NN on the same single examples, for comparison: both recognise these clean actions.
    const knnRight = classify(clips, queries).filter((p, i) => p.predicted === queries[i].truth).length;
    expect(knnRight).toBeGreaterThanOrEqual(8);
  });

  it('in leave-one-out, a fold left with one action predicts that action (the only answer there is)', () => {
    const clips = planted(2, 16)
      .filter((c) => c.label !== 'backhand')
      .slice(0, 3); // 2 of one, 1 of the other
    const loo = leaveOneOut(clips, linearClassifier());
    const alone = loo.find((p) => clips.filter((c) => c.label === p.truth).length === 1)!;
    expect(alone.predicted).not.toBe(alone.truth);
    expect(alone.confidence).toBe(1);
  });

  it('refuses bad input with a KinemaError that says why', () => {
    const clips = planted(2, 17);
    expectKinemaError(
      () => trainLinearClassifier(clips.filter((c) => c.label === 'serve')),
      /needs labelled clips of at least two actions; only "serve" is labelled/,
    );
    expectKinemaError(
      () => classifyLinear([...clips, { id: 99, label: 'serve', sequence: seq(new Float32Array(0)) }], []),
      /clip 99 has no frames/,
    );
    expectKinemaError(
      () =>
        trainLinearClassifier([
          ...clips,
          { id: 98, label: 'serve', sequence: { values: new Float32Array(12), dim: 4 } },
        ]),
      /clip 98 has 4 features per frame where the other clips have 6/,
    );
    const model = trainLinearClassifier(clips);
    expectKinemaError(
      () => predictProbabilities(model, { values: new Float32Array(8), dim: 4 }),
      /has 4 features per frame where the other clips have 6/,
    );
    expectKinemaError(
      () =>
        classifyLinear(clips, [{ id: 97, label: null, sequence: seq(new Float32Array(3 * DIM).fill(NaN)) }]),
      /clip 97 has no frame with features/,
    );
    expectKinemaError(() => trainLinearClassifier([]), /No labelled clip to learn from/);
    expectKinemaError(() => trainLinearClassifier(clips, { l2: 0 }), /L2 penalty must be a number above 0/);
    expect(() => leaveOneOut(clips.slice(0, 1), linearClassifier())).toThrow(/at least two labelled clips/);
  });
});
