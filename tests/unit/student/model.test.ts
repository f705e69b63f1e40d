import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/shared/lifting/rng';
import { initTrainingBackend } from '../../../src/main/training/tf-backend';
import {
  initStudentWeights,
  patchCount,
  patchify,
  patchValues,
  StudentModel,
  type StudentConfig,
} from '../../../src/main/training/student/model';
import {
  readOnnxMetadata,
  studentInfoFromMetadata,
  studentToOnnx,
  verifyStudentOnnx,
} from '../../../src/main/training/student/export-onnx';
import { StudentEmbedder } from '../../../src/main/training/student/embed';
import { studentInput, type StudentFrames } from '../../../src/main/training/student/data';
import { splitRecords } from '../../../src/main/training/student/dataset';
import {
  DEFAULT_STUDENT_TRAIN_OPTIONS,
  evalRecords,
  meanCosine,
  trainStudent,
  type StudentTrainOptions,
} from '../../../src/main/training/student/train';
import { exportStudentOnnx } from '../../../src/main/training/student/export-onnx';
import { SYNTH_DIM, syntheticDataset } from './synthetic';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kinema-student-'));
  await initTrainingBackend('wasm');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny: StudentConfig = {
  imageSize: 8,
  channels: 3,
  patchSize: 4,
  tokenDim: 5,
  channelHidden: 6,
  hidden: 7,
  embeddingDim: 3,
};

describe('student patch network', () => {
  it('patchify puts patch (gy, gx) in row gy·G + gx, pixels row by row, channels interleaved', () => {
    const c = { imageSize: 4, patchSize: 2, channels: 2 };
    const img = Float32Array.from({ length: 4 * 4 * 2 }, (_, i) => i);
    const p = patchify(img, c);
    // Patch 1 (gy 0, gx 1): pixels (y 0, x 2), (0, 3), (1, 2), (1, 3).
    const at = (y: number, x: number) => [(y * 4 + x) * 2, (y * 4 + x) * 2 + 1];
    expect(Array.from(p.subarray(8, 16))).toEqual([...at(0, 2), ...at(0, 3), ...at(1, 2), ...at(1, 3)]);
    // Patch 2 (gy 1, gx 0) starts at pixel (2, 0).
    expect(Array.from(p.subarray(16, 18))).toEqual(at(2, 0));
  });

  it('the written backward pass matches finite differences for every weight', () => {
    const rng = new Rng(7);
    // Random biases too: zero biases would put rows of zero input exactly on a ReLU's kink.
    const w = initStudentWeights(tiny, 3);
    for (const t of w.tensors)
      if (t.name.endsWith('/b')) t.data.forEach((_, i) => (t.data[i] = rng.uniform(-0.5, 0.5)));
    const model = new StudentModel(w);
    const B = 3;
    const N = patchCount(tiny);
    const K = patchValues(tiny);
    const x = Float32Array.from({ length: B * N * K }, () => rng.normal());
    const c = Float32Array.from({ length: B * tiny.embeddingDim }, () => rng.normal());
    const lossAt = (): number =>
      tf.tidy(
        () =>
          tf
            .sum(
              tf.mul(
                model.forwardTrain(tf.tensor2d(x, [B * N, K])).out,
                tf.tensor2d(c, [B, tiny.embeddingDim]),
              ),
            )
            .dataSync()[0],
      );
    const analytic = new Map<string, Float32Array>();
    tf.tidy(() => {
      const { cache } = model.forwardTrain(tf.tensor2d(x, [B * N, K]));
      for (const [k, g] of model.backward(cache, tf.tensor2d(c, [B, tiny.embeddingDim])))
        analytic.set(k, g.dataSync() as Float32Array);
    });
    expect([...analytic.keys()].sort()).toEqual([...model.params.keys()].sort());
    const h = 5e-4;
    let worst = 0;
    let largest = 0;
    for (const [name, v] of model.params) {
      const base = v.dataSync().slice() as Float32Array;
      for (let k = 0; k < base.length; k += Math.max(1, Math.floor(base.length / 12))) {
        const at = (delta: number): number => {
          const p = base.slice();
          p[k] += delta;
          v.assign(tf.tensor(p, v.shape));
          return lossAt();
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        worst = Math.max(worst, Math.abs(numeric - analytic.get(name)![k]));
        largest = Math.max(largest, Math.abs(numeric));
      }
      v.assign(tf.tensor(base, v.shape));
    }
    expect(largest).toBeGreaterThan(1e-2);
    expect(worst).toBeLessThan(5e-3);
    model.dispose();
  });

  const info = { appearance: 'grey' as const, mask: false, flowScale: 4, teacher: 'vipe' };
  for (const [label, cfg, inf] of [
    [
      '64 px grey + flow',
      { ...tiny, imageSize: 64, channels: 3, patchSize: 8, tokenDim: 16, embeddingDim: 16 },
      info,
    ],
    [
      '32 px RGB + flow + mask',
      { ...tiny, imageSize: 32, channels: 6, patchSize: 4, tokenDim: 8, embeddingDim: 32 },
      { ...info, appearance: 'rgb' as const, mask: true },
    ],
  ] as const) {
    it(`${label}: ORT gives TF.js's embeddings (max abs diff < 1e-4) and the metadata reads back`, async () => {
      const w = initStudentWeights(cfg, 5);
      const onnx = studentToOnnx(w, inf);
      const { maxAbsDiff } = await verifyStudentOnnx(w, onnx, 5, 2);
      expect(maxAbsDiff).toBeLessThan(1e-4);
      expect(studentInfoFromMetadata(readOnnxMetadata(onnx))).toEqual({
        ...inf,
        imageSize: cfg.imageSize,
        channels: cfg.channels,
        embeddingDim: cfg.embeddingDim,
      });
    });
  }

  it('refuses an ONNX file that is not a student, saying so', async () => {
    const w = initStudentWeights(tiny, 5);
    const onnx = studentToOnnx(w, { appearance: 'rgb', mask: false, flowScale: 4, teacher: 'x' });
    expect(() => studentInfoFromMetadata({ ...readOnnxMetadata(onnx), kind: 'tcc-encoder' })).toThrow(
      /not a Kinema VPD student/,
    );
  });
});

describe('student inputs', () => {
  const spec = { cropSize: 4, appearance: 'grey' as const, mask: true };
  // One frame, 4 × 4 × (grey, fx, fy, mask).
  const data = new Uint8Array(4 * 4 * 4);
  for (let i = 0; i < 16; i++) data.set([i * 16, 128 + 20, 128 - 10, i < 8 ? 255 : 0], i * 4);

  it('scales grey to ±0.5, flow (0.1 px bytes) by 4 px, mask to ±0.5', () => {
    const out = new Float32Array(64);
    studentInput(spec, data, 0, out);
    expect(out[0]).toBeCloseTo(-0.5, 5);
    expect(out[4 * 5]).toBeCloseTo(80 / 255 - 0.5, 5);
    expect(out[1]).toBeCloseTo(2 / 4, 5);
    expect(out[2]).toBeCloseTo(-1 / 4, 5);
    expect(out[3]).toBeCloseTo(0.5, 5);
    expect(out[63]).toBeCloseTo(-0.5, 5);
  });

  it('a zoom scales the flow with the picture and brightness moves only the appearance', () => {
    const out = new Float32Array(64);
    studentInput(spec, data, 0, out, 0, { scale: 1.1, dx: 0, dy: 0, contrast: 1, brightness: 0.1 });
    expect(out[4 * 5 + 1]).toBeCloseTo((2 * 1.1) / 4, 4);
    const plain = new Float32Array(64);
    studentInput(spec, data, 0, plain);
    // Same place after a shift of 0 and zoom about the centre: the centre pixels barely move.
    expect(Math.abs(out[(1 * 4 + 1) * 4 + 3] - plain[(1 * 4 + 1) * 4 + 3])).toBeLessThan(0.6);
    expect(out[(2 * 4 + 2) * 4]).toBeGreaterThan(plain[(2 * 4 + 2) * 4] - 0.2);
  });
});

describe('held-out split', () => {
  it('holds out whole blocks and keeps training frames away from them', () => {
    const frame = Int32Array.from({ length: 100 }, (_, i) => i);
    const video = new Uint16Array(100);
    const { train, validation } = splitRecords(video, frame, 1, {
      blockFrames: 10,
      every: 5,
      guardFrames: 3,
    });
    expect(Array.from(validation)).toEqual([...range(40, 50), ...range(90, 100)]);
    expect(train).not.toContain(38);
    expect(train).not.toContain(52);
    expect(train).toContain(36);
    expect(train.length + validation.length).toBe(100 - 6 - 3);
  });
  it('holds out whole videos when told', () => {
    const frame = Int32Array.from({ length: 20 }, (_, i) => i % 10);
    const video = Uint16Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1));
    const s = splitRecords(video, frame, 2, {
      blockFrames: 10,
      every: 5,
      guardFrames: 3,
      validationVideos: [1],
    });
    expect(Array.from(s.validation)).toEqual(range(10, 20));
    expect(Array.from(s.train)).toEqual(range(0, 10));
  });
});

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

describe('distilling on generated images', () => {
  const data = syntheticDataset(600, 32);
  const options: StudentTrainOptions = {
    ...DEFAULT_STUDENT_TRAIN_OPTIONS,
    steps: 240,
    batchSize: 32,
    learningRate: 2e-3,
    patchSize: 4,
    tokenDim: 16,
    channelHidden: 32,
    hidden: 64,
    evalEverySteps: 60,
    checkpointEverySteps: 60,
    backend: 'wasm',
  };

  it('lowers the loss and matches the teacher on held-out images far better than its mean does', async () => {
    const result = await trainStudent(data, options);
    const first = result.history[0].loss;
    const last = result.history.at(-1)!.loss;
    expect(last).toBeLessThan(first * 0.5);
    // The constant baseline: the mean teacher direction.
    const mean = new Float32Array(SYNTH_DIM);
    for (const r of data.train)
      for (let d = 0; d < SYNTH_DIM; d++) mean[d] += data.teacher[r * SYNTH_DIM + d];
    const norm = Math.hypot(...mean);
    let base = 0;
    for (const r of data.validation) {
      let dot = 0;
      for (let d = 0; d < SYNTH_DIM; d++) dot += (mean[d] / norm) * data.teacher[r * SYNTH_DIM + d];
      base += dot / data.validation.length;
    }
    expect(result.valCosine).toBeGreaterThan(0.8);
    expect(result.valCosine).toBeGreaterThan(base + 0.3);

    // The stored ONNX embeds like TF.js on the held-out images.
    const { onnx, maxAbsDiff } = await exportStudentOnnx(result.weights, {
      appearance: 'grey',
      mask: false,
      flowScale: 4,
      teacher: 'synthetic',
    });
    expect(maxAbsDiff).toBeLessThan(1e-4);
    const embedder = await StudentEmbedder.load(onnx);
    const records = evalRecords(data, 50);
    const per = 32 * 32 * 3;
    const frames: StudentFrames = {
      spec: data.spec,
      frames: Int32Array.from(records),
      bridged: new Uint8Array(records.length),
      data: Uint8Array.from(
        Array.from(records).flatMap((r) => Array.from(data.data.subarray(r * per, (r + 1) * per))),
      ),
    };
    const ort = await embedder.embedFrames(frames);
    await embedder.release();
    const model = new StudentModel(result.weights);
    const cosTf = meanCosine(model, data, records);
    model.dispose();
    let cosOrt = 0;
    records.forEach((r, i) => {
      for (let d = 0; d < SYNTH_DIM; d++)
        cosOrt += (ort[i * SYNTH_DIM + d] * data.teacher[r * SYNTH_DIM + d]) / records.length;
    });
    expect(cosOrt).toBeCloseTo(cosTf, 4);
  }, 60_000);

  it('resumes from its checkpoint and ends with the weights of an uninterrupted run', async () => {
    const o = { ...options, steps: 30, checkpointEverySteps: 10, evalEverySteps: 15 };
    const whole = await trainStudent(data, o);
    const cpDir = join(dir, 'resume');
    const controller = new AbortController();
    await expect(
      trainStudent(data, o, {
        checkpointDir: cpDir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'checkpoint' && p.step === 20) controller.abort();
        },
      }),
    ).rejects.toThrow(/Cancelled/);
    const resumed = await trainStudent(data, o, { checkpointDir: cpDir });
    expect(resumed.resumedFromStep).toBe(20);
    const a = whole.weights.tensors.find((t) => t.name === 'head/w')!.data;
    const b = resumed.weights.tensors.find((t) => t.name === 'head/w')!.data;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeLessThan(1e-5);
    await expect(trainStudent(data, { ...o, batchSize: 16 }, { checkpointDir: cpDir })).rejects.toThrow(
      /batchSize = 32, not 16/,
    );
  }, 60_000);
});
