/**
 * The VPD student's data: for each tracked frame of a video, the athlete's crop (grey or RGB), the
 * optical flow from the previous frame's crop at the same box (Farnebäck, 2 channels), optionally
 * the athlete's mask, and — for training — the teacher's embedding of that frame's pose.
 *
 * Crops come from the same code as the VPD crop directory (shared/vpd/crops.ts boxes: padded,
 * smoothed squares; vpd/crop-frames.ts: one decode of the range, prev crop at the same box;
 * vpd/flow.ts; vpd/mask.ts), but stay in memory at the student's size (64 px by default), as bytes:
 * per frame S × S pixels of [appearance (1 or 3), flow x, flow y, (mask)] — flow stored as
 * round(10 · px) + 128 (0.1 px steps, clipped at ±12.7 px, a fifth of a 64-px crop per frame) —
 * 12 KB a frame for grey + flow at 64 px.
 *
 * `studentInput` turns a frame's bytes into the network's input, with the training augmentation
 * when given a random source: a small random zoom (±10 %) and shift (±6 % of the side) of every
 * channel together (flow vectors scaled with the zoom), and a brightness / contrast change of the
 * appearance channels. The scaled channels: appearance v / 255 − 0.5, flow px / FLOW_SCALE_PX,
 * mask v / 255 − 0.5.
 */
import { KinemaError } from '../../../shared/errors';
import type { Rng } from '../../../shared/lifting/rng';
import type { PoseTrack } from '../../../shared/pose';
import { computeCropBoxes, cropBoxesInRange, keypointsForCrop } from '../../../shared/vpd/crops';
import { abortError } from '../evaluate';
import { streamCropPairs } from '../../vpd/crop-frames';
import { FlowEstimator, rgbToGray, type FarnebackParams, type FlowField } from '../../vpd/flow';
import { skeletonMask } from '../../vpd/mask';
import type { CropBoxSettings } from '../../vpd/write-crops';

export type Appearance = 'grey' | 'rgb';

export interface StudentInputSpec {
  /** Side of the square crop, pixels. */
  cropSize: number;
  appearance: Appearance;
  /** Add the athlete's mask (rasterised skeleton, vpd/mask.ts) as a channel. */
  mask: boolean;
}

export const DEFAULT_INPUT_SPEC: StudentInputSpec = { cropSize: 64, appearance: 'grey', mask: false };

/** Pixels of flow that make one unit of the network's flow channels. */
export const FLOW_SCALE_PX = 4;
/** Flow bytes: round(FLOW_STEPS_PER_PX · px) + 128. */
const FLOW_STEPS_PER_PX = 10;

export function appearanceChannels(a: Appearance): number {
  return a === 'rgb' ? 3 : 1;
}

/** Channels of the network's input: appearance, flow x, flow y, (mask). */
export function studentChannels(spec: StudentInputSpec): number {
  return appearanceChannels(spec.appearance) + 2 + (spec.mask ? 1 : 0);
}

export function frameBytes(spec: StudentInputSpec): number {
  return spec.cropSize * spec.cropSize * studentChannels(spec);
}

export function checkInputSpec(spec: StudentInputSpec): void {
  if (!Number.isInteger(spec.cropSize) || spec.cropSize < 16 || spec.cropSize > 256)
    throw new KinemaError(
      'BAD_OPTIONS',
      `The student's crop size must be a whole number of pixels from 16 to 256, got ${spec.cropSize}.`,
    );
  if (spec.appearance !== 'grey' && spec.appearance !== 'rgb')
    throw new KinemaError('BAD_OPTIONS', `The crop must be 'grey' or 'rgb', got ${String(spec.appearance)}.`);
  if (typeof spec.mask !== 'boolean') throw new KinemaError('BAD_OPTIONS', 'mask must be true or false.');
}

/** A video's frames as the student sees them. */
export interface StudentFrames {
  spec: StudentInputSpec;
  /** Video frame of each record. */
  frames: Int32Array;
  /** 1 where the crop bridges a short gap in the track (no pose there). */
  bridged: Uint8Array;
  /** frames.length × frameBytes(spec). */
  data: Uint8Array;
}

export interface CollectOptions {
  path: string;
  /** Source size and frame rate (the track's keypoints are in these pixels). */
  video: { width: number; height: number; fps: number };
  track: PoseTrack;
  /** Half-open range; default the track's frames. */
  inFrame?: number;
  outFrame?: number;
  spec: StudentInputSpec;
  /** cropSeekTime of max(0, first crop − 1), found by indexing the video when absent. */
  seekS?: number;
  box?: CropBoxSettings;
  flow?: FarnebackParams;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export function flowByte(px: number): number {
  const q = Math.round(px * FLOW_STEPS_PER_PX) + 128;
  return q < 0 ? 0 : q > 255 ? 255 : Number.isFinite(q) ? q : 128;
}

/**
 * Packs one frame into record `index` of `out` (see the module comment for the layout):
 * `appearance` is the crop's grey (S × S) or RGB (S × S × 3) bytes as the spec says, `flow` the
 * Farnebäck field from the prev crop, `mask` the athlete's mask (S × S) exactly when the spec has one.
 */
export function packStudentFrame(
  spec: StudentInputSpec,
  out: Uint8Array,
  index: number,
  appearance: Uint8Array,
  flow: FlowField,
  mask: Uint8Array | null,
): void {
  const S = spec.cropSize;
  const A = appearanceChannels(spec.appearance);
  const C = studentChannels(spec);
  if (appearance.length !== S * S * A || flow.data.length !== 2 * S * S || (spec.mask ? !mask : !!mask))
    throw new Error(`packStudentFrame: inputs do not match a ${S}-px ${spec.appearance} crop`);
  const base = index * S * S * C;
  for (let i = 0; i < S * S; i++) {
    const o2 = base + i * C;
    if (A === 1) out[o2] = appearance[i];
    else {
      out[o2] = appearance[i * 3];
      out[o2 + 1] = appearance[i * 3 + 1];
      out[o2 + 2] = appearance[i * 3 + 2];
    }
    out[o2 + A] = flowByte(flow.data[2 * i]);
    out[o2 + A + 1] = flowByte(flow.data[2 * i + 1]);
    if (mask) out[o2 + A + 2] = mask[i];
  }
}

/**
 * Decodes the range once and packs every frame that has a crop box (see the module comment). A
 * track with no box in the range is refused (NO_POSES).
 */
export async function collectStudentFrames(o: CollectOptions): Promise<StudentFrames> {
  checkInputSpec(o.spec);
  const { track, spec } = o;
  const S = spec.cropSize;
  const A = appearanceChannels(spec.appearance);
  const C = studentChannels(spec);
  const inFrame = o.inFrame ?? (track.frames.length ? track.frames[0] : 0);
  const outFrame = o.outFrame ?? (track.frames.length ? track.frames[track.frames.length - 1] + 1 : 0);
  const boxes = track.frames.length
    ? cropBoxesInRange(
        computeCropBoxes(track, {
          ...o.box,
          frameWidth: o.video.width,
          frameHeight: o.video.height,
          fps: o.video.fps,
        }),
        inFrame,
        outFrame,
      )
    : [];
  if (!boxes.length)
    throw new KinemaError(
      'NO_POSES',
      `Track ${track.trackId} has no pose between frames ${inFrame} and ${outFrame - 1} to cut a crop around.`,
    );
  const flow = await FlowEstimator.open(o.flow);
  const per = S * S * C;
  const data = new Uint8Array(boxes.length * per);
  const frames = new Int32Array(boxes.length);
  const bridged = new Uint8Array(boxes.length);
  let n = 0;
  try {
    const stream = streamCropPairs({
      path: o.path,
      sourceWidth: o.video.width,
      sourceHeight: o.video.height,
      boxes,
      cropSize: S,
      seekS: o.seekS,
      signal: o.signal,
    });
    const greyPrev = new Uint8Array(S * S);
    const grey = new Uint8Array(S * S);
    for await (const pair of stream) {
      if (o.signal?.aborted) throw abortError();
      rgbToGray(pair.prev, greyPrev);
      rgbToGray(pair.crop, grey);
      const field = flow.compute(greyPrev, grey, S, S);
      let mask: Uint8Array | null = null;
      if (spec.mask) {
        const kps = keypointsForCrop(track, pair.frame);
        mask = kps ? skeletonMask(kps, track.skeletonId, pair.box, S) : new Uint8Array(S * S);
      }
      packStudentFrame(spec, data, n, A === 1 ? grey : pair.crop, field, mask);
      frames[n] = pair.frame;
      bridged[n] = pair.box.bridged ? 1 : 0;
      n++;
      if (n % 16 === 0) o.onProgress?.(n, boxes.length);
    }
  } finally {
    flow.dispose();
  }
  if (n === 0)
    throw new KinemaError(
      'DECODE_FAILED',
      `No frame between ${inFrame} and ${outFrame - 1} could be decoded.`,
    );
  o.onProgress?.(n, boxes.length);
  return { spec, frames: frames.slice(0, n), bridged: bridged.slice(0, n), data: data.slice(0, n * per) };
}

/** The augmentation of one training sample (drawn by `drawAugmentation`). */
export interface Augmentation {
  /** Zoom (> 1 enlarges the athlete). */
  scale: number;
  /** Shift in pixels. */
  dx: number;
  dy: number;
  /** Appearance: v' = (v − 0.5) · contrast + 0.5 + brightness, on the 0–1 scale. */
  contrast: number;
  brightness: number;
}

export const NO_AUGMENTATION: Augmentation = { scale: 1, dx: 0, dy: 0, contrast: 1, brightness: 0 };

export function drawAugmentation(rng: Rng, cropSize: number): Augmentation {
  return {
    scale: rng.uniform(0.9, 1.1),
    dx: rng.uniform(-0.06, 0.06) * cropSize,
    dy: rng.uniform(-0.06, 0.06) * cropSize,
    contrast: rng.uniform(0.8, 1.2),
    brightness: rng.uniform(-0.08, 0.08),
  };
}

/**
 * The network's input (S × S × C floats, HWC) of record `index` of `data`, written at `out[offset]`,
 * with `aug` applied (bilinear resampling, edges repeated).
 */
export function studentInput(
  spec: StudentInputSpec,
  data: Uint8Array,
  index: number,
  out: Float32Array,
  offset = 0,
  aug: Augmentation = NO_AUGMENTATION,
): void {
  const S = spec.cropSize;
  const C = studentChannels(spec);
  const A = appearanceChannels(spec.appearance);
  const base = index * S * S * C;
  const centre = S / 2;
  const identity = aug.scale === 1 && aug.dx === 0 && aug.dy === 0;
  const decode = (c: number, v: number): number => {
    if (c < A) {
      const a = (v / 255 - 0.5) * aug.contrast + aug.brightness;
      return a < -0.5 ? -0.5 : a > 0.5 ? 0.5 : a;
    }
    if (c < A + 2) return (((v - 128) / FLOW_STEPS_PER_PX) * aug.scale) / FLOW_SCALE_PX;
    return v / 255 - 0.5;
  };
  for (let y = 0; y < S; y++) {
    // Output pixel centre → source coordinate (pixel centres at integer + 0.5).
    const sy = (y + 0.5 - centre - aug.dy) / aug.scale + centre - 0.5;
    const y0 = Math.max(0, Math.min(S - 1, Math.floor(sy)));
    const y1 = Math.min(S - 1, y0 + 1);
    const wy = identity ? 0 : Math.max(0, Math.min(1, sy - y0));
    for (let x = 0; x < S; x++) {
      const o = offset + (y * S + x) * C;
      if (identity) {
        const src = base + (y * S + x) * C;
        for (let c = 0; c < C; c++) out[o + c] = decode(c, data[src + c]);
        continue;
      }
      const sx = (x + 0.5 - centre - aug.dx) / aug.scale + centre - 0.5;
      const x0 = Math.max(0, Math.min(S - 1, Math.floor(sx)));
      const x1 = Math.min(S - 1, x0 + 1);
      const wx = Math.max(0, Math.min(1, sx - x0));
      const p00 = base + (y0 * S + x0) * C;
      const p01 = base + (y0 * S + x1) * C;
      const p10 = base + (y1 * S + x0) * C;
      const p11 = base + (y1 * S + x1) * C;
      for (let c = 0; c < C; c++) {
        const v =
          (data[p00 + c] * (1 - wx) + data[p01 + c] * wx) * (1 - wy) +
          (data[p10 + c] * (1 - wx) + data[p11 + c] * wx) * wy;
        out[o + c] = decode(c, v);
      }
    }
  }
}

/** Inputs of every record of `frames` (no augmentation): [count × S × S × C]. */
export function studentInputs(
  f: Pick<StudentFrames, 'spec' | 'data'>,
  indices?: ArrayLike<number>,
): Float32Array {
  const per = frameBytes(f.spec);
  const list = indices ?? Array.from({ length: f.data.length / per }, (_, i) => i);
  const out = new Float32Array(list.length * per);
  for (let i = 0; i < list.length; i++) studentInput(f.spec, f.data, list[i], out, i * per);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Teacher

/** A teacher's per-frame embeddings of a track: rows from firstFrame on, NaN rows where absent. */
export interface TeacherSeries {
  firstFrame: number;
  dim: number;
  values: Float32Array;
}

/**
 * What the student is distilled from: per-frame pose embeddings of a track (VIPE* in the app: the
 * stored 'embedding' series its job wrote; in tests and benches anything with this shape).
 */
export interface PoseTeacher {
  /** Recorded as the series source the student learns from (e.g. 'vipe'). */
  readonly source: string;
  readonly dim: number;
  embedTrack(track: PoseTrack): Promise<TeacherSeries> | TeacherSeries;
}

/** The teacher's unit-length vector at `frame`, or null where it has none (absent, zero, NaN). */
export function teacherAt(t: TeacherSeries, frame: number, out?: Float32Array): Float32Array | null {
  const r = frame - t.firstFrame;
  if (r < 0 || (r + 1) * t.dim > t.values.length) return null;
  const v = out ?? new Float32Array(t.dim);
  let sq = 0;
  for (let d = 0; d < t.dim; d++) {
    const x = t.values[r * t.dim + d];
    if (!Number.isFinite(x)) return null;
    v[d] = x;
    sq += x * x;
  }
  if (!(sq > 1e-20)) return null;
  const inv = 1 / Math.sqrt(sq);
  for (let d = 0; d < t.dim; d++) v[d] *= inv;
  return v;
}
