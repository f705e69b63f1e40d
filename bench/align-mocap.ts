/**
 * Alignment accuracy with a known answer, built from real motion capture (issue 6 goal: Kendall's
 * tau ≥ 0.95 and median frame error ≤ 2 frames). For each CMU take in ../shared/data/mocap
 * (one per category, resampled to 30 fps, up to 12 s): the reference is the take seen by a virtual
 * camera A; the learner is the same take seen by camera B, `VIEW_DEG` further round the subject,
 * played through a known smooth time warp (overall 0.8-1.25× speed plus a wobble); both get
 * detector-like 2D noise (jitter, dropped joints, left/right swaps, outliers: the lifting data's
 * DEFAULT_NOISE). Kinema aligns learner to reference with DTW on each training-free feature set;
 * reported: Kendall's tau between the recovered and the true correspondence, the median and p95
 * frame error against the true warp, and TCC's nearest-neighbour tau of the features.
 *   npx tsx bench/align-mocap.ts [viewDegrees]   (default: views 0, 30, 60 and 90°; NOISE=0 for clean 2D)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { alignTracks, frameError, kendallTauB, type Feature2dKind } from '../src/shared/alignment';
import { DEFAULT_NOISE } from '../src/shared/lifting/noise';
import { csvCells, K, loadCocoTake, meanHip, noisyTrack, orbitCamera, poseAt } from './mocap-takes';

const root = resolve(process.cwd(), '..', 'shared', 'data', 'mocap');
if (!existsSync(join(root, 'clips.csv'))) {
  console.log('missing ../shared/data/mocap — nothing to measure.');
  process.exit(0);
}
const VIEWS = process.argv[2] ? [Number(process.argv[2])] : [0, 30, 60, 90];
const PER_TAKE = VIEWS.length === 1;
const FPS = 30;
const MAX_FRAMES = 12 * FPS;

// One take per category, from the cgspeed BVH folder (the first listed of each).
const rows = readFileSync(join(root, 'clips.csv'), 'utf8').trim().split('\n').slice(1);
const byCategory = new Map<string, { folder: string; file: string; description: string }>();
for (const line of rows) {
  const [folder, file, , description, category] = csvCells(line);
  if (folder === 'cmu-bvh' && !byCategory.has(category))
    byCategory.set(category, { folder, file, description });
}

const NOISE =
  process.env.NOISE === '0'
    ? { ...DEFAULT_NOISE, jitter: 0, dropRate: 0, swapRate: 0, outlierRate: 0 }
    : DEFAULT_NOISE;
const camera = (pos: Float32Array, frames: number, azimuthDeg: number) =>
  orbitCamera(meanHip(pos, frames), azimuthDeg);
const track = (pos: Float32Array, frames: number, cam: ReturnType<typeof camera>, seed: number) =>
  noisyTrack(pos, frames, cam, seed, NOISE);

const avg = (x: number[]) => (x.length ? x.reduce((p, q) => p + q, 0) / x.length : NaN);
const med = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1];
const featureSets: Feature2dKind[][] = [['keypoints'], ['bones'], ['angles'], ['bones', 'angles']];
const noiseWords = process.env.NOISE === '0' ? 'clean 2D' : 'detector-like 2D noise on both';
const summaryRows: string[] = [];
for (const VIEW_DEG of VIEWS) {
  const results = new Map<string, { tau: number[]; median: number[]; p95: number[]; nn: number[] }>();
  if (PER_TAKE) {
    console.log(`Learner camera ${VIEW_DEG}° round from the reference camera; ${noiseWords}; ${FPS} fps.`);
    console.log(
      '| Take | Category | Frames (ref → learner) | Features | tau vs truth | Median error | p95 | NN tau |',
    );
    console.log('| --- | --- | --- | --- | ---: | ---: | ---: | ---: |');
  }
  let seed = 1;
  for (const [category, t] of byCategory) {
    const { frames, pos } = loadCocoTake(join(root, t.folder, t.file), FPS, MAX_FRAMES);
    // The warp: learner frame i shows reference time w(i) (frames); speed 0.8-1.25×, with a wobble.
    const speed = [0.8, 1.25, 0.9, 1.1][seed % 4];
    const n = Math.floor((frames - 1) / speed);
    const wobble = Math.min(6, n / 20);
    const w = (i: number) =>
      Math.min(frames - 1, Math.max(0, i * speed + wobble * Math.sin((2 * Math.PI * i) / n)));
    const learnerPos = new Float32Array(n * K * 3);
    for (let i = 0; i < n; i++) poseAt(pos, frames, w(i), learnerPos, i * K * 3);
    const azimuth = 30 + 40 * seed;
    const reference = track(pos, frames, camera(pos, frames, azimuth), 1000 + seed);
    const learner = track(learnerPos, n, camera(pos, frames, azimuth + VIEW_DEG), 2000 + seed);
    seed++;
    for (const features of featureSets) {
      const a = alignTracks({ track: learner }, { track: reference }, { features });
      const truth = Float64Array.from({ length: n }, (_, i) => w(i));
      const err = frameError(a.learnerToReference, truth);
      const tau = kendallTauB(truth, a.learnerToReference);
      const key = features.join('+');
      const r = results.get(key) ?? { tau: [], median: [], p95: [], nn: [] };
      r.tau.push(tau);
      r.median.push(err.median);
      r.p95.push(err.p95);
      if (Number.isFinite(a.featureTau)) r.nn.push(a.featureTau);
      results.set(key, r);
      if (PER_TAKE)
        console.log(
          `| ${t.file} | ${category} | ${frames} → ${n} | ${key} | ${tau.toFixed(3)} | ${err.median.toFixed(1)} | ${err.p95.toFixed(1)} | ${Number.isFinite(a.featureTau) ? a.featureTau.toFixed(3) : '—'} |`,
        );
    }
  }
  for (const [key, r] of results)
    summaryRows.push(
      `| ${VIEW_DEG}° | ${key} | ${avg(r.tau).toFixed(3)} | ${Math.min(...r.tau).toFixed(3)} | ${med(r.median).toFixed(1)} | ${avg(r.p95).toFixed(1)} | ${avg(r.nn).toFixed(3)} |`,
    );
}
console.log(`\nOver ${byCategory.size} takes, ${noiseWords} (goal: tau ≥ 0.95, median error ≤ 2 frames):`);
console.log(
  '| View difference | Features | Mean tau | Min tau | Median of median errors (frames) | Mean p95 error | Mean NN tau |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of summaryRows) console.log(row);
