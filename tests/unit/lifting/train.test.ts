import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeWeights,
  encodeWeights,
  loadCheckpoint,
  loadWeightsFile,
  saveWeightsFile,
} from '../../../src/main/training/checkpoint';
import { initTrainingBackend } from '../../../src/main/training/tf-backend';
import {
  DEFAULT_TRAIN_OPTIONS,
  trainLifter,
  type TrainLifterOptions,
  type TrainProgress,
} from '../../../src/main/training/train-lifter';
import { DEFAULT_SAMPLE_OPTIONS } from '../../../src/shared/lifting/dataset';
import { KinemaError } from '../../../src/shared/errors';
import { randomWeights, syntheticWalker } from './synthetic';

let dir: string;
beforeAll(async () => {
  await initTrainingBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'kinema-train-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = {
  train: [
    syntheticWalker({ id: 'a', subject: '01', frames: 80, speed: 1.2 }),
    syntheticWalker({ id: 'b', subject: '02', frames: 80, speed: 0.8, scale: 0.9, heading: 1 }),
    syntheticWalker({ id: 'c', subject: '03', frames: 80, speed: 1.5, cadence: 2.2, heading: -2 }),
  ],
  validation: [syntheticWalker({ id: 'v', subject: '07', frames: 40, speed: 1.0, heading: 0.5 })],
};

const options: TrainLifterOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  receptiveField: 27,
  channels: 16,
  dropout: 0.1,
  epochs: 3,
  batchSize: 32,
  learningRate: 3e-3,
  windowsPerEpoch: 256,
  checkpointEverySteps: 5,
  validateEveryEpochs: 0,
  validationViews: 1,
  sample: { ...DEFAULT_SAMPLE_OPTIONS, noiseProbability: 0.3 },
  backend: 'cpu',
};

function maxDiff(a: { tensors: { data: Float32Array }[] }, b: { tensors: { data: Float32Array }[] }): number {
  let m = 0;
  a.tensors.forEach((t, i) =>
    t.data.forEach((v, k) => (m = Math.max(m, Math.abs(v - b.tensors[i].data[k])))),
  );
  return m;
}

describe('lifter training', () => {
  let uninterrupted: Awaited<ReturnType<typeof trainLifter>>;

  it('lowers the loss on a synthetic walk and reports progress and validation', async () => {
    const seen: TrainProgress[] = [];
    uninterrupted = await trainLifter(data, options, {
      onProgress: (p) => seen.push(p),
      progressEverySteps: 4,
    });
    expect(uninterrupted.steps).toBe(3 * 8);
    expect(uninterrupted.backend.backend).toBe('cpu');
    const h = uninterrupted.history;
    expect(h.length).toBe(3);
    expect(h[2].lossMm).toBeLessThan(h[0].lossMm * 0.8);
    expect(h[2].val?.mpjpeMm).toBeGreaterThan(0);
    expect(h[0].lr).toBeCloseTo(3e-3, 10);
    expect(h[1].lr).toBeCloseTo(3e-3 * options.lrDecay, 10);
    expect(seen.filter((p) => p.phase === 'train').length).toBe(6);
    expect(seen.at(-1)?.phase).toBe('done');
  });

  it('resumes from its last checkpoint at the same step and ends where an uninterrupted run does', async () => {
    const ckpt = join(dir, 'resume');
    const controller = new AbortController();
    await expect(
      trainLifter(data, options, {
        checkpointDir: ckpt,
        signal: controller.signal,
        progressEverySteps: 1,
        onProgress: (p) => {
          if (p.phase === 'train' && p.step === 11) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const saved = loadCheckpoint(ckpt);
    expect(saved.state.step).toBe(11);
    expect(saved.state.epoch).toBe(1);
    expect(saved.state.stepInEpoch).toBe(3);
    expect(readdirSync(ckpt).filter((f) => f.endsWith('.bin'))).toEqual(['state-11.bin']);
    const steps: number[] = [];
    const resumed = await trainLifter(data, options, {
      checkpointDir: ckpt,
      progressEverySteps: 1,
      onProgress: (p) => p.phase === 'train' && steps.push(p.step),
    });
    expect(resumed.resumedFromStep).toBe(11);
    expect(steps[0]).toBe(12);
    expect(resumed.steps).toBe(24);
    expect(resumed.history.length).toBe(3);
    expect(maxDiff(resumed.weights, uninterrupted.weights)).toBeLessThan(1e-5);
    // a finished run resumes to "nothing left to do"
    const again = await trainLifter(data, options, { checkpointDir: ckpt });
    expect(again.resumedFromStep).toBe(24);
    expect(maxDiff(again.weights, resumed.weights)).toBe(0);
  });

  it('refuses to resume with options that change the model or the batches', async () => {
    const ckpt = join(dir, 'resume');
    await expect(trainLifter(data, { ...options, channels: 8 }, { checkpointDir: ckpt })).rejects.toThrow(
      /trained with channels = 16, not 8/,
    );
  });

  it('fine-tunes from given weights', async () => {
    const short = { ...options, epochs: 1 };
    const tuned = await trainLifter(data, short, { initialWeights: uninterrupted.weights });
    const fresh = await trainLifter(data, short);
    expect(tuned.history[0].lossMm).toBeLessThan(fresh.history[0].lossMm);
    await expect(
      trainLifter(data, short, {
        initialWeights: randomWeights({ filterWidths: [3, 3], channels: 16, dropout: 0, joints: 17 }, 1),
      }),
    ).rejects.toThrow(/receptive field 9/);
  });
});

describe('checkpoints and weights files', () => {
  it('rejects malformed checkpoints with a clear error', async () => {
    const ckpt = join(dir, 'broken');
    await trainLifter(data, { ...options, epochs: 1 }, { checkpointDir: ckpt });
    const json = join(ckpt, 'checkpoint.json');
    const good = readFileSync(json, 'utf8');
    const bin = join(
      ckpt,
      readdirSync(ckpt).find((f) => f.endsWith('.bin'))!,
    );
    const goodBin = readFileSync(bin);
    const expectBad = (pattern: RegExp): void => {
      let err: unknown;
      try {
        loadCheckpoint(ckpt);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KinemaError);
      expect((err as KinemaError).code).toBe('BAD_CHECKPOINT');
      expect((err as Error).message).toMatch(pattern);
    };
    writeFileSync(json, good.slice(0, 40));
    expectBad(/not valid JSON/);
    writeFileSync(json, JSON.stringify({ ...JSON.parse(good), version: 99 }));
    expectBad(/version 99 is not supported/);
    writeFileSync(json, JSON.stringify({ ...JSON.parse(good), step: -1 }));
    expectBad(/"step" is missing or not a non-negative number/);
    writeFileSync(json, good);
    writeFileSync(bin, goodBin.subarray(0, goodBin.length - 8));
    expectBad(/truncated/);
    const flipped = Buffer.from(goodBin);
    flipped[100] ^= 0xff;
    writeFileSync(bin, flipped);
    expectBad(/checksum/);
    rmSync(bin);
    expectBad(/data file .* is missing/);
    // resuming from it fails the same way instead of silently starting over
    await expect(trainLifter(data, options, { checkpointDir: ckpt })).rejects.toThrow(/missing/);
    rmSync(json);
    expect(existsSync(json)).toBe(false);
    expectBad(/no checkpoint.json/);
  });

  it('round-trips weights through a .klw file and rejects other files', () => {
    const w = randomWeights({ filterWidths: [3, 3], channels: 6, dropout: 0.25, joints: 17 }, 4);
    const path = join(dir, 'w.klw');
    saveWeightsFile(path, w, { id: 'test' });
    const back = loadWeightsFile(path);
    expect(back.meta).toEqual({ id: 'test' });
    expect(back.weights.config).toEqual(w.config);
    expect(maxDiff(back.weights, w)).toBe(0);
    const bytes = encodeWeights(w);
    expect(() => decodeWeights(bytes.subarray(0, 3))).toThrow(/KLW1/);
    expect(() => decodeWeights(bytes.subarray(0, bytes.length - 4))).toThrow(/outside the data/);
    expect(() => loadWeightsFile(join(dir, 'nope.klw'))).toThrow(/not found/);
  });
});

describe('mocap folders', () => {
  it('reports missing and empty folders and skips unreadable files with the reason', async () => {
    const { loadMocapFolders } = await import('../../../src/main/training/mocap-data');
    expect(() => loadMocapFolders([join(dir, 'nowhere')])).toThrow(/Mocap folder not found/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => loadMocapFolders([empty])).toThrow(/No .bvh files/);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, '07_01.bvh'), 'HIERARCHY\nROOT Hips\n{\n');
    const r = loadMocapFolders([bad], { clipsCsv: null });
    expect(r.sequences).toEqual([]);
    expect(r.skipped[0].file).toBe('bad/07_01.bvh');
    expect(r.skipped[0].reason.length).toBeGreaterThan(5);
  });
});
