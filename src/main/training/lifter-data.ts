/**
 * Lifter training data from a user's mocap files: BVH (any rig mocap/rigs.ts recognises), C3D and
 * TRC (joint centres from the markers, mocap/marker-joints.ts), each mapped to H36M-17 and COCO-17
 * and resampled to the model's frame rate (lifting/dataset.ts), with a validation split that is
 * never trained on.
 *
 * Used by the train-lifter job (in its worker), by main before it queues one (so bad files are
 * refused with a message before anything runs) and by `kinema eval-lifter`.
 *
 * Categories (the per-action rows of an evaluation) come from the file and folder names: a file
 * found in a sub-folder of a folder the user gave belongs to that sub-folder's category
 * (`mocap/jump/01.bvh` → "jump"); otherwise the file's name without its digits (`walk_03.bvh` →
 * "walk"), or its folder's name when the name is only digits (`07_01.bvh`).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { sequenceFromTake, type LiftingSequence } from '../../shared/lifting/dataset';
import { isMarkerSetError, markerTakeToJoints } from '../../shared/mocap/marker-joints';
import type { MocapJointTake } from '../../shared/mocap/types';
import { readBvhFile } from '../formats/mocap/bvh-file';
import { readC3dFile } from '../formats/mocap/c3d-file';
import { readTrc } from '../formats/mocap/trc';
import { abortError } from './evaluate';

export const MOCAP_EXTENSIONS = ['.bvh', '.c3d', '.trc'] as const;

/** A mocap file and the category its name gives it. */
export interface MocapFileRef {
  path: string;
  category: string;
}

const isMocap = (file: string): boolean =>
  (MOCAP_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase());

/** "walk_03.bvh" → "walk"; a name of digits only → "" (the caller falls back to the folder). */
export function categoryFromName(file: string): string {
  return basename(file, extname(file))
    .toLowerCase()
    .replace(/[\d]+/g, ' ')
    .replace(/[\s_.-]+/g, ' ')
    .trim()
    .replace(/ /g, '-');
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.isFile() && isMocap(entry.name)) out.push(p);
  }
}

/**
 * The mocap files of `paths` (files, or folders searched recursively), with their categories.
 * `what` names the list in messages ("training", "validation").
 */
export function collectMocapFiles(paths: readonly string[], what = 'training'): MocapFileRef[] {
  if (paths.length === 0)
    throw new KinemaError('NO_DATA', `No ${what} files given: pick BVH, C3D or TRC files or folders.`);
  const seen = new Set<string>();
  const out: MocapFileRef[] = [];
  const add = (path: string, category: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, category: category || 'unknown' });
  };
  for (const given of paths) {
    const p = resolve(given);
    if (!existsSync(p))
      throw new KinemaError('NO_DATA', `The ${what} file or folder ${given} does not exist.`);
    if (statSync(p).isDirectory()) {
      const files: string[] = [];
      walk(p, files);
      if (files.length === 0)
        throw new KinemaError('NO_DATA', `The folder ${given} holds no BVH, C3D or TRC files.`);
      for (const f of files) {
        const sub = relative(p, dirname(f));
        add(f, sub ? sub.split(sep)[0].toLowerCase() : categoryFromName(f) || basename(p).toLowerCase());
      }
    } else {
      if (!isMocap(p))
        throw new KinemaError(
          'NO_DATA',
          `${basename(p)} is not a mocap file Kinema reads for training (BVH, C3D or TRC).`,
        );
      add(p, categoryFromName(p) || basename(dirname(p)).toLowerCase());
    }
  }
  return out;
}

/** Reads one mocap file as joint positions (Kinema world); errors name the file. */
export function readMocapJoints(path: string): MocapJointTake {
  const ext = extname(path).toLowerCase();
  const name = basename(path);
  try {
    if (ext === '.bvh') return readBvhFile(path).take;
    if (ext === '.c3d') return markerTakeToJoints(readC3dFile(path).take, { file: name });
    if (ext === '.trc') {
      const m = readTrc(path);
      return markerTakeToJoints(
        {
          source: 'trc',
          markerNames: m.markers,
          positionsM: Float32Array.from(m.positions),
          frameCount: m.times.length,
          rate: m.rate,
          take: basename(path, ext),
        },
        { file: name },
      );
    }
  } catch (err) {
    if (err instanceof KinemaError) throw err;
    if (isMarkerSetError(err)) throw new KinemaError('BAD_MOCAP', (err as Error).message);
    throw new KinemaError('BAD_MOCAP', `${name}: ${(err as Error).message}`);
  }
  throw new KinemaError('BAD_MOCAP', `${name} is not a BVH, C3D or TRC file.`);
}

/** One file as a lifting sequence at `fps` (H36M-17 targets, COCO-17 2D source). */
export function loadMocapSequence(ref: MocapFileRef, fps: number): LiftingSequence {
  const take = readMocapJoints(ref.path);
  try {
    return sequenceFromTake(take, { id: ref.path, subject: null, category: ref.category }, fps);
  } catch (err) {
    // sequenceFromTake names the sequence by its id (the full path): say the file's name instead.
    const msg = (err as Error).message.replace(ref.path, basename(ref.path));
    throw new KinemaError(
      'BAD_MOCAP',
      msg.startsWith(basename(ref.path)) ? msg : `${basename(ref.path)}: ${msg}`,
    );
  }
}

/** The frames [from, to) of a sequence, as a sequence of its own. */
export function sliceSequence(
  seq: LiftingSequence,
  from: number,
  to: number,
  suffix: string,
): LiftingSequence {
  return {
    ...seq,
    id: `${seq.id}#${suffix}`,
    frames: to - from,
    h36m: seq.h36m.slice(from * 51, to * 51),
    coco: seq.coco.slice(from * 51, to * 51),
  };
}

/** How the validation data was chosen. */
export type HoldOut = 'user' | 'files' | 'time';

/**
 * Files held out for validation when the user names none: about one in five, evenly spread over
 * the (sorted) list, at least one. A single file is split in time instead (see loadLifterDatasets).
 */
export function defaultHoldOut(files: readonly MocapFileRef[]): {
  train: MocapFileRef[];
  validation: MocapFileRef[];
} {
  if (files.length < 2) return { train: [...files], validation: [] };
  const count = Math.max(1, Math.round(files.length / 5));
  const picked = new Set(
    Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * files.length) / count)),
  );
  return {
    train: files.filter((_, i) => !picked.has(i)),
    validation: files.filter((_, i) => picked.has(i)),
  };
}

/** The last fifth of a single take validates when there is nothing else to hold out. */
export const TIME_SPLIT_FRACTION = 0.2;

export interface LifterDatasetPlan {
  train: MocapFileRef[];
  validation: MocapFileRef[];
  holdOut: HoldOut;
}

/**
 * Which files train and which validate: the user's validation list (removed from the training
 * files, so they are never trained on), else the default hold-out.
 */
export function planLifterDatasets(
  trainPaths: readonly string[],
  validationPaths: readonly string[] = [],
): LifterDatasetPlan {
  const all = collectMocapFiles(trainPaths, 'training');
  if (validationPaths.length > 0) {
    const validation = collectMocapFiles(validationPaths, 'validation');
    const held = new Set(validation.map((v) => v.path));
    const train = all.filter((f) => !held.has(f.path));
    if (train.length === 0)
      throw new KinemaError(
        'NO_DATA',
        'Every training file is also a validation file: nothing is left to train on.',
      );
    return { train, validation, holdOut: 'user' };
  }
  const split = defaultHoldOut(all);
  return { ...split, holdOut: split.validation.length > 0 ? 'files' : 'time' };
}

export interface LoadedLifterData {
  train: LiftingSequence[];
  validation: LiftingSequence[];
  holdOut: HoldOut;
  trainFrames: number;
  validationFrames: number;
}

export interface LoadLifterDataOptions {
  fps: number;
  receptiveField: number;
  signal?: AbortSignal;
  onFile?: (done: number, total: number, file: string) => void;
}

/**
 * Loads a plan's files. Every unusable file (unreadable, a rig or marker set Kinema cannot map,
 * fewer training frames than the receptive field) is reported at once in one KinemaError.
 */
export function loadLifterDatasets(plan: LifterDatasetPlan, o: LoadLifterDataOptions): LoadedLifterData {
  const problems: string[] = [];
  const total = plan.train.length + plan.validation.length;
  let done = 0;
  const load = (refs: readonly MocapFileRef[], minFrames: number): LiftingSequence[] =>
    refs.flatMap((ref) => {
      if (o.signal?.aborted) throw abortError();
      try {
        const seq = loadMocapSequence(ref, o.fps);
        if (seq.frames < minFrames) {
          problems.push(
            `${basename(ref.path)}: ${seq.frames} frames at ${o.fps} fps, fewer than the receptive field of ${o.receptiveField} frames`,
          );
          return [];
        }
        return [seq];
      } catch (err) {
        problems.push((err as Error).message);
        return [];
      } finally {
        o.onFile?.(++done, total, ref.path);
      }
    });
  let train = load(plan.train, o.receptiveField);
  let validation = load(plan.validation, 2);
  if (problems.length > 0) {
    const shown = problems.slice(0, 12).map((p) => `  ${p}`);
    if (problems.length > 12) shown.push(`  … and ${problems.length - 12} more`);
    throw new KinemaError(
      'BAD_MOCAP',
      `${problems.length === 1 ? 'A file' : `${problems.length} files`} cannot be used:\n${shown.join('\n')}`,
    );
  }
  if (plan.holdOut === 'time') {
    const seq = train[0];
    const cut = Math.round(seq.frames * (1 - TIME_SPLIT_FRACTION));
    if (cut < o.receptiveField || seq.frames - cut < 2)
      throw new KinemaError(
        'NO_DATA',
        `${basename(seq.id)} is the only file and too short to hold out its last ${TIME_SPLIT_FRACTION * 100} % for validation (${seq.frames} frames at ${o.fps} fps, receptive field ${o.receptiveField}): add files or name validation files.`,
      );
    validation = [sliceSequence(seq, cut, seq.frames, 'validation')];
    train = [sliceSequence(seq, 0, cut, 'train')];
  }
  const frames = (s: LiftingSequence[]) => s.reduce((a, q) => a + q.frames, 0);
  return {
    train,
    validation,
    holdOut: plan.holdOut,
    trainFrames: frames(train),
    validationFrames: frames(validation),
  };
}
