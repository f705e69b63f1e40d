/**
 * TRC and OpenSim .mot/.sto: real-world header variants parse (mm → m, missing markers as NaN,
 * SIMM-style headers, rows disagreeing with nRows); TRC round-trips through the writer; truncated
 * files, wrong column counts and non-numbers are refused naming the file, line and column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { motColumn, parseMot, readMot } from '../../../src/main/formats/mocap/opensim-mot';
import {
  formatTrc,
  markerTrajectory,
  parseTrc,
  readTrc,
  writeTrc,
  type MarkerData,
} from '../../../src/main/formats/mocap/trc';

const dir = mkdtempSync(join(tmpdir(), 'kinema-mocap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TRC text in the layout OpenSim's examples use (tabs, blank line after the header). */
function trcText(rows: string[], o: { units?: string; frames?: number; markers?: string[] } = {}): string {
  const markers = o.markers ?? ['R.Heel', 'L.Heel'];
  return [
    'PathFileType\t4\t(X/Y/Z)\twalk.trc',
    'DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames',
    `60.00\t60.00\t${o.frames ?? rows.length}\t${markers.length}\t${o.units ?? 'mm'}\t60.00\t1\t${rows.length}`,
    ['Frame#', 'Time', ...markers.flatMap((m) => [m, '', ''])].join('\t') + '\t',
    ['', '', ...markers.flatMap((_, j) => [`X${j + 1}`, `Y${j + 1}`, `Z${j + 1}`])].join('\t') + '\t',
    '',
    ...rows,
    '',
  ].join('\r\n');
}

describe('TRC', () => {
  it('reads markers in metres, with empty, NaN and all-zero cells as missing', () => {
    const d = parseTrc(
      trcText([
        '1\t0.000000\t100.5\t20\t-300\t0\t0\t0',
        '2\t0.016667\t101.5\t21\t-301\t\t\t',
        '3\t0.033333\tNaN\t1\t2\t4\t5\t6',
      ]),
      '/data/walk.trc',
    );
    expect(d.rate).toBe(60);
    expect(d.units).toBe('mm');
    expect(d.markers).toEqual(['R.Heel', 'L.Heel']);
    expect(Array.from(d.frameNumbers)).toEqual([1, 2, 3]);
    expect(d.times[1]).toBeCloseTo(0.016667, 9);
    const heel = markerTrajectory(d, 'R.Heel');
    expect(Array.from(heel.slice(0, 6)).map((v) => +v.toFixed(6))).toEqual([
      0.1005, 0.02, -0.3, 0.1015, 0.021, -0.301,
    ]);
    expect(heel[6]).toBeNaN(); // one NaN coordinate makes the marker missing
    const left = markerTrajectory(d, 'L.Heel');
    expect(left[0]).toBeNaN(); // (0, 0, 0)
    expect(left[3]).toBeNaN(); // empty cells
    expect(left[6]).toBeCloseTo(0.004, 12);
    expect(
      markerTrajectory(
        parseTrc(trcText(['1\t0\t0\t0\t0\t1\t1\t1']), 'a.trc', { zeroIsMissing: false }),
        'R.Heel',
      )[0],
    ).toBe(0);
    expect(() => markerTrajectory(d, 'Knee')).toThrow(/no marker "Knee"; markers: R.Heel, L.Heel/);
    expect(
      markerTrajectory(parseTrc(trcText(['1\t0\t1\t2\t3\t4\t5\t6'], { units: 'm' }), 'm.trc'), 'L.Heel')[2],
    ).toBe(6);
  });

  it('round-trips through the writer (mm and m), missing values included', () => {
    const T = 5;
    const markers = ['RASI', 'LASI', 'Sternum'];
    const positions = Float64Array.from({ length: T * 3 * 3 }, (_, i) => ((i * 37) % 101) / 100 - 0.4);
    positions.fill(NaN, (2 * 3 + 1) * 3, (2 * 3 + 1) * 3 + 3);
    const data: MarkerData = {
      rate: 100,
      cameraRate: 100,
      units: 'm',
      markers,
      frameNumbers: Int32Array.from({ length: T }, (_, i) => i + 1),
      times: Float64Array.from({ length: T }, (_, i) => i / 100),
      positions,
    };
    for (const units of ['mm', 'm'] as const) {
      const path = join(dir, `out-${units}.trc`);
      writeTrc(path, data, { units });
      const back = readTrc(path);
      expect(back.units).toBe(units);
      expect(back.markers).toEqual(markers);
      expect(back.rate).toBe(100);
      expect(Array.from(back.frameNumbers)).toEqual([1, 2, 3, 4, 5]);
      back.positions.forEach((v, i) => {
        if (Number.isNaN(positions[i])) expect(v).toBeNaN();
        else expect(v).toBeCloseTo(positions[i], 6);
      });
    }
    expect(formatTrc(data, 'x.trc').split('\n')[0]).toBe('PathFileType\t4\t(X/Y/Z)\tx.trc');
    expect(() => formatTrc({ ...data, positions: new Float64Array(3) }, 'x.trc')).toThrow(
      /positions hold 3 numbers, expected 5 × 3 × 3/,
    );
  });

  it('refuses malformed files naming the file, line and column', () => {
    const ok = '1\t0.0\t1\t2\t3\t4\t5\t6';
    const cases: [string, RegExp][] = [
      ['hello\nworld', /bad\.trc: is not a TRC file/],
      [
        trcText([ok, '2\t0.1\t1\t2\t3\t4\t5']),
        /bad\.trc: line 8: 7 columns, expected 8 .*the file looks truncated/,
      ],
      [trcText([ok, '2\t0.1\t1\t2\t3\t4\t5\t6\t7\t8', ok]), /line 8: 10 columns, expected 8/],
      [trcText([ok, '2\t0.1\t1\t2\tabc\t4\t5\t6']), /line 8: column 5 \(R\.Heel Z\): "abc" is not a number/],
      [
        trcText([ok, '2\t0.1\t1\t2\t3\t4\t5\t6'], { frames: 5 }),
        /NumFrames says 5 but the file has 2 data rows/,
      ],
      [trcText([ok], { units: 'inches' }), /line 3: Units "inches" is not one of mm, cm, m/],
      [trcText([]), /has no data rows/],
      [trcText([ok, '2\t0.0\t1\t2\t3\t4\t5\t6']), /line 8: time 0 does not increase/],
      [trcText([ok, 'x\t0.1\t1\t2\t3\t4\t5\t6']), /line 8: column 1 \(Frame#\): "x" is not a number/],
    ];
    for (const [text, msg] of cases) expect(() => parseTrc(text, '/some/where/bad.trc')).toThrow(msg);
    expect(() => readTrc(join(dir, 'nope.trc'))).toThrow(/nope\.trc: file not found/);
  });
});

describe('OpenSim .mot / .sto', () => {
  const ik = [
    'Coordinates',
    'version=1',
    'nRows=3',
    'nColumns=4',
    'inDegrees=yes',
    '',
    'Units are S.I. units (second, meters, Newtons, ...)',
    'endheader',
    'time\tpelvis_tilt\tknee_angle_r\tankle_angle_r',
    '      0.40000000\t      5.18\t    -55.24\t      3.73',
    '      0.41666667\t      5.14\t    -50.36\t      nan',
    '      0.43333333\t      5.04\t    -45.02\t      3.57',
    '',
  ].join('\n');

  it('reads a key=value header, columns and inDegrees', () => {
    const t = parseMot(ik, 'walk_ik.mot');
    expect(t.name).toBe('Coordinates');
    expect(t.inDegrees).toBe(true);
    expect(t.columns).toEqual(['time', 'pelvis_tilt', 'knee_angle_r', 'ankle_angle_r']);
    expect(t.rows).toBe(3);
    expect(Array.from(motColumn(t, 'knee_angle_r'))).toEqual([-55.24, -50.36, -45.02]);
    expect(motColumn(t, 'ankle_angle_r')[1]).toBeNaN();
    expect(t.warnings).toEqual([]);
    expect(() => motColumn(t, 'hip_flexion_r')).toThrow(
      /No column "hip_flexion_r" in Coordinates; columns: time, pelvis_tilt/,
    );
  });

  it('reads the older SIMM header and tolerates a wrong datarows', () => {
    const text = [
      'name run.mot',
      'datacolumns 3',
      'datarows 901',
      'range 0.000000 15.000000',
      'endheader',
      '                time\t     ground_force_vy\t     1_ground_force_vy',
      '0\t0\t0',
      '0.017\t192.285198\t-1e-3',
    ].join('\n');
    const t = parseMot(text, 'run_grf.mot');
    expect(t.inDegrees).toBeNull();
    expect(t.header.datarows).toBe('901');
    expect(t.columns).toEqual(['time', 'ground_force_vy', '1_ground_force_vy']);
    expect(motColumn(t, '1_ground_force_vy')[1]).toBeCloseTo(-0.001, 12);
    expect(t.warnings).toEqual(['header declares 901 rows, the table has 2']);
    const path = join(dir, 'grf.sto');
    writeFileSync(path, text.replace('name run.mot', 'run\nversion=1\ninDegrees=no'));
    expect(readMot(path).inDegrees).toBe(false);
  });

  it('refuses malformed files naming the line and column', () => {
    const cases: [string, RegExp][] = [
      ['version=1\ntime\ta\n0\t1', /bad\.mot: has no "endheader" line/],
      ['endheader\n', /line 2: expected the column names after "endheader"/],
      ['endheader\ntime a\n0 1\n0.1', /line 4: 1 values, expected 2 .*the file looks truncated/],
      ['endheader\ntime a\n0 1 2\n0.1 3', /line 3: 3 values, expected 2/],
      ['endheader\ntime a\n0 1\n0.1 x7', /line 4, column 2 \(a\): "x7" is not a number/],
      ['endheader\ntime a\n', /has no data rows/],
      ['endheader\n0 1\n0.1 2', /line 2: expected column names after "endheader", found numbers/],
      ['endheader\ntime a a\n0 1 2', /column "a" appears twice/],
    ];
    for (const [text, msg] of cases) expect(() => parseMot(text, '/x/bad.mot')).toThrow(msg);
  });
});
