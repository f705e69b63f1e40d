/**
 * Semi-supervised fine-tuning on the footage you will lift (the train-lifter job with
 * --unlabeled): does learning from a video's own 2D tracks, without their 3D, lower the error on
 * that video? Real footage has no 3D to score against, so the "footage" here is the validation
 * subjects' CMU takes (07, 13; never trained on) filmed by fixed virtual cameras with
 * detector-like noise — 2D tracks like a detector's, with the true 3D kept aside for scoring.
 *
 * Both runs start from the shipped lifter (native-models/lifter-tcn27.klw) with the job's recipe
 * (lifterTrainOptions, appSemiSupervised: the trajectory model learns during the warm-up) and the
 * same seed, data and steps on the training subjects' mocap; the semi-supervised run also
 * back-projects windows of the footage's 2D with the job's assumed focal length
 * (ROOT_FOCAL_OVER_WIDTH × image width; the virtual cameras' true focal lengths vary 0.6-2.5
 * widths). Scored on the footage with test-time flip.
 *
 *   npx tsx bench/semi-footage.ts [--epochs 6] [--views 2]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_SAMPLE_OPTIONS,
  renderView,
  splitBySubject,
  VALIDATION_SUBJECTS,
} from '../src/shared/lifting/dataset';
import { DEFAULT_NOISE } from '../src/shared/lifting/noise';
import { denormalizeScreen } from '../src/shared/lifting/normalize';
import type { Track2d } from '../src/shared/lifting/track-windows';
import { ROOT_FOCAL_OVER_WIDTH } from '../src/main/lifting/core';
import { loadWeightsFile } from '../src/main/training/checkpoint';
import { evaluateLifter } from '../src/main/training/evaluate';
import { LifterModel } from '../src/main/training/lifter-model';
import { appSemiSupervised, LIFTER_FPS, lifterTrainOptions } from '../src/main/training/lifter-session';
import { loadMocapFolders } from '../src/main/training/mocap-data';
import { initTrainingBackend } from '../src/main/training/tf-backend';
import { trainLifter, type TrainLifterOptions } from '../src/main/training/train-lifter';

const dataDir = path.resolve('..', 'shared', 'data', 'mocap');
const FOLDERS = ['cmu-bvh', 'cmu-bvh-cc-rig'].map((f) => path.join(dataDir, f));
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const epochs = arg('epochs', 6);
const views = arg('views', 2);
// Diagnostics: --true-focal gives the back-projection each camera's real focal length (an oracle
// a user rarely has); --warmup N and --projection W override the job's semi-supervised options;
// --only-semi skips the mocap-only run.
const trueFocal = process.argv.includes('--true-focal');
const onlySemi = process.argv.includes('--only-semi');
// --clean: footage 2D without detector noise (and scored so). --as-mocap: the unlabelled windows
// are the footage's takes through random virtual cameras with true intrinsics (as scripts/train-lifter.ts --semi),
// not its fixed-camera tracks.
const asMocap = process.argv.includes('--as-mocap');
const noise = process.argv.includes('--clean') ? null : DEFAULT_NOISE;
const SEED = 1;
const FOOTAGE_SEED = 4242;

if (!FOLDERS.every((f) => existsSync(f))) {
  console.log(`The CMU mocap is not at ${dataDir}: nothing to measure. Skipping.`);
  process.exit(0);
}
const shipped = path.resolve('native-models', 'lifter-tcn27.klw');
const start = loadWeightsFile(shipped).weights;
const loaded = loadMocapFolders(FOLDERS, { fps: LIFTER_FPS, clipsCsv: path.join(dataDir, 'clips.csv') });
const split = splitBySubject(loaded.sequences, VALIDATION_SUBJECTS);
console.log(`TF.js backend: ${(await initTrainingBackend()).backend}`);

// The footage: each validation take seen by `views` fixed cameras, with a detector's noise.
const footage: Track2d[] = [];
const focals: number[] = [];
for (const seq of split.validation) {
  for (let v = 0; v < views; v++) {
    const view = renderView(seq, v, FOOTAGE_SEED, DEFAULT_SAMPLE_OPTIONS, noise);
    focals.push(view.intrinsics.fx / view.width);
    footage.push({
      id: `${seq.id} view ${v}`,
      pointsPx: denormalizeScreen(view.screen, view.width, view.height),
      width: view.width,
      height: view.height,
      focalPx: trueFocal ? view.intrinsics.fx : ROOT_FOCAL_OVER_WIDTH * view.width,
    });
  }
}
const footageFrames = footage.reduce((a, t) => a + t.pointsPx.length / 34, 0);
focals.sort((a, b) => a - b);
console.log(
  `Footage: ${split.validation.length} takes of subjects ${VALIDATION_SUBJECTS.join(', ')} × ${views} cameras = ${footageFrames} frames; true focal ${focals[0].toFixed(2)}-${focals.at(-1)!.toFixed(2)} widths, assumed ${ROOT_FOCAL_OVER_WIDTH}`,
);

// --scarce: little mocap — only the labelled subjects of the 10 % protocol (08 11 16), trained
// from scratch (128 channels, lr 3e-3), as `scripts/train-lifter.ts --semi` but with the footage's
// tracks as the unlabelled 2D.
const scarce = process.argv.includes('--scarce');
const labelled = scarce
  ? split.train.filter((q) => ['08', '11', '16'].includes(q.subject ?? ''))
  : split.train;
const settings = {
  receptiveField: 27,
  channels: scarce ? 128 : start.config.channels,
  epochs,
  batchSize: 256,
  learningRate: scarce ? 3e-3 : 1e-3,
  noise: true,
  seed: SEED,
};
const base: TrainLifterOptions = {
  ...lifterTrainOptions(settings, 1000),
  windowsPerEpoch: 7680,
  validateEveryEpochs: 0,
};
const score = (weights: typeof start) => {
  const model = new LifterModel(weights);
  try {
    return evaluateLifter(model, split.validation, { views, seed: FOOTAGE_SEED, noise }).overall;
  } finally {
    model.dispose();
  }
};

const rows: [string, ReturnType<typeof score>, number][] = scarce
  ? []
  : [['shipped lifter, as is', score(start), 0]];
const semiOptions = appSemiSupervised(epochs);
semiOptions.warmupEpochs = arg('warmup', semiOptions.warmupEpochs);
if (process.argv.includes('--aligned')) semiOptions.projection = 'aligned';
semiOptions.weights = {
  ...semiOptions.weights,
  projection: arg('projection', semiOptions.weights.projection),
  bone: arg('bone', semiOptions.weights.bone),
};
console.log(
  `Semi-supervised options: ${JSON.stringify(semiOptions)}${trueFocal ? ', true focal lengths' : ''}`,
);
for (const semi of onlySemi ? [true] : [false, true]) {
  const t0 = performance.now();
  const r = await trainLifter(
    {
      train: labelled,
      validation: [],
      unlabeledTracks: semi && !asMocap ? footage : undefined,
      unlabeled: semi && asMocap ? split.validation : undefined,
    },
    { ...base, semiSupervised: semi ? semiOptions : null },
    { initialWeights: scarce ? null : start },
  );
  const how = scarce ? 'trained on 3 subjects' : 'fine-tuned';
  const label = semi ? `${how} + footage 2D (semi-supervised)` : `${how} on mocap only`;
  rows.push([label, score(r.weights), (performance.now() - t0) / 1000]);
  console.log(`  ${label}: ${r.steps} steps, ${((performance.now() - t0) / 60000).toFixed(1)} min`);
}
console.log(
  `\nOn the footage (${noise ? 'detector-noisy' : 'exact'} 2D, test-time flip), ${epochs} epochs of 7,680 windows:`,
);
console.log('| lifter | MPJPE mm | P-MPJPE mm | N-MPJPE mm | velocity mm/frame |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [label, m] of rows)
  console.log(
    `| ${label} | ${m.mpjpeMm.toFixed(1)} | ${m.pMpjpeMm.toFixed(1)} | ${m.nMpjpeMm.toFixed(1)} | ${m.velocityMmPerFrame.toFixed(2)} |`,
  );
const sup = rows.find((r) => r[0].endsWith('on mocap only'));
const semi = rows.at(-1)!;
if (sup)
  console.log(
    `Semi-supervised vs mocap-only fine-tuning: MPJPE ${(((sup[1].mpjpeMm - semi[1].mpjpeMm) / sup[1].mpjpeMm) * 100).toFixed(1)} % lower, P-MPJPE ${(((sup[1].pMpjpeMm - semi[1].pMpjpeMm) / sup[1].pMpjpeMm) * 100).toFixed(1)} % lower`,
  );
