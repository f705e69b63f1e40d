/**
 * BlazePose on video, as MediaPipe's pose pipeline runs it: the person detector (224×224 SSD,
 * 2254 anchors) finds the body once, its two alignment keypoints (mid-hip and the point that sets
 * the full-body circle) give a rotated square region of interest, the landmark model (256×256)
 * runs on that region warped upright, and the landmarks' own alignment points (33 = hip centre,
 * 34 = full-body point) give the next frame's region, so the detector runs again only when the
 * landmark model says the person is lost (pose flag < 0.5).
 *
 * Coordinates are pixels of the frame it is given (`width` × `height`); callers scale them.
 */
import * as ort from 'onnxruntime-node';
import type { RunsOnnx } from './centernet';
import { BLAZEPOSE_ANCHORS, BLAZEPOSE_DETECTOR_SIZE, BLAZEPOSE_LANDMARK_SIZE, sigmoid } from './blazepose';
import { cropResize, fullFrameRegion } from './movenet-video';

/** A rotated square in frame pixels: centre, side, rotation (radians; 0 = person upright). */
export interface RotatedRoi {
  cx: number;
  cy: number;
  size: number;
  rotation: number;
}

/** MediaPipe pose: the ROI is 1.25 × the full-body circle's diameter. */
const ROI_SCALE = 1.25;
/** Detector score (sigmoid) needed to start tracking someone. */
export const MIN_DETECTION_SCORE = 0.5;
/** Landmark model pose flag below this: the person is lost, run the detector again. */
export const MIN_POSE_FLAG = 0.5;
/** Landmarks the full model outputs per point: x, y, z, visibility logit, presence logit. */
const LM_STRIDE = 5;
const HIP_CENTRE = 33;
const BODY_POINT = 34;
export const BLAZEPOSE_POINTS = 33;

/**
 * Centres of the detector's 2254 anchors (x, y normalised to the 224 input), in the order of its
 * output rows: strides 8 and 16 with 2 anchors per cell, then the three stride-32 layers merged
 * (MediaPipe's SsdAnchorsCalculator groups layers of equal stride: 6 anchors per 7×7 cell).
 * MediaPipe's pose detector uses fixed-size anchors, so only the centres matter.
 */
export function blazePoseAnchors(): Float32Array {
  const layers: [stride: number, perCell: number][] = [
    [8, 2],
    [16, 2],
    [32, 6],
  ];
  const out = new Float32Array(BLAZEPOSE_ANCHORS * 2);
  let a = 0;
  for (const [stride, perCell] of layers) {
    const cells = Math.ceil(BLAZEPOSE_DETECTOR_SIZE / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let n = 0; n < perCell; n++) {
          out[a * 2] = (x + 0.5) / cells;
          out[a * 2 + 1] = (y + 0.5) / cells;
          a++;
        }
  }
  if (a !== BLAZEPOSE_ANCHORS)
    throw new Error(`BlazePose anchors: made ${a}, the model has ${BLAZEPOSE_ANCHORS}`);
  return out;
}

/** The detector's best person: score and its two alignment keypoints (normalised to the input). */
export interface BlazeDetection {
  score: number;
  /** Mid-hip. */
  x0: number;
  y0: number;
  /** The point whose distance from the mid-hip is the full-body circle's radius. */
  x1: number;
  y1: number;
}

/**
 * Best detection of the detector's raw output (2254 × 13: score logit, box cx, cy, w, h, then
 * 4 keypoints x, y; offsets in input pixels from the anchor centre), or null under `minScore`.
 * One person is tracked, so the best anchor stands for the person (no NMS needed).
 */
export function decodeBlazeDetection(
  raw: ArrayLike<number>,
  anchors: Float32Array,
  minScore = MIN_DETECTION_SCORE,
): BlazeDetection | null {
  let best = 0;
  for (let a = 1; a < BLAZEPOSE_ANCHORS; a++) if (raw[a * 13] > raw[best * 13]) best = a;
  const score = sigmoid(raw[best * 13]);
  if (!(score >= minScore)) return null;
  const s = BLAZEPOSE_DETECTOR_SIZE;
  const o = best * 13;
  const ax = anchors[best * 2];
  const ay = anchors[best * 2 + 1];
  return {
    score,
    x0: raw[o + 5] / s + ax,
    y0: raw[o + 6] / s + ay,
    x1: raw[o + 7] / s + ax,
    y1: raw[o + 8] / s + ay,
  };
}

/**
 * The region from two alignment points (frame pixels): centred on the first, side 2 × their
 * distance × 1.25, rotated so the second point is straight up (MediaPipe's rotation = 90° −
 * atan2(−(y1 − y0), x1 − x0)).
 */
export function roiFromAlignment(x0: number, y0: number, x1: number, y1: number): RotatedRoi {
  const size = 2 * Math.hypot(x1 - x0, y1 - y0) * ROI_SCALE;
  let rotation = Math.PI / 2 - Math.atan2(-(y1 - y0), x1 - x0);
  rotation -= 2 * Math.PI * Math.floor((rotation + Math.PI) / (2 * Math.PI)); // into [-π, π)
  return { cx: x0, cy: y0, size, rotation };
}

/** Frame pixel of a point at (u, v) in [0, 1] of the upright ROI. */
export function roiToFrame(roi: RotatedRoi, u: number, v: number): [number, number] {
  const a = (u - 0.5) * roi.size;
  const b = (v - 0.5) * roi.size;
  const c = Math.cos(roi.rotation);
  const s = Math.sin(roi.rotation);
  return [roi.cx + a * c - b * s, roi.cy + a * s + b * c];
}

/**
 * Bilinear warp of the rotated ROI of a packed RGB24 frame to `size` × `size` floats in 0-1 (the
 * landmark model's input), black outside the frame.
 */
export function warpRoi(
  rgb: Uint8Array,
  width: number,
  height: number,
  roi: RotatedRoi,
  size: number,
  out: Float32Array,
): void {
  const c = Math.cos(roi.rotation);
  const s = Math.sin(roi.rotation);
  const step = roi.size / size;
  // Frame position of output pixel (0, 0)'s centre, and the steps along a row and down a column.
  const a0 = (0.5 / size - 0.5) * roi.size;
  const x00 = roi.cx + a0 * c - a0 * s;
  const y00 = roi.cy + a0 * s + a0 * c;
  const dxu = step * c;
  const dyu = step * s;
  const dxv = -step * s;
  const dyv = step * c;
  const px = (x: number, y: number, ch: number): number =>
    x < 0 || y < 0 || x >= width || y >= height ? 0 : rgb[(y * width + x) * 3 + ch];
  let o = 0;
  for (let v = 0; v < size; v++) {
    let fx = x00 + v * dxv - 0.5;
    let fy = y00 + v * dyv - 0.5;
    for (let u = 0; u < size; u++, fx += dxu, fy += dyu) {
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const tx = fx - x0;
      const ty = fy - y0;
      for (let ch = 0; ch < 3; ch++) {
        const top = px(x0, y0, ch) * (1 - tx) + px(x0 + 1, y0, ch) * tx;
        const bottom = px(x0, y0 + 1, ch) * (1 - tx) + px(x0 + 1, y0 + 1, ch) * tx;
        out[o++] = (top * (1 - ty) + bottom * ty) / 255;
      }
    }
  }
}

export interface BlazePoseTrackerOptions {
  landmarks: RunsOnnx;
  detector: RunsOnnx;
  /** ORT input names (the manifest's). */
  landmarksInput: string;
  detectorInput: string;
  /** ORT output names of the landmark model: landmarks [N, 195] and pose flag [N, 1]. */
  landmarksOutput: string;
  poseflagOutput: string;
  detectorOutput: string;
  width: number;
  height: number;
}

export interface BlazePoseFrame {
  /** 33 × (x, y in frame pixels, visibility), or null when no one was found. */
  keypoints: Float32Array | null;
  /** The landmark model's pose flag (0-1), 0 when the detector found no one. */
  poseFlag: number;
}

/** Runs the detector and landmark model over consecutive frames, carrying the ROI. */
export class BlazePoseTracker {
  private roi: RotatedRoi | null = null;
  private readonly anchors = blazePoseAnchors();
  private readonly detIn = new Int32Array(BLAZEPOSE_DETECTOR_SIZE * BLAZEPOSE_DETECTOR_SIZE * 3);
  private readonly detFloat = new Float32Array(this.detIn.length);
  private readonly lmIn = new Float32Array(BLAZEPOSE_LANDMARK_SIZE * BLAZEPOSE_LANDMARK_SIZE * 3);
  modelMs = 0;
  cropMs = 0;
  inferences = 0;
  detectorMs = 0;
  detectorRuns = 0;

  constructor(private readonly o: BlazePoseTrackerOptions) {}

  /** Forgets the previous frame (after a seek). */
  reset(): void {
    this.roi = null;
  }

  /** The detector's ROI for this frame, or null when it sees no one. */
  private async detect(rgb: Uint8Array): Promise<RotatedRoi | null> {
    const { width, height } = this.o;
    const t0 = performance.now();
    const box = fullFrameRegion(width, height);
    cropResize(rgb, width, height, box, BLAZEPOSE_DETECTOR_SIZE, this.detIn);
    for (let i = 0; i < this.detIn.length; i++) this.detFloat[i] = this.detIn[i] / 255;
    const s = BLAZEPOSE_DETECTOR_SIZE;
    const out = await this.o.detector.run({
      [this.o.detectorInput]: new ort.Tensor('float32', this.detFloat, [1, s, s, 3]),
    });
    this.detectorMs += performance.now() - t0;
    this.detectorRuns++;
    const d = decodeBlazeDetection(out[this.o.detectorOutput].data as Float32Array, this.anchors);
    if (!d) return null;
    // Undo the letterbox: normalised square → frame pixels.
    const fx = (v: number) => box.x + v * box.size;
    const fy = (v: number) => box.y + v * box.size;
    return roiFromAlignment(fx(d.x0), fy(d.y0), fx(d.x1), fy(d.y1));
  }

  async estimate(rgb: Uint8Array): Promise<BlazePoseFrame> {
    const tracked = this.roi !== null;
    const roi = this.roi ?? (await this.detect(rgb));
    if (!roi) return { keypoints: null, poseFlag: 0 };
    const result = await this.landmarksIn(rgb, roi);
    // A tracked ROI that lost the person: look for them again in this same frame.
    if (tracked && !result.keypoints) {
      const fresh = await this.detect(rgb);
      if (fresh) return this.landmarksIn(rgb, fresh);
    }
    return result;
  }

  private async landmarksIn(rgb: Uint8Array, roi: RotatedRoi): Promise<BlazePoseFrame> {
    const { width, height } = this.o;
    const S = BLAZEPOSE_LANDMARK_SIZE;
    const t0 = performance.now();
    warpRoi(rgb, width, height, roi, S, this.lmIn);
    const t1 = performance.now();
    this.cropMs += t1 - t0;
    const out = await this.o.landmarks.run({
      [this.o.landmarksInput]: new ort.Tensor('float32', this.lmIn, [1, S, S, 3]),
    });
    this.modelMs += performance.now() - t1;
    this.inferences++;
    const poseFlag = (out[this.o.poseflagOutput].data as Float32Array)[0];
    if (!(poseFlag >= MIN_POSE_FLAG)) {
      this.roi = null;
      return { keypoints: null, poseFlag };
    }
    const ld = out[this.o.landmarksOutput].data as Float32Array;
    const at = (i: number): [number, number] =>
      roiToFrame(roi, ld[i * LM_STRIDE] / S, ld[i * LM_STRIDE + 1] / S);
    const kp = new Float32Array(BLAZEPOSE_POINTS * 3);
    for (let i = 0; i < BLAZEPOSE_POINTS; i++) {
      const [x, y] = at(i);
      kp[i * 3] = x;
      kp[i * 3 + 1] = y;
      kp[i * 3 + 2] = sigmoid(ld[i * LM_STRIDE + 3]);
    }
    const [hx, hy] = at(HIP_CENTRE);
    const [bx, by] = at(BODY_POINT);
    this.roi = roiFromAlignment(hx, hy, bx, by);
    return { keypoints: kp, poseFlag };
  }
}
