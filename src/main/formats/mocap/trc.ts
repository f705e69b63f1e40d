/**
 * TRC marker trajectories (Motion Analysis / OpenSim), read and written.
 *
 * Layout (tab-separated):
 *   1  PathFileType  4  (X/Y/Z)  <file name>
 *   2  DataRate  CameraRate  NumFrames  NumMarkers  Units  OrigDataRate  OrigDataStartFrame  OrigNumFrames
 *   3  the values of line 2
 *   4  Frame#  Time  <marker 1>  ""  ""  <marker 2>  ""  ""  …
 *   5  ""  ""  X1  Y1  Z1  X2  Y2  Z2  …
 *   then (after optional blank lines) one row per frame: frame number, time, x y z per marker.
 * A missing value is an empty cell or NaN; with `zeroIsMissing` (default) a marker reading exactly
 * (0, 0, 0), which several exporters write for an occluded marker, is missing too.
 *
 * Positions are converted to metres once, here (`units` keeps what the file said).
 */
import { basename } from 'node:path';
import { formatError, readBytes, writeFileAtomic } from '../io';

export interface MarkerData {
  /** Frames per second (DataRate). */
  rate: number;
  /** CameraRate from the header (often equal to rate). */
  cameraRate: number;
  /** Length unit the file used; `positions` are always in metres. */
  units: 'mm' | 'cm' | 'm';
  /** Marker names, in file order. */
  markers: string[];
  /** Frame number column, per frame. */
  frameNumbers: Int32Array;
  /** Time column (s), per frame. */
  times: Float64Array;
  /** frames × markers × 3 (x, y, z) in metres; NaN where a marker is missing. */
  positions: Float64Array;
}

export interface TrcReadOptions {
  /** Treat a marker at exactly (0, 0, 0) as missing. Default true. */
  zeroIsMissing?: boolean;
}

const UNIT_SCALE: Readonly<Record<MarkerData['units'], number>> = { mm: 0.001, cm: 0.01, m: 1 };

/** Number of frames of a MarkerData. */
export function markerFrameCount(data: Pick<MarkerData, 'times'>): number {
  return data.times.length;
}

/** x, y, z (metres) of one marker over all frames (frames × 3), by name; throws listing the names. */
export function markerTrajectory(data: MarkerData, name: string, file = 'markers'): Float64Array {
  const j = data.markers.indexOf(name);
  if (j < 0) throw new Error(`${file}: no marker "${name}"; markers: ${data.markers.join(', ')}`);
  const T = data.times.length;
  const M = data.markers.length;
  const out = new Float64Array(T * 3);
  for (let t = 0; t < T; t++) out.set(data.positions.subarray((t * M + j) * 3, (t * M + j) * 3 + 3), t * 3);
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A cell's value: NaN for an empty or "NaN" cell (call isBad first for anything else). */
function parseNumber(cell: string): number {
  const s = cell.trim();
  return s === '' || /^nan$/i.test(s) ? NaN : Number(s);
}

function isBad(cell: string): boolean {
  const s = cell.trim();
  return s !== '' && !/^nan$/i.test(s) && !NUMBER.test(s);
}

/** Parses TRC text; `file` names the file in error messages. */
export function parseTrc(text: string, file: string, options: TrcReadOptions = {}): MarkerData {
  const lines = text.split(/\r?\n/);
  const err = (line: number, what: string) => formatError(file, `line ${line}: ${what}`);
  if (lines.length < 5 || !/^PathFileType\b/.test(lines[0])) {
    throw formatError(file, 'is not a TRC file: the first line must start with "PathFileType"');
  }
  const keys = lines[1].split('\t').map((s) => s.trim());
  const vals = lines[2].split('\t').map((s) => s.trim());
  const header = new Map<string, string>();
  keys.forEach((k, i) => k && header.set(k, vals[i] ?? ''));
  const num = (key: string, required: boolean): number => {
    const v = header.get(key);
    if (v === undefined || v === '') {
      if (required) throw err(3, `the header has no ${key} value`);
      return NaN;
    }
    const n = Number(v);
    if (!Number.isFinite(n)) throw err(3, `${key} "${v}" is not a number`);
    return n;
  };
  const rate = num('DataRate', true);
  if (!(rate > 0)) throw err(3, `DataRate must be > 0, got ${rate}`);
  const cameraRate = num('CameraRate', false);
  const declaredMarkers = num('NumMarkers', false);
  const declaredFrames = num('NumFrames', false);
  const unitText = (header.get('Units') ?? '').toLowerCase();
  if (!(unitText in UNIT_SCALE)) {
    throw err(3, `Units "${header.get('Units') ?? ''}" is not one of mm, cm, m`);
  }
  const units = unitText as MarkerData['units'];
  const scale = UNIT_SCALE[units];

  const nameCells = lines[3].split('\t');
  if (!/^Frame#?$/i.test(nameCells[0]?.trim() ?? '') || !/^Time$/i.test(nameCells[1]?.trim() ?? '')) {
    throw err(4, 'expected the column names row to start with "Frame#" and "Time"');
  }
  const markers: string[] = [];
  for (let c = 2; c < nameCells.length; c += 3) {
    const m = nameCells[c].trim();
    if (m === '') {
      if (nameCells.slice(c).every((x) => x.trim() === '')) break;
      throw err(4, `column ${c + 1} should hold a marker name (every third column from column 3)`);
    }
    markers.push(m);
  }
  if (markers.length === 0) throw err(4, 'no marker names');
  const dup = markers.find((m, i) => markers.indexOf(m) !== i);
  if (dup) throw err(4, `marker "${dup}" appears twice`);
  if (Number.isFinite(declaredMarkers) && declaredMarkers !== markers.length) {
    throw err(3, `NumMarkers says ${declaredMarkers} but line 4 names ${markers.length} markers`);
  }
  const M = markers.length;
  const width = 2 + 3 * M;

  const rows: { line: number; cells: string[] }[] = [];
  for (let i = 5; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split('\t');
    // Trailing empty cells beyond the expected width are padding some writers add.
    while (cells.length > width && cells[cells.length - 1].trim() === '') cells.pop();
    if (cells.length !== width) {
      throw err(
        i + 1,
        `${cells.length} columns, expected ${width} (frame, time and x, y, z of ${M} markers)` +
          (i === lines.length - 1 || lines.slice(i + 1).every((l) => l.trim() === '')
            ? '; the file looks truncated'
            : ''),
      );
    }
    rows.push({ line: i + 1, cells });
  }
  if (rows.length === 0) throw formatError(file, 'has no data rows (the file ends after the header)');
  if (Number.isFinite(declaredFrames) && declaredFrames !== rows.length && declaredFrames > 0) {
    throw formatError(
      file,
      `NumFrames says ${declaredFrames} but the file has ${rows.length} data rows (truncated or damaged?)`,
    );
  }

  const T = rows.length;
  const frameNumbers = new Int32Array(T);
  const times = new Float64Array(T);
  const positions = new Float64Array(T * M * 3);
  const zeroIsMissing = options.zeroIsMissing ?? true;
  rows.forEach(({ line, cells }, t) => {
    for (let c = 0; c < width; c++) {
      if (isBad(cells[c])) {
        const col =
          c === 0 ? 'Frame#' : c === 1 ? 'Time' : `${markers[Math.floor((c - 2) / 3)]} ${'XYZ'[(c - 2) % 3]}`;
        throw err(line, `column ${c + 1} (${col}): "${cells[c].trim()}" is not a number`);
      }
    }
    const f = parseNumber(cells[0]);
    if (!Number.isInteger(f)) throw err(line, `Frame# "${cells[0].trim()}" is not a whole number`);
    const time = parseNumber(cells[1]);
    if (!Number.isFinite(time)) throw err(line, 'the Time cell is empty');
    frameNumbers[t] = f;
    times[t] = time;
    for (let j = 0; j < M; j++) {
      const x = parseNumber(cells[2 + 3 * j]);
      const y = parseNumber(cells[3 + 3 * j]);
      const z = parseNumber(cells[4 + 3 * j]);
      const missing =
        !Number.isFinite(x) ||
        !Number.isFinite(y) ||
        !Number.isFinite(z) ||
        (zeroIsMissing && x === 0 && y === 0 && z === 0);
      const o = (t * M + j) * 3;
      positions[o] = missing ? NaN : x * scale;
      positions[o + 1] = missing ? NaN : y * scale;
      positions[o + 2] = missing ? NaN : z * scale;
    }
  });
  for (let t = 1; t < T; t++) {
    if (!(times[t] > times[t - 1])) {
      throw err(rows[t].line, `time ${times[t]} does not increase (previous row: ${times[t - 1]})`);
    }
  }
  return {
    rate,
    cameraRate: Number.isFinite(cameraRate) ? cameraRate : rate,
    units,
    markers,
    frameNumbers,
    times,
    positions,
  };
}

/** Reads a TRC file (positions in metres). */
export function readTrc(path: string, options: TrcReadOptions = {}): MarkerData {
  return parseTrc(new TextDecoder('utf-8').decode(readBytes(path)), path, options);
}

export interface TrcWriteOptions {
  /** Unit to write (positions are converted from metres). Default 'mm'. */
  units?: MarkerData['units'];
  /** Digits after the decimal point. Default 6 for m, 3 for mm. */
  decimals?: number;
}

/** Formats marker data as TRC text; missing values are written as empty cells. */
export function formatTrc(data: MarkerData, fileName: string, options: TrcWriteOptions = {}): string {
  const units = options.units ?? 'mm';
  const scale = 1 / UNIT_SCALE[units];
  const decimals = options.decimals ?? (units === 'm' ? 6 : units === 'cm' ? 4 : 3);
  const M = data.markers.length;
  const T = data.times.length;
  if (data.positions.length !== T * M * 3) {
    throw new Error(
      `Cannot write ${fileName}: positions hold ${data.positions.length} numbers, expected ${T} × ${M} × 3`,
    );
  }
  if (data.frameNumbers.length !== T) {
    throw new Error(`Cannot write ${fileName}: ${data.frameNumbers.length} frame numbers for ${T} times`);
  }
  const bad = data.markers.find((m) => m === '' || /[\t\r\n]/.test(m));
  if (bad !== undefined)
    throw new Error(`Cannot write ${fileName}: marker name ${JSON.stringify(bad)} is empty or holds a tab`);
  const fmt = (v: number) => (Number.isFinite(v) ? (v * scale).toFixed(decimals) : '');
  const out: string[] = [
    `PathFileType\t4\t(X/Y/Z)\t${fileName}`,
    'DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames',
    [data.rate, data.cameraRate, T, M, units, data.rate, data.frameNumbers[0] ?? 1, T].join('\t'),
    ['Frame#', 'Time', ...data.markers.flatMap((m) => [m, '', ''])].join('\t'),
    ['', '', ...data.markers.flatMap((_, j) => [`X${j + 1}`, `Y${j + 1}`, `Z${j + 1}`])].join('\t'),
    '',
  ];
  for (let t = 0; t < T; t++) {
    const cells: string[] = [String(data.frameNumbers[t]), data.times[t].toFixed(6)];
    for (let j = 0; j < M; j++) {
      const o = (t * M + j) * 3;
      cells.push(fmt(data.positions[o]), fmt(data.positions[o + 1]), fmt(data.positions[o + 2]));
    }
    out.push(cells.join('\t'));
  }
  return `${out.join('\n')}\n`;
}

/** Writes a TRC file atomically. */
export function writeTrc(path: string, data: MarkerData, options: TrcWriteOptions = {}): void {
  writeFileAtomic(path, formatTrc(data, basename(path), options));
}
