/**
 * Lifting training data from motion capture.
 *
 * A take becomes a `LiftingSequence`: its H36M-17 joints (the 3D targets) and its COCO-17 points
 * (what a 2D detector sees: nose, eyes, ears, shoulders … ankles, from mocap/rigs.ts), both in
 * world metres, resampled to one frame rate. Samples are drawn from sequences on the fly:
 *
 *   - a window of `receptiveField` frames centred on a frame, padded by edge replication at the
 *     sequence's ends (so the first and last frames train too, as lifting pads a user's track);
 *   - a virtual camera per window (cameras.ts: random azimuth, elevation, distance, focal length,
 *     principal point, optional radial distortion; static or panning);
 *   - 2D input: the window projected into the camera, by default from the COCO-17 points mapped to
 *     H36M-17 the way detections are (prepare.ts), optionally with detector-like noise (noise.ts);
 *     normalised screen coordinates;
 *   - 3D target: the centre frame's H36M-17 joints in camera space, relative to the pelvis, metres;
 *   - flip augmentation (flip.ts) with probability `flipProbability`.
 * Validation views are whole sequences seen by fixed cameras (`renderView`).
 *
 * The split is by CMU subject (subjectOf): the subject's number comes from the file name (07_01 →
 * 07; the CC-rig conversion's 007_01 → 07, checked against clips.csv's CMU take when given). Files
 * with no subject (cmuGolf.bvh) are training data. A subject is never in both splits.
 */
import { mapToTarget } from '../mocap/rigs';
import type { MocapJointTake } from '../mocap/types';
import {
  randomWindowCameras,
  projectPoints,
  type VirtualCameraOptions,
  DEFAULT_CAMERA_OPTIONS,
} from './cameras';
import { flipPoses } from './flip';
import { addDetectorNoise, COCO17_NOISE_LAYOUT, DEFAULT_NOISE, type DetectorNoiseOptions } from './noise';
import { applyInputNormalization, normalizeScreen, type InputNormalization } from './normalize';
import { cocoToH36m2d, toH36m2d } from './prepare';
import { deriveSeed, Rng } from './rng';

export const VALIDATION_SUBJECTS: readonly string[] = ['07', '13'];

/** One row of ../shared/data/mocap/clips.csv. */
export interface ClipInfo {
  folder: string;
  file: string;
  /** CMU take id "SS_TT", or null when the file does not come from a numbered take. */
  cmuTake: string | null;
  description: string;
  category: string;
  frames: number;
  fps: number;
}

/** Splits one CSV line (RFC 4180 quoting: "a, b" and doubled quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parses clips.csv (header: folder,file,cmu_take,description,category,frames,fps). */
export function parseClipsCsv(text: string): ClipInfo[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('clips.csv is empty');
  const header = csvFields(lines[0]).map((h) => h.trim());
  const need = ['folder', 'file', 'cmu_take', 'description', 'category', 'frames', 'fps'];
  const col = Object.fromEntries(need.map((n) => [n, header.indexOf(n)]));
  const absent = need.filter((n) => col[n] < 0);
  if (absent.length > 0) throw new Error(`clips.csv lacks the column(s) ${absent.join(', ')}`);
  const seen = new Set<string>();
  const rows: ClipInfo[] = [];
  lines.slice(1).forEach((line, i) => {
    const f = csvFields(line);
    if (f.length < header.length)
      throw new Error(`clips.csv line ${i + 2}: ${f.length} fields, expected ${header.length}`);
    const key = `${f[col.folder]}/${f[col.file]}`;
    if (seen.has(key)) return; // the file lists a few clips twice
    seen.add(key);
    rows.push({
      folder: f[col.folder],
      file: f[col.file],
      cmuTake: f[col.cmu_take] || null,
      description: f[col.description],
      category: f[col.category],
      frames: Number(f[col.frames]),
      fps: Number(f[col.fps]),
    });
  });
  return rows;
}

/**
 * CMU subject of a mocap file ("07"), or null when its name carries none. `07_01.bvh` → 07,
 * `007_01.bvh` → 07; when `clips` lists the file with a CMU take, the take decides (and must agree
 * with the name's number, else the data is inconsistent and this throws).
 */
export function subjectOf(file: string, folder?: string, clips?: readonly ClipInfo[]): string | null {
  const base = file.replace(/^.*[\\/]/, '');
  const m = /^(\d{2,3})_\d+/.exec(base);
  const fromName = m ? String(Number(m[1])).padStart(2, '0') : null;
  const row = clips?.find((c) => c.file === base && (folder === undefined || c.folder === folder));
  if (row?.cmuTake) {
    const t = /^(\d+)_/.exec(row.cmuTake);
    const fromTake = t ? String(Number(t[1])).padStart(2, '0') : null;
    if (fromName && fromTake && fromName !== fromTake) {
      throw new Error(
        `${folder ?? ''}/${base}: the name says subject ${fromName}, clips.csv says ${fromTake}`,
      );
    }
    return fromTake ?? fromName;
  }
  return fromName;
}

/** A take ready for sampling: world positions at `fps`. */
export interface LiftingSequence {
  /** Unique id, e.g. "cmu-bvh/07_01.bvh". */
  readonly id: string;
  readonly subject: string | null;
  /** Action / category label (clips.csv), "unknown" when not given. */
  readonly category: string;
  readonly fps: number;
  readonly frames: number;
  /** frames × 17 × 3 H36M-17 joints, world metres (Z up). */
  readonly h36m: Float32Array;
  /** frames × 17 × 3 COCO-17 points, world metres. */
  readonly coco: Float32Array;
}

/**
 * Linear resampling in time of frames × `size` values from `fromFps` to `toFps`: frame k of the
 * result is at t = k / toFps (the first frames coincide). `count` frames (default: up to the last
 * source frame); times past the last source frame repeat it.
 */
export function resample(
  values: Float32Array,
  size: number,
  fromFps: number,
  toFps: number,
  count?: number,
): Float32Array {
  if (!(fromFps > 0 && toFps > 0))
    throw new Error(`resample: frame rates must be positive (${fromFps} → ${toFps})`);
  if (values.length % size !== 0 || values.length === 0) throw new Error('resample: no whole frames');
  const T = values.length / size;
  const n = count ?? Math.floor(((T - 1) * toFps) / fromFps + 1e-6) + 1;
  if (Math.abs(fromFps - toFps) < 1e-3 * toFps && n === T) return values.slice();
  const out = new Float32Array(n * size);
  for (let k = 0; k < n; k++) {
    const pos = (k * fromFps) / toFps;
    const a = Math.min(T - 1, Math.floor(pos));
    const b = Math.min(T - 1, a + 1);
    const w = pos - a;
    for (let i = 0; i < size; i++)
      out[k * size + i] = (1 - w) * values[a * size + i] + w * values[b * size + i];
  }
  return out;
}

/** Builds a sequence from an imported BVH take (mapToTarget, resampling, NaN check). */
export function sequenceFromTake(
  take: MocapJointTake,
  info: { id: string; subject: string | null; category?: string },
  fps = 50,
): LiftingSequence {
  const h = mapToTarget(take, 'h36m17');
  const c = mapToTarget(take, 'coco17-feet');
  if (h.missing.length > 0) throw new Error(`${info.id}: the rig cannot place ${h.missing.join(', ')}`);
  const cocoMissing = c.missing.filter((n) => c.jointNames.indexOf(n) < 17);
  if (cocoMissing.length > 0) throw new Error(`${info.id}: the rig cannot place ${cocoMissing.join(', ')}`);
  const T = take.frameCount;
  const Kc = c.jointNames.length;
  const coco = new Float32Array(T * 17 * 3);
  for (let t = 0; t < T; t++) coco.set(c.positionsM.subarray(t * Kc * 3, t * Kc * 3 + 51), t * 51);
  for (const [name, arr] of [
    ['H36M', h.positionsM],
    ['COCO', coco],
  ] as const) {
    const bad = arr.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new Error(`${info.id}: ${name} joint positions are not finite at frame ${Math.floor(bad / 51)}`);
  }
  const h36m = resample(h.positionsM, 51, take.rate, fps);
  const cocoR = resample(coco, 51, take.rate, fps);
  return {
    id: info.id,
    subject: info.subject,
    category: info.category ?? 'unknown',
    fps,
    frames: h36m.length / 51,
    h36m,
    coco: cocoR,
  };
}

/** Splits sequences by subject: `validationSubjects` in validation, the rest (and null) in train. */
export function splitBySubject(
  sequences: readonly LiftingSequence[],
  validationSubjects: readonly string[] = VALIDATION_SUBJECTS,
): { train: LiftingSequence[]; validation: LiftingSequence[] } {
  const val = new Set(validationSubjects);
  const train = sequences.filter((s) => s.subject === null || !val.has(s.subject));
  const validation = sequences.filter((s) => s.subject !== null && val.has(s.subject));
  const trainSubjects = new Set(train.map((s) => s.subject));
  for (const s of validation) {
    if (trainSubjects.has(s.subject)) throw new Error(`Subject ${s.subject} would be in both splits`);
  }
  return { train, validation };
}

/** Where the 2D input comes from. */
export type Input2dKind = 'coco17' | 'h36m17';

export interface SampleOptions {
  receptiveField: number;
  camera: VirtualCameraOptions;
  /** 'coco17': COCO-17 points mapped to H36M-17 like detections (default); 'h36m17': the joints. */
  input2d: Input2dKind;
  /** Probability that a window gets detector noise (else exact projections). */
  noiseProbability: number;
  noise: DetectorNoiseOptions;
  /** Probability that a window is mirrored. */
  flipProbability: number;
  /** Keypoints scoring below this are filled (prepare.ts), as when lifting detections. */
  minScore: number;
  /** 'screen' (VideoPose3D) or 'pose' (screen, then per-frame root-centred and scaled; normalize.ts). */
  inputNormalization: InputNormalization;
  /**
   * Playback-speed augmentation of training windows: each window plays its take at a speed drawn
   * log-uniformly from [lo, hi] (3D interpolated between frames; the middle frame, the target, is
   * always a real one), so a temporal lifter meets more tempos than the few takes hold. null: the
   * takes' own speed. A per-frame lifter (RF 1) is unaffected.
   */
  speedRange: readonly [number, number] | null;
  /**
   * Probability that a training window plays backwards (time reversal: a valid motion of the same
   * poses that the takes do not hold, e.g. walking backwards), so a temporal lifter cannot lean on
   * the direction of the few takes' motions. The middle frame, the target, is unchanged; a
   * per-frame lifter (RF 1) is unaffected. 0: forwards only.
   */
  reverseProbability: number;
}

export const DEFAULT_SAMPLE_OPTIONS: Omit<SampleOptions, 'receptiveField'> = {
  camera: DEFAULT_CAMERA_OPTIONS,
  input2d: 'coco17',
  noiseProbability: 0.6,
  noise: DEFAULT_NOISE,
  flipProbability: 0.5,
  minScore: 0.3,
  // Measured: 'pose' trains to a lower error in the same steps (dev runs of 300 steps: validation
  // MPJPE 97 vs 130 mm); 'screen' stays available as VideoPose3D's own normalisation.
  inputNormalization: 'pose',
  speedRange: null,
  reverseProbability: 0,
};

export interface RenderedView {
  /** frames × 17 × 2 normalised coordinates (not padded; `inputNormalization` applied). */
  readonly input: Float32Array;
  /** frames × 17 × 2 screen-normalised coordinates (before any pose normalisation). */
  readonly screen: Float32Array;
  /** frames × 17 × 3 camera-space metres, pelvis-relative. */
  readonly target: Float32Array;
  /** frames × 3 pelvis position in camera space, metres (for trajectory models). */
  readonly rootCameraM: Float32Array;
  readonly width: number;
  readonly height: number;
  /** Focal lengths and principal point in pixels and radial distortion, for back-projection. */
  readonly intrinsics: { fx: number; fy: number; cx: number; cy: number; k1: number; k2: number };
}

/**
 * A camera's intrinsics in screen-normalised units (normalize.ts), so that a camera-space point
 * (X, Y, Z) projects to u = fx·d·X/Z + cx, v = fy·d·Y/Z + cy with d = 1 + k1·r² + k2·r⁴ directly in
 * the lifter's 2D coordinates: [fx, fy, cx, cy, k1, k2].
 */
export function normalizedIntrinsics(v: Pick<RenderedView, 'width' | 'height' | 'intrinsics'>): number[] {
  const { fx, fy, cx, cy, k1, k2 } = v.intrinsics;
  const w = v.width;
  return [(2 * fx) / w, (2 * fy) / w, (2 * cx) / w - 1, (2 * cy) / w - v.height / w, k1, k2];
}

/** Poses (× 51 values) at `frames`; a fractional frame is interpolated linearly between its neighbours. */
function gather(values: Float32Array, frames: readonly number[]): Float32Array {
  const out = new Float32Array(frames.length * 51);
  frames.forEach((f, i) => {
    const f0 = Math.floor(f);
    const a = f - f0;
    if (a === 0) out.set(values.subarray(f0 * 51, f0 * 51 + 51), i * 51);
    else
      for (let c = 0; c < 51; c++)
        out[i * 51 + c] = values[f0 * 51 + c] * (1 - a) + values[(f0 + 1) * 51 + c] * a;
  });
  return out;
}

/**
 * Projects the given frames of a sequence into cameras drawn from `cameraSeed` and turns them into
 * lifter input and targets (with noise from `noiseSeed` when `noise` is given). Targets are made
 * for every frame, or only for window position `targetAt`.
 */
function render(
  seq: LiftingSequence,
  frames: readonly number[],
  o: Omit<SampleOptions, 'receptiveField' | 'noiseProbability' | 'flipProbability'>,
  cameraSeed: number,
  noise: DetectorNoiseOptions | null,
  noiseSeed: number,
  targetAt: number | null = null,
): RenderedView {
  const T = frames.length;
  const h36m = gather(seq.h36m, frames);
  const roots = new Float32Array(T * 3);
  for (let i = 0; i < T; i++) roots.set(h36m.subarray(i * 51, i * 51 + 3), i * 3);
  const cams = randomWindowCameras(new Rng(cameraSeed), roots, o.camera);
  const cam = cams[0];
  const coco = o.input2d === 'coco17';
  const proj = projectPoints(cams, coco ? gather(seq.coco, frames) : h36m);
  let px = proj.pixels;
  let h2d: Float32Array;
  if (noise) {
    const n = addDetectorNoise(px, T, coco ? COCO17_NOISE_LAYOUT : H36M_NOISE_LAYOUT, noise, noiseSeed);
    px = n.pointsPx;
    const withScores = new Float32Array(T * 17 * 3);
    for (let i = 0; i < T * 17; i++) {
      withScores[i * 3] = px[i * 2];
      withScores[i * 3 + 1] = px[i * 2 + 1];
      withScores[i * 3 + 2] = n.scores[i];
    }
    h2d = toH36m2d(withScores, o.input2d, o.minScore).pointsPx;
  } else h2d = coco ? cocoToH36m2d(px, null, T).pointsPx : px;
  const screen = normalizeScreen(h2d, cam.width, cam.height);
  const input = applyInputNormalization(screen, 17, o.inputNormalization);
  // Targets: camera-space joints (each frame's camera), pelvis-relative.
  const from = targetAt ?? 0;
  const count = targetAt === null ? T : 1;
  const target = new Float32Array(count * 51);
  const rootCameraM = new Float32Array(count * 3);
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const p = projectPoints(cams[i], h36m.subarray(i * 51, i * 51 + 51)).cameraM;
    for (let j = 0; j < 17; j++) for (let c = 0; c < 3; c++) target[k * 51 + j * 3 + c] = p[j * 3 + c] - p[c];
    rootCameraM.set(p.subarray(0, 3), k * 3);
  }
  return {
    input,
    screen,
    target,
    rootCameraM,
    width: cam.width,
    height: cam.height,
    intrinsics: { fx: cam.fx, fy: cam.fy, cx: cam.cx, cy: cam.cy, k1: cam.k1, k2: cam.k2 },
  };
}

/** Noise layout for H36M-17 2D input: κ borrowed from the matching COCO joints. */
export const H36M_NOISE_LAYOUT = {
  // pelvis, r hip/knee/ankle, l hip/knee/ankle, spine, thorax, neck/nose, head, l sho/elb/wri, r sho/elb/wri
  kappa: [
    0.107, 0.107, 0.087, 0.089, 0.107, 0.087, 0.089, 0.09, 0.079, 0.026, 0.035, 0.079, 0.072, 0.062, 0.079,
    0.072, 0.062,
  ],
  swapGroups: [
    [
      [5, 6],
      [2, 3],
    ],
    [
      [12, 13],
      [15, 16],
    ],
    [
      [4, 5, 6, 11, 12, 13],
      [1, 2, 3, 14, 15, 16],
    ],
  ],
} as const;

/**
 * A whole sequence seen by one fixed set of cameras (validation): `view` picks the camera (seeded
 * by `seed`, the sequence id and the view number), `noise` adds detector noise seeded the same way.
 */
export function renderView(
  seq: LiftingSequence,
  view: number,
  seed: number,
  options: Omit<
    SampleOptions,
    'receptiveField' | 'noiseProbability' | 'flipProbability'
  > = DEFAULT_SAMPLE_OPTIONS,
  noise: DetectorNoiseOptions | null = null,
): RenderedView {
  const frames = Array.from({ length: seq.frames }, (_, i) => i);
  const idSeed = hashString(seq.id);
  return render(
    seq,
    frames,
    options,
    deriveSeed(seed, idSeed, view, 1),
    noise,
    deriveSeed(seed, idSeed, view, 2),
  );
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** What training draws windows from: mocap rendered through virtual cameras, or real 2D tracks (track-windows.ts). */
export interface WindowSource {
  readonly windowCount: number;
  fill(
    indices: ArrayLike<number>,
    seed: number,
    input: Float32Array,
    target: Float32Array,
    extras?: WindowExtras,
  ): void;
}

/** Window `i` of concatenated parts starting at `starts` (ascending): which part, and its frame. */
export function locateWindow(starts: readonly number[], i: number): { part: number; frame: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return { part: lo, frame: i - starts[lo] };
}

/**
 * Frames of the window of `rf` frames centred on `frame` of a take of `frames` (ends repeated);
 * at `speed` ≠ 1 the window steps `speed` frames at a time (fractional frames between the middle
 * and the ends); a negative `speed` plays the window backwards (the middle frame stays).
 */
export function windowFrames(frame: number, rf: number, frames: number, speed = 1): number[] {
  const pad = (rf - 1) / 2;
  return Array.from({ length: rf }, (_, k) => Math.min(frames - 1, Math.max(0, frame + (k - pad) * speed)));
}

/** Seed streams of the speed and reversal draws, apart from the window's others so they stay as they were. */
const SPEED_STREAM = 0x5eed;
const REVERSE_STREAM = 0x7e5e;

/**
 * Writes window `b`'s 2D extras from its screen-normalised points (RF × 17 × 2) and normalised
 * intrinsics: the camera-normalised rays (u − cx) / fx, (v − cy) / fy (distortion ignored; the
 * trajectory model's input), the middle frame's observed 2D and the intrinsics.
 */
export function writeWindowExtras(
  extras: WindowExtras | undefined,
  b: number,
  screen: Float32Array,
  intrinsics: readonly number[],
): void {
  if (!extras) return;
  const size = screen.length;
  const pad = (size / 34 - 1) / 2;
  if (extras.cameraNormalized) {
    const [fx, fy, cx, cy] = intrinsics;
    const out = extras.cameraNormalized;
    for (let i = 0; i < size / 2; i++) {
      out[b * size + i * 2] = (screen[i * 2] - cx) / fx;
      out[b * size + i * 2 + 1] = (screen[i * 2 + 1] - cy) / fy;
    }
  }
  if (extras.center2d) extras.center2d.set(screen.subarray(pad * 34, pad * 34 + 34), b * 34);
  if (extras.intrinsics) extras.intrinsics.set(intrinsics, b * 6);
}

/**
 * Draws training windows: window `i` is frame `i` of the concatenated sequences. `fill` renders a
 * batch for given window indices; its randomness comes only from the seed passed in, so a batch
 * can be rebuilt exactly (resume from a checkpoint).
 */
export class WindowSampler implements WindowSource {
  readonly windowCount: number;
  private readonly starts: number[] = [];

  constructor(
    readonly sequences: readonly LiftingSequence[],
    readonly options: SampleOptions,
  ) {
    const rf = options.receptiveField;
    if (!Number.isInteger(rf) || rf < 1 || rf % 2 === 0)
      throw new Error(`Receptive field must be a positive odd number, got ${rf}`);
    if (sequences.length === 0) throw new Error('No training sequences');
    let n = 0;
    for (const s of sequences) {
      this.starts.push(n);
      n += s.frames;
    }
    this.windowCount = n;
  }

  /** Sequence and frame of window `i`. */
  locate(i: number): { seq: LiftingSequence; frame: number } {
    const { part, frame } = locateWindow(this.starts, i);
    return { seq: this.sequences[part], frame };
  }

  /**
   * Renders windows `indices` into `input` (B × RF × 17 × 2) and `target` (B × 17 × 3), with the
   * randomness of `seed` (camera, noise, flip per window); `extras` receives what semi-supervised
   * training needs (mirrored with the window when it is flipped).
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
      throw new Error('WindowSampler.fill: buffer sizes do not match the batch');
    const pad = (rf - 1) / 2;
    const o = this.options;
    for (let b = 0; b < B; b++) {
      const { seq, frame } = this.locate(indices[b]);
      const rng = new Rng(deriveSeed(seed, b));
      const speed = o.speedRange
        ? new Rng(deriveSeed(seed, b, SPEED_STREAM)).logUniform(o.speedRange[0], o.speedRange[1])
        : 1;
      const reversed =
        o.reverseProbability > 0 && new Rng(deriveSeed(seed, b, REVERSE_STREAM)).chance(o.reverseProbability);
      const frames = windowFrames(frame, rf, seq.frames, reversed ? -speed : speed);
      const noisy = rng.chance(o.noiseProbability);
      const view = render(
        seq,
        frames,
        o,
        rng.int(0x7fffffff),
        noisy ? o.noise : null,
        rng.int(0x7fffffff),
        pad,
      );
      let inp = view.input;
      let tgt = view.target;
      let screen = view.screen;
      const root = Array.from(view.rootCameraM);
      const intr = normalizedIntrinsics(view);
      if (rng.chance(o.flipProbability)) {
        inp = flipPoses(inp, 17, 2);
        tgt = flipPoses(Float32Array.from(tgt), 17, 3);
        screen = flipPoses(screen, 17, 2);
        root[0] = -root[0];
        intr[2] = -intr[2];
      }
      input.set(inp, b * rf * 34);
      target.set(tgt, b * 51);
      writeWindowExtras(extras, b, screen, intr);
      if (extras?.root) extras.root.set(root, b * 3);
    }
  }
}

/** Per-window extras for semi-supervised training (each buffer optional, sized for the batch). */
export interface WindowExtras {
  /**
   * B × RF × 17 × 2 normalised camera coordinates ((u − cx) / fx, (v − cy) / fy; distortion
   * ignored): the trajectory model's input, from which the root's depth is well defined whatever
   * the focal length.
   */
  cameraNormalized?: Float32Array;
  /** B × 17 × 2 screen-normalised 2D of the middle frame, as observed (noisy when the window is). */
  center2d?: Float32Array;
  /** B × 3 pelvis of the middle frame in camera space, metres. */
  root?: Float32Array;
  /** B × 6 normalised intrinsics of the middle frame's camera (normalizedIntrinsics). */
  intrinsics?: Float32Array;
}

/** Counts for a dataset table. */
export function describeSequences(sequences: readonly LiftingSequence[]): {
  sequences: number;
  frames: number;
  subjects: string[];
  categories: Record<string, number>;
} {
  const categories: Record<string, number> = {};
  for (const s of sequences) categories[s.category] = (categories[s.category] ?? 0) + s.frames;
  return {
    sequences: sequences.length,
    frames: sequences.reduce((a, s) => a + s.frames, 0),
    subjects: [...new Set(sequences.map((s) => s.subject ?? '?'))].sort(),
    categories,
  };
}
