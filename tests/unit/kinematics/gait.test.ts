/**
 * Gait events on synthetic trajectories with known foot strikes and toe-offs: walking and running,
 * overground in either direction, on a treadmill, in 3D and in a 2D side view with ankles only;
 * the metrics (cadence, stride, step, contact, flight, symmetry) follow from the known timing; bad
 * input gets a clear message.
 */
import { describe, expect, it } from 'vitest';
import {
  detectGait,
  gaitMetrics,
  pointsFromSeries,
  type GaitEvent,
  type NamedPoints,
} from '../../../src/shared/kinematics';

const FPS = 60;

interface Synth {
  frames: number;
  /** Stride period in frames. */
  period: number;
  /** Stance fraction per side. */
  duty: { left: number; right: number };
  run: boolean;
  /** Overground speed (m/s) along `dir`; 0 = treadmill. */
  speed: number;
  dir: 1 | -1;
  /** 3D: travel along x (default) or z. */
  axis?: 'x' | 'z';
}

/** True event frames and the foot/pelvis trajectories that produce them. */
function synth(o: Synth) {
  const A = 0.35; // half the foot's fore-aft excursion relative to the pelvis (m)
  const H = 0.12; // swing height (m)
  const offset = { right: 7, left: 7 + o.period / 2 };
  const truth: GaitEvent[] = [];
  const traj: Record<string, { fwd: Float64Array; up: Float64Array }> = {};
  for (const s of ['left', 'right'] as const) {
    const d = o.duty[s];
    const rel = new Float64Array(o.frames);
    const h = new Float64Array(o.frames);
    for (let t = 0; t < o.frames; t++) {
      let ph = (t - offset[s]) / o.period;
      ph -= Math.floor(ph);
      if (ph < d) {
        rel[t] = A - (2 * A * ph) / d;
        h[t] = 0;
      } else {
        const w = (ph - d) / (1 - d);
        rel[t] = -A + A * (1 - Math.cos(Math.PI * w));
        h[t] = H * Math.sin(Math.PI * w);
      }
    }
    for (let k = -1; k * o.period + offset[s] < o.frames; k++) {
      const fs = offset[s] + k * o.period;
      const to = fs + d * o.period;
      if (fs >= 0) truth.push({ side: s, kind: 'foot_strike', frame: fs, time: fs / FPS });
      if (to >= 0 && to < o.frames) truth.push({ side: s, kind: 'toe_off', frame: to, time: to / FPS });
    }
    traj[s] = { fwd: rel, up: h };
  }
  const pelvisFwd = Float64Array.from({ length: o.frames }, (_, t) => (o.speed * t) / FPS);
  // Pelvis highest at midstance when walking, lowest when running.
  const mid = offset.right + (o.duty.right * o.period) / 2;
  const pelvisUp = Float64Array.from(
    { length: o.frames },
    (_, t) => 0.95 + (o.run ? -1 : 1) * 0.03 * Math.cos((2 * Math.PI * (t - mid)) / (o.period / 2)),
  );
  return { truth, traj, pelvisFwd, pelvisUp };
}

function points3d(o: Synth): { points: NamedPoints; truth: GaitEvent[] } {
  const { truth, traj, pelvisFwd, pelvisUp } = synth(o);
  const pos = (fwd: number, up: number, lat: number) =>
    o.axis === 'z' ? [-o.dir * lat, up, o.dir * fwd] : [o.dir * fwd, up, o.dir * lat];
  const series: Record<string, number[]> = { left_hip: [], right_hip: [] };
  for (let t = 0; t < o.frames; t++) {
    series.left_hip.push(...pos(pelvisFwd[t], pelvisUp[t], -0.1));
    series.right_hip.push(...pos(pelvisFwd[t], pelvisUp[t], 0.1));
  }
  for (const s of ['left', 'right'] as const) {
    const lat = s === 'right' ? 0.1 : -0.1;
    const heel: number[] = [];
    const toe: number[] = [];
    const ankle: number[] = [];
    for (let t = 0; t < o.frames; t++) {
      const f = pelvisFwd[t] + traj[s].fwd[t];
      const h = traj[s].up[t];
      heel.push(...pos(f - 0.05, 0.03 + h, lat));
      toe.push(...pos(f + 0.15, 0.01 + h, lat));
      ankle.push(...pos(f, 0.08 + h, lat));
    }
    Object.assign(series, { [`${s}_heel`]: heel, [`${s}_big_toe`]: toe, [`${s}_ankle`]: ankle });
  }
  return { points: pointsFromSeries(series, 3, FPS), truth };
}

/** Each true event (away from the ends) must have a detection of the same side and kind nearby. */
function expectEvents(found: GaitEvent[], truth: GaitEvent[], frames: number, tol: number) {
  // Near the clip's ends an extremum cannot be told from a partial one: those may be missed.
  const inner = truth.filter((e) => e.frame > 12 && e.frame < frames - 12);
  expect(inner.length).toBeGreaterThan(4);
  for (const e of inner) {
    const near = found.filter(
      (f) => f.side === e.side && f.kind === e.kind && Math.abs(f.frame - e.frame) <= tol,
    );
    expect(near.length, `${e.side} ${e.kind} at frame ${e.frame}`).toBe(1);
  }
  // Nothing invented: every detection is near a true event.
  for (const f of found) {
    expect(
      truth.some((e) => e.side === f.side && e.kind === f.kind && Math.abs(f.frame - e.frame) <= tol),
    ).toBe(true);
  }
}

const walk: Synth = {
  frames: 400,
  period: 66,
  duty: { left: 0.6, right: 0.6 },
  run: false,
  speed: 1.3,
  dir: 1,
};
const run: Synth = {
  frames: 400,
  period: 42,
  duty: { left: 0.38, right: 0.38 },
  run: true,
  speed: 3.5,
  dir: 1,
};

describe('gait events', () => {
  it('walking overground, in either direction: Zeni events at the true frames', () => {
    for (const dir of [1, -1] as const) {
      const { points, truth } = points3d({ ...walk, dir });
      const g = detectGait(points);
      expect(g.mode).toBe('walk');
      expect(g.method).toBe('zeni');
      expect(g.forward[0]).toBeCloseTo(dir, 3);
      expectEvents(g.events, truth, walk.frames, 1);
      const m = g.metrics;
      const frame = 1 / FPS;
      expect(Math.abs(m.strideTime.mean - 66 / FPS)).toBeLessThan(0.2 * frame);
      expect(Math.abs(m.stepTime.mean - 33 / FPS)).toBeLessThan(0.2 * frame);
      expect(Math.abs(m.cadence - (60 * FPS) / 33)).toBeLessThan(0.5);
      expect(Math.abs(m.contactTime.mean - (0.6 * 66) / FPS)).toBeLessThan(1.5 * frame);
      expect(Math.abs(m.dutyFactor - 0.6)).toBeLessThan(0.03);
      expect(Math.abs(m.doubleSupportTime - (2 * 0.1 * 66) / FPS)).toBeLessThan(3 * frame);
      expect(Math.abs(m.stepTime.symmetry)).toBeLessThan(1);
    }
  });

  it('running on a treadmill along z: flight phase, hybrid method, events within a frame and a half', () => {
    const o: Synth = { ...run, speed: 0, axis: 'z', dir: -1 };
    const { points, truth } = points3d(o);
    const g = detectGait(points);
    expect(g.mode).toBe('run');
    expect(g.method).toBe('hybrid');
    expect(g.forward[2]).toBeCloseTo(-1, 3);
    expectEvents(g.events, truth, o.frames, 1.5);
    expect(g.metrics.flightTime).toBeGreaterThan(0.08 * (42 / FPS));
    expect(g.metrics.dutyFactor).toBeLessThan(0.5);
    expect(g.metrics.cadence).toBeCloseTo((60 * FPS) / 21, -1);
  });

  it('a 2D side view walking left with ankles only (COCO-17) still finds the events', () => {
    const o: Synth = { ...walk, dir: -1 };
    const { truth, traj, pelvisFwd, pelvisUp } = synth(o);
    const px = (m: number) => 900 + o.dir * 400 * m; // 400 px per metre, image x
    const py = (m: number) => 900 - 400 * m; // image y points down
    const series: Record<string, number[]> = { left_hip: [], right_hip: [], left_ankle: [], right_ankle: [] };
    for (let t = 0; t < o.frames; t++) {
      for (const s of ['left', 'right'] as const) {
        series[`${s}_hip`].push(px(pelvisFwd[t]), py(pelvisUp[t]));
        series[`${s}_ankle`].push(px(pelvisFwd[t] + traj[s].fwd[t]), py(0.08 + traj[s].up[t]));
      }
    }
    const g = detectGait(pointsFromSeries(series, 2, FPS));
    expect(g.forward).toEqual([-1, 0]);
    expect(g.mode).toBe('walk');
    // The default 6 Hz low-pass for 2D rounds the peaks a little: allow two frames.
    expectEvents(g.events, truth, o.frames, 2);
  });

  it('symmetry index reflects a longer left contact', () => {
    const o: Synth = { ...walk, duty: { left: 0.66, right: 0.6 } };
    const g = detectGait(points3d(o).points);
    const si = g.metrics.contactTime.symmetry;
    // (0.6 − 0.66) / 0.63 = −9.5 %, within a frame's worth of timing.
    expect(si).toBeGreaterThan(-11.5);
    expect(si).toBeLessThan(-7.5);
    expect(g.metrics.contactTime.left).toBeGreaterThan(g.metrics.contactTime.right);
  });

  it('metrics from a hand-made event list', () => {
    const e = (side: 'left' | 'right', kind: 'foot_strike' | 'toe_off', frame: number): GaitEvent => ({
      side,
      kind,
      frame,
      time: frame / 100,
    });
    // 100 Hz running: right strikes at 0, 70; left at 35, 105; contacts 25 frames; flight 10.
    const m = gaitMetrics(
      [
        e('right', 'foot_strike', 0),
        e('right', 'toe_off', 25),
        e('left', 'foot_strike', 35),
        e('left', 'toe_off', 60),
        e('right', 'foot_strike', 70),
        e('right', 'toe_off', 95),
        e('left', 'foot_strike', 105),
      ],
      100,
    );
    expect(m.strideTime.mean).toBeCloseTo(0.7, 9);
    expect(m.stepTime.mean).toBeCloseTo(0.35, 9);
    expect(m.cadence).toBeCloseTo(60 / 0.35, 6);
    expect(m.contactTime.mean).toBeCloseTo(0.25, 9);
    expect(m.flightTime).toBeCloseTo(0.1, 9);
    expect(m.swingTime.right).toBeCloseTo(0.45, 9);
  });

  it('refuses a one-frame clip and missing feet or hips with clear messages', () => {
    const one = pointsFromSeries(
      { left_hip: [0, 0], right_hip: [1, 0], left_ankle: [0, 1], right_ankle: [1, 1] },
      2,
      30,
    );
    expect(() => detectGait(one)).toThrow(
      /need at least 10 frames and half a second.*got 1 frame \(0\.03 s\)/,
    );
    const { points } = points3d(walk);
    const noFeet: Record<string, number[]> = {};
    const noHips: Record<string, number[]> = {};
    points.names.forEach((n, j) => {
      const col: number[] = [];
      for (let t = 0; t < points.frameCount; t++)
        col.push(
          ...points.data.subarray((t * points.names.length + j) * 3, (t * points.names.length + j) * 3 + 3),
        );
      if (!n.startsWith('left_') || n === 'left_hip') noFeet[n] = col;
      if (!n.endsWith('_hip')) noHips[n] = col;
    });
    expect(() => detectGait(pointsFromSeries(noFeet, 3, FPS))).toThrow(
      /need a left foot point \(left_ankle, left_heel or left_big_toe\)/,
    );
    expect(() => detectGait(pointsFromSeries(noHips, 3, FPS))).toThrow(/need the hips/);
  });

  it('a stretch of missing foot points loses only the events inside it', () => {
    const { points, truth } = points3d(walk);
    const data = points.data.slice();
    const M = points.names.length;
    for (const n of ['left_heel', 'left_big_toe', 'left_ankle']) {
      const j = points.names.indexOf(n);
      for (let t = 150; t < 200; t++) data.fill(NaN, (t * M + j) * 3, (t * M + j) * 3 + 3);
    }
    const g = detectGait({ ...points, data });
    const outside = truth.filter((e) => !(e.side === 'left' && e.frame > 140 && e.frame < 210));
    expectEvents(g.events, outside, walk.frames, 1);
  });
});
