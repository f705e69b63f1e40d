/**
 * CSV: one row per (frame, track) with a header
 * `frame,track_id,score,box_x,box_y,box_w,box_h,<joint>_x,<joint>_y,<joint>_score,...`.
 * The joint names in the header identify the skeleton. The CSV holds no video facts: give them
 * when reading, else the size is the extent of the points and fps 0 (unknown).
 */
import { basename } from 'node:path';
import { buildTrack, type PoseRow, type PoseSet, type VideoInfo } from '../../shared/pose';
import { getSkeleton, skeletons, type Skeleton } from '../../shared/skeletons';
import { checkRead, checkWrite, f32, formatError, readBytes, writeFileAtomic } from './io';

const FIXED = ['frame', 'track_id', 'score', 'box_x', 'box_y', 'box_w', 'box_h'];

export function csvHeader(skeleton: Skeleton): string[] {
  return [...FIXED, ...skeleton.joints.flatMap((j) => [`${j}_x`, `${j}_y`, `${j}_score`])];
}

/** Writes one row per (frame, track), sorted by frame then track. */
export function writePoseCsv(path: string, set: PoseSet): void {
  checkWrite(path, set);
  const ids = new Set(set.tracks.map((t) => t.skeletonId));
  if (ids.size > 1) {
    throw formatError(
      path,
      `cannot mix skeletons in one CSV (${[...ids].join(', ')}); map the tracks to one skeleton first`,
    );
  }
  const sk = getSkeleton(set.tracks[0]?.skeletonId ?? 'coco17');
  const k = sk.joints.length;
  const rows: { frame: number; id: number; text: string }[] = [];
  for (const t of set.tracks) {
    t.frames.forEach((frame, i) => {
      const cells: (number | string)[] = [frame, t.trackId, f32(t.scores[i])];
      for (let c = 0; c < 4; c++) cells.push(f32(t.boxes[i * 4 + c]));
      for (let c = 0; c < k * 3; c++) cells.push(f32(t.keypoints[i * k * 3 + c]));
      rows.push({ frame, id: t.trackId, text: cells.join(',') });
    });
  }
  rows.sort((a, b) => a.frame - b.frame || a.id - b.id);
  writeFileAtomic(
    path,
    `${csvHeader(sk).join(',')}\n${rows.map((r) => r.text).join('\n')}${rows.length ? '\n' : ''}`,
  );
}

export interface ReadCsvOptions {
  video?: Partial<VideoInfo>;
  model?: string;
}

/** Reads a CSV written by writePoseCsv (or any CSV with the same header). */
export function readPoseCsv(path: string, options: ReadCsvOptions = {}): PoseSet {
  const text = new TextDecoder('utf-8').decode(readBytes(path)).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const fixedOk = FIXED.every((h, i) => header[i] === h);
  const sk = Object.values(skeletons).find((s) => csvHeader(s).join(',') === header.join(','));
  if (!fixedOk || !sk) {
    throw formatError(
      path,
      fixedOk
        ? `the joint columns do not match a known skeleton (expected e.g. ${csvHeader(skeletons.coco17).slice(7, 10).join(',')},...)`
        : `the header should start with ${FIXED.join(',')}`,
    );
  }
  const width = header.length;
  const k = sk.joints.length;
  const rows = new Map<number, PoseRow[]>();
  let maxX = 0;
  let maxY = 0;
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln].trim();
    if (!line) continue;
    const cells = line.split(',');
    if (cells.length !== width)
      throw formatError(path, `line ${ln + 1} has ${cells.length} columns, expected ${width}`);
    const nums = cells.map(Number);
    const bad = nums.findIndex((v, i) => cells[i].trim() === '' || !Number.isFinite(v));
    if (bad >= 0)
      throw formatError(path, `line ${ln + 1}, column ${header[bad]}: "${cells[bad]}" is not a number`);
    const [frame, id, score] = nums;
    if (!Number.isInteger(frame) || frame < 0)
      throw formatError(path, `line ${ln + 1}: frame ${cells[0]} is not a whole number ≥ 0`);
    if (!Number.isInteger(id))
      throw formatError(path, `line ${ln + 1}: track_id ${cells[1]} is not a whole number`);
    const keypoints = nums.slice(7, 7 + k * 3);
    for (let j = 0; j < k; j++) {
      maxX = Math.max(maxX, keypoints[j * 3]);
      maxY = Math.max(maxY, keypoints[j * 3 + 1]);
    }
    const list = rows.get(id) ?? [];
    if (list.some((r) => r.frame === frame))
      throw formatError(path, `line ${ln + 1}: track ${id} has frame ${frame} twice`);
    list.push({ frame, keypoints, box: nums.slice(3, 7), score });
    rows.set(id, list);
  }
  const video: VideoInfo = {
    width: options.video?.width ?? Math.max(1, Math.ceil(maxX)),
    height: options.video?.height ?? Math.max(1, Math.ceil(maxY)),
    fps: options.video?.fps ?? 0,
  };
  if (options.video?.frameCount !== undefined) video.frameCount = options.video.frameCount;
  if (options.video?.name !== undefined) video.name = options.video.name;
  const set: PoseSet = {
    video,
    tracks: [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([id, r]) => buildTrack(id, sk.id, r)),
    provenance: { model: options.model ?? 'unknown', params: {}, source: basename(path) },
  };
  return checkRead(path, set);
}
