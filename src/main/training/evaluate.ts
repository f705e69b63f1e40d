/**
 * Lifting whole sequences with a TF.js lifter (the dilated inference form) and scoring them on
 * validation views: MPJPE, P-MPJPE, N-MPJPE and velocity error, overall, per joint and per
 * category (metrics.ts). Test-time flip augmentation averages the prediction of the input and of
 * its mirror image (mirrored back), as VideoPose3D does.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_SAMPLE_OPTIONS,
  renderView,
  type LiftingSequence,
  type RenderedView,
  type SampleOptions,
} from '../../shared/lifting/dataset';
import { flipPoses } from '../../shared/lifting/flip';
import { LiftingMetrics, type MetricsSummary } from '../../shared/lifting/metrics';
import type { DetectorNoiseOptions } from '../../shared/lifting/noise';
import type { InputNormalization } from '../../shared/lifting/normalize';
import { paddedLifterInput } from '../../shared/lifting/prepare';
import type { LifterModel } from './lifter-model';

/**
 * Lifts one sequence of screen-normalised 2D poses (frames × joints × 2, not padded) to
 * root-relative 3D (frames × joints × 3, camera space, metres) as the app's Lifter does (lift.ts):
 * pads by edge replication, applies the model's input normalisation, runs the dilated form,
 * averages with the flipped input's prediction when `flip`, and sets the root to 0.
 */
export function liftSequence(
  model: LifterModel,
  screen: Float32Array,
  normalization: InputNormalization,
  flip = true,
): Float32Array {
  const J = model.config.joints;
  const T = screen.length / (J * 2);
  if (!Number.isInteger(T) || T < 1)
    throw new Error(`liftSequence: ${screen.length} numbers is not frames × ${J} × 2`);
  const padded = paddedLifterInput(screen, J, model.receptiveField, normalization);
  const batch = flip ? [padded, flipPoses(padded, J, 2)] : [padded];
  const data = new Float32Array(batch.length * padded.length);
  batch.forEach((b, i) => data.set(b, i * padded.length));
  const out = tf.tidy(() => {
    const x = tf.tensor3d(data, [batch.length, padded.length / (J * 2), J * 2]);
    return model.dilated(x).dataSync() as Float32Array;
  });
  const pred = out.slice(0, T * J * 3);
  if (flip) {
    const back = flipPoses(out.slice(T * J * 3), J, 3);
    for (let i = 0; i < pred.length; i++) pred[i] = (pred[i] + back[i]) / 2;
  }
  for (let t = 0; t < T; t++) {
    const r = t * J * 3;
    const rx = pred[r];
    const ry = pred[r + 1];
    const rz = pred[r + 2];
    for (let j = 0; j < J; j++) {
      pred[r + j * 3] -= rx;
      pred[r + j * 3 + 1] -= ry;
      pred[r + j * 3 + 2] -= rz;
    }
  }
  return pred;
}

export interface EvaluateOptions {
  /** Camera views per sequence (each a fixed random camera seeded by `seed`). */
  views: number;
  seed: number;
  /** Detector noise on the 2D input, or null for exact projections. */
  noise: DetectorNoiseOptions | null;
  /** Camera and 2D options (as in training). */
  sample?: Omit<SampleOptions, 'receptiveField' | 'noiseProbability' | 'flipProbability'>;
  /** Test-time flip augmentation (default true). */
  flip?: boolean;
  /** Checked between sequences. */
  signal?: AbortSignal;
}

/** Scores a model on whole sequences; groups are the sequences' categories. */
export function evaluateLifter(
  model: LifterModel,
  sequences: readonly LiftingSequence[],
  options: EvaluateOptions,
): MetricsSummary {
  if (sequences.length === 0) throw new Error('evaluateLifter: no validation sequences');
  const metrics = new LiftingMetrics(model.config.joints);
  for (const seq of sequences) {
    for (let v = 0; v < options.views; v++) {
      if (options.signal?.aborted) throw abortError();
      const sample = options.sample ?? DEFAULT_SAMPLE_OPTIONS;
      const view = renderView(seq, v, options.seed, sample, options.noise);
      const pred = liftSequence(model, view.screen, sample.inputNormalization, options.flip ?? true);
      metrics.add(pred, view.target, [seq.category]);
    }
  }
  return metrics.summary();
}

export function abortError(): Error {
  const err = new Error('Cancelled');
  err.name = 'AbortError';
  return err;
}

/**
 * Scores any lifter on whole sequences, like evaluateLifter: `lift` gets each rendered view (its
 * 2D in screen-normalised and model-normalised form, and the camera) and returns frames × joints
 * × 3 root-relative camera-space metres. Used to score exported ONNX lifters through the same code
 * that lifts users' tracks (eval-lifter).
 */
export async function evaluateViews(
  lift: (view: RenderedView) => Promise<Float32Array>,
  sequences: readonly LiftingSequence[],
  options: Omit<EvaluateOptions, 'flip'>,
  joints = 17,
): Promise<MetricsSummary> {
  if (sequences.length === 0) throw new Error('evaluateViews: no sequences');
  const metrics = new LiftingMetrics(joints);
  for (const seq of sequences) {
    for (let v = 0; v < options.views; v++) {
      if (options.signal?.aborted) throw abortError();
      const view = renderView(seq, v, options.seed, options.sample ?? DEFAULT_SAMPLE_OPTIONS, options.noise);
      metrics.add(await lift(view), view.target, [seq.category]);
    }
  }
  return metrics.summary();
}
