/**
 * The student's training set: the frames of one or more videos that have both a crop (a real
 * pose, not a bridged gap) and a teacher embedding, with a held-out split.
 *
 * Held-out split, by default BY FRAME BLOCKS inside each video: consecutive frames are near copies
 * of each other, so a random frame split would test on frames the student saw ±1 frame away. Each
 * video's frames are cut into blocks of `blockFrames`; every `every`-th block (shifted by the
 * video's index, so videos hold out different phases) is validation, and training frames closer
 * than `guardFrames` to a validation frame of the same video are dropped. Blocks shrink for short
 * videos, so that the longest one holds out at least two. With `validationVideos`
 * whole videos are held out instead (another camera, another take): the stricter test.
 *
 * `saveFrames` / `loadFrames` keep each video's cut frames in a job's folder, so a resumed job does
 * not decode the videos again.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../../shared/errors';
import { frameBytes, teacherAt, type StudentFrames, type StudentInputSpec, type TeacherSeries } from './data';

export interface SplitOptions {
  blockFrames: number;
  every: number;
  guardFrames: number;
  /** Indices (in the list given to buildStudentDataset) of videos held out whole. */
  validationVideos?: number[];
}

export const DEFAULT_SPLIT: SplitOptions = { blockFrames: 60, every: 5, guardFrames: 8 };

export interface StudentDataset {
  spec: StudentInputSpec;
  /** Teacher embedding size. */
  dim: number;
  count: number;
  /** count × frameBytes(spec). */
  data: Uint8Array;
  /** count × dim, unit vectors. */
  teacher: Float32Array;
  /** Which input video and frame each record came from. */
  video: Uint16Array;
  frame: Int32Array;
  /** Record indices of the training and validation frames. */
  train: Uint32Array;
  validation: Uint32Array;
}

/** Joins videos' frames with their teacher's embeddings and splits them (see the module comment). */
export function buildStudentDataset(
  videos: readonly { name: string; frames: StudentFrames; teacher: TeacherSeries }[],
  split: SplitOptions = DEFAULT_SPLIT,
): StudentDataset {
  if (!videos.length)
    throw new KinemaError('BAD_OPTIONS', 'The student needs at least one video to learn from.');
  const spec = videos[0].frames.spec;
  const dim = videos[0].teacher.dim;
  const per = frameBytes(spec);
  for (const v of videos) {
    if (JSON.stringify(v.frames.spec) !== JSON.stringify(spec))
      throw new Error('Student dataset: every video must be cut with the same input settings');
    if (v.teacher.dim !== dim)
      throw new KinemaError(
        'BAD_TEACHER',
        `The teacher's embeddings of ${v.name} have ${v.teacher.dim} values per frame, of ${videos[0].name} ${dim}.`,
      );
  }
  const picked: { v: number; i: number; frame: number; t: Float32Array }[] = [];
  videos.forEach((v, vi) => {
    const f = v.frames;
    for (let i = 0; i < f.frames.length; i++) {
      if (f.bridged[i]) continue;
      const t = teacherAt(v.teacher, f.frames[i]);
      if (t) picked.push({ v: vi, i, frame: f.frames[i], t });
    }
  });
  if (!picked.length)
    throw new KinemaError(
      'BAD_TEACHER',
      `No frame of ${videos.map((v) => v.name).join(', ')} has both a crop and a teacher embedding.`,
    );
  const count = picked.length;
  const data = new Uint8Array(count * per);
  const teacher = new Float32Array(count * dim);
  const video = new Uint16Array(count);
  const frame = new Int32Array(count);
  picked.forEach((p, k) => {
    const src = videos[p.v].frames.data;
    data.set(src.subarray(p.i * per, (p.i + 1) * per), k * per);
    teacher.set(p.t, k * dim);
    video[k] = p.v;
    frame[k] = p.frame;
  });
  const { train, validation } = splitRecords(video, frame, videos.length, split);
  return { spec, dim, count, data, teacher, video, frame, train, validation };
}

/** Training and validation record indices (see the module comment). */
export function splitRecords(
  video: Uint16Array,
  frame: Int32Array,
  videoCount: number,
  o: SplitOptions,
): { train: Uint32Array; validation: Uint32Array } {
  if (!(Number.isInteger(o.blockFrames) && o.blockFrames >= 1 && Number.isInteger(o.every) && o.every >= 2))
    throw new Error('Student split: blockFrames ≥ 1 and every ≥ 2 are needed');
  const held = new Set(o.validationVideos ?? []);
  const isVal = new Uint8Array(video.length);
  const first = new Int32Array(videoCount).fill(2 ** 30);
  for (let k = 0; k < video.length; k++) first[video[k]] = Math.min(first[video[k]], frame[k]);
  // Short videos: blocks small enough that every video holds out at least two of them.
  const last = new Int32Array(videoCount).fill(-(2 ** 30));
  for (let k = 0; k < video.length; k++) last[video[k]] = Math.max(last[video[k]], frame[k]);
  let longest = 1;
  for (let v = 0; v < videoCount; v++) longest = Math.max(longest, last[v] - first[v] + 1);
  const blockFrames = Math.max(2, Math.min(o.blockFrames, Math.floor(longest / (2 * o.every))));
  for (let k = 0; k < video.length; k++) {
    if (held.size) isVal[k] = held.has(video[k]) ? 1 : 0;
    else {
      const block = Math.floor((frame[k] - first[video[k]]) / blockFrames);
      isVal[k] = (block + video[k]) % o.every === o.every - 1 ? 1 : 0;
    }
  }
  // Guard band: validation frames of each video, sorted, to drop training frames next to them.
  const valFrames = new Map<number, number[]>();
  for (let k = 0; k < video.length; k++)
    if (isVal[k]) (valFrames.get(video[k]) ?? valFrames.set(video[k], []).get(video[k])!).push(frame[k]);
  for (const list of valFrames.values()) list.sort((a, b) => a - b);
  const near = (v: number, f: number): boolean => {
    const list = valFrames.get(v);
    if (!list || o.guardFrames <= 0) return false;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] < f) lo = mid + 1;
      else hi = mid;
    }
    return (
      (lo < list.length && list[lo] - f <= o.guardFrames) || (lo > 0 && f - list[lo - 1] <= o.guardFrames)
    );
  };
  const train: number[] = [];
  const validation: number[] = [];
  for (let k = 0; k < video.length; k++) {
    if (isVal[k]) validation.push(k);
    else if (!near(video[k], frame[k])) train.push(k);
  }
  return { train: Uint32Array.from(train), validation: Uint32Array.from(validation) };
}

/** Writes a video's frames into `dir` as `frames-<index>.bin` (through a temporary file). */
export function saveFrames(dir: string, index: number, f: StudentFrames): void {
  const head = new TextEncoder().encode(JSON.stringify({ spec: f.spec, count: f.frames.length }));
  const out = new Uint8Array(
    4 + head.length + f.frames.byteLength + f.bridged.byteLength + f.data.byteLength,
  );
  new DataView(out.buffer).setUint32(0, head.length, true);
  let off = 4;
  for (const part of [
    head,
    new Uint8Array(f.frames.buffer, f.frames.byteOffset, f.frames.byteLength),
    f.bridged,
    f.data,
  ]) {
    out.set(part, off);
    off += part.byteLength;
  }
  const path = join(dir, `frames-${index}.bin`);
  writeFileSync(`${path}.tmp`, out);
  renameSync(`${path}.tmp`, path);
}

/** The frames saveFrames wrote, or null when absent or unreadable (they are then cut again). */
export function loadFrames(dir: string, index: number): StudentFrames | null {
  const path = join(dir, `frames-${index}.bin`);
  if (!existsSync(path)) return null;
  try {
    const raw = new Uint8Array(readFileSync(path));
    const headLen = new DataView(raw.buffer, raw.byteOffset).getUint32(0, true);
    const meta = JSON.parse(new TextDecoder().decode(raw.subarray(4, 4 + headLen))) as {
      spec: StudentInputSpec;
      count: number;
    };
    let off = 4 + headLen;
    const frames = new Int32Array(raw.slice(off, off + meta.count * 4).buffer);
    off += meta.count * 4;
    const bridged = raw.slice(off, off + meta.count);
    off += meta.count;
    const data = raw.slice(off);
    if (data.length !== meta.count * frameBytes(meta.spec)) return null;
    return { spec: meta.spec, frames, bridged, data };
  } catch {
    return null;
  }
}
