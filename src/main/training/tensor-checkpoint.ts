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
 * leaves either the previous checkpoint or the new one; older data files are deleted afterwards
 * (tensor-files.ts, shared with the lifter's format).
 * Anything unreadable is refused with KinemaError('BAD_CHECKPOINT') saying what is wrong. (The
 * lifter keeps its own format, checkpoint.ts, which also carries its .klw weights files.)
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import type { NamedTensor } from './lifter-model';
import {
  packTensors,
  readCheckpointData,
  readCheckpointJson,
  unpackTensors,
  writeCheckpointFiles,
} from './tensor-files';

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

export function tensorCheckpointStore<Config, History>(
  kind: TensorCheckpointKind<Config>,
): TensorCheckpointStore<Config, History> {
  const jsonName = `${kind.prefix}-checkpoint.json`;
  const dataRe = new RegExp(`^${kind.prefix}-state-\\d+\\.bin$`);
  const bad = (dir: string, detail: string) =>
    new KinemaError('BAD_CHECKPOINT', `${kind.label} checkpoint in ${dir}: ${detail}`);

  return {
    has: (dir) => existsSync(join(dir, jsonName)),

    save(dir, checkpoint) {
      kind.validate(checkpoint.weights);
      mkdirSync(dir, { recursive: true });
      const { entries, data } = packTensors([...checkpoint.weights.tensors, ...checkpoint.optimizer]);
      const file = `${kind.prefix}-state-${checkpoint.state.step}.bin`;
      const nw = checkpoint.weights.tensors.length;
      writeCheckpointFiles(dir, { json: jsonName, data: file, dataPattern: dataRe }, data, {
        format: kind.format,
        version: kind.version,
        savedAt: new Date().toISOString(),
        ...checkpoint.state,
        config: checkpoint.weights.config,
        weights: entries.slice(0, nw),
        optimizer: entries.slice(nw),
      });
    },

    load(dir) {
      const fail = (detail: string) => bad(dir, detail);
      const json = readCheckpointJson(dir, jsonName, kind, fail);
      for (const k of ['step', 'trainSeconds', 'bytes'] as const) {
        const v = json[k];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
          throw bad(dir, `"${k}" is missing or negative`);
      }
      const data = readCheckpointData(dir, json, dataRe, fail);
      const weights = {
        config: json.config as Config,
        tensors: unpackTensors(json.weights, data, fail),
      };
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
        optimizer: unpackTensors(json.optimizer ?? [], data, fail),
      };
    },
  };
}
