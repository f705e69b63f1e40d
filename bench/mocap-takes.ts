/**
 * CMU mocap takes as COCO-17 world positions for the alignment benchmarks (align-mocap.ts,
 * tcc-mocap.ts): clips.csv rows, a take resampled to a frame rate, and a pose at a fractional frame
 * (for playing a take through a known time warp).
 */
import { readFileSync } from 'node:fs';
import { importBvh, mapToTarget } from '../src/shared/mocap';

export const K = 17;

/** The cells of a clips.csv line (quoted cells may hold commas; empty cells kept). */
export const csvCells = (line: string): string[] =>
  [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) =>
    m[1].replace(/^"|"$/g, '').replace(/""/g, '"'),
  );

/** COCO-17 world positions (frames × 17 × 3, metres, z up) at `fps`, at most `maxFrames`. */
export function loadCocoTake(
  path: string,
  fps: number,
  maxFrames: number,
): { frames: number; pos: Float32Array } {
  const mapped = mapToTarget(importBvh(readFileSync(path, 'utf8')).take, 'coco17-feet');
  const step = mapped.rate / fps;
  const frames = Math.min(maxFrames, Math.floor((mapped.frameCount - 1) / step) + 1);
  const pos = new Float32Array(frames * K * 3);
  for (let f = 0; f < frames; f++) {
    const src = Math.round(f * step);
    for (let j = 0; j < K; j++)
      for (let c = 0; c < 3; c++) pos[(f * K + j) * 3 + c] = mapped.positionsM[(src * 23 + j) * 3 + c];
  }
  return { frames, pos };
}

/** Pose at fractional frame t (linear between frames), written to out[at…]. */
export function poseAt(pos: Float32Array, frames: number, t: number, out: Float32Array, at: number): void {
  const f0 = Math.max(0, Math.min(frames - 1, Math.floor(t)));
  const f1 = Math.min(frames - 1, f0 + 1);
  const a = Math.max(0, Math.min(1, t - f0));
  for (let k = 0; k < K * 3; k++) out[at + k] = pos[f0 * K * 3 + k] * (1 - a) + pos[f1 * K * 3 + k] * a;
}
