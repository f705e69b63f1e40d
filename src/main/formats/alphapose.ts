/**
 * AlphaPose result JSON: a list of detections
 * `{image_id, category_id, keypoints: [x, y, s, ...], score, box: [x, y, w, h], idx}`.
 *
 * - `image_id` is a frame's file name (`123.jpg`, `frame_000123.png`) or a number: the last number
 *   in the name is the frame index.
 * - `idx` is the track id (with tracking on; a one-element list in some versions). Without it,
 *   people are numbered by their order within each frame.
 * - 17 keypoints (51 numbers) are COCO-17; 26 (78 numbers) are Halpe-26, read as COCO-17+feet.
 * - Scores above 1 (AlphaPose's person scores often are) are clipped to 1.
 */
import { KinemaError } from '../../shared/errors';
import { buildTrack, type PoseRow, type PoseSet, type VideoInfo } from '../../shared/pose';
import { mapPose, type SkeletonId } from '../../shared/skeletons';
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

export interface ReadAlphaPoseOptions {
  /** AlphaPose JSON stores no video facts: size (required) and fps. */
  video: VideoInfo;
  model?: string;
}

/** Reads an AlphaPose result file. */
export function readAlphaPoseJson(path: string, options: ReadAlphaPoseOptions): PoseSet {
  const data = readJsonFile(path);
  if (!Array.isArray(data))
    throw formatError(path, `expected a list of detections at the top level, got ${describe(data)}`);
  const rows = new Map<number, PoseRow[]>();
  const perFrameCount = new Map<number, number>();
  let skeleton: SkeletonId | undefined;
  data.forEach((d, i) => {
    if (!d || typeof d !== 'object' || Array.isArray(d))
      throw formatError(path, `detection ${i} is ${describe(d)}, expected an object`);
    const det = d as Record<string, unknown>;
    const frame = frameFromName(det.image_id as string | number);
    if (frame === null)
      throw formatError(path, `detection ${i}: image_id ${describe(det.image_id)} has no frame number`);
    const where = `frame ${frame} (detection ${i})`;
    const kps = det.keypoints;
    const problem = numberArrayProblem(kps);
    if (problem) throw formatError(path, `${where}: keypoints: ${problem}`);
    const flat = kps as number[];
    const k = flat.length / 3;
    const layout: SkeletonId | undefined =
      flat.length === 51 ? 'coco17' : flat.length === 78 ? 'halpe26' : undefined;
    if (!layout) {
      throw formatError(path, `${where} has ${k} keypoints, expected 17 (COCO) or 26 (Halpe)`);
    }
    if (skeleton && skeleton !== layout)
      throw formatError(path, `${where}: mixes ${layout} with ${skeleton} keypoints`);
    skeleton = layout;
    const box = det.box ?? det.bbox;
    const boxProblem = numberArrayProblem(box, 4);
    if (boxProblem) throw formatError(path, `${where}: box: ${boxProblem}`);
    const score = det.score ?? 1;
    if (!isNumber(score)) throw formatError(path, `${where}: score is ${describe(score)}, expected a number`);
    let idx = Array.isArray(det.idx) ? det.idx[0] : det.idx;
    if (idx === undefined) {
      idx = perFrameCount.get(frame) ?? 0;
      perFrameCount.set(frame, (idx as number) + 1);
    }
    if (!Number.isInteger(idx))
      throw formatError(path, `${where}: idx (track id) is ${describe(idx)}, expected a whole number`);
    let points: Float32Array = Float32Array.from(flat, (v, n) => (n % 3 === 2 ? clamp01(v) : v));
    if (layout === 'halpe26') points = mapPose(points, 'halpe26', 'coco17-feet');
    const list = rows.get(idx as number) ?? [];
    if (list.some((r) => r.frame === frame))
      throw formatError(path, `${where}: track ${idx} appears twice in this frame`);
    list.push({ frame, keypoints: points, box: box as number[], score: clamp01(score) });
    rows.set(idx as number, list);
  });
  const sk: SkeletonId = skeleton === 'halpe26' ? 'coco17-feet' : 'coco17';
  const set: PoseSet = {
    video: options.video,
    tracks: [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([id, r]) => buildTrack(id, sk, r)),
    provenance: { model: options.model ?? 'AlphaPose', params: {}, source: path },
  };
  return checkRead(path, set);
}

/**
 * Writes an AlphaPose result file: COCO-17 tracks as 17 keypoints, COCO-17+feet as Halpe-26 (head
 * top unknown: 0, 0, 0), other skeletons mapped to COCO-17. `image_id` is `<frame>.jpg`.
 */
export function writeAlphaPoseJson(path: string, set: PoseSet): void {
  checkWrite(path, set);
  const out: { frame: number; id: number; det: Record<string, unknown> }[] = [];
  for (const t of set.tracks) {
    const layout: SkeletonId =
      t.skeletonId === 'coco17-feet' || t.skeletonId === 'halpe26' ? 'halpe26' : 'coco17';
    const kps = t.skeletonId === layout ? t.keypoints : mapPose(t.keypoints, t.skeletonId, layout);
    const stride = layout === 'halpe26' ? 78 : 51;
    t.frames.forEach((frame, i) => {
      out.push({
        frame,
        id: t.trackId,
        det: {
          image_id: `${frame}.jpg`,
          category_id: 1,
          keypoints: Array.from(kps.subarray(i * stride, (i + 1) * stride), f32),
          score: f32(t.scores[i]),
          box: Array.from(t.boxes.subarray(i * 4, i * 4 + 4), f32),
          idx: t.trackId,
        },
      });
    });
  }
  out.sort((a, b) => a.frame - b.frame || a.id - b.id);
  if (out.length > 0 && !out.every((o) => Number.isInteger(o.id))) {
    throw new KinemaError('BAD_POSE_FILE', 'AlphaPose idx must be whole numbers');
  }
  writeFileAtomic(path, JSON.stringify(out.map((o) => o.det)));
}
