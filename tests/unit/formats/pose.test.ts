import { describe, expect, it } from 'vitest';
import {
  assertValidPoseSet,
  boxFromKeypoints,
  buildTrack,
  frameIndexOf,
  keypointsAt,
  primaryTrack,
  validatePoseSet,
} from '../../../src/shared/pose';
import { KinemaError } from '../../../src/shared/errors';
import { syntheticPoseSet, syntheticRow } from '../../helpers/poses';

describe('PoseTrack helpers', () => {
  it('buildTrack sorts rows, frameIndexOf finds frames, keypointsAt views them', () => {
    const t = buildTrack(3, 'coco17', [syntheticRow(9, 3), syntheticRow(2, 3), syntheticRow(5, 3)]);
    expect(Array.from(t.frames)).toEqual([2, 5, 9]);
    expect(frameIndexOf(t, 5)).toBe(1);
    expect(frameIndexOf(t, 6)).toBe(-1);
    expect(Array.from(keypointsAt(t, 2))).toEqual(Array.from(syntheticRow(9, 3).keypoints));
    expect(() => buildTrack(3, 'coco17', [syntheticRow(2, 3), syntheticRow(2, 3)])).toThrow(/frame 2 twice/);
  });

  it('boxFromKeypoints ignores missing joints; primaryTrack picks the longest', () => {
    expect(boxFromKeypoints([10, 20, 1, 0, 0, 0, 30, 60, 0.5])).toEqual([10, 20, 20, 40]);
    expect(boxFromKeypoints([0, 0, 0])).toEqual([0, 0, 0, 0]);
    expect(primaryTrack(syntheticPoseSet())?.trackId).toBe(0);
  });
});

describe('validatePoseSet', () => {
  it('accepts the synthetic set', () => {
    expect(validatePoseSet(syntheticPoseSet())).toEqual([]);
  });

  it('reports wrong lengths', () => {
    const set = syntheticPoseSet();
    set.tracks[0].keypoints = set.tracks[0].keypoints.subarray(3);
    set.tracks[1].scores = new Float32Array(2);
    const p = validatePoseSet(set);
    expect(p[0]).toMatch(/track 0: keypoints has 813 numbers, expected 16 frames × 17 joints × 3 = 816/);
    expect(p[1]).toMatch(/track 1: scores has 2 numbers, expected one per frame \(8\)/);
  });

  it('reports NaN, scores out of range, frames not increasing, frames beyond the video', () => {
    const set = syntheticPoseSet();
    set.tracks[0].keypoints[3] = NaN;
    set.tracks[0].keypoints[8] = 1.5;
    set.tracks[1].frames[2] = 2;
    set.tracks[1].frames[7] = 25;
    const p = validatePoseSet(set).join('\n');
    expect(p).toMatch(/track 0: frame 0, joint 1 \(left_eye\) is not a finite number/);
    expect(p).toMatch(/track 0: frame 0, joint 2 has score 1.5/);
    expect(p).toMatch(/track 1: frames must increase, but frame 2 follows frame 3/);
    expect(p).toMatch(/track 1: frame 25 is beyond the video's last frame \(19\)/);
  });

  it('reports a bad video, duplicate ids and unknown skeletons; assert throws a KinemaError', () => {
    const set = syntheticPoseSet();
    set.video.width = 0;
    set.tracks[1].trackId = 0;
    const p = validatePoseSet(set).join('\n');
    expect(p).toMatch(/video size must be positive/);
    expect(p).toMatch(/track id 0 is used twice/);
    (set.tracks[1] as { skeletonId: string }).skeletonId = 'nope';
    expect(validatePoseSet(set).join('\n')).toMatch(/unknown skeleton "nope"/);
    expect(() => assertValidPoseSet(set, 'poses.json')).toThrow(KinemaError);
    expect(() => assertValidPoseSet(set, 'poses.json')).toThrow(/^poses.json: video size/);
  });
});
