/**
 * Student training checkpoints on disk: the shared named-tensor layout of ../tensor-checkpoint.ts
 * under the file names `student-checkpoint.json` and `student-state-<step>.bin`.
 */
import { tensorCheckpointStore, type TensorCheckpoint } from '../tensor-checkpoint';
import { validateStudentWeights, type StudentConfig } from './model';

export interface StudentHistoryEntry {
  step: number;
  /** Mean loss (1 − cosine to the teacher) of the steps since the previous entry. */
  loss: number;
  /** Mean cosine to the teacher on the held-out frames, when measured at this step. */
  valCosine?: number;
}

export type StudentCheckpoint = TensorCheckpoint<StudentConfig, StudentHistoryEntry>;

const store = tensorCheckpointStore<StudentConfig, StudentHistoryEntry>({
  label: 'Student',
  format: 'kinema-student-checkpoint',
  version: 1,
  prefix: 'student',
  validate: validateStudentWeights,
});

export const hasStudentCheckpoint = store.has;
export const saveStudentCheckpoint = store.save;
export const loadStudentCheckpoint = store.load;
