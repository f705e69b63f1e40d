/**
 * Reading lifting training data from disk: every BVH file of the given folders is imported
 * (mocap/import.ts), mapped to H36M-17 and COCO-17 and resampled (dataset.ts). The subject and
 * category of each file come from a clips.csv beside the folders when there is one
 * (../shared/data/mocap/clips.csv), else from the file name alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import {
  parseClipsCsv,
  sequenceFromTake,
  subjectOf,
  type ClipInfo,
  type LiftingSequence,
} from '../../shared/lifting/dataset';
import { importBvh } from '../../shared/mocap/import';

export interface LoadMocapOptions {
  /** Frame rate of the sequences (default 50, as Human3.6M). */
  fps?: number;
  /** clips.csv to read subjects and categories from (default: the one beside the first folder, if any). */
  clipsCsv?: string | null;
  /** Called per file (for a progress bar). */
  onFile?: (done: number, total: number, file: string) => void;
  signal?: AbortSignal;
}

export interface LoadedMocap {
  sequences: LiftingSequence[];
  /** Files that could not be used, with the reason. */
  skipped: { file: string; reason: string }[];
}

/** Loads every .bvh file in `folders` (not recursive) as lifting sequences. */
export function loadMocapFolders(folders: readonly string[], options: LoadMocapOptions = {}): LoadedMocap {
  if (folders.length === 0) throw new KinemaError('NO_DATA', 'No mocap folders given');
  for (const f of folders) {
    if (!existsSync(f) || !statSync(f).isDirectory())
      throw new KinemaError('NO_DATA', `Mocap folder not found: ${f}`);
  }
  const csvPath = options.clipsCsv === undefined ? join(dirname(folders[0]), 'clips.csv') : options.clipsCsv;
  let clips: ClipInfo[] | undefined;
  if (csvPath && existsSync(csvPath)) clips = parseClipsCsv(readFileSync(csvPath, 'utf8'));
  const files = folders.flatMap((folder) =>
    readdirSync(folder)
      .filter((f) => f.toLowerCase().endsWith('.bvh'))
      .sort()
      .map((f) => ({ folder, file: f })),
  );
  if (files.length === 0) throw new KinemaError('NO_DATA', `No .bvh files in ${folders.join(', ')}`);
  const sequences: LiftingSequence[] = [];
  const skipped: { file: string; reason: string }[] = [];
  files.forEach(({ folder, file }, i) => {
    if (options.signal?.aborted) {
      const err = new Error('Cancelled');
      err.name = 'AbortError';
      throw err;
    }
    const folderName = basename(folder);
    const id = `${folderName}/${file}`;
    try {
      const clip = clips?.find((c) => c.folder === folderName && c.file === file);
      const subject = subjectOf(file, folderName, clips);
      const take = importBvh(readFileSync(join(folder, file), 'utf8'), {
        take: file.replace(/\.bvh$/i, ''),
        subject,
      }).take;
      sequences.push(sequenceFromTake(take, { id, subject, category: clip?.category }, options.fps ?? 50));
    } catch (err) {
      skipped.push({ file: id, reason: (err as Error).message });
    }
    options.onFile?.(i + 1, files.length, id);
  });
  return { sequences, skipped };
}
