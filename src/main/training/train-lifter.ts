/**
 * Training the temporal-convolution lifter (lifter-model.ts) on mocap windows (dataset.ts), the
 * VideoPose3D way:
 *
 *   - supervised loss: MPJPE between the predicted and true root-relative camera-space pose of each
 *     window's middle frame;
 *   - Adam (AMSGrad variant by default, as VideoPose3D), learning rate lr₀ · decay^epoch;
 *   - batch-norm momentum decaying exponentially from 0.1 to 0.001 over the epochs;
 *   - flip augmentation at training time (the sampler mirrors half the windows) and at test time
 *     (evaluate.ts);
 *   - an epoch is `windowsPerEpoch` windows (default: one per training frame) in a seeded random
 *     order, each with its own random camera and noise, so every epoch sees new views.
 *
 * The loop is built for a job: `trainLifter(data, options, control)` takes an AbortSignal (checked
 * between steps; on abort it saves a checkpoint and throws an AbortError), reports progress
 * (epoch, step, loss, throughput, validation metrics), and with a checkpoint directory saves every
 * `checkpointEverySteps` steps and at each epoch's end, and resumes from the directory's
 * checkpoint: the batches after a resume are the ones an uninterrupted run would have drawn (each
 * step's randomness comes from the seed, the epoch and the step). Fine-tuning starts from given
 * weights (e.g. the shipped model's .klw) with a fresh optimizer.
 *
 * Semi-supervised (options.semiSupervised, data.unlabeled; semi-supervised.ts): a trajectory
 * model is trained alongside on the labelled windows; after the warm-up epochs every step also
 * draws a batch of unlabelled windows (2D only: mocap rendered through virtual cameras, or real
 * pose tracks with an assumed camera, track-windows.ts), back-projects the two models' predictions
 * and adds the bone-length term. Both models and their optimizers are checkpointed.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_SAMPLE_OPTIONS,
  WindowSampler,
  type LiftingSequence,
  type SampleOptions,
  type WindowSource,
} from '../../shared/lifting/dataset';
import { TrackWindowSampler, type Track2d } from '../../shared/lifting/track-windows';
import type { MetricSet } from '../../shared/lifting/metrics';
import { deriveSeed, Rng } from '../../shared/lifting/rng';
import { KinemaError } from '../../shared/errors';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint';
import { abortError, evaluateLifter } from './evaluate';
import {
  filterWidthsFor,
  initLifterWeights,
  LifterModel,
  receptiveFieldOf,
  sameConfig,
  type LifterConfig,
  type LifterWeights,
  type NamedTensor,
} from './lifter-model';
import {
  semiSupervisedLosses,
  trajectoryLoss,
  type BoneLengthTerm,
  type ProjectionMode,
} from './semi-supervised';
import { initTrainingBackend, type BackendChoice, type TrainingBackend } from './tf-backend';

export interface TrainLifterOptions {
  /** 1 (per-frame baseline), 27, 81 or 243. */
  receptiveField: number;
  channels: number;
  dropout: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Learning-rate factor per epoch. */
  lrDecay: number;
  amsgrad: boolean;
  /** Batch-norm momentum at the first and the last epoch (exponential in between). */
  bnMomentum: [number, number];
  seed: number;
  /** Windows per epoch; null = one per training frame. */
  windowsPerEpoch: number | null;
  checkpointEverySteps: number;
  /** Validate every this many epochs (and after the last); 0 = only after the last. */
  validateEveryEpochs: number;
  /** Camera views per validation sequence during training. */
  validationViews: number;
  sample: Omit<SampleOptions, 'receptiveField'>;
  /** Semi-supervised training with unlabelled 2D (data.unlabeled), or null for supervised only. */
  semiSupervised: SemiSupervisedOptions | null;
  /** Where the backend chain starts (default: its top). */
  backend?: TrainingBackend;
}

/**
 * VideoPose3D's semi-supervised setting (semi-supervised.ts): a trajectory model learns the root's
 * camera-space position on the labelled windows; after `warmupEpochs` of supervised training, each
 * step also back-projects a batch of unlabelled windows and adds the bone-length term.
 */
export interface SemiSupervisedOptions {
  warmupEpochs: number;
  weights: { projection: number; bone: number; trajectory: number };
  /**
   * Probability that an unlabelled window gets detector noise; absent = the labelled windows'
   * `sample.noiseProbability`. (Unlabelled tracks from a real detector are noisy already.)
   */
  unlabeledNoiseProbability?: number;
  /** The bone-length term's form (semi-supervised.ts); absent = 'batch-mean', the paper's. */
  boneLength?: BoneLengthTerm;
  /** The back-projection (semi-supervised.ts); absent = 'perspective', the paper's. */
  projection?: ProjectionMode;
}

/**
 * Measured on the CMU 10 % protocol (bench/RESULTS.md): the paper's batch-mean bone term and equal
 * weights gave 7.1 % lower MPJPE than supervised-only; the per-window bone term 14.1 %, and with
 * the projection weighted 3 (screen units are small next to metres) 16.1 %.
 */
export const DEFAULT_SEMI_SUPERVISED: SemiSupervisedOptions = {
  warmupEpochs: 5,
  weights: { projection: 3, bone: 1, trajectory: 1 },
  boneLength: 'per-window',
};

export const DEFAULT_TRAIN_OPTIONS: TrainLifterOptions = {
  receptiveField: 27,
  channels: 256,
  dropout: 0.25,
  epochs: 40,
  batchSize: 256,
  learningRate: 1e-3,
  lrDecay: 0.95,
  amsgrad: true,
  bnMomentum: [0.1, 0.001],
  seed: 1,
  windowsPerEpoch: null,
  checkpointEverySteps: 200,
  validateEveryEpochs: 5,
  validationViews: 1,
  sample: DEFAULT_SAMPLE_OPTIONS,
  semiSupervised: null,
};

/** Options that must not change across a resume (they define the model or the batches). */
const FIXED_ON_RESUME = [
  'receptiveField',
  'channels',
  'batchSize',
  'windowsPerEpoch',
  'seed',
  'semiSupervised',
] as const;

export type ValidationMetrics = Pick<MetricSet, 'mpjpeMm' | 'pMpjpeMm' | 'nMpjpeMm' | 'velocityMmPerFrame'>;

export interface EpochRecord {
  epoch: number;
  steps: number;
  /** Mean training loss (MPJPE, mm) over the epoch's steps. */
  lossMm: number;
  lr: number;
  bnMomentum: number;
  seconds: number;
  samplesPerSecond: number;
  val?: ValidationMetrics;
}

export interface TrainProgress {
  phase: 'train' | 'validate' | 'checkpoint' | 'done';
  /** 0-based epoch in progress. */
  epoch: number;
  epochs: number;
  /** Steps done so far and in all. */
  step: number;
  totalSteps: number;
  /** Mean loss (MPJPE, mm) of the steps since the last report. */
  lossMm: number;
  lr: number;
  samplesPerSecond: number;
  /** Validation metrics of the epoch just finished (phase 'validate'). */
  val?: ValidationMetrics;
  /**
   * Semi-supervised runs: mean trajectory loss (weighted mm), projection error (screen-normalised
   * units × 1000) and bone-length gap (mm) since the last report.
   */
  semi?: { trajectory: number; projection: number; bone: number };
}

export interface TrainControl {
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Save checkpoints here and resume from the one found there. */
  checkpointDir?: string | null;
  /** Fine-tuning: start from these weights (ignored when a checkpoint is resumed). */
  initialWeights?: LifterWeights | null;
  /** Report training progress every this many steps (default 10). */
  progressEverySteps?: number;
}

export interface TrainResult {
  weights: LifterWeights;
  /** Semi-supervised runs: the trajectory model. */
  trajectoryWeights?: LifterWeights;
  history: EpochRecord[];
  steps: number;
  /** Step the run resumed from, or null for a fresh start. */
  resumedFromStep: number | null;
  backend: BackendChoice;
  trainSeconds: number;
  samplesPerSecond: number;
}

/** Adam / AMSGrad over named variables, with a state that checkpoints as named tensors. */
export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly vmax = new Map<string, tf.Variable>();
  t = 0;

  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    readonly amsgrad: boolean,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    const zeros = (p: tf.Variable): tf.Variable => tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    for (const [name, p] of params) {
      this.m.set(name, zeros(p));
      this.v.set(name, zeros(p));
      if (amsgrad) this.vmax.set(name, zeros(p));
    }
  }

  /** One update of every parameter with its gradient. */
  apply(params: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, p] of params) {
        const g = grads.get(name);
        if (!g) throw new Error(`Adam: no gradient for ${name}`);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        let second: tf.Tensor = v;
        if (this.amsgrad) {
          const vm = this.vmax.get(name)!;
          vm.assign(tf.maximum(vm, v));
          second = vm;
        }
        const denom = tf.add(tf.div(tf.sqrt(second), Math.sqrt(bc2)), this.epsilon);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1)));
      }
    });
  }

  state(): NamedTensor[] {
    const out: NamedTensor[] = [{ name: 'adam:t', shape: [1], data: Float32Array.of(this.t) }];
    for (const [prefix, map] of [
      ['m', this.m],
      ['v', this.v],
      ['vmax', this.vmax],
    ] as const) {
      for (const [name, t] of map) {
        out.push({
          name: `${prefix}:${name}`,
          shape: [...t.shape],
          data: Float32Array.from(t.dataSync() as Float32Array),
        });
      }
    }
    return out;
  }

  load(tensors: readonly NamedTensor[]): void {
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const t = byName.get('adam:t');
    if (!t) throw new KinemaError('BAD_CHECKPOINT', 'The checkpoint has no optimizer step count');
    this.t = t.data[0];
    tf.tidy(() => {
      for (const [prefix, map] of [
        ['m', this.m],
        ['v', this.v],
        ['vmax', this.vmax],
      ] as const) {
        for (const [name, variable] of map) {
          const s = byName.get(`${prefix}:${name}`);
          if (!s || s.shape.join('x') !== variable.shape.join('x')) {
            throw new KinemaError(
              'BAD_CHECKPOINT',
              `The checkpoint's optimizer state lacks or misshapes ${prefix}:${name}`,
            );
          }
          variable.assign(tf.tensor(s.data, s.shape, 'float32'));
        }
      }
    });
  }

  dispose(): void {
    for (const map of [this.m, this.v, this.vmax]) for (const v of map.values()) v.dispose();
  }
}

export function checkTrainOptions(o: TrainLifterOptions): void {
  filterWidthsFor(o.receptiveField);
  const positiveInts: [string, number][] = [
    ['channels', o.channels],
    ['epochs', o.epochs],
    ['batchSize', o.batchSize],
    ['checkpointEverySteps', o.checkpointEverySteps],
    ['validationViews', o.validationViews],
  ];
  for (const [k, v] of positiveInts) {
    if (!Number.isInteger(v) || v < 1)
      throw new KinemaError('BAD_OPTIONS', `Training option ${k} must be a positive integer, got ${v}`);
  }
  if (!(o.learningRate > 0))
    throw new KinemaError('BAD_OPTIONS', `learningRate must be positive, got ${o.learningRate}`);
  if (!(o.lrDecay > 0 && o.lrDecay <= 1))
    throw new KinemaError('BAD_OPTIONS', `lrDecay must be in (0, 1], got ${o.lrDecay}`);
  if (!(o.dropout >= 0 && o.dropout < 1))
    throw new KinemaError('BAD_OPTIONS', `dropout must be in [0, 1), got ${o.dropout}`);
  if (
    o.windowsPerEpoch !== null &&
    !(Number.isInteger(o.windowsPerEpoch) && o.windowsPerEpoch >= o.batchSize)
  ) {
    throw new KinemaError(
      'BAD_OPTIONS',
      `windowsPerEpoch must be null or an integer ≥ batchSize, got ${o.windowsPerEpoch}`,
    );
  }
  const speed = o.sample.speedRange;
  if (speed && !(speed[0] > 0 && speed[0] <= speed[1] && speed[1] <= 4))
    throw new KinemaError(
      'BAD_OPTIONS',
      `speedRange must be [lo, hi] with 0 < lo ≤ hi ≤ 4, got [${speed.join(', ')}]`,
    );
  const reverse = o.sample.reverseProbability;
  if (!(reverse >= 0 && reverse <= 1))
    throw new KinemaError('BAD_OPTIONS', `reverseProbability must be in [0, 1], got ${reverse}`);
  const semi = o.semiSupervised;
  if (semi) {
    if (!(Number.isInteger(semi.warmupEpochs) && semi.warmupEpochs >= 0))
      throw new KinemaError('BAD_OPTIONS', `warmupEpochs must be an integer ≥ 0, got ${semi.warmupEpochs}`);
    for (const [k, v] of Object.entries(semi.weights)) {
      if (!(v >= 0 && Number.isFinite(v)))
        throw new KinemaError('BAD_OPTIONS', `The ${k} loss weight must be ≥ 0, got ${v}`);
    }
    const p = semi.unlabeledNoiseProbability;
    if (p !== undefined && !(p >= 0 && p <= 1))
      throw new KinemaError('BAD_OPTIONS', `unlabeledNoiseProbability must be in [0, 1], got ${p}`);
  }
}

/**
 * Learning rate and batch-norm momentum of an epoch. The momentum's final value is raised to
 * 1 / stepsPerEpoch when the epochs are short, so the running statistics still average over about
 * an epoch of the latest weights rather than freezing early in training.
 */
export function schedule(
  o: TrainLifterOptions,
  epoch: number,
  stepsPerEpoch = Infinity,
): { lr: number; bnMomentum: number } {
  const m0 = o.bnMomentum[0];
  const m1 = Math.min(m0, Math.max(o.bnMomentum[1], 1 / stepsPerEpoch));
  const frac = o.epochs > 1 ? epoch / (o.epochs - 1) : 0;
  return { lr: o.learningRate * o.lrDecay ** epoch, bnMomentum: m0 * Math.exp(frac * Math.log(m1 / m0)) };
}

/** The windows of an epoch, in order (a seeded permutation, repeated when an epoch is longer). */
export function epochOrder(windowCount: number, windows: number, seed: number, epoch: number): Uint32Array {
  const out = new Uint32Array(windows);
  let filled = 0;
  for (let round = 0; filled < windows; round++) {
    const p = new Rng(deriveSeed(seed, epoch, round, 0xe9)).permutation(windowCount);
    const n = Math.min(p.length, windows - filled);
    out.set(p.subarray(0, n), filled);
    filled += n;
  }
  return out;
}

/**
 * The MPJPE loss of a batch and its gradient with respect to the prediction: mean over windows and
 * joints of ‖pred − target‖ (metres). Call inside tf.tidy.
 */
export function mpjpeLoss(
  pred: tf.Tensor2D,
  target: tf.Tensor2D,
  joints: number,
): { loss: tf.Scalar; dPred: tf.Tensor2D } {
  const B = pred.shape[0];
  const e = tf.reshape(tf.sub(pred, target), [B, joints, 3]);
  const n = tf.sqrt(tf.add(tf.sum(tf.square(e), -1, true), 1e-12));
  const dPred = tf.reshape(tf.div(e, tf.mul(n, B * joints)), [B, joints * 3]) as tf.Tensor2D;
  return { loss: tf.mean(n) as tf.Scalar, dPred };
}

function toValidation(m: MetricSet): ValidationMetrics {
  return {
    mpjpeMm: m.mpjpeMm,
    pMpjpeMm: m.pMpjpeMm,
    nMpjpeMm: m.nMpjpeMm,
    velocityMmPerFrame: m.velocityMmPerFrame,
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface TrainingData {
  /** Labelled sequences (3D targets). */
  train: readonly LiftingSequence[];
  validation: readonly LiftingSequence[];
  /** Semi-supervised: sequences used as 2D only (their 3D is never read by a loss). */
  unlabeled?: readonly LiftingSequence[];
  /** Semi-supervised: real 2D tracks (footage, no 3D), used instead of `unlabeled` when given. */
  unlabeledTracks?: readonly Track2d[];
}

/** Where a semi-supervised run draws its unlabelled windows from (null: supervised). */
function unlabeledSource(data: TrainingData, o: TrainLifterOptions): WindowSource | null {
  const semi = o.semiSupervised;
  if (!semi) return null;
  if (data.unlabeledTracks && data.unlabeledTracks.length > 0)
    return new TrackWindowSampler(data.unlabeledTracks, {
      receptiveField: o.receptiveField,
      inputNormalization: o.sample.inputNormalization,
      flipProbability: o.sample.flipProbability,
    });
  if (data.unlabeled && data.unlabeled.length > 0)
    return new WindowSampler(data.unlabeled, {
      ...o.sample,
      noiseProbability: semi.unlabeledNoiseProbability ?? o.sample.noiseProbability,
      receptiveField: o.receptiveField,
    });
  throw new KinemaError('BAD_OPTIONS', 'Semi-supervised training needs unlabelled sequences or 2D tracks.');
}

/** Trains a lifter; see the module comment. */
export async function trainLifter(
  data: TrainingData,
  options: TrainLifterOptions,
  control: TrainControl = {},
): Promise<TrainResult> {
  checkTrainOptions(options);
  const semi = options.semiSupervised ?? null;
  const unlabeledSampler = unlabeledSource(data, options);
  const backend = await initTrainingBackend(options.backend);
  const o = options;
  const J = 17;
  const config: LifterConfig = {
    filterWidths: filterWidthsFor(o.receptiveField),
    channels: o.channels,
    dropout: o.dropout,
    joints: J,
  };
  let resumed: Checkpoint | null = null;
  if (control.checkpointDir && hasCheckpoint(control.checkpointDir)) {
    resumed = loadCheckpoint(control.checkpointDir);
    for (const k of FIXED_ON_RESUME) {
      const was = resumed.state.options[k];
      if (JSON.stringify(was) !== JSON.stringify(o[k])) {
        throw new KinemaError(
          'CHECKPOINT_MISMATCH',
          `The checkpoint in ${control.checkpointDir} was trained with ${k} = ${JSON.stringify(was)}, not ${JSON.stringify(o[k])}: use the same options to resume, or another folder to start over.`,
        );
      }
    }
  }
  const start =
    resumed?.weights ?? control.initialWeights ?? initLifterWeights(config, deriveSeed(o.seed, 0x1f));
  if (!sameConfig(start.config, config)) {
    throw new KinemaError(
      'CHECKPOINT_MISMATCH',
      `The starting weights are a receptive field ${receptiveFieldOf(start.config)}, ${start.config.channels}-channel model; the options ask for ${o.receptiveField} and ${o.channels}.`,
    );
  }
  const model = new LifterModel({ config, tensors: start.tensors });
  const adam = new Adam(model.params, o.amsgrad);
  // Semi-supervised: the trajectory model (one output joint) and its optimizer.
  let traj: LifterModel | null = null;
  let trajAdam: Adam | null = null;
  if (semi) {
    const trajConfig: LifterConfig = { ...config, outputJoints: 1 };
    const saved = (resumed?.extra ?? []).filter((t) => t.name.startsWith('traj:'));
    traj = new LifterModel(
      saved.length > 0
        ? { config: trajConfig, tensors: saved.map((t) => ({ ...t, name: t.name.slice(5) })) }
        : initLifterWeights(trajConfig, deriveSeed(o.seed, 0x2f)),
    );
    trajAdam = new Adam(traj.params, o.amsgrad);
    if (saved.length > 0) {
      trajAdam.load(
        (resumed?.extra ?? [])
          .filter((t) => t.name.startsWith('trajadam:'))
          .map((t) => ({ ...t, name: t.name.slice(9) })),
      );
    }
  }
  try {
    if (resumed) adam.load(resumed.optimizer);
    const sampler = new WindowSampler(data.train, { ...o.sample, receptiveField: o.receptiveField });
    const windows = o.windowsPerEpoch ?? sampler.windowCount;
    const stepsPerEpoch = Math.max(1, Math.floor(windows / o.batchSize));
    const totalSteps = stepsPerEpoch * o.epochs;
    const B = o.batchSize;
    const rf = o.receptiveField;
    const input = new Float32Array(B * rf * J * 2);
    const target = new Float32Array(B * J * 3);
    const rayL = new Float32Array(semi ? B * rf * J * 2 : 0);
    const rootL = new Float32Array(semi ? B * 3 : 0);
    const inputU = new Float32Array(semi ? B * rf * J * 2 : 0);
    const targetU = new Float32Array(semi ? B * J * 3 : 0);
    const rayU = new Float32Array(semi ? B * rf * J * 2 : 0);
    const centerU = new Float32Array(semi ? B * J * 2 : 0);
    const intrU = new Float32Array(semi ? B * 6 : 0);
    let step = resumed?.state.step ?? 0;
    let epoch = resumed?.state.epoch ?? 0;
    let stepInEpoch = resumed?.state.stepInEpoch ?? 0;
    const history = (resumed?.state.history ?? []) as EpochRecord[];
    let trainSeconds = resumed?.state.trainSeconds ?? 0;
    let samples = resumed?.state.samples ?? 0;
    const everySteps = control.progressEverySteps ?? 10;

    const checkpoint = (): void => {
      if (!control.checkpointDir) return;
      saveCheckpoint(control.checkpointDir, {
        state: {
          step,
          epoch,
          stepInEpoch,
          options: o as unknown as Record<string, unknown>,
          history,
          trainSeconds,
          samples,
        },
        weights: model.getWeights(),
        optimizer: adam.state(),
        extra:
          traj && trajAdam
            ? [
                ...traj.getWeights().tensors.map((t) => ({ ...t, name: `traj:${t.name}` })),
                ...trajAdam.state().map((t) => ({ ...t, name: `trajadam:${t.name}` })),
              ]
            : [],
      });
    };

    while (epoch < o.epochs) {
      const { lr, bnMomentum } = schedule(o, epoch, stepsPerEpoch);
      const order = epochOrder(sampler.windowCount, stepsPerEpoch * B, o.seed, epoch);
      const orderU = unlabeledSampler
        ? epochOrder(unlabeledSampler.windowCount, stepsPerEpoch * B, deriveSeed(o.seed, 0x55), epoch)
        : null;
      const semiActive = semi !== null && epoch >= semi.warmupEpochs;
      let reportSemi = [0, 0, 0];
      let epochLoss = 0;
      let epochSteps = 0;
      let reportLoss = 0;
      let reportSteps = 0;
      const epochStart = performance.now();
      let epochTrainMs = 0;
      while (stepInEpoch < stepsPerEpoch) {
        if (control.signal?.aborted) {
          checkpoint();
          throw abortError();
        }
        const t0 = performance.now();
        sampler.fill(
          order.subarray(stepInEpoch * B, (stepInEpoch + 1) * B),
          deriveSeed(o.seed, epoch, stepInEpoch, 1),
          input,
          target,
          semi ? { cameraNormalized: rayL, root: rootL } : undefined,
        );
        if (semiActive) {
          unlabeledSampler!.fill(
            orderU!.subarray(stepInEpoch * B, (stepInEpoch + 1) * B),
            deriveSeed(o.seed, epoch, stepInEpoch, 3),
            inputU,
            targetU,
            { cameraNormalized: rayU, center2d: centerU, intrinsics: intrU },
          );
        }
        const dropSeed = deriveSeed(o.seed, epoch, stepInEpoch, 2);
        const dropSeedT = deriveSeed(o.seed, epoch, stepInEpoch, 4);
        const losses = tf.tidy(() => {
          const x = tf.tensor3d(input, [B, rf, J * 2]);
          const y = tf.tensor2d(target, [B, J * 3]);
          if (!semi) {
            const { out, cache } = model.forwardTrain(x, dropSeed, bnMomentum);
            const { loss, dPred } = mpjpeLoss(out, y, J);
            adam.apply(model.params, model.backward(cache, dPred), lr);
            return tf.stack([loss]);
          }
          const sL = tf.tensor3d(rayL, [B, rf, J * 2]);
          const rootT = tf.tensor2d(rootL, [B, 3]);
          if (!semiActive) {
            // Warm-up: supervised pose, supervised trajectory, labelled windows only.
            const p = model.forwardTrain(x, dropSeed, bnMomentum);
            const l = mpjpeLoss(p.out, y, J);
            adam.apply(model.params, model.backward(p.cache, l.dPred), lr);
            const t = traj!.forwardTrain(sL, dropSeedT, bnMomentum);
            const tl = trajectoryLoss(t.out, rootT);
            trajAdam!.apply(traj!.params, traj!.backward(t.cache, tl.dTraj), lr);
            return tf.stack([l.loss, tl.loss, tf.scalar(0), tf.scalar(0)]);
          }
          const xU = tf.tensor3d(inputU, [B, rf, J * 2]);
          const sU = tf.tensor3d(rayU, [B, rf, J * 2]);
          const p = model.forwardTrain(tf.concat([x, xU], 0), dropSeed, bnMomentum);
          const t = traj!.forwardTrain(tf.concat([sL, sU], 0), dropSeedT, bnMomentum);
          const r = semiSupervisedLosses({
            pose: p.out,
            traj: t.out,
            labelled: B,
            target: y,
            root: rootT,
            observed2d: tf.tensor2d(centerU, [B, J * 2]),
            intrinsics: tf.tensor2d(intrU, [B, 6]),
            weights: semi.weights,
            boneLength: semi.boneLength,
            projectionMode: semi.projection,
          });
          adam.apply(model.params, model.backward(p.cache, r.dPose), lr);
          trajAdam!.apply(traj!.params, traj!.backward(t.cache, r.dTraj), lr);
          return tf.stack([r.supervised, r.trajectory, r.projection, r.bone]);
        });
        const values = await losses.data();
        losses.dispose();
        const lossM = values[0];
        if (semi) reportSemi = reportSemi.map((v, i) => v + values[i + 1] * 1000);
        if (!Number.isFinite(lossM)) {
          throw new KinemaError(
            'TRAINING_DIVERGED',
            `Training diverged at step ${step} (loss ${lossM}); lower the learning rate.`,
          );
        }
        const dt = performance.now() - t0;
        epochTrainMs += dt;
        trainSeconds += dt / 1000;
        samples += semiActive ? 2 * B : B;
        step++;
        stepInEpoch++;
        epochLoss += lossM * 1000;
        epochSteps++;
        reportLoss += lossM * 1000;
        reportSteps++;
        if (reportSteps >= everySteps || stepInEpoch === stepsPerEpoch) {
          control.onProgress?.({
            phase: 'train',
            epoch,
            epochs: o.epochs,
            step,
            totalSteps,
            lossMm: reportLoss / reportSteps,
            lr,
            samplesPerSecond: samples / trainSeconds,
            semi: semi
              ? {
                  trajectory: reportSemi[0] / reportSteps,
                  projection: reportSemi[1] / reportSteps,
                  bone: reportSemi[2] / reportSteps,
                }
              : undefined,
          });
          reportLoss = 0;
          reportSteps = 0;
          reportSemi = [0, 0, 0];
        }
        if (step % o.checkpointEverySteps === 0 && stepInEpoch < stepsPerEpoch) {
          checkpoint();
          control.onProgress?.({
            phase: 'checkpoint',
            epoch,
            epochs: o.epochs,
            step,
            totalSteps,
            lossMm: epochLoss / epochSteps,
            lr,
            samplesPerSecond: samples / trainSeconds,
          });
        }
        await tick();
      }
      const record: EpochRecord = {
        epoch,
        steps: epochSteps,
        lossMm: epochSteps > 0 ? epochLoss / epochSteps : NaN,
        lr,
        bnMomentum,
        seconds: (performance.now() - epochStart) / 1000,
        samplesPerSecond: epochTrainMs > 0 ? (epochSteps * B) / (epochTrainMs / 1000) : NaN,
      };
      const last = epoch === o.epochs - 1;
      if (
        data.validation.length > 0 &&
        (last || (o.validateEveryEpochs > 0 && (epoch + 1) % o.validateEveryEpochs === 0))
      ) {
        const summary = evaluateLifter(model, data.validation, {
          views: o.validationViews,
          seed: o.seed,
          noise: null,
          sample: o.sample,
          signal: control.signal,
        });
        record.val = toValidation(summary.overall);
        control.onProgress?.({
          phase: 'validate',
          epoch,
          epochs: o.epochs,
          step,
          totalSteps,
          lossMm: record.lossMm,
          lr,
          samplesPerSecond: samples / trainSeconds,
          val: record.val,
        });
      }
      history.push(record);
      epoch++;
      stepInEpoch = 0;
      checkpoint();
      await tick();
    }
    control.onProgress?.({
      phase: 'done',
      epoch: o.epochs - 1,
      epochs: o.epochs,
      step,
      totalSteps,
      lossMm: history.at(-1)?.lossMm ?? NaN,
      lr: schedule(o, o.epochs - 1).lr,
      samplesPerSecond: trainSeconds > 0 ? samples / trainSeconds : NaN,
    });
    return {
      weights: model.getWeights(),
      trajectoryWeights: traj?.getWeights(),
      history,
      steps: step,
      resumedFromStep: resumed ? resumed.state.step : null,
      backend,
      trainSeconds,
      samplesPerSecond: trainSeconds > 0 ? samples / trainSeconds : NaN,
    };
  } finally {
    adam.dispose();
    model.dispose();
    trajAdam?.dispose();
    traj?.dispose();
  }
}
