/**
 * Synthetic training clips for the TCC tests: the alignment tests' stick figure (one non-repeating
 * movement: squat, arms raised one after the other, lean) seen by a pinhole camera, each clip
 * phase-shifted (starting and ending a little early or late), time-warped by a sinusoidal speed
 * change, turned by its own camera yaw, with pixel noise; features as the app computes them.
 */
import { poseFeatures2d, type Feature2dKind } from '../../../src/shared/alignment/features';
import { figureTrack } from '../alignment/synthetic';

export const KINDS: readonly Feature2dKind[] = ['keypoints', 'bones', 'angles'];

/** Phases of a clip of `frames` frames from `start` to `end`, warped by a sinusoidal tempo change. */
export function warpedPhases(frames: number, start: number, end: number, wobble: number): Float64Array {
  return Float64Array.from({ length: frames }, (_, i) => {
    const s = i / (frames - 1);
    const w = s + wobble * Math.sin(Math.PI * s); // monotone for |wobble| < 1/π
    return start + (end - start) * Math.min(1, Math.max(0, w));
  });
}

export interface SyntheticClip {
  name: string;
  phases: Float64Array;
  features: Float32Array;
}

export function syntheticClip(
  name: string,
  frames: number,
  o: { start?: number; end?: number; wobble?: number; yaw?: number; noise?: number; seed?: number } = {},
): SyntheticClip {
  const phases = warpedPhases(frames, o.start ?? 0, o.end ?? 1, o.wobble ?? 0);
  const track = figureTrack(phases, { yaw: o.yaw ?? 0, noise: o.noise ?? 1, seed: o.seed ?? 1 });
  const f = poseFeatures2d(track, { kinds: KINDS });
  return { name, phases, features: f.values };
}

/** `count` training clips with varied length, phase shift, tempo, view and noise. */
export function trainingClips(count: number, seed = 1): SyntheticClip[] {
  return Array.from({ length: count }, (_, k) => {
    const x = (k * 0.618 + seed * 0.37) % 1;
    return syntheticClip(`clip ${k + 1}`, 50 + ((k * 7) % 30), {
      start: 0.04 * x,
      end: 1 - 0.04 * ((x * 3) % 1),
      wobble: 0.25 * (2 * x - 1),
      yaw: ((k % 5) - 2) * 0.25,
      noise: 1.5,
      seed: seed * 100 + k,
    });
  });
}

export const FEATURE_DIM = poseFeatures2d(figureTrack([0, 0.5]), { kinds: KINDS }).dim;
