/**
 * Top-down pose geometry and decoding, as pure functions: the person box becomes a crop of the
 * model's aspect ratio (enlarged by `padding`, mmpose's bbox_xyxy2cs + _fix_aspect_ratio), the crop
 * is resampled bilinearly (cv2.warpAffine's convention: crop pixel u samples frame
 * x = cx + (u − W/2)·w/W, zeros outside the frame), normalised into the model's layout, and the
 * outputs are decoded (heatmap argmax + quarter-pixel shift, or SimCC argmax / ratio) and mapped
 * back to frame pixels with the same affine.
 */
import type { ByoInputSpec } from './descriptor';

/** Person box in frame pixels: [x1, y1, x2, y2]. */
export type BoxXYXY = readonly [number, number, number, number];

/** The frame region fed to the model: centre and size in frame pixels, at the model's aspect. */
export interface CropRegion {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/** The crop for a person box: centred on it, enlarged by `padding`, widened or heightened to W/H. */
export function boxToCrop(box: BoxXYXY, inputW: number, inputH: number, padding = 1.25): CropRegion {
  const [x1, y1, x2, y2] = box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  let w = Math.max(1e-3, x2 - x1) * padding;
  let h = Math.max(1e-3, y2 - y1) * padding;
  const aspect = inputW / inputH;
  if (w > h * aspect) h = w / aspect;
  else w = h * aspect;
  return { cx, cy, w, h };
}

/**
 * Bilinear resample of `crop` from an RGB frame (width × height × 3, row-major) to outW × outH,
 * RGB interleaved, 0–255 floats; samples outside the frame read as 0.
 */
export function cropResize(
  frame: Uint8Array,
  width: number,
  height: number,
  crop: CropRegion,
  outW: number,
  outH: number,
): Float32Array {
  if (frame.length !== width * height * 3)
    throw new Error(`Frame has ${frame.length} bytes, expected ${width}×${height}×3 = ${width * height * 3}`);
  const out = new Float32Array(outW * outH * 3);
  const sx = crop.w / outW;
  const sy = crop.h / outH;
  const px = (x: number, y: number, c: number): number =>
    x < 0 || y < 0 || x >= width || y >= height ? 0 : frame[(y * width + x) * 3 + c];
  for (let v = 0; v < outH; v++) {
    const fy = crop.cy + (v - outH / 2) * sy;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    for (let u = 0; u < outW; u++) {
      const fx = crop.cx + (u - outW / 2) * sx;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const o = (v * outW + u) * 3;
      for (let c = 0; c < 3; c++) {
        const top = px(x0, y0, c) * (1 - tx) + px(x0 + 1, y0, c) * tx;
        const bottom = px(x0, y0 + 1, c) * (1 - tx) + px(x0 + 1, y0 + 1, c) * tx;
        out[o + c] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return out;
}

/**
 * RGB interleaved 0–255 pixels (W × H × 3) → the model's input data: channel order, layout
 * (NCHW planes or NHWC interleaved), dtype, and (float32) `(v − mean[c]) / std[c]` with mean/std in
 * the model's channel order.
 */
export function toInputData(
  rgb: Float32Array,
  spec: Pick<ByoInputSpec, 'width' | 'height' | 'layout' | 'dtype' | 'channelOrder' | 'mean' | 'std'>,
): Float32Array | Uint8Array {
  const n = spec.width * spec.height;
  if (rgb.length !== n * 3) throw new Error(`Expected ${n * 3} values, got ${rgb.length}`);
  const order = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const mean = spec.dtype === 'float32' ? (spec.mean ?? [0, 0, 0]) : [0, 0, 0];
  const std = spec.dtype === 'float32' ? (spec.std ?? [1, 1, 1]) : [1, 1, 1];
  const out = spec.dtype === 'uint8' ? new Uint8Array(n * 3) : new Float32Array(n * 3);
  for (let c = 0; c < 3; c++) {
    const src = order[c];
    const m = mean[c];
    const s = std[c];
    for (let i = 0; i < n; i++) {
      const v = rgb[i * 3 + src];
      const value = spec.dtype === 'uint8' ? Math.round(v) : (v - m) / s;
      out[spec.layout === 'NCHW' ? c * n + i : i * 3 + c] = value;
    }
  }
  return out;
}

/**
 * Heatmaps [K, h, w] → K × 3 (x, y, score) in heatmap cells: argmax, then a quarter-cell shift
 * toward the higher neighbour on each axis (SimpleBaseline/HRNet's get_final_preds; applied where
 * both neighbours exist), score = the maximum.
 */
export function decodeHeatmaps(data: Float32Array, k: number, h: number, w: number): Float32Array {
  if (data.length !== k * h * w)
    throw new Error(`Heatmaps have ${data.length} values, expected ${k}×${h}×${w}`);
  const out = new Float32Array(k * 3);
  for (let j = 0; j < k; j++) {
    const base = j * h * w;
    let best = 0;
    let max = -Infinity;
    for (let i = 0; i < h * w; i++) {
      if (data[base + i] > max) {
        max = data[base + i];
        best = i;
      }
    }
    const px = best % w;
    const py = Math.floor(best / w);
    let x = px;
    let y = py;
    if (px > 0 && px < w - 1) x += 0.25 * Math.sign(data[base + best + 1] - data[base + best - 1]);
    if (py > 0 && py < h - 1) y += 0.25 * Math.sign(data[base + best + w] - data[base + best - w]);
    out[j * 3] = x;
    out[j * 3 + 1] = y;
    out[j * 3 + 2] = max;
  }
  return out;
}

function argmax(data: Float32Array, start: number, length: number): [index: number, max: number] {
  let best = 0;
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    if (data[start + i] > max) {
      max = data[start + i];
      best = i;
    }
  }
  return [best, max];
}

/**
 * SimCC vectors x [K, lx] and y [K, ly] → K × 3 (x, y, score) in model-input pixels:
 * argmax / splitRatio; score = min (default) or mean of the two maxima.
 */
export function decodeSimcc(
  simccX: Float32Array,
  simccY: Float32Array,
  k: number,
  splitRatio: number,
  score: 'min' | 'mean' = 'min',
): Float32Array {
  const lx = simccX.length / k;
  const ly = simccY.length / k;
  if (!Number.isInteger(lx) || !Number.isInteger(ly))
    throw new Error(
      `SimCC outputs of ${simccX.length} and ${simccY.length} values do not hold ${k} keypoints`,
    );
  const out = new Float32Array(k * 3);
  for (let j = 0; j < k; j++) {
    const [bx, mx] = argmax(simccX, j * lx, lx);
    const [by, my] = argmax(simccY, j * ly, ly);
    out[j * 3] = bx / splitRatio;
    out[j * 3 + 1] = by / splitRatio;
    out[j * 3 + 2] = score === 'min' ? Math.min(mx, my) : (mx + my) / 2;
  }
  return out;
}

/**
 * Keypoints in model-input pixels (scaled first by `scaleX/scaleY`, e.g. the heatmap stride) →
 * frame pixels, in place; scores untouched.
 */
export function cropToFrame(
  keypoints: Float32Array,
  crop: CropRegion,
  inputW: number,
  inputH: number,
  scaleX = 1,
  scaleY = 1,
): Float32Array {
  for (let i = 0; i < keypoints.length; i += 3) {
    keypoints[i] = crop.cx + (keypoints[i] * scaleX - inputW / 2) * (crop.w / inputW);
    keypoints[i + 1] = crop.cy + (keypoints[i + 1] * scaleY - inputH / 2) * (crop.h / inputH);
  }
  return keypoints;
}
