/**
 * The online tracker on synthetic walkers: crossing people keep their ids, an occluded person is
 * re-identified, a newcomer far away gets a new id, noise tracks are dropped, fragments join.
 */
import { describe, expect, it } from 'vitest';
import { frameIndexOf } from '../../../src/shared/pose';
import {
  boxIou,
  countIdSwitches,
  idSwitchesFromTracks,
  joinFragments,
  oks,
  oksSigmas,
  PoseTracker,
  trackSequence,
  type Detection,
  type TrackerOptions,
} from '../../../src/shared/tracking';
import { detect, rng, scene, type Scene, type Walker } from './synthetic';

function run(s: Scene, options: TrackerOptions = {}) {
  const { tracks, assignments } = trackSequence(s.detections, options);
  const predIds = assignments.map((frame) => frame.map((a) => a.trackId));
  return { tracks, predIds, report: countIdSwitches(s.gtIds, predIds) };
}

/** Frames where the boxes of walkers 0 and 1 overlap. */
function overlapFrames(s: Scene): number {
  let n = 0;
  s.detections.forEach((dets) => {
    if (dets.length === 2 && boxIou(dets[0].box, dets[1].box) > 0) n++;
  });
  return n;
}

describe('geometry', () => {
  it('uses the published COCO sigmas', () => {
    expect(Array.from(oksSigmas('coco17'))).toEqual([
      0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087,
      0.089, 0.089,
    ]);
    expect(oksSigmas('halpe26').length).toBe(26);
  });

  it('computes IoU and OKS', () => {
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(50 / 150);
    expect(boxIou([0, 0, 10, 10], [20, 0, 10, 10])).toBe(0);
    const d = detect({ x: () => 100, y: () => 100, height: 200 }, 0, rng(1), { sigma: 0 });
    expect(oks(d.keypoints, d.keypoints, oksSigmas('coco17'), 200 * 60)).toBeCloseTo(1);
    const shifted = Float32Array.from(d.keypoints, (v, i) => (i % 3 === 0 ? v + 30 : v));
    expect(oks(d.keypoints, shifted, oksSigmas('coco17'), 200 * 60)).toBeLessThan(0.5);
  });
});

describe('PoseTracker', () => {
  const crossing = (b: Partial<Walker>): Walker[] => [
    { x: (f) => 100 + 6 * f, y: () => 300, height: 200 },
    { x: (f) => 700 - 6 * f, y: () => 320, height: 220, phase: 1.3, ...b },
  ];

  it('keeps both ids through a crossing where the boxes overlap', () => {
    const s = scene(crossing({}), 100, () => true, 7, { sigma: 2 });
    expect(overlapFrames(s)).toBeGreaterThanOrEqual(8);
    const { tracks, report } = run(s);
    expect(report.switches).toBe(0);
    expect(report.missed).toBe(0);
    expect(tracks.map((t) => t.frames.length)).toEqual([100, 100]);
  });

  it('keeps both ids when the two people have the same size and height in the image', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = scene(crossing({ y: () => 300, height: 200 }), 100, () => true, seed, { sigma: 2 });
      expect(overlapFrames(s)).toBeGreaterThanOrEqual(8);
      expect(run(s).report.switches, `seed ${seed}`).toBe(0);
    }
  });

  it('keeps both ids when the person behind is hidden during the crossing', () => {
    // Walker 1 (behind) is not detected for 6 frames around the moment they meet (frame 50).
    const s = scene(crossing({}), 100, (id, f) => id === 0 || f < 47 || f > 52, 3, { sigma: 2 });
    const { tracks, report } = run(s);
    expect(report.switches).toBe(0);
    expect(tracks).toHaveLength(2);
  });

  it('re-identifies a person occluded for 10 frames', () => {
    const walkers: Walker[] = [
      { x: (f) => 100 + 4 * f, y: () => 300, height: 200 },
      { x: () => 900, y: () => 300, height: 180 },
    ];
    const s = scene(walkers, 90, (id, f) => id === 1 || f < 40 || f >= 50, 11, { sigma: 2 });
    const { tracks, report } = run(s);
    expect(report.switches).toBe(0);
    expect(tracks).toHaveLength(2);
    const t = tracks.find((x) => frameIndexOf(x, 40) < 0)!;
    expect(t.frames.length).toBe(80);
    expect(frameIndexOf(t, 39)).toBe(39);
    expect(frameIndexOf(t, 50)).toBe(40);
  });

  it('gives a new id to a person entering far away after another left', () => {
    const walkers: Walker[] = [
      { x: (f) => 600 + 8 * f, y: () => 300, height: 200 },
      { x: (f) => 50 + 3 * (f - 50), y: () => 300, height: 200 },
    ];
    // Walker 0 leaves after frame 39; walker 1 enters at frame 50 (within maxMissed of the first).
    const s = scene(walkers, 90, (id, f) => (id === 0 ? f < 40 : f >= 50), 5, { sigma: 2 });
    const { tracks, predIds } = run(s);
    expect(tracks).toHaveLength(2);
    expect(predIds[0][0]).not.toBe(predIds[60][0]);
    expect(tracks[0].frames.length).toBe(40);
    expect(tracks[1].frames[0]).toBe(50);
  });

  it('tracks noisy detections with bad keypoints and drops short noise tracks', () => {
    const walkers: Walker[] = [
      { x: (f) => 100 + 5 * f, y: () => 300, height: 200 },
      { x: (f) => 800 - 3 * f, y: () => 280, height: 180 },
    ];
    const s = scene(walkers, 120, () => true, 13, { sigma: 4, dropout: 0.15 });
    // Spurious detections: single frames and a 3-frame ghost, far from everyone.
    const r = rng(99);
    const ghost = (f: number): Detection => ({
      ...detect({ x: () => 400, y: () => 50 + 0 * f, height: 80 }, f, r),
      score: 0.7,
    });
    for (const f of [10, 30, 31, 32, 70]) {
      s.detections[f].push(ghost(f));
      s.gtIds[f].push(-1 - f);
    }
    const { tracks, report } = run(s);
    expect(report.switches).toBe(0);
    expect(tracks).toHaveLength(2);
    expect(tracks.map((t) => t.frames.length)).toEqual([120, 120]);
  });

  it('does not start tracks from weak detections', () => {
    const r = rng(3);
    const tracker = new PoseTracker({ minNewScore: 0.5 });
    const w: Walker = { x: () => 200, y: () => 200, height: 150 };
    const weak = { ...detect(w, 0, r), score: 0.3 };
    expect(tracker.update(0, [weak])).toEqual([{ trackId: -1, confirmed: false }]);
    const strong = detect(w, 1, r);
    expect(tracker.update(1, [strong])[0].trackId).toBe(0);
    // Once a track exists, a weak detection of the same person continues it.
    expect(tracker.update(2, [{ ...detect(w, 2, r), score: 0.3 }])[0].trackId).toBe(0);
    for (let f = 3; f < 6; f++) tracker.update(f, [detect(w, f, r)]);
    expect(tracker.update(6, [detect(w, 6, r)])[0].confirmed).toBe(true);
    const [t] = tracker.finish();
    expect(Array.from(t.frames)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => tracker.update(7, [])).toThrow();
  });

  it('ends a track after maxMissed frames; a return after that is a new track', () => {
    const w: Walker[] = [{ x: () => 300, y: () => 300, height: 200 }];
    const s = scene(w, 80, (_, f) => f < 20 || f >= 45, 2);
    expect(run(s, { maxMissed: 30 }).tracks).toHaveLength(1);
    expect(run(s, { maxMissed: 10 }).tracks).toHaveLength(2);
  });

  it('scores id switches against ground-truth tracks by IoU', () => {
    const s = scene(crossing({}), 100, () => true, 7, { sigma: 2 });
    const { tracks } = run(s);
    // Ground truth as tracks: the walker index is the identity.
    const gt = trackSequence(
      s.detections.map((d, f) => d.filter((_, i) => s.gtIds[f][i] === 0)),
      {},
    ).tracks.concat(
      trackSequence(
        s.detections.map((d, f) => d.filter((_, i) => s.gtIds[f][i] === 1)),
        {},
      ).tracks.map((t) => ({ ...t, trackId: 1 })),
    );
    expect(idSwitchesFromTracks(gt, tracks).switches).toBe(0);
    // Swapping the predicted ids halfway is two switches (one per person).
    const swapped = tracks.map((t) => {
      const other = tracks.find((o) => o !== t)!;
      const half = t.frames.length / 2;
      const k = 51;
      const kp = t.keypoints.slice();
      const boxes = t.boxes.slice();
      kp.set(other.keypoints.subarray(half * k), half * k);
      boxes.set(other.boxes.subarray(half * 4), half * 4);
      return { ...t, keypoints: kp, boxes };
    });
    expect(idSwitchesFromTracks(gt, swapped).switches).toBe(2);
  });
});

describe('joinFragments', () => {
  it('joins the fragments of a person lost for longer than maxMissed, and nothing else', () => {
    const walkers: Walker[] = [
      { x: (f) => 100 + 3 * f, y: () => 300, height: 200 },
      { x: () => 900, y: () => 150, height: 120 },
    ];
    // Walker 0 is hidden for 50 frames; walker 1 appears only late.
    const s = scene(walkers, 150, (id, f) => (id === 0 ? f < 40 || f >= 90 : f >= 100), 4, { sigma: 2 });
    const { tracks } = run(s, { maxMissed: 30 });
    expect(tracks).toHaveLength(3);
    const { tracks: joined, joined: chains } = joinFragments(tracks, { maxGap: 60 });
    expect(joined).toHaveLength(2);
    expect(chains).toEqual([
      { trackId: tracks[0].trackId, fragments: [tracks[0].trackId, tracks[1].trackId] },
    ]);
    expect(joined[0].frames.length).toBe(100);
    // Too long a gap: nothing is joined.
    expect(joinFragments(tracks, { maxGap: 30 }).tracks).toHaveLength(3);
  });

  it('does not join a fragment to someone who appears elsewhere', () => {
    const walkers: Walker[] = [
      { x: (f) => 100 + 3 * f, y: () => 300, height: 200 },
      { x: () => 900, y: () => 300, height: 200 },
    ];
    const s = scene(walkers, 120, (id, f) => (id === 0 ? f < 40 : f >= 60), 6, { sigma: 2 });
    const { tracks } = run(s);
    expect(tracks).toHaveLength(2);
    expect(joinFragments(tracks).joined).toEqual([]);
  });
});

describe('countIdSwitches', () => {
  it('counts changes of the matched id per identity, ignoring misses', () => {
    const gt = [[1, 2], [1, 2], [1, 2], [1, 2], [1]];
    const pred = [[10, 20], [10, -1], [20, 20], [10, null], [10]];
    const r = countIdSwitches(gt, pred);
    // Identity 1: 10 → 10 → 20 → 10 → 10 (2 switches); identity 2: 20 → miss → 20 → miss (0).
    expect(r.switches).toBe(2);
    expect(r.perIdentity.get(1)).toBe(2);
    expect(r.perIdentity.get(2)).toBe(0);
    expect(r.missed).toBe(2);
    expect(r.matched).toBe(7);
  });
});
