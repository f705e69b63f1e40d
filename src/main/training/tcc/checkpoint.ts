/**
 * TCC training checkpoints on disk (also VIPE*'s, the same encoder): the shared named-tensor layout
 * of ../tensor-checkpoint.ts under the file names `tcc-checkpoint.json` and `tcc-state-<step>.bin`.
 * The lifter's helpers (../checkpoint.ts) validate their tensors against a lifter configuration,
 * so the encoder does not use them.
 */
import { tensorCheckpointStore, type TensorCheckpoint } from '../tensor-checkpoint';
import { validateTccWeights, type TccConfig } from './model';

export interface TccHistoryEntry {
  /** Step reached (steps done). */
  step: number;
  /** Mean loss of the steps since the previous entry. */
  loss: number;
  /** Mean share of queries that cycled back to themselves. */
  cycleAccuracy: number;
}

export type TccCheckpoint = TensorCheckpoint<TccConfig, TccHistoryEntry>;

const store = tensorCheckpointStore<TccConfig, TccHistoryEntry>({
  label: 'TCC',
  format: 'kinema-tcc-checkpoint',
  version: 1,
  prefix: 'tcc',
  validate: validateTccWeights,
});

export const hasTccCheckpoint = store.has;
export const saveTccCheckpoint = store.save;
export const loadTccCheckpoint = store.load;
