/**
 * Features without training: invariant to where the person stands and how large they appear
 * (2D), to in-plane rotation (bones in the body frame, angles), to the camera's turn about the
 * vertical axis (3D body frame); unseen joints filled, absent frames NaN; concatenation and
 * z-scoring; and two views of the same movement at different speeds aligned through them.
 */
import { describe, expect, it } from 'vitest';
import {
  applyZScore,
  concatFeatures,
  correspondenceTau,
  dtw,
  frameError,
  poseFeatures2d,
  poseFeatures3d,
  zScore,
  zScoreStats,
  type Feature2dKind,
  type FeatureSequence,
} from '../../../src/shared/alignment';
import { buildTrack, type PoseTrack } from '../../../src/shared/pose';
import { figure3d, figureTrack, linspace, warp } from './synthetic';

const KINDS_2D: Feature2dKind[] = ['keypoints', 'bones', 'angles'];

/** The same track with every keypoint moved by p ↦ s·R·p + t (scores kept). */
function transformTrack(track: PoseTrack, s: number, angle: number, tx: number, ty: number): PoseTrack {
  const kp = Float32Array.from(track.keypoints);
  const c = Math.cos(angle);
  const sn = Math.sin(angle);
  for (let i = 0; i < kp.length; i += 3) {
    const x = kp[i];
    const y = kp[i + 1];
    kp[i] = s * (c * x - sn * y) + tx;
    kp[i + 1] = s * (sn * x + c * y) + ty;
  }
  return { ...track, keypoints: kp };
}

function maxDiff(a: FeatureSequence, b: FeatureSequence): number {
  expect(a.dim).toBe(b.dim);
  let m = 0;
  for (let i = 0; i < a.values.length; i++) m = Math.max(m, Math.abs(a.values[i] - b.values[i]));
  return m;
}

describe('2D features', () => {
  const track = figureTrack(linspace(40), { yaw: 0.4 });

  it('have the documented dimensions and names', () => {
    const f = poseFeatures2d(track, { kinds: KINDS_2D });
    // 17 keypoints × 2 + 12 body bones × 2 (face links dropped) + 8 angles
    expect(f.dim).toBe(34 + 24 + 8);
    expect(f.names.length).toBe(f.dim);
    expect(f.names).toContain('left_knee.x');
    expect(f.names).toContain('bone:left_hip>left_knee.y');
    expect(f.names).toContain('angle:right_elbow');
    expect(f.values.length).toBe(40 * f.dim);
    expect(Array.from(f.frames)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Normalised keypoints: mid-hip at the origin, median torso length 1.
    const lh = f.names.indexOf('left_hip.x');
    const rh = f.names.indexOf('right_hip.x');
    for (let r = 0; r < 40; r++) {
      expect(f.values[r * f.dim + lh] + f.values[r * f.dim + rh]).toBeCloseTo(0, 5);
      expect(f.values[r * f.dim + lh + 1] + f.values[r * f.dim + rh + 1]).toBeCloseTo(0, 5);
    }
    // Bone directions are unit vectors; angle cosines lie in [−1, 1].
    const b0 = f.names.indexOf('bone:left_hip>left_knee.x');
    expect(Math.hypot(f.values[b0], f.values[b0 + 1])).toBeCloseTo(1, 5);
    const kneeAngle = f.names.indexOf('angle:left_knee');
    // Standing straight at phase 0: the knee is straight, cos ≈ −1.
    expect(f.values[kneeAngle]).toBeLessThan(-0.99);
  });

  it('do not change when the person is elsewhere in the image or larger', () => {
    const moved = transformTrack(track, 2.5, 0, 300, -40);
    for (const kind of KINDS_2D) {
      expect(
        maxDiff(poseFeatures2d(track, { kinds: [kind] }), poseFeatures2d(moved, { kinds: [kind] })),
      ).toBeLessThan(1e-4);
    }
    expect(
      maxDiff(poseFeatures2d(track, { scale: 'frame' }), poseFeatures2d(moved, { scale: 'frame' })),
    ).toBeLessThan(1e-4);
  });

  it('bones (body frame) and angles do not change with an in-plane camera roll; image-frame bones do', () => {
    const rolled = transformTrack(track, 1.3, 0.5, 50, 10);
    expect(
      maxDiff(
        poseFeatures2d(track, { kinds: ['bones', 'angles'] }),
        poseFeatures2d(rolled, { kinds: ['bones', 'angles'] }),
      ),
    ).toBeLessThan(1e-4);
    expect(
      maxDiff(
        poseFeatures2d(track, { kinds: ['bones'], bodyFrame: false }),
        poseFeatures2d(rolled, { kinds: ['bones'], bodyFrame: false }),
      ),
    ).toBeGreaterThan(0.1);
  });

  it('fill a low-score joint from its neighbours in time and leave absent frames NaN', () => {
    const kp = Float32Array.from(track.keypoints);
    const wrist = 9; // left_wrist
    kp[(10 * 17 + wrist) * 3 + 2] = 0.05;
    kp[(10 * 17 + wrist) * 3] = 9999; // garbage where the detector was unsure
    const unsure: PoseTrack = { ...track, keypoints: kp };
    const f = poseFeatures2d(unsure, { kinds: ['keypoints'] });
    const g = poseFeatures2d(track, { kinds: ['keypoints'] });
    const x = f.names.indexOf('left_wrist.x');
    expect(f.values[10 * f.dim + x]).toBeCloseTo((g.values[9 * g.dim + x] + g.values[11 * g.dim + x]) / 2, 5);
    // A frame without hips: every joint interpolated, not NaN.
    const noHips = Float32Array.from(track.keypoints);
    noHips[(20 * 17 + 11) * 3 + 2] = 0;
    const h = poseFeatures2d({ ...track, keypoints: noHips });
    expect(h.values.subarray(20 * h.dim, 21 * h.dim).every(Number.isFinite)).toBe(true);

    // Frames 0-9 and 15-19 present: rows 10-14 are NaN with fillGaps, absent without.
    const frames = [
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 5 }, (_, i) => 15 + i),
    ];
    const gappy = figureTrack(
      Float64Array.from(frames, (t) => t / 19),
      {},
      frames,
    );
    const filled = poseFeatures2d(gappy);
    expect(filled.frames.length).toBe(20);
    for (let r = 0; r < 20; r++) {
      const row = filled.values.subarray(r * filled.dim, (r + 1) * filled.dim);
      expect(row.every(Number.isNaN)).toBe(r >= 10 && r < 15);
    }
    const compact = poseFeatures2d(gappy, { fillGaps: false });
    expect(Array.from(compact.frames)).toEqual(frames);
    expect(compact.values.every(Number.isFinite)).toBe(true);
  });

  it('refuse what they cannot use', () => {
    const empty = buildTrack(3, 'coco17', []);
    expect(() => poseFeatures2d(empty)).toThrow(/track 3 has no frames/);
    const blind = {
      ...track,
      keypoints: Float32Array.from(track.keypoints, (v, i) => (i % 3 === 2 ? 0.1 : v)),
    };
    expect(() => poseFeatures2d(blind)).toThrow(/no frame with both hips and both shoulders scoring ≥ 0.3/);
    expect(() => poseFeatures2d(track, { kinds: [] })).toThrow(/no feature kind/);
    expect(() => poseFeatures2d(track, { kinds: ['speed' as Feature2dKind] })).toThrow(
      /unknown kind 'speed'/,
    );
    expect(() => poseFeatures2d({ ...track, keypoints: track.keypoints.subarray(3) })).toThrow(
      /keypoint values, expected 40 × 17 × 3/,
    );
  });
});

describe('3D features', () => {
  const phases = linspace(30);
  const joints = figure3d(phases);

  it('do not change when the body turns about the vertical axis, moves or grows', () => {
    for (const yaw of [0.3, 1.2, Math.PI]) {
      const turned = figure3d(phases, yaw, [0.5, 0.1, -2], 1.7);
      for (const kind of ['joints', 'bones', 'angles'] as const) {
        const a = poseFeatures3d(joints, 17, 'h36m17', { kinds: [kind] });
        const b = poseFeatures3d(turned, 17, 'h36m17', { kinds: [kind] });
        expect(maxDiff(a, b)).toBeLessThan(1e-4);
      }
    }
  });

  it('change with the movement itself', () => {
    const f = poseFeatures3d(joints, 17, 'h36m17');
    expect(f.dim).toBe(16 * 3 + 8);
    let change = 0;
    for (let k = 0; k < f.dim; k++)
      change = Math.max(change, Math.abs(f.values[15 * f.dim + k] - f.values[k]));
    expect(change).toBeGreaterThan(0.5);
  });

  it('fill NaN joints over time and refuse bad shapes', () => {
    const holes = Float32Array.from(joints);
    holes.fill(NaN, (5 * 17 + 13) * 3, (5 * 17 + 14) * 3); // left wrist at frame 5
    const f = poseFeatures3d(holes, 17, 'h36m17');
    expect(f.values.every(Number.isFinite)).toBe(true);
    expect(() => poseFeatures3d(joints, 16, 'h36m17')).toThrow(/16 joints given but skeleton h36m17 has 17/);
    expect(() => poseFeatures3d(joints.subarray(1), 17, 'h36m17')).toThrow(/not a whole number of frames/);
    expect(() => poseFeatures3d(new Float32Array(0), 17, 'h36m17')).toThrow(/no frames/);
  });
});

describe('concatenation and z-scores', () => {
  const track = figureTrack(linspace(25));

  it('concatenate dimensions and names of the same frames', () => {
    const a = poseFeatures2d(track, { kinds: ['angles'] });
    const b = poseFeatures2d(track, { kinds: ['bones'] });
    const c = concatFeatures(a, b);
    expect(c.dim).toBe(a.dim + b.dim);
    expect(c.names).toEqual([...a.names, ...b.names]);
    expect(c.values[3 * c.dim + a.dim]).toBe(b.values[3 * b.dim]);
    const shorter = poseFeatures2d(figureTrack(linspace(24)));
    expect(() => concatFeatures(a, shorter)).toThrow(/sequence 1 covers other frames than sequence 0/);
    expect(() => concatFeatures()).toThrow(/nothing to concatenate/);
  });

  it('z-score every dimension to mean 0 and std 1; a constant one to 0; NaN kept', () => {
    const f = poseFeatures2d(track, { kinds: ['keypoints'] });
    f.values[5 * f.dim] = NaN;
    const z = zScore(f);
    const stats = zScoreStats([z]);
    for (let d = 0; d < f.dim; d++) {
      expect(stats.mean[d]).toBeCloseTo(0, 4);
      const constant = zScoreStats([f]).std[d] < 1e-9;
      expect(stats.std[d]).toBeCloseTo(constant ? 0 : 1, 4);
    }
    expect(z.values[5 * f.dim]).toBeNaN();
    expect(() => applyZScore(f, { mean: new Float64Array(2), std: new Float64Array(2) })).toThrow(
      /statistics of 2 dimensions/,
    );
  });
});

describe('features → DTW', () => {
  const n = 150;
  const m = 110;
  const learnerPhase = Float64Array.from(linspace(n), warp);
  const truth = Array.from(learnerPhase, (u) => u * (m - 1));
  const align = (learnerYaw: number, referenceYaw: number) => {
    const learner = poseFeatures2d(figureTrack(learnerPhase, { yaw: learnerYaw, noise: 1.5, seed: 2 }));
    const reference = poseFeatures2d(figureTrack(linspace(m), { yaw: referenceYaw, noise: 1.5, seed: 3 }));
    return dtw(learner.values, reference.values, learner.dim).aToB!;
  };

  it('align a learner at another speed to the reference seen from the same side', () => {
    const aToB = align(0.3, 0.3);
    expect(correspondenceTau(aToB)).toBeGreaterThanOrEqual(0.99);
    expect(frameError(aToB, truth).median).toBeLessThanOrEqual(1);
  });

  it('align a learner filmed 46° further round (tau ≥ 0.95, median error ≤ 3 frames)', () => {
    const aToB = align(0.5, -0.3);
    expect(correspondenceTau(aToB)).toBeGreaterThanOrEqual(0.95);
    expect(frameError(aToB, truth).median).toBeLessThanOrEqual(3);
  });
});
