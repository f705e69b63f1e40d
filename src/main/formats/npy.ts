/**
 * NumPy .npy and .npz, written from the format's specification: magic `\x93NUMPY`, version, header
 * length (2 bytes in version 1, 4 in 2 and 3), a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 17, 2), }` padded so the data starts at a
 * multiple of 64, then the data in C order. An .npz is a zip of .npy files.
 *
 * Read: float32/float64/int32/int64/uint8/bool in either byte order, C order. Object arrays
 * (`|O`) hold a pickle, returned as bytes for the restricted unpickler (`pickle.ts`).
 * Write: little-endian float32/float64/int32/uint8, version 1.0.
 */
import { unzipSync, zipSync } from 'fflate';
import { KinemaError } from '../../shared/errors';

export type NumericDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';

export interface NumericArray {
  dtype: NumericDtype;
  shape: number[];
  /** C-order values; int64 arrives as Float64Array (exact up to 2^53), bool as Uint8Array. */
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

export interface ObjectArray {
  dtype: 'object';
  shape: number[];
  /** The pickle that numpy wrote for the whole array. */
  pickle: Uint8Array;
}

export type NpyArray = NumericArray | ObjectArray;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES: Record<string, { dtype: NumericDtype; size: number }> = {
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  b1: { dtype: 'bool', size: 1 },
};

function bad(name: string, what: string): KinemaError {
  return new KinemaError('BAD_POSE_FILE', `${name}: ${what}`);
}

type Literal = string | number | boolean | null | Literal[] | { [k: string]: Literal };

/** Parses the small Python literal subset that .npy headers use. */
export function parsePythonLiteral(text: string, name = 'header'): Literal {
  let i = 0;
  const fail = (what: string): never => {
    throw bad(name, `bad .npy header: ${what} at character ${i} of ${JSON.stringify(text.slice(0, 120))}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): Literal => {
    ws();
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: Literal[] = [];
      const obj: Record<string, Literal> = {};
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return c === '{' ? obj : items;
        }
        const v = value();
        if (c === '{') {
          ws();
          if (text[i] !== ':') fail('expected ":"');
          i++;
          if (typeof v !== 'string') fail('dict keys must be strings');
          obj[v as string] = value();
        } else items.push(v);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected "," or "${close}"`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (!m) return fail('unexpected text');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', ''));
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}

/** Reads one .npy file's bytes; `name` appears in error messages. */
export function readNpy(bytes: Uint8Array, name: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b))
    throw bad(name, 'is not a .npy array (bad magic number)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad(name, 'truncated .npy header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw bad(name, `unsupported .npy version ${major}.${bytes[7]}`);
  if (start + headerLen > bytes.length) throw bad(name, 'truncated .npy header');
  const raw = bytes.subarray(start, start + headerLen);
  // Version 1/2 headers are latin-1 (decoded by hand: TextDecoder's 'latin1' is windows-1252).
  const headerText = (
    major === 3
      ? new TextDecoder('utf-8').decode(raw)
      : Array.from(raw, (c) => String.fromCharCode(c)).join('')
  ).trim();
  const header = parsePythonLiteral(headerText, name);
  if (!header || typeof header !== 'object' || Array.isArray(header))
    throw bad(name, 'bad .npy header: not a dict');
  const { descr, fortran_order: fortran, shape } = header as Record<string, Literal>;
  if (typeof descr !== 'string')
    throw bad(name, `bad .npy header: descr is not a dtype text (${JSON.stringify(descr)})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw bad(name, 'bad .npy header: shape is not a tuple of sizes');
  }
  if (fortran !== false) throw bad(name, 'Fortran-ordered arrays are not supported; save with C order');
  const dims = shape as number[];
  const count = dims.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(start + headerLen);
  if (descr === '|O') return { dtype: 'object', shape: dims, pickle: body };
  const order = descr[0];
  const info = DTYPES[descr.slice(1)];
  if (!info || !'<>|='.includes(order)) {
    throw bad(name, `unsupported dtype ${descr} (supported: float32, float64, int32, int64, uint8, bool)`);
  }
  const need = count * info.size;
  if (body.length < need)
    throw bad(
      name,
      `data is truncated: ${body.length} bytes, expected ${need} for shape (${dims.join(', ')})`,
    );
  const little = order !== '>';
  const dv = new DataView(body.buffer, body.byteOffset, need);
  switch (info.dtype) {
    case 'float32': {
      const out = new Float32Array(count);
      for (let k = 0; k < count; k++) out[k] = dv.getFloat32(k * 4, little);
      return { dtype: 'float32', shape: dims, data: out };
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let k = 0; k < count; k++) out[k] = dv.getFloat64(k * 8, little);
      return { dtype: 'float64', shape: dims, data: out };
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let k = 0; k < count; k++) out[k] = dv.getInt32(k * 4, little);
      return { dtype: 'int32', shape: dims, data: out };
    }
    case 'int64': {
      const out = new Float64Array(count);
      for (let k = 0; k < count; k++) out[k] = Number(dv.getBigInt64(k * 8, little));
      return { dtype: 'int64', shape: dims, data: out };
    }
    default:
      return { dtype: info.dtype, shape: dims, data: body.slice(0, count) };
  }
}

const DESCR: Record<string, string> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  uint8: '|u1',
  bool: '|b1',
  object: '|O',
};

function header(descr: string, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + text.length + 1;
  text += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + text.length);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let k = 0; k < text.length; k++) out[10 + k] = text.charCodeAt(k);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Encodes a numeric array (little-endian, C order) or an object array's pickle as .npy bytes. */
export function writeNpy(array: NpyArray): Uint8Array {
  if (array.dtype === 'object') return concat(header('|O', array.shape), array.pickle);
  const descr = DESCR[array.dtype];
  if (!descr) throw new KinemaError('BAD_POSE_FILE', `cannot write dtype ${array.dtype} to .npy`);
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new KinemaError(
      'BAD_POSE_FILE',
      `array of shape (${array.shape.join(', ')}) needs ${count} values, got ${array.data.length}`,
    );
  }
  const size = array.data.BYTES_PER_ELEMENT;
  const body = new Uint8Array(count * size);
  const dv = new DataView(body.buffer);
  for (let k = 0; k < count; k++) {
    const v = array.data[k];
    if (array.dtype === 'float32') dv.setFloat32(k * 4, v, true);
    else if (array.dtype === 'float64') dv.setFloat64(k * 8, v, true);
    else if (array.dtype === 'int32') dv.setInt32(k * 4, v, true);
    else body[k] = v;
  }
  return concat(header(descr, array.shape), body);
}

/** The members of an .npz (zip) by array name (without ".npy"); `name` appears in errors. */
export function readNpz(bytes: Uint8Array, name: string): Map<string, Uint8Array> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b)
    throw bad(name, 'is not an .npz file (not a zip archive)');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw bad(name, `the zip archive is damaged or truncated (${(err as Error).message})`);
  }
  return new Map(Object.entries(files).map(([k, v]) => [k.replace(/\.npy$/, ''), v]));
}

/** Zips members (name → bytes; ".npy" is added to names without an extension). */
export function writeNpz(members: Record<string, Uint8Array>, compress = true): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(members)) files[/\.[a-z]+$/i.test(k) ? k : `${k}.npy`] = v;
  return zipSync(files, { level: compress ? 6 : 0 });
}
