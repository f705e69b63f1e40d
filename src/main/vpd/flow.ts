/**
 * Dense optical flow between a prev crop and its crop (Farnebäck's polynomial-expansion method,
 * OpenCV's implementation compiled to WebAssembly: @techstark/opencv-js, loaded on first use),
 * its flow-image encoding as VPD stores it, and a colour-wheel picture of it for the UI.
 *
 * Flow direction: `flow(x, y) = (u, v)` says the content at pixel (x, y) of the prev crop is at
 * (x + u, y + v) in the crop, in crop pixels (so a 256-pixel crop sees twice the flow of a
 * 128-pixel crop of the same motion).
 *
 * Flow image (`<frame>.flow.png`), byte-compatible with VPD's `raft/flow.py` and read back by its
 * `_load_flow`: an 8-bit RGB PNG of the crop's size where
 *   - B (blue) = qx, G (green) = qy, R (red) = 128 (unused);
 *   - q = floor((clamp(f, −20, 20) + 20) × 255 / 41), so q ∈ [0, 248], zero flow is q = 124 and
 *     one step is 41 / 255 ≈ 0.161 px; flow beyond ±20 px is clipped;
 *   - decoded here as f = (q + 0.5) × 41 / 255 − 20 (the centre of q's bin: the round trip is
 *     within half a step, 0.081 px, for |f| ≤ 20). VPD's loader uses q / 255 − 0.5 instead (the
 *     same value divided by 41, less half a pixel).
 * VPD writes flow through OpenCV, whose images are BGR: its (x, y, 128) channels land in the file
 * as blue, green and red; that is why x is blue here.
 */
import { createRequire } from 'node:module';
import { KinemaError } from '../../shared/errors';
import { decodePng, encodePng, type RasterImage } from './png';

/** A dense flow field: `data` holds (u, v) per pixel, row-major. */
export interface FlowField {
  width: number;
  height: number;
  data: Float32Array;
}

export const FLOW_CLIP_PX = 20;
/** Quantisation levels per pixel of flow: 255 / 41. */
export const FLOW_LEVELS_PER_PX = 255 / (2 * FLOW_CLIP_PX + 1);
/** One quantisation step, in pixels (≈ 0.161). */
export const FLOW_STEP_PX = 1 / FLOW_LEVELS_PER_PX;
/** Name of the encoding, as recorded in the crop directory's manifest. */
export const FLOW_ENCODING = 'vpd: B=x G=y R=128, q=floor((clip(f,-20,20)+20)*255/41)';

// ---------------------------------------------------------------------------------------------
// OpenCV.js

/** The part of OpenCV.js this module uses. */
interface CvMat {
  readonly data: Uint8Array;
  readonly data32F: Float32Array;
  delete(): void;
}

interface OpenCv {
  Mat: new (rows: number, cols: number, type: number) => CvMat;
  CV_8UC1: number;
  CV_32FC2: number;
  OPTFLOW_FARNEBACK_GAUSSIAN: number;
  calcOpticalFlowFarneback(
    prev: CvMat,
    next: CvMat,
    flow: CvMat,
    pyrScale: number,
    levels: number,
    winSize: number,
    iterations: number,
    polyN: number,
    polySigma: number,
    flags: number,
  ): void;
}

export const OPENCV_PACKAGE = '@techstark/opencv-js';
let cvPromise: Promise<OpenCv> | null = null;

/** OpenCV.js, loaded once per thread (about 0.5 s and 13 MB of JavaScript + WebAssembly). */
export function loadOpenCv(): Promise<OpenCv> {
  cvPromise ??= (async () => {
    try {
      const required = createRequire(import.meta.url)(OPENCV_PACKAGE) as unknown;
      const cv = (await (required instanceof Promise ? required : Promise.resolve(required))) as OpenCv & {
        then?: unknown;
      };
      if (typeof cv.calcOpticalFlowFarneback !== 'function')
        throw new Error('calcOpticalFlowFarneback is missing from this build');
      // The Emscripten module is thenable; hand back a plain object so awaiting it again is safe.
      return {
        Mat: cv.Mat,
        CV_8UC1: cv.CV_8UC1,
        CV_32FC2: cv.CV_32FC2,
        OPTFLOW_FARNEBACK_GAUSSIAN: cv.OPTFLOW_FARNEBACK_GAUSSIAN,
        calcOpticalFlowFarneback: cv.calcOpticalFlowFarneback.bind(cv),
      };
    } catch (err) {
      cvPromise = null;
      throw new KinemaError(
        'FLOW_UNAVAILABLE',
        `Optical flow needs ${OPENCV_PACKAGE}, which could not be loaded: ${(err as Error).message}. ` +
          'Run npm install in the Kinema folder.',
      );
    }
  })();
  return cvPromise;
}

export interface FarnebackParams {
  /** Image scale between pyramid levels (< 1). Default 0.5. */
  pyrScale?: number;
  /** Pyramid levels above the image; default 3 below 200 px, 4 from 200 px. */
  levels?: number;
  /** Averaging window (px); default 15 below 200 px, 21 from 200 px. */
  winSize?: number;
  /** Iterations per level. Default 3. */
  iterations?: number;
  /** Neighbourhood of the polynomial expansion (5 or 7). Default 5. */
  polyN?: number;
  /** Gaussian sigma of the expansion (1.1 for polyN 5, 1.5 for 7). Default 1.1. */
  polySigma?: number;
  /** Gaussian instead of box window: slower, a little more accurate. Default false. */
  gaussian?: boolean;
  /** Subtract the median flow of each field (VPD's --subtract_median: removes camera/box motion). */
  subtractMedian?: boolean;
}

/** The parameters a flow of a given crop size runs with. */
export function farnebackParamsFor(size: number, params: FarnebackParams = {}): Required<FarnebackParams> {
  const big = size >= 200;
  const p: Required<FarnebackParams> = {
    pyrScale: params.pyrScale ?? 0.5,
    levels: params.levels ?? (big ? 4 : 3),
    winSize: params.winSize ?? (big ? 21 : 15),
    iterations: params.iterations ?? 3,
    polyN: params.polyN ?? 5,
    polySigma: params.polySigma ?? 1.1,
    gaussian: params.gaussian ?? false,
    subtractMedian: params.subtractMedian ?? false,
  };
  if (!(p.pyrScale > 0 && p.pyrScale < 1))
    throw new Error(`Farneback pyrScale must be in (0, 1), got ${p.pyrScale}`);
  for (const key of ['levels', 'winSize', 'iterations', 'polyN'] as const)
    if (!Number.isInteger(p[key]) || p[key] < (key === 'levels' ? 0 : 1))
      throw new Error(`Farneback ${key} must be a whole number ≥ ${key === 'levels' ? 0 : 1}, got ${p[key]}`);
  if (p.polyN !== 5 && p.polyN !== 7) throw new Error(`Farneback polyN must be 5 or 7, got ${p.polyN}`);
  return p;
}

/**
 * Farnebäck flow on 8-bit grey images, with OpenCV's matrices kept between calls of the same size
 * (call `dispose` when done: they live in the WebAssembly heap).
 */
export class FlowEstimator {
  private mats: { w: number; h: number; prev: CvMat; next: CvMat; flow: CvMat } | null = null;

  private constructor(
    private readonly cv: OpenCv,
    private readonly params: FarnebackParams,
  ) {}

  static async open(params: FarnebackParams = {}): Promise<FlowEstimator> {
    farnebackParamsFor(128, params); // validate early
    return new FlowEstimator(await loadOpenCv(), params);
  }

  /** Flow from `prev` to `next`, both width × height grey bytes. */
  compute(prev: Uint8Array, next: Uint8Array, width: number, height: number): FlowField {
    const n = width * height;
    if (prev.length !== n || next.length !== n)
      throw new Error(`Flow: images of ${prev.length} and ${next.length} bytes for ${width}×${height} grey`);
    const p = farnebackParamsFor(Math.min(width, height), this.params);
    const cv = this.cv;
    if (!this.mats || this.mats.w !== width || this.mats.h !== height) {
      this.dispose();
      this.mats = {
        w: width,
        h: height,
        prev: new cv.Mat(height, width, cv.CV_8UC1),
        next: new cv.Mat(height, width, cv.CV_8UC1),
        flow: new cv.Mat(height, width, cv.CV_32FC2),
      };
    }
    const m = this.mats;
    m.prev.data.set(prev);
    m.next.data.set(next);
    cv.calcOpticalFlowFarneback(
      m.prev,
      m.next,
      m.flow,
      p.pyrScale,
      p.levels,
      p.winSize,
      p.iterations,
      p.polyN,
      p.polySigma,
      p.gaussian ? cv.OPTFLOW_FARNEBACK_GAUSSIAN : 0,
    );
    const field: FlowField = { width, height, data: m.flow.data32F.slice(0, 2 * n) };
    if (p.subtractMedian) subtractMedianFlow(field);
    return field;
  }

  dispose(): void {
    if (!this.mats) return;
    this.mats.prev.delete();
    this.mats.next.delete();
    this.mats.flow.delete();
    this.mats = null;
  }
}

/** Grey (ITU-R BT.601 luma, rounded) of packed RGB. */
export function rgbToGray(rgb: Uint8Array, out?: Uint8Array): Uint8Array {
  const n = Math.floor(rgb.length / 3);
  const grey = out ?? new Uint8Array(n);
  for (let i = 0; i < n; i++)
    grey[i] = (rgb[i * 3] * 19595 + rgb[i * 3 + 1] * 38470 + rgb[i * 3 + 2] * 7471 + 32768) >> 16;
  return grey;
}

/** The median of each component. */
export function medianFlow(field: FlowField): [number, number] {
  const n = field.width * field.height;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = field.data[2 * i];
    v[i] = field.data[2 * i + 1];
  }
  u.sort();
  v.sort();
  const mid = (a: Float32Array) => (n % 2 ? a[n >> 1] : (a[(n >> 1) - 1] + a[n >> 1]) / 2);
  return [mid(u), mid(v)];
}

function subtractMedianFlow(field: FlowField): void {
  const [mu, mv] = medianFlow(field);
  for (let i = 0; i < field.data.length; i += 2) {
    field.data[i] -= mu;
    field.data[i + 1] -= mv;
  }
}

// ---------------------------------------------------------------------------------------------
// Flow image

function quantise(f: number): number {
  const c = f < -FLOW_CLIP_PX ? -FLOW_CLIP_PX : f > FLOW_CLIP_PX ? FLOW_CLIP_PX : f;
  return Number.isFinite(c)
    ? Math.floor((c + FLOW_CLIP_PX) * FLOW_LEVELS_PER_PX)
    : Math.floor(FLOW_CLIP_PX * FLOW_LEVELS_PER_PX);
}

function dequantise(q: number): number {
  return (q + 0.5) / FLOW_LEVELS_PER_PX - FLOW_CLIP_PX;
}

/** The flow image's pixels (packed RGB, see the module comment). */
export function flowToImage(field: FlowField): RasterImage {
  const n = field.width * field.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[i * 3] = 128;
    data[i * 3 + 1] = quantise(field.data[2 * i + 1]);
    data[i * 3 + 2] = quantise(field.data[2 * i]);
  }
  return { width: field.width, height: field.height, channels: 3, data };
}

/** The flow image's PNG file bytes. */
export function encodeFlowPng(field: FlowField): Uint8Array {
  return encodePng(flowToImage(field));
}

/** Flow back from a flow image's pixels (RGB or RGBA; grey is refused). */
export function flowFromImage(image: RasterImage, name = 'flow image'): FlowField {
  if (image.channels < 3)
    throw new KinemaError('BAD_IMAGE', `${name}: a flow image has colour channels; this one is grey`);
  const n = image.width * image.height;
  const data = new Float32Array(2 * n);
  const c = image.channels;
  for (let i = 0; i < n; i++) {
    data[2 * i] = dequantise(image.data[i * c + 2]);
    data[2 * i + 1] = dequantise(image.data[i * c + 1]);
  }
  return { width: image.width, height: image.height, data };
}

/** Flow back from a `<frame>.flow.png` file's bytes. */
export function decodeFlowPng(bytes: Uint8Array, name = 'flow image'): FlowField {
  return flowFromImage(decodePng(bytes, name), name);
}

// ---------------------------------------------------------------------------------------------
// Colour wheel

/**
 * A picture of the flow for people: hue is the direction (right red, down yellow-green, left
 * cyan, up violet, going round the HSV wheel), saturation the speed (white: still; full colour at
 * `maxPx` pixels, default the field's 99th-percentile speed but at least 1 px).
 */
export function flowToColor(field: FlowField, maxPx?: number): RasterImage {
  const n = field.width * field.height;
  const mags = new Float32Array(n);
  for (let i = 0; i < n; i++) mags[i] = Math.hypot(field.data[2 * i], field.data[2 * i + 1]);
  let scale = maxPx;
  if (scale === undefined) {
    const sorted = mags.slice().sort();
    scale = Math.max(1, sorted[Math.min(n - 1, Math.floor(n * 0.99))]);
  }
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = Math.min(1, mags[i] / scale);
    let h = Math.atan2(field.data[2 * i + 1], field.data[2 * i]) / (2 * Math.PI);
    if (h < 0) h += 1;
    // HSV with V = 1: each channel is 1 − s × (how far the hue is from that channel's peak).
    const ch = (offset: number) => {
      const k = (offset + h * 6) % 6;
      const f = Math.max(0, Math.min(k, 4 - k, 1));
      return Math.round(255 * (1 - s * f));
    };
    data[i * 3] = ch(5);
    data[i * 3 + 1] = ch(3);
    data[i * 3 + 2] = ch(1);
  }
  return { width: field.width, height: field.height, channels: 3, data };
}
