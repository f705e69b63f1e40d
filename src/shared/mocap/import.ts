/**
 * BVH → MocapJointTake: parse, forward kinematics, units to metres, Y-up to the Kinema world
 * (Z up), optional drop of the rest pose some conversions put before the motion.
 */
import { bvhForwardKinematics, bvhSkeletonSpan, parseBvh, type BvhFile } from './bvh';
import { detectRig, getRig, type RigDef } from './rigs';
import { METRES_PER_UNIT, toKinemaWorld, worldRotation, type LengthUnit, type MocapJointTake } from './types';

export interface UnitsGuess {
  readonly unit: LengthUnit;
  readonly metresPerUnit: number;
  /** Fingertip-to-toe span of the skeleton in metres under this guess. */
  readonly spanM: number;
}

/** Plausible fingertip-to-toe span of a person (toddler to very tall adult), metres. */
const SPAN_RANGE_M = [1.2, 3.6] as const;
const TYPICAL_SPAN_M = 2.4;

/**
 * Guesses a file's length unit from the skeleton's pose-independent span (bvhSkeletonSpan): the
 * unit that makes a plausible human, closest to a typical adult. Null when none does.
 */
export function guessUnits(spanInFileUnits: number): UnitsGuess | null {
  let best: UnitsGuess | null = null;
  for (const [unit, mpu] of Object.entries(METRES_PER_UNIT) as [LengthUnit, number][]) {
    const spanM = spanInFileUnits * mpu;
    if (spanM < SPAN_RANGE_M[0] || spanM > SPAN_RANGE_M[1]) continue;
    if (
      !best ||
      Math.abs(Math.log(spanM / TYPICAL_SPAN_M)) < Math.abs(Math.log(best.spanM / TYPICAL_SPAN_M))
    ) {
      best = { unit, metresPerUnit: mpu, spanM };
    }
  }
  return best;
}

export interface BvhImportOptions {
  /** Rig id, or 'auto' (default) to detect it from the joint names. */
  rig?: string;
  /**
   * Metres per file unit. Default: the rig's unit, else the guess from the skeleton's size; the
   * import fails when neither exists (pass it explicitly then).
   */
  metresPerUnit?: number;
  /**
   * Leading frames to drop: a number, or 'auto' (default) to drop a leading rest pose and the
   * frames that blend out of it (see `leadingRestFrames`).
   */
  dropLeading?: number | 'auto';
  /** Include End Sites as extra points `<joint>_end` (default true: toe tips, head tops). */
  endSites?: boolean;
  /** Root position channels: 'auto' (default, see `rootTranslationOf`), 'add' or 'replace'. */
  rootTranslation?: 'auto' | 'add' | 'replace';
  subject?: string | null;
  take?: string | null;
}

export interface BvhImport {
  readonly take: MocapJointTake;
  readonly bvh: BvhFile;
  readonly rig: RigDef | null;
  readonly unitsGuess: UnitsGuess | null;
  readonly metresPerUnit: number;
  readonly droppedFrames: number;
}

/** Y-up BVH to Z-up Kinema world: (x, y, z) → (x, −z, y). */
const BVH_TO_WORLD = worldRotation('+X', '+Y');

/**
 * Number of leading frames that are a rest pose (T-pose) rather than motion: frames whose
 * root-relative pose jumps to the next frame by more than 4× the take's median per-frame change
 * (and by more than 2 cm on average per point). At most one second is dropped. `points` are
 * frames × points × 3 in metres, point 0 the root.
 */
export function leadingRestFrames(
  points: ArrayLike<number>,
  joints: number,
  frames: number,
  rate: number,
): number {
  if (frames < 3) return 0;
  const step = (f: number): number => {
    let s = 0;
    const a = f * joints * 3;
    const b = (f + 1) * joints * 3;
    for (let j = 1; j < joints; j++) {
      let q = 0;
      for (let c = 0; c < 3; c++) {
        const d = points[a + j * 3 + c] - points[a + c] - (points[b + j * 3 + c] - points[b + c]);
        q += d * d;
      }
      s += Math.sqrt(q);
    }
    return s / Math.max(1, joints - 1);
  };
  const maxDrop = Math.min(Math.round(rate), frames - 2);
  const sample: number[] = [];
  for (let f = 1; f < Math.min(frames - 1, 1 + 4 * Math.round(rate)); f++) sample.push(step(f));
  sample.sort((x, y) => x - y);
  const median = sample[sample.length >> 1] ?? 0;
  const threshold = Math.max(4 * median, 0.02);
  let n = 0;
  while (n < maxDrop && step(n) > threshold) n++;
  return n;
}

/**
 * Whether a file's root position channels add to its OFFSET or replace it. BVH does not say; the
 * CMU conversions add (OFFSET 0 or a rest height, channels small), while some exporters write
 * absolute positions in the channels and the first frame's position as OFFSET. 'replace' when the
 * OFFSET is non-zero and frame 0's channels are within half its length of it, else 'add'.
 */
export function rootTranslationOf(bvh: BvhFile): 'add' | 'replace' {
  const root = bvh.joints[0];
  const len = Math.hypot(...root.offset);
  if (len === 0 || bvh.frameCount === 0) return 'add';
  const pos = [0, 1, 2].map((axis) => {
    const c = root.channels.indexOf((['Xposition', 'Yposition', 'Zposition'] as const)[axis]);
    return c < 0 ? root.offset[axis] : bvh.motion[root.channelStart + c];
  });
  const dist = Math.hypot(pos[0] - root.offset[0], pos[1] - root.offset[1], pos[2] - root.offset[2]);
  return dist < 0.5 * len ? 'replace' : 'add';
}

/** Parses and imports a BVH text. Errors are BvhError (line numbers) or Error (options). */
export function importBvh(text: string, options: BvhImportOptions = {}): BvhImport {
  const bvh = parseBvh(text);
  const names = bvh.joints.map((j) => j.name);
  const rig = !options.rig || options.rig === 'auto' ? detectRig(names) : getRig(options.rig);
  const unitsGuess = guessUnits(bvhSkeletonSpan(bvh));
  const metresPerUnit =
    options.metresPerUnit ?? (rig?.unit ? METRES_PER_UNIT[rig.unit] : unitsGuess?.metresPerUnit);
  if (metresPerUnit === undefined) {
    throw new Error(
      `Cannot tell the units of this BVH (skeleton span ${bvhSkeletonSpan(bvh).toPrecision(4)} file units fits no human in m, cm, mm, inches or CMU units): pass metresPerUnit`,
    );
  }
  const rootTranslation =
    !options.rootTranslation || options.rootTranslation === 'auto'
      ? rootTranslationOf(bvh)
      : options.rootTranslation;
  const fk = bvhForwardKinematics(bvh, { endSites: options.endSites ?? true, rootTranslation });
  const P = fk.names.length;
  let positions = toKinemaWorld(fk.positions, metresPerUnit, BVH_TO_WORLD);
  const drop =
    options.dropLeading === undefined || options.dropLeading === 'auto'
      ? leadingRestFrames(positions, P, bvh.frameCount, bvh.rate)
      : options.dropLeading;
  if (!Number.isInteger(drop) || drop < 0 || drop > bvh.frameCount) {
    throw new Error(`dropLeading must be a whole number from 0 to ${bvh.frameCount}, got ${drop}`);
  }
  if (drop > 0) positions = positions.slice(drop * P * 3);
  const frameCount = bvh.frameCount - drop;
  const take: MocapJointTake = {
    kind: 'joints',
    source: 'bvh',
    rate: bvh.rate,
    frameCount,
    positionsM: positions,
    jointNames: fk.names,
    parents: fk.parents,
    rig: rig?.id ?? null,
    subject: options.subject ?? null,
    take: options.take ?? null,
    meta: {
      metresPerUnit,
      unitSource: options.metresPerUnit !== undefined ? 'option' : rig?.unit ? `rig ${rig.id}` : 'guess',
      unitsGuess: unitsGuess?.unit ?? 'none',
      droppedLeadingFrames: drop,
      rootTranslation,
      frameTime: bvh.frameTime,
      joints: bvh.joints.length,
      endSites: P - bvh.joints.length,
    },
  };
  return { take, bvh, rig, unitsGuess, metresPerUnit, droppedFrames: drop };
}
