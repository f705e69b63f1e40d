/**
 * Validates Kinema's kinematics against lab data (../shared/data/gait, OpenSim example data):
 * sagittal hip, knee and ankle angles computed from the MARKERS with src/shared/kinematics are
 * compared with OpenSim's inverse-kinematics angles, and gait events detected from the same
 * markers with the force-plate contacts of the GRF files.
 *
 * Joint centres from markers (positions in metres, lab frame y up):
 *  - hip: Harrington et al. (2007) regression in the pelvis frame (origin mid-ASIS, z to the right
 *    ASIS, x anterior in the ASIS–sacrum plane, y up): x = −0.24·PD − 9.9 mm, y = −0.30·PW − 10.9 mm,
 *    z = ±(0.33·PW + 7.3) mm, PW = inter-ASIS distance, PD = mid-ASIS to sacrum depth (the V.Sacral
 *    marker stands in for the mid-PSIS point);
 *  - knee: midpoint of the lateral and medial knee markers, ankle: midpoint of the malleoli. The
 *    walking/running trials lack those markers (they were removed after the static trial), so
 *    the centres are located in the thigh / shank cluster frames (Upper, Front, Rear markers) in the
 *    static trial and carried by the clusters in the motion trial (the CAST approach);
 *  - foot: heel marker → toe-tip marker.
 * Angles then come from computeAngles(…) on these points: hip flexion against the pelvis (ASIS +
 * sacrum), knee flexion, ankle dorsiflexion, all in the body's sagittal plane.
 *
 * Force-plate contacts: vertical GRF above 20 N (linear interpolation of the crossing time);
 * a contact already loaded at the file's first sample gives no strike, one still loaded at the last
 * gives no toe-off. Each contact is given to the foot whose heel–toe midpoint is nearest to the
 * centre of pressure at mid-contact. Errors are in frames at the TRC rate (signed: detected −
 * force plate), matched to the nearest detected event of the same side and kind within 10 frames.
 *
 *   npx tsx bench/gait-validate.ts
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type MotTable, motColumn, readMot } from '../src/main/formats/mocap/opensim-mot';
import { type MarkerData, markerTrajectory, readTrc } from '../src/main/formats/mocap/trc';
import {
  type GaitEvent,
  type NamedPoints,
  angleByName,
  computeAngles,
  detectGait,
  pointsFromSeries,
} from '../src/shared/kinematics';

const ROOT = join(process.cwd(), '..', 'shared', 'data', 'gait');
const GRF_THRESHOLD_N = 20;
const MATCH_FRAMES = 10;

type V3 = [number, number, number];
const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: V3, b: V3): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const mul = (a: V3, k: number): V3 => [a[0] * k, a[1] * k, a[2] * k];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const unit = (a: V3): V3 => mul(a, 1 / Math.hypot(...a));
const at = (p: Float64Array, t: number): V3 => [p[t * 3], p[t * 3 + 1], p[t * 3 + 2]];

/** An orthonormal frame (origin + 3 axes as rows) from three markers. */
interface Frame {
  o: V3;
  R: [V3, V3, V3];
}
function clusterFrame(a: V3, b: V3, c: V3): Frame {
  const o = mul(add(add(a, b), c), 1 / 3);
  const e1 = unit(sub(b, a));
  const e3 = unit(cross(e1, sub(c, a)));
  return { o, R: [e1, cross(e3, e1), e3] };
}
const toLocal = (f: Frame, p: V3): V3 => {
  const d = sub(p, f.o);
  return [dot(f.R[0], d), dot(f.R[1], d), dot(f.R[2], d)];
};
const toGlobal = (f: Frame, l: V3): V3 =>
  add(f.o, add(add(mul(f.R[0], l[0]), mul(f.R[1], l[1])), mul(f.R[2], l[2])));

/** Per-marker median position of a (static) trial. */
function staticPose(d: MarkerData): Map<string, V3> {
  const out = new Map<string, V3>();
  for (const m of d.markers) {
    const p = markerTrajectory(d, m);
    const med = [0, 1, 2].map((c) => {
      const v: number[] = [];
      for (let t = 0; t < d.times.length; t++) if (Number.isFinite(p[t * 3 + c])) v.push(p[t * 3 + c]);
      v.sort((a, b) => a - b);
      return v.length ? v[v.length >> 1] : NaN;
    }) as V3;
    out.set(m, med);
  }
  return out;
}

function harringtonHip(rAsis: V3, lAsis: V3, sacrum: V3, side: 'R' | 'L'): V3 {
  const mid = mul(add(rAsis, lAsis), 0.5);
  const z = unit(sub(rAsis, lAsis));
  const back = sub(mid, sacrum);
  const x = unit(sub(back, mul(z, dot(back, z))));
  const y = cross(z, x);
  const pw = Math.hypot(...sub(rAsis, lAsis)) * 1000;
  const pd = dot(back, x) * 1000;
  const local: V3 = [-0.24 * pd - 9.9, -0.3 * pw - 10.9, (side === 'R' ? 1 : -1) * (0.33 * pw + 7.3)];
  return add(mid, add(add(mul(x, local[0] / 1000), mul(y, local[1] / 1000)), mul(z, local[2] / 1000)));
}

/** Joint centres and foot points as Kinema landmark names, per frame, from the motion trial. */
function landmarks(trial: MarkerData, stat: MarkerData): NamedPoints {
  const st = staticPose(stat);
  const T = trial.times.length;
  const traj = (m: string) => markerTrajectory(trial, m);
  const series: Record<string, Float64Array> = {};
  const put = (name: string, f: (t: number) => V3) => {
    const a = new Float64Array(T * 3);
    for (let t = 0; t < T; t++) a.set(f(t), t * 3);
    series[name] = a;
  };
  const rA = traj('R.ASIS');
  const lA = traj('L.ASIS');
  const sac = traj('V.Sacral');
  put('right_asis', (t) => at(rA, t));
  put('left_asis', (t) => at(lA, t));
  put('sacrum', (t) => at(sac, t));
  for (const [S, side] of [
    ['R', 'right'],
    ['L', 'left'],
  ] as const) {
    put(`${side}_hip`, (t) => harringtonHip(at(rA, t), at(lA, t), at(sac, t), S));
    // Centres located in the static trial's cluster frames, carried by the clusters.
    const cast = (seg: 'Thigh' | 'Shank', lat: string, med: string, name: string) => {
      const ms = ['Upper', 'Front', 'Rear'].map((k) => `${S}.${seg}.${k}`);
      const sf = clusterFrame(...(ms.map((m) => st.get(m) as V3) as [V3, V3, V3]));
      const centre = mul(add(st.get(`${S}.${lat}`) as V3, st.get(`${S}.${med}`) as V3), 0.5);
      const local = toLocal(sf, centre);
      const tr = ms.map(traj);
      put(name, (t) => toGlobal(clusterFrame(at(tr[0], t), at(tr[1], t), at(tr[2], t)), local));
    };
    cast('Thigh', 'Knee.Lat', 'Knee.Med', `${side}_knee`);
    cast('Shank', 'Ankle.Lat', 'Ankle.Med', `${side}_ankle`);
    const heel = traj(`${S}.Heel`);
    const toe = traj(`${S}.Toe.Tip`);
    put(`${side}_heel`, (t) => at(heel, t));
    put(`${side}_big_toe`, (t) => at(toe, t));
    const acr = traj(`${S}.Acromium`);
    put(`${side}_shoulder`, (t) => at(acr, t));
  }
  return pointsFromSeries(series, 3, trial.rate);
}

interface Stats {
  n: number;
  rmse: number;
  bias: number;
  rmseOffset: number;
  r: number;
}
function compare(a: number[], b: number[]): Stats {
  const n = a.length;
  const d = a.map((v, i) => v - b[i]);
  const bias = d.reduce((s, v) => s + v, 0) / n;
  const rmse = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / n);
  const rmseOffset = Math.sqrt(d.reduce((s, v) => s + (v - bias) ** 2, 0) / n);
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return { n, rmse, bias, rmseOffset, r: sab / Math.sqrt(saa * sbb) };
}

interface Contact {
  side: 'left' | 'right';
  start: number | null;
  end: number | null;
}

/** Force-plate contacts (times in s) from every vertical-force column of a GRF table. */
function contacts(grf: MotTable, trial: MarkerData): Contact[] {
  const time = motColumn(grf, 'time');
  const out: Contact[] = [];
  const heel = { right: markerTrajectory(trial, 'R.Heel'), left: markerTrajectory(trial, 'L.Heel') };
  const toe = { right: markerTrajectory(trial, 'R.Toe.Tip'), left: markerTrajectory(trial, 'L.Toe.Tip') };
  for (const col of grf.columns.filter((c) => /ground_force_vy$/.test(c))) {
    const pre = col.slice(0, -'ground_force_vy'.length);
    const fy = motColumn(grf, col);
    const px = motColumn(grf, `${pre}ground_force_px`);
    const pz = motColumn(grf, `${pre}ground_force_pz`);
    let start: number | null = null;
    let startIdx = 0;
    const cross = (i: number) =>
      time[i - 1] + ((GRF_THRESHOLD_N - fy[i - 1]) * (time[i] - time[i - 1])) / (fy[i] - fy[i - 1]);
    const close = (endIdx: number, end: number | null) => {
      const mid = (startIdx + endIdx) >> 1;
      const f = Math.round((time[mid] - trial.times[0]) * trial.rate);
      if (f < 0 || f >= trial.times.length) return;
      const dist = (s: 'left' | 'right') => {
        const h = at(heel[s], f);
        const t = at(toe[s], f);
        return Math.hypot((h[0] + t[0]) / 2 - px[mid], (h[2] + t[2]) / 2 - pz[mid]);
      };
      const side = dist('right') <= dist('left') ? 'right' : 'left';
      const s = start ?? time[0];
      if ((end ?? time[time.length - 1]) - s < 0.05) return; // noise, not a step
      out.push({ side, start, end });
    };
    let loaded = fy[0] > GRF_THRESHOLD_N;
    if (loaded) start = null;
    for (let i = 1; i < fy.length; i++) {
      if (!loaded && fy[i] > GRF_THRESHOLD_N) {
        loaded = true;
        start = cross(i);
        startIdx = i;
      } else if (loaded && fy[i] <= GRF_THRESHOLD_N) {
        loaded = false;
        close(i, cross(i));
      }
    }
    if (loaded) close(fy.length - 1, null);
  }
  return out;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

function eventErrors(events: GaitEvent[], refs: Contact[], trial: MarkerData) {
  type Row = { errs: number[]; total: number; missed: number[]; extra: number };
  const res: Record<'foot_strike' | 'toe_off', Row> = {
    foot_strike: { errs: [], total: 0, missed: [], extra: 0 },
    toe_off: { errs: [], total: 0, missed: [], extra: 0 },
  };
  const t0 = trial.times[0];
  const used = new Set<GaitEvent>();
  let first = Infinity;
  let last = -Infinity;
  for (const c of refs) {
    for (const [kind, time] of [
      ['foot_strike', c.start],
      ['toe_off', c.end],
    ] as const) {
      if (time === null) continue;
      const refFrame = (time - t0) * trial.rate;
      if (refFrame < 1 || refFrame > trial.times.length - 2) continue;
      first = Math.min(first, refFrame);
      last = Math.max(last, refFrame);
      res[kind].total++;
      let best: GaitEvent | null = null;
      for (const e of events) {
        if (e.side !== c.side || e.kind !== kind) continue;
        if (!best || Math.abs(e.frame - refFrame) < Math.abs(best.frame - refFrame)) best = e;
      }
      if (best && Math.abs(best.frame - refFrame) <= MATCH_FRAMES) {
        res[kind].errs.push(best.frame - refFrame);
        used.add(best);
      } else res[kind].missed.push(refFrame);
    }
  }
  // Detections inside the force plates' time span that match no contact.
  for (const e of events) if (!used.has(e) && e.frame > first && e.frame < last) res[e.kind].extra++;
  return res;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

function run(
  label: string,
  dir: string,
  trialFile: string,
  staticFile: string,
  ikFile: string,
  grfFile: string,
) {
  const trial = readTrc(join(dir, trialFile));
  const stat = readTrc(join(dir, staticFile));
  const ik = readMot(join(dir, ikFile));
  const grf = readMot(join(dir, grfFile));
  console.log(
    `\n== ${label}: ${trialFile} (${trial.times.length} frames at ${trial.rate} Hz, ${trial.markers.length} markers, ` +
      `units ${trial.units}), IK ${ik.rows} rows (inDegrees=${String(ik.inDegrees)}), GRF ${grf.rows} rows`,
  );
  const points = landmarks(trial, stat);
  const set = computeAngles(points, { up: [0, 1, 0], hipReference: 'pelvis' });

  // IK rows → TRC frames by time.
  const ikTime = motColumn(ik, 'time');
  const frameOf = (t: number) => {
    const f = Math.round((t - trial.times[0]) * trial.rate);
    return f >= 0 && f < trial.times.length && Math.abs(trial.times[f] - t) < 0.25 / trial.rate ? f : -1;
  };
  console.log('angle                    IK column      IK→Kinema    n    RMSE    bias  RMSE-offset      r');
  const rows: [string, string, string][] = [];
  for (const s of ['r', 'l'] as const) {
    const side = s === 'r' ? 'right' : 'left';
    rows.push([`${side}_hip_flexion`, `hip_flexion_${s}`, 'hip']);
    rows.push([`${side}_knee_flexion`, `knee_angle_${s}`, 'knee']);
    rows.push([`${side}_ankle_dorsiflexion`, `ankle_angle_${s}`, 'ankle']);
  }
  const rmses: number[] = [];
  const notes: string[] = [];
  for (const [ours, col, joint] of rows) {
    const ref = motColumn(ik, col);
    // OpenSim's knee_angle is flexion-negative in these models; decide from the data: a walking
    // or running knee is flexed (positive in Kinema) most of the time.
    const med = median(Array.from(ref));
    const sign = joint === 'knee' && med < 0 ? -1 : 1;
    if (joint === 'knee') {
      notes.push(
        `${col}: median ${med.toFixed(1)}° → ${sign < 0 ? 'flexion NEGATIVE in this file, multiplied by −1' : 'flexion positive, used as is'}`,
      );
    }
    const a: number[] = [];
    const b: number[] = [];
    const values = angleByName(set, ours).values;
    ikTime.forEach((t, i) => {
      const f = frameOf(t);
      if (f >= 0 && Number.isFinite(values[f]) && Number.isFinite(ref[i])) {
        a.push(values[f]);
        b.push(sign * ref[i]);
      }
    });
    const st = compare(a, b);
    rmses.push(st.rmseOffset);
    console.log(
      `${ours.padEnd(24)} ${col.padEnd(14)} ${pad(sign < 0 ? '×−1' : '×1', 9)} ${pad(st.n, 4)} ${pad(st.rmse.toFixed(2), 6)}° ${pad(st.bias.toFixed(2), 6)}° ${pad(st.rmseOffset.toFixed(2), 11)}° ${pad(st.r.toFixed(3), 6)}`,
    );
  }
  console.log(
    `max RMSE after offset correction: ${Math.max(...rmses).toFixed(2)}° (goal ≤ 5°). bias = mean(Kinema − IK); ` +
      'RMSE-offset = RMSE after removing it',
  );
  console.log(
    `sign conventions: hip_flexion and ankle_angle (dorsiflexion) positive as in Kinema; ${notes.join('; ')}`,
  );

  const refs = contacts(grf, trial);
  console.log(
    `force-plate contacts (Fy > ${GRF_THRESHOLD_N} N): ${refs.length} (${refs.filter((c) => c.side === 'right').length} right, ` +
      `${refs.filter((c) => c.side === 'left').length} left)`,
  );
  console.log(
    `method        mode   event        matched extra  median |err|  mean err  max |err|  (frames at ${trial.rate} Hz)`,
  );
  const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');
  for (const method of ['auto', 'zeni', 'height', 'hybrid'] as const) {
    const g = detectGait(points, { up: [0, 1, 0], method });
    const errs = eventErrors(g.events, refs, trial);
    for (const kind of ['foot_strike', 'toe_off'] as const) {
      const { errs: e, total, missed, extra } = errs[kind];
      const abs = e.map(Math.abs);
      console.log(
        `${(method === 'auto' ? `auto→${g.method}` : method).padEnd(13)} ${g.mode.padEnd(6)} ${kind.padEnd(12)} ` +
          `${pad(`${e.length}/${total}`, 7)} ${pad(extra, 5)} ${pad(f2(median(abs)), 13)} ` +
          `${pad(f2(e.length ? e.reduce((s, v) => s + v, 0) / e.length : NaN), 9)} ${pad(f2(e.length ? Math.max(...abs) : NaN), 10)}` +
          (method === 'auto' && missed.length
            ? `   missed at frame ${missed.map((m) => m.toFixed(1)).join(', ')}`
            : ''),
      );
    }
    if (method === 'auto') {
      const m = g.metrics;
      const phase =
        g.mode === 'run'
          ? `flight ${m.flightTime.toFixed(3)} s`
          : `double support ${m.doubleSupportTime.toFixed(3)} s/stride`;
      console.log(
        `  metrics: cadence ${m.cadence.toFixed(1)} steps/min, stride ${m.strideTime.mean.toFixed(3)} s, ` +
          `step ${m.stepTime.mean.toFixed(3)} s (SI ${m.stepTime.symmetry.toFixed(1)} %), ` +
          `contact ${m.contactTime.mean.toFixed(3)} s (SI ${m.contactTime.symmetry.toFixed(1)} %), ${phase}, ` +
          `duty factor ${m.dutyFactor.toFixed(2)}`,
      );
    }
  }
}

function main(): void {
  if (!existsSync(ROOT)) {
    console.log(`Validation data not found at ${ROOT}; skipping the gait validation.`);
    return;
  }
  run(
    'hamner_running',
    join(ROOT, 'hamner_running'),
    'subject02_running.trc',
    'subject02_static.trc',
    'subject02_running_ik.mot',
    'subject02_running_grf.mot',
  );
  run(
    'gait2392_walk',
    join(ROOT, 'gait2392_walk'),
    'subject01_walk1.trc',
    'subject01_static.trc',
    'subject01_walk1_ik.mot',
    'subject01_walk1_grf.mot',
  );
}

main();
