import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearestNeighbourTau } from '../../../src/shared/alignment/kendall';
import { KinemaError } from '../../../src/shared/errors';
import { Rng } from '../../../src/shared/lifting/rng';
import { initTrainingBackend } from '../../../src/main/training/tf-backend';
import {
  featureStats,
  initTccWeights,
  TccModel,
  type TccConfig,
  type TccWeights,
} from '../../../src/main/training/tcc/model';
import {
  DEFAULT_TCC_TRAIN_OPTIONS,
  trainTcc,
  type TccClip,
  type TccProgress,
  type TccTrainOptions,
} from '../../../src/main/training/tcc/train';
import type { TccLossType } from '../../../src/main/training/tcc/loss';
import { FEATURE_DIM, syntheticClip, trainingClips } from './synthetic';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kinema-tcc-'));
  await initTrainingBackend('wasm');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clips: TccClip[] = trainingClips(8).map((c) => ({ name: c.name, features: c.features }));
// Two held-out time-warped copies of the movement, seen from views and with noise of their own.
const warpedA = syntheticClip('a', 70, { wobble: 0.2, yaw: 0.3, noise: 1.5, seed: 901 });
const warpedB = syntheticClip('b', 55, { wobble: -0.2, yaw: -0.4, noise: 1.5, seed: 902 });

const small: TccTrainOptions = {
  ...DEFAULT_TCC_TRAIN_OPTIONS,
  hidden: 32,
  embeddingDim: 16,
  // ±6 frames of context: these clips are 50-80 frames long.
  context: 2,
  contextStride: 3,
  framesPerSequence: 20,
  batchSize: 4,
  learningRate: 3e-3,
  checkpointEverySteps: 1000,
};
const config = (o: TccTrainOptions): TccConfig => ({
  inputDim: FEATURE_DIM,
  hidden: o.hidden,
  context: o.context,
  contextStride: o.contextStride,
  embeddingDim: o.embeddingDim,
  normalize: o.normalize,
});

function tauOf(weights: TccWeights): number {
  const m = new TccModel(weights);
  try {
    return nearestNeighbourTau(
      m.embed(warpedA.features),
      m.embed(warpedB.features),
      weights.config.embeddingDim,
    );
  } finally {
    m.dispose();
  }
}

function maxDiff(a: TccWeights, b: TccWeights): number {
  let d = 0;
  a.tensors.forEach((t, i) =>
    t.data.forEach((v, k) => (d = Math.max(d, Math.abs(v - b.tensors[i].data[k])))),
  );
  return d;
}

describe('TCC training on synthetic clips', () => {
  for (const loss of ['regression', 'classification', 'regression-mse'] as TccLossType[]) {
    it(`${loss}: a few hundred steps lower the loss and raise the nearest-neighbour tau of two warped copies`, async () => {
      const o = { ...small, loss, steps: 240 };
      const start = initTccWeights(
        config(o),
        5,
        featureStats(
          clips.map((c) => c.features),
          FEATURE_DIM,
        ),
      );
      const before = tauOf(start);
      const result = await trainTcc(clips, FEATURE_DIM, o, { initialWeights: start, progressEverySteps: 20 });
      const first = result.history[0].loss;
      const last = result.history.at(-1)!.loss;
      expect(result.steps).toBe(240);
      expect(last).toBeLessThan(0.6 * first);
      expect(result.history.at(-1)!.cycleAccuracy).toBeGreaterThan(result.history[0].cycleAccuracy);
      const after = tauOf(result.weights);
      expect(after).toBeGreaterThan(before + 0.15);
    });
  }

  it('the encoder backward pass matches finite differences', () => {
    const cfg: TccConfig = {
      inputDim: 5,
      hidden: 6,
      context: 1,
      contextStride: 2,
      embeddingDim: 3,
      normalize: true,
    };
    const w = initTccWeights(cfg, 3);
    const model = new TccModel(w);
    const rng = new Rng(11);
    const R = 4;
    const C = 3;
    const x = Float32Array.from({ length: R * C * cfg.inputDim }, () => rng.normal());
    const c = Float32Array.from({ length: R * cfg.embeddingDim }, () => rng.normal());
    // L = Σ c ⊙ y: dL/dy = c.
    const lossAt = (): number =>
      tf.tidy(
        () =>
          tf
            .sum(
              tf.mul(
                model.forwardTrain(tf.tensor2d(x, [R * C, cfg.inputDim])).out,
                tf.tensor2d(c, [R, cfg.embeddingDim]),
              ),
            )
            .dataSync()[0],
      );
    const analytic = new Map<string, Float32Array>();
    tf.tidy(() => {
      const { cache } = model.forwardTrain(tf.tensor2d(x, [R * C, cfg.inputDim]));
      for (const [k, g] of model.backward(cache, tf.tensor2d(c, [R, cfg.embeddingDim])))
        analytic.set(k, g.dataSync() as Float32Array);
    });
    expect([...analytic.keys()].sort()).toEqual([...model.params.keys()].sort());
    const h = 2e-3;
    let worst = 0;
    for (const [name, v] of model.params) {
      const base = v.dataSync().slice() as Float32Array;
      for (let k = 0; k < base.length; k += 3) {
        const at = (delta: number): number => {
          const p = base.slice();
          p[k] += delta;
          v.assign(tf.tensor(p, v.shape));
          return lossAt();
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - analytic.get(name)![k]));
      }
      v.assign(tf.tensor(base, v.shape));
    }
    expect(worst).toBeLessThan(5e-3);
    model.dispose();
  });
});

describe('TCC training as a job', () => {
  it('refuses clips shorter than the frames sampled, naming the clip', async () => {
    const short = [...clips, { name: 'Landing 4', features: clips[0].features.slice(0, 12 * FEATURE_DIM) }];
    await expect(trainTcc(short, FEATURE_DIM, { ...small, steps: 2 })).rejects.toThrow(
      /Clip "Landing 4" has 12 frames, but training samples 20 frames per clip/,
    );
    await expect(trainTcc(clips.slice(0, 1), FEATURE_DIM, { ...small, steps: 2 })).rejects.toThrow(
      /at least 2 clips/,
    );
    const empty = { name: 'Empty', features: new Float32Array(30 * FEATURE_DIM).fill(NaN) };
    await expect(trainTcc([clips[0], empty], FEATURE_DIM, { ...small, steps: 2 })).rejects.toThrow(
      /Clip "Empty" has no frame with a pose/,
    );
  });

  it('fills absent frames (NaN rows) instead of failing', async () => {
    const gappy = Float32Array.from(clips[1].features);
    gappy.fill(NaN, 10 * FEATURE_DIM, 14 * FEATURE_DIM);
    const r = await trainTcc([clips[0], { name: 'gappy', features: gappy }, clips[2]], FEATURE_DIM, {
      ...small,
      steps: 3,
    });
    expect(Number.isFinite(r.history.at(-1)!.loss)).toBe(true);
  });

  it('resumes from its checkpoint at the step it stopped and ends where an uninterrupted run ends', async () => {
    const o = { ...small, steps: 8, checkpointEverySteps: 3 };
    const straight = await trainTcc(clips, FEATURE_DIM, o);

    const ckpt = join(dir, 'resume');
    const abort = new AbortController();
    const seen: number[] = [];
    const onProgress = (p: TccProgress): void => {
      if (p.phase !== 'train') return;
      seen.push(p.step);
      if (p.step === 5) abort.abort();
    };
    await expect(
      trainTcc(clips, FEATURE_DIM, o, {
        checkpointDir: ckpt,
        signal: abort.signal,
        onProgress,
        progressEverySteps: 1,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(readdirSync(ckpt).sort()).toEqual(['tcc-checkpoint.json', 'tcc-state-5.bin']);

    const resumedSteps: number[] = [];
    const resumed = await trainTcc(clips, FEATURE_DIM, o, {
      checkpointDir: ckpt,
      progressEverySteps: 1,
      onProgress: (p) => p.phase === 'train' && resumedSteps.push(p.step),
    });
    expect(resumed.resumedFromStep).toBe(5);
    expect(resumedSteps).toEqual([6, 7, 8]);
    expect(resumed.steps).toBe(8);
    expect(resumed.history.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(maxDiff(resumed.weights, straight.weights)).toBeLessThan(1e-6);

    // Resuming with settings that change the batches or the model is refused with the reason.
    await expect(
      trainTcc(clips, FEATURE_DIM, { ...o, steps: 10, framesPerSequence: 16 }, { checkpointDir: ckpt }),
    ).rejects.toThrow(/trained with framesPerSequence = 20, not 16/);
    // A damaged checkpoint is refused, not silently restarted.
    writeFileSync(join(ckpt, 'tcc-state-8.bin'), new Uint8Array(12));
    await expect(
      trainTcc(clips, FEATURE_DIM, { ...o, steps: 10 }, { checkpointDir: ckpt }),
    ).rejects.toBeInstanceOf(KinemaError);
  });
});
