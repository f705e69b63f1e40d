/**
 * C3D reader (3D point data), written from the C3D specification (c3d.org, "The C3D File Format
 * User Guide"):
 *   - 512-byte blocks. Block 1 is the header: byte 0 = first parameter block, byte 1 = 0x50,
 *     words (16-bit) 2 = point count, 3 = analog values per frame, 4/5 = first/last frame,
 *     7-8 = scale (float; negative means float data), 9 = DATA_START block, 11-12 = frame rate.
 *   - Parameter section: 4-byte header (byte 3 = block count, byte 4 = processor type:
 *     84 Intel, 85 DEC, 86 MIPS), then group and parameter records:
 *     name length (int8, negative = locked), group id (int8, negative = group definition),
 *     name, int16 offset to the next record, then for a parameter: type (−1 char, 1 byte,
 *     2 int16, 4 float), dimension count, dimensions, data, description.
 *   - Data: per frame, per point X, Y, Z and a fourth word (residual in the low byte, camera mask
 *     in the high byte; negative = invalid point), as int16 × POINT:SCALE or float32; then the
 *     frame's analog samples (skipped here).
 * Byte order: Intel little-endian IEEE, DEC little-endian integers with VAX F floats, MIPS
 * big-endian IEEE.
 */
import {
  METRES_PER_UNIT,
  toKinemaWorld,
  worldRotation,
  type MocapMarkerTake,
  type SignedAxis,
} from './types';

export class C3dError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'C3dError';
  }
}

export type C3dProcessor = 'intel' | 'dec' | 'mips';

export type C3dValue = string[] | number[];

export interface C3dParameter {
  readonly group: string;
  readonly name: string;
  /** −1 char, 1 byte, 2 int16, 4 float. */
  readonly type: number;
  readonly dims: readonly number[];
  /** Numbers in storage order, or for char data the strings along the first dimension (trimmed). */
  readonly value: C3dValue;
}

export interface C3dFile {
  readonly processor: C3dProcessor;
  /** Parameters by "GROUP:NAME" (upper case). */
  readonly parameters: ReadonlyMap<string, C3dParameter>;
  readonly labels: readonly string[];
  readonly rate: number;
  readonly frameCount: number;
  /** First frame number (1-based, from the header). */
  readonly firstFrame: number;
  /** POINT:UNITS as written ('mm' when absent). */
  readonly units: string;
  /** POINT:SCALE (negative: float data). */
  readonly scale: number;
  /** frames × points × 3 in the file's units and axes; NaN for invalid points. */
  readonly points: Float32Array;
  /** frames × points residuals (file units); NaN for invalid points. */
  readonly residuals: Float32Array;
  /** Analog values per point frame (skipped, reported). */
  readonly analogPerFrame: number;
}

const BLOCK = 512;

class Reader {
  readonly dv: DataView;
  constructor(
    buf: ArrayBuffer | Uint8Array,
    readonly proc: C3dProcessor,
  ) {
    this.dv =
      buf instanceof Uint8Array
        ? new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
        : new DataView(buf);
  }
  private check(at: number, n: number, what: string): void {
    if (at < 0 || at + n > this.dv.byteLength) {
      throw new C3dError(
        `file is truncated: ${what} at byte ${at} lies past the end (${this.dv.byteLength} bytes)`,
      );
    }
  }
  i8(at: number, what: string): number {
    this.check(at, 1, what);
    return this.dv.getInt8(at);
  }
  u8(at: number, what: string): number {
    this.check(at, 1, what);
    return this.dv.getUint8(at);
  }
  i16(at: number, what: string): number {
    this.check(at, 2, what);
    return this.dv.getInt16(at, this.proc !== 'mips');
  }
  u16(at: number, what: string): number {
    this.check(at, 2, what);
    return this.dv.getUint16(at, this.proc !== 'mips');
  }
  f32(at: number, what: string): number {
    this.check(at, 4, what);
    if (this.proc === 'mips') return this.dv.getFloat32(at, false);
    if (this.proc === 'intel') return this.dv.getFloat32(at, true);
    // VAX F float: the two 16-bit halves swapped relative to IEEE, exponent bias 2 higher.
    const b = new DataView(new ArrayBuffer(4));
    b.setUint16(0, this.dv.getUint16(at + 2, true), true);
    b.setUint16(2, this.dv.getUint16(at, true), true);
    return b.getFloat32(0, true) / 4;
  }
}

function processorOf(code: number): C3dProcessor {
  if (code === 84) return 'intel';
  if (code === 85) return 'dec';
  if (code === 86) return 'mips';
  throw new C3dError(
    `unknown processor type ${code} in the parameter header (expected 84 Intel, 85 DEC or 86 MIPS)`,
  );
}

/** Reads a C3D file's parameters and 3D points. Throws C3dError naming what is wrong. */
export function readC3d(buffer: ArrayBuffer | Uint8Array): C3dFile {
  const size = buffer.byteLength;
  if (size < BLOCK) throw new C3dError(`file is ${size} bytes, shorter than the 512-byte C3D header`);
  const raw = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (raw[1] !== 0x50) {
    throw new C3dError(`not a C3D file: header byte 2 is 0x${raw[1].toString(16)}, expected 0x50`);
  }
  const paramBlock = raw[0];
  const pStart = (paramBlock - 1) * BLOCK;
  if (paramBlock < 2 || pStart + 4 > size) {
    throw new C3dError(`parameter section starts at block ${paramBlock}, outside the file`);
  }
  const proc = processorOf(raw[pStart + 3]);
  const r = new Reader(buffer, proc);

  // Parameters.
  const groups = new Map<number, string>();
  const pending: { groupId: number; p: Omit<C3dParameter, 'group'> }[] = [];
  const pBlocks = raw[pStart + 2];
  const pEnd = pBlocks > 0 ? Math.min(size, pStart + pBlocks * BLOCK) : size;
  let at = pStart + 4;
  for (;;) {
    if (at + 2 > pEnd) break;
    const nameLen = Math.abs(r.i8(at, 'parameter name length'));
    const id = r.i8(at + 1, 'group id');
    if (nameLen === 0 || id === 0) break;
    const name = String.fromCharCode(...raw.subarray(at + 2, at + 2 + nameLen))
      .trim()
      .toUpperCase();
    const offAt = at + 2 + nameLen;
    const next = r.i16(offAt, `offset after "${name}"`);
    const body = offAt + 2;
    if (id < 0) {
      groups.set(-id, name);
    } else {
      const type = r.i8(body, `type of ${name}`);
      if (![-1, 1, 2, 4].includes(type)) {
        throw new C3dError(`parameter ${name} (group ${id}) at byte ${at}: bad data type ${type}`);
      }
      const nd = r.u8(body + 1, `dimensions of ${name}`);
      const dims: number[] = [];
      for (let k = 0; k < nd; k++) dims.push(r.u8(body + 2 + k, `dimension of ${name}`));
      const count = dims.reduce((a, b) => a * b, 1);
      const dAt = body + 2 + nd;
      const width = Math.abs(type);
      if (dAt + count * width > size) {
        throw new C3dError(
          `parameter ${name}: its ${count} values run past the end of the file (truncated?)`,
        );
      }
      let value: C3dValue;
      if (type === -1) {
        const len = dims[0] ?? 1;
        const n = Math.max(1, count / Math.max(1, len));
        const strings: string[] = [];
        for (let k = 0; k < n && len > 0; k++) {
          strings.push(
            String.fromCharCode(...raw.subarray(dAt + k * len, dAt + (k + 1) * len)).replace(/[\0\s]+$/, ''),
          );
        }
        value = strings;
      } else {
        const numbers: number[] = [];
        for (let k = 0; k < count; k++) {
          const o = dAt + k * width;
          numbers.push(type === 1 ? r.u8(o, name) : type === 2 ? r.i16(o, name) : r.f32(o, name));
        }
        value = numbers;
      }
      pending.push({ groupId: id, p: { name, type, dims, value } });
    }
    if (next === 0) break;
    at = offAt + next;
  }
  const parameters = new Map<string, C3dParameter>();
  for (const { groupId, p } of pending) {
    const group = groups.get(groupId) ?? `GROUP${groupId}`;
    parameters.set(`${group}:${p.name}`, { group, ...p });
  }
  const num = (key: string): number | null => {
    const v = parameters.get(key)?.value[0];
    return typeof v === 'number' ? v : null;
  };
  const str = (key: string): string[] | null => {
    const v = parameters.get(key)?.value;
    return v && typeof v[0] === 'string' ? (v as string[]) : null;
  };

  // Header words, read with the file's byte order.
  const hPoints = r.u16(2, 'header point count');
  const analogPerFrame = r.u16(4, 'header analog count');
  const firstFrame = r.u16(6, 'header first frame');
  const lastFrame = r.u16(8, 'header last frame');
  const hScale = r.f32(12, 'header scale');
  const hDataStart = r.u16(16, 'header data start');
  const hRate = r.f32(20, 'header frame rate');

  const nPoints = num('POINT:USED') ?? hPoints;
  if (!(nPoints >= 0)) throw new C3dError(`POINT:USED is ${nPoints}`);
  const scale = num('POINT:SCALE') ?? hScale;
  const rate = num('POINT:RATE') ?? hRate;
  if (!(rate > 0)) throw new C3dError(`frame rate is ${rate} (POINT:RATE and header): not a positive number`);
  const dataStart = num('POINT:DATA_START') ?? hDataStart;
  // POINT:FRAMES is an int16 that files with more than 32767 frames store as unsigned.
  const framesParam = num('POINT:FRAMES');
  const frameCount =
    framesParam !== null
      ? framesParam < 0
        ? framesParam + 65536
        : framesParam
      : Math.max(0, lastFrame - firstFrame + 1);
  const labelsRaw = [...(str('POINT:LABELS') ?? []), ...(str('POINT:LABELS2') ?? [])];
  const labels = Array.from({ length: nPoints }, (_, i) => labelsRaw[i] || `point${i + 1}`);
  const units = str('POINT:UNITS')?.[0]?.trim() || 'mm';

  const isFloat = scale < 0;
  const width = isFloat ? 4 : 2;
  const perFrame = (nPoints * 4 + analogPerFrame) * width;
  const dStart = (dataStart - 1) * BLOCK;
  if (dataStart < 2)
    throw new C3dError(`POINT:DATA_START is block ${dataStart}: the data cannot start inside the header`);
  if (dStart > size) {
    throw new C3dError(
      `data is truncated: the points should start at block ${dataStart} (byte ${dStart}), the file has ${size} bytes`,
    );
  }
  const need = dStart + frameCount * perFrame;
  if (need > size) {
    const whole = Math.floor((size - dStart) / Math.max(1, perFrame));
    throw new C3dError(
      `data is truncated: ${frameCount} frames of ${nPoints} points need ${need} bytes, the file has ${size} (${whole} whole frames)`,
    );
  }
  const points = new Float32Array(frameCount * nPoints * 3);
  const residuals = new Float32Array(frameCount * nPoints);
  const absScale = Math.abs(scale) || 1;
  for (let f = 0; f < frameCount; f++) {
    const base = dStart + f * perFrame;
    for (let p = 0; p < nPoints; p++) {
      const o = base + p * 4 * width;
      let x: number, y: number, z: number, w: number;
      if (isFloat) {
        x = r.f32(o, 'X');
        y = r.f32(o + 4, 'Y');
        z = r.f32(o + 8, 'Z');
        w = Math.trunc(r.f32(o + 12, 'residual'));
      } else {
        x = r.i16(o, 'X') * absScale;
        y = r.i16(o + 2, 'Y') * absScale;
        z = r.i16(o + 4, 'Z') * absScale;
        w = r.i16(o + 6, 'residual');
      }
      const k = (f * nPoints + p) * 3;
      if (w < 0) {
        points[k] = points[k + 1] = points[k + 2] = NaN;
        residuals[f * nPoints + p] = NaN;
      } else {
        points[k] = x;
        points[k + 1] = y;
        points[k + 2] = z;
        residuals[f * nPoints + p] = (w & 0xff) * absScale;
      }
    }
  }
  return {
    processor: proc,
    parameters,
    labels,
    rate,
    frameCount,
    firstFrame,
    units,
    scale,
    points,
    residuals,
    analogPerFrame,
  };
}

const AXES: readonly SignedAxis[] = ['+X', '-X', '+Y', '-Y', '+Z', '-Z'];

/**
 * A C3D file as a marker take in the Kinema world: units from POINT:UNITS (mm, cm, m) or
 * `metresPerUnit`; axes from POINT:X_SCREEN / Y_SCREEN (the file's axes that point right and up
 * on screen; default +X and +Z, the usual lab setup).
 */
export function c3dToTake(
  c3d: C3dFile,
  options: { metresPerUnit?: number; take?: string | null; subject?: string | null } = {},
): MocapMarkerTake {
  const unitKey = c3d.units.toLowerCase() as keyof typeof METRES_PER_UNIT;
  const mpu = options.metresPerUnit ?? (unitKey in METRES_PER_UNIT ? METRES_PER_UNIT[unitKey] : undefined);
  if (mpu === undefined) {
    throw new C3dError(`POINT:UNITS is "${c3d.units}", not mm, cm or m: give the scale explicitly`);
  }
  const screen = (key: string, fallback: SignedAxis): SignedAxis => {
    const v = c3d.parameters.get(key)?.value[0];
    if (typeof v !== 'string' || v.trim() === '') return fallback;
    const a = v.trim().toUpperCase();
    if (!(AXES as readonly string[]).includes(a))
      throw new C3dError(`${key} is "${v}", expected one of ${AXES.join(', ')}`);
    return a as SignedAxis;
  };
  const right = screen('POINT:X_SCREEN', '+X');
  const up = screen('POINT:Y_SCREEN', '+Z');
  let rotation: number[];
  try {
    rotation = worldRotation(right, up);
  } catch {
    throw new C3dError(`POINT:X_SCREEN ${right} and POINT:Y_SCREEN ${up} are not perpendicular axes`);
  }
  const subjectNames = c3d.parameters.get('SUBJECTS:NAMES')?.value;
  const subject =
    options.subject ??
    (subjectNames && typeof subjectNames[0] === 'string' && subjectNames[0] ? subjectNames[0] : null);
  return {
    kind: 'markers',
    source: 'c3d',
    rate: c3d.rate,
    frameCount: c3d.frameCount,
    positionsM: toKinemaWorld(c3d.points, mpu, rotation),
    markerNames: c3d.labels,
    subject,
    take: options.take ?? null,
    meta: {
      units: c3d.units,
      metresPerUnit: mpu,
      processor: c3d.processor,
      format: c3d.scale < 0 ? 'float' : 'integer',
      firstFrame: c3d.firstFrame,
      analogPerFrame: c3d.analogPerFrame,
      xScreen: right,
      yScreen: up,
    },
  };
}
