/**
 * Cross-view retrieval of a VIPE* model on held-out mocap takes (the figure train-vipe records with
 * a model): every take is seen by camera A (6 m, 10° up, azimuth 30 + 40·k° for take k) and by
 * camera B, `view`° further round, both with detector-like 2D noise; every `stride`-th frame seen
 * by A queries all frames seen by B. A hit at k: one of the k nearest is the same mocap frame
 * ("exact"), or a frame whose 3D pose is within `samePose` torso lengths of the query's ("same
 * pose", canonicalPose/poseDistance). Raw normalised 2D keypoints (the model's input) are the
 * baseline. bench/vipe.ts measures the same protocol with more views.
 */
import { poseFeatures2d } from '../../../shared/alignment/features';
import { meanHip, noisyCocoTrack, orbitCamera } from '../../../shared/lifting/virtual-views';
import type { PoseTrack } from '../../../shared/pose';
import { TccEmbedder } from '../tcc/embed';
import { canonicalPose, poseDistance, type VipeTake } from './train';

const K = 17;

export interface RetrievalScores {
  exactTop1: number;
  exactTop10: number;
  samePoseTop1: number;
  samePoseTop10: number;
}

export interface ViewRetrieval {
  viewDeg: number;
  vipe: RetrievalScores;
  rawKeypoints: RetrievalScores;
}

export interface RetrievalOptions {
  views: readonly number[];
  stride: number;
  maxFrames: number;
  samePose: number;
}

export const DEFAULT_RETRIEVAL: RetrievalOptions = {
  views: [0, 90, 180],
  stride: 2,
  maxFrames: 360,
  samePose: 0.1,
};

/** The take seen from `azimuthDeg` (6 m, 10° up, f 1500 px, 1920×1080) as a noisy COCO-17 track. */
export function orbitTrack(
  pos: Float32Array,
  frames: number,
  azimuthDeg: number,
  noiseSeed: number,
): PoseTrack {
  return noisyCocoTrack(pos, frames, orbitCamera(meanHip(pos, frames), azimuthDeg), noiseSeed);
}

function scores(
  queries: Float32Array[],
  db: Float32Array[],
  poses: Float32Array[],
  samePose: number,
): RetrievalScores {
  let e1 = 0;
  let e10 = 0;
  let s1 = 0;
  let s10 = 0;
  const d = new Float64Array(db.length);
  const order = Array.from({ length: db.length }, (_, i) => i);
  for (let q = 0; q < queries.length; q++) {
    const a = queries[q];
    for (let i = 0; i < db.length; i++) {
      let s = 0;
      const b = db[i];
      // A frame without features (NaN) is never near anything.
      for (let c = 0; c < a.length; c++) s += (a[c] - b[c]) ** 2;
      d[i] = Number.isNaN(s) ? Infinity : s;
    }
    const top = order.sort((x, y) => d[x] - d[y]).slice(0, 10);
    const same = (i: number) => i === q || poseDistance(poses[i], poses[q]) < samePose;
    if (top[0] === q) e1++;
    if (top.includes(q)) e10++;
    if (same(top[0])) s1++;
    if (top.some(same)) s10++;
  }
  const n = queries.length || 1;
  return { exactTop1: e1 / n, exactTop10: e10 / n, samePoseTop1: s1 / n, samePoseTop10: s10 / n };
}

/** Cross-view retrieval of the model at `onnxPath` on `takes` (see the module comment). */
export async function crossViewRetrieval(
  onnxPath: string | Uint8Array,
  takes: readonly VipeTake[],
  options: RetrievalOptions = DEFAULT_RETRIEVAL,
): Promise<{ frames: number; views: ViewRetrieval[] }> {
  const embedder = await TccEmbedder.load(onnxPath);
  try {
    const poses: Float32Array[] = [];
    const sideA = { raw: [] as Float32Array[], vipe: [] as Float32Array[] };
    const sides = options.views.map(() => ({ raw: [] as Float32Array[], vipe: [] as Float32Array[] }));
    for (const [index, t] of takes.entries()) {
      const seed = index + 1;
      const frames = Math.min(t.frames, options.maxFrames);
      const pos = t.pos.subarray(0, frames * K * 3);
      const add = async (side: typeof sideA, track: PoseTrack) => {
        const raw = poseFeatures2d(track, { kinds: ['keypoints'] });
        const e = await embedder.embedTrack(track);
        for (let f = 0; f < frames; f += options.stride) {
          side.raw.push(raw.values.subarray(f * raw.dim, (f + 1) * raw.dim));
          side.vipe.push(e.values.subarray(f * e.dim, (f + 1) * e.dim));
        }
      };
      const azimuth = 30 + 40 * seed;
      await add(sideA, orbitTrack(pos, frames, azimuth, 1000 + seed));
      for (const [i, v] of options.views.entries())
        await add(sides[i], orbitTrack(pos, frames, azimuth + v, 2000 + seed));
      for (let f = 0; f < frames; f += options.stride) poses.push(canonicalPose(pos, f * K * 3));
    }
    return {
      frames: poses.length,
      views: options.views.map((viewDeg, i) => ({
        viewDeg,
        vipe: scores(sideA.vipe, sides[i].vipe, poses, options.samePose),
        rawKeypoints: scores(sideA.raw, sides[i].raw, poses, options.samePose),
      })),
    };
  } finally {
    await embedder.release();
  }
}
