/**
 * VideoPose3D 2D input: `data_2d_custom_<name>.npz`, as VideoPose3D's `prepare_data_2d_custom.py`
 * writes it — two pickled 0-d object arrays:
 *
 * - `positions_2d`: `{subject: {action: [camera arrays of frames × 17 × 2 float32]}}`; for custom
 *   videos the subject is the video name, the action `custom`, one camera;
 * - `metadata`: `{layout_name: 'coco', num_joints: 17, keypoints_symmetry: [[left...], [right...]],
 *   video_metadata: {name: {w, h}}}`.
 *
 * VideoPose3D needs every frame: writing fills frames a track misses by linear interpolation
 * between its neighbours (holding the first/last pose at the ends), as its preparation script does,
 * and writes one person per video (`trackId`, default the track with the most frames).
 * Reading gives one PoseSet per (subject, action) with a track per camera (trackId = camera index),
 * scores 1 (or the third channel when present) and boxes around the joints.
 *
 * `plain: true` writes the same data without pickles, for tools that refuse them:
 * `positions_2d/<subject>/<action>/<camera>.npy` arrays and a `metadata.json` member; the reader
 * accepts both layouts. (VideoPose3D itself needs the pickled layout.)
 */
import { basename } from 'node:path';
import { KinemaError } from '../../shared/errors';
import {
  boxFromKeypoints,
  buildTrack,
  primaryTrack,
  type PoseRow,
  type PoseSet,
  type VideoInfo,
} from '../../shared/pose';
import { coco17, mapPose, type SkeletonId } from '../../shared/skeletons';
import { checkRead, checkWrite, clamp01, formatError, parseJson, readBytes, writeFileAtomic } from './io';
import { readNpy, readNpz, writeNpy, writeNpz, type NumericArray } from './npy';
import {
  objectArrayItem,
  pickleObjectArray,
  PyNdArrayBox,
  unpickleRestricted,
  type PickleInput,
  type PyDict,
  type PyValue,
} from './pickle';

export interface Vp3dMetadata {
  layout_name: string;
  num_joints: number;
  keypoints_symmetry: [number[], number[]];
  video_metadata: Record<string, { w: number; h: number }>;
}

export interface Vp3dVideo {
  subject: string;
  action: string;
  poseSet: PoseSet;
}

export interface Vp3dInput {
  /** The subject name VideoPose3D uses (the video file name for custom videos). */
  name: string;
  poseSet: PoseSet;
  /** The person to write; default the track with the most frames. */
  trackId?: number;
  action?: string;
}

export interface WriteVp3dOptions {
  /** Write plain arrays + metadata.json instead of pickles (not loadable by VideoPose3D itself). */
  plain?: boolean;
  /** Add the joint scores as a third channel (frames × 17 × 3). */
  withScores?: boolean;
}

/** The COCO-17 symmetry lists as VideoPose3D writes them (left joints, right joints). */
export function cocoSymmetry(): [number[], number[]] {
  return [coco17.swapPairs.map((p) => p[0]), coco17.swapPairs.map((p) => p[1])];
}

/** Dense frames × 17 × C of one track, gaps filled by linear interpolation. */
function denseTrack(set: PoseSet, trackId: number | undefined, channels: number, what: string): Float32Array {
  const track = trackId === undefined ? primaryTrack(set) : set.tracks.find((t) => t.trackId === trackId);
  if (!track || track.frames.length === 0)
    throw new KinemaError(
      'BAD_POSE_FILE',
      `${what}: there is no ${trackId === undefined ? 'track' : `track ${trackId}`} to write`,
    );
  const kps =
    track.skeletonId === 'coco17' ? track.keypoints : mapPose(track.keypoints, track.skeletonId, 'coco17');
  const n = set.video.frameCount ?? track.frames[track.frames.length - 1] + 1;
  const out = new Float32Array(n * 17 * channels);
  const frames = track.frames;
  let k = 0; // next stored frame at or after f
  for (let f = 0; f < n; f++) {
    while (k < frames.length && frames[k] < f) k++;
    let a: number;
    let b: number;
    let t = 0;
    if (k < frames.length && frames[k] === f) a = b = k;
    else if (k === 0) a = b = 0;
    else if (k >= frames.length) a = b = frames.length - 1;
    else {
      a = k - 1;
      b = k;
      t = (f - frames[a]) / (frames[b] - frames[a]);
    }
    for (let j = 0; j < 17; j++) {
      for (let c = 0; c < channels; c++) {
        const va = kps[(a * 17 + j) * 3 + c];
        const vb = kps[(b * 17 + j) * 3 + c];
        out[(f * 17 + j) * channels + c] = va + (vb - va) * t;
      }
    }
  }
  return out;
}

/** Writes a VideoPose3D `data_2d_custom_<name>.npz`. */
export function writeVideoPose3dNpz(
  path: string,
  videos: readonly Vp3dInput[],
  options: WriteVp3dOptions = {},
): void {
  const channels = options.withScores ? 3 : 2;
  const positions: Record<string, Record<string, NumericArray[]>> = {};
  const videoMeta: Record<string, { w: number; h: number }> = {};
  for (const v of videos) {
    checkWrite(path, v.poseSet);
    const data = denseTrack(v.poseSet, v.trackId, channels, `Cannot write ${basename(path)} (${v.name})`);
    const action = v.action ?? 'custom';
    positions[v.name] ??= {};
    if (positions[v.name][action])
      throw new KinemaError(
        'BAD_POSE_FILE',
        `Cannot write ${basename(path)}: video ${v.name} is given twice`,
      );
    positions[v.name][action] = [
      { dtype: 'float32', shape: [data.length / 17 / channels, 17, channels], data },
    ];
    videoMeta[v.name] = { w: v.poseSet.video.width, h: v.poseSet.video.height };
  }
  const metadata: Vp3dMetadata = {
    layout_name: 'coco',
    num_joints: 17,
    keypoints_symmetry: cocoSymmetry(),
    video_metadata: videoMeta,
  };
  const members: Record<string, Uint8Array> = {};
  if (options.plain) {
    for (const [subject, actions] of Object.entries(positions)) {
      for (const [action, cams] of Object.entries(actions)) {
        cams.forEach((arr, cam) => (members[`positions_2d/${subject}/${action}/${cam}.npy`] = writeNpy(arr)));
      }
    }
    members['metadata.json'] = new TextEncoder().encode(JSON.stringify(metadata));
  } else {
    members.positions_2d = writeNpy({
      dtype: 'object',
      shape: [],
      pickle: pickleObjectArray(positions as unknown as PickleInput),
    });
    members.metadata = writeNpy({
      dtype: 'object',
      shape: [],
      pickle: pickleObjectArray(metadata as unknown as PickleInput),
    });
  }
  writeFileAtomic(path, writeNpz(members));
}

export interface ReadVp3dOptions {
  /** Frame rate (not stored in the file). */
  fps?: number;
}

function asDict(v: PyValue | undefined): PyDict | null {
  return v && typeof v === 'object' && Object.getPrototypeOf(v) === null ? (v as PyDict) : null;
}

/** Reads a VideoPose3D 2D npz (pickled, as VideoPose3D writes it, or Kinema's plain layout). */
export function readVideoPose3dNpz(
  path: string,
  options: ReadVp3dOptions = {},
): { videos: Vp3dVideo[]; metadata: Vp3dMetadata } {
  const file = basename(path);
  const members = readNpz(readBytes(path), file);
  let positions: Record<string, Record<string, NumericArray[]>> = {};
  let metadata: Vp3dMetadata;
  if (members.has('positions_2d')) {
    const load = (key: string): PyValue => {
      const arr = readNpy(members.get(key)!, `${file}/${key}.npy`);
      if (arr.dtype !== 'object')
        throw formatError(path, `${key} should be a pickled dict, found a ${arr.dtype} array`);
      return objectArrayItem(unpickleRestricted(arr.pickle, `${file}/${key}.npy`), `${file}/${key}.npy`);
    };
    const pos = asDict(load('positions_2d'));
    if (!pos) throw formatError(path, 'positions_2d is not a dict of subjects');
    for (const [subject, actionsV] of Object.entries(pos)) {
      const actions = asDict(actionsV);
      if (!actions) throw formatError(path, `positions_2d[${subject}] is not a dict of actions`);
      positions[subject] = {};
      for (const [action, cams] of Object.entries(actions)) {
        if (!Array.isArray(cams))
          throw formatError(path, `positions_2d[${subject}][${action}] is not a list of camera arrays`);
        positions[subject][action] = cams.map((c, i) => {
          const a = c instanceof PyNdArrayBox ? c.array : null;
          if (!a || a.dtype === 'object')
            throw formatError(path, `positions_2d[${subject}][${action}][${i}] is not a numeric array`);
          return a;
        });
      }
    }
    if (!members.has('metadata')) throw formatError(path, 'has no metadata array');
    metadata = load('metadata') as unknown as Vp3dMetadata;
  } else {
    positions = {};
    for (const [key, bytes] of members) {
      const m = /^positions_2d\/(.+)\/([^/]+)\/(\d+)$/.exec(key);
      if (!m) continue;
      const arr = readNpy(bytes, `${file}/${key}.npy`);
      if (arr.dtype === 'object') throw formatError(path, `${key} must be a numeric array`);
      ((positions[m[1]] ??= {})[m[2]] ??= [])[Number(m[3])] = arr;
    }
    if (!members.has('metadata.json'))
      throw formatError(path, 'has neither positions_2d (VideoPose3D) nor metadata.json (plain layout)');
    metadata = parseJson(`${file}/metadata.json`, members.get('metadata.json')!) as Vp3dMetadata;
  }
  const meta = asDict(metadata as unknown as PyValue) ?? (metadata as unknown as PyDict);
  if (!meta || typeof meta !== 'object') throw formatError(path, 'metadata is not a dict');
  const k = meta.num_joints as number;
  const layout = String(meta.layout_name);
  const skeletonId: SkeletonId | null =
    k === 17 && layout === 'coco' ? 'coco17' : k === 17 && layout.startsWith('h36m') ? 'h36m17' : null;
  if (!skeletonId)
    throw formatError(
      path,
      `keypoint layout "${layout}" with ${k} joints is not supported (expected coco or h36m, 17 joints)`,
    );
  const vm = (asDict(meta.video_metadata as PyValue) ?? meta.video_metadata ?? {}) as Record<
    string,
    { w: number; h: number }
  >;
  const videos: Vp3dVideo[] = [];
  for (const [subject, actions] of Object.entries(positions)) {
    for (const [action, cams] of Object.entries(actions)) {
      const size = vm[subject];
      if (!size || !(size.w > 0) || !(size.h > 0))
        throw formatError(path, `metadata has no video size (w, h) for ${subject}`);
      const tracks = cams.map((arr, cam) => {
        const where = `positions_2d[${subject}][${action}][${cam}]`;
        if (arr.shape.length !== 3 || arr.shape[1] !== k || (arr.shape[2] !== 2 && arr.shape[2] !== 3)) {
          throw formatError(path, `${where} has shape (${arr.shape.join(', ')}), expected (frames, ${k}, 2)`);
        }
        const [n, , ch] = arr.shape;
        const rows: PoseRow[] = [];
        for (let f = 0; f < n; f++) {
          const points = new Float32Array(k * 3);
          for (let j = 0; j < k; j++) {
            points[j * 3] = arr.data[(f * k + j) * ch];
            points[j * 3 + 1] = arr.data[(f * k + j) * ch + 1];
            points[j * 3 + 2] = ch === 3 ? clamp01(arr.data[(f * k + j) * ch + 2]) : 1;
          }
          rows.push({ frame: f, keypoints: points, box: boxFromKeypoints(points, -1), score: 1 });
        }
        return buildTrack(cam, skeletonId, rows);
      });
      const video: VideoInfo = { width: size.w, height: size.h, fps: options.fps ?? 0, name: subject };
      const poseSet: PoseSet = {
        video,
        tracks,
        provenance: { model: 'VideoPose3D input', params: { action }, source: path },
      };
      videos.push({ subject, action, poseSet: checkRead(path, poseSet) });
    }
  }
  return { videos, metadata: metadata as Vp3dMetadata };
}
