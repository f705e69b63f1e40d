/**
 * MoveNet single-pose on video, with the standard "crop region from the previous frame" strategy
 * of the MoveNet tutorial: the model sees a square crop around the person found in the previous
 * frame (torso and body extent with a margin), and the whole frame, letterboxed to a square, when
 * the torso was not seen. A person who fills a small part of the frame is then seen at the model's
 * full resolution.
 *
 * Coordinates here are pixels of the decoded frame (`width` × `height`); callers scale them to the
 * source video.
 */
import * as ort from 'onnxruntime-node';

/** A square region of the frame, in pixels; may extend outside the frame (zero padding). */
export interface CropRegion {
  x: number;
  y: number;
  size: number;
}

/** Keypoints below this score do not shape the crop (MoveNet tutorial: MIN_CROP_KEYPOINT_SCORE). */
export const MIN_CROP_KEYPOINT_SCORE = 0.2;

const LEFT_SHOULDER = 5;
const RIGHT_SHOULDER = 6;
const LEFT_HIP = 11;
const RIGHT_HIP = 12;
const TORSO = [LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP];

/** The whole frame letterboxed into a centred square. */
export function fullFrameRegion(width: number, height: number): CropRegion {
  const size = Math.max(width, height);
  return { x: (width - size) / 2, y: (height - size) / 2, size };
}

/**
 * The crop for the next frame from this frame's keypoints (K × 3: x, y px, score), as in the
 * MoveNet tutorial's determine_crop_region: centred on the hips, half-size the largest of 1.9 ×
 * the torso's extent and 1.2 × the body's, no larger than the frame allows.
 */
export function nextCropRegion(kp: ArrayLike<number>, width: number, height: number): CropRegion {
  const score = (j: number) => kp[j * 3 + 2];
  const torsoVisible =
    (score(LEFT_HIP) > MIN_CROP_KEYPOINT_SCORE || score(RIGHT_HIP) > MIN_CROP_KEYPOINT_SCORE) &&
    (score(LEFT_SHOULDER) > MIN_CROP_KEYPOINT_SCORE || score(RIGHT_SHOULDER) > MIN_CROP_KEYPOINT_SCORE);
  if (!torsoVisible) return fullFrameRegion(width, height);
  const cx = (kp[LEFT_HIP * 3] + kp[RIGHT_HIP * 3]) / 2;
  const cy = (kp[LEFT_HIP * 3 + 1] + kp[RIGHT_HIP * 3 + 1]) / 2;
  let torsoX = 0;
  let torsoY = 0;
  for (const j of TORSO) {
    torsoX = Math.max(torsoX, Math.abs(cx - kp[j * 3]));
    torsoY = Math.max(torsoY, Math.abs(cy - kp[j * 3 + 1]));
  }
  let bodyX = 0;
  let bodyY = 0;
  for (let j = 0; j * 3 < kp.length; j++) {
    if (score(j) < MIN_CROP_KEYPOINT_SCORE) continue;
    bodyX = Math.max(bodyX, Math.abs(cx - kp[j * 3]));
    bodyY = Math.max(bodyY, Math.abs(cy - kp[j * 3 + 1]));
  }
  let half = Math.max(torsoX * 1.9, torsoY * 1.9, bodyY * 1.2, bodyX * 1.2);
  half = Math.min(half, Math.max(cx, width - cx, cy, height - cy));
  if (!(half > 0) || half > Math.max(width, height) / 2) return fullFrameRegion(width, height);
  return { x: cx - half, y: cy - half, size: half * 2 };
}

/**
 * Bilinear resize of a square region of a packed RGB24 frame to `out` (size × size × 3, int32
 * 0-255, the model's input), with black outside the frame. Pixel centres map to pixel centres.
 */
export function cropResize(
  rgb: Uint8Array,
  width: number,
  height: number,
  region: CropRegion,
  size: number,
  out: Int32Array,
): void {
  const scale = region.size / size;
  // Per output column: byte offsets of the two source pixels (clamped) and their weights (zero
  // outside the frame), so the inner loop has no branches.
  const xa = new Int32Array(size);
  const xb = new Int32Array(size);
  const wa = new Float32Array(size);
  const wb = new Float32Array(size);
  const inX = (v: number) => v >= 0 && v < width;
  const clampX = (v: number) => Math.min(width - 1, Math.max(0, v));
  for (let i = 0; i < size; i++) {
    const sx = region.x + (i + 0.5) * scale - 0.5;
    const fx = Math.floor(sx);
    const a = sx - fx;
    xa[i] = clampX(fx) * 3;
    xb[i] = clampX(fx + 1) * 3;
    wa[i] = inX(fx) ? 1 - a : 0;
    wb[i] = inX(fx + 1) ? a : 0;
  }
  const stride = width * 3;
  let o = 0;
  for (let j = 0; j < size; j++) {
    const sy = region.y + (j + 0.5) * scale - 0.5;
    const fy = Math.floor(sy);
    const b = sy - fy;
    const w0 = fy >= 0 && fy < height ? 1 - b : 0;
    const w1 = fy + 1 >= 0 && fy + 1 < height ? b : 0;
    if (w0 === 0 && w1 === 0) {
      out.fill(0, o, o + size * 3);
      o += size * 3;
      continue;
    }
    const r0 = Math.min(height - 1, Math.max(0, fy)) * stride;
    const r1 = Math.min(height - 1, Math.max(0, fy + 1)) * stride;
    for (let i = 0; i < size; i++) {
      const p00 = r0 + xa[i];
      const p01 = r0 + xb[i];
      const p10 = r1 + xa[i];
      const p11 = r1 + xb[i];
      const a0 = wa[i];
      const a1 = wb[i];
      out[o] = ((rgb[p00] * a0 + rgb[p01] * a1) * w0 + (rgb[p10] * a0 + rgb[p11] * a1) * w1 + 0.5) | 0;
      out[o + 1] =
        ((rgb[p00 + 1] * a0 + rgb[p01 + 1] * a1) * w0 + (rgb[p10 + 1] * a0 + rgb[p11 + 1] * a1) * w1 + 0.5) |
        0;
      out[o + 2] =
        ((rgb[p00 + 2] * a0 + rgb[p01 + 2] * a1) * w0 + (rgb[p10 + 2] * a0 + rgb[p11 + 2] * a1) * w1 + 0.5) |
        0;
      o += 3;
    }
  }
}

function meanScore(kp: Float32Array): number {
  let sum = 0;
  for (let i = 2; i < kp.length; i += 3) sum += kp[i];
  return sum / (kp.length / 3);
}

/** Model output (K × 3: y, x normalised to the crop, score) → K × 3 x, y in frame pixels, score. */
export function keypointsFromOutput(output: ArrayLike<number>, region: CropRegion, out: Float32Array): void {
  for (let j = 0; j * 3 < output.length; j++) {
    out[j * 3] = region.x + output[j * 3 + 1] * region.size;
    out[j * 3 + 1] = region.y + output[j * 3] * region.size;
    out[j * 3 + 2] = output[j * 3 + 2];
  }
}

export interface CropTrackerOptions {
  /** Runs the pose model on a crop (a MoveNetCropRunner, or any model whose first 17 keypoints are COCO-17). */
  runner: CropPoseRunner;
  /** Size of the decoded frames it is given. */
  width: number;
  height: number;
  /** Use the previous frame's keypoints to crop (default true). */
  cropFromPrevious?: boolean;
}

/** A pose model run on a square region of a frame, with timing totals. */
export interface CropPoseRunner {
  /** Keypoints (K × 3: x, y in frame pixels, score) of the person in `region` of the frame. */
  run(rgb: Uint8Array, region: CropRegion): Promise<Float32Array>;
  readonly modelMs: number;
  readonly cropMs: number;
  readonly inferences: number;
}

/** What a crop runner needs: the MoveNet session and the size of the frames it is given. */
export interface MoveNetCropRunnerOptions {
  session: { run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> };
  inputName: string;
  outputName: string;
  inputSize: number;
  width: number;
  height: number;
}

/**
 * Crops a square region of a frame to the model's input, runs MoveNet and maps the keypoints back
 * to frame pixels, keeping timing totals. Single-person tracking and multi-person estimation both
 * run the model through this.
 */
export class MoveNetCropRunner implements CropPoseRunner {
  private readonly input: Int32Array;
  private readonly tensor: ort.Tensor;
  /** Milliseconds spent in the model (ORT run) so far. */
  modelMs = 0;
  /** Milliseconds spent cropping and resizing so far. */
  cropMs = 0;
  /** Model runs so far. */
  inferences = 0;

  constructor(private readonly o: MoveNetCropRunnerOptions) {
    this.input = new Int32Array(o.inputSize * o.inputSize * 3);
    this.tensor = new ort.Tensor('int32', this.input, [1, o.inputSize, o.inputSize, 3]);
  }

  /** Keypoints (K × 3: x, y in frame pixels, score) of the person in `region` of the frame. */
  async run(rgb: Uint8Array, region: CropRegion): Promise<Float32Array> {
    const { width, height, inputSize } = this.o;
    const t0 = performance.now();
    cropResize(rgb, width, height, region, inputSize, this.input);
    const t1 = performance.now();
    this.cropMs += t1 - t0;
    const result = await this.o.session.run({ [this.o.inputName]: this.tensor });
    this.modelMs += performance.now() - t1;
    this.inferences++;
    const raw = result[this.o.outputName].data as Float32Array;
    const kp = new Float32Array(raw.length);
    keypointsFromOutput(raw, region, kp);
    return kp;
  }
}

/**
 * Runs a pose model (MoveNet) on consecutive frames of one video, carrying the crop region from
 * frame to frame.
 */
export class CropTracker {
  private region: CropRegion;
  readonly runner: CropPoseRunner;

  constructor(private readonly o: CropTrackerOptions) {
    this.region = fullFrameRegion(o.width, o.height);
    this.runner = o.runner;
  }

  /** Milliseconds spent in the model (ORT run) so far. */
  get modelMs(): number {
    return this.runner.modelMs;
  }

  /** Milliseconds spent cropping and resizing so far. */
  get cropMs(): number {
    return this.runner.cropMs;
  }

  /** Model runs so far. */
  get inferences(): number {
    return this.runner.inferences;
  }

  /** Forgets the previous frame (after a seek). */
  reset(): void {
    this.region = fullFrameRegion(this.o.width, this.o.height);
  }

  /**
   * Keypoints (K × 3: x, y in decoded-frame pixels, score) of the person in this frame. When the
   * crop from the previous frame finds no one (mean score below `minScore`), the whole frame is
   * tried again.
   */
  async estimate(rgb: Uint8Array, minScore = MIN_CROP_KEYPOINT_SCORE): Promise<Float32Array> {
    const full = fullFrameRegion(this.o.width, this.o.height);
    const wasCropped = this.region.size !== full.size || this.region.x !== full.x || this.region.y !== full.y;
    const kp = await this.estimateIn(rgb, this.region);
    if (wasCropped && meanScore(kp) < minScore) return this.estimateIn(rgb, full);
    return kp;
  }

  private async estimateIn(rgb: Uint8Array, region: CropRegion): Promise<Float32Array> {
    const kp = await this.runner.run(rgb, region);
    this.region =
      this.o.cropFromPrevious === false ? region : nextCropRegion(kp, this.o.width, this.o.height);
    return kp;
  }
}
