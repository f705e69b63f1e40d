/**
 * 2D noise that resembles a pose detector's, added to projected ground-truth keypoints so a lifter
 * trained on mocap copes with real detections.
 *
 * What a detector gets wrong, and how each is modelled (all per sequence, from one seed):
 *   - jitter: per joint and frame, a Gaussian of standard deviation `jitter · κ_j · s_t` pixels,
 *     where s_t is the person's scale in frame t (square root of the area of the box around the
 *     clean keypoints) and κ_j the joint's COCO keypoint constant (the per-keypoint spread of
 *     human annotators that COCO's OKS uses: small for eyes, large for hips). `biasFraction` of the
 *     variance is slowly varying (a first-order autoregressive process with per-frame correlation
 *     `biasCorrelation`), the rest white: detectors are both jittery and consistently off.
 *   - dropped joints: a joint goes missing for a burst of frames (start probability `dropRate`
 *     per joint and frame, mean length `dropMeanFrames`): its score becomes 0 and its coordinates
 *     are, by `dropped`, either kept with a large error (`'keep'`, the default: detectors still
 *     output a guess, displaced by up to a third of the person's scale) or set to 0, 0 (`'zero'`, as
 *     formats that write missing points as zeros). The lifter's input preparation
 *     (prepare.ts) treats a score below its threshold as missing either way and interpolates.
 *   - left/right swaps: a limb pair (knees + ankles, or elbows + wrists, or every pair) trades
 *     sides for a burst of frames (start probability `swapRate` per frame, mean length
 *     `swapMeanFrames`); scores stay high, as a detector's do when it confuses the legs.
 *   - outliers: a joint jumps by 10-40 % of the person's scale for 1-3 frames with a normal score
 *     (start probability `outlierRate` per joint and frame).
 * Scores of undisturbed joints are drawn in [0.6, 1).
 */
import { Rng } from './rng';

/** COCO's per-keypoint OKS constants κ (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles). */
export const COCO17_KAPPA: readonly number[] = [
  0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087,
  0.089, 0.089,
];

/** Left/right limb groups of COCO-17 that detectors confuse: [left joints, right joints]. */
export const COCO17_SWAP_GROUPS: readonly (readonly [readonly number[], readonly number[]])[] = [
  // legs: knees and ankles
  [
    [13, 15],
    [14, 16],
  ],
  // arms: elbows and wrists
  [
    [7, 9],
    [8, 10],
  ],
  // everything (a back view read as a front view)
  [
    [1, 3, 5, 7, 9, 11, 13, 15],
    [2, 4, 6, 8, 10, 12, 14, 16],
  ],
];

export interface DetectorNoiseOptions {
  /** Scale of the jitter in units of the joint's κ (0 = none; 1 ≈ OKS 0.6 per joint). */
  jitter: number;
  /** Share of the jitter's variance that is slowly varying (0-1). */
  biasFraction: number;
  /** Per-frame correlation of the slowly varying part (0-1). */
  biasCorrelation: number;
  /** Probability per joint and frame that a dropped burst starts. */
  dropRate: number;
  dropMeanFrames: number;
  /** What coordinates a dropped joint keeps: 'keep' (a displaced guess) or 'zero' (0, 0). */
  dropped: 'keep' | 'zero';
  /** Probability per frame that a left/right swap burst starts. */
  swapRate: number;
  swapMeanFrames: number;
  /** Probability per joint and frame of a short outlier. */
  outlierRate: number;
}

/** A detector of middling quality (the setting used for "detector-like noise" figures). */
export const DEFAULT_NOISE: DetectorNoiseOptions = {
  jitter: 0.5,
  biasFraction: 0.5,
  biasCorrelation: 0.9,
  dropRate: 0.004,
  dropMeanFrames: 6,
  dropped: 'keep',
  swapRate: 0.003,
  swapMeanFrames: 5,
  outlierRate: 0.002,
};

export interface NoisyKeypoints {
  /** frames × joints × 2, pixels. */
  readonly pointsPx: Float32Array;
  /** frames × joints, 0 for dropped joints. */
  readonly scores: Float32Array;
  /** What was done, for tests and reports. */
  readonly counts: { dropped: number; swappedFrames: number; outliers: number };
}

export interface NoiseLayout {
  /** Per joint κ (standard deviation per unit person scale at jitter 1). */
  readonly kappa: readonly number[];
  /** Limb groups that may swap sides. */
  readonly swapGroups: readonly (readonly [readonly number[], readonly number[]])[];
}

export const COCO17_NOISE_LAYOUT: NoiseLayout = { kappa: COCO17_KAPPA, swapGroups: COCO17_SWAP_GROUPS };

/** Person scale per frame: √(area of the box around the finite keypoints), at least 1 px. */
export function personScales(pointsPx: ArrayLike<number>, frames: number, joints: number): Float32Array {
  const out = new Float32Array(frames);
  for (let t = 0; t < frames; t++) {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let j = 0; j < joints; j++) {
      const x = pointsPx[(t * joints + j) * 2];
      const y = pointsPx[(t * joints + j) * 2 + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
    out[t] = x1 >= x0 ? Math.max(1, Math.sqrt((x1 - x0) * (y1 - y0))) : 1;
  }
  return out;
}

/** Length of a burst with mean `mean` frames (geometric, at least 1). */
function burst(rng: Rng, mean: number): number {
  if (mean <= 1) return 1;
  const p = 1 / mean;
  return 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - p));
}

function checkOptions(o: DetectorNoiseOptions): void {
  const probs: [string, number][] = [
    ['biasFraction', o.biasFraction],
    ['biasCorrelation', o.biasCorrelation],
    ['dropRate', o.dropRate],
    ['swapRate', o.swapRate],
    ['outlierRate', o.outlierRate],
  ];
  for (const [name, v] of probs) {
    if (!(v >= 0 && v <= 1)) throw new Error(`Detector noise: ${name} must be in [0, 1], got ${v}`);
  }
  if (!(o.jitter >= 0)) throw new Error(`Detector noise: jitter must be ≥ 0, got ${o.jitter}`);
  if (!(o.dropMeanFrames >= 1) || !(o.swapMeanFrames >= 1)) {
    throw new Error('Detector noise: burst lengths must be at least 1 frame');
  }
}

/**
 * Returns noisy copies of clean keypoints (`cleanPx`: frames × joints × 2 pixels) with scores.
 * The same seed gives the same noise.
 */
export function addDetectorNoise(
  cleanPx: ArrayLike<number>,
  frames: number,
  layout: NoiseLayout,
  options: DetectorNoiseOptions,
  seed: number,
): NoisyKeypoints {
  checkOptions(options);
  const J = layout.kappa.length;
  if (cleanPx.length !== frames * J * 2) {
    throw new Error(`Detector noise: expected ${frames} × ${J} × 2 numbers, got ${cleanPx.length}`);
  }
  const rng = new Rng(seed);
  const pts = Float32Array.from(cleanPx);
  const scores = new Float32Array(frames * J);
  const scale = personScales(cleanPx, frames, J);
  const o = options;
  const white = Math.sqrt(1 - o.biasFraction);
  const biasSd = Math.sqrt(o.biasFraction);
  const innov = Math.sqrt(1 - o.biasCorrelation * o.biasCorrelation);

  // Jitter: white + AR(1) bias, both in units of κ_j · s_t · jitter.
  const bias = new Float64Array(J * 2);
  for (let k = 0; k < bias.length; k++) bias[k] = rng.normal();
  for (let t = 0; t < frames; t++) {
    for (let j = 0; j < J; j++) {
      const sd = o.jitter * layout.kappa[j] * scale[t];
      for (let c = 0; c < 2; c++) {
        const k = j * 2 + c;
        if (t > 0) bias[k] = o.biasCorrelation * bias[k] + innov * rng.normal();
        pts[(t * J + j) * 2 + c] += sd * (white * rng.normal() + biasSd * bias[k]);
      }
      scores[t * J + j] = 0.6 + 0.4 * rng.next();
    }
  }

  // Left/right swaps of a limb group for a burst of frames.
  let swappedFrames = 0;
  for (let t = rng.skip(o.swapRate); t < frames && layout.swapGroups.length > 0; t += rng.skip(o.swapRate)) {
    const [left, right] = layout.swapGroups[rng.int(layout.swapGroups.length)];
    const n = Math.min(burst(rng, o.swapMeanFrames), frames - t);
    for (let u = t; u < t + n; u++) {
      for (let i = 0; i < left.length; i++) {
        for (let c = 0; c < 2; c++) {
          const a = (u * J + left[i]) * 2 + c;
          const b = (u * J + right[i]) * 2 + c;
          const tmp = pts[a];
          pts[a] = pts[b];
          pts[b] = tmp;
        }
      }
    }
    swappedFrames += n;
    t += n;
  }

  // Outliers and dropped bursts, per joint.
  let outliers = 0;
  let dropped = 0;
  for (let j = 0; j < J; j++) {
    for (let t = rng.skip(o.outlierRate); t < frames; t += rng.skip(o.outlierRate)) {
      const n = Math.min(1 + rng.int(3), frames - t);
      const ang = rng.uniform(0, 2 * Math.PI);
      const mag = rng.uniform(0.1, 0.4);
      for (let u = t; u < t + n; u++) {
        pts[(u * J + j) * 2] += mag * scale[u] * Math.cos(ang);
        pts[(u * J + j) * 2 + 1] += mag * scale[u] * Math.sin(ang);
      }
      outliers += n;
      t += n;
    }
    for (let t = rng.skip(o.dropRate); t < frames; t += rng.skip(o.dropRate)) {
      const n = Math.min(burst(rng, o.dropMeanFrames), frames - t);
      const ang = rng.uniform(0, 2 * Math.PI);
      const mag = rng.uniform(0, 0.33);
      for (let u = t; u < t + n; u++) {
        const i = (u * J + j) * 2;
        if (o.dropped === 'zero') {
          pts[i] = 0;
          pts[i + 1] = 0;
        } else {
          pts[i] += mag * scale[u] * Math.cos(ang);
          pts[i + 1] += mag * scale[u] * Math.sin(ang);
        }
        scores[u * J + j] = 0;
      }
      dropped += n;
      t += n;
    }
  }
  return { pointsPx: pts, scores, counts: { dropped, swappedFrames, outliers } };
}
