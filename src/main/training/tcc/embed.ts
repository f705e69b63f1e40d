/**
 * Per-frame TCC embeddings of a pose track with a trained encoder's ONNX (export-onnx.ts), run by
 * onnxruntime-node.
 *
 * A track is mapped to the skeleton the encoder was trained on (when it differs and a mapping
 * exists), its features computed with the kinds the model's metadata names (poseFeatures2d, one
 * row per video frame from the first to the last), absent frames filled linearly from their
 * neighbours so the temporal context stays meaningful, the sequence embedded in one run, and the
 * absent frames' rows set back to NaN (DTW's missing frames).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { poseFeatures2d, type Feature2dKind } from '../../../shared/alignment/features';
import { KinemaError } from '../../../shared/errors';
import { trackRange, type PoseTrack } from '../../../shared/pose';
import { getSkeleton, isSkeletonId, mapPose } from '../../../shared/skeletons';
import {
  readOnnxMetadata,
  TCC_INPUT,
  TCC_OUTPUT,
  tccInfoFromMetadata,
  type TccModelInfo,
} from './export-onnx';
import { fillMissingRows } from './model';

export { fillMissingRows };

export interface TrackEmbedding {
  /** Video frame of each row (first to last frame of the range, gaps included). */
  frames: Int32Array;
  /** rows × dim; rows of NaN where the person is absent. */
  values: Float32Array;
  dim: number;
}

const FEATURE_KINDS: readonly Feature2dKind[] = ['keypoints', 'bones', 'angles'];

export class TccEmbedder {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: TccModelInfo & { inputDim: number; embeddingDim: number },
  ) {}

  /** Opens an encoder from an ONNX file path or its bytes; refuses a model that is not one. */
  static async load(source: string | Uint8Array, threads = 1): Promise<TccEmbedder> {
    const what = typeof source === 'string' ? source : 'The model';
    let bytes: Uint8Array;
    try {
      bytes = typeof source === 'string' ? readFileSync(source) : source;
    } catch (err) {
      throw new KinemaError('NOT_FOUND', `Cannot read the TCC model ${what}: ${(err as Error).message}`);
    }
    let info: TccModelInfo & { inputDim: number; embeddingDim: number };
    try {
      info = tccInfoFromMetadata(readOnnxMetadata(bytes), what);
    } catch (err) {
      throw new KinemaError('BAD_MODEL', (err as Error).message);
    }
    for (const k of info.featureKinds) {
      if (!FEATURE_KINDS.includes(k as Feature2dKind))
        throw new KinemaError('BAD_MODEL', `${what} asks for an unknown feature kind '${k}'.`);
    }
    if (!isSkeletonId(info.skeleton))
      throw new KinemaError('BAD_MODEL', `${what} was trained on an unknown skeleton '${info.skeleton}'.`);
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    return new TccEmbedder(session, info);
  }

  /** Embeds a [T × inputDim] feature sequence whose every value is finite: [T × embeddingDim]. */
  async embedFeatures(features: Float32Array): Promise<Float32Array> {
    const D = this.info.inputDim;
    if (features.length === 0 || features.length % D !== 0)
      throw new KinemaError('BAD_INPUT', `${features.length} feature values is not frames × ${D}.`);
    const T = features.length / D;
    const out = await this.session.run({ [TCC_INPUT]: new ort.Tensor('float32', features, [1, T, D]) });
    return Float32Array.from(out[TCC_OUTPUT].data as Float32Array);
  }

  /**
   * Embeddings of a track over [inFrame, outFrame) (the whole track by default): one row per video
   * frame from the range's first pose to its last, NaN rows where the person is absent.
   */
  async embedTrack(track: PoseTrack, inFrame?: number, outFrame?: number): Promise<TrackEmbedding> {
    let part = trackRange(track, inFrame, outFrame);
    if (part.frames.length === 0)
      throw new KinemaError('NO_POSES', `Track ${track.trackId} has no pose in the range to embed.`);
    const target = this.info.skeleton as PoseTrack['skeletonId'];
    if (part.skeletonId !== target) {
      let keypoints: Float32Array;
      try {
        keypoints = mapPose(part.keypoints, part.skeletonId, target);
      } catch {
        throw new KinemaError(
          'SKELETON_MISMATCH',
          `The TCC model was trained on ${getSkeleton(target).name} poses and track ${track.trackId} is ${part.skeletonId}, which cannot be converted to it.`,
        );
      }
      part = { ...part, skeletonId: target, keypoints };
    }
    const feats = poseFeatures2d(part, { kinds: this.info.featureKinds as Feature2dKind[] });
    if (feats.dim !== this.info.inputDim) {
      throw new KinemaError(
        'BAD_MODEL',
        `The TCC model takes ${this.info.inputDim} features per frame, but ${this.info.featureKinds.join('+')} of ${target} gives ${feats.dim}.`,
      );
    }
    const { filled, missing } = fillMissingRows(feats.values, feats.dim, `Track ${track.trackId}`);
    const values = await this.embedFeatures(filled);
    const E = this.info.embeddingDim;
    for (let r = 0; r < missing.length; r++) if (missing[r]) values.fill(NaN, r * E, (r + 1) * E);
    return { frames: feats.frames, values, dim: E };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
