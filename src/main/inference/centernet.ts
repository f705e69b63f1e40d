// CenterNet (MobileNetV3 backbone, COCO-80) person detector: model facts, conversion of the TF.js
// graph model that @vladmandic/human ships, its verification against TF.js, and the decoding of
// its detections into person boxes in source-image pixels (score threshold + NMS).
//
// The graph ends in its own CenterNet decoding: a 3x3 max-pool peak filter on the class heatmap,
// TopK 100 over [128 x 128 x 80], and the size/offset regression gathered at the peaks, giving
// `tower_0/detections` [1, 100, 6] = (x1, y1, x2, y2, score, class) with the box in input pixels
// (0..512) and class the 0-based COCO index (0 = person).

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ffmpegPaths } from '../media/ffmpeg';
import { humanPackage, humanPackageDir, maxAbsDiff } from './movenet';
import { CONVERTER_VERSION, convertTfjsGraphModelFile, type ConvertResult } from './onnx/convert';
import { loadTfjsReference } from './tfjs-graph/tfjs-runner';

const run = promisify(execFile);

export const CENTERNET_SIZE = 512;
export const CENTERNET_INPUT = 'tower_0/images';
export const CENTERNET_DETECTIONS = 'tower_0/detections';
/** The outputs in graph order: size/offset regression, class heatmap, decoded detections. */
export const CENTERNET_OUTPUTS = ['tower_0/wh', 'tower_0/keypoints', CENTERNET_DETECTIONS] as const;
/** 0-based COCO class index of "person" in the detections' class column. */
export const COCO_PERSON = 0;

export function centernetJsonPath(): string {
  return path.join(humanPackageDir(), 'models', 'centernet.json');
}

/** The conversion that produces native-models/centernet.onnx (script and tests share it). */
export async function convertCenterNet(): Promise<ConvertResult> {
  const pkg = humanPackage();
  const source = `${pkg.name}@${pkg.version}/models/centernet.json`;
  return convertTfjsGraphModelFile(centernetJsonPath(), {
    name: 'centernet_mobilenetv3_coco',
    docString: `CenterNet MobileNetV3 (COCO-80 object detector), converted from ${source}`,
    metadata: { source, converter_version: CONVERTER_VERSION },
  });
}

/** The whole sample photo (a grid of people photos) as RGB bytes, optionally scaled. */
export async function samplePhotoRgb(
  size?: number,
): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const jpg = path.join(humanPackageDir(), 'assets', 'samples.jpg');
  const args = ['-v', 'error', '-i', jpg];
  if (size) args.push('-vf', `scale=${size}:${size}`);
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  const { stdout } = await run(ffmpegPaths().ffmpegPath, args, { encoding: 'buffer', maxBuffer: 64 << 20 });
  const { stdout: probe } = await run(ffmpegPaths().ffprobePath, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    jpg,
  ]);
  const [w, h] = probe.trim().split(',').map(Number);
  const width = size ?? w;
  const height = size ?? h;
  if (stdout.length !== width * height * 3)
    throw new Error(`ffmpeg returned ${stdout.length} bytes, expected ${width * height * 3}`);
  return { rgb: new Uint8Array(stdout), width, height };
}

/** Deterministic pseudo-random float image in [0, 255), same every run. */
export function pseudoRandomFloatImage(size = CENTERNET_SIZE, seed = 12345): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size * size * 3);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) / 65536;
  }
  return out;
}

/**
 * Bilinear resize of packed RGB bytes to size x size float32 0-255 NHWC (half-pixel centres, as
 * tf.image.resizeBilinear with halfPixelCenters; the aspect ratio is not kept, as in Human).
 */
export function resizeRgbToFloat(rgb: Uint8Array, width: number, height: number, size: number): Float32Array {
  if (rgb.length !== width * height * 3)
    throw new Error(`rgb has ${rgb.length} bytes, expected ${width * height * 3}`);
  const out = new Float32Array(size * size * 3);
  const sy = height / size;
  const sx = width / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const c = (y1 * width + x0) * 3;
      const d = (y1 * width + x1) * 3;
      const o = (y * size + x) * 3;
      for (let k = 0; k < 3; k++) {
        const top = rgb[a + k] + (rgb[b + k] - rgb[a + k]) * wx;
        const bot = rgb[c + k] + (rgb[d + k] - rgb[c + k]) * wx;
        out[o + k] = top + (bot - top) * wy;
      }
    }
  }
  return out;
}

export interface Detection {
  /** [x1, y1, x2, y2] in model-input pixels (0..512). */
  xyxy: [number, number, number, number];
  score: number;
  /** 0-based COCO class index. */
  cls: number;
}

/** The rows of `tower_0/detections` ([1, N, 6]: x1, y1, x2, y2, score, class). */
export function parseDetections(data: ArrayLike<number>): Detection[] {
  const out: Detection[] = [];
  for (let i = 0; i + 6 <= data.length; i += 6) {
    out.push({
      xyxy: [data[i], data[i + 1], data[i + 2], data[i + 3]],
      score: data[i + 4],
      cls: Math.round(data[i + 5]),
    });
  }
  return out;
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression: highest score first, drops boxes overlapping a kept one. */
export function nms<T extends { xyxy: readonly number[]; score: number }>(
  items: T[],
  iouThreshold: number,
  maxCount = Infinity,
): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    if (kept.length >= maxCount) break;
    if (kept.every((k) => iou(k.xyxy, d.xyxy) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

export interface PersonBox {
  /** [x, y, w, h] in source-image pixels, clipped to the image. */
  box: [number, number, number, number];
  score: number;
}

export interface DetectOptions {
  /** Minimum detection score (default 0.3). */
  minScore?: number;
  /** NMS IoU threshold (default 0.4, as Human). */
  iouThreshold?: number;
  /** At most this many people (default 20). */
  maxPeople?: number;
}

/** What detectPeople needs of a session: ORT's InferenceSession or Kinema's ModelSession. */
export interface RunsOnnx {
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType>;
}

/** Person boxes from the detections, mapped back to a width x height source image. */
export function personBoxes(
  detections: ArrayLike<number>,
  width: number,
  height: number,
  options: DetectOptions = {},
): PersonBox[] {
  const minScore = options.minScore ?? 0.3;
  const people = parseDetections(detections).filter(
    (d) => d.cls === COCO_PERSON && d.score >= minScore && d.xyxy[2] > d.xyxy[0] && d.xyxy[3] > d.xyxy[1],
  );
  const kept = nms(people, options.iouThreshold ?? 0.4, options.maxPeople ?? 20);
  const sx = width / CENTERNET_SIZE;
  const sy = height / CENTERNET_SIZE;
  const out: PersonBox[] = [];
  for (const d of kept) {
    const x1 = Math.min(Math.max(d.xyxy[0] * sx, 0), width);
    const y1 = Math.min(Math.max(d.xyxy[1] * sy, 0), height);
    const x2 = Math.min(Math.max(d.xyxy[2] * sx, 0), width);
    const y2 = Math.min(Math.max(d.xyxy[3] * sy, 0), height);
    if (x2 > x1 && y2 > y1) out.push({ box: [x1, y1, x2 - x1, y2 - y1], score: d.score });
  }
  return out;
}

/**
 * Finds people in a packed RGB image (width x height x 3 bytes): resizes it to 512x512, runs the
 * converted CenterNet and returns person boxes in source pixels, best first.
 */
export async function detectPeople(
  session: RunsOnnx,
  rgb: Uint8Array,
  width: number,
  height: number,
  options: DetectOptions = {},
): Promise<PersonBox[]> {
  const size = CENTERNET_SIZE;
  const input = new ort.Tensor('float32', resizeRgbToFloat(rgb, width, height, size), [1, size, size, 3]);
  const out = await session.run({ [CENTERNET_INPUT]: input });
  const det = out[CENTERNET_DETECTIONS];
  if (!det) throw new Error(`CenterNet: output ${CENTERNET_DETECTIONS} missing`);
  return personBoxes(det.data as Float32Array, width, height, options);
}

export interface CenterNetVerification {
  /** Max |ORT - TF.js| per output, on the pseudo-random input and on the sample photo. */
  random: Record<string, number>;
  photo: Record<string, number>;
  /** Max |TF.js value| per output on the photo (wh is in pixels: its absolute diff scales with it). */
  photoMaxAbs: Record<string, number>;
  /** Max over every output of both inputs. */
  maxAbsDiff: number;
  /** Max |ORT - TF.js| of the detections (the output detectPeople reads), both inputs. */
  detectionsMaxAbsDiff: number;
  /** Person boxes (source pixels) from the ONNX and the TF.js detections on the photo. */
  photoPeopleOnnx: PersonBox[];
  photoPeopleTfjs: PersonBox[];
  photoSize: { width: number; height: number };
}

/** Runs the ONNX model (ORT, CPU) and the TF.js original on a pseudo-random input and on the sample photo. */
export async function verifyCenterNet(
  onnx: string | Uint8Array,
  tfjsJsonPath = centernetJsonPath(),
): Promise<CenterNetVerification> {
  const size = CENTERNET_SIZE;
  const shape = [1, size, size, 3];
  const session =
    typeof onnx === 'string'
      ? await ort.InferenceSession.create(onnx, { intraOpNumThreads: 2 })
      : await ort.InferenceSession.create(onnx, { intraOpNumThreads: 2 });
  const ref = await loadTfjsReference(tfjsJsonPath);
  const both = async (img: Float32Array) => {
    const o = await session.run({ [CENTERNET_INPUT]: new ort.Tensor('float32', img, shape) });
    const t = await ref.run({ [ref.model.inputs[0].name]: { dtype: 'float32', shape, data: img } });
    const diffs: Record<string, number> = {};
    const scale: Record<string, number> = {};
    for (const name of CENTERNET_OUTPUTS) {
      const tv = t[name] ?? t[`${name}:0`];
      if (!o[name] || !tv) throw new Error(`output ${name} missing (ORT or TF.js)`);
      diffs[name] = maxAbsDiff(o[name].data as Float32Array, tv.data);
      scale[name] = tv.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    }
    const tfDet = (t[CENTERNET_DETECTIONS] ?? t[`${CENTERNET_DETECTIONS}:0`]).data;
    return { diffs, scale, onnxDet: o[CENTERNET_DETECTIONS].data as Float32Array, tfDet };
  };
  const rnd = await both(pseudoRandomFloatImage());
  const photo = await samplePhotoRgb();
  const img = await both(resizeRgbToFloat(photo.rgb, photo.width, photo.height, size));
  await session.release();
  return {
    random: rnd.diffs,
    photo: img.diffs,
    photoMaxAbs: img.scale,
    maxAbsDiff: Math.max(...Object.values(rnd.diffs), ...Object.values(img.diffs)),
    detectionsMaxAbsDiff: Math.max(rnd.diffs[CENTERNET_DETECTIONS], img.diffs[CENTERNET_DETECTIONS]),
    photoPeopleOnnx: personBoxes(img.onnxDet, photo.width, photo.height),
    photoPeopleTfjs: personBoxes(img.tfDet, photo.width, photo.height),
    photoSize: { width: photo.width, height: photo.height },
  };
}
