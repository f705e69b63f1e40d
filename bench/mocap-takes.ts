/**
 * CMU mocap takes as COCO-17 world positions for the alignment benchmarks (align-mocap.ts,
 * tcc-mocap.ts, align-lifted.ts): clips.csv rows and the subject split, a take resampled to a
 * frame rate, a pose at a fractional frame, and the protocol's pieces — a known smooth time warp,
 * virtual cameras round the subject and a noisy 2D track as a detector would give it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookAtCamera, projectPoints, type Vec3 } from '../src/shared/lifting/cameras';
import {
  addDetectorNoise,
  COCO17_NOISE_LAYOUT,
  DEFAULT_NOISE,
  type DetectorNoiseOptions,
} from '../src/shared/lifting/noise';
import { importBvh, mapToTarget } from '../src/shared/mocap';
import { buildTrack, type PoseTrack } from '../src/shared/pose';

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

/** Mean position of the hips over the take (where the virtual cameras look). */
export function meanHip(pos: Float32Array, frames: number): Vec3 {
  const c: Vec3 = [0, 0, 0];
  for (let f = 0; f < frames; f++)
    for (const j of [11, 12]) for (let d = 0; d < 3; d++) c[d] += pos[(f * K + j) * 3 + d] / (2 * frames);
  return c;
}

/** A static 1920×1080 camera `azimuthDeg` round `centre`, `distance` m away, `elevationDeg` up. */
export function orbitCamera(centre: Vec3, azimuthDeg: number, elevationDeg = 10, distance = 6, fx = 1500) {
  const az = (azimuthDeg * Math.PI) / 180;
  const el = (elevationDeg * Math.PI) / 180;
  const position: Vec3 = [
    centre[0] + distance * Math.cos(el) * Math.cos(az),
    centre[1] + distance * Math.cos(el) * Math.sin(az),
    centre[2] + distance * Math.sin(el),
  ];
  return lookAtCamera(position, centre, { width: 1920, height: 1080, fx });
}

/** The take seen by `cam` as a COCO-17 track with detector-like noise (dropped joints score 0). */
export function noisyTrack(
  pos: Float32Array,
  frames: number,
  cam: ReturnType<typeof orbitCamera>,
  seed: number,
  noise: DetectorNoiseOptions = DEFAULT_NOISE,
): PoseTrack {
  const px = projectPoints(cam, pos).pixels;
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
