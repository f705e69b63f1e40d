/**
 * VIPE* pieces: the view loss's written gradient matches numeric differentiation and ignores
 * masked negatives; canonical poses do not change with position, heading or size (so "same pose"
 * means the same body configuration); a short training run on synthetic takes lowers the loss and
 * exports an ONNX model that onnxruntime runs like TF.js.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TccEmbedder } from '../../../src/main/training/tcc/embed';
import { viewContrastiveLoss } from '../../../src/main/training/vipe/loss';
import {
  canonicalPose,
  poseDistance,
  trainVipe,
  viewFeatures,
  type VipeTake,
} from '../../../src/main/training/vipe/train';
import { nativeModelsDir } from '../../../src/main/paths';
import { lookAtCamera, type Vec3 } from '../../../src/shared/lifting/cameras';
import { Rng } from '../../../src/shared/lifting/rng';

const dir = mkdtempSync(join(tmpdir(), 'vipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unitRows(rng: Rng, rows: number, dim: number): Float32Array {
  const x = Float32Array.from({ length: rows * dim }, () => rng.normal());
  for (let r = 0; r < rows; r++) {
    const n = Math.hypot(...x.subarray(r * dim, (r + 1) * dim));
    for (let d = 0; d < dim; d++) x[r * dim + d] /= n;
  }
  return x;
}

describe('VIPE* view loss', () => {
  it('has the gradient of its value, and masked pairs do not count', () => {
    const rng = new Rng(3);
    const B = 5;
    const E = 4;
    const a = unitRows(rng, B, E);
    const p = unitRows(rng, B, E);
    const valid = Uint8Array.from({ length: B * B }, (_, k) => (k === 1 || k === 5 ? 0 : 1)); // pair 0-1 masked
    const r = viewContrastiveLoss(a, p, B, E, valid, 0.2);
    const h = 1e-3;
    for (const [which, grad] of [
      [a, r.gradAnchors],
      [p, r.gradPositives],
    ] as const) {
      for (const k of [0, 3, 7, 13, 19]) {
        const x = which[k];
        which[k] = x + h;
        const up = viewContrastiveLoss(a, p, B, E, valid, 0.2).loss;
        which[k] = x - h;
        const down = viewContrastiveLoss(a, p, B, E, valid, 0.2).loss;
        which[k] = x;
        expect(grad[k]).toBeCloseTo((up - down) / (2 * h), 3);
      }
    }
    // Making the masked negative identical to anchor 0 changes nothing.
    const p2 = p.slice();
    p2.set(a.subarray(0, E), E);
    const withMask = viewContrastiveLoss(a, p2, B, E, valid, 0.2).loss;
    const withoutMask = viewContrastiveLoss(a, p2, B, E, new Uint8Array(B * B).fill(1), 0.2).loss;
    expect(withoutMask).toBeGreaterThan(withMask);
  });

  it('calls a pose the same after moving, turning and scaling it, and not after bending a knee', () => {
    const rng = new Rng(5);
    const pose = Float32Array.from({ length: 51 }, () => rng.uniform(-0.5, 0.5));
    // Hips and shoulders where a body has them (z up), so the torso is well defined.
    pose.set([0.1, 0, 1, -0.1, 0, 1], 33);
    pose.set([0.2, 0, 1.5, -0.2, 0, 1.5], 15);
    const turned = new Float32Array(51);
    const c = Math.cos(1.1);
    const s = Math.sin(1.1);
    for (let j = 0; j < 17; j++) {
      const [x, y, z] = [pose[j * 3], pose[j * 3 + 1], pose[j * 3 + 2]];
      turned.set([1.7 * (c * x - s * y) + 3, 1.7 * (s * x + c * y) - 2, 1.7 * z + 0.5], j * 3);
    }
    expect(poseDistance(canonicalPose(pose, 0), canonicalPose(turned, 0))).toBeLessThan(1e-5);
    const bent = pose.slice();
    bent[13 * 3] += 0.3; // left knee
    expect(poseDistance(canonicalPose(pose, 0), canonicalPose(bent, 0))).toBeGreaterThan(0.01);
  });
});

/** A synthetic take: a stick figure swinging its limbs (COCO-17, metres, z up). */
function syntheticTake(name: string, frames: number, phase: number): VipeTake {
  const pos = new Float32Array(frames * 51);
  const base: [number, number, number][] = [
    [0, 0, 1.7],
    [0.03, 0, 1.73],
    [-0.03, 0, 1.73],
    [0.07, 0, 1.7],
    [-0.07, 0, 1.7],
    [0.2, 0, 1.45],
    [-0.2, 0, 1.45],
    [0.25, 0, 1.15],
    [-0.25, 0, 1.15],
    [0.27, 0, 0.9],
    [-0.27, 0, 0.9],
    [0.1, 0, 0.95],
    [-0.1, 0, 0.95],
    [0.1, 0, 0.5],
    [-0.1, 0, 0.5],
    [0.1, 0, 0.05],
    [-0.1, 0, 0.05],
  ];
  for (let f = 0; f < frames; f++) {
    const t = (2 * Math.PI * f) / 30 + phase;
    base.forEach(([x, y, z], j) => {
      const swing = [7, 9, 13, 15].includes(j)
        ? 0.25 * Math.sin(t)
        : [8, 10, 14, 16].includes(j)
          ? -0.25 * Math.sin(t)
          : 0;
      pos.set([x, y + swing, z], (f * 17 + j) * 3);
    });
  }
  return { name, frames, pos };
}

describe('VIPE* training', () => {
  it('lowers the loss on synthetic takes and exports an ONNX model that embeds tracks', async () => {
    const takes = [syntheticTake('a', 90, 0), syntheticTake('b', 90, 1.3)];
    const path = join(dir, 'vipe.onnx');
    const r = await trainVipe(
      takes,
      {
        steps: 80,
        windows: 8,
        windowFrames: 16,
        perWindow: 4,
        temperature: 0.1,
        learningRate: 2e-3,
        hidden: 32,
        embeddingDim: 8,
        samePose: 0.05,
        seed: 2,
        checkpointEverySteps: 1000,
      },
      { exportPath: path, progressEverySteps: 20 },
    );
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0].loss);
    expect(r.onnx!.maxAbsDiff).toBeLessThan(1e-4);
    const e = await TccEmbedder.load(path);
    expect(e.info.featureKinds).toEqual(['keypoints']);
    expect(e.info.embeddingDim).toBe(8);
    await e.release();
  }, 60_000);
});

describe('shipped VIPE*', () => {
  it('matches its manifest entry and puts two views of a pose nearer than another pose', async () => {
    const path = join(nativeModelsDir(), 'vipe.onnx');
    const bytes = readFileSync(path);
    const manifest = JSON.parse(readFileSync(join(nativeModelsDir(), 'manifest.json'), 'utf8')) as {
      embedders: { id: string; sha256: string }[];
    };
    expect(manifest.embedders.find((e) => e.id === 'vipe')?.sha256).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
    const take = syntheticTake('s', 30, 0);
    const cam = (az: number) => {
      const a = (az * Math.PI) / 180;
      const at: Vec3 = [0, 0, 1];
      return lookAtCamera([5 * Math.cos(a), 5 * Math.sin(a), 1.5], at, {
        width: 1920,
        height: 1080,
        fx: 1400,
      });
    };
    const e = await TccEmbedder.load(path);
    const a = await e.embedFeatures(viewFeatures(take.pos, take.frames, cam(30), 1));
    const b = await e.embedFeatures(viewFeatures(take.pos, take.frames, cam(75), 2));
    await e.release();
    const E = e.info.embeddingDim;
    const d = (x: Float32Array, i: number, y: Float32Array, j: number) =>
      Math.hypot(...Array.from({ length: E }, (_, k) => x[i * E + k] - y[j * E + k]));
    // The same frame from cameras 45° apart, against the same camera half a swing later (limbs
    // forward vs back), averaged over the take.
    let sameFrame = 0;
    let otherPose = 0;
    for (let f = 0; f < 15; f++) {
      sameFrame += d(a, f, b, f) / 15;
      otherPose += d(a, f, a, f + 15) / 15;
    }
    expect(sameFrame).toBeLessThan(otherPose);
  });
});
