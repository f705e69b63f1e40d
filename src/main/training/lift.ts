/**
 * Lifting a 2D keypoint track to 3D with an exported lifter (export-onnx.ts) on onnxruntime-node.
 *
 * Input: one person's track, frames × K × 3 (x, y in image pixels, score), in COCO-17,
 * COCO-17 + feet (its first 17 points are COCO-17) or H36M-17 layout. Steps (prepare.ts):
 *   1. missing keypoints (score < minScore, NaN, or 0, 0 with score 0) are filled by linear
 *      interpolation in time (held at the ends); a joint never seen takes its parent's position;
 *      a track with no keypoint seen at all is refused;
 *   2. COCO-17 → H36M-17: pelvis = mid-hips, thorax = mid-shoulders, spine = mean of hips and
 *      shoulders, neck/nose = nose, head = mid-ears, feet = ankles (skeletons/mappings.ts);
 *   3. VideoPose3D screen coordinates (normalize.ts);
 *   4. when the track's frame rate is given and differs from the model's, the 2D track is
 *      resampled to the model's rate (linear) and the 3D result back to the track's frames;
 *   5. edge-replication padding of (RF − 1) / 2 frames at both ends, so every frame gets a pose —
 *      a track shorter than the receptive field is lifted too, with less temporal context — then
 *      the model's input normalisation (its metadata: 'screen', 'pose' or 'pose-motion');
 *   6. test-time flip augmentation: the mirrored track is lifted as well, mirrored back and
 *      averaged (one ORT run with a batch of two);
 *   7. long tracks run in chunks of `chunkFrames` output frames (with the receptive field's
 *      context around each), so memory stays bounded.
 * Output: frames × 17 × 3 H36M-17 joints in metres, relative to the pelvis (which is 0, 0, 0), in
 * camera space: x to the image's right, y down the image, z away from the camera.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { KinemaError } from '../../shared/errors';
import { resample } from '../../shared/lifting/dataset';
import { flipPoses } from '../../shared/lifting/flip';
import {
  INPUT_NORMALIZATIONS,
  normalizeScreen,
  type InputNormalization,
} from '../../shared/lifting/normalize';
import {
  inputJoints,
  paddedLifterInput,
  toH36m2d,
  type LiftInputSkeleton,
} from '../../shared/lifting/prepare';
import { createSession, type ModelSession } from '../inference/session';
import { LIFTER_INPUT, LIFTER_OUTPUT, readOnnxMetadata } from './export-onnx';

export interface LiftOptions {
  /** Size of the image the keypoints are in, pixels. */
  width: number;
  height: number;
  skeleton: LiftInputSkeleton;
  /** Keypoints scoring below this are treated as missing (default 0.3). */
  minScore?: number;
  /** Test-time flip augmentation (default true). */
  flip?: boolean;
  /** The track's frame rate; when given, the track is resampled to the model's rate and back. */
  fps?: number;
  /** Output frames per ORT run (default 2048). */
  chunkFrames?: number;
}

export interface LiftResult {
  /** frames × 17 × 3, metres, pelvis-relative camera space. */
  jointsM: Float32Array;
  frames: number;
  /** frames × 17: 1 where the joint's 2D input was filled rather than seen. */
  filled: Uint8Array;
  receptiveField: number;
  /** The model's frame rate, or null when it does not say. */
  modelFps: number | null;
}

export interface LifterInfo {
  receptiveField: number;
  joints: number;
  fps: number | null;
  inputNormalization: InputNormalization;
  metadata: Record<string, string>;
}

/** Reads a lifter ONNX file's facts from its metadata; refuses files that are not lifters. */
export function lifterInfo(bytes: Uint8Array, name = 'model'): LifterInfo {
  let metadata: Record<string, string>;
  try {
    metadata = readOnnxMetadata(bytes);
  } catch (err) {
    throw new KinemaError('BAD_MODEL', `${name} is not an ONNX model (${(err as Error).message}).`);
  }
  const rf = Number(metadata.receptive_field);
  const joints = Number(metadata.joints ?? 17);
  if (!Number.isInteger(rf) || rf < 1 || rf % 2 === 0) {
    throw new KinemaError(
      'BAD_MODEL',
      `${name} is not a Kinema lifter (no receptive_field in its metadata).`,
    );
  }
  if (joints !== 17)
    throw new KinemaError('BAD_MODEL', `${name} outputs ${joints} joints; lifting expects H36M-17.`);
  const norm = (metadata.input_normalization ?? 'screen') as InputNormalization;
  if (!INPUT_NORMALIZATIONS.includes(norm)) {
    throw new KinemaError('BAD_MODEL', `${name} asks for an unknown input normalisation "${norm}".`);
  }
  const fps = metadata.fps ? Number(metadata.fps) : null;
  return {
    receptiveField: rf,
    joints,
    fps: fps && fps > 0 ? fps : null,
    inputNormalization: norm,
    metadata,
  };
}

export class Lifter {
  private constructor(
    private readonly session: ModelSession,
    readonly info: LifterInfo,
  ) {}

  /**
   * Opens a lifter from its ONNX bytes (a project lifter stored in trained_models); `name` names it
   * in messages. The metadata is checked before a session is made, so a non-lifter is refused
   * with the reason.
   */
  static async fromBytes(bytes: Uint8Array, name: string, threads = 2): Promise<Lifter> {
    const info = lifterInfo(bytes, name);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new KinemaError('BAD_MODEL', `Cannot load ${name}: ${(err as Error).message}`);
    }
    return new Lifter(
      { session, providers: ['cpu'], run: (feeds) => session.run(feeds), release: () => session.release() },
      info,
    );
  }

  /** Opens a lifter ONNX file (threads: ORT intra-op threads, default 2). */
  static async open(path: string, threads?: number): Promise<Lifter> {
    const session = await createSession(path, { threads });
    let info: LifterInfo;
    try {
      info = lifterInfo(readFileSync(path), path);
    } catch (err) {
      await session.release();
      throw err;
    }
    return new Lifter(session, info);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** Lifts one track (see the module comment). */
  async lift(points: ArrayLike<number>, options: LiftOptions): Promise<LiftResult> {
    const { width, height, skeleton } = options;
    if (!(width > 0 && height > 0))
      throw new KinemaError('BAD_INPUT', `Image size ${width}×${height} must be positive.`);
    const K = inputJoints(skeleton);
    if (points.length === 0 || points.length % (K * 3) !== 0) {
      throw new KinemaError(
        'BAD_INPUT',
        `A ${skeleton} track is frames × ${K} keypoints × 3 (x, y, score); ${points.length} numbers is not.`,
      );
    }
    let h2d: ReturnType<typeof toH36m2d>;
    try {
      h2d = toH36m2d(points, skeleton, options.minScore ?? 0.3);
    } catch (err) {
      throw new KinemaError('BAD_INPUT', (err as Error).message);
    }
    const T = h2d.frames;
    const { receptiveField: rf, fps: modelFps } = this.info;
    let screen = normalizeScreen(h2d.pointsPx, width, height);
    const resampled =
      options.fps !== undefined && modelFps !== null && Math.abs(options.fps - modelFps) > 1e-3;
    if (options.fps !== undefined && !(options.fps > 0))
      throw new KinemaError('BAD_INPUT', `Frame rate ${options.fps} must be positive.`);
    let Tm = T;
    if (resampled) {
      Tm = Math.floor(((T - 1) * modelFps!) / options.fps! + 1e-6) + 1;
      screen = resample(screen, 34, options.fps!, modelFps!, Tm);
    }
    const padded = paddedLifterInput(screen, 17, rf, this.info.inputNormalization);
    const flip = options.flip ?? true;
    const chunk = Math.max(1, options.chunkFrames ?? 2048);
    const out = new Float32Array(Tm * 51);
    for (let a = 0; a < Tm; a += chunk) {
      const n = Math.min(chunk, Tm - a);
      const span = n + rf - 1;
      const slice = padded.subarray(a * 34, (a + span) * 34);
      const batch = flip ? 2 : 1;
      const feed = new Float32Array(batch * span * 34);
      feed.set(slice, 0);
      if (flip) feed.set(flipPoses(Float32Array.from(slice), 17, 2), span * 34);
      const result = await this.session.run({
        [LIFTER_INPUT]: new ort.Tensor('float32', feed, [batch, span, 17, 2]),
      });
      const y = result[LIFTER_OUTPUT].data as Float32Array;
      if (y.length !== batch * n * 51)
        throw new KinemaError(
          'BAD_MODEL',
          `The lifter returned ${y.length} values, expected ${batch * n * 51}.`,
        );
      const own = y.subarray(0, n * 51);
      if (flip) {
        const back = flipPoses(Float32Array.from(y.subarray(n * 51)), 17, 3);
        for (let i = 0; i < n * 51; i++) out[a * 51 + i] = (own[i] + back[i]) / 2;
      } else out.set(own, a * 51);
    }
    // Root-relative: the pelvis is the origin.
    for (let t = 0; t < Tm; t++) {
      const r = t * 51;
      const rx = out[r];
      const ry = out[r + 1];
      const rz = out[r + 2];
      for (let j = 0; j < 17; j++) {
        out[r + j * 3] -= rx;
        out[r + j * 3 + 1] -= ry;
        out[r + j * 3 + 2] -= rz;
      }
    }
    const jointsM = resampled ? resample(out, 51, modelFps!, options.fps!, T) : out;
    return { jointsM, frames: T, filled: h2d.filled, receptiveField: rf, modelFps };
  }
}

/** Opens `modelPath`, lifts one track and releases the model. */
export async function liftTrack(
  modelPath: string,
  points: ArrayLike<number>,
  options: LiftOptions,
): Promise<LiftResult> {
  const lifter = await Lifter.open(modelPath);
  try {
    return await lifter.lift(points, options);
  } finally {
    await lifter.release();
  }
}
