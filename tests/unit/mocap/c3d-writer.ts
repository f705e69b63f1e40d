/**
 * Test-side C3D writer, built from the C3D specification (not from the reader): header block,
 * parameter section (POINT group with USED, SCALE, RATE, DATA_START, FRAMES, UNITS, LABELS and
 * optional extras), then the point data, in Intel, DEC or MIPS byte order.
 */

export interface C3dWriteSpec {
  labels: string[];
  rate: number;
  /** frames × points × 3; NaN = invalid point (written with residual −1). */
  points: Float32Array;
  /** Negative: float data; positive: int16 × scale. */
  scale: number;
  units?: string;
  processor?: 'intel' | 'dec' | 'mips';
  /** Analog values per frame (written as zeros after each frame's points). */
  analogPerFrame?: number;
  /** Extra char parameters "GROUP:NAME" → strings. */
  extraChars?: Record<string, string[]>;
}

interface Param {
  group: number;
  name: string;
  type: -1 | 1 | 2 | 4;
  dims: number[];
  values: (number | string)[];
}

export function writeC3d(spec: C3dWriteSpec): Uint8Array {
  const proc = spec.processor ?? 'intel';
  const little = proc !== 'mips';
  const nPoints = spec.labels.length;
  const frames = spec.points.length / (nPoints * 3);
  const analog = spec.analogPerFrame ?? 0;
  const isFloat = spec.scale < 0;
  const width = isFloat ? 4 : 2;

  const f32 = (dv: DataView, at: number, v: number) => {
    if (proc !== 'dec') dv.setFloat32(at, v, little);
    else {
      // IEEE → VAX F: multiply by 4 (exponent bias), then swap the 16-bit halves.
      const t = new DataView(new ArrayBuffer(4));
      t.setFloat32(0, v * 4, true);
      dv.setUint16(at, t.getUint16(2, true), true);
      dv.setUint16(at + 2, t.getUint16(0, true), true);
    }
  };

  const groups: [number, string][] = [
    [1, 'POINT'],
    [2, 'SUBJECTS'],
  ];
  const labelLen = Math.max(4, ...spec.labels.map((l) => l.length));
  const params: Param[] = [
    { group: 1, name: 'USED', type: 2, dims: [], values: [nPoints] },
    { group: 1, name: 'SCALE', type: 4, dims: [], values: [spec.scale] },
    { group: 1, name: 'RATE', type: 4, dims: [], values: [spec.rate] },
    { group: 1, name: 'DATA_START', type: 2, dims: [], values: [0] }, // patched below
    { group: 1, name: 'FRAMES', type: 2, dims: [], values: [frames] },
    { group: 1, name: 'UNITS', type: -1, dims: [(spec.units ?? 'mm').length], values: [spec.units ?? 'mm'] },
    { group: 1, name: 'LABELS', type: -1, dims: [labelLen, nPoints], values: spec.labels },
  ];
  for (const [key, strings] of Object.entries(spec.extraChars ?? {})) {
    const [g, n] = key.split(':');
    let gid = groups.find(([, name]) => name === g)?.[0];
    if (gid === undefined) {
      gid = groups.length + 1;
      groups.push([gid, g]);
    }
    const len = Math.max(1, ...strings.map((s) => s.length));
    params.push({
      group: gid,
      name: n,
      type: -1,
      dims: strings.length > 1 ? [len, strings.length] : [len],
      values: strings,
    });
  }

  // Encode records.
  const recs: Uint8Array[] = [];
  const rec = (nameLen: number, id: number, name: string, body: number[]) => {
    const bytes = new Uint8Array(2 + nameLen + 2 + body.length);
    const dv = new DataView(bytes.buffer);
    dv.setInt8(0, nameLen);
    dv.setInt8(1, id);
    for (let k = 0; k < nameLen; k++) bytes[2 + k] = name.charCodeAt(k);
    dv.setInt16(2 + nameLen, 2 + body.length, little); // offset from this word to the next record
    bytes.set(body, 4 + nameLen);
    return bytes;
  };
  for (const [id, name] of groups) recs.push(rec(name.length, -id, name, [0]));
  let dataStartIndex = -1;
  for (const p of params) {
    const count = p.dims.reduce((a, b) => a * b, 1);
    const w = Math.abs(p.type);
    const data = new Uint8Array(count * w);
    const dv = new DataView(data.buffer);
    if (p.type === -1) {
      const len = p.dims[0];
      p.values.forEach((s, k) => {
        const str = String(s).padEnd(len, ' ');
        for (let c = 0; c < len; c++) data[k * len + c] = str.charCodeAt(c);
      });
    } else {
      p.values.forEach((v, k) => {
        if (p.type === 2) dv.setInt16(k * 2, Number(v), little);
        else if (p.type === 4) f32(dv, k * 4, Number(v));
        else data[k] = Number(v);
      });
    }
    const body = [p.type & 0xff, p.dims.length, ...p.dims, ...data, 0];
    if (p.name === 'DATA_START') dataStartIndex = recs.length;
    recs.push(rec(p.name.length, p.group, p.name, body));
  }
  const paramBytes = 4 + recs.reduce((a, r) => a + r.length, 0) + 2;
  const paramBlocks = Math.ceil(paramBytes / 512);
  const dataStart = 2 + paramBlocks;
  const perFrame = (nPoints * 4 + analog) * width;
  const out = new Uint8Array((dataStart - 1) * 512 + frames * perFrame);
  const dv = new DataView(out.buffer);

  // Header.
  out[0] = 2;
  out[1] = 0x50;
  dv.setUint16(2, nPoints, little);
  dv.setUint16(4, analog, little);
  dv.setUint16(6, 1, little);
  dv.setUint16(8, frames, little);
  dv.setUint16(10, 0, little);
  f32(dv, 12, spec.scale);
  dv.setUint16(16, dataStart, little);
  dv.setUint16(18, 0, little);
  f32(dv, 20, spec.rate);

  // Parameter section.
  let at = 512;
  out[at + 2] = paramBlocks;
  out[at + 3] = proc === 'intel' ? 84 : proc === 'dec' ? 85 : 86;
  at += 4;
  recs.forEach((r, k) => {
    if (k === dataStartIndex) {
      // DATA_START value lives after: len, id, name(10), offset(2), type, ndims=0.
      const valueAt = 2 + 'DATA_START'.length + 2 + 2;
      new DataView(r.buffer).setInt16(valueAt, dataStart, little);
    }
    if (k === recs.length - 1) new DataView(r.buffer).setInt16(2 + (r[0] as number), 0, little); // last record
    out.set(r, at);
    at += r.length;
  });

  // Points.
  const absScale = Math.abs(spec.scale);
  for (let f = 0; f < frames; f++) {
    const base = (dataStart - 1) * 512 + f * perFrame;
    for (let p = 0; p < nPoints; p++) {
      const o = base + p * 4 * width;
      const k = (f * nPoints + p) * 3;
      const invalid = Number.isNaN(spec.points[k]);
      for (let c = 0; c < 3; c++) {
        const v = invalid ? 0 : spec.points[k + c];
        if (isFloat) f32(dv, o + c * 4, v);
        else dv.setInt16(o + c * 2, Math.round(v / absScale), little);
      }
      // Fourth word: camera mask 0b11 in the high byte, residual 2 × scale in the low byte; −1 = invalid.
      const w = invalid ? -1 : (0b11 << 8) | 2;
      if (isFloat) f32(dv, o + 12, w);
      else dv.setInt16(o + 6, w, little);
    }
  }
  return out;
}
