/**
 * VIPE* (issue 8): a view-invariant pose embedding trained on 3D motion capture. Each training
 * sample is one mocap frame seen by two random virtual cameras, each with detector-like 2D noise;
 * the encoder maps both 2D views to nearby points on the unit sphere and other poses apart
 * (loss.ts). Input: the normalised COCO-17 keypoints of poseFeatures2d (root mid-hip, scale the
 * track's median torso) — the same features the app computes from any pose track, so the model is
 * applied through the TCC embedder (tcc/embed.ts reads the feature kinds from the ONNX metadata).
 *
 * The network is the TCC encoder's architecture with no temporal context (tcc/model.ts with
 * context 0: per-frame MLP D → H → H → H → E, L2-normalised), so its hand-written backward pass,
 * checkpoints and ONNX export are shared; only the data and the objective differ.
 * The temporal (motion) variant (`context` > 0) gives each embedding the same view's neighbouring
 * frames through the encoder's context layer; the objective is unchanged.
 *
 * A step draws `windows` random windows of `windowFrames` frames from the takes; each window is
 * projected by two independent static cameras (random azimuth all round, elevation, distance,
 * focal length) and noised, its features computed as a track (as the app does), and `perWindow`
 * frames of it become anchor/positive pairs. Pairs of different samples whose 3D poses are closer
 * than `sameposeM` (mean joint distance after removing position, heading and size — a
 * yaw-aligned, torso-normalised MPJPE) are not used as negatives.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KinemaError } from '../../../shared/errors';
import { poseFeatures2d } from '../../../shared/alignment/features';
import type { PinholeCamera } from '../../../shared/lifting/cameras';
import { meanHip, noisyCocoTrack, randomOrbitCamera } from '../../../shared/lifting/virtual-views';
import { deriveSeed, Rng } from '../../../shared/lifting/rng';
import { abortError } from '../evaluate';
import { initTrainingBackend, type BackendChoice } from '../tf-backend';
import { Adam } from '../train-lifter';
import { hasTccCheckpoint, loadTccCheckpoint, saveTccCheckpoint } from '../tcc/checkpoint';
import { initTccWeights, TccModel, type TccConfig, type TccWeights } from '../tcc/model';
import { exportTccOnnx } from '../tcc/train';
import { viewContrastiveLoss } from './loss';

const K = 17;
const L_HIP = 11;
const R_HIP = 12;
const L_SHOULDER = 5;
const R_SHOULDER = 6;

/** A mocap take as COCO-17 world positions (frames × 17 × 3, metres, z up). */
export interface VipeTake {
  name: string;
  frames: number;
  pos: Float32Array;
}

export interface VipeTrainOptions {
  steps: number;
  windows: number;
  windowFrames: number;
  perWindow: number;
  temperature: number;
  learningRate: number;
  hidden: number;
  embeddingDim: number;
  /** Poses closer than this (torso lengths, see the module comment) are not negatives. */
  samePose: number;
  seed: number;
  checkpointEverySteps: number;
  /**
   * The temporal (motion) variant: frames of context on each side (k) and between them (s), so each
   * embedding sees 2·k·s + 1 frames of the same view (tcc/model.ts). 0 = one frame (the default).
   */
  context?: number;
  contextStride?: number;
}

export const DEFAULT_VIPE_OPTIONS: VipeTrainOptions = {
  steps: 3000,
  windows: 24,
  windowFrames: 24,
  perWindow: 8,
  temperature: 0.1,
  learningRate: 1e-3,
  hidden: 256,
  embeddingDim: 32,
  samePose: 0.1,
  seed: 1,
  checkpointEverySteps: 500,
  context: 0,
  contextStride: 1,
};

/** The input features (poseFeatures2d kinds) and their size for COCO-17. */
export const VIPE_FEATURE_KINDS = ['keypoints'] as const;
export const VIPE_INPUT_DIM = K * 2;

export interface VipeProgress {
  step: number;
  totalSteps: number;
  loss: number;
  top1: number;
  stepsPerSecond: number;
}

export interface VipeTrainControl {
  signal?: AbortSignal;
  checkpointDir?: string;
  onProgress?: (p: VipeProgress) => void;
  progressEverySteps?: number;
  /** Writes the ONNX model here at the end (checked against TF.js). */
  exportPath?: string;
}

export interface VipeTrainResult {
  weights: TccWeights;
  steps: number;
  backend: BackendChoice;
  trainSeconds: number;
  history: { step: number; loss: number; top1: number }[];
  onnx: { path: string; maxAbsDiff: number } | null;
}

/** Features (frames × 34) of a window of world poses seen by `cam`, with detector-like noise. */
export function viewFeatures(
  pos: Float32Array,
  frames: number,
  cam: PinholeCamera,
  noiseSeed: number,
): Float32Array {
  return poseFeatures2d(noisyCocoTrack(pos, frames, cam, noiseSeed), { kinds: [...VIPE_FEATURE_KINDS] })
    .values;
}

/**
 * A 3D pose with position, heading (rotation about the vertical) and size removed: root at the
 * mid-hip, hips along x, divided by the torso length. Distances between such poses say whether two
 * mocap frames show the same pose.
 */
export function canonicalPose(pos: ArrayLike<number>, at: number): Float32Array {
  const p = (j: number, c: number) => pos[at + j * 3 + c];
  const root = [0, 1, 2].map((c) => (p(L_HIP, c) + p(R_HIP, c)) / 2);
  const top = [0, 1, 2].map((c) => (p(L_SHOULDER, c) + p(R_SHOULDER, c)) / 2);
  const torso = Math.hypot(top[0] - root[0], top[1] - root[1], top[2] - root[2]) || 1;
  let hx = p(L_HIP, 0) - p(R_HIP, 0);
  let hy = p(L_HIP, 1) - p(R_HIP, 1);
  const n = Math.hypot(hx, hy) || 1;
  hx /= n;
  hy /= n;
  const out = new Float32Array(K * 3);
  for (let j = 0; j < K; j++) {
    const x = p(j, 0) - root[0];
    const y = p(j, 1) - root[1];
    out[j * 3] = (x * hx + y * hy) / torso;
    out[j * 3 + 1] = (-x * hy + y * hx) / torso;
    out[j * 3 + 2] = (p(j, 2) - root[2]) / torso;
  }
  return out;
}

/** Mean joint distance of two canonical poses (torso lengths). */
export function poseDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < K; j++)
    s += Math.hypot(a[j * 3] - b[j * 3], a[j * 3 + 1] - b[j * 3 + 1], a[j * 3 + 2] - b[j * 3 + 2]);
  return s / K;
}

export interface Batch {
  /** size × C × D features of the first view (C = 1, or the temporal variant's context frames). */
  anchors: Float32Array;
  /** The same mocap frames seen by the second view. */
  positives: Float32Array;
  /** size × size: 1 where sample j may be a negative of sample i (3D poses at least samePose apart). */
  valid: Uint8Array;
  size: number;
  /** The mocap frame of each sample (take index, frame) and its canonical 3D pose. */
  sources: { take: number; frame: number }[];
  poses: Float32Array[];
}

/** Frames of input each training sample carries: 1, or the temporal variant's context frames. */
function sampleFrames(o: VipeTrainOptions): number {
  return 2 * (o.context ?? 0) + 1;
}

export function sampleBatch(takes: readonly VipeTake[], o: VipeTrainOptions, step: number): Batch {
  const rng = new Rng(deriveSeed(o.seed, 0x717e, step + 1));
  const D = VIPE_INPUT_DIM;
  const B = o.windows * o.perWindow;
  const C = sampleFrames(o);
  const k = o.context ?? 0;
  const s = o.contextStride ?? 1;
  const anchors = new Float32Array(B * C * D);
  const positives = new Float32Array(B * C * D);
  const poses: Float32Array[] = [];
  const sources: Batch['sources'] = [];
  let b = 0;
  for (let w = 0; w < o.windows; w++) {
    // A window whose every frame lost a hip or shoulder to the noise has no features: draw again.
    let drawn: {
      pos: Float32Array;
      W: number;
      fa: Float32Array;
      fb: Float32Array;
      source: { take: number; start: number };
    } | null = null;
    for (let attempt = 0; !drawn; attempt++) {
      const takeIndex = rng.int(takes.length);
      const take = takes[takeIndex];
      const W = Math.min(o.windowFrames, take.frames);
      const start = rng.int(take.frames - W + 1);
      const pos = take.pos.subarray(start * K * 3, (start + W) * K * 3);
      const centre = meanHip(pos, W);
      try {
        const fa = viewFeatures(pos, W, randomOrbitCamera(rng, centre), rng.int(2 ** 31));
        const fb = viewFeatures(pos, W, randomOrbitCamera(rng, centre), rng.int(2 ** 31));
        drawn = { pos, W, fa, fb, source: { take: takeIndex, start } };
      } catch (err) {
        if (attempt >= 20) throw err;
      }
    }
    const { pos, W, fa, fb, source } = drawn;
    for (let n = 0; n < o.perWindow; n++) {
      const f = rng.int(W);
      // The frame and its context (clamped to the window, as the embedder clamps to the track).
      for (let c = 0; c < C; c++) {
        const t = Math.min(W - 1, Math.max(0, f + (c - k) * s));
        anchors.set(fa.subarray(t * D, (t + 1) * D), (b * C + c) * D);
        positives.set(fb.subarray(t * D, (t + 1) * D), (b * C + c) * D);
      }
      poses.push(canonicalPose(pos, f * K * 3));
      sources.push({ take: source.take, frame: source.start + f });
      b++;
    }
  }
  const valid = new Uint8Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = i + 1; j < B; j++) {
      const v = poseDistance(poses[i], poses[j]) >= o.samePose ? 1 : 0;
      valid[i * B + j] = v;
      valid[j * B + i] = v;
    }
  return { anchors, positives, valid, size: B, sources, poses };
}

export async function trainVipe(
  takes: readonly VipeTake[],
  options: VipeTrainOptions = DEFAULT_VIPE_OPTIONS,
  control: VipeTrainControl = {},
): Promise<VipeTrainResult> {
  const o = options;
  if (takes.length === 0) throw new KinemaError('NO_DATA', 'VIPE* needs mocap takes to train on.');
  const tooShort = takes.find((t) => t.frames < 2);
  if (tooShort) throw new KinemaError('NO_DATA', `Take ${tooShort.name} has fewer than 2 frames.`);
  const backend = await initTrainingBackend();
  const config: TccConfig = {
    inputDim: VIPE_INPUT_DIM,
    hidden: o.hidden,
    context: o.context ?? 0,
    contextStride: o.contextStride ?? 1,
    embeddingDim: o.embeddingDim,
    normalize: true,
  };
  const resumed =
    control.checkpointDir && hasTccCheckpoint(control.checkpointDir)
      ? loadTccCheckpoint(control.checkpointDir)
      : null;
  // Input statistics from one batch's features (both views).
  const first = sampleBatch(takes, o, -1);
  const all = new Float32Array([...first.anchors, ...first.positives]);
  const mean = new Float32Array(VIPE_INPUT_DIM);
  const std = new Float32Array(VIPE_INPUT_DIM);
  const rows = all.length / VIPE_INPUT_DIM;
  for (let r = 0; r < rows; r++)
    for (let d = 0; d < VIPE_INPUT_DIM; d++) mean[d] += all[r * VIPE_INPUT_DIM + d] / rows;
  for (let r = 0; r < rows; r++)
    for (let d = 0; d < VIPE_INPUT_DIM; d++) std[d] += (all[r * VIPE_INPUT_DIM + d] - mean[d]) ** 2 / rows;
  for (let d = 0; d < VIPE_INPUT_DIM; d++) std[d] = Math.sqrt(std[d]) || 1;
  const model = new TccModel(
    resumed?.weights ?? initTccWeights(config, deriveSeed(o.seed, 0x71be), { mean, std }),
  );
  const adam = new Adam(model.params, false);
  const history: VipeTrainResult['history'] = resumed
    ? resumed.state.history.map((h) => ({ step: h.step, loss: h.loss, top1: h.cycleAccuracy }))
    : [];
  let step = resumed?.state.step ?? 0;
  let trainSeconds = resumed?.state.trainSeconds ?? 0;
  try {
    if (resumed) adam.load(resumed.optimizer);
    const checkpoint = () => {
      if (!control.checkpointDir) return;
      saveTccCheckpoint(control.checkpointDir, {
        // The TCC checkpoint's cycleAccuracy field carries VIPE*'s in-batch top-1 accuracy.
        state: {
          step,
          options: o as unknown as Record<string, unknown>,
          history: history.map((h) => ({ step: h.step, loss: h.loss, cycleAccuracy: h.top1 })),
          trainSeconds,
        },
        weights: model.getWeights(),
        optimizer: adam.state(),
      });
    };
    const every = control.progressEverySteps ?? 50;
    let sumLoss = 0;
    let sumTop1 = 0;
    let n = 0;
    let ms = 0;
    while (step < o.steps) {
      if (control.signal?.aborted) {
        checkpoint();
        throw abortError();
      }
      const t0 = performance.now();
      const batch = sampleBatch(takes, o, step);
      const B = batch.size;
      const E = o.embeddingDim;
      // Cosine decay to 10 % of the learning rate.
      const lr = o.learningRate * (0.1 + 0.45 * (1 + Math.cos((Math.PI * step) / o.steps)));
      let loss = NaN;
      let top1 = NaN;
      tf.tidy(() => {
        const x = tf.tensor3d(new Float32Array([...batch.anchors, ...batch.positives]), [
          2 * B,
          sampleFrames(o),
          VIPE_INPUT_DIM,
        ]);
        const { out, cache } = model.forwardTrain(x);
        const y = out.dataSync() as Float32Array;
        const r = viewContrastiveLoss(
          y.subarray(0, B * E),
          y.subarray(B * E),
          B,
          E,
          batch.valid,
          o.temperature,
        );
        if (!Number.isFinite(r.loss))
          throw new KinemaError(
            'TRAINING_DIVERGED',
            `VIPE* training diverged at step ${step}; lower the learning rate.`,
          );
        const grad = new Float32Array(2 * B * E);
        grad.set(r.gradAnchors, 0);
        grad.set(r.gradPositives, B * E);
        adam.apply(model.params, model.backward(cache, tf.tensor2d(grad, [2 * B, E])), lr);
        loss = r.loss;
        top1 = r.top1;
      });
      const dt = performance.now() - t0;
      trainSeconds += dt / 1000;
      ms += dt;
      step++;
      sumLoss += loss;
      sumTop1 += top1;
      n++;
      if (n >= every || step === o.steps) {
        history.push({ step, loss: sumLoss / n, top1: sumTop1 / n });
        control.onProgress?.({
          step,
          totalSteps: o.steps,
          loss: sumLoss / n,
          top1: sumTop1 / n,
          stepsPerSecond: (n * 1000) / ms,
        });
        sumLoss = sumTop1 = n = ms = 0;
      }
      if (step % o.checkpointEverySteps === 0) checkpoint();
      await new Promise<void>((r) => setImmediate(r));
    }
    checkpoint();
    const weights = model.getWeights();
    const onnx = control.exportPath
      ? await exportTccOnnx(
          weights,
          { featureKinds: [...VIPE_FEATURE_KINDS], skeleton: 'coco17', fps: 30 },
          control.exportPath,
          {
            family: 'vipe',
            steps: String(step),
            samePose: String(o.samePose),
            temperature: String(o.temperature),
          },
        )
      : null;
    return { weights, steps: step, backend, trainSeconds, history, onnx };
  } finally {
    adam.dispose();
    model.dispose();
  }
}
