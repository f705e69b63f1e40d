/**
 * Training checkpoints of the networks whose weights are a list of named tensors (TCC encoder and
 * VIPE*, VPD student), one layout for all of them, each kind with its own file names so several can
 * share a folder without clobbering:
 *
 *   `<prefix>-checkpoint.json`  the state (step, options, history, timings), the network
 *                               configuration, the tensor list and the name, size and FNV-1a
 *                               checksum of the data file;
 *   `<prefix>-state-<step>.bin` weights and the optimizer's tensors, float32 LE.
 *
 * The data file is written first, then the JSON through a temporary file and a rename, so a kill
 * leaves either the previous checkpoint or the new one; older data files are deleted afterwards.
 * Anything unreadable is refused with KinemaError('BAD_CHECKPOINT') saying what is wrong. (The
 * lifter keeps its own format, checkpoint.ts, which also carries its .klw weights files.)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import type { NamedTensor } from './lifter-model';

export interface TensorCheckpoint<Config, History> {
  state: {
    /** Optimizer steps done. */
    step: number;
    options: Record<string, unknown>;
    history: History[];
    /** Seconds of training so far. */
    trainSeconds: number;
  };
  weights: { config: Config; tensors: NamedTensor[] };
  /** Optimizer tensors by name (e.g. "m:frame1/w"). */
  optimizer: NamedTensor[];
}

export interface TensorCheckpointKind<Config> {
  /** Names the kind in messages: "TCC checkpoint in <dir>: …". */
  label: string;
  /** `format` field of the JSON, and the version this Kinema reads and writes. */
  format: string;
  version: number;
  /** File-name prefix: `<prefix>-checkpoint.json`, `<prefix>-state-<step>.bin`. */
  prefix: string;
  /** Throws when the tensors do not fit the configuration. */
  validate(weights: { config: Config; tensors: NamedTensor[] }): void;
}

export interface TensorCheckpointStore<Config, History> {
  has(dir: string): boolean;
  /** Writes a checkpoint into `dir` (created if needed), replacing the previous one atomically. */
  save(dir: string, checkpoint: TensorCheckpoint<Config, History>): void;
  /** Reads the checkpoint in `dir`; throws KinemaError('BAD_CHECKPOINT') saying what is wrong. */
  load(dir: string): TensorCheckpoint<Config, History>;
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

export function tensorCheckpointStore<Config, History>(
  kind: TensorCheckpointKind<Config>,
): TensorCheckpointStore<Config, History> {
  const jsonName = `${kind.prefix}-checkpoint.json`;
  const dataRe = new RegExp(`^${kind.prefix}-state-\\d+\\.bin$`);
  const bad = (dir: string, detail: string) =>
    new KinemaError('BAD_CHECKPOINT', `${kind.label} checkpoint in ${dir}: ${detail}`);

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

  return {
    has: (dir) => existsSync(join(dir, jsonName)),

    save(dir, checkpoint) {
      kind.validate(checkpoint.weights);
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
      const file = `${kind.prefix}-state-${checkpoint.state.step}.bin`;
      writeFileSync(join(dir, `${file}.tmp`), bytes);
      renameSync(join(dir, `${file}.tmp`), join(dir, file));
      const json = {
        format: kind.format,
        version: kind.version,
        savedAt: new Date().toISOString(),
        ...checkpoint.state,
        config: checkpoint.weights.config,
        file,
        bytes: bytes.byteLength,
        checksum: fnv1a(bytes),
        weights: entries.slice(0, checkpoint.weights.tensors.length),
        optimizer: entries.slice(checkpoint.weights.tensors.length),
      };
      writeFileSync(join(dir, `${jsonName}.tmp`), JSON.stringify(json, null, 1));
      renameSync(join(dir, `${jsonName}.tmp`), join(dir, jsonName));
      for (const f of readdirSync(dir))
        if (dataRe.test(f) && f !== file) rmSync(join(dir, f), { force: true });
    },

    load(dir) {
      const jsonPath = join(dir, jsonName);
      if (!existsSync(jsonPath)) throw bad(dir, `there is no ${jsonName}`);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw bad(dir, `${jsonName} is not valid JSON (${(err as Error).message})`);
      }
      if (json.format !== kind.format) throw bad(dir, `${jsonName} is not a ${kind.format} file`);
      if (json.version !== kind.version)
        throw bad(
          dir,
          `version ${String(json.version)} is not supported (this Kinema reads ${kind.version})`,
        );
      for (const k of ['step', 'trainSeconds', 'bytes'] as const) {
        const v = json[k];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
          throw bad(dir, `"${k}" is missing or negative`);
      }
      const file = json.file;
      if (typeof file !== 'string' || !dataRe.test(file)) throw bad(dir, 'the data file name is missing');
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
      const weights = { config: json.config as Config, tensors: unpack(json.weights, data, dir) };
      try {
        kind.validate(weights);
      } catch (err) {
        throw bad(dir, (err as Error).message);
      }
      return {
        state: {
          step: json.step as number,
          options: (json.options ?? {}) as Record<string, unknown>,
          history: Array.isArray(json.history) ? (json.history as History[]) : [],
          trainSeconds: json.trainSeconds as number,
        },
        weights,
        optimizer: unpack(json.optimizer ?? [], data, dir),
      };
    },
  };
}
