import { describe, expect, it } from 'vitest';
import { flipPoses, H36M17_SWAP_PAIRS } from '../../../src/shared/lifting/flip';
import {
  applyInputNormalization,
  denormalizeScreen,
  MOTION_GAIN,
  normalizePoseFrames,
  normalizeScreen,
  rootRelative,
} from '../../../src/shared/lifting/normalize';
import { fillMissing, padEdges, prepareLifterInput, toH36m2d } from '../../../src/shared/lifting/prepare';
import { Rng } from '../../../src/shared/lifting/rng';
import { H36M17_JOINTS } from '../../../src/shared/skeletons/h36m17';
import { COCO17_JOINTS } from '../../../src/shared/skeletons/coco17';

describe('VideoPose3D normalisation', () => {
  it('maps the image width to [−1, 1] keeping the aspect ratio, and back', () => {
    const px = Float32Array.from([0, 0, 1920, 1080, 960, 540, 123.5, 987.25]);
    const n = normalizeScreen(px, 1920, 1080);
    expect(Array.from(n.slice(0, 6))).toEqual([-1, -0.5625, 1, 0.5625, 0, 0]);
    const back = denormalizeScreen(n, 1920, 1080);
    for (let i = 0; i < px.length; i++) expect(back[i]).toBeCloseTo(px[i], 3);
    expect(() => normalizeScreen(px, 0, 1080)).toThrow(/must be two positive numbers/);
  });

  it('makes 3D root-relative and 2D pose-normalised per frame', () => {
    const p = Float32Array.from([1, 2, 3, 2, 2, 3, 1, 5, 3]);
    expect(Array.from(rootRelative(p, 3))).toEqual([0, 0, 0, 1, 0, 0, 0, 3, 0]);
    const rng = new Rng(2);
    const pts = Float32Array.from({ length: 3 * 17 * 2 }, () => rng.uniform(-1, 1));
    const n = normalizePoseFrames(pts, 17);
    for (let t = 0; t < 3; t++) {
      expect(n[t * 34]).toBe(0);
      expect(n[t * 34 + 1]).toBe(0);
      let q = 0;
      for (let j = 0; j < 17; j++) q += n[t * 34 + j * 2] ** 2 + n[t * 34 + j * 2 + 1] ** 2;
      expect(Math.sqrt(q / 17)).toBeCloseTo(1, 5);
    }
    // invariant to where the person is and how large they appear
    const moved = pts.map((v, i) => (i % 2 === 0 ? 3 * v + 0.4 : 3 * v - 0.2));
    const m = normalizePoseFrames(moved, 17);
    for (let i = 0; i < n.length; i++) expect(m[i]).toBeCloseTo(n[i], 5);
  });

  it("'pose-motion' puts the root's step, in body sizes, where 'pose' has (0, 0); mirroring commutes", () => {
    const rng = new Rng(5);
    const first = Float32Array.from({ length: 34 }, () => rng.uniform(-0.3, 0.3));
    // Frame 1: the person moved 0.05 right and 0.02 down, and appears twice as large.
    const second = first.map(
      (v, i) => 2 * v + (i % 2 === 0 ? 0.05 - first[0] : 0.02 - first[1]) + first[i % 2],
    );
    const screen = Float32Array.from([...first, ...second]);
    const pose = applyInputNormalization(screen, 17, 'pose');
    const motion = applyInputNormalization(screen, 17, 'pose-motion');
    expect(Array.from(motion.slice(2, 34))).toEqual(Array.from(pose.slice(2, 34)));
    expect(Array.from(motion.slice(36))).toEqual(Array.from(pose.slice(36)));
    expect([motion[0], motion[1]]).toEqual([0, 0]); // no step into the first frame
    let q = 0;
    for (let j = 0; j < 17; j++) q += (second[j * 2] - second[0]) ** 2 + (second[j * 2 + 1] - second[1]) ** 2;
    const rms = Math.sqrt(q / 17);
    expect(motion[34]).toBeCloseTo(((second[0] - first[0]) / rms) * MOTION_GAIN, 5);
    expect(motion[35]).toBeCloseTo(((second[1] - first[1]) / rms) * MOTION_GAIN, 5);
    // Training mirrors windows after normalising; mirroring the image first must give the same.
    const mirrored = flipPoses(screen, 17, 2);
    const a = applyInputNormalization(mirrored, 17, 'pose-motion');
    const b = flipPoses(motion, 17, 2);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
  });

  it('flips by mirroring x and swapping left and right joints; twice is the identity', () => {
    const rng = new Rng(8);
    const pose = Float32Array.from({ length: 2 * 17 * 3 }, () => rng.normal());
    const f = flipPoses(pose, 17, 3);
    const lw = H36M17_JOINTS.indexOf('left_wrist');
    const rw = H36M17_JOINTS.indexOf('right_wrist');
    expect(f[lw * 3]).toBeCloseTo(-pose[rw * 3], 6);
    expect(f[lw * 3 + 1]).toBeCloseTo(pose[rw * 3 + 1], 6);
    expect(f[0]).toBeCloseTo(-pose[0], 6); // the pelvis has no partner
    expect(Array.from(flipPoses(f, 17, 3))).toEqual(Array.from(pose));
    expect(H36M17_SWAP_PAIRS.length).toBe(6);
  });
});

describe('lifter input preparation', () => {
  it('interpolates missing keypoints in time and holds them at the ends', () => {
    // one joint, 5 frames: seen at frames 1 (x=10) and 4 (x=40); NaN at 2; score 0 at 3
    const pts = [0, 0, 0, 10, 1, 0.9, NaN, NaN, 0.9, 99, 99, 0.1, 40, 4, 0.9];
    const f = fillMissing(pts, 1, 0.3);
    expect(Array.from(f.pointsPx)).toEqual([10, 1, 10, 1, 20, 2, 30, 3, 40, 4]);
    expect(Array.from(f.filled)).toEqual([1, 0, 1, 1, 0]);
    expect(() => fillMissing([1, 1, 0, 2, 2, 0], 1, 0.3)).toThrow(/no keypoint with a score of at least 0.3/);
  });

  it('places a joint never seen at its parent', () => {
    // 2 frames × 3 joints (parents −1, 0, 1): joint 2 never seen
    const pts = [5, 5, 1, 6, 6, 1, 0, 0, 0, 7, 7, 1, 8, 8, 1, NaN, NaN, 1];
    const f = fillMissing(pts, 3, 0.3, [-1, 0, 1]);
    expect(Array.from(f.pointsPx.slice(4, 6))).toEqual([6, 6]);
    expect(Array.from(f.pointsPx.slice(10, 12))).toEqual([8, 8]);
  });

  it('maps COCO-17 to H36M-17 as documented (pelvis = mid-hips, thorax = mid-shoulders, head = mid-ears)', () => {
    const coco = new Float32Array(17 * 3);
    COCO17_JOINTS.forEach((_, j) => coco.set([10 * j, 100 + j, 1], j * 3));
    const h = toH36m2d(coco, 'coco17', 0.3);
    const at = (name: string): number[] => {
      const i = H36M17_JOINTS.indexOf(name as (typeof H36M17_JOINTS)[number]);
      return [h.pointsPx[i * 2], h.pointsPx[i * 2 + 1]];
    };
    const c = (name: string): number => COCO17_JOINTS.indexOf(name as (typeof COCO17_JOINTS)[number]);
    expect(at('pelvis')).toEqual([
      (10 * c('left_hip') + 10 * c('right_hip')) / 2,
      100 + (c('left_hip') + c('right_hip')) / 2,
    ]);
    expect(at('thorax')[0]).toBeCloseTo((10 * c('left_shoulder') + 10 * c('right_shoulder')) / 2, 5);
    expect(at('head')[0]).toBeCloseTo((10 * c('left_ear') + 10 * c('right_ear')) / 2, 5);
    expect(at('neck_nose')[0]).toBe(0);
    expect(at('left_foot')[0]).toBe(10 * c('left_ankle'));
    // a dropped ear marks the head as filled
    coco[c('left_ear') * 3 + 2] = 0;
    const g = toH36m2d(coco, 'coco17', 0.3);
    expect(g.filled[H36M17_JOINTS.indexOf('head')]).toBe(1);
    expect(g.filled[H36M17_JOINTS.indexOf('pelvis')]).toBe(0);
  });

  it('pads by edge replication so a short track still gives one input window per frame', () => {
    const v = Float32Array.from([1, 2, 3, 4]); // 2 frames of size 2
    expect(Array.from(padEdges(v, 2, 2, 1))).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4]);
    const track = new Float32Array(5 * 17 * 3).map((_, i) => (i % 3 === 2 ? 1 : 100 + (i % 7)));
    const prep = prepareLifterInput(track, 'coco17', 640, 480, 27);
    expect(prep.frames).toBe(5);
    expect(prep.input.length).toBe((5 + 26) * 34);
    expect(() => prepareLifterInput(track, 'coco17', 640, 480, 26)).toThrow(/odd/);
  });
});
