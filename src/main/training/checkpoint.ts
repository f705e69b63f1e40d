/**
 * Lifter weights and training checkpoints on disk.
 *
 * Weights file (`.klw`, "Kinema lifter weights"): the bytes "KLW1", a little-endian uint32 header
 * length, a UTF-8 JSON header `{ config, tensors: [{ name, shape, offset }], meta }`, zero padding
 * to a multiple of 4, then the float32 little-endian data. One file holds everything needed to
 * fine-tune or export a model (un-folded batch norm included, which an ONNX file no longer has).
 *
 * Checkpoint directory: `checkpoint.json` (the training state: step, epoch, options, history, the
 * list of tensors and the name, size and FNV-1a checksum of its data file) and
 * `state-<step>.bin` (weights, batch-norm statistics and Adam's moments, float32). A checkpoint is
 * written data file first, then the JSON through a temporary file and a rename, so a kill leaves
 * either the previous checkpoint or the new one; older data files are deleted afterwards.
 * Anything unreadable is refused with a KinemaError('BAD_CHECKPOINT') that says what is wrong.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { validateWeights, type LifterConfig, type LifterWeights, type NamedTensor } from './lifter-model';

const MAGIC = 'KLW1';

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function bad(what: string, detail: string): KinemaError {
  return new KinemaError('BAD_CHECKPOINT', `${what}: ${detail}`);
}

interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
}

function packTensors(tensors: readonly NamedTensor[]): { entries: TensorEntry[]; data: Float32Array } {
  const total = tensors.reduce((a, t) => a + t.data.length, 0);
  const data = new Float32Array(total);
  const entries: TensorEntry[] = [];
  let off = 0;
  for (const t of tensors) {
    data.set(t.data, off);
    entries.push({ name: t.name, shape: [...t.shape], offset: off });
    off += t.data.length;
  }
  return { entries, data };
}

function unpackTensors(entries: unknown, data: Float32Array, what: string): NamedTensor[] {
  if (!Array.isArray(entries)) throw bad(what, 'the tensor list is missing');
  return entries.map((e: unknown, i) => {
    const t = e as Partial<TensorEntry>;
    if (typeof t?.name !== 'string' || !Array.isArray(t.shape) || typeof t.offset !== 'number') {
      throw bad(what, `tensor entry ${i} is malformed`);
    }
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0))
      throw bad(what, `tensor ${t.name} has a bad shape`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(t.offset) || t.offset < 0 || t.offset + size > data.length) {
      throw bad(what, `tensor ${t.name} lies outside the data (${data.length} values)`);
    }
    return { name: t.name, shape: t.shape, data: data.slice(t.offset, t.offset + size) };
  });
}

function floatsOf(bytes: Uint8Array, what: string): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw bad(what, `the data is ${bytes.byteLength} bytes, not whole float32 values`);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** Encodes weights (and free-form metadata) as a `.klw` file's bytes. */
export function encodeWeights(weights: LifterWeights, meta: Record<string, unknown> = {}): Uint8Array {
  validateWeights(weights);
  const { entries, data } = packTensors(weights.tensors);
  const header = new TextEncoder().encode(JSON.stringify({ config: weights.config, tensors: entries, meta }));
  const headerPadded = Math.ceil((8 + header.length) / 4) * 4 - 8;
  const out = new Uint8Array(8 + headerPadded + data.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, headerPadded, true);
  out.fill(0x20, 8, 8 + headerPadded); // pad the JSON with spaces
  out.set(header, 8);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 8 + headerPadded);
  return out;
}

/** Decodes a `.klw` file's bytes; `what` names the file in errors. */
export function decodeWeights(
  bytes: Uint8Array,
  what = 'Lifter weights',
): { weights: LifterWeights; meta: Record<string, unknown> } {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw bad(what, 'not a Kinema lifter weights file (no KLW1 signature)');
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + n > bytes.length) throw bad(what, 'the header runs past the end of the file');
  let header: { config?: LifterConfig; tensors?: unknown; meta?: Record<string, unknown> };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw bad(what, `the header is not JSON (${(err as Error).message})`);
  }
  if (!header.config) throw bad(what, 'the header has no model configuration');
  const tensors = unpackTensors(header.tensors, floatsOf(bytes.subarray(8 + n), what), what);
  const weights: LifterWeights = { config: header.config, tensors };
  try {
    validateWeights(weights);
  } catch (err) {
    throw bad(what, (err as Error).message);
  }
  return { weights, meta: header.meta ?? {} };
}

export function saveWeightsFile(
  path: string,
  weights: LifterWeights,
  meta: Record<string, unknown> = {},
): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, encodeWeights(weights, meta));
  renameSync(tmp, path);
}

export function loadWeightsFile(path: string): { weights: LifterWeights; meta: Record<string, unknown> } {
  if (!existsSync(path)) throw new KinemaError('BAD_CHECKPOINT', `Lifter weights file not found: ${path}`);
  return decodeWeights(readFileSync(path), path);
}

export const CHECKPOINT_FORMAT = 'kinema-lifter-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What a checkpoint stores besides tensors (the trainer defines the shapes of `options`, `history`). */
export interface CheckpointState {
  /** Optimizer steps done. */
  step: number;
  /** Epoch the next step belongs to (0-based) and the step's index inside it. */
  epoch: number;
  stepInEpoch: number;
  options: Record<string, unknown>;
  history: unknown[];
  /** Seconds of training so far (for throughput across resumes). */
  trainSeconds: number;
  /** Samples trained so far. */
  samples: number;
}

export interface Checkpoint {
  state: CheckpointState;
  weights: LifterWeights;
  /** Optimizer tensors by name (e.g. "m:expand/w"). */
  optimizer: NamedTensor[];
  /** Anything else the trainer keeps (e.g. a trajectory model and its optimizer). */
  extra?: NamedTensor[];
}

interface CheckpointJson extends CheckpointState {
  format: string;
  version: number;
  savedAt: string;
  config: LifterConfig;
  file: string;
  bytes: number;
  checksum: string;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
  extra?: TensorEntry[];
}

/** Writes a checkpoint into `dir` (created if needed), replacing the previous one atomically. */
export function saveCheckpoint(dir: string, checkpoint: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  validateWeights(checkpoint.weights);
  const extra = checkpoint.extra ?? [];
  const all = [...checkpoint.weights.tensors, ...checkpoint.optimizer, ...extra];
  const { entries, data } = packTensors(all);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const file = `state-${checkpoint.state.step}.bin`;
  writeFileSync(join(dir, `${file}.tmp`), bytes);
  renameSync(join(dir, `${file}.tmp`), join(dir, file));
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    ...checkpoint.state,
    config: checkpoint.weights.config,
    file,
    bytes: bytes.byteLength,
    checksum: fnv1a(bytes),
    weights: entries.slice(0, checkpoint.weights.tensors.length),
    optimizer: entries.slice(
      checkpoint.weights.tensors.length,
      checkpoint.weights.tensors.length + checkpoint.optimizer.length,
    ),
    extra: entries.slice(checkpoint.weights.tensors.length + checkpoint.optimizer.length),
  };
  writeFileSync(join(dir, 'checkpoint.json.tmp'), JSON.stringify(json, null, 1));
  renameSync(join(dir, 'checkpoint.json.tmp'), join(dir, 'checkpoint.json'));
  for (const f of readdirSync(dir)) {
    if (/^state-\d+\.bin$/.test(f) && f !== file) rmSync(join(dir, f), { force: true });
  }
}

/** Whether `dir` holds a checkpoint (a checkpoint.json; its contents are checked by loadCheckpoint). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'checkpoint.json'));
}

/** Reads the checkpoint in `dir`; throws KinemaError('BAD_CHECKPOINT') saying what is wrong. */
export function loadCheckpoint(dir: string): Checkpoint {
  const what = `Checkpoint in ${dir}`;
  const jsonPath = join(dir, 'checkpoint.json');
  if (!existsSync(jsonPath)) throw bad(what, 'there is no checkpoint.json');
  let json: Partial<CheckpointJson>;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (err) {
    throw bad(what, `checkpoint.json is not valid JSON (${(err as Error).message})`);
  }
  if (json.format !== CHECKPOINT_FORMAT)
    throw bad(what, `checkpoint.json is not a ${CHECKPOINT_FORMAT} file`);
  if (json.version !== CHECKPOINT_VERSION) {
    throw bad(
      what,
      `version ${json.version} is not supported (this Kinema reads version ${CHECKPOINT_VERSION})`,
    );
  }
  for (const k of ['step', 'epoch', 'stepInEpoch', 'trainSeconds', 'samples'] as const) {
    if (typeof json[k] !== 'number' || !Number.isFinite(json[k]) || (json[k] as number) < 0) {
      throw bad(what, `"${k}" is missing or not a non-negative number`);
    }
  }
  if (typeof json.file !== 'string' || !/^state-\d+\.bin$/.test(json.file))
    throw bad(what, 'the data file name is missing');
  const binPath = join(dir, json.file);
  if (!existsSync(binPath)) throw bad(what, `its data file ${json.file} is missing`);
  const bytes = readFileSync(binPath);
  if (bytes.byteLength !== json.bytes) {
    throw bad(
      what,
      `${json.file} is ${bytes.byteLength} bytes, the checkpoint says ${json.bytes} (truncated?)`,
    );
  }
  if (fnv1a(bytes) !== json.checksum) throw bad(what, `${json.file} does not match its checksum (corrupted)`);
  const data = floatsOf(bytes, what);
  if (!json.config) throw bad(what, 'the model configuration is missing');
  const weights: LifterWeights = { config: json.config, tensors: unpackTensors(json.weights, data, what) };
  try {
    validateWeights(weights);
  } catch (err) {
    throw bad(what, (err as Error).message);
  }
  return {
    state: {
      step: json.step!,
      epoch: json.epoch!,
      stepInEpoch: json.stepInEpoch!,
      options: (json.options ?? {}) as Record<string, unknown>,
      history: Array.isArray(json.history) ? json.history : [],
      trainSeconds: json.trainSeconds!,
      samples: json.samples!,
    },
    weights,
    optimizer: unpackTensors(json.optimizer ?? [], data, what),
    extra: unpackTensors(json.extra ?? [], data, what),
  };
}
