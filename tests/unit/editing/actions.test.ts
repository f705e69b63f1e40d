/**
 * The edit actions on in-memory tracks: what each one changes, its provenance codes, that its
 * inverse gives back the exact bytes (applyChecked), and its refusals.
 */
import { describe, expect, it } from 'vitest';
import {
  decodePatches,
  encodePatches,
  KEYFRAME,
  listActions,
  MemorySource,
  OCCLUDED,
  PROVENANCE,
  runEdit,
  segmentsEqual,
  withoutCorrections,
  emptySegment,
} from '../../../src/shared/editing';
import {
  applyChecked,
  framesOf,
  J,
  K,
  keypoint,
  makeSegment,
  memory,
  pointAt,
  provenanceAt,
  range,
  snapshot,
  expectSameTracks,
  VIDEO,
} from './helpers';

const f32 = (v: number) => Math.fround(v);

describe('registered actions', () => {
  it('each has a name, label, description and a distinct suggested key', () => {
    const actions = listActions();
    expect(actions.map((a) => a.name)).toEqual([
      'moveKeypoint',
      'setVisibility',
      'deletePerson',
      'addPerson',
      'setKeyframe',
      'interpolate',
      'fillGap',
      'swapLeftRight',
      'splitTrack',
      'mergeTracks',
      'reassignRange',
      'deleteRange',
      'filterRange',
      'revertToModel',
    ]);
    for (const a of actions) {
      expect(a.label.length).toBeGreaterThan(3);
      expect(a.description.length).toBeGreaterThan(20);
    }
    const keys = actions.map((a) => a.shortcut).filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
    // Keys the player already uses (README) are not suggested for edits.
    for (const taken of ['Space', 'J', 'K', 'L', 'I', 'O', 'C', 'P', 'Esc', 'Home', 'End'])
      expect(keys).not.toContain(taken);
  });

  it('refuses an unknown action and bad parameters with a message, changing nothing', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    const before = snapshot(source);
    expect(() => runEdit(source, { action: 'teleport' })).toThrow(/Unknown edit action "teleport"/);
    expect(() =>
      runEdit(source, { action: 'moveKeypoint', trackId: 0, frame: -1, joint: 0, x: 1, y: 1 }),
    ).toThrow(/Move keypoint: frame: /);
    expect(() =>
      runEdit(source, { action: 'moveKeypoint', trackId: 0, frame: 3, joint: 17, x: 1, y: 1 }),
    ).toThrow('Joint 17 is out of range: coco17 has joints 0 to 16.');
    expect(() =>
      runEdit(source, { action: 'moveKeypoint', trackId: 0, frame: 30, joint: 1, x: 1, y: 1 }),
    ).toThrow('Track 0 has no pose at frame 30: it spans frames 0–9.');
    expect(() =>
      runEdit(source, { action: 'moveKeypoint', trackId: 4, frame: 3, joint: 1, x: 1, y: 1 }),
    ).toThrow('Track 4 does not exist in this run (its tracks are 0).');
    expect(() =>
      runEdit(source, { action: 'moveKeypoint', trackId: 0, frame: 3, joint: 1, x: 99999, y: 1 }),
    ).toThrow(/far outside the 1280×720 frame/);
    expect(() => runEdit(source, { action: 'deleteRange', trackId: 0, inFrame: 5, outFrame: 5 })).toThrow(
      'The frame range is empty: out (5) must be after in (5).',
    );
    expect(() =>
      runEdit(source, { action: 'deleteRange', trackId: 0, inFrame: 4000, outFrame: 6000 }),
    ).toThrow('Frames 4000–5999 are outside the video, which has frames 0 to 4999.');
    expectSameTracks(snapshot(source), before);
  });
});

describe('keypoint edits', () => {
  it('moves a keypoint: human provenance, score 1, keyframe, model value kept', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    const knee = J('left_knee');
    const old = keypoint(source, 0, 4, knee);
    const r = applyChecked(source, {
      action: 'moveKeypoint',
      trackId: 0,
      frame: 4,
      joint: knee,
      x: 512.5,
      y: 300.25,
    });
    expect(r.summary).toBe('Move left knee (track 0, frame 4)');
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ trackId: 0, start: 4, end: 5 });
    expect(keypoint(source, 0, 4, knee)).toEqual([512.5, 300.25, 1]);
    const seg = source.read(0, 4, 5);
    expect(seg.provenance[knee]).toBe(PROVENANCE.human);
    expect(Array.from(seg.provenance).filter((c) => c !== 0)).toHaveLength(1);
    expect(seg.flags[0] & KEYFRAME).toBe(KEYFRAME);
    expect(Array.from(seg.originals.subarray(knee * 3, knee * 3 + 3))).toEqual(old);
    // A second move keeps the first original (the model's value), not the first move's.
    applyChecked(source, { action: 'moveKeypoint', trackId: 0, frame: 4, joint: knee, x: 10, y: 20 });
    expect(Array.from(source.read(0, 4, 5).originals.subarray(knee * 3, knee * 3 + 3))).toEqual(old);
    // Other frames are untouched.
    expect(source.read(0, 3, 4).flags[0]).toBe(0);
  });

  it('sets keypoints occluded, invisible and visible again', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    const [w, e] = [J('right_wrist'), J('right_elbow')];
    const [x, y, s] = keypoint(source, 0, 2, w);
    applyChecked(source, {
      action: 'setVisibility',
      trackId: 0,
      frame: 2,
      joints: [w, e],
      visibility: 'occluded',
    });
    expect(provenanceAt(source, 0, 2, w)).toBe(PROVENANCE.human | OCCLUDED);
    expect(provenanceAt(source, 0, 2, e)).toBe(PROVENANCE.human | OCCLUDED);
    expect(keypoint(source, 0, 2, w)).toEqual([x, y, s]);
    applyChecked(source, {
      action: 'setVisibility',
      trackId: 0,
      frame: 2,
      joints: [w],
      visibility: 'invisible',
    });
    expect(keypoint(source, 0, 2, w)).toEqual([x, y, 0]);
    expect(provenanceAt(source, 0, 2, w)).toBe(PROVENANCE.human);
    applyChecked(source, {
      action: 'setVisibility',
      trackId: 0,
      frame: 2,
      joints: [w],
      visibility: 'visible',
    });
    expect(keypoint(source, 0, 2, w)).toEqual([x, y, 1]);
    // Already visible: nothing to change, no history entry needed.
    expect(
      runEdit(source, { action: 'setVisibility', trackId: 0, frame: 2, joints: [w], visibility: 'visible' })
        .changes,
    ).toEqual([]);
    // The whole pose at once.
    applyChecked(source, { action: 'setVisibility', trackId: 0, frame: 3, visibility: 'invisible' });
    expect(Array.from(source.read(0, 3, 4).keypoints.filter((_, i) => i % 3 === 2))).toEqual(
      new Array(K).fill(0),
    );
  });

  it('deletes a person in a frame and adds one by box', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    applyChecked(source, { action: 'deletePerson', trackId: 0, frame: 5 });
    expect(framesOf(source, 0)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
    const keypoints = Array.from({ length: K * 3 }, (_, i) => (i % 3 === 2 ? 0.75 : 400 + i));
    const r = applyChecked(source, {
      action: 'addPerson',
      trackId: 0,
      frame: 5,
      box: [380, 90, 120, 400],
      keypoints,
    });
    expect(r.summary).toBe('Add track 0 at frame 5');
    const seg = source.read(0, 5, 6);
    expect(Array.from(seg.keypoints)).toEqual(keypoints.map(f32));
    expect(Array.from(seg.boxes)).toEqual([380, 90, 120, 400]);
    expect(seg.scores[0]).toBe(f32(0.75));
    expect(Array.from(seg.provenance)).toEqual(new Array(K).fill(PROVENANCE['seeded-by-model']));
    expect(seg.flags[0]).toBe(KEYFRAME);
    // A new track.
    applyChecked(source, { action: 'addPerson', trackId: 7, frame: 3, box: [1, 2, 30, 40], keypoints });
    expect(source.trackIds()).toEqual([0, 7]);
    expect(source.label(7)).toBe('person');
    expect(() =>
      runEdit(source, { action: 'addPerson', trackId: 0, frame: 5, box: [1, 2, 3, 4], keypoints }),
    ).toThrow('Track 0 already has a pose at frame 5; move its keypoints, or delete it first.');
    expect(() =>
      runEdit(source, {
        action: 'addPerson',
        trackId: 0,
        frame: 12,
        box: [1, 2, 3, 4],
        keypoints: keypoints.slice(3),
      }),
    ).toThrow('Add person needs 17 keypoints (51 numbers: x, y, score each) for coco17; got 48 numbers.');
  });

  it('marks and unmarks keyframes', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    applyChecked(source, { action: 'setKeyframe', trackId: 0, frame: 6, keyframe: true });
    expect(source.nearestKeyframe(0, 0, 1)).toBe(6);
    expect(source.read(0, 6, 7).provenance.every((c) => c === 0)).toBe(true);
    applyChecked(source, { action: 'setKeyframe', trackId: 0, frame: 6, keyframe: false });
    expect(source.nearestKeyframe(0, 0, 1)).toBeNull();
  });
});

/** A track whose joint 0 has x = xs[i] at keyframe frames[i] (other joints as made), keyframes marked. */
function keyframed(frames: number[], xs: number[]): MemorySource {
  const seg = makeSegment(frames);
  frames.forEach((_, i) => {
    seg.keypoints[i * K * 3] = xs[i];
    seg.keypoints[i * K * 3 + 1] = 2 * xs[i];
    seg.flags[i] = KEYFRAME;
  });
  return new MemorySource('coco17', VIDEO, [{ trackId: 0, label: 'person', segment: seg }]);
}

describe('interpolation', () => {
  it('linear and smooth between keyframes 0, 4, 8 (x = 0, 4, 16), creating the frames between', () => {
    const linear = keyframed([0, 4, 8], [0, 4, 16]);
    applyChecked(linear, { action: 'interpolate', trackId: 0, inFrame: 0, outFrame: 9, method: 'linear' });
    expect(framesOf(linear, 0)).toEqual(range(0, 9));
    expect([1, 2, 3, 5, 6, 7].map((f) => keypoint(linear, 0, f, 0)[0])).toEqual([1, 2, 3, 7, 10, 13]);
    expect(keypoint(linear, 0, 6, 0)[1]).toBe(20);
    expect(provenanceAt(linear, 0, 6, 0)).toBe(PROVENANCE.interpolated);
    expect(linear.read(0, 6, 7).flags[0]).toBe(0);
    // Created frames have no model value.
    expect(Number.isNaN(linear.read(0, 6, 7).originals[0])).toBe(true);
    // Box and score between the keyframes' (boxes x0 - 60 at frames 4 and 8).
    expect(linear.read(0, 6, 7).boxes[0]).toBe(f32((pointAt(4, 0)[0] + pointAt(8, 0)[0]) / 2 - 60));

    // Catmull-Rom: tangents 1 (one-sided), (16 − 0) / 8 = 2, (16 − 4) / 4 = 3; at s = 0.5 the
    // Hermite basis is (½, ⅛, ½, −⅛) × (p0, h·m0, p1, h·m1), h = 4:
    // frame 2: 0 + 0.5 + 2 − 1 = 1.5; frame 6: 2 + 1 + 8 − 1.5 = 9.5.
    const smooth = keyframed([0, 4, 8], [0, 4, 16]);
    applyChecked(smooth, { action: 'interpolate', trackId: 0, inFrame: 0, outFrame: 9, method: 'smooth' });
    expect(keypoint(smooth, 0, 2, 0)[0]).toBe(1.5);
    expect(keypoint(smooth, 0, 6, 0)[0]).toBe(9.5);
    expect(keypoint(smooth, 0, 6, 0)[1]).toBe(19);
  });

  it('smooth follows the keyframes outside the range (x = t²/4 at 0, 4, 8, 12 gives 9 at frame 6)', () => {
    const source = keyframed([0, 4, 8, 12], [0, 4, 16, 36]);
    applyChecked(source, { action: 'interpolate', trackId: 0, inFrame: 4, outFrame: 9, method: 'smooth' });
    // Only (4, 8) is filled; tangents (16 − 0) / 8 = 2 and (36 − 4) / 8 = 4: 2 + 1 + 8 − 2 = 9.
    expect(framesOf(source, 0)).toEqual([0, 4, 5, 6, 7, 8, 12]);
    expect(keypoint(source, 0, 6, 0)[0]).toBe(9);
  });

  it('interpolates existing frames in place, keeping their model values, and refuses without two keyframes', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    expect(() => runEdit(source, { action: 'interpolate', trackId: 0, inFrame: 0, outFrame: 10 })).toThrow(
      'Interpolation needs two keyframes in frames 0–9 of track 0; found none. Mark keyframes first.',
    );
    applyChecked(source, { action: 'moveKeypoint', trackId: 0, frame: 2, joint: 0, x: 100, y: 100 });
    expect(() => runEdit(source, { action: 'interpolate', trackId: 0, inFrame: 0, outFrame: 10 })).toThrow(
      /found one \(frame 2\)/,
    );
    applyChecked(source, { action: 'moveKeypoint', trackId: 0, frame: 6, joint: 0, x: 140, y: 100 });
    const model = keypoint(source, 0, 4, 0);
    const r = applyChecked(source, { action: 'interpolate', trackId: 0, inFrame: 0, outFrame: 10 });
    expect(r.changes[0]).toMatchObject({ start: 2, end: 7 });
    expect(keypoint(source, 0, 4, 0)).toEqual([120, 100, 1]);
    expect(Array.from(source.read(0, 4, 5).originals.subarray(0, 3))).toEqual(model);
    expect(provenanceAt(source, 0, 4, 0)).toBe(PROVENANCE.interpolated);
    expect(provenanceAt(source, 0, 4, 5)).toBe(PROVENANCE.interpolated);
    expect(provenanceAt(source, 0, 7, 0)).toBe(PROVENANCE.model);
  });

  it('fills a gap from the poses on either side', () => {
    const source = memory([{ trackId: 0, frames: [...range(0, 5), ...range(8, 11)] }]);
    const r = applyChecked(source, { action: 'fillGap', trackId: 0, frame: 6 });
    expect(r.changes[0]).toMatchObject({ start: 5, end: 8 });
    expect(framesOf(source, 0)).toEqual(range(0, 11));
    const [a, b] = [pointAt(4, 3), pointAt(8, 3)];
    expect(keypoint(source, 0, 6, 3)[0]).toBe(f32((a[0] + b[0]) / 2));
    expect(provenanceAt(source, 0, 5, 3)).toBe(PROVENANCE.interpolated);
    expect(() => runEdit(source, { action: 'fillGap', trackId: 0, frame: 6 })).toThrow(
      'Track 0 has a pose at frame 6: it is not in a gap.',
    );
    expect(() => runEdit(source, { action: 'fillGap', trackId: 0, frame: 40 })).toThrow(
      /Frame 40 is outside track 0 \(frames 0–10\)/,
    );
    // Smooth through a straight walk gives the straight walk.
    const walk = memory([{ trackId: 0, frames: [...range(0, 5), ...range(9, 14)] }]);
    applyChecked(walk, { action: 'fillGap', trackId: 0, frame: 7, method: 'smooth' });
    expect(keypoint(walk, 0, 7, 2)[0]).toBeCloseTo(pointAt(7, 2)[0], 3);
  });
});

describe('track operations', () => {
  it('swaps left and right on a range only', () => {
    const source = memory([{ trackId: 0, frames: range(0, 20) }]);
    const [lk, rk, nose] = [J('left_knee'), J('right_knee'), J('nose')];
    const before5 = [keypoint(source, 0, 5, lk), keypoint(source, 0, 5, rk)];
    applyChecked(source, { action: 'swapLeftRight', trackId: 0, inFrame: 5, outFrame: 10 });
    expect(keypoint(source, 0, 5, lk)).toEqual(before5[1]);
    expect(keypoint(source, 0, 5, rk)).toEqual(before5[0]);
    expect(keypoint(source, 0, 5, nose)).toEqual([...pointAt(5, nose).map(f32), f32(0.9)]);
    expect(provenanceAt(source, 0, 9, lk)).toBe(PROVENANCE.human);
    expect(provenanceAt(source, 0, 9, nose)).toBe(PROVENANCE.model);
    expect(provenanceAt(source, 0, 10, lk)).toBe(PROVENANCE.model);
    // Each joint keeps the model's value of itself.
    expect(Array.from(source.read(0, 5, 6).originals.subarray(lk * 3, lk * 3 + 3))).toEqual(before5[0]);
    // Swapping back restores the values (provenance stays human: a person checked them).
    applyChecked(source, { action: 'swapLeftRight', trackId: 0, inFrame: 5, outFrame: 10 });
    expect(keypoint(source, 0, 5, lk)).toEqual(before5[0]);
    expect(() => runEdit(source, { action: 'swapLeftRight', trackId: 0, inFrame: 30, outFrame: 40 })).toThrow(
      'Track 0 has no poses in frames 30–39.',
    );
  });

  it('splits a track into a new id', () => {
    const source = memory([
      { trackId: 0, frames: range(0, 20), label: 'server' },
      { trackId: 3, frames: range(0, 5) },
    ]);
    const r = applyChecked(source, { action: 'splitTrack', trackId: 0, frame: 12 });
    expect(r.summary).toBe('Split track 0 at frame 12 into track 4');
    expect(framesOf(source, 0)).toEqual(range(0, 12));
    expect(framesOf(source, 4)).toEqual(range(12, 20));
    expect(source.label(4)).toBe('server');
    expect(keypoint(source, 4, 15, 2)).toEqual([...pointAt(15, 2).map(f32), f32(0.8)]);
    expect(() => runEdit(source, { action: 'splitTrack', trackId: 0, frame: 0 })).toThrow(
      'Splitting track 0 at frame 0 would leave nothing before it: the track starts at frame 0. Split at a later frame.',
    );
    expect(() => runEdit(source, { action: 'splitTrack', trackId: 0, frame: 5, newTrackId: 3 })).toThrow(
      'Track 3 already exists; split into a new id, or reassign the frames to it instead.',
    );
  });

  it('merges tracks, refusing or keeping the first on overlap', () => {
    const source = memory([
      { trackId: 0, frames: range(0, 10) },
      { trackId: 1, frames: range(10, 20) },
      { trackId: 2, frames: range(8, 13) },
    ]);
    const b = source.segment(1);
    applyChecked(source, { action: 'mergeTracks', trackId: 0, otherTrackId: 1 });
    expect(source.trackIds()).toEqual([0, 2]);
    expect(framesOf(source, 0)).toEqual(range(0, 20));
    // Track 1's poses moved as they were (track 1 was drawn 400 px right).
    expect(segmentsEqual(source.read(0, 10, 20), b)).toBe(true);
    expect(() => runEdit(source, { action: 'mergeTracks', trackId: 0, otherTrackId: 2 })).toThrow(
      "Tracks 0 and 2 both have poses at 5 frames (8–12). Merge with overlap 'keep-first' to keep track 0's poses there, or delete them from one track first.",
    );
    const mine = source.read(0, 8, 13);
    applyChecked(source, { action: 'mergeTracks', trackId: 0, otherTrackId: 2, overlap: 'keep-first' });
    expect(source.trackIds()).toEqual([0]);
    expect(segmentsEqual(source.read(0, 8, 13), mine)).toBe(true);
    expect(() => runEdit(source, { action: 'mergeTracks', trackId: 0, otherTrackId: 0 })).toThrow(
      'A track cannot be merged with itself (track 0).',
    );
  });

  it('reassigns a range to a new or existing id, and swaps identities', () => {
    const source = memory([
      { trackId: 0, frames: range(0, 20) },
      { trackId: 1, frames: range(0, 20) },
    ]);
    const zero = source.read(0, 5, 8);
    applyChecked(source, { action: 'reassignRange', trackId: 0, inFrame: 5, outFrame: 8, toTrackId: 9 });
    expect(framesOf(source, 0)).toEqual([...range(0, 5), ...range(8, 20)]);
    expect(segmentsEqual(source.segment(9), zero)).toBe(true);
    expect(() =>
      runEdit(source, { action: 'reassignRange', trackId: 0, inFrame: 10, outFrame: 15, toTrackId: 1 }),
    ).toThrow(
      "Track 1 already has 5 poses in frames 10–14; reassign with conflict 'swap' to exchange them, or delete them first.",
    );
    const [a, b] = [source.read(0, 10, 15), source.read(1, 10, 15)];
    const r = applyChecked(source, {
      action: 'reassignRange',
      trackId: 0,
      inFrame: 10,
      outFrame: 15,
      toTrackId: 1,
      conflict: 'swap',
    });
    expect(r.summary).toBe('Swap frames 10–14 of track 0 with track 1');
    expect(segmentsEqual(source.read(0, 10, 15), b)).toBe(true);
    expect(segmentsEqual(source.read(1, 10, 15), a)).toBe(true);
  });

  it('deletes a range', () => {
    const source = memory([{ trackId: 0, frames: range(0, 20) }]);
    applyChecked(source, { action: 'deleteRange', trackId: 0, inFrame: 3, outFrame: 17 });
    expect(framesOf(source, 0)).toEqual([0, 1, 2, 17, 18, 19]);
    applyChecked(source, { action: 'deleteRange', trackId: 0, inFrame: 0, outFrame: 20 });
    expect(source.trackIds()).toEqual([]);
  });
});

describe('smoothing as an edit', () => {
  it('filters a range with a median, marking the changed keypoints filtered and leaving human ones', () => {
    const source = memory([{ trackId: 0, frames: range(0, 40) }]);
    const j = J('left_wrist');
    // A spike at frame 20 (model data) and a human-placed point at frame 25.
    const seg = source.segment(0);
    seg.keypoints[(20 * K + j) * 3] += 80;
    const spiky = new MemorySource('coco17', VIDEO, [{ trackId: 0, label: 'person', segment: seg }]);
    applyChecked(spiky, { action: 'moveKeypoint', trackId: 0, frame: 25, joint: j, x: 900, y: 300 });
    const r = applyChecked(spiky, {
      action: 'filterRange',
      trackId: 0,
      inFrame: 15,
      outFrame: 30,
      filter: 'median',
      window: 5,
    });
    expect(r.summary).toBe('Smooth median 5 (track 0, frames 15–29)');
    // The median of 316, 318, 400 (the spike), 322, 324 (+ the joint's offset) is frame 21's value.
    expect(keypoint(spiky, 0, 20, j)[0]).toBe(f32(pointAt(21, j)[0]));
    expect(provenanceAt(spiky, 0, 20, j)).toBe(PROVENANCE.filtered);
    expect(spiky.read(0, 20, 21).originals[j * 3]).toBe(f32(pointAt(20, j)[0] + 80));
    expect(keypoint(spiky, 0, 25, j)).toEqual([900, 300, 1]);
    expect(provenanceAt(spiky, 0, 25, j)).toBe(PROVENANCE.human);
    // Outside the range nothing moves.
    expect(provenanceAt(spiky, 0, 31, j)).toBe(PROVENANCE.model);
    expect(() =>
      runEdit(spiky, {
        action: 'filterRange',
        trackId: 0,
        inFrame: 0,
        outFrame: 10,
        filter: 'butterworth',
        cutoffHz: 13,
      }),
    ).toThrow(/The Butterworth cutoff must be below half the frame rate \(12.5 Hz/);
  });

  it('reverts corrections to the model values', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    const model = source.segment(0);
    applyChecked(source, { action: 'moveKeypoint', trackId: 0, frame: 4, joint: 3, x: 10, y: 10 });
    applyChecked(source, { action: 'swapLeftRight', trackId: 0, inFrame: 2, outFrame: 6 });
    applyChecked(source, { action: 'revertToModel', trackId: 0, inFrame: 0, outFrame: 10 });
    const now = source.segment(0);
    expect(Array.from(now.keypoints)).toEqual(Array.from(model.keypoints));
    expect(now.provenance.every((c) => c === 0)).toBe(true);
    expect(now.flags[4]).toBe(KEYFRAME);
  });
});

describe('corrections in or out, and the history bytes', () => {
  it('gives the model values back and drops what the model never gave', () => {
    const source = memory([{ trackId: 0, frames: range(0, 10) }]);
    const model = source.segment(0);
    applyChecked(source, { action: 'moveKeypoint', trackId: 0, frame: 4, joint: 3, x: 10, y: 10 });
    applyChecked(source, { action: 'swapLeftRight', trackId: 0, inFrame: 6, outFrame: 8 });
    applyChecked(source, {
      action: 'addPerson',
      trackId: 0,
      frame: 12,
      box: [1, 1, 10, 10],
      keypoints: new Array(K * 3).fill(0.5),
    });
    const plain = withoutCorrections(source.segment(0), K);
    expect(Array.from(plain.frames)).toEqual(range(0, 10));
    expect(Array.from(plain.keypoints)).toEqual(Array.from(model.keypoints));
    expect(plain.provenance.every((c) => c === 0)).toBe(true);
  });

  it('encodes and decodes patches bit for bit', () => {
    const source = memory([
      { trackId: 0, frames: range(0, 10) },
      { trackId: 1, frames: range(10, 20) },
    ]);
    applyChecked(source, { action: 'moveKeypoint', trackId: 1, frame: 12, joint: 3, x: 10, y: 10 });
    const r = runEdit(source, { action: 'mergeTracks', trackId: 0, otherTrackId: 1 });
    const { k, patches } = decodePatches(encodePatches(r.changes, K));
    expect(k).toBe(K);
    expect(patches).toHaveLength(2);
    patches.forEach((p, i) => {
      expect({ ...p, before: 0, after: 0 }).toEqual({ ...r.changes[i], before: 0, after: 0 });
      expect(segmentsEqual(p.before, r.changes[i].before)).toBe(true);
      expect(segmentsEqual(p.after, r.changes[i].after)).toBe(true);
    });
    expect(segmentsEqual(patches[1].after, emptySegment(0, K))).toBe(true);
    expect(() => decodePatches(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/cannot be read/);
  });
});
