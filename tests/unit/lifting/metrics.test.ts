import { describe, expect, it } from 'vitest';
import {
  applySimilarity,
  LiftingMetrics,
  meanVelocityError,
  mpjpe,
  nMpjpe,
  pMpjpe,
  procrustes,
} from '../../../src/shared/lifting/metrics';
import { Rng } from '../../../src/shared/lifting/rng';

function randomPose(rng: Rng, joints: number): Float32Array {
  return Float32Array.from({ length: joints * 3 }, () => rng.normal() * 0.3);
}

/** Rotation by `angle` about a unit axis (Rodrigues), row-major. */
function rotation(axis: [number, number, number], angle: number): number[] {
  const n = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / n);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const C = 1 - c;
  return [
    c + x * x * C, x * y * C - z * s, x * z * C + y * s,
    y * x * C + z * s, c + y * y * C, y * z * C - x * s,
    z * x * C - y * s, z * y * C + x * s, c + z * z * C,
  ]; // prettier-ignore
}

describe('lifting metrics', () => {
  it('MPJPE by hand', () => {
    // two joints: one off by (3, 4, 0) → 5, one exact → 0; mean 2.5
    expect(mpjpe([0, 0, 0, 1, 1, 1], [3, 4, 0, 1, 1, 1])).toBeCloseTo(2.5, 10);
    expect(() => mpjpe([0, 0, 0], [0, 0])).toThrow(/prediction has 3 numbers/);
  });

  it('P-MPJPE is zero for a rotated, scaled and translated copy, and finds that transform', () => {
    const rng = new Rng(11);
    const gt = randomPose(rng, 17);
    const R = rotation([1, -2, 0.5], 2.1);
    const pred = applySimilarity(gt, { rotation: R, scale: 0.6, translation: [0.3, -1, 2] });
    expect(mpjpe(pred, gt)).toBeGreaterThan(0.1);
    expect(pMpjpe(pred, gt, 17)).toBeLessThan(1e-6);
    const t = procrustes(pred, gt);
    expect(t.scale).toBeCloseTo(1 / 0.6, 5);
  });

  it('P-MPJPE does not undo a mirror image (rotations only) and is at most MPJPE', () => {
    const rng = new Rng(3);
    const gt = randomPose(rng, 17);
    const mirrored = gt.map((v, i) => (i % 3 === 0 ? -v : v));
    expect(pMpjpe(mirrored, gt, 17)).toBeGreaterThan(0.05);
    const noisy = gt.map((v) => v + 0.05 * rng.normal());
    expect(pMpjpe(noisy, gt, 17)).toBeLessThanOrEqual(mpjpe(noisy, gt) + 1e-9);
  });

  it('N-MPJPE removes scale only', () => {
    const rng = new Rng(5);
    const gt = randomPose(rng, 17);
    expect(
      nMpjpe(
        gt.map((v) => v * 1.3),
        gt,
        17,
      ),
    ).toBeLessThan(1e-6);
    const R = rotation([0, 0, 1], 0.5);
    expect(
      nMpjpe(applySimilarity(gt, { rotation: R, scale: 1, translation: [0, 0, 0] }), gt, 17),
    ).toBeGreaterThan(0.01);
  });

  it('velocity error by hand', () => {
    // one joint, three frames: truth still, prediction moves 1 then 2 along x → errors 1 and 2
    const gt = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    const pred = [0, 0, 0, 1, 0, 0, 3, 0, 0];
    expect(meanVelocityError(pred, gt, 1)).toBeCloseTo(1.5, 10);
    // a constant offset has no velocity error
    expect(meanVelocityError([1, 1, 1, 2, 1, 1], [0, 0, 0, 1, 0, 0], 1)).toBeCloseTo(0, 10);
  });

  it('accumulates per joint and per group, in millimetres, without straddling sequences', () => {
    const m = new LiftingMetrics(2);
    // sequence A (group walk): 2 frames, joint 1 off by 10 mm in both
    m.add([0, 0, 0, 0.01, 0, 0, 0, 0, 0, 0.01, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], ['walk']);
    // sequence B (group jump): 1 frame, joint 1 off by 40 mm
    m.add([0, 0, 0, 0, 0.04, 0], [0, 0, 0, 0, 0, 0], ['jump']);
    const s = m.summary();
    expect(s.overall.frames).toBe(3);
    expect(s.perJoint[0].mpjpeMm).toBeCloseTo(0, 9);
    expect(s.perJoint[1].mpjpeMm).toBeCloseTo((10 + 10 + 40) / 3, 6);
    expect(s.overall.mpjpeMm).toBeCloseTo((10 + 10 + 40) / 6, 6);
    expect(s.perGroup.walk.mpjpeMm).toBeCloseTo(5, 6);
    expect(s.perGroup.jump.mpjpeMm).toBeCloseTo(20, 6);
    // velocities: only within A (constant offset → 0); B has one frame → no pair
    expect(s.overall.velocityMmPerFrame).toBeCloseTo(0, 9);
    expect(Number.isNaN(s.perGroup.jump.velocityMmPerFrame)).toBe(true);
    expect(() => new LiftingMetrics(2).summary()).toThrow(/nothing was added/);
    expect(() => m.add([NaN, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0])).toThrow(/not finite/);
  });
});
