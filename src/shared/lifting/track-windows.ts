/**
 * Unlabelled training windows cut from real 2D pose tracks, for semi-supervised training on a
 * user's own footage (VideoPose3D's back-projection: the 2D is all there is). Mocap windows
 * (dataset.ts WindowSampler) are rendered through random virtual cameras; a filmed track already
 * has its camera, so each window here is the track itself, with:
 *   - the same lifter input as lifting a track (prepare.ts: filled, COCO → H36M-17, normalised),
 *   - the observed 2D of the middle frame (the back-projection target; a detector's noise is real
 *     here, none is added),
 *   - an assumed pinhole camera: focal length `focalPx`, principal point at the image centre, no
 *     distortion (footage rarely comes with its intrinsics; lifting/core.ts assumes the same focal
 *     length for the root's depth),
 *   - flip augmentation (the image mirrored: x → −x in screen units, left/right swapped).
 * `fill` has WindowSampler's signature, so training draws from either.
 */
import { flipPoses } from './flip';
import { applyInputNormalization, normalizeScreen, type InputNormalization } from './normalize';
import { deriveSeed, Rng } from './rng';
import {
  locateWindow,
  windowFrames,
  writeWindowExtras,
  type WindowExtras,
  type WindowSource,
} from './dataset';

export interface Track2d {
  /** For messages: which video, run and track the windows come from. */
  readonly id: string;
  /** frames × 17 × 2 H36M-17 pixels, gaps filled (prepare.ts toH36m2d), at the lifter's frame rate. */
  readonly pointsPx: Float32Array;
  readonly width: number;
  readonly height: number;
  /** Assumed focal length, pixels. */
  readonly focalPx: number;
}

export interface TrackWindowOptions {
  receptiveField: number;
  inputNormalization: InputNormalization;
  flipProbability: number;
}

interface PreparedTrack {
  frames: number;
  /** frames × 17 × 2 screen-normalised (normalize.ts). */
  screen: Float32Array;
  /** [fx, fy, cx, cy, k1, k2] in screen-normalised units (dataset.ts normalizedIntrinsics). */
  intrinsics: number[];
}

export class TrackWindowSampler implements WindowSource {
  readonly windowCount: number;
  private readonly tracks: PreparedTrack[];
  private readonly starts: number[] = [];

  constructor(
    tracks: readonly Track2d[],
    readonly options: TrackWindowOptions,
  ) {
    const rf = options.receptiveField;
    if (!Number.isInteger(rf) || rf < 1 || rf % 2 === 0)
      throw new Error(`Receptive field must be a positive odd number, got ${rf}`);
    if (tracks.length === 0) throw new Error('No unlabelled tracks');
    this.tracks = tracks.map((t) => {
      const frames = t.pointsPx.length / 34;
      if (!Number.isInteger(frames) || frames < 1)
        throw new Error(`Track ${t.id}: expected frames × 17 × 2 points, got ${t.pointsPx.length} values`);
      if (!t.pointsPx.every(Number.isFinite))
        throw new Error(`Track ${t.id}: points must be finite (fill gaps first)`);
      if (!(t.width > 0 && t.height > 0 && t.focalPx > 0))
        throw new Error(`Track ${t.id}: image size and focal length must be positive`);
      const w = t.width;
      // Pixels → screen-normalised units: u = 2x/w − 1, v = 2y/w − h/w (normalize.ts).
      const intrinsics = [(2 * t.focalPx) / w, (2 * t.focalPx) / w, 0, 0, 0, 0];
      return { frames, screen: normalizeScreen(t.pointsPx, t.width, t.height), intrinsics };
    });
    let n = 0;
    for (const t of this.tracks) {
      this.starts.push(n);
      n += t.frames;
    }
    this.windowCount = n;
  }

  /**
   * Cuts windows `indices` (frame i of the concatenated tracks, edge-replicated at the ends) into
   * `input` (B × RF × 17 × 2); `target` is zeroed (there is no 3D); `extras` gets the camera-
   * normalised 2D, the middle frame's observed 2D and the intrinsics (no root: unknown).
   */
  fill(
    indices: ArrayLike<number>,
    seed: number,
    input: Float32Array,
    target: Float32Array,
    extras?: WindowExtras,
  ): void {
    const rf = this.options.receptiveField;
    const B = indices.length;
    if (input.length !== B * rf * 34 || target.length !== B * 51)
      throw new Error('TrackWindowSampler.fill: buffer sizes do not match the batch');
    if (extras?.root) throw new Error('TrackWindowSampler: real tracks have no 3D root');
    target.fill(0);
    for (let b = 0; b < B; b++) {
      const { part, frame } = locateWindow(this.starts, indices[b]);
      const track = this.tracks[part];
      const rng = new Rng(deriveSeed(seed, b));
      let screen: Float32Array = new Float32Array(rf * 34);
      windowFrames(frame, rf, track.frames).forEach((f, k) =>
        screen.set(track.screen.subarray(f * 34, f * 34 + 34), k * 34),
      );
      const intr = [...track.intrinsics];
      if (rng.chance(this.options.flipProbability)) {
        screen = flipPoses(screen, 17, 2);
        intr[2] = -intr[2];
      }
      input.set(applyInputNormalization(screen, 17, this.options.inputNormalization), b * rf * 34);
      writeWindowExtras(extras, b, screen, intr);
    }
  }
}
