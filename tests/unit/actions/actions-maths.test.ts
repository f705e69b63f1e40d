/**
 * Few-shot action recognition, retrieval and detection on synthetic per-frame feature sequences
 * with planted structure: three actions, each a smooth trajectory in feature space, performed at
 * different speeds (a random smooth time warp), with noise and missing frames; long "videos" of
 * unrelated drifting motion with planted occurrences of the actions.
 */
import { describe, expect, it } from 'vitest';
import {
  classify,
  clipDistance,
  confusionMatrix,
  detectOccurrences,
  knnClassifier,
  leaveOneOut,
  retrieveMoments,
  scoreDetections,
  temporalIou,
  vote,
  type ActionItem,
  type ActionSequence,
  type VideoSeries,
} from '../../../src/shared/actions';

const DIM = 8;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The pose of action `a` at phase p ∈ [0, 1]: each action its own curve through feature space. */
function actionFrame(action: number, p: number, out: Float32Array, at: number): void {
  for (let d = 0; d < DIM; d++) {
    const freq = 1 + ((action + d) % 3);
    const phase = action * 1.7 + d * 0.9;
    out[at + d] = Math.sin(2 * Math.PI * freq * p + phase) * (d % 2 ? 0.8 : 1.0) + 0.3 * action * Math.cos(d);
  }
}

/** One performance of an action: `frames` long, a smooth random warp, noise, a missing frame or two. */
function perform(action: number, frames: number, random: () => number, noise = 0.05): Float32Array {
  const out = new Float32Array(frames * DIM);
  const bend = 0.25 * (random() * 2 - 1);
  for (let f = 0; f < frames; f++) {
    const s = f / (frames - 1);
    const p = s + (bend * Math.sin(Math.PI * s)) / Math.PI; // monotone warp, fixed ends
    actionFrame(action, p, out, f * DIM);
    for (let d = 0; d < DIM; d++) out[f * DIM + d] += noise * (random() * 2 - 1);
  }
  if (frames > 10 && random() < 0.5) out.fill(NaN, 5 * DIM, 6 * DIM);
  return out;
}

/** Drifting motion that is none of the actions: a smooth random walk. */
function background(frames: number, random: () => number): Float32Array {
  const out = new Float32Array(frames * DIM);
  const v = new Float64Array(DIM).map(() => random() * 2 - 1);
  for (let f = 0; f < frames; f++)
    for (let d = 0; d < DIM; d++) {
      v[d] = 0.97 * v[d] + 0.08 * (random() * 2 - 1);
      out[f * DIM + d] = v[d] * 0.6 + 2.5;
    }
  return out;
}

const seq = (values: Float32Array): ActionSequence => ({ values, dim: DIM });

describe('recognition', () => {
  const random = rng(7);
  const labels = ['serve', 'forehand', 'backhand'];
  const clips: ActionItem[] = [];
  let id = 1;
  for (let rep = 0; rep < 5; rep++)
    labels.forEach((label, a) =>
      clips.push({ id: id++, label, sequence: seq(perform(a, 30 + Math.floor(random() * 30), random)) }),
    );

  it('leave-one-out over planted classes is right for every clip, with the confusion matrix diagonal', () => {
    for (const k of [1, 3]) {
      const predictions = leaveOneOut(clips, knnClassifier({ k }));
      const cm = confusionMatrix(predictions);
      expect(cm.accuracy).toBe(1);
      expect(cm.labels).toEqual(['backhand', 'forehand', 'serve']);
      expect(cm.counts).toEqual([
        [5, 0, 0],
        [0, 5, 0],
        [0, 0, 5],
      ]);
      // A clip is never its own neighbour.
      for (const p of predictions) expect(p.neighbours.map((n) => n.id)).not.toContain(p.id);
    }
  });

  it('classifies unlabelled clips from two examples per action (few-shot)', () => {
    const support = clips.slice(0, 6);
    const queries = clips.slice(6).map((c) => ({ ...c, label: null }));
    const predictions = classify(support, queries, { k: 1 });
    predictions.forEach((p, i) => expect(p.predicted).toBe(clips[6 + i].label));
    expect(predictions.every((p) => p.truth === null)).toBe(true);
  });

  it('a wrong guess shows off the diagonal, and a k-NN tie goes to the nearer label', () => {
    const cm = confusionMatrix([
      { truth: 'a', predicted: 'a' },
      { truth: 'a', predicted: 'b' },
      { truth: 'b', predicted: 'b' },
      { truth: null, predicted: 'a' },
    ]);
    expect(cm.accuracy).toBeCloseTo(2 / 3);
    expect(cm.counts).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect(cm.perLabel.find((l) => l.label === 'b')).toMatchObject({ precision: 0.5, recall: 1, count: 1 });
    expect(
      vote([
        { id: 1, label: 'x', distance: 0.4 },
        { id: 2, label: 'y', distance: 0.2 },
      ]).label,
    ).toBe('y');
  });

  it('with a mirrored twin, a motion matches its left-right flip (the other side of the athlete)', () => {
    // Feature 0 plays the role of an x component: flipping the view negates it.
    const flip = (v: Float32Array) => v.map((x, i) => (i % DIM === 0 ? -x : x));
    const a = perform(0, 40, rng(3), 0);
    const b = perform(0, 40, rng(4), 0);
    const seen = { values: flip(b), dim: DIM, mirrored: b };
    const plain = { values: flip(b), dim: DIM };
    expect(clipDistance(seq(a), seen)).toBeLessThan(0.5 * clipDistance(seq(a), plain));
    expect(clipDistance(seq(a), seen)).toBeCloseTo(clipDistance(seq(a), seq(b)), 6);
  });

  it('refuses what it cannot do, with the reason', () => {
    expect(() => leaveOneOut(clips.slice(0, 1), knnClassifier())).toThrow(/at least two labelled clips/);
    expect(() => classify([], clips)).toThrow(/label a few clips per action/);
    expect(() => classify(clips, clips, { k: 0 })).toThrow(/k must be/);
  });
});

describe('retrieval and detection', () => {
  const random = rng(11);
  /** Three videos: background with planted serves (action 0) and forehands (action 1). */
  const plants: { video: number; action: number; inFrame: number; outFrame: number }[] = [];
  const videos: VideoSeries[] = [0, 1, 2].map((v) => {
    const parts: Float32Array[] = [];
    let at = 0;
    const push = (values: Float32Array) => {
      parts.push(values);
      at += values.length / DIM;
    };
    push(background(40 + v * 7, random));
    for (let i = 0; i < 4; i++) {
      const action = (i + v) % 2;
      const frames = 36 + Math.floor(random() * 20);
      plants.push({ video: v, action, inFrame: at, outFrame: at + frames });
      push(perform(action, frames, random));
      push(background(30 + Math.floor(random() * 30), random));
    }
    const values = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      values.set(p, o);
      o += p.length;
    }
    return { key: v, firstFrame: 0, sequence: seq(values) };
  });
  const slice = (v: number, range: { inFrame: number; outFrame: number }) =>
    seq(videos[v].sequence.values.slice(range.inFrame * DIM, range.outFrame * DIM));

  it('retrieval ranks the planted moments of the same action first, never the query itself', () => {
    const query = plants.find((p) => p.action === 0)!;
    const results = retrieveMoments(slice(query.video, query), videos, {
      top: 5,
      exclude: [{ key: query.video, range: query }],
    });
    expect(results.length).toBe(5);
    const sameAction = plants.filter((p) => p.action === 0 && p !== query);
    // The best results are the other serves (each found with IoU ≥ 0.5), in cost order.
    for (const r of results.slice(0, sameAction.length)) {
      const hit = sameAction.find((p) => p.video === r.key && temporalIou(p, r) >= 0.5);
      expect(hit, `result ${JSON.stringify(r)}`).toBeDefined();
    }
    for (let i = 1; i < results.length; i++)
      expect(results[i].cost).toBeGreaterThanOrEqual(results[i - 1].cost);
    for (const r of results) expect(r.key === query.video && temporalIou(r, query) > 0).toBe(false);
  });

  it('detection finds every planted occurrence and nothing else: precision = recall = 1', () => {
    // Two labelled examples of the serve are the templates; the truth is every planted serve.
    const serves = plants.filter((p) => p.action === 0);
    const templates = serves.slice(0, 2).map((p, i) => ({
      id: i,
      key: p.video,
      range: p,
      sequence: slice(p.video, p),
    }));
    const detections = detectOccurrences(templates, videos, { threshold: 0.15 });
    const score = scoreDetections(
      detections,
      serves.map((p, i) => ({ ...p, key: p.video, id: i })),
    );
    expect(score.occurrences).toBe(serves.length);
    expect(score.recall).toBe(1);
    expect(score.precision).toBe(1);
    // The serves match at a relative cost of about 0.05; the forehands only at about 0.24.
    for (const d of detections) expect(d.cost).toBeLessThan(0.1);
  });

  it('a too-strict threshold loses recall, a too-loose one precision', () => {
    const serves = plants.filter((p) => p.action === 0);
    const templates = [
      { id: 0, key: serves[0].video, range: serves[0], sequence: slice(serves[0].video, serves[0]) },
    ];
    const truths = serves.map((p, i) => ({ ...p, key: p.video, id: i }));
    const strict = scoreDetections(detectOccurrences(templates, videos, { threshold: 0.01 }), truths);
    expect(strict.recall).toBeLessThan(1);
    const loose = scoreDetections(detectOccurrences(templates, videos, { threshold: 5 }), truths);
    expect(loose.precision).toBeLessThan(1);
    expect(() => detectOccurrences(templates, videos, { threshold: 0 })).toThrow(/threshold/);
  });
});
