/**
 * CMU mocap takes as COCO-17 world positions for the alignment benchmarks (align-mocap.ts,
 * tcc-mocap.ts, align-lifted.ts): clips.csv rows and the subject split, a take resampled to a
 * frame rate, a pose at a fractional frame, and the protocol's pieces — a known smooth time warp,
 * and (re-exported from src/shared/lifting/virtual-views.ts) virtual cameras round the subject and
 * a noisy 2D track as a detector would give it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PinholeCamera } from '../src/shared/lifting/cameras';
import type { Rng } from '../src/shared/lifting/rng';
import { meanHip, noisyCocoTrack, randomOrbitCamera } from '../src/shared/lifting/virtual-views';
import { importBvh, mapToTarget } from '../src/shared/mocap';
import type { PoseTrack } from '../src/shared/pose';

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

// ---- the alignment protocol shared by align-mocap.ts, tcc-mocap.ts and align-lifted.ts --------

/** CMU subjects held out of every model trained here (../shared/data/README.md). */
export const VALIDATION_SUBJECTS: ReadonlySet<string> = new Set(['07', '13']);

export interface Take {
  file: string;
  subject: string;
  category: string;
  description: string;
}

/** The cgspeed takes (cmu-bvh) of clips.csv with a known subject, split into training and validation. */
export function cmuTakes(root: string): { training: Take[]; validation: Take[] } {
  const takes = new Map<string, Take>();
  for (const line of readFileSync(join(root, 'clips.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [folder, file, cmuTake, description, category] = csvCells(line);
    if (folder !== 'cmu-bvh' || takes.has(file)) continue;
    const subject = /^(\d+)_\d+$/.exec(cmuTake)?.[1];
    if (!subject) continue; // subject unknown (the golf take): in neither split
    takes.set(file, { file, subject, category, description });
  }
  const all = [...takes.values()];
  return {
    training: all.filter((t) => !VALIDATION_SUBJECTS.has(t.subject)),
    validation: all.filter((t) => VALIDATION_SUBJECTS.has(t.subject)),
  };
}

/** The take played through warp w (learner frame i shows reference time w(i)). */
export function warped(pos: Float32Array, frames: number, n: number, w: (i: number) => number): Float32Array {
  const out = new Float32Array(n * K * 3);
  for (let i = 0; i < n; i++) poseAt(pos, frames, w(i), out, i * K * 3);
  return out;
}

/** A known smooth warp of a take of `frames` frames: speed 0.8-1.25× and a sinusoidal wobble. */
export function makeWarp(frames: number, speed: number): { n: number; w: (i: number) => number } {
  const n = Math.floor((frames - 1) / speed);
  const wobble = Math.min(6, n / 20);
  return {
    n,
    w: (i: number) => Math.min(frames - 1, Math.max(0, i * speed + wobble * Math.sin((2 * Math.PI * i) / n))),
  };
}

export { meanHip, orbitCamera, noisyCocoTrack as noisyTrack } from '../src/shared/lifting/virtual-views';

/** One window of randomViewWindows: its noisy 2D track, the camera, and the world poses it shows. */
export interface ViewWindow {
  track: PoseTrack;
  camera: PinholeCamera;
  /** The window's COCO-17 world positions (window × 17 × 3, metres). */
  pos: Float32Array;
  /** The take's frame of the window's first frame. */
  start: number;
}

/**
 * A take (COCO-17 world positions) cut into consecutive windows of `window` frames, each seen by
 * its own random orbit camera with detector-like noise (the few-shot protocol of few-shot.ts and
 * actions.ts). Draws the camera, then the noise seed, per window.
 */
export function* randomViewWindows(
  pos: Float32Array,
  frames: number,
  window: number,
  rng: Rng,
): Generator<ViewWindow> {
  for (let start = 0; start + window <= frames; start += window) {
    const w = pos.slice(start * K * 3, (start + window) * K * 3);
    const camera = randomOrbitCamera(rng, meanHip(w, window));
    yield { track: noisyCocoTrack(w, window, camera, rng.int(2 ** 31)), camera, pos: w, start };
  }
}
