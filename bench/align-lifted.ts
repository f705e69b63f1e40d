/**
 * Alignment on lifted 3D poses (issue 6, item 1: "3D joints (when lifted)"), with the protocol of
 * bench/tcc-mocap.ts on the validation subjects 07 and 13 only (subjects no model here was trained
 * on): each take is the reference seen by camera A; the learner is the same take seen by camera B,
 * VIEW degrees further round, through a known smooth time warp; both with detector-like 2D noise.
 * Each noisy 2D track is lifted by the shipped lifter (native-models, onnxruntime-node), and DTW
 * runs on view-invariant features of the 3D joints (bone directions and joint-angle cosines in a
 * body-centred frame, poseFeatures3d). Reported against the 2D keypoints baseline: Kendall's tau
 * of the recovered correspondence against the true one and the median frame error.
 *   npx tsx bench/align-lifted.ts [lifter id, default lifter-tcn27]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  alignTracks,
  frameError,
  kendallTauB,
  poseFeatures3d,
  type FeatureSequence,
} from '../src/shared/alignment';
import type { PoseTrack } from '../src/shared/pose';
import { listLifters } from '../src/main/inference/models';
import { Lifter } from '../src/main/training/lift';
import { cmuTakes, loadCocoTake, makeWarp, meanHip, noisyTrack, orbitCamera, warped } from './mocap-takes';

const root = resolve(process.cwd(), '..', 'shared', 'data', 'mocap');
if (!existsSync(join(root, 'clips.csv'))) {
  console.log('missing ../shared/data/mocap — nothing to measure.');
  process.exit(0);
}
const FPS = 30;
const MAX_FRAMES = 12 * FPS;
const VIEWS = [0, 30, 60, 90];
const lifterId = process.argv[2] ?? 'lifter-tcn27';
const entry = listLifters().find((l) => l.id === lifterId);
if (!entry)
  throw new Error(
    `No shipped lifter "${lifterId}" (there are: ${listLifters()
      .map((l) => l.id)
      .join(', ')})`,
  );
const lifter = await Lifter.open(entry.path, 1);

/** Lifted 3D features of a 2D track: one row per track frame. */
async function lifted(track: PoseTrack, kinds: ('bones' | 'angles' | 'joints')[]): Promise<FeatureSequence> {
  const r = await lifter.lift(track.keypoints, { width: 1920, height: 1080, skeleton: 'coco17', fps: FPS });
  return { ...poseFeatures3d(r.jointsM, 17, 'h36m17', { kinds }), frames: track.frames };
}

const { validation } = cmuTakes(root);
const rows = new Map<string, { tau: number[]; median: number[] }>();
const add = (key: string, tau: number, median: number) => {
  const r = rows.get(key) ?? { tau: [], median: [] };
  r.tau.push(tau);
  r.median.push(median);
  rows.set(key, r);
};
const t0 = performance.now();
for (const [index, t] of validation.entries()) {
  const seed = index + 1; // as tcc-mocap.ts: warp, cameras and noise follow the take's place
  const { frames, pos } = loadCocoTake(join(root, 'cmu-bvh', t.file), FPS, MAX_FRAMES);
  const { n, w } = makeWarp(frames, [0.8, 1.25, 0.9, 1.1][seed % 4]);
  const learnerPos = warped(pos, frames, n, w);
  const truth = Float64Array.from({ length: n }, (_, i) => w(i));
  const centre = meanHip(pos, frames);
  const azimuth = 30 + 40 * seed;
  const reference = noisyTrack(pos, frames, orbitCamera(centre, azimuth), 1000 + seed);
  const variants = [
    ['lifted 3D bones+angles', ['bones', 'angles']],
    ['lifted 3D joints', ['joints']],
  ] as const;
  const refFeatures = new Map<string, FeatureSequence>();
  for (const [name, kinds] of variants) refFeatures.set(name, await lifted(reference, [...kinds]));
  for (const view of VIEWS) {
    const learner = noisyTrack(learnerPos, n, orbitCamera(centre, azimuth + view), 2000 + seed);
    const group = `${view}°|${t.category}`;
    const score = (key: string, l2r: Int32Array) => {
      add(`${group}|${key}`, kendallTauB(truth, l2r), frameError(l2r, truth).median);
    };
    score(
      '2D keypoints',
      alignTracks({ track: learner }, { track: reference }, { features: ['keypoints'] }).learnerToReference,
    );
    for (const [name, kinds] of variants) {
      const sequences = {
        learner: await lifted(learner, [...kinds]),
        reference: refFeatures.get(name)!,
        name,
      };
      score(name, alignTracks({ track: learner }, { track: reference }, { sequences }).learnerToReference);
    }
  }
}
await lifter.release();

const avg = (x: number[]) => x.reduce((p, q) => p + q, 0) / x.length;
const med = (x: number[]) => {
  const s = [...x].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `Validation subjects 07 and 13 (${validation.length} takes), learner camera VIEW° round from the reference, time-warped, detector-like 2D noise on both; lifter ${lifterId}; DTW (euclidean). Goal: tau ≥ 0.95, median error ≤ 2 frames.`,
);
console.log('| View difference | Takes | Features | Mean tau | Min tau | Median of median errors (frames) |');
console.log('| --- | --- | --- | ---: | ---: | ---: |');
for (const [key, r] of rows) {
  const [view, category, features] = key.split('|');
  console.log(
    `| ${view} | ${category} (${r.tau.length}) | ${features} | ${avg(r.tau).toFixed(3)} | ${Math.min(...r.tau).toFixed(3)} | ${med(r.median).toFixed(1)} |`,
  );
}
console.log(`\nTotal ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
