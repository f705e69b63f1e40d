import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BN_EPSILON,
  convLayers,
  initLifterWeights,
  LifterModel,
  validateWeights,
  type LifterConfig,
} from '../../../src/main/training/lifter-model';
import { initTrainingBackend } from '../../../src/main/training/tf-backend';
import { mpjpeLoss } from '../../../src/main/training/train-lifter';
import { Rng } from '../../../src/shared/lifting/rng';
import { randomWeights } from './synthetic';

beforeAll(async () => {
  await initTrainingBackend('cpu');
});

describe('lifter model', () => {
  for (const widths of [
    [3, 3, 3],
    [1, 1, 1],
    [3, 3],
  ]) {
    it(`gives identical outputs in the strided training form and the dilated inference form (${widths})`, () => {
      const config = { filterWidths: widths, channels: 8, dropout: 0.25, joints: 17 };
      const model = new LifterModel(randomWeights(config, 1));
      const rf = model.receptiveField;
      const T = rf + 6;
      const rng = new Rng(4);
      const seq = Float32Array.from({ length: T * 34 }, () => rng.normal());
      const dilated = tf.tidy(() => model.dilated(tf.tensor3d(seq, [1, T, 34])).dataSync() as Float32Array);
      const windows = new Float32Array(7 * rf * 34);
      for (let i = 0; i < 7; i++) windows.set(seq.subarray(i * 34, (i + rf) * 34), i * rf * 34);
      const strided = tf.tidy(
        () => model.strided(tf.tensor3d(windows, [7, rf, 34])).dataSync() as Float32Array,
      );
      expect(dilated.length).toBe(7 * 51);
      let maxDiff = 0;
      for (let i = 0; i < strided.length; i++) maxDiff = Math.max(maxDiff, Math.abs(strided[i] - dilated[i]));
      expect(maxDiff).toBeLessThan(1e-5);
      expect(Math.max(...Array.from(dilated, Math.abs))).toBeGreaterThan(0.01);
      model.dispose();
    });
  }

  it('computes the gradients of every weight exactly (float64 finite differences of a reference forward)', () => {
    const config: LifterConfig = { filterWidths: [3, 3], channels: 5, dropout: 0, joints: 17 };
    const w0 = randomWeights(config, 3);
    const B = 4;
    const rf = 9;
    const rng = new Rng(9);
    const xs = Float64Array.from({ length: B * rf * 34 }, () => rng.normal());
    const ys = Float64Array.from({ length: B * 51 }, () => rng.normal());
    // Reference: the strided form in training mode (batch statistics), float64, plain loops.
    const forward64 = (t: Map<string, Float64Array>): number => {
      const { expand, blocks } = convLayers(config);
      const C = config.channels;
      const dense = (
        x: Float64Array,
        rows: number,
        cin: number,
        w: Float64Array,
        cout: number,
      ): Float64Array => {
        const o = new Float64Array(rows * cout);
        for (let r = 0; r < rows; r++)
          for (let i = 0; i < cin; i++)
            for (let c = 0; c < cout; c++) o[r * cout + c] += x[r * cin + i] * w[i * cout + c];
        return o;
      };
      const layer = (x: Float64Array, rows: number, cin: number, name: string): Float64Array => {
        const z = dense(x, rows, cin, t.get(`${name}/w`)!, C);
        const g = t.get(`${name}/bn/gamma`)!;
        const b = t.get(`${name}/bn/beta`)!;
        for (let c = 0; c < C; c++) {
          let m = 0;
          for (let r = 0; r < rows; r++) m += z[r * C + c] / rows;
          let v = 0;
          for (let r = 0; r < rows; r++) v += (z[r * C + c] - m) ** 2 / rows;
          for (let r = 0; r < rows; r++)
            z[r * C + c] = Math.max(0, ((z[r * C + c] - m) / Math.sqrt(v + BN_EPSILON)) * g[c] + b[c]);
        }
        return z;
      };
      let T = rf / expand.kernel;
      let h = layer(xs, B * T, expand.kernel * 34, 'expand');
      for (const { conv, point } of blocks) {
        const k = conv.kernel;
        const M = (B * T) / k;
        const res = new Float64Array(M * C);
        for (let m = 0; m < M; m++)
          for (let c = 0; c < C; c++) res[m * C + c] = h[(m * k + (k - 1) / 2) * C + c];
        const y = layer(layer(h, M, k * C, conv.name), M, C, point.name);
        h = res.map((v, i) => v + y[i]);
        T /= k;
      }
      const out = dense(h, B, C, t.get('shrink/w')!, 51);
      const sb = t.get('shrink/b')!;
      let L = 0;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < 17; j++) {
          let q = 0;
          for (let c = 0; c < 3; c++)
            q += (out[b * 51 + j * 3 + c] + sb[j * 3 + c] - ys[b * 51 + j * 3 + c]) ** 2;
          L += Math.sqrt(q + 1e-12);
        }
      }
      return L / (B * 17);
    };
    const t64 = new Map(w0.tensors.map((t) => [t.name, Float64Array.from(t.data)]));
    const model = new LifterModel(w0);
    const grads = new Map<string, Float32Array>();
    let loss = NaN;
    tf.tidy(() => {
      const { out, cache } = model.forwardTrain(tf.tensor3d(Float32Array.from(xs), [B, rf, 34]), null, 0);
      const l = mpjpeLoss(out, tf.tensor2d(Float32Array.from(ys), [B, 51]), 17);
      for (const [k, v] of model.backward(cache, l.dPred)) grads.set(k, v.dataSync() as Float32Array);
      loss = l.loss.dataSync()[0];
    });
    expect(loss).toBeCloseTo(forward64(t64), 5);
    expect([...grads.keys()].sort()).toEqual([...model.params.keys()].sort());
    for (const [name, arr] of t64) {
      const g = grads.get(name);
      if (!g) continue; // running statistics
      for (let i = 0; i < arr.length; i += Math.max(1, Math.floor(arr.length / 12))) {
        const orig = arr[i];
        arr[i] = orig + 1e-6;
        const lp = forward64(t64);
        arr[i] = orig - 1e-6;
        const lm = forward64(t64);
        arr[i] = orig;
        expect(Math.abs(g[i] - (lp - lm) / 2e-6), `${name}[${i}]`).toBeLessThan(2e-5);
      }
    }
    model.dispose();
  });

  it('round-trips its weights and refuses weights that do not fit', () => {
    const config = { filterWidths: [3, 3], channels: 4, dropout: 0.1, joints: 17 };
    const w = randomWeights(config, 5);
    const model = new LifterModel(w);
    const back = model.getWeights();
    expect(back.tensors.map((t) => t.name)).toEqual(w.tensors.map((t) => t.name));
    for (let i = 0; i < w.tensors.length; i++) expect(back.tensors[i].data).toEqual(w.tensors[i].data);
    model.dispose();
    const broken = {
      ...w,
      tensors: w.tensors.map((t) => (t.name === 'expand/w' ? { ...t, shape: [3, 4] } : t)),
    };
    expect(() => validateWeights(broken)).toThrow(/expand\/w has shape \[3,4\]/);
    const missing = { ...w, tensors: w.tensors.filter((t) => t.name !== 'shrink/b') };
    expect(() => new LifterModel(missing)).toThrow(/lack shrink\/b/);
    expect(() => initLifterWeights({ ...config, filterWidths: [2] }, 1)).toThrow(/odd/);
    const nan = {
      ...w,
      tensors: w.tensors.map((t) => (t.name === 'shrink/b' ? { ...t, data: t.data.map(() => NaN) } : t)),
    };
    expect(() => validateWeights(nan)).toThrow(/non-finite/);
  });
});
