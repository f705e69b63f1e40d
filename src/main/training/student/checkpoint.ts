/**
 * Student training checkpoints on disk, in the style of the TCC encoder's (../tcc/checkpoint.ts):
 *
 *   `student-checkpoint.json`  the state (step, options, history, timings), the network
 *                              configuration, the tensor list and the size and FNV-1a checksum of
 *                              the data file;
 *   `student-state-<step>.bin` weights and Adam's moments, float32 LE.
 *
 * The data file is written first, then the JSON through a temporary file and a rename, so a kill
 * leaves either the previous checkpoint or the new one; older data files are deleted afterwards.
 * Anything unreadable is refused with KinemaError('BAD_CHECKPOINT') saying what is wrong.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../../shared/errors';
import { validateStudentWeights, type NamedTensor, type StudentConfig, type StudentWeights } from './model';

const FORMAT = 'kinema-student-checkpoint';
const VERSION = 1;
const JSON_NAME = 'student-checkpoint.json';
const DATA_RE = /^student-state-\d+\.bin$/;

export interface StudentHistoryEntry {
  step: number;
  /** Mean loss (1 − cosine to the teacher) of the steps since the previous entry. */
  loss: number;
  /** Mean cosine to the teacher on the held-out frames, when measured at this step. */
  valCosine?: number;
}

export interface StudentCheckpoint {
  state: {
    step: number;
    options: Record<string, unknown>;
    history: StudentHistoryEntry[];
    trainSeconds: number;
  };
  weights: StudentWeights;
  optimizer: NamedTensor[];
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function bad(dir: string, detail: string): KinemaError {
  return new KinemaError('BAD_CHECKPOINT', `Student checkpoint in ${dir}: ${detail}`);
}

export function hasStudentCheckpoint(dir: string): boolean {
  return existsSync(join(dir, JSON_NAME));
}

export function saveStudentCheckpoint(dir: string, cp: StudentCheckpoint): void {
  validateStudentWeights(cp.weights);
  mkdirSync(dir, { recursive: true });
  const all = [...cp.weights.tensors, ...cp.optimizer];
  const data = new Float32Array(all.reduce((s, t) => s + t.data.length, 0));
  const entries: { name: string; shape: number[]; offset: number }[] = [];
  let off = 0;
  for (const t of all) {
    data.set(t.data, off);
    entries.push({ name: t.name, shape: [...t.shape], offset: off });
    off += t.data.length;
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const file = `student-state-${cp.state.step}.bin`;
  writeFileSync(join(dir, `${file}.tmp`), bytes);
  renameSync(join(dir, `${file}.tmp`), join(dir, file));
  const json = {
    format: FORMAT,
    version: VERSION,
    savedAt: new Date().toISOString(),
    ...cp.state,
    config: cp.weights.config,
    file,
    bytes: bytes.byteLength,
    checksum: fnv1a(bytes),
    weights: entries.slice(0, cp.weights.tensors.length),
    optimizer: entries.slice(cp.weights.tensors.length),
  };
  writeFileSync(join(dir, `${JSON_NAME}.tmp`), JSON.stringify(json));
  renameSync(join(dir, `${JSON_NAME}.tmp`), join(dir, JSON_NAME));
  for (const f of readdirSync(dir)) if (DATA_RE.test(f) && f !== file) rmSync(join(dir, f), { force: true });
}

function unpack(entries: unknown, data: Float32Array, dir: string): NamedTensor[] {
  if (!Array.isArray(entries)) throw bad(dir, 'the tensor list is missing');
  return entries.map((raw: unknown, i) => {
    const e = raw as { name?: unknown; shape?: unknown; offset?: unknown };
    if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || typeof e.offset !== 'number')
      throw bad(dir, `tensor entry ${i} is malformed`);
    const shape = e.shape as number[];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0))
      throw bad(dir, `tensor ${e.name} has a bad shape`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset + size > data.length)
      throw bad(dir, `tensor ${e.name} lies outside the data (${data.length} values)`);
    return { name: e.name, shape, data: data.slice(e.offset, e.offset + size) };
  });
}

export function loadStudentCheckpoint(dir: string): StudentCheckpoint {
  const jsonPath = join(dir, JSON_NAME);
  if (!existsSync(jsonPath)) throw bad(dir, `there is no ${JSON_NAME}`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad(dir, `${JSON_NAME} is not valid JSON (${(err as Error).message})`);
  }
  if (json.format !== FORMAT) throw bad(dir, `${JSON_NAME} is not a ${FORMAT} file`);
  if (json.version !== VERSION) throw bad(dir, `version ${String(json.version)} is not supported`);
  for (const k of ['step', 'trainSeconds', 'bytes'] as const) {
    const v = json[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw bad(dir, `"${k}" is missing or negative`);
  }
  const file = json.file;
  if (typeof file !== 'string' || !DATA_RE.test(file)) throw bad(dir, 'the data file name is missing');
  if (!existsSync(join(dir, file))) throw bad(dir, `its data file ${file} is missing`);
  const raw = readFileSync(join(dir, file));
  if (raw.byteLength !== json.bytes)
    throw bad(dir, `${file} is ${raw.byteLength} bytes, expected ${String(json.bytes)}`);
  if (fnv1a(raw) !== json.checksum) throw bad(dir, `${file} does not match its checksum (corrupted)`);
  if (raw.byteLength % 4 !== 0) throw bad(dir, `${file} is not whole float32 values`);
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  const data = new Float32Array(copy.buffer);
  const weights: StudentWeights = {
    config: json.config as StudentConfig,
    tensors: unpack(json.weights, data, dir),
  };
  try {
    validateStudentWeights(weights);
  } catch (err) {
    throw bad(dir, (err as Error).message);
  }
  return {
    state: {
      step: json.step as number,
      options: (json.options ?? {}) as Record<string, unknown>,
      history: Array.isArray(json.history) ? (json.history as StudentHistoryEntry[]) : [],
      trainSeconds: json.trainSeconds as number,
    },
    weights,
    optimizer: unpack(json.optimizer ?? [], data, dir),
  };
}
