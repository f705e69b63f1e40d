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
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { validateWeights, type LifterConfig, type LifterWeights, type NamedTensor } from './lifter-model';
import {
  floatsOf,
  packTensors,
  readCheckpointData,
  readCheckpointJson,
  unpackTensors,
  writeCheckpointFiles,
  type TensorEntry,
} from './tensor-files';

const MAGIC = 'KLW1';
const DATA_FILE = /^state-\d+\.bin$/;

function bad(what: string, detail: string): KinemaError {
  return new KinemaError('BAD_CHECKPOINT', `${what}: ${detail}`);
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
  const fail = (detail: string) => bad(what, detail);
  const tensors = unpackTensors(header.tensors, floatsOf(bytes.subarray(8 + n), fail), fail);
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
  /** The data file's name, size and FNV-1a checksum (written by writeCheckpointFiles). */
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
  const nw = checkpoint.weights.tensors.length;
  const no = checkpoint.optimizer.length;
  const json: Omit<CheckpointJson, 'file' | 'bytes' | 'checksum'> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    ...checkpoint.state,
    config: checkpoint.weights.config,
    weights: entries.slice(0, nw),
    optimizer: entries.slice(nw, nw + no),
    extra: entries.slice(nw + no),
  };
  writeCheckpointFiles(
    dir,
    { json: 'checkpoint.json', data: `state-${checkpoint.state.step}.bin`, dataPattern: DATA_FILE },
    data,
    json,
  );
}

/** Whether `dir` holds a checkpoint (a checkpoint.json; its contents are checked by loadCheckpoint). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'checkpoint.json'));
}

/** Reads the checkpoint in `dir`; throws KinemaError('BAD_CHECKPOINT') saying what is wrong. */
export function loadCheckpoint(dir: string): Checkpoint {
  const what = `Checkpoint in ${dir}`;
  const fail = (detail: string) => bad(what, detail);
  const json = readCheckpointJson(
    dir,
    'checkpoint.json',
    { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION },
    fail,
  ) as Partial<CheckpointJson>;
  for (const k of ['step', 'epoch', 'stepInEpoch', 'trainSeconds', 'samples'] as const) {
    if (typeof json[k] !== 'number' || !Number.isFinite(json[k]) || (json[k] as number) < 0) {
      throw bad(what, `"${k}" is missing or not a non-negative number`);
    }
  }
  const data = readCheckpointData(dir, json, DATA_FILE, fail);
  if (!json.config) throw bad(what, 'the model configuration is missing');
  const weights: LifterWeights = { config: json.config, tensors: unpackTensors(json.weights, data, fail) };
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
    optimizer: unpackTensors(json.optimizer ?? [], data, fail),
    extra: unpackTensors(json.extra ?? [], data, fail),
  };
}
