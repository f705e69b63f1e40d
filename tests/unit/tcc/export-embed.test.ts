import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poseFeatures2d } from '../../../src/shared/alignment/features';
import { mapPose } from '../../../src/shared/skeletons';
import { buildTrack } from '../../../src/shared/pose';
import { initTrainingBackend } from '../../../src/main/training/tf-backend';
import { fillMissingRows, TccEmbedder } from '../../../src/main/training/tcc/embed';
import {
  readOnnxMetadata,
  tccInfoFromMetadata,
  tccToOnnx,
  verifyTccOnnx,
} from '../../../src/main/training/tcc/export-onnx';
import { featureStats, initTccWeights, TccModel, type TccConfig } from '../../../src/main/training/tcc/model';
import { DEFAULT_TCC_TRAIN_OPTIONS, exportTccOnnx, trainTcc } from '../../../src/main/training/tcc/train';
import { figureTrack, warp } from '../alignment/synthetic';
import { FEATURE_DIM, KINDS, trainingClips } from './synthetic';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kinema-tcc-onnx-'));
  await initTrainingBackend('wasm');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const info = { featureKinds: [...KINDS], skeleton: 'coco17', fps: 30 };
const clips = trainingClips(4);
const stats = featureStats(
  clips.map((c) => c.features),
  FEATURE_DIM,
);

describe('TCC encoder → ONNX', () => {
  const variants: [string, Partial<TccConfig>][] = [
    ['context ±2×3, L2-normalised', {}],
    ['context ±3×1, plain embeddings', { context: 3, contextStride: 1, normalize: false }],
    ['no context (per frame)', { context: 0 }],
  ];
  for (const [label, v] of variants) {
    it(`${label}: ORT gives TF.js's embeddings on random input (max abs diff < 1e-4)`, async () => {
      const cfg: TccConfig = {
        inputDim: FEATURE_DIM,
        hidden: 48,
        context: 2,
        contextStride: 3,
        embeddingDim: 24,
        normalize: true,
        ...v,
      };
      const weights = initTccWeights(cfg, 9, stats);
      const onnx = tccToOnnx(weights, info);
      // Shorter and longer than the context window (edge padding on both ends).
      for (const frames of [5, 97]) {
        const { maxAbsDiff } = await verifyTccOnnx(weights, onnx, frames, frames);
        expect(maxAbsDiff).toBeLessThan(1e-4);
      }
      const meta = tccInfoFromMetadata(readOnnxMetadata(onnx));
      expect(meta).toEqual({ ...info, inputDim: FEATURE_DIM, embeddingDim: cfg.embeddingDim });
    });
  }

  it('a trained encoder exports at the end of training, verified', async () => {
    const path = join(dir, 'trained.onnx');
    const r = await trainTcc(
      clips.map((c) => ({ name: c.name, features: c.features })),
      FEATURE_DIM,
      { ...DEFAULT_TCC_TRAIN_OPTIONS, steps: 20, hidden: 32, embeddingDim: 16, framesPerSequence: 16 },
      { exportPath: path, exportInfo: info },
    );
    expect(r.onnx?.path).toBe(path);
    expect(r.onnx!.maxAbsDiff).toBeLessThan(1e-4);
    const meta = readOnnxMetadata(readFileSync(path));
    expect(meta).toMatchObject({
      kind: 'tcc-encoder',
      loss: 'classification',
      steps: '20',
      clips: '4',
      skeleton: 'coco17',
    });
  });

  it('training without what the export needs is refused up front', async () => {
    await expect(
      trainTcc(
        clips.map((c) => ({ name: c.name, features: c.features })),
        FEATURE_DIM,
        { ...DEFAULT_TCC_TRAIN_OPTIONS, steps: 1 },
        { exportPath: join(dir, 'x.onnx') },
      ),
    ).rejects.toThrow(/exportInfo/);
  });
});

describe('embedding a pose track with the ONNX encoder', () => {
  it('gives one row per frame, NaN where the person is absent, and the TF.js embeddings elsewhere', async () => {
    const cfg: TccConfig = {
      inputDim: FEATURE_DIM,
      hidden: 32,
      context: 2,
      contextStride: 2,
      embeddingDim: 16,
      normalize: true,
    };
    const weights = initTccWeights(cfg, 4, stats);
    const path = join(dir, 'embed.onnx');
    await exportTccOnnx(weights, info, path);
    const embedder = await TccEmbedder.load(path);
    try {
      // Frames 10…59 with 30…34 missing (the person was not detected there).
      const frames = Array.from({ length: 50 }, (_, i) => 10 + i).filter((f) => f < 30 || f > 34);
      const track = figureTrack(
        frames.map((f) => warp((f - 10) / 49)),
        { yaw: 0.2, noise: 1 },
        frames,
      );
      const e = await embedder.embedTrack(track);
      expect(e.dim).toBe(16);
      expect(Array.from(e.frames)).toEqual(Array.from({ length: 50 }, (_, i) => 10 + i));
      for (let r = 0; r < 50; r++) {
        const row = Array.from(e.values.subarray(r * 16, (r + 1) * 16));
        const absent = r + 10 >= 30 && r + 10 <= 34;
        expect(row.every(Number.isNaN)).toBe(absent);
        if (!absent) expect(Math.hypot(...row)).toBeCloseTo(1, 4); // L2-normalised
      }
      // Same as TF.js on the gap-filled features.
      const feats = poseFeatures2d(track, { kinds: KINDS });
      const model = new TccModel(weights);
      const reference = model.embed(fillMissingRows(feats.values, feats.dim).filled);
      model.dispose();
      let worst = 0;
      for (let i = 0; i < reference.length; i++)
        if (Number.isFinite(e.values[i])) worst = Math.max(worst, Math.abs(e.values[i] - reference[i]));
      expect(worst).toBeLessThan(1e-4);

      // A range, and a track of another skeleton mapped to the model's.
      const part = await embedder.embedTrack(track, 40, 50);
      expect(Array.from(part.frames)).toEqual(Array.from({ length: 10 }, (_, i) => 40 + i));
      expect(part.values.length).toBe(10 * 16);
      expect(part.values.every(Number.isFinite)).toBe(true);
      const feet = buildTrack(
        0,
        'coco17-feet',
        Array.from(track.frames, (f, i) => ({
          frame: f,
          keypoints: mapPose(track.keypoints.subarray(i * 51, (i + 1) * 51), 'coco17', 'coco17-feet'),
          box: [0, 0, 1, 1],
          score: 0.9,
        })),
      );
      const mapped = await embedder.embedTrack(feet);
      expect(mapped.values).toEqual(e.values);
    } finally {
      await embedder.release();
    }
  });

  it('refuses what it cannot embed, with a reason', async () => {
    await expect(TccEmbedder.load(join(dir, 'missing.onnx'))).rejects.toThrow(/Cannot read the TCC model/);
    const lifterLike = tccToOnnx(
      initTccWeights(
        { inputDim: 4, hidden: 4, context: 0, contextStride: 1, embeddingDim: 2, normalize: true },
        1,
      ),
      info,
    );
    // Metadata says 4 features; coco17 keypoints+bones+angles give 66.
    const embedder = await TccEmbedder.load(lifterLike);
    try {
      await expect(embedder.embedTrack(figureTrack([0, 0.5, 1]))).rejects.toThrow(
        /takes 4 features per frame/,
      );
      await expect(embedder.embedTrack(figureTrack([0, 0.5, 1]), 100, 200)).rejects.toThrow(
        /no pose in the range/,
      );
    } finally {
      await embedder.release();
    }
    const h36m = buildTrack(0, 'h36m17', [
      { frame: 0, keypoints: new Float32Array(51), box: [0, 0, 1, 1], score: 1 },
    ]);
    const ok = await TccEmbedder.load(
      tccToOnnx(
        initTccWeights(
          {
            inputDim: FEATURE_DIM,
            hidden: 4,
            context: 0,
            contextStride: 1,
            embeddingDim: 2,
            normalize: true,
          },
          1,
        ),
        info,
      ),
    );
    try {
      await expect(ok.embedTrack(h36m)).rejects.toThrow(/trained on COCO|cannot be converted/);
    } finally {
      await ok.release();
    }
  });
});
