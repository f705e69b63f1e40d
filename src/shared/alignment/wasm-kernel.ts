/**
 * The hot loops of DTW as a small WebAssembly module, assembled here byte by byte (no toolchain,
 * no binary blob). Measured on this project's 2-core machine, scalar JS takes ~1.1 s for the
 * recurrence of 10k × 10k cells and 5-11 s for their 34-dimensional distances, so the goal of
 * 10k × 10k in under a second needs SIMD.
 *
 * One module is built per feature stride (bytes per frame, a multiple of 16) so that row offsets
 * are constants. Exports (pointers are byte offsets into the imported memory):
 * - `costsSq | costsEuclid | costsCos (a, b, count, out, missing, na, nb)`: the local costs of
 *   frame `a` against `count` consecutive frames from `b`, as f32 to `out`; NaN (a missing frame)
 *   becomes `missing`; `na` and `nb` are the squared norms (see `costsBody`; unused by cosine). Works 4 columns at a time, so it reads and writes up to 3 frames past `count`
 *   (the caller pads). Cosine expects unit-length rows: max(0, 1 − a·b).
 * - `pairRows(...)`: two rows of the symmetric2 recurrence (see dtw.ts and `pairBody`), writing
 *   the step into each cell's direction byte: bit 2 = left, else bit 1 = up, else diagonal.
 * - `pairRowsStart(...)`: the same, also carrying each cell's start column (subsequence DTW).
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function f64Bytes(x: number): number[] {
  return Array.from(new Uint8Array(new Float64Array([x]).buffer));
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

// Instructions used below.
const get = (l: number) => [0x20, ...uleb(l)];
const set = (l: number) => [0x21, ...uleb(l)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const f64c = (v: number) => [0x44, ...f64Bytes(v)];
const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const I32_ADD = [0x6a];
const I32_MUL = [0x6c];
const I32_LT_U = [0x49];
const I32_LE_U = [0x4d];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const v128Store = simd(0x0b, 4, 0);
const v128Const = (lanes: number[]) =>
  simd(0x0c, ...Array.from(new Uint8Array(new Float32Array(lanes).buffer)));
const F32X4_ADD = simd(0xe4);
const F32X4_SUB = simd(0xe5);
const F32X4_MUL = simd(0xe6);
const F32X4_SQRT = simd(0xe3);
const F32X4_MAX = simd(0xe9);
const F32X4_NE = simd(0x42);
const F32X4_SPLAT = simd(0x13);
const V128_BITSELECT = simd(0x52);
const F64X2_SPLAT = simd(0x14);
const F64X2_ADD = simd(0xf0);
const F64X2_PMIN = simd(0xf6);
const F64X2_LT = simd(0x49);
const V128_AND = simd(0x4e);
const V128_OR = simd(0x50);
/** i8x16.shuffle picking four f32 lanes (0-3 from the first operand, 4-7 from the second). */
const shuffle = (lanes: number[]) =>
  simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));

type Metric = 'sq' | 'euclid' | 'cos';

const compiled = new Map<number, WebAssembly.Module | null>();

/**
 * Local costs of one frame of `a` against `count` frames of `b`, 4 columns at a time (4
 * accumulators share each load of `a`). The module is specialised for one row stride, so the
 * four columns' rows are constant offsets from one pointer. The feature loop stays a loop: fully
 * unrolled, TurboFan hoists every load to the top of the block and spills them (measured slower,
 * as was sharing each load of `b` between two rows of `a`).
 *
 * Squared distances are |a|² + |b|² − 2a·b, one multiply-add per feature instead of
 * subtract-multiply-add (the kernel's largest cost). The caller centres the features first and
 * gives the norms computed in this kernel's own f32 lane order (`kernelNorm`), so identical
 * frames cost exactly 0; otherwise the absolute error is ~1e-7 · (|a|² + |b|²).
 */
function costsBody(metric: Metric, stride: number): number[] {
  // params: 0 a, 1 b, 2 count, 3 out, 4 missing (f32), 5 na (f32, |a|²), 6 nb (pointer to |b|² per column)
  // locals: 7 end, 8 pa, 9 pb, 10 kEnd (i32); 11-14 acc (v128), 15 av, 16 bv, 17 t, 18 u, 19 miss, 20 nav (v128)
  const [A, B, COUNT, OUT, MISSING, NA, NB, END, PA, PB, KEND] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const ACC = 11;
  const [AV, BV, T, U, MISS, NAV] = [15, 16, 17, 18, 19, 20];
  const vload = (ptr: number, offset: number) => [...get(ptr), ...simd(0x00, 4, ...uleb(offset))];
  const accumulate = (acc: number) => [
    ...get(acc),
    ...get(AV),
    ...get(BV),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(acc),
  ];
  const inner: number[] = [...vload(PA, 0), ...set(AV)];
  for (let c = 0; c < 4; c++) inner.push(...vload(PB, c * stride), ...set(BV), ...accumulate(ACC + c));
  const pairSum = (x: number, y: number) => [
    ...get(x),
    ...get(y),
    ...shuffle([0, 1, 4, 5]),
    ...get(x),
    ...get(y),
    ...shuffle([2, 3, 6, 7]),
    ...F32X4_ADD,
  ];
  const body = [
    ...get(MISSING),
    ...F32X4_SPLAT,
    ...set(MISS),
    ...get(NA),
    ...F32X4_SPLAT,
    ...set(NAV),
    ...get(OUT),
    ...get(COUNT),
    ...i32c(4),
    ...I32_MUL,
    ...I32_ADD,
    ...set(END),
    ...get(A),
    ...i32c(stride),
    ...I32_ADD,
    ...set(KEND),
    ...loop([
      ...[0, 1, 2, 3].flatMap((i) => [...v128Const([0, 0, 0, 0]), ...set(ACC + i)]),
      ...get(A),
      ...set(PA),
      ...get(B),
      ...set(PB),
      ...loop([
        ...inner,
        ...get(PB),
        ...i32c(16),
        ...I32_ADD,
        ...set(PB),
        ...get(PA),
        ...i32c(16),
        ...I32_ADD,
        ...set(PA),
        ...get(PA),
        ...get(KEND),
        ...I32_LT_U,
        ...brIf(0),
      ]),
      // [Σacc0, Σacc1, Σacc2, Σacc3], finished per metric, NaN lanes (missing frames) → missing.
      ...pairSum(ACC, ACC + 1),
      ...set(U),
      ...pairSum(ACC + 2, ACC + 3),
      ...set(T),
      ...get(U),
      ...get(T),
      ...shuffle([0, 2, 4, 6]),
      ...get(U),
      ...get(T),
      ...shuffle([1, 3, 5, 7]),
      ...F32X4_ADD,
      ...(metric === 'cos'
        ? // 1 − dot, never below 0 (rounding of unit vectors); NaN stays NaN.
          [
            ...set(T),
            ...v128Const([1, 1, 1, 1]),
            ...get(T),
            ...F32X4_SUB,
            ...v128Const([0, 0, 0, 0]),
            ...F32X4_MAX,
          ]
        : [
            // max(0, (|a|² + |b|²) − 2·dot); NaN stays NaN
            ...set(T),
            ...get(NAV),
            ...get(NB),
            ...simd(0x00, 4, 0),
            ...F32X4_ADD,
            ...get(T),
            ...get(T),
            ...F32X4_ADD,
            ...F32X4_SUB,
            ...v128Const([0, 0, 0, 0]),
            ...F32X4_MAX,
            ...(metric === 'euclid' ? F32X4_SQRT : []),
          ]),
      ...set(T),
      ...get(OUT),
      ...get(MISS),
      ...get(T),
      ...get(T),
      ...get(T),
      ...F32X4_NE,
      ...V128_BITSELECT,
      ...v128Store,
      ...get(B),
      ...i32c(4 * stride),
      ...I32_ADD,
      ...set(B),
      ...get(NB),
      ...i32c(16),
      ...I32_ADD,
      ...set(NB),
      ...get(OUT),
      ...i32c(16),
      ...I32_ADD,
      ...set(OUT),
      ...get(OUT),
      ...get(END),
      ...I32_LT_U,
      ...brIf(0),
    ]),
  ];
  const locals = vec([
    [4, I32],
    [10, V128],
  ]);
  return [...locals, ...body, 0x0b];
}

/**
 * Two rows of the recurrence at once, one per f64x2 lane: at step k lane 0 is row i at column
 * t = L + k and lane 1 is row i + 1 at column t − 1, so each lane's left, up and diagonal
 * neighbours are in the previous row buffer or in the previous two steps' vectors. This halves the
 * instructions per cell and overlaps the two rows' dependency chains.
 *
 * params: costA (row i from column L, costA[count] = +∞), costB (row i + 1 from column L − 1, so
 * costB[0] = +∞), p (slot of column L − 1 in row i − 1), q (same slot in row i + 1's buffer), qa
 * (slot of column L in row i's buffer), dir (2 bytes per step: row i's step at column t, row
 * i + 1's at t − 1), count (= H − L + 1; count + 1 steps are made) [, sp, sq, sqa: the same for
 * start columns, i32].
 */
function pairBody(withStart: boolean): number[] {
  const [COSTA, COSTB, P, Q, QA, DIR, COUNT, SP, SQ, SQA] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const base = withStart ? 10 : 7;
  const END = base;
  const [V1, V2, CV, PV, DG, UP, LF, B1, V, M1, M2, S1, S2, SPV, SB] = Array.from(
    { length: 15 },
    (_, i) => base + 1 + i,
  );
  const lanes64 = (a: number, b: number) =>
    simd(0x0d, ...[a, b].flatMap((l) => Array.from({ length: 8 }, (_, k) => 8 * l + k)));
  const laneOp = (op: number, align: number, lane: number) => simd(op, align, 0, lane);
  const advance = (local: number, by: number) => [...get(local), ...i32c(by), ...I32_ADD, ...set(local)];
  const ONE = simd(0x0c, ...Array.from(new Uint8Array(new BigInt64Array([1n, 1n]).buffer)));
  const TWO = simd(0x0c, ...Array.from(new Uint8Array(new BigInt64Array([2n, 2n]).buffer)));
  const body = [
    ...get(COSTA),
    ...get(COUNT),
    ...i32c(4),
    ...I32_MUL,
    ...I32_ADD,
    ...set(END),
    ...f64c(Infinity),
    ...F64X2_SPLAT,
    ...set(V1),
    ...get(V1),
    ...set(V2),
    ...loop([
      // cv = [costA[k], costB[k]] as f64
      ...get(COSTB),
      ...get(COSTA),
      ...simd(0x5c, 2, 0), // v128.load32_zero
      ...laneOp(0x56, 2, 1), // v128.load32_lane 1
      ...simd(0x5f), // f64x2.promote_low_f32x4
      ...set(CV),
      ...get(P),
      ...simd(0x00, 3, 0),
      ...set(PV), // [D(i−1, t−1), D(i−1, t)]
      ...get(PV),
      ...get(V2),
      ...lanes64(0, 2),
      ...get(CV),
      ...get(CV),
      ...F64X2_ADD,
      ...F64X2_ADD,
      ...set(DG),
      ...get(PV),
      ...get(V1),
      ...lanes64(1, 2),
      ...get(CV),
      ...F64X2_ADD,
      ...set(UP),
      ...get(V1),
      ...get(CV),
      ...F64X2_ADD,
      ...set(LF),
      // The value: min of the three (the order of mins is chosen for the shortest chain).
      ...get(DG),
      ...get(LF),
      ...F64X2_PMIN,
      ...get(UP),
      ...F64X2_PMIN,
      ...set(V),
      // The step, with ties: diagonal, then up, then left.
      ...get(DG),
      ...get(UP),
      ...F64X2_PMIN,
      ...set(B1),
      ...get(UP),
      ...get(DG),
      ...F64X2_LT,
      ...set(M1),
      ...get(LF),
      ...get(B1),
      ...F64X2_LT,
      ...set(M2),
      ...get(DIR),
      ...get(M1),
      ...ONE,
      ...V128_AND,
      ...get(M2),
      ...TWO,
      ...V128_AND,
      ...V128_OR,
      ...get(M1),
      ...simd(0x0d, 0, 8, ...new Array<number>(14).fill(0)),
      ...laneOp(0x59, 1, 0), // v128.store16_lane 0
      ...get(Q),
      ...get(V),
      ...laneOp(0x5b, 3, 1), // v128.store64_lane 1
      ...get(QA),
      ...get(V),
      ...laneOp(0x5b, 3, 0),
      ...(withStart
        ? [
            ...get(SP),
            ...simd(0x5d, 3, 0), // v128.load64_zero
            ...simd(0xc7), // i64x2.extend_low_i32x4_s
            ...set(SPV),
            ...get(SPV),
            ...get(S1),
            ...lanes64(1, 2),
            ...get(SPV),
            ...get(S2),
            ...lanes64(0, 2),
            ...get(M1),
            ...V128_BITSELECT,
            ...set(SB),
            ...get(S1),
            ...get(SB),
            ...get(M2),
            ...V128_BITSELECT,
            ...set(SB),
            ...get(SQ),
            ...get(SB),
            ...laneOp(0x5a, 2, 2), // v128.store32_lane 2 (low half of lane 1)
            ...get(SQA),
            ...get(SB),
            ...laneOp(0x5a, 2, 0),
            ...get(S1),
            ...set(S2),
            ...get(SB),
            ...set(S1),
            ...advance(SP, 4),
            ...advance(SQ, 4),
            ...advance(SQA, 4),
          ]
        : []),
      ...get(V1),
      ...set(V2),
      ...get(V),
      ...set(V1),
      ...advance(COSTA, 4),
      ...advance(COSTB, 4),
      ...advance(P, 8),
      ...advance(Q, 8),
      ...advance(QA, 8),
      ...advance(DIR, 2),
      ...get(COSTA),
      ...get(END),
      ...I32_LE_U,
      ...brIf(0),
    ]),
  ];
  const locals = vec([
    [1, I32],
    [15, V128],
  ]);
  return [...locals, ...body, 0x0b];
}

function buildModule(stride: number): Uint8Array<ArrayBuffer> {
  const F32 = 0x7d;
  const funcType = (params: number[]) => [0x60, ...vec(params.map((p) => [p])), 0];
  const types = vec([
    funcType([I32, I32, I32, I32, F32, F32, I32]),
    funcType([I32, I32, I32, I32, I32, I32, I32]),
    funcType([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]),
  ]);
  const name = (s: string) => vec(Array.from(s, (ch) => [ch.charCodeAt(0)]));
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]);
  const exportsList = ['costsSq', 'costsEuclid', 'costsCos', 'pairRows', 'pairRowsStart'];
  const functions = vec([[0], [0], [0], [1], [2]]);
  const exportSec = vec(exportsList.map((n, i) => [...name(n), 0x00, ...uleb(i)]));
  const bodies = [
    costsBody('sq', stride),
    costsBody('euclid', stride),
    costsBody('cos', stride),
    pairBody(false),
    pairBody(true),
  ];
  const code = vec(bodies.map((b) => [...uleb(b.length), ...b]));
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(2, imports),
    ...section(3, functions),
    ...section(7, exportSec),
    ...section(10, code),
  ]);
}

type CostsFn = (
  a: number,
  b: number,
  count: number,
  out: number,
  missing: number,
  na: number,
  nb: number,
) => void;
type PairFn = (
  costA: number,
  costB: number,
  p: number,
  q: number,
  qa: number,
  dir: number,
  count: number,
) => void;
type PairStartFn = (
  costA: number,
  costB: number,
  p: number,
  q: number,
  qa: number,
  dir: number,
  count: number,
  sp: number,
  sq: number,
  sqa: number,
) => void;

export interface DtwKernel {
  memory: WebAssembly.Memory;
  /** Bytes per frame of features (a multiple of 16): the layout the cost functions expect. */
  stride: number;
  costsSq: CostsFn;
  costsEuclid: CostsFn;
  costsCos: CostsFn;
  pairRows: PairFn;
  pairRowsStart: PairStartFn;
}

/** Largest stride a module is built for (1024 features); wider features use the JS engine. */
const MAX_STRIDE = 4096;

/** The module for one stride, or null where WebAssembly SIMD is unavailable (or forbidden by a CSP). */
function kernelModule(stride: number): WebAssembly.Module | null {
  const known = compiled.get(stride);
  if (known !== undefined) return known;
  let mod: WebAssembly.Module | null = null;
  try {
    const bytes = buildModule(stride);
    mod =
      typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    mod = null;
  }
  compiled.set(stride, mod);
  return mod;
}

/**
 * |x|² of one padded f32 frame exactly as the cost kernel sums a·b (four lanes, each rounded to
 * f32 after every multiply and add, then (l0 + l2) + (l1 + l3)), so that |a|² + |a|² − 2a·a is 0.
 */
export function kernelNorm(f32: Float32Array, offset: number, floats: number): number {
  const r = Math.fround;
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  for (let k = offset; k < offset + floats; k += 4) {
    l0 = r(l0 + r(f32[k] * f32[k]));
    l1 = r(l1 + r(f32[k + 1] * f32[k + 1]));
    l2 = r(l2 + r(f32[k + 2] * f32[k + 2]));
    l3 = r(l3 + r(f32[k + 3] * f32[k + 3]));
  }
  return r(r(l0 + l2) + r(l1 + l3));
}

/** Bytes per frame the kernel uses for `dim` features (f32, padded to a multiple of 4). */
export function kernelStride(dim: number): number {
  return Math.ceil(dim / 4) * 16;
}

export function wasmKernelAvailable(dim = 4): boolean {
  const stride = kernelStride(dim);
  return stride <= MAX_STRIDE && kernelModule(stride) !== null;
}

/**
 * A fresh instance for `dim` features with its own memory of at least `bytes` (freed with the
 * instance), or null.
 */
export function createKernel(dim: number, bytes: number): DtwKernel | null {
  const stride = kernelStride(dim);
  if (stride > MAX_STRIDE) return null;
  const mod = kernelModule(stride);
  if (!mod) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages });
  } catch {
    return null; // the engine would not give this much memory
  }
  const exp = new WebAssembly.Instance(mod, { env: { memory } }).exports;
  return {
    memory,
    stride,
    costsSq: exp.costsSq as CostsFn,
    costsEuclid: exp.costsEuclid as CostsFn,
    costsCos: exp.costsCos as CostsFn,
    pairRows: exp.pairRows as PairFn,
    pairRowsStart: exp.pairRowsStart as PairStartFn,
  };
}
