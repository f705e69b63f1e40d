/**
 * TCC training checkpoints on disk. The lifter's helpers (../checkpoint.ts) validate their
 * tensors against a lifter configuration, so the encoder keeps its own files, in the same style:
 *
 *   `tcc-checkpoint.json`  the state (step, options, history, timings), the encoder configuration,
 *                          the tensor list and the name, size and FNV-1a checksum of the data file;
 *   `tcc-state-<step>.bin` weights (input statistics included) and Adam's moments, float32 LE.
 *
 * The data file is written first, then the JSON through a temporary file and a rename, so a kill
 * leaves either the previous checkpoint or the new one; older data files are deleted afterwards.
 * The file names differ from the lifter's, so both can share a folder without clobbering. Anything
 * unreadable is refused with KinemaError('BAD_CHECKPOINT') saying what is wrong.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../../shared/errors';
import { validateTccWeights, type NamedTensor, type TccConfig, type TccWeights } from './model';

export const TCC_CHECKPOINT_FORMAT = 'kinema-tcc-checkpoint';
export const TCC_CHECKPOINT_VERSION = 1;
const JSON_NAME = 'tcc-checkpoint.json';
const DATA_RE = /^tcc-state-\d+\.bin$/;

export interface TccHistoryEntry {
  /** Step reached (steps done). */
  step: number;
  /** Mean loss of the steps since the previous entry. */
  loss: number;
  /** Mean share of queries that cycled back to themselves. */
  cycleAccuracy: number;
}

export interface TccCheckpointState {
  /** Optimizer steps done. */
  step: number;
  options: Record<string, unknown>;
  history: TccHistoryEntry[];
  /** Seconds of training so far. */
  trainSeconds: number;
}

export interface TccCheckpoint {
  state: TccCheckpointState;
  weights: TccWeights;
  /** Optimizer tensors by name (e.g. "m:frame1/w"). */
  optimizer: NamedTensor[];
}

interface Entry {
  name: string;
  shape: number[];
  offset: number;
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function bad(dir: string, detail: string): KinemaError {
  return new KinemaError('BAD_CHECKPOINT', `TCC checkpoint in ${dir}: ${detail}`);
}

export function hasTccCheckpoint(dir: string): boolean {
  return existsSync(join(dir, JSON_NAME));
}

/** Writes a checkpoint into `dir` (created if needed), replacing the previous one atomically. */
export function saveTccCheckpoint(dir: string, checkpoint: TccCheckpoint): void {
  validateTccWeights(checkpoint.weights);
  mkdirSync(dir, { recursive: true });
  const all = [...checkpoint.weights.tensors, ...checkpoint.optimizer];
  const data = new Float32Array(all.reduce((s, t) => s + t.data.length, 0));
  const entries: Entry[] = [];
  let off = 0;
  for (const t of all) {
    data.set(t.data, off);
    entries.push({ name: t.name, shape: [...t.shape], offset: off });
    off += t.data.length;
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const file = `tcc-state-${checkpoint.state.step}.bin`;
  writeFileSync(join(dir, `${file}.tmp`), bytes);
  renameSync(join(dir, `${file}.tmp`), join(dir, file));
  const json = {
    format: TCC_CHECKPOINT_FORMAT,
    version: TCC_CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    ...checkpoint.state,
    config: checkpoint.weights.config,
    file,
    bytes: bytes.byteLength,
    checksum: fnv1a(bytes),
    weights: entries.slice(0, checkpoint.weights.tensors.length),
    optimizer: entries.slice(checkpoint.weights.tensors.length),
  };
  writeFileSync(join(dir, `${JSON_NAME}.tmp`), JSON.stringify(json, null, 1));
  renameSync(join(dir, `${JSON_NAME}.tmp`), join(dir, JSON_NAME));
  for (const f of readdirSync(dir)) if (DATA_RE.test(f) && f !== file) rmSync(join(dir, f), { force: true });
}

function unpack(entries: unknown, data: Float32Array, dir: string): NamedTensor[] {
  if (!Array.isArray(entries)) throw bad(dir, 'the tensor list is missing');
  return entries.map((raw: unknown, i) => {
    const e = raw as Partial<Entry>;
    if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || typeof e.offset !== 'number')
      throw bad(dir, `tensor entry ${i} is malformed`);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0))
      throw bad(dir, `tensor ${e.name} has a bad shape`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset + size > data.length)
      throw bad(dir, `tensor ${e.name} lies outside the data (${data.length} values)`);
    return { name: e.name, shape: e.shape, data: data.slice(e.offset, e.offset + size) };
  });
}

/** Reads the checkpoint in `dir`; throws KinemaError('BAD_CHECKPOINT') saying what is wrong. */
export function loadTccCheckpoint(dir: string): TccCheckpoint {
  const jsonPath = join(dir, JSON_NAME);
  if (!existsSync(jsonPath)) throw bad(dir, `there is no ${JSON_NAME}`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad(dir, `${JSON_NAME} is not valid JSON (${(err as Error).message})`);
  }
  if (json.format !== TCC_CHECKPOINT_FORMAT)
    throw bad(dir, `${JSON_NAME} is not a ${TCC_CHECKPOINT_FORMAT} file`);
  if (json.version !== TCC_CHECKPOINT_VERSION)
    throw bad(
      dir,
      `version ${String(json.version)} is not supported (this Kinema reads ${TCC_CHECKPOINT_VERSION})`,
    );
  for (const k of ['step', 'trainSeconds', 'bytes'] as const) {
    const v = json[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw bad(dir, `"${k}" is missing or negative`);
  }
  const file = json.file;
  if (typeof file !== 'string' || !DATA_RE.test(file)) throw bad(dir, 'the data file name is missing');
  const binPath = join(dir, file);
  if (!existsSync(binPath)) throw bad(dir, `its data file ${file} is missing`);
  const raw = readFileSync(binPath);
  if (raw.byteLength !== json.bytes)
    throw bad(
      dir,
      `${file} is ${raw.byteLength} bytes, the checkpoint says ${String(json.bytes)} (truncated?)`,
    );
  if (fnv1a(raw) !== json.checksum) throw bad(dir, `${file} does not match its checksum (corrupted)`);
  if (raw.byteLength % 4 !== 0) throw bad(dir, `${file} is not whole float32 values`);
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  const data = new Float32Array(copy.buffer);
  const weights: TccWeights = {
    config: json.config as TccConfig,
    tensors: unpack(json.weights, data, dir),
  };
  try {
    validateTccWeights(weights);
  } catch (err) {
    throw bad(dir, (err as Error).message);
  }
  return {
    state: {
      step: json.step as number,
      options: (json.options ?? {}) as Record<string, unknown>,
      history: Array.isArray(json.history) ? (json.history as TccHistoryEntry[]) : [],
      trainSeconds: json.trainSeconds as number,
    },
    weights,
    optimizer: unpack(json.optimizer ?? [], data, dir),
  };
}
