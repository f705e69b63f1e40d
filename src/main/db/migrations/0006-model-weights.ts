import type { Migration } from './index';

/**
 * Frozen: a trained model may keep its training weights beside its ONNX (issue 5: fine-tuning a
 * lifter trained in the project). The ONNX is the inference form (batch norm folded, dilated
 * convolutions), which cannot be trained further; `weights` holds the training form (a .klw
 * file's bytes, training/checkpoint.ts). NULL for models stored before this version and for
 * families that do not fine-tune.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'model-weights',
  up: `
    ALTER TABLE trained_models ADD COLUMN weights BLOB;
  `,
};
