/**
 * Square crops around a tracked athlete, as VPD (video pose distillation) trains on them, and the
 * names of the files of a VPD crop directory. Pure: no Node, no I/O.
 *
 * Crop boxes (`computeCropBoxes`):
 *  1. Per stored frame of the track, the athlete's extent is the tight box around the keypoints
 *     scoring at least `minScore` (at least `minKeypoints` of them); with fewer, the track's stored
 *     box is used; a frame with neither has no crop.
 *  2. The square's side is the extent's longer side × (1 + `padding`) + 2 × `padPx`, at least
 *     `minSize`; its centre is the extent's centre.
 *  3. Gaps: frames where the athlete is absent get no crop, except gaps of at most `maxGap` missing
 *     frames inside a run, which are bridged: centre and log-side are linearly interpolated between
 *     the frames either side and the box is marked `bridged` (the mask there is drawn from linearly
 *     interpolated keypoints, see `keypointsForCrop`). No smoothing crosses a longer gap.
 *  4. Smoothing, per run of consecutive frames: a running median (`medianWindow`, removes
 *     single-frame spikes such as a keypoint jumping to another person) followed by a zero-phase
 *     2nd-order Butterworth low-pass (forward-backward, so no lag): `cutoffHz` on the centre,
 *     `sizeCutoffHz` on the log of the side (a log so that growing and shrinking are treated alike
 *     and the side stays positive). Cutoffs at or above 0.45 × fps are lowered to 0.45 × fps.
 *  5. Frame edges, after smoothing: the side is at most the frame's longer side; with `edge: 'pad'`
 *     (default, VPD's choice: the athlete stays centred) the centre is clamped into the frame and
 *     the part of the square outside the frame is filled (the cropper's `fill` colour); with
 *     `edge: 'shift'` the square is moved inside the frame on each axis where it fits (the athlete
 *     is then off-centre near an edge) and centred on the frame on an axis where it does not.
 *
 * Coordinates are source-video pixels with (0, 0) the top-left corner of the top-left pixel.
 */
import { butterworthSeries, medianSeries } from '../tracking/filters';
import { boxFromKeypoints, frameIndexOf, jointCount, type PoseTrack } from '../pose';

/** A square crop of one frame, in source-video pixels. */
export interface CropBox {
  frame: number;
  /** Left and top edges of the square (may lie outside the frame with `edge: 'pad'`). */
  x: number;
  y: number;
  /** Side of the square. */
  size: number;
  /** True where the athlete was not posed and the box bridges a short gap. */
  bridged: boolean;
}

export type CropEdgeMode = 'pad' | 'shift';

export interface CropBoxOptions {
  /** Source video size, in pixels. */
  frameWidth: number;
  frameHeight: number;
  /** Frame rate of the video (Hz): the low-pass cutoffs are in Hz. */
  fps: number;
  /** Extra side as a fraction of the athlete's longer side. Default 0.25. */
  padding?: number;
  /** Extra pixels on every side. Default 0. */
  padPx?: number;
  /** Smallest side (pixels). Default 32. */
  minSize?: number;
  /** Keypoints scoring below this do not count for the athlete's extent. Default 0.3. */
  minScore?: number;
  /** Fewer good keypoints than this: the track's stored box is used instead. Default 3. */
  minKeypoints?: number;
  /** Longest gap (missing frames) bridged by interpolation; 0 bridges nothing. Default 5. */
  maxGap?: number;
  /** Low-pass cutoff of the centre (Hz). Default 2. */
  cutoffHz?: number;
  /** Low-pass cutoff of the log side (Hz). Default 1. */
  sizeCutoffHz?: number;
  /** Running-median window before the low-pass (frames, odd); 1 turns it off. Default 5. */
  medianWindow?: number;
  /** What happens at the frame edges (see the module comment). Default 'pad'. */
  edge?: CropEdgeMode;
  /** Turns smoothing off (raw padded boxes, still bridged and clamped): for comparison. */
  raw?: boolean;
}

export const CROP_BOX_DEFAULTS = {
  padding: 0.25,
  padPx: 0,
  minSize: 32,
  minScore: 0.3,
  minKeypoints: 3,
  maxGap: 5,
  cutoffHz: 2,
  sizeCutoffHz: 1,
  medianWindow: 5,
  edge: 'pad' as CropEdgeMode,
};

function positive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0))
    throw new Error(`Crop boxes: ${name} must be a positive number, got ${v}`);
}

function nonNegative(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`Crop boxes: ${name} must be a number ≥ 0, got ${v}`);
}

/** The athlete's extent [x0, y0, x1, y1] at stored frame i, or null when the frame says nothing. */
function extentAt(
  track: PoseTrack,
  i: number,
  k: number,
  minScore: number,
  minKeypoints: number,
): [number, number, number, number] | null {
  const kp = track.keypoints.subarray(i * k * 3, (i + 1) * k * 3);
  let good = 0;
  for (let j = 0; j < k; j++) if (kp[j * 3 + 2] >= minScore && Number.isFinite(kp[j * 3])) good++;
  if (good >= minKeypoints) {
    // boxFromKeypoints keeps scores strictly above its threshold.
    const [x, y, w, h] = boxFromKeypoints(kp, Math.max(0, minScore - 1e-9));
    if (Number.isFinite(x + y + w + h)) return [x, y, x + w, y + h];
  }
  const b = track.boxes.subarray(i * 4, i * 4 + 4);
  if (b[2] > 0 && b[3] > 0 && Number.isFinite(b[0] + b[1] + b[2] + b[3]))
    return [b[0], b[1], b[0] + b[2], b[1] + b[3]];
  return null;
}

/**
 * Per-frame square crop boxes for a tracked athlete, smoothed so the crop does not jitter, with
 * short gaps bridged and the frame edges handled (see the module comment). Sorted by frame.
 */
export function computeCropBoxes(track: PoseTrack, options: CropBoxOptions): CropBox[] {
  const o = { ...CROP_BOX_DEFAULTS, ...options };
  positive('frameWidth', o.frameWidth);
  positive('frameHeight', o.frameHeight);
  positive('the frame rate (fps)', o.fps);
  positive('minSize', o.minSize);
  positive('cutoffHz', o.cutoffHz);
  positive('sizeCutoffHz', o.sizeCutoffHz);
  nonNegative('padding', o.padding);
  nonNegative('padPx', o.padPx);
  nonNegative('maxGap', o.maxGap);
  if (o.edge !== 'pad' && o.edge !== 'shift')
    throw new Error(`Crop boxes: edge must be 'pad' or 'shift', got ${String(o.edge)}`);
  const k = jointCount(track);

  // 1-2. Raw samples: frame, centre, log side.
  const frames: number[] = [];
  const cx: number[] = [];
  const cy: number[] = [];
  const ls: number[] = [];
  for (let i = 0; i < track.frames.length; i++) {
    const e = extentAt(track, i, k, o.minScore, o.minKeypoints);
    if (!e) continue;
    const side = Math.max(o.minSize, Math.max(e[2] - e[0], e[3] - e[1]) * (1 + o.padding) + 2 * o.padPx);
    frames.push(track.frames[i]);
    cx.push((e[0] + e[2]) / 2);
    cy.push((e[1] + e[3]) / 2);
    ls.push(Math.log(side));
  }

  const out: CropBox[] = [];
  const maxSide = Math.max(o.frameWidth, o.frameHeight);
  const cutoff = Math.min(o.cutoffHz, 0.45 * o.fps);
  const sizeCutoff = Math.min(o.sizeCutoffHz, 0.45 * o.fps);
  let s = 0;
  while (s < frames.length) {
    // 3. A run: consecutive samples at most maxGap missing frames apart.
    let e = s + 1;
    while (e < frames.length && frames[e] - frames[e - 1] - 1 <= o.maxGap) e++;
    const f0 = frames[s];
    const n = frames[e - 1] - f0 + 1;
    const X = new Float64Array(n);
    const Y = new Float64Array(n);
    const L = new Float64Array(n);
    const bridged = new Uint8Array(n).fill(1);
    for (let q = s; q < e; q++) {
      const a = frames[q] - f0;
      X[a] = cx[q];
      Y[a] = cy[q];
      L[a] = ls[q];
      bridged[a] = 0;
      if (q + 1 < e) {
        const b = frames[q + 1] - f0;
        for (let t = a + 1; t < b; t++) {
          const w = (t - a) / (b - a);
          X[t] = cx[q] + (cx[q + 1] - cx[q]) * w;
          Y[t] = cy[q] + (cy[q + 1] - cy[q]) * w;
          L[t] = ls[q] + (ls[q + 1] - ls[q]) * w;
        }
      }
    }
    // 4. Smoothing.
    let SX: ArrayLike<number> = X;
    let SY: ArrayLike<number> = Y;
    let SL: ArrayLike<number> = L;
    if (!o.raw && n >= 2) {
      const med = (v: Float64Array) => (o.medianWindow > 1 ? medianSeries(v, o.medianWindow) : v);
      SX = butterworthSeries(med(X), cutoff, o.fps);
      SY = butterworthSeries(med(Y), cutoff, o.fps);
      SL = butterworthSeries(med(L), sizeCutoff, o.fps);
    }
    // 5. Edges.
    for (let t = 0; t < n; t++) {
      const size = Math.min(maxSide, Math.max(o.minSize, Math.exp(SL[t])));
      let x: number;
      let y: number;
      if (o.edge === 'pad') {
        x = clamp(SX[t], 0, o.frameWidth) - size / 2;
        y = clamp(SY[t], 0, o.frameHeight) - size / 2;
      } else {
        x = shiftInside(SX[t] - size / 2, size, o.frameWidth);
        y = shiftInside(SY[t] - size / 2, size, o.frameHeight);
      }
      out.push({ frame: f0 + t, x, y, size, bridged: bridged[t] === 1 });
    }
    s = e;
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** The start of a segment of length `size` moved inside [0, extent], or centred when it cannot fit. */
function shiftInside(start: number, size: number, extent: number): number {
  if (size >= extent) return (extent - size) / 2;
  return clamp(start, 0, extent - size);
}

/** The crop box of `frame` (binary search in boxes sorted by frame), or undefined. */
export function cropBoxAt(boxes: readonly CropBox[], frame: number): CropBox | undefined {
  let lo = 0;
  let hi = boxes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = boxes[mid].frame;
    if (f === frame) return boxes[mid];
    if (f < frame) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** The boxes of the half-open frame range [inFrame, outFrame). */
export function cropBoxesInRange(boxes: readonly CropBox[], inFrame: number, outFrame: number): CropBox[] {
  return boxes.filter((b) => b.frame >= inFrame && b.frame < outFrame);
}

/**
 * The keypoints (K × 3) to draw the athlete's mask from at `frame`: the stored ones, or for a frame
 * inside a gap, each joint linearly interpolated between the nearest stored frames either side
 * (score: the lower of the two). Null when the frame is not inside the track's stored span.
 */
export function keypointsForCrop(track: PoseTrack, frame: number): Float32Array | null {
  const stride = jointCount(track) * 3;
  const i = frameIndexOf(track, frame);
  if (i >= 0) return track.keypoints.slice(i * stride, (i + 1) * stride);
  // The first stored frame after `frame`.
  let lo = 0;
  let hi = track.frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (track.frames[mid] < frame) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0 || lo === track.frames.length) return null;
  const a = lo - 1;
  const b = lo;
  const w = (frame - track.frames[a]) / (track.frames[b] - track.frames[a]);
  const out = new Float32Array(stride);
  for (let j = 0; j < stride; j += 3) {
    const pa = a * stride + j;
    const pb = b * stride + j;
    out[j] = track.keypoints[pa] + (track.keypoints[pb] - track.keypoints[pa]) * w;
    out[j + 1] = track.keypoints[pa + 1] + (track.keypoints[pb + 1] - track.keypoints[pa + 1]) * w;
    out[j + 2] = Math.min(track.keypoints[pa + 2], track.keypoints[pb + 2]);
  }
  return out;
}

/**
 * Jitter of a sequence of boxes: the root mean square of the second difference of the centre
 * (pixels per frame²) over frames that follow each other, the part of the motion a viewer sees as
 * shaking. 0 for fewer than 3 consecutive frames.
 */
export function cropJitter(boxes: readonly Pick<CropBox, 'frame' | 'x' | 'y' | 'size'>[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 2; i < boxes.length; i++) {
    const [a, b, c] = [boxes[i - 2], boxes[i - 1], boxes[i]];
    if (c.frame - b.frame !== 1 || b.frame - a.frame !== 1) continue;
    const ddx = c.x + c.size / 2 - 2 * (b.x + b.size / 2) + (a.x + a.size / 2);
    const ddy = c.y + c.size / 2 - 2 * (b.y + b.size / 2) + (a.y + a.size / 2);
    sum += ddx * ddx + ddy * ddy;
    n++;
  }
  return n ? Math.sqrt(sum / n) : 0;
}

// ---------------------------------------------------------------------------------------------
// The VPD crop directory

/**
 * The files of one frame in a VPD crop directory: `<frame>.png` (the crop of frame t),
 * `<frame>.prev.png` (frame t − 1 cut at frame t's box), `<frame>.flow.png` (optical flow from the
 * prev crop to the crop) and `<frame>.mask.png` (the athlete's mask). Frame numbers are written in
 * plain decimal, no zero padding. Tennis videos keep one sub-folder per camera side.
 */
export type CropFileKind = 'crop' | 'prev' | 'flow' | 'mask';

export const CROP_FILE_KINDS: readonly CropFileKind[] = ['crop', 'prev', 'flow', 'mask'];

export const CROP_FILE_SUFFIX: Readonly<Record<CropFileKind, string>> = {
  crop: '.png',
  prev: '.prev.png',
  flow: '.flow.png',
  mask: '.mask.png',
};

/** Tennis crop directories have a `front/` and a `back/` sub-folder. */
export type CropView = 'front' | 'back';

export const CROP_VIEWS: readonly CropView[] = ['front', 'back'];

/** Kinema's description of a crop directory (boxes, sizes, encodings), beside the VPD files. */
export const CROPS_MANIFEST = 'crops.json';

function checkFrame(frame: number): void {
  if (!Number.isInteger(frame) || frame < 0)
    throw new Error(`A crop file's frame must be a whole number ≥ 0, got ${frame}`);
}

/** `<frame>.png`, `<frame>.prev.png`, `<frame>.flow.png` or `<frame>.mask.png`. */
export function cropFileName(frame: number, kind: CropFileKind): string {
  checkFrame(frame);
  return `${frame}${CROP_FILE_SUFFIX[kind]}`;
}

/** The file's path inside a video's crop directory, '/'-separated: `front/12.flow.png`. */
export function cropFilePath(frame: number, kind: CropFileKind, view?: CropView): string {
  if (view !== undefined && !CROP_VIEWS.includes(view))
    throw new Error(`A crop view must be 'front' or 'back', got ${String(view)}`);
  return view ? `${view}/${cropFileName(frame, kind)}` : cropFileName(frame, kind);
}

/** Reads a crop file name back: `12.flow.png` → { frame: 12, kind: 'flow' }; null for other names. */
export function parseCropFileName(name: string): { frame: number; kind: CropFileKind } | null {
  const m = /^(0|[1-9]\d*)(\.prev|\.flow|\.mask)?\.png$/.exec(name);
  if (!m) return null;
  const kind: CropFileKind =
    m[2] === '.prev' ? 'prev' : m[2] === '.flow' ? 'flow' : m[2] === '.mask' ? 'mask' : 'crop';
  return { frame: Number(m[1]), kind };
}
