import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  currentTrainingBackend,
  describeBackend,
  initTrainingBackend,
  wasmBinariesDir,
} from '../../../src/main/training/tf-backend';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

describe('training backend chain', () => {
  it('skips the libtensorflow backends silently when they are not installed and lands on wasm', async () => {
    expect(existsSync(join(wasmBinariesDir(), 'tfjs-backend-wasm.wasm'))).toBe(true);
    const choice = await initTrainingBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(choice.backend);
    if (choice.backend === 'wasm') {
      expect(choice.tried.map((t) => t.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
      expect(describeBackend(choice)).toMatch(/^wasm \(skipped tensorflow-gpu: /);
    }
    expect(tf.getBackend()).toBe(choice.tfName);
    expect(currentTrainingBackend()).toBe(choice);
    // it computes
    const y = tf.tidy(() =>
      tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2])).dataSync(),
    );
    expect(Array.from(y)).toEqual([1, 2, 3, 4]);
    // asking for cpu switches
    const cpu = await initTrainingBackend('cpu');
    expect(cpu.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
