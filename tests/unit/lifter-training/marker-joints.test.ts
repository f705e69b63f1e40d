import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KinemaError } from '../../../src/shared/errors';
import { loadMocapSequence, readMocapJoints } from '../../../src/main/training/lifter-data';
import { importBvh, mapToTarget } from '../../../src/shared/mocap';
import { H36M17_JOINTS } from '../../../src/shared/skeletons/h36m17';
import { syntheticBvh, writeText } from '../../helpers/mocap-files';
import { tempDir } from '../../helpers/media';
import { writeC3d } from '../mocap/c3d-writer';

type V = [number, number, number];
const add = (...vs: [V, number][]): V =>
  vs.reduce<V>((o, [v, w]) => [o[0] + w * v[0], o[1] + w * v[1], o[2] + w * v[2]], [0, 0, 0]);
const unit = (v: V): V => {
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
};
const cross = (a: V, b: V): V => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * Plug-in Gait skin markers placed around a take's H36M joints the way the estimates in
 * marker-joints.ts undo them: pelvis markers from Bell's proportions, lateral knee and ankle
 * markers 5 and 3.5 cm out along the pelvis' left axis, acromion markers 5 cm up the trunk.
 */
function plugInGait(frames: number): { labels: string[]; points: Float32Array; truth: Float32Array } {
  const take = importBvh(syntheticBvh({ motion: 'walk', frames, turn: 60 }), { dropLeading: 0 }).take;
  const h = mapToTarget(take, 'h36m17');
  const J = (t: number, name: string): V => {
    const j = (H36M17_JOINTS as readonly string[]).indexOf(name);
    return Array.from(h.positionsM.subarray((t * 17 + j) * 3, (t * 17 + j) * 3 + 3)) as V;
  };
  const labels = [
    'LASI',
    'RASI',
    'LPSI',
    'RPSI',
    'LKNE',
    'RKNE',
    'LANK',
    'RANK',
    'LSHO',
    'RSHO',
    'LELB',
    'RELB',
    'LWRA',
    'LWRB',
    'RWRA',
    'RWRB',
    'C7',
    'CLAV',
    'LFHD',
    'RFHD',
    'LBHD',
    'RBHD',
  ];
  const points = new Float32Array(frames * labels.length * 3);
  for (let t = 0; t < frames; t++) {
    const lh = J(t, 'left_hip');
    const rh = J(t, 'right_hip');
    const mid = add([lh, 0.5], [rh, 0.5]);
    const left = unit(add([lh, 1], [rh, -1]));
    const trunk = add([J(t, 'thorax'), 1], [mid, -1]);
    const up = unit(add([trunk, 1], [left, -dot(trunk, left)]));
    const fwd = cross(left, up);
    const w = Math.hypot(...add([lh, 1], [rh, -1])) / 0.72;
    const asis = add([mid, 1], [fwd, 0.22 * w], [up, 0.3 * w]);
    const trunkUp = unit(trunk);
    const head = J(t, 'head');
    const m: V[] = [
      add([asis, 1], [left, w / 2]),
      add([asis, 1], [left, -w / 2]),
      add([asis, 1], [fwd, -0.15], [left, 0.05]),
      add([asis, 1], [fwd, -0.15], [left, -0.05]),
      add([J(t, 'left_knee'), 1], [left, 0.05]),
      add([J(t, 'right_knee'), 1], [left, -0.05]),
      add([J(t, 'left_foot'), 1], [left, 0.035]),
      add([J(t, 'right_foot'), 1], [left, -0.035]),
      add([J(t, 'left_shoulder'), 1], [trunkUp, 0.05]),
      add([J(t, 'right_shoulder'), 1], [trunkUp, 0.05]),
      J(t, 'left_elbow'),
      J(t, 'right_elbow'),
      add([J(t, 'left_wrist'), 1], [fwd, 0.02]),
      add([J(t, 'left_wrist'), 1], [fwd, -0.02]),
      add([J(t, 'right_wrist'), 1], [fwd, 0.02]),
      add([J(t, 'right_wrist'), 1], [fwd, -0.02]),
      add([J(t, 'thorax'), 1], [fwd, -0.06]),
      add([J(t, 'thorax'), 1], [fwd, 0.06]),
      add([head, 1], [fwd, 0.08], [left, 0.05], [up, -0.08]),
      add([head, 1], [fwd, 0.08], [left, -0.05], [up, -0.08]),
      add([head, 1], [fwd, -0.08], [left, 0.05], [up, -0.08]),
      add([head, 1], [fwd, -0.08], [left, -0.05], [up, -0.08]),
    ];
    m.forEach((p, k) =>
      points.set(
        p.map((v) => v * 1000),
        (t * labels.length + k) * 3,
      ),
    );
  }
  return { labels, points, truth: h.positionsM };
}

describe('joint centres from C3D skin markers (Plug-in Gait)', () => {
  const tmp = tempDir('marker-joints-');
  const pig = plugInGait(240);
  // A few dropped frames of one marker, as an occlusion (filled by interpolation).
  const occluded = pig.points.slice();
  for (let t = 50; t < 56; t++)
    occluded.fill(NaN, (t * pig.labels.length + 4) * 3, (t * pig.labels.length + 5) * 3);
  const c3d = writeText(join(tmp.dir, 'walk_pig.c3d'), '');
  writeFileSync(
    c3d,
    writeC3d({
      labels: pig.labels.map((l) => `Athlete:${l}`),
      rate: 120,
      points: occluded,
      scale: -1,
      units: 'mm',
    }),
  );

  it('recovers hip, knee, ankle, shoulder, elbow and wrist centres within a few millimetres', () => {
    const take = readMocapJoints(c3d);
    const h = mapToTarget(take, 'h36m17');
    let worst = 0;
    for (const name of [
      'left_hip',
      'right_hip',
      'left_knee',
      'right_knee',
      'left_foot',
      'right_foot',
      'left_shoulder',
      'right_shoulder',
      'left_elbow',
      'right_wrist',
    ]) {
      const j = (H36M17_JOINTS as readonly string[]).indexOf(name);
      for (let t = 0; t < 240; t++)
        for (let c = 0; c < 3; c++)
          worst = Math.max(
            worst,
            Math.abs(h.positionsM[(t * 17 + j) * 3 + c] - pig.truth[(t * 17 + j) * 3 + c]),
          );
    }
    // The trunk-up of the shoulder estimate and the knee's occlusion fill are the only approximations.
    expect(worst).toBeLessThan(0.02);
    expect(loadMocapSequence({ path: c3d, category: 'walk' }, 50).frames).toBe(100);
  });

  it('refuses a marker missing in most frames, naming it', () => {
    const gone = pig.points.slice();
    for (let t = 0; t < 200; t++)
      gone.fill(NaN, (t * pig.labels.length + 7) * 3, (t * pig.labels.length + 8) * 3);
    const bad = writeText(join(tmp.dir, 'gone.c3d'), '');
    writeFileSync(bad, writeC3d({ labels: pig.labels, rate: 120, points: gone, scale: -1, units: 'mm' }));
    expect(() => readMocapJoints(bad)).toThrow(KinemaError);
    expect(() => readMocapJoints(bad)).toThrow('gone.c3d: marker "RANK" is missing in 83 % of the frames');
  });
});
