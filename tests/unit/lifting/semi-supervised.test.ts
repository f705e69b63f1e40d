import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../src/main/training/checkpoint';
import { semiSupervisedLosses } from '../../../src/main/training/semi-supervised';
import { initTrainingBackend } from '../../../src/main/training/tf-backend';
import {
  DEFAULT_SEMI_SUPERVISED,
  DEFAULT_TRAIN_OPTIONS,
  trainLifter,
  type TrainLifterOptions,
  type TrainProgress,
} from '../../../src/main/training/train-lifter';
import { DEFAULT_SAMPLE_OPTIONS } from '../../../src/shared/lifting/dataset';
import { Rng } from '../../../src/shared/lifting/rng';
import { H36M17_PARENTS } from '../../../src/shared/skeletons/h36m17';
import { syntheticWalker } from './synthetic';

let dir: string;
beforeAll(async () => {
  await initTrainingBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'kinema-semi-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('semi-supervised losses', () => {
  it.each([
    ['batch-mean', 'perspective'],
    ['per-window', 'perspective'],
    ['per-window', 'aligned'],
  ] as const)(
    'match a float64 reference and its finite-difference gradients (bone term %s, projection %s)',
    (boneLength, projectionMode) => {
      const Bl = 3;
      const Bu = 4;
      const B = Bl + Bu;
      const J = 17;
      const rng = new Rng(1);
      const pose = Float64Array.from({ length: B * 51 }, () => 0.3 * rng.normal());
      const traj = Float64Array.from({ length: B * 3 }, (_, i) =>
        i % 3 === 2 ? 4 + rng.uniform(0, 3) : rng.normal(),
      );
      const target = Float64Array.from({ length: Bl * 51 }, () => 0.3 * rng.normal());
      const root = Float64Array.from({ length: Bl * 3 }, (_, i) =>
        i % 3 === 2 ? 4 + rng.uniform(0, 3) : rng.normal(),
      );
      const obs = Float64Array.from({ length: Bu * 34 }, () => 0.2 * rng.normal());
      const intr = Float64Array.from(
        { length: Bu * 6 },
        (_, i) => [1.5, 1.5, 0.02, -0.01, -0.1, 0.02][i % 6] * (1 + 0.1 * rng.normal()),
      );
      const W = { projection: 0.7, bone: 1.3, trajectory: 0.5 };
      const bones = H36M17_PARENTS.map((p, j) => [j, p]).filter(([, p]) => p >= 0);
      const reference = (): number => {
        let sup = 0;
        for (let b = 0; b < Bl; b++)
          for (let j = 0; j < J; j++) {
            let q = 0;
            for (let c = 0; c < 3; c++) q += (pose[b * 51 + j * 3 + c] - target[b * 51 + j * 3 + c]) ** 2;
            sup += Math.sqrt(q + 1e-12) / (Bl * J);
          }
        let tr = 0;
        for (let b = 0; b < Bl; b++) {
          let q = 0;
          for (let c = 0; c < 3; c++) q += (traj[b * 3 + c] - root[b * 3 + c]) ** 2;
          tr += Math.sqrt(q + 1e-12) / Math.max(root[b * 3 + 2], 0.1) / Bl;
        }
        let pr = 0;
        for (let u = 0; u < Bu; u++) {
          const b = Bl + u;
          if (projectionMode === 'aligned') {
            // Least-squares scale of the centred pose x, y onto the centred observation.
            const centred = (v: (j: number) => number) => {
              let m = 0;
              for (let j = 0; j < J; j++) m += v(j) / J;
              return (j: number) => v(j) - m;
            };
            const A = [0, 1].map((c) => centred((j) => pose[b * 51 + j * 3 + c]));
            const O = [0, 1].map((c) => centred((j) => obs[u * 34 + j * 2 + c]));
            let ab = 0;
            let aa = 1e-12;
            for (let j = 0; j < J; j++)
              for (let c = 0; c < 2; c++) {
                ab += A[c](j) * O[c](j);
                aa += A[c](j) ** 2;
              }
            const sc = ab / aa;
            for (let j = 0; j < J; j++) {
              const rx = sc * A[0](j) - O[0](j);
              const ry = sc * A[1](j) - O[1](j);
              pr += Math.sqrt(rx * rx + ry * ry + 1e-12) / (Bu * J);
            }
            continue;
          }
          const [fx, fy, cx, cy, k1, k2] = Array.from(intr.slice(u * 6, u * 6 + 6));
          for (let j = 0; j < J; j++) {
            const X = pose[b * 51 + j * 3] + traj[b * 3];
            const Y = pose[b * 51 + j * 3 + 1] + traj[b * 3 + 1];
            const Z = Math.max(0.1, pose[b * 51 + j * 3 + 2] + traj[b * 3 + 2]);
            const r2 = (X / Z) ** 2 + (Y / Z) ** 2;
            const d = 1 + k1 * r2 + k2 * r2 * r2;
            const du = (fx * d * X) / Z + cx - obs[u * 34 + j * 2];
            const dv = (fy * d * Y) / Z + cy - obs[u * 34 + j * 2 + 1];
            pr += Math.sqrt(du * du + dv * dv + 1e-12) / (Bu * J);
          }
        }
        const boneLen = (b: number, c: number, p: number): number => {
          let q = 0;
          for (let k = 0; k < 3; k++) q += (pose[b * 51 + c * 3 + k] - pose[b * 51 + p * 3 + k]) ** 2;
          return Math.sqrt(q + 1e-12);
        };
        let bo = 0;
        for (const [c, p] of bones) {
          let ml = 0;
          let mu = 0;
          for (let b = 0; b < Bl; b++) ml += boneLen(b, c, p) / Bl;
          for (let b = Bl; b < B; b++) mu += boneLen(b, c, p) / Bu;
          if (boneLength === 'batch-mean') bo += Math.abs(ml - mu) / bones.length;
          else for (let b = Bl; b < B; b++) bo += Math.abs(boneLen(b, c, p) - ml) / (bones.length * Bu);
        }
        return sup + W.trajectory * tr + W.projection * pr + W.bone * bo;
      };
      const t2 = (a: Float64Array, rows: number, cols: number): tf.Tensor2D =>
        tf.tensor2d(Float32Array.from(a), [rows, cols]);
      let total = NaN;
      let dPose: Float32Array = new Float32Array(0);
      let dTraj: Float32Array = new Float32Array(0);
      tf.tidy(() => {
        const r = semiSupervisedLosses({
          pose: t2(pose, B, 51),
          traj: t2(traj, B, 3),
          labelled: Bl,
          target: t2(target, Bl, 51),
          root: t2(root, Bl, 3),
          observed2d: t2(obs, Bu, 34),
          intrinsics: t2(intr, Bu, 6),
          weights: W,
          boneLength,
          projectionMode,
        });
        total =
          r.supervised.dataSync()[0] +
          W.trajectory * r.trajectory.dataSync()[0] +
          W.projection * r.projection.dataSync()[0] +
          W.bone * r.bone.dataSync()[0];
        dPose = r.dPose.dataSync() as Float32Array;
        dTraj = r.dTraj.dataSync() as Float32Array;
      });
      expect(total).toBeCloseTo(reference(), 5);
      for (const [arr, g] of [
        [pose, dPose],
        [traj, dTraj],
      ] as const) {
        for (let i = 0; i < arr.length; i++) {
          const o = arr[i];
          arr[i] = o + 1e-6;
          const lp = reference();
          arr[i] = o - 1e-6;
          const lm = reference();
          arr[i] = o;
          expect(Math.abs(g[i] - (lp - lm) / 2e-6)).toBeLessThan(1e-5);
        }
      }
    },
  );
});

describe('semi-supervised training', () => {
  const data = {
    train: [syntheticWalker({ id: 'a', subject: '01', frames: 60, speed: 1.2 })],
    unlabeled: [
      syntheticWalker({ id: 'u1', subject: '02', frames: 80, speed: 0.8, heading: 1 }),
      syntheticWalker({ id: 'u2', subject: '03', frames: 80, speed: 1.5, heading: -2, scale: 0.9 }),
    ],
    validation: [syntheticWalker({ id: 'v', subject: '07', frames: 40, heading: 0.5 })],
  };
  const options: TrainLifterOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    receptiveField: 27,
    channels: 12,
    epochs: 3,
    batchSize: 16,
    learningRate: 3e-3,
    windowsPerEpoch: 64,
    checkpointEverySteps: 3,
    validateEveryEpochs: 0,
    sample: { ...DEFAULT_SAMPLE_OPTIONS, noiseProbability: 0 },
    semiSupervised: { ...DEFAULT_SEMI_SUPERVISED, warmupEpochs: 1 },
    backend: 'cpu',
  };

  it('trains the pose and trajectory models, back-projecting unlabelled windows after the warm-up', async () => {
    const o = options;
    const seen: TrainProgress[] = [];
    const r = await trainLifter(data, o, { onProgress: (p) => seen.push(p), progressEverySteps: 4 });
    expect(r.trajectoryWeights?.config.outputJoints).toBe(1);
    const train = seen.filter((p) => p.phase === 'train');
    expect(train[0].semi?.projection).toBe(0); // warm-up epoch
    expect(train.at(-1)!.semi!.projection).toBeGreaterThan(0);
    expect(train.at(-1)!.semi!.trajectory).toBeGreaterThan(0);
    expect(r.history[2].lossMm).toBeLessThan(r.history[0].lossMm);
    await expect(trainLifter({ ...data, unlabeled: [] }, o)).rejects.toThrow(/needs unlabelled sequences/);
  });

  it('checkpoints the trajectory model and resumes to the same weights', async () => {
    const o = options;
    const full = await trainLifter(data, o);
    const ckpt = join(dir, 'semi');
    const controller = new AbortController();
    await expect(
      trainLifter(data, o, {
        checkpointDir: ckpt,
        signal: controller.signal,
        progressEverySteps: 1,
        onProgress: (p) => p.phase === 'train' && p.step === 7 && controller.abort(),
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(loadCheckpoint(ckpt).extra?.some((t) => t.name === 'traj:shrink/w')).toBe(true);
    const resumed = await trainLifter(data, o, { checkpointDir: ckpt });
    expect(resumed.resumedFromStep).toBe(7);
    let diff = 0;
    resumed.trajectoryWeights!.tensors.forEach((t, i) =>
      t.data.forEach(
        (v, k) => (diff = Math.max(diff, Math.abs(v - full.trajectoryWeights!.tensors[i].data[k]))),
      ),
    );
    resumed.weights.tensors.forEach((t, i) =>
      t.data.forEach((v, k) => (diff = Math.max(diff, Math.abs(v - full.weights.tensors[i].data[k])))),
    );
    expect(diff).toBeLessThan(1e-5);
  });
});
