/**
 * A minimal, safe subset of Python's pickle, enough for the dicts of numpy arrays that VideoPose3D
 * stores in its .npz files (`positions_2d`, `metadata`).
 *
 * Reading accepts only data opcodes (None, bools, ints, floats, str, bytes, tuples, lists, dicts,
 * memo) and REDUCE/BUILD on a fixed list of callables: `numpy.core.multiarray._reconstruct` (also
 * `numpy._core...`, as numpy 2 writes it), `numpy.ndarray`, `numpy.dtype`,
 * `numpy.core.multiarray.scalar` and `_codecs.encode` (bytes in Python 3's protocol-2 pickles).
 * Every other global, and every opcode that builds arbitrary objects (INST, OBJ, NEWOBJ, EXT,
 * PERSID...), is refused before anything is called — nothing in the pickle runs code.
 *
 * Writing emits protocol 3 (the protocol numpy itself uses for object arrays, and the first with a
 * `bytes` opcode: in protocol 2, Python 3 can only express bytes through `_codecs.encode`), with
 * arrays as `_reconstruct(ndarray, (0,), b'b')` + BUILD state, exactly as numpy pickles them.
 * Python 3 with numpy 1.x or 2.x loads the result.
 */
import { KinemaError } from '../../shared/errors';
import type { NumericArray } from './npy';

/** A Python tuple (kept distinct from a list). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A numpy array from a pickle: numeric, or object (items are Python values). */
export type PyNdArray = NumericArray | { dtype: 'object'; shape: number[]; items: PyValue[] };

/** A Python dict; keys are converted to text. */
export interface PyDict {
  [key: string]: PyValue;
}

export type PyValue =
  null | boolean | number | string | Uint8Array | PyValue[] | PyTuple | PyDict | PyNdArrayBox;

/** Wraps an ndarray so it is told apart from dicts and lists. */
export class PyNdArrayBox {
  constructor(public array: PyNdArray | null) {}
}

class PyGlobal {
  constructor(readonly name: string) {}
}

class PyDtype {
  byteorder = '=';
  constructor(readonly code: string) {}
}

const ALLOWED = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  '_codecs.encode',
]);

const MARK: unique symbol = Symbol('mark');
type Item = PyValue | PyGlobal | PyDtype | typeof MARK;

const DTYPE_OF: Record<string, { dtype: NumericArray['dtype']; size: number }> = {
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  b1: { dtype: 'bool', size: 1 },
};

function isDict(v: unknown): v is PyDict {
  return !!v && typeof v === 'object' && Object.getPrototypeOf(v) === null;
}

/** Decodes array bytes of a numeric dtype into a typed array. */
function decodeArray(
  name: string,
  code: string,
  little: boolean,
  shape: number[],
  bytes: Uint8Array,
): NumericArray {
  const info = DTYPE_OF[code];
  if (!info) throw refuse(name, `an array of dtype ${code}, which is not supported`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * info.size)
    throw refuse(name, `array data of ${bytes.length} bytes for shape (${shape.join(', ')})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const get = (k: number): number => {
    switch (info.dtype) {
      case 'float32':
        return dv.getFloat32(k * 4, little);
      case 'float64':
        return dv.getFloat64(k * 8, little);
      case 'int32':
        return dv.getInt32(k * 4, little);
      case 'int64':
        return Number(dv.getBigInt64(k * 8, little));
      default:
        return bytes[k];
    }
  };
  const data =
    info.dtype === 'float32'
      ? new Float32Array(count)
      : info.dtype === 'int32'
        ? new Int32Array(count)
        : info.size === 1
          ? new Uint8Array(count)
          : new Float64Array(count);
  for (let k = 0; k < count; k++) data[k] = get(k);
  return { dtype: info.dtype, shape, data };
}

function refuse(name: string, what: string): KinemaError {
  return new KinemaError(
    'UNSAFE_PICKLE',
    `${name}: refused to load the pickled data: it contains ${what}. Kinema reads only pickles of ` +
      'numpy arrays, dicts, lists, text and numbers (as VideoPose3D writes them).',
  );
}

/** Unpickles `bytes`, allowing only the structures described above; `name` appears in errors. */
export function unpickleRestricted(bytes: Uint8Array, name: string): PyValue {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Item[] = [];
  const memo = new Map<number, Item>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length)
      throw new KinemaError('BAD_POSE_FILE', `${name}: the pickled data is truncated`);
  };
  const u8 = () => {
    need(1);
    return bytes[pos++];
  };
  const u16 = () => {
    need(2);
    pos += 2;
    return dv.getUint16(pos - 2, true);
  };
  const i32 = () => {
    need(4);
    pos += 4;
    return dv.getInt32(pos - 4, true);
  };
  const u32 = () => {
    need(4);
    pos += 4;
    return dv.getUint32(pos - 4, true);
  };
  const u64 = () => {
    need(8);
    pos += 8;
    const v = dv.getBigUint64(pos - 8, true);
    if (v > BigInt(bytes.length))
      throw new KinemaError('BAD_POSE_FILE', `${name}: the pickled data is truncated`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const text = (n: number) => new TextDecoder('utf-8').decode(take(n));
  // Latin-1 by hand: TextDecoder's 'latin1' is windows-1252.
  const latin1 = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('');
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new KinemaError('BAD_POSE_FILE', `${name}: the pickled data is truncated`);
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): Item => {
    if (stack.length === 0) throw refuse(name, 'a malformed opcode sequence (stack underflow)');
    return stack.pop()!;
  };
  const top = (): Item => {
    if (stack.length === 0) throw refuse(name, 'a malformed opcode sequence (stack underflow)');
    return stack[stack.length - 1];
  };
  const popMark = (): Item[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) throw refuse(name, 'a malformed opcode sequence (no mark)');
    const items = stack.splice(k);
    items.shift();
    return items;
  };
  // Globals and dtypes may sit inside tuples (call arguments, array state); they are inert markers.
  const value = (v: Item): PyValue => {
    if (v === MARK) throw refuse(name, 'a malformed opcode sequence (stray mark)');
    return v as PyValue;
  };
  const key = (k: Item): string => {
    if (typeof k === 'string') return k;
    if (typeof k === 'number' || typeof k === 'boolean') return String(k);
    throw refuse(name, 'a dict key that is not text or a number');
  };
  const global = (full: string): PyGlobal => {
    if (!ALLOWED.has(full)) throw refuse(name, `a reference to ${full}, which is not allowed`);
    return new PyGlobal(full);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw refuse(name, 'an unknown pickle protocol');
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1)
          throw refuse(name, 'a malformed opcode sequence (stack not empty at the end)');
        return value(stack[0]);
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(Object.create(null) as PyDict);
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = Object.create(null) as PyDict;
        for (let k = 0; k + 1 < items.length; k += 2) d[key(items[k])] = value(items[k + 1]);
        stack.push(d);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark().map(value));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark().map(value)));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        const items: PyValue[] = [];
        for (let k = 0; k < n; k++) items.unshift(value(pop()));
        stack.push(new PyTuple(items));
        break;
      }
      case 0x73: // SETITEM
      case 0x75: {
        // SETITEMS
        const items: Item[] = op === 0x73 ? ([pop(), pop()] as Item[]).reverse() : popMark();
        const d = top();
        if (!isDict(d)) throw refuse(name, 'SETITEM on something that is not a dict');
        for (let k = 0; k + 1 < items.length; k += 2) d[key(items[k])] = value(items[k + 1]);
        break;
      }
      case 0x61: // APPEND
      case 0x65: {
        // APPENDS
        const items: Item[] = op === 0x61 ? [pop()] : popMark();
        const l = top();
        if (!Array.isArray(l)) throw refuse(name, 'APPEND on something that is not a list');
        for (const it of items) l.push(value(it));
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: {
        // LONG1
        const n = u8();
        const b = take(n);
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        pos += 8;
        stack.push(dv.getFloat64(pos - 8, false));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(latin1(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(`${module}.${line()}`));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const attr = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof attr !== 'string')
          throw refuse(name, 'a malformed global reference');
        stack.push(global(`${module}.${attr}`));
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) throw refuse(name, 'a reference to an unknown memo entry');
        stack.push(memo.get(k)!);
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple))
          throw refuse(name, 'a call of something that is not an allowed function');
        stack.push(call(name, fn.name, args.items));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyDtype && state instanceof PyTuple) {
          const order = state.items[1];
          if (typeof order === 'string') obj.byteorder = order;
        } else if (obj instanceof PyNdArrayBox && state instanceof PyTuple) {
          obj.array = buildArray(name, state.items);
        } else throw refuse(name, 'object state for something other than a numpy array or dtype');
        break;
      }
      default:
        throw refuse(
          name,
          `the pickle opcode 0x${op.toString(16).padStart(2, '0')} (${JSON.stringify(String.fromCharCode(op))}), which is not allowed`,
        );
    }
  }
}

function call(name: string, fn: string, args: PyValue[]): Item {
  if (fn.endsWith('._reconstruct')) {
    const cls = args[0] as unknown;
    if (!(cls instanceof PyGlobal) || cls.name !== 'numpy.ndarray')
      throw refuse(name, 'an array of a class other than numpy.ndarray');
    return new PyNdArrayBox(null);
  }
  if (fn === 'numpy.dtype') {
    const code = args[0];
    if (typeof code !== 'string') throw refuse(name, 'a numpy dtype without a type code');
    return new PyDtype(code);
  }
  if (fn === 'numpy.ndarray') throw refuse(name, 'a direct numpy.ndarray call');
  if (fn.endsWith('.scalar')) {
    const [dt, data] = args as unknown[];
    if (!(dt instanceof PyDtype) || !(data instanceof Uint8Array))
      throw refuse(name, 'a malformed numpy scalar');
    const arr = decodeArray(name, dt.code.replace(/^[<>|=]/, ''), dt.byteorder !== '>', [], data);
    return arr.data[0];
  }
  if (fn === '_codecs.encode') {
    const [s, enc] = args;
    if (typeof s !== 'string' || enc !== 'latin1' || [...s].some((c) => c.charCodeAt(0) > 0xff)) {
      throw refuse(name, 'a _codecs.encode call other than latin1 text');
    }
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  }
  throw refuse(name, `a call of ${fn}`);
}

function buildArray(name: string, state: PyValue[]): PyNdArray {
  const [, shapeT, dt, fortran, data] = state as unknown[];
  if (!(shapeT instanceof PyTuple) || !shapeT.items.every((d) => Number.isInteger(d)))
    throw refuse(name, 'an array without a shape');
  if (!(dt instanceof PyDtype)) throw refuse(name, 'an array without a dtype');
  const shape = shapeT.items as number[];
  if (dt.code === 'O8' || dt.code === 'O4' || dt.code === 'O') {
    if (!Array.isArray(data)) throw refuse(name, 'an object array without a list of items');
    return { dtype: 'object', shape, items: data };
  }
  if (fortran === true) throw refuse(name, 'a Fortran-ordered array');
  if (!(data instanceof Uint8Array)) throw refuse(name, 'array data that is not bytes');
  const code = dt.code.replace(/^[<>|=]/, '');
  return decodeArray(name, code, dt.byteorder !== '>', shape, data);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Values the writer accepts: plain objects/Maps become dicts, arrays lists, NumericArray arrays. */
export type PickleInput =
  null | boolean | number | string | PickleInput[] | PyTuple | NumericArray | { [key: string]: PickleInput };

const enc = new TextEncoder();

class Writer {
  chunks: number[] = [];
  byte(...b: number[]) {
    for (const x of b) this.chunks.push(x);
  }
  u32(n: number) {
    this.byte(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  bytes(b: Uint8Array) {
    for (let k = 0; k < b.length; k++) this.chunks.push(b[k]);
  }
  str(s: string) {
    const b = enc.encode(s);
    this.byte(0x58); // BINUNICODE
    this.u32(b.length);
    this.bytes(b);
  }
  global(module: string, attr: string) {
    this.byte(0x63);
    this.bytes(enc.encode(`${module}\n${attr}\n`));
  }
  int(n: number) {
    if (n >= 0 && n < 256) this.byte(0x4b, n);
    else if (n >= -0x80000000 && n <= 0x7fffffff) {
      this.byte(0x4a);
      this.u32(n);
    } else {
      this.byte(0x47); // BINFLOAT: larger ints are not needed here
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, n, false);
      this.bytes(b);
    }
  }
  dtype(code: string, order: string, objectFlags = 0) {
    this.global('numpy', 'dtype');
    this.str(code);
    this.byte(0x89, 0x88, 0x87, 0x52); // False, True, TUPLE3, REDUCE
    this.byte(0x28, 0x4b, 3); // MARK, 3
    this.str(order);
    this.byte(0x4e, 0x4e, 0x4e); // None × 3
    this.int(-1);
    this.int(-1);
    this.int(objectFlags);
    this.byte(0x74, 0x62); // TUPLE, BUILD
  }
  ndarrayHead(shape: number[]) {
    this.global('numpy.core.multiarray', '_reconstruct');
    this.global('numpy', 'ndarray');
    this.byte(0x4b, 0, 0x85); // (0,)
    this.byte(0x43, 1, 0x62); // b'b'
    this.byte(0x87, 0x52); // TUPLE3, REDUCE
    this.byte(0x28, 0x4b, 1); // MARK, version 1
    this.byte(0x28);
    for (const d of shape) this.int(d);
    this.byte(0x74);
  }
  value(v: PickleInput): void {
    if (v === null) this.byte(0x4e);
    else if (v === true) this.byte(0x88);
    else if (v === false) this.byte(0x89);
    else if (typeof v === 'number') {
      if (Number.isInteger(v)) this.int(v);
      else {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v, false);
        this.byte(0x47);
        this.bytes(b);
      }
    } else if (typeof v === 'string') this.str(v);
    else if (Array.isArray(v)) {
      this.byte(0x5d);
      if (v.length) {
        this.byte(0x28);
        for (const x of v) this.value(x);
        this.byte(0x65);
      }
    } else if (v instanceof PyTuple) {
      this.byte(0x28);
      for (const x of v.items) this.value(x as PickleInput);
      this.byte(0x74);
    } else if (isNumeric(v)) this.ndarray(v);
    else {
      const entries = v instanceof Map ? [...(v as Map<string, PickleInput>)] : Object.entries(v);
      this.byte(0x7d);
      if (entries.length) {
        this.byte(0x28);
        for (const [k, x] of entries) {
          this.str(k);
          this.value(x);
        }
        this.byte(0x75);
      }
    }
  }
  ndarray(a: NumericArray) {
    const codes: Partial<Record<NumericArray['dtype'], [string, string, number]>> = {
      float32: ['f4', '<', 4],
      float64: ['f8', '<', 8],
      int32: ['i4', '<', 4],
      uint8: ['u1', '|', 1],
    };
    const c = codes[a.dtype];
    if (!c) throw new KinemaError('BAD_POSE_FILE', `cannot pickle arrays of dtype ${a.dtype}`);
    this.ndarrayHead(a.shape);
    this.dtype(c[0], c[1]);
    this.byte(0x89); // not Fortran
    const body = new Uint8Array(a.data.length * c[2]);
    const dv = new DataView(body.buffer);
    for (let k = 0; k < a.data.length; k++) {
      if (a.dtype === 'float32') dv.setFloat32(k * 4, a.data[k], true);
      else if (a.dtype === 'float64') dv.setFloat64(k * 8, a.data[k], true);
      else if (a.dtype === 'int32') dv.setInt32(k * 4, a.data[k], true);
      else body[k] = a.data[k];
    }
    this.byte(0x42); // BINBYTES
    this.u32(body.length);
    this.bytes(body);
    this.byte(0x74, 0x62); // TUPLE, BUILD
  }
}

function isNumeric(v: unknown): v is NumericArray {
  return (
    !!v &&
    typeof v === 'object' &&
    'dtype' in v &&
    'shape' in v &&
    'data' in v &&
    ArrayBuffer.isView((v as NumericArray).data)
  );
}

/** Pickles `value` (protocol 3). */
export function pickleDump(value: PickleInput): Uint8Array {
  const w = new Writer();
  w.byte(0x80, 3);
  w.value(value);
  w.byte(0x2e);
  return Uint8Array.from(w.chunks);
}

/**
 * Pickles a 0-d numpy object array holding `value`: what `np.save(..., np.array(value, dtype=object))`
 * stores after the .npy header (e.g. VideoPose3D's `positions_2d` and `metadata`).
 */
export function pickleObjectArray(value: PickleInput): Uint8Array {
  const w = new Writer();
  w.byte(0x80, 3);
  w.ndarrayHead([]);
  w.dtype('O8', '|', 63);
  w.byte(0x89); // not Fortran
  w.byte(0x5d, 0x28); // [ MARK
  w.value(value);
  w.byte(0x65); // APPENDS
  w.byte(0x74, 0x62, 0x2e); // TUPLE, BUILD, STOP
  return Uint8Array.from(w.chunks);
}

/** The single item of an unpickled 0-d object array (or the value itself if it is not one). */
export function objectArrayItem(v: PyValue, name: string): PyValue {
  if (v instanceof PyNdArrayBox && v.array?.dtype === 'object') {
    if (v.array.items.length !== 1)
      throw new KinemaError('BAD_POSE_FILE', `${name}: expected one object, found ${v.array.items.length}`);
    return v.array.items[0];
  }
  return v;
}
