/**
 * A mocap take seen as a detector would see it: virtual cameras round the subject and the 2D
 * COCO-17 track they give with detector-like noise. Shared by VIPE* training and evaluation and by
 * the alignment, few-shot and retrieval benchmarks, so they all see the same kind of input.
 */
import { buildTrack, type PoseTrack } from '../pose';
import { lookAtCamera, projectPoints, type PinholeCamera, type Vec3 } from './cameras';
import { addDetectorNoise, COCO17_NOISE_LAYOUT, DEFAULT_NOISE, type DetectorNoiseOptions } from './noise';
import type { Rng } from './rng';

const K = 17;
const HIPS = [11, 12];

/** Mean position of the hips over a COCO-17 take (frames × 17 × 3, metres): where cameras look. */
export function meanHip(pos: ArrayLike<number>, frames: number): Vec3 {
  const c: Vec3 = [0, 0, 0];
  for (let f = 0; f < frames; f++)
    for (const j of HIPS) for (let d = 0; d < 3; d++) c[d] += pos[(f * K + j) * 3 + d] / (2 * frames);
  return c;
}

/** A static 1920×1080 camera `azimuthDeg` round `centre` (z up), `distance` m away, `elevationDeg` up. */
export function orbitCamera(
  centre: Vec3,
  azimuthDeg: number,
  elevationDeg = 10,
  distance = 6,
  fx = 1500,
): PinholeCamera {
  const az = (azimuthDeg * Math.PI) / 180;
  const el = (elevationDeg * Math.PI) / 180;
  const position: Vec3 = [
    centre[0] + distance * Math.cos(el) * Math.cos(az),
    centre[1] + distance * Math.cos(el) * Math.sin(az),
    centre[2] + distance * Math.sin(el),
  ];
  return lookAtCamera(position, centre, { width: 1920, height: 1080, fx });
}

/**
 * A static 1920×1080 camera looking at `centre` from a random direction all round the subject:
 * azimuth 0-360°, 0-30° up, 3.5-8 m away, focal length 900-2000 px (drawn in that order).
 */
export function randomOrbitCamera(rng: Rng, centre: Vec3): PinholeCamera {
  const az = rng.uniform(0, 2 * Math.PI);
  const el = rng.uniform(0, 30) * (Math.PI / 180);
  const d = rng.uniform(3.5, 8);
  const position: Vec3 = [
    centre[0] + d * Math.cos(el) * Math.cos(az),
    centre[1] + d * Math.cos(el) * Math.sin(az),
    centre[2] + d * Math.sin(el),
  ];
  return lookAtCamera(position, centre, { width: 1920, height: 1080, fx: rng.uniform(900, 2000) });
}

/**
 * The take seen by `camera` as a COCO-17 track with detector-like noise (jitter, dropped joints,
 * left/right swaps, outliers): dropped joints score 0, the others 0.9.
 */
export function noisyCocoTrack(
  pos: ArrayLike<number>,
  frames: number,
  camera: PinholeCamera,
  seed: number,
  noise: DetectorNoiseOptions = DEFAULT_NOISE,
): PoseTrack {
  const px = projectPoints(camera, pos).pixels;
  const noisy = addDetectorNoise(px, frames, COCO17_NOISE_LAYOUT, noise, seed);
  const rows = [];
  for (let f = 0; f < frames; f++) {
    const kp = new Float32Array(K * 3);
    for (let j = 0; j < K; j++) {
      kp[j * 3] = noisy.pointsPx[(f * K + j) * 2];
      kp[j * 3 + 1] = noisy.pointsPx[(f * K + j) * 2 + 1];
      kp[j * 3 + 2] = noisy.scores[f * K + j] > 0 ? 0.9 : 0;
    }
    rows.push({ frame: f, keypoints: kp, box: [0, 0, 1, 1] as [number, number, number, number], score: 0.9 });
  }
  return buildTrack(0, 'coco17', rows);
}
