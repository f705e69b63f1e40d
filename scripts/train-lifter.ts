// Trains Kinema's 3D lifter on the CMU mocap in ../shared/data/mocap, evaluates it on the
// validation subjects (CMU 07 and 13, never trained on), trains and evaluates the per-frame
// (receptive field 1) baseline the same way, exports the ONNX (+ .klw training weights for
// fine-tuning) to native-models/, checks ORT against TF.js, and writes the manifest entry it
// records under `lifters` in native-models/manifest.json.
//
//   npx tsx scripts/train-lifter.ts                    # the shipped default (reproduces it)
//   npx tsx scripts/train-lifter.ts --rf 81 --name tcn81 --no-baseline --no-export
//   npx tsx scripts/train-lifter.ts --bench-backends   # training throughput of each backend here
//   npx tsx scripts/train-lifter.ts --init native-models/lifter-tcn27.klw ...   # fine-tune
//   npx tsx scripts/train-lifter.ts --semi             # semi-supervised experiment (no export)
//
// --semi: VideoPose3D's semi-supervised setting on ~10 % of the labelled data. The labelled
// subjects (--labeled-subjects, default 08,11,16: 9.9 % of the training frames; walk, jump,
// martial arts) keep their 3D; the other training subjects are used as 2D only (back-projection
// with a trajectory model and the bone-length term). It trains supervised-only on the labelled
// subjects and semi-supervised with the same options and steps, and compares them on the
// validation subjects. Defaults there: --channels 128 --epochs 30 --windows-per-epoch 7680.
// Its options (defaults in DEFAULT_SEMI_SUPERVISED): --semi-warmup N (supervised epochs first)
// --semi-projection W --semi-bone W --semi-trajectory W (loss weights) --unlabeled-noise P
// (probability of detector noise on an unlabelled window; default: as the labelled ones)
// --bone batch-mean|per-window (the paper's bone term on the batches' mean lengths, or every
// unlabelled skeleton's bones against the labelled mean) --reprojection perspective|aligned (the
// paper's pinhole with the trajectory model, or camera-free scale-aligned). Each setting gets its
// own checkpoint folder; supervised-only is shared.
//
// Options: --rf N (1, 27, 81, 243) --channels N --epochs N --baseline-epochs N --batch N --lr X
// --lr-decay X --dropout X --seed N --windows-per-epoch N --views N (validation cameras per
// sequence) --name NAME --norm pose|screen|pose-motion --fresh (ignore saved checkpoints) --no-baseline
// --no-export --out DIR (default native-models) --backend wasm|cpu --noise-prob P (share of
// training windows with detector-like noise, default 0.6) --speed LO:HI (playback-speed
// augmentation of the windows, e.g. 0.75:1.33; default none) --reverse P (share of training
// windows played backwards; default 0). Checkpoints go to
// .cache/lifter-training/<run>/ and an interrupted run resumes from them.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_SAMPLE_OPTIONS,
  describeSequences,
  splitBySubject,
  VALIDATION_SUBJECTS,
  WindowSampler,
  type LiftingSequence,
} from '../src/shared/lifting/dataset';
import type { MetricSet, MetricsSummary } from '../src/shared/lifting/metrics';
import { INPUT_NORMALIZATIONS, MOTION_GAIN, type InputNormalization } from '../src/shared/lifting/normalize';
import { H36M17_JOINTS } from '../src/shared/skeletons/h36m17';
import { loadWeightsFile, saveWeightsFile } from '../src/main/training/checkpoint';
import {
  exportLifter,
  lifterOnnxMetadata,
  metricJson,
  trainAndEvaluateLifter,
} from '../src/main/training/lifter-session';
import {
  filterWidthsFor,
  initLifterWeights,
  LifterModel,
  type LifterWeights,
} from '../src/main/training/lifter-model';
import { loadMocapFolders } from '../src/main/training/mocap-data';
import { describeBackend, initTrainingBackend, type TrainingBackend } from '../src/main/training/tf-backend';
import {
  DEFAULT_SEMI_SUPERVISED,
  DEFAULT_TRAIN_OPTIONS,
  mpjpeLoss,
  type SemiSupervisedOptions,
  type TrainLifterOptions,
  type TrainResult,
} from '../src/main/training/train-lifter';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(root, '../shared/data/mocap');
const FOLDERS = ['cmu-bvh', 'cmu-bvh-cc-rig'];
const FPS = 50;

// ---- arguments ----
const argv = process.argv.slice(2);
function flag(name: string): boolean {
  return argv.includes(`--${name}`);
}
function value(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
function num(name: string, fallback: number): number {
  const v = Number(value(name, String(fallback)));
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number`);
  return v;
}

// The shipped default: receptive field 27, 256 channels, 30 epochs of one window per training
// frame, Adam (AMSGrad) lr 3e-3 decaying ×0.9 per epoch (dev runs: 3e-3 learns faster than
// VideoPose3D's 1e-3 in a short schedule), per-frame pose normalisation of the 2D input.
const semiMode = flag('semi');
const rf = num('rf', 27);
const channels = num('channels', semiMode ? 128 : 256);
const epochs = num('epochs', 30);
const baselineEpochs = num('baseline-epochs', epochs);
const seed = num('seed', 1);
const name = value('name', `tcn${rf}`);
const norm = value('norm', 'pose') as InputNormalization;
if (!INPUT_NORMALIZATIONS.includes(norm))
  throw new Error(`--norm must be one of ${INPUT_NORMALIZATIONS.join(', ')}`);
const SCREEN_MEANING = 'screen-normalised (x/w·2−1, y/w·2−h/w)';
const POSE_MEANING = `${SCREEN_MEANING} then per frame centred on the pelvis and scaled to unit RMS joint distance`;
/** What the exported model's 2D input is, per normalisation (the manifest's input.meaning). */
const INPUT_MEANING: Record<InputNormalization, string> = {
  screen: SCREEN_MEANING,
  pose: POSE_MEANING,
  'pose-motion': `${POSE_MEANING}; the pelvis slot holds the pelvis's step from the previous frame × ${MOTION_GAIN} / that RMS`,
};
const views = num('views', 2);
const windowsPerEpoch = argv.includes('--windows-per-epoch')
  ? num('windows-per-epoch', 0)
  : semiMode
    ? 7680
    : null;
// Its bounds are checked with the other training options (checkTrainOptions).
const speedArg = argv.includes('--speed') ? value('speed', '').split(':').map(Number) : null;
if (speedArg && speedArg.length !== 2)
  throw new Error('--speed must be LO:HI playback speeds, e.g. 0.75:1.33');
const backendArg = argv.includes('--backend') ? (value('backend', 'wasm') as TrainingBackend) : undefined;
const initPath = argv.includes('--init') ? value('init', '') : null;

const baseOptions: TrainLifterOptions = {
  ...DEFAULT_TRAIN_OPTIONS,
  channels,
  dropout: num('dropout', 0.25),
  epochs,
  batchSize: num('batch', 256),
  learningRate: num('lr', 3e-3),
  lrDecay: num('lr-decay', 0.9),
  seed,
  windowsPerEpoch,
  checkpointEverySteps: 200,
  validateEveryEpochs: num('validate-every', 5),
  validationViews: 1,
  sample: {
    ...DEFAULT_SAMPLE_OPTIONS,
    inputNormalization: norm,
    noiseProbability: num('noise-prob', DEFAULT_SAMPLE_OPTIONS.noiseProbability),
    speedRange: speedArg ? [speedArg[0], speedArg[1]] : null,
    reverseProbability: num('reverse', 0),
  },
  backend: backendArg,
};

// ---- tables ----
function table(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]): string =>
    '| ' +
    r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ') +
    ' |';
  console.log(line(cells[0]));
  console.log(
    '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|',
  );
  for (const r of cells.slice(1)) console.log(line(r));
  console.log('');
}
function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
const metricRow = (label: string, m: MetricSet): (string | number)[] => [
  label,
  m.frames,
  m.mpjpeMm,
  m.pMpjpeMm,
  m.nMpjpeMm,
  m.velocityMmPerFrame,
];
const METRIC_HEADER = ['', 'frames', 'MPJPE mm', 'P-MPJPE mm', 'N-MPJPE mm', 'MPJVE mm/frame'];

// ---- backend throughput ----
const why = (reason: string): string =>
  /Cannot find (package|module)/.test(reason) ? 'not installed' : reason.slice(0, 60);
async function benchBackends(train: LiftingSequence[]): Promise<void> {
  console.log(
    'Training throughput per backend (one process, batch 256, model step only and with data generation):',
  );
  const rows: (string | number)[][] = [];
  for (const backend of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const) {
    let choice;
    try {
      choice = await initTrainingBackend(backend);
    } catch (err) {
      rows.push([backend, 'not available', why((err as Error).message), '', '']);
      continue;
    }
    if (choice.backend !== backend) {
      rows.push([
        backend,
        'not available',
        why(choice.tried.find((t) => t.backend === backend)?.reason ?? ''),
        '',
        '',
      ]);
      continue;
    }
    for (const [r, c] of [
      [1, 256],
      [27, 256],
      [81, 256],
      [243, 256],
    ] as const) {
      // The plain-JavaScript cpu backend takes minutes per step at receptive field 81 and up.
      if (backend === 'cpu' && r > 27) continue;
      const B = 256;
      const model = new LifterModel(
        initLifterWeights({ filterWidths: filterWidthsFor(r), channels: c, dropout: 0.25, joints: 17 }, 1),
      );
      const sampler = new WindowSampler(train, {
        ...DEFAULT_SAMPLE_OPTIONS,
        inputNormalization: norm,
        receptiveField: r,
      });
      const input = new Float32Array(B * r * 34);
      const target = new Float32Array(B * 51);
      const idx = Uint32Array.from({ length: B }, (_, i) => (i * 7919) % sampler.windowCount);
      const step = (fill: boolean, k: number): void => {
        if (fill) sampler.fill(idx, k, input, target);
        const lr = 1e-4;
        tf.tidy(() => {
          const { out, cache } = model.forwardTrain(tf.tensor3d(input, [B, r, 34]), k, 0.01);
          const { dPred } = mpjpeLoss(out, tf.tensor2d(target, [B, 51]), 17);
          const grads = model.backward(cache, dPred);
          for (const [n, v] of model.params) v.assign(tf.sub(v, tf.mul(grads.get(n)!, lr)));
        });
      };
      step(true, 0);
      const reps = backend === 'cpu' ? 1 : r >= 81 ? 2 : 5;
      let t0 = performance.now();
      for (let k = 0; k < reps; k++) step(false, k);
      const modelOnly = (B * reps) / ((performance.now() - t0) / 1000);
      t0 = performance.now();
      for (let k = 0; k < reps; k++) step(true, k);
      const withData = (B * reps) / ((performance.now() - t0) / 1000);
      rows.push([
        backend,
        `RF ${r}, ${c} ch`,
        model.parameterCount(),
        Math.round(modelOnly),
        Math.round(withData),
      ]);
      model.dispose();
    }
  }
  table(['backend', 'model', 'parameters', 'samples/s (model)', 'samples/s (with data)'], rows);
}

// ---- training and evaluation ----
interface Trained {
  label: string;
  options: TrainLifterOptions;
  result: TrainResult;
  clean: MetricsSummary;
  noisy: MetricsSummary;
}

async function trainAndEvaluate(
  label: string,
  options: TrainLifterOptions,
  split: { train: LiftingSequence[]; validation: LiftingSequence[]; unlabeled?: LiftingSequence[] },
  initial: LifterWeights | null,
): Promise<Trained> {
  const run = `${name}-${label}-rf${options.receptiveField}-c${options.channels}-e${options.epochs}-s${options.seed}`;
  const dir = path.join(root, '.cache/lifter-training', run);
  if (flag('fresh') && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  console.log(
    `Training ${label}: receptive field ${options.receptiveField}, ${options.channels} channels, ${options.epochs} epochs (checkpoints in ${path.relative(root, dir)})`,
  );
  const windows = options.windowsPerEpoch ?? split.train.reduce((a, s) => a + s.frames, 0);
  const stepsPerEpoch = Math.max(1, Math.floor(windows / options.batchSize));
  const t0 = performance.now();
  const { result, clean, noisy } = await trainAndEvaluateLifter(
    split,
    options,
    {
      checkpointDir: dir,
      initialWeights: initial,
      progressEverySteps: stepsPerEpoch,
      onProgress: (p) => {
        if (p.phase === 'train' && p.step % stepsPerEpoch === 0) {
          process.stdout.write(
            `  epoch ${String(p.epoch + 1).padStart(3)}/${p.epochs}  step ${p.step}/${p.totalSteps}  loss ${p.lossMm.toFixed(1)} mm  lr ${p.lr.toExponential(2)}  ${p.samplesPerSecond.toFixed(0)} samples/s\n`,
          );
          if (p.semi && p.semi.projection > 0) {
            process.stdout.write(
              `             trajectory ${p.semi.trajectory.toFixed(1)}  projection ${p.semi.projection.toFixed(1)} (×1e-3 screen)  bone gap ${p.semi.bone.toFixed(1)} mm\n`,
            );
          }
        } else if (p.phase === 'validate' && p.val) {
          process.stdout.write(
            `  validation (clean 2D, 1 view): MPJPE ${p.val.mpjpeMm.toFixed(1)} mm, P-MPJPE ${p.val.pMpjpeMm.toFixed(1)} mm\n`,
          );
        }
      },
    },
    { views, seed: seed + 1000 },
  );
  if (result.resumedFromStep !== null) console.log(`  (resumed from step ${result.resumedFromStep})`);
  console.log(
    `  done: ${result.steps} steps, ${(result.trainSeconds / 60).toFixed(1)} min of training steps (${((performance.now() - t0) / 60000).toFixed(1)} min this run), ${result.samplesPerSecond.toFixed(0)} samples/s`,
  );
  return { label, options, result, clean, noisy };
}

function round(v: number, d = 1): number {
  return Number.isFinite(v) ? Number(v.toFixed(d)) : NaN;
}

async function main(): Promise<void> {
  if (!FOLDERS.every((f) => existsSync(path.join(dataDir, f)))) {
    console.log(`The CMU mocap is not at ${dataDir} (${FOLDERS.join(', ')}): nothing to train on. Skipping.`);
    return;
  }
  const t0 = performance.now();
  const loaded = loadMocapFolders(
    FOLDERS.map((f) => path.join(dataDir, f)),
    { fps: FPS, clipsCsv: path.join(dataDir, 'clips.csv') },
  );
  for (const s of loaded.skipped) console.log(`skipped ${s.file}: ${s.reason}`);
  const split = splitBySubject(loaded.sequences, VALIDATION_SUBJECTS);
  console.log(
    `Loaded ${loaded.sequences.length} takes in ${((performance.now() - t0) / 1000).toFixed(1)} s, resampled to ${FPS} fps.`,
  );
  const dTrain = describeSequences(split.train);
  const dVal = describeSequences(split.validation);
  table(
    ['split', 'takes', `frames @${FPS} fps`, 'CMU subjects'],
    [
      ['train', dTrain.sequences, dTrain.frames, dTrain.subjects.join(' ')],
      ['validation', dVal.sequences, dVal.frames, dVal.subjects.join(' ')],
    ],
  );
  const cats = [...new Set([...Object.keys(dTrain.categories), ...Object.keys(dVal.categories)])].sort();
  table(
    ['category', 'train frames', 'validation frames'],
    cats.map((c) => [c, dTrain.categories[c] ?? 0, dVal.categories[c] ?? 0]),
  );

  const choice = await initTrainingBackend(backendArg);
  console.log(`TF.js backend: ${describeBackend(choice)}\n`);
  if (flag('bench-backends')) {
    await benchBackends(split.train);
    return;
  }

  if (semiMode) {
    await semiExperiment(split);
    return;
  }
  const initial = initPath ? loadWeightsFile(path.resolve(initPath)).weights : null;
  const main = await trainAndEvaluate('main', { ...baseOptions, receptiveField: rf }, split, initial);
  const trained: Trained[] = [main];
  if (!flag('no-baseline') && rf !== 1) {
    trained.push(
      await trainAndEvaluate(
        'baseline',
        { ...baseOptions, receptiveField: 1, epochs: baselineEpochs },
        split,
        null,
      ),
    );
  }

  console.log(
    `Validation subjects ${VALIDATION_SUBJECTS.join(', ')} (${dVal.frames} frames × ${views} camera views; test-time flip):`,
  );
  table(
    ['model / 2D input', 'frames', 'MPJPE mm', 'P-MPJPE mm', 'N-MPJPE mm', 'MPJVE mm/frame'],
    trained.flatMap((t) => [
      metricRow(`RF ${t.options.receptiveField} / clean`, t.clean.overall),
      metricRow(`RF ${t.options.receptiveField} / detector noise`, t.noisy.overall),
    ]),
  );
  if (trained.length > 1) {
    const [m, b] = trained;
    const gain = (x: number, y: number): string => `${(((y - x) / y) * 100).toFixed(1)} %`;
    table(
      ['temporal vs per-frame', 'MPJPE lower by', 'P-MPJPE lower by', 'MPJVE lower by'],
      [
        [
          'clean 2D',
          gain(m.clean.overall.mpjpeMm, b.clean.overall.mpjpeMm),
          gain(m.clean.overall.pMpjpeMm, b.clean.overall.pMpjpeMm),
          gain(m.clean.overall.velocityMmPerFrame, b.clean.overall.velocityMmPerFrame),
        ],
        [
          'detector noise',
          gain(m.noisy.overall.mpjpeMm, b.noisy.overall.mpjpeMm),
          gain(m.noisy.overall.pMpjpeMm, b.noisy.overall.pMpjpeMm),
          gain(m.noisy.overall.velocityMmPerFrame, b.noisy.overall.velocityMmPerFrame),
        ],
      ],
    );
  }
  console.log('Per category (validation):');
  table(
    METRIC_HEADER.map((h, i) => (i === 0 ? 'model / input / category' : h)),
    trained.flatMap((t) =>
      (['clean', 'noisy'] as const).flatMap((k) =>
        Object.entries(t[k].perGroup).map(([c, m]) =>
          metricRow(`RF ${t.options.receptiveField} / ${k} / ${c}`, m),
        ),
      ),
    ),
  );
  console.log(`Per joint, RF ${rf} (validation):`);
  table(
    ['joint', 'MPJPE clean', 'P-MPJPE clean', 'MPJPE noisy', 'P-MPJPE noisy'],
    H36M17_JOINTS.map((j, i) => [
      j,
      main.clean.perJoint[i].mpjpeMm,
      main.clean.perJoint[i].pMpjpeMm,
      main.noisy.perJoint[i].mpjpeMm,
      main.noisy.perJoint[i].pMpjpeMm,
    ]),
  );

  if (flag('no-export')) return;
  const outDir = path.resolve(root, value('out', 'native-models'));
  mkdirSync(outDir, { recursive: true });
  const id = `lifter-${name}`;
  const command = `npx tsx scripts/train-lifter.ts ${argv.filter((a) => a !== '--fresh').join(' ')}`.trim();
  const metadata = lifterOnnxMetadata(
    FPS,
    norm,
    `CMU mocap (mocap.cs.cmu.edu), subjects except ${VALIDATION_SUBJECTS.join(', ')}; ${command}; seed ${seed}`,
  );
  const { onnx, maxAbsDiff } = await exportLifter(main.result.weights, metadata, seed);
  const check = { maxAbsDiff };
  const onnxPath = path.join(outDir, `${id}.onnx`);
  const klwPath = path.join(outDir, `${id}.klw`);
  writeFileSync(onnxPath, onnx);
  saveWeightsFile(klwPath, main.result.weights, { id, ...metadata });
  console.log(
    `Wrote ${path.relative(root, onnxPath)} (${onnx.length} bytes) and ${path.relative(root, klwPath)}`,
  );
  console.log(
    `ONNX (onnxruntime-node) vs TF.js dilated form on random input: max abs diff ${check.maxAbsDiff.toExponential(2)} m`,
  );
  const sha = (p: Buffer | Uint8Array): string => createHash('sha256').update(p).digest('hex');
  const baseline = trained[1];
  const proposed = {
    id,
    file: `${id}.onnx`,
    weights: `${id}.klw`,
    task: 'lift3d',
    description: `VideoPose3D-style temporal convolution lifter (receptive field ${rf} frames at ${FPS} fps, ${channels} channels), trained in Kinema on CMU mocap with virtual cameras and detector-like 2D noise`,
    skeletonId: 'h36m17',
    source: {
      data: 'CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu), ../shared/data/mocap/cmu-bvh and cmu-bvh-cc-rig',
      dataTerms:
        'Free for research and commercial products; the data may not be resold. Acknowledgement: "The data used in this project was obtained from mocap.cs.cmu.edu. The database was created with funding from NSF EIA-0196217."',
      trainSubjects: dTrain.subjects,
      validationSubjects: VALIDATION_SUBJECTS,
      trainFrames: dTrain.frames,
      validationFrames: dVal.frames,
      fps: FPS,
      license: 'MIT (weights trained by Kinema)',
    },
    training: {
      command,
      seed,
      backend: main.result.backend.backend,
      steps: main.result.steps,
      minutes: round(main.result.trainSeconds / 60),
      samplesPerSecond: Math.round(main.result.samplesPerSecond),
      options: { ...main.options, sample: undefined, backend: undefined },
      sample: main.options.sample,
    },
    sha256: sha(onnx),
    bytes: onnx.length,
    weightsSha256: sha(readFileSync(klwPath)),
    check: { against: 'TF.js dilated form (same weights), random input', maxAbsDiff: check.maxAbsDiff },
    input: {
      name: 'keypoints2d',
      dtype: 'float32',
      shape: ['batch', 'frames', 17, 2],
      meaning: `H36M-17 2D keypoints, ${INPUT_MEANING[norm]}; pad (RF−1)/2 frames by edge replication for one output per frame (src/shared/lifting/prepare.ts)`,
    },
    output: {
      name: 'joints3d',
      dtype: 'float32',
      shape: ['batch', 'frames − RF + 1', 17, 3],
      meaning: 'H36M-17 joints in metres, camera space (x right, y down, z forward), pelvis-relative',
      keypoints: H36M17_JOINTS,
    },
    receptiveField: rf,
    metrics: {
      protocol: `validation subjects ${VALIDATION_SUBJECTS.join(', ')}, ${views} seeded virtual cameras per take, test-time flip; detector noise = DEFAULT_NOISE (src/shared/lifting/noise.ts)`,
      clean: metricJson(main.clean.overall),
      noisy: metricJson(main.noisy.overall),
      perCategory: Object.fromEntries(
        Object.keys(main.clean.perGroup).map((c) => [
          c,
          { clean: metricJson(main.clean.perGroup[c]), noisy: metricJson(main.noisy.perGroup[c]) },
        ]),
      ),
      baseline: baseline
        ? {
            receptiveField: 1,
            clean: metricJson(baseline.clean.overall),
            noisy: metricJson(baseline.noisy.overall),
          }
        : null,
    },
  };
  // The entry goes under `lifters` in the manifest (replacing one with the same id).
  const manifestPath = path.join(outDir, 'manifest.json');
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { lifters?: { id: string }[] })
    : {};
  manifest.lifters = [...(manifest.lifters ?? []).filter((l) => l.id !== proposed.id), proposed];
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`Updated ${path.relative(root, manifestPath)} (lifters: ${proposed.id})`);
}

async function semiExperiment(split: {
  train: LiftingSequence[];
  validation: LiftingSequence[];
}): Promise<void> {
  const labeledSubjects = value('labeled-subjects', '08,11,16').split(',');
  const labeled = split.train.filter((s) => s.subject !== null && labeledSubjects.includes(s.subject));
  const unlabeled = split.train.filter((s) => !labeled.includes(s));
  const frames = (x: LiftingSequence[]): number => x.reduce((a, q) => a + q.frames, 0);
  const total = frames(split.train);
  console.log(
    `Semi-supervised experiment: labelled subjects ${labeledSubjects.join(' ')} (${frames(labeled)} frames, ${((100 * frames(labeled)) / total).toFixed(1)} % of the training frames); unlabelled 2D: ${unlabeled.length} takes, ${frames(unlabeled)} frames.\n`,
  );
  const o: TrainLifterOptions = { ...baseOptions, receptiveField: rf };
  const d = DEFAULT_SEMI_SUPERVISED;
  const bone = value('bone', d.boneLength ?? 'batch-mean');
  if (bone !== 'batch-mean' && bone !== 'per-window')
    throw new Error('--bone must be batch-mean or per-window');
  const semiOptions: SemiSupervisedOptions = {
    warmupEpochs: num('semi-warmup', d.warmupEpochs),
    weights: {
      projection: num('semi-projection', d.weights.projection),
      bone: num('semi-bone', d.weights.bone),
      trajectory: num('semi-trajectory', d.weights.trajectory),
    },
    boneLength: bone,
    ...(value('reprojection', 'perspective') === 'aligned' ? { projection: 'aligned' as const } : {}),
    ...(argv.includes('--unlabeled-noise') ? { unlabeledNoiseProbability: num('unlabeled-noise', 0) } : {}),
  };
  // Every semi-supervised setting names its own checkpoint folder (a resume must not mix them).
  const w = semiOptions.weights;
  const variant = `w${semiOptions.warmupEpochs}-p${w.projection}-b${w.bone}-t${w.trajectory}-${bone}${semiOptions.unlabeledNoiseProbability !== undefined ? `-un${semiOptions.unlabeledNoiseProbability}` : ''}${semiOptions.projection === 'aligned' ? '-aligned' : ''}`;
  console.log(`Semi-supervised options: ${JSON.stringify(semiOptions)}\n`);
  const sup = await trainAndEvaluate('sup10', o, { train: labeled, validation: split.validation }, null);
  const semi = await trainAndEvaluate(
    `semi10-${variant}`,
    { ...o, semiSupervised: semiOptions },
    { train: labeled, validation: split.validation, unlabeled },
    null,
  );
  console.log(
    `Validation subjects ${VALIDATION_SUBJECTS.join(', ')} (${views} camera views; test-time flip):`,
  );
  table(
    METRIC_HEADER.map((h, i) => (i === 0 ? 'training / 2D input' : h)),
    [
      metricRow('supervised, 10 % labelled / clean', sup.clean.overall),
      metricRow('semi-supervised / clean', semi.clean.overall),
      metricRow('supervised, 10 % labelled / noise', sup.noisy.overall),
      metricRow('semi-supervised / noise', semi.noisy.overall),
    ],
  );
  const gain = (x: number, y: number): string => `${(((y - x) / y) * 100).toFixed(1)} %`;
  table(
    ['semi vs supervised-only', 'MPJPE lower by', 'P-MPJPE lower by', 'N-MPJPE lower by'],
    (['clean', 'noisy'] as const).map((k) => [
      k === 'clean' ? 'clean 2D' : 'detector noise',
      gain(semi[k].overall.mpjpeMm, sup[k].overall.mpjpeMm),
      gain(semi[k].overall.pMpjpeMm, sup[k].overall.pMpjpeMm),
      gain(semi[k].overall.nMpjpeMm, sup[k].overall.nMpjpeMm),
    ]),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
