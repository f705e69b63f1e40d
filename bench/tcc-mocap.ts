/**
 * TCC on real motion capture: trains the TCC encoder (src/main/training/tcc) on CMU training
 * subjects seen by random virtual cameras, then measures alignment with the protocol of
 * bench/align-mocap.ts on the validation subjects 07 and 13 only (never on a trained subject).
 *
 * Training data: every cgspeed CMU take (../shared/data/mocap/cmu-bvh) of a training subject
 * (all but 07 and 13; the golf take, whose subject is not given, is left out), resampled to 30
 * fps, mapped to COCO-17, and rendered VIEWS times: a static camera at a random azimuth (0-360°),
 * elevation (0-25°), distance (4-9 m) and focal length (1000-2000 px), a random tempo (0.8-1.25×
 * with a sinusoidal wobble), detector-like 2D noise (DEFAULT_NOISE); each rendering is one clip of
 * per-frame features (poseFeatures2d: keypoints + bones + angles, 66 per frame). One model per
 * motion category of the validation takes when the training subjects have at least MIN_TAKES
 * takes of it (walk), else one model on every training take (used for subject 13's jumps).
 *
 * Evaluation (as align-mocap.ts): each validation take (≤ 12 s at 30 fps) is the reference seen by
 * camera A (6 m, 10° up); the learner is the same take seen by camera B, VIEW degrees further
 * round, through a known smooth time warp (0.8-1.25× plus a wobble); both with detector-like noise.
 * The learner is aligned to the reference by DTW (euclidean) on the TCC embeddings (ONNX, run by
 * onnxruntime-node) and on the training-free features; reported: Kendall's tau of the recovered
 * correspondence against the true one, the median frame error, and TCC's nearest-neighbour tau.
 *
 *   npx tsx bench/tcc-mocap.ts            (STEPS=… VIEWS_PER_TAKE=… LOSS=classification|regression|regression-mse)
 *
 * The trained encoders go to bench/.work/tcc-<model>.onnx (not to native-models/).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  alignTracks,
  dtw,
  frameError,
  kendallTauB,
  nearestNeighbourTau,
  poseFeatures2d,
  type Feature2dKind,
} from '../src/shared/alignment';
import { deriveSeed, Rng } from '../src/shared/lifting/rng';
import {
  cmuTakes,
  loadCocoTake,
  makeWarp,
  meanHip,
  noisyTrack as track,
  orbitCamera as camera,
  warped,
  type Take,
} from './mocap-takes';
import { TccEmbedder } from '../src/main/training/tcc/embed';
import type { TccLossType } from '../src/main/training/tcc/loss';
import { DEFAULT_TCC_TRAIN_OPTIONS, trainTcc, type TccClip } from '../src/main/training/tcc/train';
import { describeBackend } from '../src/main/training/tf-backend';

const root = resolve(process.cwd(), '..', 'shared', 'data', 'mocap');
if (!existsSync(join(root, 'clips.csv'))) {
  console.log('missing ../shared/data/mocap — nothing to measure.');
  process.exit(0);
}

const FPS = 30;
const MAX_EVAL_FRAMES = 12 * FPS;
const MAX_TRAIN_FRAMES = 20 * FPS;
const MIN_TAKES = 8;
const VIEWS_PER_TAKE = Number(process.env.VIEWS_PER_TAKE ?? 8);
const STEPS = Number(process.env.STEPS ?? 1500);
const LOSS = (process.env.LOSS ?? DEFAULT_TCC_TRAIN_OPTIONS.loss) as TccLossType;
const EVAL_VIEWS = [0, 30, 60, 90];
const KINDS: Feature2dKind[] = ['keypoints', 'bones', 'angles'];
const BASELINES: Feature2dKind[][] = [['keypoints'], ['bones', 'angles']];
const workDir = resolve(process.cwd(), 'bench', '.work');
mkdirSync(workDir, { recursive: true });

// --- the takes --------------------------------------------------------------------------------

const { training, validation } = cmuTakes(root);

// --- training data ----------------------------------------------------------------------------

const t0 = performance.now();
const loaded = new Map<string, { frames: number; pos: Float32Array }>();
for (const t of training)
  loaded.set(t.file, loadCocoTake(join(root, 'cmu-bvh', t.file), FPS, MAX_TRAIN_FRAMES));
const renderings = new Map<string, TccClip[]>();
let DIM = 0;
for (const t of training) {
  const { frames, pos } = loaded.get(t.file)!;
  const centre = meanHip(pos, frames);
  const clips: TccClip[] = [];
  for (let v = 0; v < VIEWS_PER_TAKE; v++) {
    const rng = new Rng(deriveSeed(0x7cc, Number(t.file.replace(/\D/g, '')), v));
    const { n, w } = makeWarp(frames, rng.uniform(0.8, 1.25));
    const cam = camera(
      centre,
      rng.uniform(0, 360),
      rng.uniform(0, 25),
      rng.uniform(4, 9),
      rng.uniform(1000, 2000),
    );
    const tr = track(warped(pos, frames, n, w), n, cam, rng.int(2 ** 31));
    const f = poseFeatures2d(tr, { kinds: KINDS });
    DIM = f.dim;
    clips.push({ name: `${t.file} view ${v + 1}`, features: f.values });
  }
  renderings.set(t.file, clips);
}
console.log(
  `Data: ${training.length} training takes (subjects ${[...new Set(training.map((t) => t.subject))].join(', ')}) × ${VIEWS_PER_TAKE} random views; ` +
    `${validation.length} validation takes (subjects 07, 13); ${DIM} features per frame; prepared in ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
);

// One model per validation category with enough training takes, else one on every training take.
const models = new Map<string, { takes: Take[]; categories: string[] }>();
for (const category of new Set(validation.map((t) => t.category))) {
  const same = training.filter((t) => t.category === category);
  const key = same.length >= MIN_TAKES ? category.replace(/\W+/g, '-') : 'all';
  const m = models.get(key) ?? { takes: key === 'all' ? training : same, categories: [] };
  m.categories.push(category);
  models.set(key, m);
}

const options = {
  ...DEFAULT_TCC_TRAIN_OPTIONS,
  steps: STEPS,
  batchSize: 6,
  framesPerSequence: 32,
  loss: LOSS,
  learningRate: 1e-3,
  checkpointEverySteps: 250,
  seed: 1,
  // Knobs for experiments (defaults: the settings the figures in RESULTS.md use).
  ...(process.env.TAU ? { temperature: Number(process.env.TAU) } : {}),
  ...(process.env.CONTEXT ? { context: Number(process.env.CONTEXT) } : {}),
  ...(process.env.STRIDE ? { contextStride: Number(process.env.STRIDE) } : {}),
};
const onnxOf = new Map<string, string>();
console.log(
  `\nTraining: ${options.steps} steps, batch ${options.batchSize} clips × ${options.framesPerSequence} frames, loss ${options.loss}, τ ${options.temperature}, ` +
    `encoder ${DIM} → ${options.hidden} → ${options.hidden} → context ±${options.context}×${options.contextStride} frames → ${options.embeddingDim} (L2-normalised).`,
);
console.log(
  '| Model | Trained on | Clips | Steps | Time (s) | Steps/s | Loss first → last 100 steps | Cycle accuracy (last 100) | ORT vs TF.js |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
// ONLY=walk (a model key) trains and evaluates one model, for quicker experiments.
const only = process.env.ONLY;
if (only) for (const key of [...models.keys()]) if (key !== only) models.delete(key);
for (const [key, m] of models) {
  // Clips must be longer than the frames sampled (the trainer refuses them otherwise): the short
  // runs (~1 s) are left out at their faster tempos.
  const all = m.takes.flatMap((t) => renderings.get(t.file)!);
  const clips = all.filter((c) => c.features.length / DIM > options.framesPerSequence);
  if (clips.length < all.length)
    process.stderr.write(
      `  ${key}: left out ${all.length - clips.length} renderings of ≤ ${options.framesPerSequence} frames\n`,
    );
  const path = join(workDir, `tcc-${key}.onnx`);
  const ckpt = join(workDir, `tcc-${key}-checkpoint`);
  if (process.env.RESUME !== '1') rmSync(ckpt, { recursive: true, force: true });
  const started = performance.now();
  let backendLine = '';
  const r = await trainTcc(clips, DIM, options, {
    checkpointDir: ckpt,
    exportPath: path,
    exportInfo: { featureKinds: KINDS, skeleton: 'coco17', fps: FPS },
    progressEverySteps: 100,
    onProgress: (p) => {
      if (p.phase === 'train' && p.step % 500 === 0)
        process.stderr.write(
          `  ${key}: step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} cycle ${p.cycleAccuracy.toFixed(2)}\n`,
        );
    },
  });
  backendLine = describeBackend(r.backend);
  const h = r.history;
  const wall = (performance.now() - started) / 1000;
  console.log(
    `| ${key} | ${m.takes.length} takes${key === 'all' ? ' (every category)' : ` of ${m.categories.join(', ')}`} | ${clips.length} | ${r.steps} | ${wall.toFixed(0)} | ${(r.steps / r.trainSeconds).toFixed(1)} | ${h[0].loss.toFixed(3)} → ${h.at(-1)!.loss.toFixed(3)} | ${h.at(-1)!.cycleAccuracy.toFixed(2)} | ${r.onnx!.maxAbsDiff.toExponential(1)} |`,
  );
  process.stderr.write(`  backend: ${backendLine}\n`);
  onnxOf.set(key, path);
}

// --- evaluation on the validation subjects ----------------------------------------------------

const embedders = new Map<string, TccEmbedder>();
for (const [key, path] of onnxOf) embedders.set(key, await TccEmbedder.load(path));
const modelFor = (category: string) => [...models].find(([, m]) => m.categories.includes(category))?.[0];

interface Row {
  tau: number[];
  median: number[];
  nn: number[];
}
const table = new Map<string, Row>();
const add = (key: string, tau: number, median: number, nn: number) => {
  const r = table.get(key) ?? { tau: [], median: [], nn: [] };
  r.tau.push(tau);
  r.median.push(median);
  if (Number.isFinite(nn)) r.nn.push(nn);
  table.set(key, r);
};
const avg = (x: number[]) => (x.length ? x.reduce((p, q) => p + q, 0) / x.length : NaN);
const med = (x: number[]) => {
  const s = [...x].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const [index, t] of validation.entries()) {
  const seed = index + 1; // as align-mocap.ts: the warp, cameras and noise follow the take's place
  const modelKey = modelFor(t.category);
  if (!modelKey) continue;
  const { frames, pos } = loadCocoTake(join(root, 'cmu-bvh', t.file), FPS, MAX_EVAL_FRAMES);
  const speed = [0.8, 1.25, 0.9, 1.1][seed % 4];
  const { n, w } = makeWarp(frames, speed);
  const learnerPos = warped(pos, frames, n, w);
  const truth = Float64Array.from({ length: n }, (_, i) => w(i));
  const centre = meanHip(pos, frames);
  const azimuth = 30 + 40 * seed;
  const reference = track(pos, frames, camera(centre, azimuth), 1000 + seed);
  const embRef = await embedders.get(modelKey)!.embedTrack(reference);
  for (const view of EVAL_VIEWS) {
    const learner = track(learnerPos, n, camera(centre, azimuth + view), 2000 + seed);
    const group = `${view}°|${t.category}`;
    for (const kinds of BASELINES) {
      const a = alignTracks({ track: learner }, { track: reference }, { features: kinds });
      const err = frameError(a.learnerToReference, truth);
      add(`${group}|${kinds.join('+')}`, kendallTauB(truth, a.learnerToReference), err.median, a.featureTau);
    }
    const embL = await embedders.get(modelKey)!.embedTrack(learner);
    const d = dtw(embL.values, embRef.values, embL.dim, { distance: 'euclidean' });
    const l2r = d.aToB!;
    const err = frameError(l2r, truth);
    let nn = NaN;
    try {
      nn = nearestNeighbourTau(embL.values, embRef.values, embL.dim);
    } catch {
      // undefined tau (too few frames)
    }
    add(`${group}|TCC (${modelKey} model)`, kendallTauB(truth, l2r), err.median, nn);
  }
}
for (const e of embedders.values()) await e.release();

console.log(
  `\nValidation subjects 07 and 13 (${validation.length} takes: ${[...new Set(validation.map((t) => t.category))].join(', ')}), learner camera VIEW° round from the reference, time-warped, detector-like 2D noise on both; DTW (euclidean).`,
);
console.log('Goal: tau ≥ 0.95, median error ≤ 2 frames.');
console.log(
  '| View difference | Takes | Features | Mean tau | Min tau | Median of median errors (frames) | Mean NN tau |',
);
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
for (const [key, r] of table) {
  const [view, category, features] = key.split('|');
  console.log(
    `| ${view} | ${category} (${r.tau.length}) | ${features} | ${avg(r.tau).toFixed(3)} | ${Math.min(...r.tau).toFixed(3)} | ${med(r.median).toFixed(1)} | ${avg(r.nn).toFixed(3)} |`,
  );
}
console.log(
  `\nTotal ${((performance.now() - t0) / 1000).toFixed(0)} s. Encoders: ${[...onnxOf.values()].map((p) => p.replace(`${process.cwd()}/`, '')).join(', ')}`,
);
