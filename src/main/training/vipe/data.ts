/**
 * VIPE*'s training data: the CMU takes of a mocap folder (../shared/data/mocap/cmu-bvh, the
 * cgspeed retarget) as COCO-17 world positions, with the subject split of
 * ../shared/data/README.md (validation = subjects 07 and 13, never by frame). Subjects and
 * categories come from clips.csv beside the folder; takes with no subject (the golf clip) are in
 * neither split. Frames are taken at `fps` from the nearest source frame (no interpolation blur),
 * the first `maxSeconds` of each take.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KinemaError } from '../../../shared/errors';
import { parseClipsCsv, subjectOf, VALIDATION_SUBJECTS } from '../../../shared/lifting/dataset';
import { importBvh, mapToTarget } from '../../../shared/mocap';
import type { VipeTake } from './train';

const K = 17;

export interface VipeMocapOptions {
  fps?: number;
  maxSeconds?: number;
  validationSubjects?: readonly string[];
  /** Default: clips.csv beside the folder. */
  clipsCsv?: string;
  signal?: AbortSignal;
}

export interface VipeMocapTake extends VipeTake {
  subject: string;
  category: string;
}

export interface VipeMocap {
  folder: string;
  fps: number;
  training: VipeMocapTake[];
  validation: VipeMocapTake[];
  /** Files left out, with the reason. */
  skipped: { file: string; reason: string }[];
}

/** COCO-17 world positions (frames × 17 × 3, metres, z up) of a BVH text at `fps`, at most `maxFrames`. */
export function cocoTakeFromBvh(
  text: string,
  fps: number,
  maxFrames: number,
): { frames: number; pos: Float32Array } {
  const mapped = mapToTarget(importBvh(text).take, 'coco17-feet');
  const missing = mapped.missing.filter((n) => mapped.jointNames.indexOf(n) < K);
  if (missing.length) throw new Error(`the rig cannot place ${missing.join(', ')}`);
  const width = mapped.jointNames.length;
  const step = mapped.rate / fps;
  const frames = Math.min(maxFrames, Math.floor((mapped.frameCount - 1) / step) + 1);
  if (frames < 2) throw new Error('fewer than 2 frames');
  const pos = new Float32Array(frames * K * 3);
  for (let f = 0; f < frames; f++) {
    const src = Math.round(f * step);
    pos.set(mapped.positionsM.subarray(src * width * 3, src * width * 3 + K * 3), f * K * 3);
  }
  if (pos.some((v) => !Number.isFinite(v))) throw new Error('joint positions are not finite');
  return { frames, pos };
}

/** Loads the CMU takes of `folder`, split by subject (see the module comment). */
export function loadVipeMocap(folder: string, options: VipeMocapOptions = {}): VipeMocap {
  const fps = options.fps ?? 30;
  const maxFrames = Math.round((options.maxSeconds ?? 20) * fps);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new KinemaError('NO_DATA', `Mocap folder not found: ${folder}`);
  const csvPath = options.clipsCsv ?? join(dirname(folder), 'clips.csv');
  if (!existsSync(csvPath))
    throw new KinemaError(
      'NO_DATA',
      `No clips.csv at ${csvPath}: VIPE* needs it for the subjects (the training/validation split).`,
    );
  const clips = parseClipsCsv(readFileSync(csvPath, 'utf8'));
  const folderName = basename(folder);
  const validation = new Set(options.validationSubjects ?? VALIDATION_SUBJECTS);
  const out: VipeMocap = { folder, fps, training: [], validation: [], skipped: [] };
  const files = new Set(readdirSync(folder).filter((f) => f.toLowerCase().endsWith('.bvh')));
  if (!files.size) throw new KinemaError('NO_DATA', `No .bvh files in ${folder}`);
  // In clips.csv's order, so a seed draws the same takes wherever the folder is.
  const rows = clips.filter((c) => c.folder === folderName && files.has(c.file));
  const listed = new Set(rows.map((c) => c.file));
  for (const file of [...files].sort())
    if (!listed.has(file)) out.skipped.push({ file, reason: 'not in clips.csv' });
  for (const clip of rows) {
    if (options.signal?.aborted) {
      const err = new Error('Cancelled');
      err.name = 'AbortError';
      throw err;
    }
    const subject = clip.cmuTake ? subjectOf(clip.file, folderName, clips) : null;
    if (!subject) {
      out.skipped.push({ file: clip.file, reason: 'no CMU subject' });
      continue;
    }
    try {
      const take = cocoTakeFromBvh(readFileSync(join(folder, clip.file), 'utf8'), fps, maxFrames);
      (validation.has(subject) ? out.validation : out.training).push({
        name: clip.file,
        subject,
        category: clip.category,
        ...take,
      });
    } catch (err) {
      out.skipped.push({ file: clip.file, reason: (err as Error).message });
    }
  }
  if (!out.training.length) throw new KinemaError('NO_DATA', `No training takes in ${folder}.`);
  return out;
}
