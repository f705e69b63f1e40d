/**
 * COCO keypoint annotations: `{images, annotations, categories}`.
 *
 * - Frames: the last number of an image's `file_name` (`000123.jpg` → 123), else its `id`. Written
 *   as `file_name: "<frame>.jpg"`, `id: frame + 1` (COCO ids start at 1).
 * - Third keypoint value: ground truth stores visibility (0 absent, 1 occluded, 2 visible), results
 *   store a score. An annotation with a `score` field, or any third value outside {0, 1, 2}, is read
 *   as scores; otherwise as visibility (v > 0 → score 1).
 * - `track_id` (PoseTrack style) is the track; without it, people are numbered within each image.
 * - COCO-WholeBody's `foot_kpts` (6 × 3) makes the skeleton COCO-17+feet.
 */
import { basename } from 'node:path';
import { buildTrack, type PoseRow, type PoseSet, type VideoInfo } from '../../shared/pose';
import { coco17, mapPose, type SkeletonId } from '../../shared/skeletons';
import {
  checkRead,
  checkWrite,
  clamp01,
  describe,
  f32,
  formatError,
  frameFromName,
  isNumber,
  numberArrayProblem,
  readJsonFile,
  writeFileAtomic,
} from './io';

export interface ReadCocoOptions {
  /** Video facts; width/height default to the first image's. */
  video?: Partial<VideoInfo>;
  model?: string;
}

function list(path: string, obj: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw formatError(path, `"${key}" should be a list, got ${describe(v)}`);
  v.forEach((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item))
      throw formatError(path, `${key}[${i}] is ${describe(item)}, expected an object`);
  });
  return v as Record<string, unknown>[];
}

/** Reads COCO keypoint annotations (ground truth or results with images). */
export function readCocoKeypoints(path: string, options: ReadCocoOptions = {}): PoseSet {
  const data = readJsonFile(path);
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw formatError(
      path,
      `expected an object with images, annotations and categories, got ${describe(data)}`,
    );
  }
  const root = data as Record<string, unknown>;
  const images = list(path, root, 'images');
  const annotations = list(path, root, 'annotations');
  const categories = root.categories === undefined ? [] : list(path, root, 'categories');
  const info =
    root.info && typeof root.info === 'object' ? (root.info as Record<string, unknown>) : undefined;
  const person = categories.find((c) => c.id === 1) ?? categories[0];
  if (
    person &&
    Array.isArray(person.keypoints) &&
    person.keypoints.length > 0 &&
    person.keypoints.length !== 17
  ) {
    throw formatError(
      path,
      `category "${String(person.name)}" has ${person.keypoints.length} keypoint names, expected 17`,
    );
  }
  const frameOf = new Map<unknown, number>();
  let width = 0;
  let height = 0;
  images.forEach((img, i) => {
    const frame = frameFromName((img.file_name as string) ?? '') ?? frameFromName(img.id as number);
    if (frame === null)
      throw formatError(path, `images[${i}]: neither file_name nor id gives a frame number`);
    frameOf.set(img.id, frame);
    if (!width && isNumber(img.width) && isNumber(img.height)) [width, height] = [img.width, img.height];
  });
  const rows = new Map<number, PoseRow[]>();
  const perImage = new Map<number, number>();
  let skeleton: SkeletonId | undefined;
  annotations.forEach((a, i) => {
    if (a.category_id !== undefined && person && a.category_id !== person.id) return;
    const frame = frameOf.get(a.image_id);
    if (frame === undefined)
      throw formatError(path, `annotations[${i}]: image_id ${describe(a.image_id)} is not in "images"`);
    const where = `frame ${frame}, annotation ${a.id ?? i}`;
    const problem = numberArrayProblem(a.keypoints);
    if (problem) throw formatError(path, `${where}: keypoints: ${problem}`);
    let kps = a.keypoints as number[];
    if (kps.length !== 51) throw formatError(path, `${where} has ${kps.length / 3} keypoints, expected 17`);
    let layout: SkeletonId = 'coco17';
    if (a.foot_kpts !== undefined) {
      const footProblem = numberArrayProblem(a.foot_kpts, 18);
      if (footProblem) throw formatError(path, `${where}: foot_kpts: ${footProblem}`);
      kps = [...kps, ...(a.foot_kpts as number[])];
      layout = 'coco17-feet';
    }
    if (skeleton && skeleton !== layout)
      throw formatError(path, `${where}: some annotations have foot_kpts and some not`);
    skeleton = layout;
    const asScore = a.score !== undefined || kps.some((v, n) => n % 3 === 2 && v !== 0 && v !== 1 && v !== 2);
    const points = Float32Array.from(kps, (v, n) => (n % 3 !== 2 ? v : asScore ? clamp01(v) : v > 0 ? 1 : 0));
    const bbox = a.bbox;
    const boxProblem = numberArrayProblem(bbox, 4);
    if (boxProblem) throw formatError(path, `${where}: bbox: ${boxProblem}`);
    const score = a.score ?? 1;
    if (!isNumber(score)) throw formatError(path, `${where}: score is ${describe(score)}`);
    let id = a.track_id;
    if (id === undefined) {
      id = perImage.get(frame) ?? 0;
      perImage.set(frame, (id as number) + 1);
    }
    if (!Number.isInteger(id))
      throw formatError(path, `${where}: track_id is ${describe(id)}, expected a whole number`);
    const r = rows.get(id as number) ?? [];
    if (r.some((x) => x.frame === frame))
      throw formatError(path, `${where}: track ${id} appears twice in this frame`);
    r.push({ frame, keypoints: points, box: bbox as number[], score: clamp01(score) });
    rows.set(id as number, r);
  });
  const video: VideoInfo = {
    width: options.video?.width ?? width,
    height: options.video?.height ?? height,
    fps: options.video?.fps ?? (info && isNumber(info.fps) ? info.fps : 0),
  };
  if (options.video?.frameCount !== undefined) video.frameCount = options.video.frameCount;
  if (options.video?.name !== undefined) video.name = options.video.name;
  const set: PoseSet = {
    video,
    tracks: [...rows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([id, r]) => buildTrack(id, skeleton ?? 'coco17', r)),
    provenance: { model: options.model ?? 'unknown', params: {}, source: path },
  };
  return checkRead(path, set);
}

/**
 * Writes COCO keypoint annotations with scores (`score` per annotation, keypoint scores as the
 * third value) and `track_id`. COCO-17+feet tracks add COCO-WholeBody's `foot_kpts`.
 */
export function writeCocoKeypoints(path: string, set: PoseSet): void {
  checkWrite(path, set);
  const frames = new Set<number>();
  const annotations: Record<string, unknown>[] = [];
  const withFeet = set.tracks.some((t) => t.skeletonId === 'coco17-feet');
  for (const t of set.tracks) {
    const target = withFeet ? 'coco17-feet' : 'coco17';
    const kps = t.skeletonId === target ? t.keypoints : mapPose(t.keypoints, t.skeletonId, target);
    const stride = withFeet ? 69 : 51;
    t.frames.forEach((frame, i) => {
      frames.add(frame);
      const all = kps.subarray(i * stride, (i + 1) * stride);
      const body = Array.from(all.subarray(0, 51), f32);
      const box = Array.from(t.boxes.subarray(i * 4, i * 4 + 4), f32);
      annotations.push({
        image_id: frame + 1,
        category_id: 1,
        keypoints: body,
        ...(withFeet ? { foot_kpts: Array.from(all.subarray(51), f32) } : {}),
        num_keypoints: body.filter((v, n) => n % 3 === 2 && v > 0).length,
        bbox: box,
        area: f32(box[2] * box[3]),
        iscrowd: 0,
        score: f32(t.scores[i]),
        track_id: t.trackId,
      });
    });
  }
  annotations.sort(
    (a, b) =>
      (a.image_id as number) - (b.image_id as number) || (a.track_id as number) - (b.track_id as number),
  );
  annotations.forEach((a, i) => (a.id = i + 1));
  const images = [...frames]
    .sort((a, b) => a - b)
    .map((frame) => ({
      id: frame + 1,
      file_name: `${frame}.jpg`,
      width: set.video.width,
      height: set.video.height,
      frame_id: frame,
    }));
  const doc = {
    info: {
      description: `Poses from ${set.provenance.model}`,
      video: set.video.name ?? basename(path),
      fps: set.video.fps,
    },
    images,
    annotations,
    categories: [
      {
        id: 1,
        name: 'person',
        supercategory: 'person',
        keypoints: [...coco17.joints],
        skeleton: coco17.links.map(([a, b]) => [a + 1, b + 1]),
      },
    ],
  };
  writeFileAtomic(path, JSON.stringify(doc));
}
