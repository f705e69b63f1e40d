import { describe, expect, it } from 'vitest';
import { COCO17_FEET_JOINTS, H36M17_JOINTS } from '../../../src/shared/skeletons';
import { detectRig, importBvh, mapToTarget, RIGS, type MappedTake } from '../../../src/shared/mocap';
import { mirror, restRows, rigBvh, type JointSpec } from './synthetic-rig';

// A cgspeed "Daz" style skeleton in centimetres, Y up, facing +Z, in its rest pose.
const dazLeft: JointSpec[] = [
  ['lCollar', 'chest', [3, 18, 0]],
  ['lShldr', 'lCollar', [12, 0, 0]],
  ['lForeArm', 'lShldr', [28, 0, 0]],
  ['lHand', 'lForeArm', [24, 0, 0], [10, 0, 0]],
  ['lThigh', 'hip', [9, -5, 0]],
  ['lShin', 'lThigh', [0, -42, 0]],
  ['lFoot', 'lShin', [0, -42, 0], [0, -5, 14]],
];
const daz: JointSpec[] = [
  ['hip', null, [0, 0, 0]],
  ['abdomen', 'hip', [0, 10, 0]],
  ['chest', 'abdomen', [0, 15, 0]],
  ['neck', 'chest', [0, 20, 0]],
  ['head', 'neck', [0, 8, 0]],
  ['leftEye', 'head', [3.2, 8, 8], [0, 0, 1]],
  ['rightEye', 'head', [-3.2, 8, 8], [0, 0, 1]],
  ...dazLeft,
  ...mirror(dazLeft, (n) => n.replace(/^l/, 'r')),
];

function at(m: MappedTake, frame: number, joint: string): number[] {
  const k = m.jointNames.indexOf(joint);
  expect(k, joint).toBeGreaterThanOrEqual(0);
  return Array.from(
    m.positionsM.slice((frame * m.jointNames.length + k) * 3, (frame * m.jointNames.length + k) * 3 + 3),
  );
}

function expectNear(a: number[], b: number[], eps = 1e-5) {
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `${a} vs ${b}`).toBeLessThan(eps));
}

describe('rig detection', () => {
  it('recognises each rig from its real joint names', () => {
    for (const rig of RIGS) expect(detectRig([...rig.requires, 'Extra'])?.id).toBe(rig.id);
    expect(detectRig(['pelvis', 'femur_l'])).toBeNull();
  });

  it('prefers the specific CMU MotionBuilder rig over the generic Hips rig', () => {
    const mb = RIGS.find((r) => r.id === 'cmu-mb')!;
    expect(detectRig(mb.requires)?.id).toBe('cmu-mb');
    const generic = RIGS.find((r) => r.id === 'hips-generic')!;
    expect(detectRig(generic.requires)?.id).toBe('hips-generic');
  });
});

describe('mapping a Daz-style CMU take', () => {
  const text = rigBvh(daz, restRows(daz, 3, [0, 90, 0]));
  const { take, rig } = importBvh(text, { dropLeading: 0 });

  it('detects the rig and its centimetre units', () => {
    expect(rig?.id).toBe('cmu-daz');
    expect(take.meta.metresPerUnit).toBe(0.01);
    expect(take.frameCount).toBe(3);
  });

  it('supplies all 17 H36M joints: copies, mixes, approximations', () => {
    const m = mapToTarget(take, 'h36m17');
    expect(m.jointNames).toEqual(H36M17_JOINTS);
    expect(m.missing).toEqual([]);
    // BVH (x, y, z) cm → world (x, −z, y) m.
    expectNear(at(m, 0, 'left_hip'), [0.09, 0, 0.85]);
    expectNear(at(m, 0, 'right_knee'), [-0.09, 0, 0.43]);
    expectNear(at(m, 2, 'left_foot'), [0.09, 0, 0.01]);
    expectNear(at(m, 0, 'pelvis'), [0, 0, 0.85]);
    expectNear(at(m, 0, 'thorax'), [0, 0, 1.35]);
    expectNear(at(m, 0, 'spine'), [0, 0, (0.85 + 1.35) / 2]);
    expectNear(at(m, 0, 'left_shoulder'), [0.15, 0, 1.33]);
    expectNear(at(m, 0, 'right_wrist'), [-0.67, 0, 1.33]);
    // Head top: eye midpoint (0, −0.08, 1.51) − 3 cm forward (−Y) + 11 cm up.
    expectNear(at(m, 0, 'head'), [0, -0.05, 1.62]);
    expect(m.placement[H36M17_JOINTS.indexOf('pelvis')]).toBe('mix');
    expect(m.placement[H36M17_JOINTS.indexOf('left_knee')]).toBe('joint');
    expect(m.placement[H36M17_JOINTS.indexOf('neck_nose')]).toBe('approx');
  });

  it('places the COCO face from the eye joints and the feet from the toe End Sites', () => {
    const m = mapToTarget(take, 'coco17-feet');
    expect(m.jointNames).toEqual(COCO17_FEET_JOINTS);
    expect(m.missing).toEqual([]);
    expectNear(at(m, 0, 'left_eye'), [0.032, -0.08, 1.51]);
    expectNear(at(m, 0, 'right_eye'), [-0.032, -0.08, 1.51]);
    // Nose: 2 cm in front of (−Y) and 4 cm below the eyes; ears 9 cm behind, 7 cm out, 1 cm down.
    expectNear(at(m, 0, 'nose'), [0, -0.1, 1.47]);
    expectNear(at(m, 0, 'left_ear'), [0.07, 0.01, 1.5]);
    expectNear(at(m, 0, 'right_ear'), [-0.07, 0.01, 1.5]);
    // Heel behind (+Y) and below the ankle; small toe outside the big toe on each side.
    const ankle = at(m, 0, 'left_ankle');
    const heel = at(m, 0, 'left_heel');
    expect(heel[1]).toBeGreaterThan(ankle[1] + 0.01);
    expect(heel[2]).toBeLessThan(ankle[2] - 0.03);
    expect(at(m, 0, 'left_small_toe')[0]).toBeGreaterThan(at(m, 0, 'left_big_toe')[0] + 0.02);
    expect(at(m, 0, 'right_small_toe')[0]).toBeLessThan(at(m, 0, 'right_big_toe')[0] - 0.02);
    // Toes in front of the ankle.
    expect(at(m, 0, 'left_big_toe')[1]).toBeLessThan(ankle[1] - 0.1);
  });

  it('follows the motion: a rotated root turns every mapped joint', () => {
    // Root yaw 90° about BVH Y: the subject faces +X; the left hip moves to BVH −Z → world +Y.
    const rows = restRows(daz, 1, [0, 90, 0]);
    rows[0][5] = 90; // root channels: X, Y, Z position, then Z, X, Y rotation
    const turned = importBvh(rigBvh(daz, rows), { dropLeading: 0 }).take;
    const m = mapToTarget(turned, 'coco17-feet');
    expectNear(at(m, 0, 'left_hip'), [0, 0.09, 0.85]);
    // The nose is now in front along world +X.
    expect(at(m, 0, 'nose')[0]).toBeGreaterThan(0.05);
  });
});

describe('mapping a CMU MotionBuilder-style take without toes', () => {
  // ASF units (1/0.45 inch), a zero-length Head End Site (as in some CMU files) and no toe joints.
  const left: JointSpec[] = [
    ['LHipJoint', 'Hips', [0, 0, 0]],
    ['LeftUpLeg', 'LHipJoint', [1.6, -1.9, 0.5]],
    ['LeftLeg', 'LeftUpLeg', [0, -7.4, 0]],
    ['LeftFoot', 'LeftLeg', [0, -7.5, 0]],
    ['LeftShoulder', 'Spine1', [0, 0, 0]],
    ['LeftArm', 'LeftShoulder', [3.5, 1.2, 0]],
    ['LeftForeArm', 'LeftArm', [5.4, 0, 0]],
    ['LeftHand', 'LeftForeArm', [3.7, 0, 0], [1, 0, 0]],
  ];
  const mb: JointSpec[] = [
    ['Hips', null, [0, 0, 0]],
    ['LowerBack', 'Hips', [0, 0, 0]],
    ['Spine', 'LowerBack', [0, 2, 0]],
    ['Spine1', 'Spine', [0, 2, 0]],
    ['Neck', 'Spine1', [0, 0, 0]],
    ['Neck1', 'Neck', [0, 1.8, 0]],
    ['Head', 'Neck1', [0, 1.8, 0], [0, 0, 0]],
    ...left,
    ...mirror(left, (n) => (n.startsWith('Left') ? n.replace(/^Left/, 'Right') : n.replace(/^L/, 'R'))),
  ];
  const { take, rig } = importBvh(rigBvh(mb, restRows(mb, 2, [0, 17, 0])), { dropLeading: 0 });

  it('detects the rig and CMU ASF units', () => {
    expect(rig?.id).toBe('cmu-mb');
    expect(take.meta.metresPerUnit).toBeCloseTo(0.0254 / 0.45, 12);
  });

  it('reports the foot points it cannot supply and approximates the face from the head joint', () => {
    const m = mapToTarget(take, 'coco17-feet');
    expect(m.missing).toEqual([
      'left_big_toe',
      'left_small_toe',
      'left_heel',
      'right_big_toe',
      'right_small_toe',
      'right_heel',
    ]);
    expect(Number.isNaN(at(m, 0, 'left_heel')[0])).toBe(true);
    const u = 0.0254 / 0.45;
    const head = [0, 0, (17 + 4 + 3.6) * u];
    // Zero-length Head End Site → "up" falls back to neck → head; nose 10 cm forward (−Y), 2 cm down.
    expectNear(at(m, 0, 'nose'), [head[0], -0.1, head[2] - 0.02]);
    expectNear(at(m, 0, 'left_eye'), [0.032, -0.08, head[2] + 0.01]);
    const h = mapToTarget(take, 'h36m17');
    expect(h.missing).toEqual([]);
    expectNear(at(h, 0, 'head'), [0, 0, head[2] + 0.11]);
  });

  it('refuses a take whose joints match no rig', () => {
    const other: JointSpec[] = [
      ['pelvis', null, [0, 0, 0]],
      ['femur_l', 'pelvis', [0, -40, 0], [0, -40, 0]],
    ];
    const t = importBvh(rigBvh(other, restRows(other, 1, [0, 90, 0])), { metresPerUnit: 0.01 }).take;
    expect(t.rig).toBeNull();
    expect(() => mapToTarget(t, 'h36m17')).toThrow(/No known rig matches the joints.*pelvis, femur_l/);
  });
});
