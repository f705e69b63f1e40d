/**
 * Angle conventions pinned with hand-computed poses: flexion positive, 0 when standing straight,
 * the same sign whichever way the person faces or walks, continuous series through ±180° and past
 * a full turn, 3D angles in the body's sagittal plane; user-defined angles as validated data; clear
 * messages for too few keypoints, all-low-confidence tracks and unknown points.
 */
import { describe, expect, it } from 'vitest';
import { buildTrack } from '../../../src/shared/pose';
import { COCO17_FEET_JOINTS, COCO17_JOINTS } from '../../../src/shared/skeletons';
import {
  angleByName,
  computeAngles,
  detectFacing,
  pointsFromSeries,
  pointsFromTrack,
  unwrapDegrees,
  validateAngleSpecs,
  wrap180,
  type NamedPoints,
} from '../../../src/shared/kinematics';

const RAD = Math.PI / 180;
type P2 = [number, number];

/**
 * A side-view 2D pose in image pixels (y down) facing `facing`, with the hip at `hip`:
 * trunk lean, hip flexion, knee flexion and ankle dorsiflexion in degrees (the same on both legs).
 */
function pose2d(
  o: { hip?: P2; lean?: number; hipFlex?: number; knee?: number; ankle?: number; facing?: 1 | -1 } = {},
): Record<string, P2> {
  const f = o.facing ?? 1;
  const [hx, hy] = o.hip ?? [500, 500];
  // Directions in a y-up, forward = +x frame, then mirrored into the image.
  const dir = (deg: number, len: number): P2 => [f * len * Math.cos(deg * RAD), -len * Math.sin(deg * RAD)];
  const plus = (a: P2, b: P2): P2 => [a[0] + b[0], a[1] + b[1]];
  const lean = o.lean ?? 0;
  const trunkDown = -90 - lean; // trunk-down axis leans with the trunk
  const thigh = trunkDown + (o.hipFlex ?? 0);
  const shank = thigh - (o.knee ?? 0);
  const foot = shank + 90 + (o.ankle ?? 0);
  const hip: P2 = [hx, hy];
  const shoulder = plus(hip, dir(90 - lean, 200));
  const knee = plus(hip, dir(thigh, 180));
  const ankle = plus(knee, dir(shank, 170));
  const heel = plus(ankle, dir(shank, 20));
  const toe = plus(heel, dir(foot, 80));
  const elbow = plus(shoulder, dir(-90, 120));
  const wrist = plus(elbow, dir(-90, 110));
  const nose = plus(shoulder, dir(60, 60));
  const ear = plus(shoulder, dir(90, 55));
  const out: Record<string, P2> = { nose, left_eye: nose, right_eye: nose, left_ear: ear, right_ear: ear };
  for (const s of ['left', 'right']) {
    Object.assign(out, {
      [`${s}_shoulder`]: shoulder,
      [`${s}_elbow`]: elbow,
      [`${s}_wrist`]: wrist,
      [`${s}_hip`]: hip,
      [`${s}_knee`]: knee,
      [`${s}_ankle`]: ankle,
      [`${s}_heel`]: heel,
      [`${s}_big_toe`]: toe,
      [`${s}_small_toe`]: toe,
    });
  }
  return out;
}

/** NamedPoints (2D) from a list of poses, one per frame, in the COCO-17+feet order. */
function frames2d(
  poses: Record<string, P2>[],
  fps = 30,
  names: readonly string[] = COCO17_FEET_JOINTS,
): NamedPoints {
  const series: Record<string, number[]> = {};
  for (const n of names) series[n] = poses.flatMap((p) => p[n] ?? [NaN, NaN]);
  return pointsFromSeries(series, 2, fps);
}

const value = (set: ReturnType<typeof computeAngles>, name: string, t = 0) =>
  angleByName(set, name).values[t];

describe('2D sagittal joint angles', () => {
  it('are 0 when standing straight', () => {
    const set = computeAngles(frames2d([pose2d()]), { facing: 'right' });
    for (const n of ['right_hip_flexion', 'right_knee_flexion', 'right_ankle_dorsiflexion', 'trunk_lean']) {
      expect(value(set, n)).toBeCloseTo(0, 6);
    }
    expect(value(set, 'right_thigh')).toBeCloseTo(-90, 6);
    expect(value(set, 'trunk')).toBeCloseTo(90, 6);
    expect(value(set, 'right_foot')).toBeCloseTo(0, 6);
  });

  it('give hand-computed values, positive in flexion, for a pose facing right', () => {
    // Image coordinates worked by hand: hip (0,0), knee 45° forward-down, ankle straight below the knee.
    const k = 100 / Math.SQRT2;
    const pts = frames2d(
      [
        {
          left_shoulder: [0, -200],
          right_shoulder: [0, -200],
          left_hip: [0, 0],
          right_hip: [0, 0],
          right_knee: [k, k],
          right_ankle: [k, k + 100],
          right_heel: [k, k + 110],
          right_big_toe: [k + 50, k + 110 - 50 * Math.tan(10 * RAD)],
        },
      ],
      30,
      [
        'left_shoulder',
        'right_shoulder',
        'left_hip',
        'right_hip',
        'right_knee',
        'right_ankle',
        'right_heel',
        'right_big_toe',
      ],
    );
    const set = computeAngles(pts, { facing: 'right' });
    expect(value(set, 'right_hip_flexion')).toBeCloseTo(45, 6);
    expect(value(set, 'right_knee_flexion')).toBeCloseTo(45, 6);
    expect(value(set, 'right_ankle_dorsiflexion')).toBeCloseTo(10, 6);
    expect(value(set, 'right_shank')).toBeCloseTo(-90, 6);
  });

  it('keep their sign when the person faces left (mirror image)', () => {
    const o = { lean: 10, hipFlex: 30, knee: 50, ankle: -15 };
    const right = computeAngles(frames2d([pose2d({ ...o, facing: 1 })]), { facing: 'right' });
    const left = computeAngles(frames2d([pose2d({ ...o, facing: -1 })]), { facing: 'left' });
    for (const [n, v] of [
      ['right_hip_flexion', 30],
      ['right_knee_flexion', 50],
      ['right_ankle_dorsiflexion', -15],
      ['trunk_lean', 10],
    ] as const) {
      expect(value(right, n)).toBeCloseTo(v, 6);
      expect(value(left, n)).toBeCloseTo(v, 6);
    }
    // Facing the wrong way by hand flips the signs: the facing really matters.
    const wrong = computeAngles(frames2d([pose2d({ ...o, facing: -1 })]), { facing: 'right' });
    expect(value(wrong, 'right_knee_flexion')).toBeCloseTo(-50, 6);
  });

  it('detect the facing from the feet, the face and the walk, per frame, when the person turns', () => {
    const poses = [
      ...Array.from({ length: 30 }, (_, t) => pose2d({ hip: [100 + 10 * t, 500], knee: 20, facing: 1 })),
      ...Array.from({ length: 30 }, (_, t) => pose2d({ hip: [400 - 10 * t, 500], knee: 20, facing: -1 })),
    ];
    const pts = frames2d(poses);
    const facing = detectFacing(pts);
    expect(Array.from(facing.slice(0, 25))).toEqual(new Array(25).fill(1));
    expect(Array.from(facing.slice(35))).toEqual(new Array(25).fill(-1));
    const knee = angleByName(computeAngles(pts), 'right_knee_flexion').values;
    for (const v of knee) expect(v).toBeCloseTo(20, 6);
  });

  it('detect the facing from the direction of travel alone (COCO-17, no face or feet)', () => {
    const walk = (dir: 1 | -1) =>
      frames2d(
        Array.from({ length: 30 }, (_, t) => {
          const p = pose2d({ hip: [500 + dir * 8 * t, 500], knee: 35, facing: dir });
          for (const n of ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear']) p[n] = [NaN, NaN];
          return p;
        }),
        30,
        COCO17_JOINTS,
      );
    for (const dir of [1, -1] as const) {
      const set = computeAngles(walk(dir));
      expect(set.facing?.every((f) => f === dir)).toBe(true);
      expect(value(set, 'right_knee_flexion', 10)).toBeCloseTo(35, 6);
    }
  });

  it('ask for the facing when nothing shows it', () => {
    const still = frames2d(
      [pose2d()],
      30,
      COCO17_JOINTS.filter((n) => !/nose|eye|ear/.test(n)),
    );
    expect(() => computeAngles(still)).toThrow(/which way the person faces.*Set the facing/);
  });
});

describe('continuity (no wrap-around jumps)', () => {
  it('wrap180 maps to (−180, 180]', () => {
    expect(wrap180(180)).toBe(180);
    expect(wrap180(-180)).toBe(180);
    expect(wrap180(190)).toBeCloseTo(-170);
    expect(wrap180(-190)).toBeCloseTo(170);
    expect(wrap180(725)).toBeCloseTo(5);
  });

  it('unwrapDegrees removes 360° jumps, across NaN gaps too, and centres the series', () => {
    const v = Float64Array.from([170, 178, -176, -170, NaN, -160, 175]);
    unwrapDegrees(v);
    expect(Array.from(v.slice(0, 4))).toEqual([170, 178, 184, 190]);
    expect(v[4]).toBeNaN();
    expect(v[5]).toBeCloseTo(200);
    expect(v[6]).toBeCloseTo(175);
    const c = unwrapDegrees(Float64Array.from([350, 355, 365]), 0);
    expect(Array.from(c)).toEqual([-10, -5, 5]);
  });

  it('a forearm rotating two full turns gives a continuous, monotonic segment angle', () => {
    const poses = Array.from({ length: 73 }, (_, t) => {
      const p = pose2d();
      const a = (-90 + 10 * t) * RAD; // counter-clockwise in a y-up frame, facing right
      p.right_wrist = [p.right_elbow[0] + 100 * Math.cos(a), p.right_elbow[1] - 100 * Math.sin(a)];
      return p;
    });
    const set = computeAngles(frames2d(poses), { facing: 'right' });
    const fore = angleByName(set, 'right_forearm').values;
    for (let t = 1; t < fore.length; t++) expect(fore[t] - fore[t - 1]).toBeCloseTo(10, 6);
    // Whole turns are kept (720° from start to end); the series as a whole may sit a turn lower
    // so that its median is near the forearm's centre (−90°).
    expect(fore[72] - fore[0]).toBeCloseTo(720, 6);
    expect(wrap180(fore[0])).toBeCloseTo(-90, 6);
    const elbow = angleByName(set, 'right_elbow_flexion').values;
    for (let t = 1; t < elbow.length; t++) expect(Math.abs(elbow[t] - elbow[t - 1])).toBeCloseTo(10, 6);
  });

  it('an arm raised overhead past 180° of shoulder flexion does not flip to −180', () => {
    const poses = Array.from({ length: 13 }, (_, t) => {
      const p = pose2d();
      const flex = 150 + 5 * t; // 150° … 210°
      const a = (-90 + flex) * RAD;
      p.right_elbow = [p.right_shoulder[0] + 120 * Math.cos(a), p.right_shoulder[1] - 120 * Math.sin(a)];
      p.right_wrist = [p.right_elbow[0] + 110 * Math.cos(a), p.right_elbow[1] - 110 * Math.sin(a)];
      return p;
    });
    const v = angleByName(
      computeAngles(frames2d(poses), { facing: 'right' }),
      'right_shoulder_flexion',
    ).values;
    v.forEach((x, t) => expect(x).toBeCloseTo(150 + 5 * t, 6));
  });

  it('a thigh swinging through the vertical and a knee flexing past 180° stay continuous', () => {
    const poses = Array.from({ length: 21 }, (_, t) => pose2d({ hipFlex: 30 - 3 * t, knee: 170 + t }));
    const set = computeAngles(frames2d(poses), { facing: 'right' });
    const hip = angleByName(set, 'right_hip_flexion').values;
    const thigh = angleByName(set, 'right_thigh').values;
    const knee = angleByName(set, 'right_knee_flexion').values;
    for (let t = 0; t < 21; t++) {
      expect(hip[t]).toBeCloseTo(30 - 3 * t, 6);
      expect(thigh[t]).toBeCloseTo(-90 + 30 - 3 * t, 6);
      expect(knee[t]).toBeCloseTo(170 + t, 6); // 190° at the end, not −170°
    }
  });
});

describe('3D angles', () => {
  /** 3D points (metres, y up) of a person facing +x (dir 1) or −x (dir −1), right side at +z·dir. */
  function pose3d(dir: 1 | -1, o: { hipFlex: number; knee: number; ankle: number; tilt: number }) {
    const v = (fwd: number, up: number, lat: number): [number, number, number] => [dir * fwd, up, dir * lat];
    const dirn = (deg: number, len: number) => [len * Math.cos(deg * RAD), len * Math.sin(deg * RAD)];
    const pts: Record<string, [number, number, number]> = {};
    // Pelvis tilted anteriorly by `tilt`: the ASIS–sacrum line points forward-down.
    const [pf, pu] = dirn(-o.tilt, 0.15);
    for (const [s, lat] of [
      ['right', 0.1],
      ['left', -0.1],
    ] as const) {
      pts[`${s}_asis`] = v(pf / 2, 1 + pu / 2, lat * 1.2);
      pts[`${s}_hip`] = v(0, 0.95, lat);
      const thigh = -90 + o.hipFlex - o.tilt; // hip flexion is measured against the pelvis
      const [kf, ku] = dirn(thigh, 0.45);
      pts[`${s}_knee`] = v(kf, 0.95 + ku, lat);
      const [af, au] = dirn(thigh - o.knee, 0.42);
      pts[`${s}_ankle`] = v(kf + af, 0.95 + ku + au, lat);
      const [hf, hu] = dirn(thigh - o.knee, 0.05);
      const heel = [kf + af + hf, 0.95 + ku + au + hu];
      const [tf, tu] = dirn(thigh - o.knee + 90 + o.ankle, 0.2);
      pts[`${s}_heel`] = v(heel[0], heel[1], lat);
      pts[`${s}_big_toe`] = v(heel[0] + tf, heel[1] + tu, lat);
      pts[`${s}_shoulder`] = v(0, 1.45, lat * 1.8);
    }
    pts.sacrum = v(-pf / 2, 1 - pu / 2, 0);
    return pts;
  }
  const toPoints = (poses: Record<string, [number, number, number]>[]) =>
    pointsFromSeries(
      Object.fromEntries(Object.keys(poses[0]).map((n) => [n, poses.flatMap((p) => p[n])])),
      3,
      100,
    );

  it('match the construction facing +x and −x, hip flexion against the pelvis', () => {
    for (const dir of [1, -1] as const) {
      const set = computeAngles(toPoints([pose3d(dir, { hipFlex: 25, knee: 40, ankle: 12, tilt: 10 })]));
      expect(value(set, 'right_hip_flexion')).toBeCloseTo(25, 6);
      expect(value(set, 'left_hip_flexion')).toBeCloseTo(25, 6);
      expect(value(set, 'right_knee_flexion')).toBeCloseTo(40, 6);
      expect(value(set, 'right_knee_flexion_3d')).toBeCloseTo(40, 6);
      expect(value(set, 'right_ankle_dorsiflexion')).toBeCloseTo(12, 6);
      expect(value(set, 'pelvis_tilt')).toBeCloseTo(10, 6);
    }
  });

  it('use the trunk as the hip reference when asked, and honour another up axis', () => {
    const p = pose3d(1, { hipFlex: 25, knee: 40, ankle: 12, tilt: 10 });
    const trunk = computeAngles(toPoints([p]), { hipReference: 'trunk' });
    // Trunk vertical: hip flexion against the trunk = thigh from the vertical = 25 − 10.
    expect(value(trunk, 'right_hip_flexion')).toBeCloseTo(15, 6);
    // The same body in a z-up lab (y → z, z → −y).
    const zUp = Object.fromEntries(
      Object.entries(p).map(([n, [x, y, z]]) => [n, [x, -z, y] as [number, number, number]]),
    );
    const set = computeAngles(toPoints([zUp]), { up: [0, 0, 1] });
    expect(value(set, 'right_knee_flexion')).toBeCloseTo(40, 6);
    expect(value(set, 'right_hip_flexion')).toBeCloseTo(25, 6);
  });
});

describe('user-defined angles', () => {
  it('are computed from the declared points', () => {
    const pts = frames2d([pose2d({ knee: 60 })]);
    const specs = validateAngleSpecs(
      [
        { name: 'knee_inner', kind: 'inner', points: ['right_hip', 'right_knee', 'right_ankle'] },
        {
          name: 'shank_to_foot',
          kind: 'segments',
          points: ['right_knee', 'right_ankle', 'right_heel', 'right_big_toe'],
        },
        { name: 'shin', kind: 'segment', points: ['right_knee', 'right_ankle'], sign: -1, offset: -90 },
      ],
      pts.names,
    );
    const set = computeAngles(pts, { facing: 'right', custom: specs, angles: ['right_knee_flexion'] });
    expect(set.angles.map((a) => a.name)).toEqual([
      'right_knee_flexion',
      'knee_inner',
      'shank_to_foot',
      'shin',
    ]);
    expect(value(set, 'knee_inner')).toBeCloseTo(120, 6);
    expect(value(set, 'shank_to_foot')).toBeCloseTo(90, 6);
    expect(value(set, 'shin')).toBeCloseTo(60, 6); // shank at −150° → 150 − 90
  });

  it('are refused with a message naming the spec and the field', () => {
    const names = ['a', 'b', 'c', 'd'];
    const bad: [unknown, RegExp][] = [
      [{ name: 'x' }, /must be a list/],
      [
        [{ name: '', kind: 'inner', points: ['a', 'b', 'c'] }],
        /angle spec 1: "name" must be a non-empty text/,
      ],
      [
        [{ name: 'x', kind: 'triangle', points: ['a', 'b', 'c'] }],
        /"x"\): "kind" must be one of inner, signed, segment, segments/,
      ],
      [[{ name: 'x', kind: 'inner', points: ['a', 'b'] }], /kind "inner" takes 3 points, got 2/],
      [[{ name: 'x', kind: 'segment', points: ['a', 'a'] }], /a point is named twice/],
      [[{ name: 'x', kind: 'inner', points: ['a', 'b', 'zz'] }], /unknown point "zz"; available: a, b, c, d/],
      [[{ name: 'x', kind: 'segment', points: ['a', 'b'], sign: 2 }], /"sign" must be 1 or -1/],
      [
        [
          { name: 'x', kind: 'segment', points: ['a', 'b'] },
          { name: 'x', kind: 'segment', points: ['c', 'd'] },
        ],
        /angle spec 2 \("x"\): the name is used twice/,
      ],
    ];
    for (const [input, msg] of bad) expect(() => validateAngleSpecs(input, names)).toThrow(msg);
    const pts = frames2d([pose2d()]);
    expect(() =>
      computeAngles(pts, {
        facing: 'right',
        custom: [{ name: 'q', kind: 'segment', points: ['right_hip', 'club_head'] }],
      }),
    ).toThrow(/Custom angle "q": unknown point "club_head"/);
    expect(() => computeAngles(pts, { angles: ['knee'] })).toThrow(/Unknown standard angle "knee"/);
  });
});

describe('bad or sparse input', () => {
  const track = (score: (frame: number, joint: number) => number, frames: number[]) =>
    buildTrack(
      0,
      'coco17',
      frames.map((frame) => {
        const p = pose2d({ hip: [300 + 5 * frame, 400], knee: 25 });
        const kp = new Float32Array(17 * 3);
        COCO17_JOINTS.forEach((n, j) => kp.set([p[n][0], p[n][1], score(frame, j)], j * 3));
        return { frame, keypoints: kp, box: [0, 0, 1, 1], score: 0.9 };
      }),
    );

  it('COCO-17 has no ankle angle and says why; missing frames are NaN, not 0', () => {
    const t = track(() => 0.9, [10, 11, 12, 15, 16, 17, 18, 19, 20, 21]);
    const pts = pointsFromTrack(t, { fps: 30 });
    expect(pts.firstFrame).toBe(10);
    expect(pts.frameCount).toBe(12);
    const set = computeAngles(pts, { facing: 'right' });
    const u = set.unavailable.find((x) => x.name === 'right_ankle_dorsiflexion');
    expect(u?.reason).toMatch(/right_heel, right_big_toe/);
    const knee = angleByName(set, 'right_knee_flexion').values;
    expect(knee[3]).toBeNaN();
    expect(knee[4]).toBeNaN();
    expect(knee[0]).toBeCloseTo(25, 4);
    expect(() => angleByName(set, 'right_ankle_dorsiflexion')).toThrow(
      /unavailable: the points lack right_heel/,
    );
  });

  it('low-confidence keypoints are gaps; a track that is all low confidence is refused clearly', () => {
    const knees = [13, 14];
    const some = track((f, j) => (knees.includes(j) && f < 3 ? 0.1 : 0.9), [0, 1, 2, 3, 4, 5]);
    const knee = angleByName(
      computeAngles(pointsFromTrack(some, { fps: 30 }), { facing: 'right' }),
      'right_knee_flexion',
    );
    expect(Array.from(knee.values.slice(0, 3)).every(Number.isNaN)).toBe(true);
    expect(knee.validFrames).toBe(3);
    const none = track(() => 0.05, [0, 1, 2]);
    expect(() => computeAngles(pointsFromTrack(none, { fps: 30 }), { facing: 'right' })).toThrow(
      /No angle could be computed in any of the 3 frames.*low confidence/,
    );
  });

  it('a one-frame clip gives one value per angle; too few keypoints are named', () => {
    const one = computeAngles(
      pointsFromTrack(
        track(() => 0.9, [7]),
        { fps: 30 },
      ),
      { facing: 'left' },
    );
    expect(one.frameCount).toBe(1);
    expect(angleByName(one, 'trunk_lean').values.length).toBe(1);
    const twoPoints = pointsFromSeries({ nose: [1, 2], right_knee: [1, 3] }, 2, 30);
    expect(() => computeAngles(twoPoints, { facing: 'right' })).toThrow(
      /No angle could be computed in any of the 1 frame \(trunk_lean: the points lack mid_hip \(midpoint of left_hip and right_hip\)/,
    );
    expect(() => pointsFromSeries({ a: [1, 2, 3] }, 2, 30)).toThrow(/not a whole number of 2D frames/);
    expect(() => pointsFromSeries({ a: [1, 2], b: [1] }, 2, 30)).toThrow(/"b" has 1 numbers/);
  });
});
