/**
 * OpenPose per-frame JSON: a folder of `<name>_<frame, 12 digits>_keypoints.json`, each
 * `{version, people: [{person_id, pose_keypoints_2d: [x, y, c, ...], ...}]}`.
 *
 * - 25 joints (75 numbers) are BODY_25, read as COCO-17+feet (neck and mid-hip dropped); 18 joints
 *   (54 numbers) are OpenPose's COCO-18, read as COCO-17.
 * - A missing joint is 0, 0, 0. OpenPose stores no boxes or person scores: the box is the tight box
 *   around the joints found, the score the mean joint confidence.
 * - `person_id` is -1 (or [-1]) unless a tracker filled it; then people are numbered by their order
 *   within each frame, which does not follow identities.
 * - Writing creates one file per frame of the video when its frame count is known (OpenPose writes
 *   a file for every frame, with empty `people` when nobody is found), else per frame with poses.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import {
  boxFromKeypoints,
  buildTrack,
  meanKeypointScore,
  type PoseRow,
  type PoseSet,
  type VideoInfo,
} from '../../shared/pose';
import { mapPose, type SkeletonId } from '../../shared/skeletons';
import {
  checkRead,
  checkWrite,
  clamp01,
  describe,
  f32,
  formatError,
  isDirectory,
  numberArrayProblem,
  readJsonFile,
  writeFilesAtomic,
} from './io';

export type OpenPoseLayout = 'body25' | 'coco18';

const FILE_RE = /^(.*)_(\d+)_keypoints\.json$/;

export interface ReadOpenPoseOptions {
  /** OpenPose stores no video facts: size (required) and fps. */
  video: VideoInfo;
  model?: string;
}

/** Reads a folder of OpenPose JSON files. */
export function readOpenPoseDir(dir: string, options: ReadOpenPoseOptions): PoseSet {
  if (!isDirectory(dir))
    throw new KinemaError('BAD_POSE_FILE', `${dir}: is not a folder of OpenPose JSON files`);
  const files = readdirSync(dir)
    .map((name) => ({ name, m: FILE_RE.exec(name) }))
    .filter((f) => f.m)
    .map((f) => ({ name: f.name, frame: Number(f.m![2]) }))
    .sort((a, b) => a.frame - b.frame);
  if (files.length === 0) {
    throw new KinemaError(
      'BAD_POSE_FILE',
      `${dir}: no <name>_<frame>_keypoints.json files (OpenPose --write_json output)`,
    );
  }
  const rows = new Map<number, PoseRow[]>();
  let layout: OpenPoseLayout | undefined;
  let lastFrame = -1;
  for (const { name, frame } of files) {
    if (frame === lastFrame) throw new KinemaError('BAD_POSE_FILE', `${dir}: two files for frame ${frame}`);
    lastFrame = frame;
    const path = join(dir, name);
    const doc = readJsonFile(path);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
      throw formatError(path, `expected an object with "people", got ${describe(doc)}`);
    const people = (doc as Record<string, unknown>).people;
    if (!Array.isArray(people)) throw formatError(path, `"people" should be a list, got ${describe(people)}`);
    people.forEach((p, i) => {
      const person = (p ?? {}) as Record<string, unknown>;
      const kps = person.pose_keypoints_2d;
      const problem = numberArrayProblem(kps);
      if (problem) throw formatError(path, `frame ${frame}, person ${i}: pose_keypoints_2d: ${problem}`);
      const flat = kps as number[];
      const found: OpenPoseLayout | undefined =
        flat.length === 75 ? 'body25' : flat.length === 54 ? 'coco18' : undefined;
      if (!found) {
        throw formatError(
          path,
          `frame ${frame}, person ${i} has ${flat.length / 3} keypoints, expected 25 (BODY_25) or 18 (COCO)`,
        );
      }
      if (layout && found !== layout)
        throw formatError(path, `frame ${frame}, person ${i}: mixes ${found} with ${layout} people`);
      layout = found;
      const raw = Float32Array.from(flat, (v, n) => (n % 3 === 2 ? clamp01(v) : v));
      const points = mapPose(
        raw,
        layout === 'body25' ? 'openpose-body25' : 'openpose-coco18',
        layout === 'body25' ? 'coco17-feet' : 'coco17',
      );
      const pid = Array.isArray(person.person_id) ? person.person_id[0] : person.person_id;
      const id = Number.isInteger(pid) && (pid as number) >= 0 ? (pid as number) : i;
      const r = rows.get(id) ?? [];
      if (r.length && r[r.length - 1].frame === frame)
        throw formatError(path, `frame ${frame}: person_id ${id} appears twice`);
      r.push({
        frame,
        keypoints: points,
        box: boxFromKeypoints(points),
        score: clamp01(meanKeypointScore(points)),
      });
      rows.set(id, r);
    });
  }
  const skeleton: SkeletonId = layout === 'coco18' ? 'coco17' : 'coco17-feet';
  const set: PoseSet = {
    video: options.video,
    tracks: [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([id, r]) => buildTrack(id, skeleton, r)),
    provenance: { model: options.model ?? 'OpenPose', params: {}, source: dir },
  };
  return checkRead(join(dir, files[0].name), set);
}

export interface WriteOpenPoseOptions {
  layout?: OpenPoseLayout;
  /** File name prefix; default the video's name, else "video". */
  name?: string;
}

/** Writes a folder of OpenPose JSON files (BODY_25 by default), all staged then renamed. */
export function writeOpenPoseDir(dir: string, set: PoseSet, options: WriteOpenPoseOptions = {}): void {
  checkWrite(dir, set);
  const layout = options.layout ?? 'body25';
  const target: SkeletonId = layout === 'body25' ? 'openpose-body25' : 'openpose-coco18';
  const stride = layout === 'body25' ? 75 : 54;
  const prefix = options.name ?? set.video.name ?? 'video';
  const perFrame = new Map<number, unknown[]>();
  if (set.video.frameCount !== undefined) for (let f = 0; f < set.video.frameCount; f++) perFrame.set(f, []);
  for (const t of [...set.tracks].sort((a, b) => a.trackId - b.trackId)) {
    const kps = mapPose(t.keypoints, t.skeletonId, target);
    t.frames.forEach((frame, i) => {
      const pose = Array.from(kps.subarray(i * stride, (i + 1) * stride), f32);
      for (let j = 0; j < pose.length; j += 3)
        if (!(pose[j + 2] > 0)) pose[j] = pose[j + 1] = pose[j + 2] = 0;
      if (!perFrame.has(frame)) perFrame.set(frame, []);
      perFrame.get(frame)!.push({
        person_id: [t.trackId],
        pose_keypoints_2d: pose,
        face_keypoints_2d: [],
        hand_left_keypoints_2d: [],
        hand_right_keypoints_2d: [],
        pose_keypoints_3d: [],
        face_keypoints_3d: [],
        hand_left_keypoints_3d: [],
        hand_right_keypoints_3d: [],
      });
    });
  }
  const files: Record<string, string> = {};
  for (const [frame, people] of perFrame) {
    files[`${prefix}_${String(frame).padStart(12, '0')}_keypoints.json`] = JSON.stringify({
      version: 1.3,
      people,
    });
  }
  writeFilesAtomic(dir, files);
}
