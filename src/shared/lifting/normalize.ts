/**
 * VideoPose3D's normalisations.
 *
 * 2D (screen): pixel coordinates are mapped so the image width spans [−1, 1] and the aspect ratio
 * is kept: x_n = 2·x / w − 1, y_n = 2·y / w − h / w. The image centre is (0, 0), a 16:9 landscape
 * image spans y_n ∈ [−0.5625, 0.5625]; mirroring the image is x_n → −x_n.
 * Pose normalisation (optional, `normalizePoseFrames`): after the screen normalisation, each frame
 * is translated so its root joint is at (0, 0) and scaled so the root-mean-square distance of its
 * joints from the root is 1. It removes where the person is in the image and how large they
 * appear (a 25-fold range over the virtual cameras of training: 2.5-15 m, wide to zoom lenses),
 * which a root-relative lifter does not need: the 2D shape, foreshortening included, is kept.
 * 3D: camera-space metres relative to the root joint (joint 0, the pelvis of H36M-17), which is
 * therefore (0, 0, 0) in every frame.
 */

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
    throw new Error(`Image size ${width}×${height} must be two positive numbers`);
  }
}

/** Pixels (N × 2, or N × `stride` with x, y first) → normalised screen coordinates (N × 2). */
export function normalizeScreen(
  pointsPx: ArrayLike<number>,
  width: number,
  height: number,
  stride = 2,
): Float32Array {
  checkSize(width, height);
  if (pointsPx.length % stride !== 0)
    throw new Error(`normalizeScreen: length ${pointsPx.length} is not a multiple of ${stride}`);
  const n = pointsPx.length / stride;
  const out = new Float32Array(n * 2);
  const a = 2 / width;
  const bY = height / width;
  for (let i = 0; i < n; i++) {
    out[i * 2] = pointsPx[i * stride] * a - 1;
    out[i * 2 + 1] = pointsPx[i * stride + 1] * a - bY;
  }
  return out;
}

/** Normalised screen coordinates (N × 2) → pixels (N × 2): the inverse of normalizeScreen. */
export function denormalizeScreen(points: ArrayLike<number>, width: number, height: number): Float32Array {
  checkSize(width, height);
  if (points.length % 2 !== 0) throw new Error(`denormalizeScreen: length ${points.length} is odd`);
  const out = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    out[i] = ((points[i] + 1) * width) / 2;
    out[i + 1] = ((points[i + 1] + height / width) * width) / 2;
  }
  return out;
}

/** Frames × joints × 3 → the same with joint `root` subtracted in every frame (root becomes 0). */
export function rootRelative(points: ArrayLike<number>, joints: number, root = 0): Float32Array {
  if (points.length % (joints * 3) !== 0) {
    throw new Error(`rootRelative: ${points.length} numbers is not frames × ${joints} × 3`);
  }
  const out = Float32Array.from(points);
  const frames = points.length / (joints * 3);
  for (let t = 0; t < frames; t++) {
    const b = t * joints * 3;
    const rx = points[b + root * 3];
    const ry = points[b + root * 3 + 1];
    const rz = points[b + root * 3 + 2];
    for (let j = 0; j < joints; j++) {
      out[b + j * 3] -= rx;
      out[b + j * 3 + 1] -= ry;
      out[b + j * 3 + 2] -= rz;
    }
  }
  return out;
}

/** How a lifter's 2D input is normalised (recorded with the model). */
export type InputNormalization = 'screen' | 'pose' | 'pose-motion';

export const INPUT_NORMALIZATIONS: readonly InputNormalization[] = ['screen', 'pose', 'pose-motion'];

/**
 * 'pose-motion': the root joint's slot, always (0, 0) after pose normalisation, carries the root's
 * image motion instead — (root_t − root_{t−1}) / rms_t × MOTION_GAIN, 0 in the first frame. Pose
 * normalisation removes where the person is in each frame, and with it the direction they move in,
 * which a temporal lifter can use (it sees several frames); the 2D shapes are unchanged. The gain
 * brings a walking step (≈ 0.07 body RMS per frame at 50 fps) near the other inputs' magnitude.
 * A training window's first frame gets 0 too, where a lifted track has its step: an approximation at
 * the edge of the receptive field, kept as the option is an experiment.
 */
export const MOTION_GAIN = 10;

/**
 * Per-frame pose normalisation (see the module comment) of frames × joints × 2 values, in place
 * when `out` is the input. A frame whose joints all sit on the root keeps scale 1.
 */
export function normalizePoseFrames(
  points: Float32Array,
  joints: number,
  root = 0,
  out: Float32Array = new Float32Array(points.length),
): Float32Array {
  if (points.length % (joints * 2) !== 0) {
    throw new Error(`normalizePoseFrames: ${points.length} numbers is not frames × ${joints} × 2`);
  }
  const frames = points.length / (joints * 2);
  for (let t = 0; t < frames; t++) {
    const b = t * joints * 2;
    const rx = points[b + root * 2];
    const ry = points[b + root * 2 + 1];
    const rms = frameRms(points, b, joints, root);
    const inv = rms > 1e-9 ? 1 / rms : 1;
    for (let j = 0; j < joints; j++) {
      out[b + j * 2] = (points[b + j * 2] - rx) * inv;
      out[b + j * 2 + 1] = (points[b + j * 2 + 1] - ry) * inv;
    }
  }
  return out;
}

/** Root-mean-square distance of the joints of the frame starting at `b` from its root joint. */
function frameRms(points: Float32Array, b: number, joints: number, root: number): number {
  const rx = points[b + root * 2];
  const ry = points[b + root * 2 + 1];
  let q = 0;
  for (let j = 0; j < joints; j++) q += (points[b + j * 2] - rx) ** 2 + (points[b + j * 2 + 1] - ry) ** 2;
  return Math.sqrt(q / joints);
}

/** Applies a lifter's input normalisation to screen-normalised frames × joints × 2 (copy). */
export function applyInputNormalization(
  screen: Float32Array,
  joints: number,
  kind: InputNormalization,
): Float32Array {
  if (kind === 'screen') return screen.slice();
  const out = normalizePoseFrames(screen, joints);
  if (kind === 'pose-motion') writeRootMotion(screen, joints, out);
  return out;
}

/** Writes each frame's root motion into the root slot of pose-normalised `out` (see MOTION_GAIN). */
function writeRootMotion(screen: Float32Array, joints: number, out: Float32Array): void {
  const stride = joints * 2;
  const frames = screen.length / stride;
  for (let t = 0; t < frames; t++) {
    const b = t * stride;
    const rms = frameRms(screen, b, joints, 0);
    // The first frame has no step (0), as a window's edge-replicated first frames have none.
    const from = t === 0 ? 0 : t - 1;
    const inv = rms > 1e-9 ? MOTION_GAIN / rms : 0;
    out[b] = (screen[b] - screen[from * stride]) * inv;
    out[b + 1] = (screen[b + 1] - screen[from * stride + 1]) * inv;
  }
}
