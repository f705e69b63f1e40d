import { describe, expect, it } from 'vitest';
import {
  findMapping,
  flipBoxes,
  flipPose,
  getSkeleton,
  mapPose,
  mappings,
  skeletons,
  type SkeletonId,
} from '../../../src/shared/skeletons';
import { KinemaError } from '../../../src/shared/errors';

const idx = (id: SkeletonId, name: string) => skeletons[id].joints.indexOf(name);

describe('skeleton definitions', () => {
  it('have the expected sizes and orders', () => {
    expect(skeletons.coco17.joints).toHaveLength(17);
    expect(skeletons['coco17-feet'].joints).toHaveLength(23);
    expect(skeletons.h36m17.joints).toHaveLength(17);
    expect(skeletons.blazepose33.joints).toHaveLength(33);
    expect(skeletons['openpose-body25'].joints).toHaveLength(25);
    expect(skeletons.coco17.joints.slice(0, 6)).toEqual([
      'nose',
      'left_eye',
      'right_eye',
      'left_ear',
      'right_ear',
      'left_shoulder',
    ]);
    expect(skeletons['coco17-feet'].joints.slice(17)).toEqual([
      'left_big_toe',
      'left_small_toe',
      'left_heel',
      'right_big_toe',
      'right_small_toe',
      'right_heel',
    ]);
    expect(idx('blazepose33', 'left_heel')).toBe(29);
    expect(idx('blazepose33', 'right_foot_index')).toBe(32);
    expect(idx('h36m17', 'thorax')).toBe(8);
    expect(idx('openpose-body25', 'mid_hip')).toBe(8);
    expect(idx('openpose-body25', 'right_heel')).toBe(24);
  });

  it('are internally consistent (links, swap pairs, parents in range; ids match keys)', () => {
    for (const [key, sk] of Object.entries(skeletons)) {
      expect(sk.id).toBe(key);
      const k = sk.joints.length;
      expect(new Set(sk.joints).size).toBe(k);
      for (const [a, b] of [...sk.links, ...sk.swapPairs]) {
        expect(a).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(k);
        expect(a).not.toBe(b);
      }
      for (const [a, b] of sk.swapPairs) {
        expect(sk.joints[a].replace('left', '')).toBe(sk.joints[b].replace('right', ''));
      }
      if (sk.parents) {
        expect(sk.parents).toHaveLength(k);
        expect(sk.parents.filter((p) => p === -1)).toHaveLength(1);
        sk.parents.forEach((p, i) => expect(p).toBeLessThan(i));
      }
    }
    expect(skeletons.coco17.swapPairs).toHaveLength(8);
    expect(skeletons.blazepose33.swapPairs).toHaveLength(16);
    expect(skeletons.h36m17.parents).toEqual([-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15]);
  });

  it('getSkeleton refuses an unknown id with the known ones listed', () => {
    expect(() => getSkeleton('coco99')).toThrow(/Unknown skeleton "coco99".*coco17/);
  });
});

describe('flipPose', () => {
  const k = 17;
  const pose = new Float32Array(k * 3);
  for (let j = 0; j < k; j++) pose.set([10 + j, 20 + j, 0.5 + j / 100], j * 3);

  it('mirrors x and swaps left/right joints', () => {
    const flipped = flipPose(pose, 'coco17', 100);
    const ls = idx('coco17', 'left_shoulder');
    const rs = idx('coco17', 'right_shoulder');
    // The new left shoulder is the old right shoulder, mirrored.
    expect(Array.from(flipped.subarray(ls * 3, ls * 3 + 3))).toEqual(
      Array.from(Float32Array.of(100 - (10 + rs), 20 + rs, 0.5 + rs / 100)),
    );
    expect(flipped[0]).toBe(90); // nose: no partner
    expect(Array.from(flipPose(flipped, 'coco17', 100))).toEqual(Array.from(pose));
  });

  it('handles several frames, keeps missing joints and flips boxes', () => {
    const two = new Float32Array(2 * k * 3);
    two.set(pose);
    two.set(pose, k * 3);
    two.fill(0, k * 3, k * 3 + 3);
    const flipped = flipPose(two, skeletons.coco17, 100);
    expect(Array.from(flipped.subarray(k * 3, k * 3 + 3))).toEqual([0, 0, 0]);
    expect(Array.from(flipBoxes([10, 5, 30, 40], 100))).toEqual([60, 5, 30, 40]);
    expect(() => flipPose(new Float32Array(50), 'coco17', 100)).toThrow(KinemaError);
  });
});

describe('mapPose', () => {
  const coco = new Float32Array(17 * 3);
  for (let j = 0; j < 17; j++) coco.set([j * 10, j * 5, 0.9 - j * 0.01], j * 3);
  const at = (pts: Float32Array, id: SkeletonId, name: string) =>
    Array.from(pts.subarray(idx(id, name) * 3, idx(id, name) * 3 + 3));

  it('COCO-17 → H36M-17 uses the VideoPose3D-style approximation', () => {
    const h = mapPose(coco, 'coco17', 'h36m17');
    const mid = (a: number, b: number) => (a + b) / 2;
    expect(at(h, 'h36m17', 'pelvis')[0]).toBeCloseTo(mid(110, 120));
    expect(at(h, 'h36m17', 'thorax')[1]).toBeCloseTo(mid(25, 30));
    expect(at(h, 'h36m17', 'spine')[0]).toBeCloseTo(mid(mid(110, 120), mid(50, 60)));
    expect(at(h, 'h36m17', 'neck_nose')).toEqual(at(coco, 'coco17', 'nose'));
    expect(at(h, 'h36m17', 'right_foot')).toEqual(at(coco, 'coco17', 'right_ankle'));
    // A derived joint is as sure as its weakest source.
    expect(at(h, 'h36m17', 'pelvis')[2]).toBeCloseTo(0.9 - 0.12);
  });

  it('BlazePose-33 → COCO-17+feet (and on to COCO-17 by composition)', () => {
    const bp = new Float32Array(33 * 3);
    for (let j = 0; j < 33; j++) bp.set([j, 100 + j, 1], j * 3);
    const feet = mapPose(bp, 'blazepose33', 'coco17-feet');
    expect(at(feet, 'coco17-feet', 'left_heel')).toEqual([29, 129, 1]);
    expect(at(feet, 'coco17-feet', 'right_big_toe')).toEqual([32, 132, 1]);
    expect(at(feet, 'coco17-feet', 'left_small_toe')).toEqual([0, 0, 0]);
    expect(at(feet, 'coco17-feet', 'left_eye')).toEqual([2, 102, 1]);
    const c17 = mapPose(bp, 'blazepose33', 'coco17');
    expect(c17).toHaveLength(51);
    expect(at(c17, 'coco17', 'right_ankle')).toEqual([28, 128, 1]);
    const h = mapPose(bp, 'blazepose33', 'h36m17');
    expect(at(h, 'h36m17', 'pelvis')[0]).toBeCloseTo(23.5);
  });

  it('BODY_25 ↔ COCO-17+feet', () => {
    const feet = mapPose(coco, 'coco17', 'coco17-feet');
    const body = mapPose(feet, 'coco17-feet', 'openpose-body25');
    expect(at(body, 'openpose-body25', 'neck')[0]).toBeCloseTo(55);
    expect(at(body, 'openpose-body25', 'left_heel')).toEqual([0, 0, 0]);
    const back = mapPose(mapPose(body, 'openpose-body25', 'coco17-feet'), 'coco17-feet', 'coco17');
    expect(Array.from(back)).toEqual(Array.from(coco));
  });

  it('every direct mapping covers its target and stays in range', () => {
    for (const m of mappings) {
      expect(m.terms).toHaveLength(skeletons[m.to].joints.length);
      for (const terms of m.terms)
        for (const [s] of terms) expect(s).toBeLessThan(skeletons[m.from].joints.length);
    }
    expect(findMapping('h36m17', 'blazepose33')).toBeNull();
    expect(() => mapPose(new Float32Array(51), 'h36m17', 'blazepose33')).toThrow(
      /no mapping from skeleton h36m17 to blazepose33/,
    );
  });
});
