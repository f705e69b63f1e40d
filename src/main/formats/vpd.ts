/**
 * VPD pose directory: one folder per video, as the VPD (video pose distillation) tooling lays it out.
 *
 * - `boxes.json`: `[[frame, [x, y, w, h]], ...]`, the main athlete's box per frame.
 * - `coco_keypoints.json.gz`: gzip JSON `[[frame, [[score, [x, y, w, h], [[x, y, s] × 17]], ...]], ...]`,
 *   every detected person per frame, without identities.
 * - `mask.json.gz` (optional): `[[frame, [[score, [x, y, w, h], base64_png], ...]], ...]`; masks are
 *   kept as opaque base64 PNG strings.
 * - `meta.json` (optional): whatever is known about the video and the model; read tolerantly.
 *
 * Identity: on reading, the person whose box best overlaps the `boxes.json` box of a frame becomes
 * track 0 (the main athlete); the other people of a frame become tracks 1, 2, ... in file order, so
 * their identities across frames are NOT preserved (the format does not store them). A frame with
 * a main box but no matching person gives track 0 a box with zero-score keypoints.
 */
import { boxIou } from '../../shared/tracking/geometry';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { buildTrack, primaryTrack, type PoseRow, type PoseSet, type VideoInfo } from '../../shared/pose';
import { mapPose } from '../../shared/skeletons';
import {
  checkRead,
  checkWrite,
  clamp01,
  describe,
  f32,
  formatError,
  gzip,
  isDirectory,
  isNumber,
  numberArrayProblem,
  readJsonFile,
  writeFilesAtomic,
} from './io';

export const VPD_FILES = {
  boxes: 'boxes.json',
  keypoints: 'coco_keypoints.json.gz',
  masks: 'mask.json.gz',
  meta: 'meta.json',
} as const;

export type Box = [x: number, y: number, w: number, h: number];

export interface VpdMaskItem {
  score: number;
  box: Box;
  /** A PNG image, base64-encoded, kept as is. */
  png: string;
}

export interface VpdMaskFrame {
  frame: number;
  items: VpdMaskItem[];
}

export interface VpdPoseDir {
  poseSet: PoseSet;
  /** Present when the folder has a mask.json.gz. */
  masks?: VpdMaskFrame[];
  /** meta.json as found (empty when absent). */
  meta: Record<string, unknown>;
}

export interface ReadVpdOptions {
  /** Video facts to use where meta.json lacks them. */
  video?: Partial<VideoInfo>;
}

export interface WriteVpdOptions {
  /** The main athlete (written to boxes.json); default: the track with the most frames. */
  mainTrackId?: number;
  masks?: VpdMaskFrame[];
  /** Extra fields for meta.json. */
  meta?: Record<string, unknown>;
}

function frameEntries(file: string, data: unknown): [number, unknown][] {
  if (!Array.isArray(data)) {
    throw formatError(
      file,
      `expected a list of [frame, ...] entries at the top level, got ${describe(data)}`,
    );
  }
  return data.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw formatError(file, `entry ${i} should be [frame, data], got ${describe(entry)}`);
    }
    const frame = entry[0];
    if (!Number.isInteger(frame) || frame < 0) {
      throw formatError(file, `entry ${i}: frame should be a whole number ≥ 0, got ${describe(frame)}`);
    }
    return [frame as number, entry[1]];
  });
}

interface Person {
  score: number;
  box: number[];
  keypoints: number[];
}

function parsePeople(file: string, frame: number, people: unknown): Person[] {
  if (!Array.isArray(people))
    throw formatError(file, `frame ${frame}: expected a list of people, got ${describe(people)}`);
  return people.map((p, pi) => {
    const where = `frame ${frame}, person ${pi}`;
    if (!Array.isArray(p) || p.length < 3) {
      throw formatError(file, `${where}: expected [score, [x, y, w, h], keypoints], got ${describe(p)}`);
    }
    const [score, box, kps] = p;
    if (!isNumber(score)) throw formatError(file, `${where}: score is ${describe(score)}, expected a number`);
    const boxProblem = numberArrayProblem(box, 4);
    if (boxProblem) throw formatError(file, `${where}: box: ${boxProblem}`);
    if (!Array.isArray(kps))
      throw formatError(file, `${where}: keypoints are ${describe(kps)}, expected a list`);
    if (kps.length !== 17) throw formatError(file, `${where} has ${kps.length} keypoints, expected 17`);
    const flat: number[] = [];
    kps.forEach((kp, j) => {
      const problem = numberArrayProblem(kp, 3);
      if (problem) throw formatError(file, `${where}, keypoint ${j}: ${problem} ([x, y, score])`);
      flat.push(kp[0], kp[1], clamp01(kp[2]));
    });
    return { score: clamp01(score), box: box as number[], keypoints: flat };
  });
}

function num(meta: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const k of keys) if (isNumber(meta[k])) return meta[k] as number;
  return undefined;
}

/** Reads a VPD pose folder into a PoseSet (plus its masks and meta.json). */
export function readVpdPoseDir(dir: string, options: ReadVpdOptions = {}): VpdPoseDir {
  if (!isDirectory(dir))
    throw new KinemaError('BAD_POSE_FILE', `${dir}: is not a folder (expected a VPD pose folder)`);
  const kpPath = join(dir, VPD_FILES.keypoints);
  if (!existsSync(kpPath)) {
    throw new KinemaError(
      'BAD_POSE_FILE',
      `${dir}: no ${VPD_FILES.keypoints}; this is not a VPD pose folder`,
    );
  }
  const metaPath = join(dir, VPD_FILES.meta);
  let meta: Record<string, unknown> = {};
  if (existsSync(metaPath)) {
    const m = readJsonFile(metaPath);
    if (m && typeof m === 'object' && !Array.isArray(m)) meta = m as Record<string, unknown>;
  }

  const mainBoxes = new Map<number, number[]>();
  const boxesPath = join(dir, VPD_FILES.boxes);
  if (existsSync(boxesPath)) {
    for (const [frame, box] of frameEntries(VPD_FILES.boxes, readJsonFile(boxesPath))) {
      const problem = numberArrayProblem(box, 4);
      if (problem) throw formatError(boxesPath, `frame ${frame}: box: ${problem}`);
      if (mainBoxes.has(frame)) throw formatError(boxesPath, `frame ${frame} appears twice`);
      mainBoxes.set(frame, box as number[]);
    }
  }

  const rows = new Map<number, PoseRow[]>();
  const add = (id: number, row: PoseRow) => {
    if (!rows.has(id)) rows.set(id, []);
    rows.get(id)!.push(row);
  };
  const seen = new Set<number>();
  for (const [frame, peopleData] of frameEntries(VPD_FILES.keypoints, readJsonFile(kpPath))) {
    if (seen.has(frame)) throw formatError(kpPath, `frame ${frame} appears twice`);
    seen.add(frame);
    const people = parsePeople(kpPath, frame, peopleData);
    const mainBox = mainBoxes.get(frame);
    let main = -1;
    if (mainBox) {
      let best = 0;
      people.forEach((p, i) => {
        const o = boxIou(p.box, mainBox);
        if (o > best) [best, main] = [o, i];
      });
      add(
        0,
        main >= 0
          ? { frame, ...people[main], box: mainBox }
          : { frame, keypoints: new Float32Array(51), box: mainBox, score: 0 },
      );
    }
    let other = 1;
    people.forEach((p, i) => {
      if (i !== main) add(other++, { frame, ...p });
    });
  }
  for (const [frame, box] of mainBoxes) {
    if (!seen.has(frame)) add(0, { frame, keypoints: new Float32Array(51), box, score: 0 });
  }

  let masks: VpdMaskFrame[] | undefined;
  const maskPath = join(dir, VPD_FILES.masks);
  if (existsSync(maskPath)) {
    masks = frameEntries(VPD_FILES.masks, readJsonFile(maskPath)).map(([frame, items]) => {
      if (!Array.isArray(items))
        throw formatError(maskPath, `frame ${frame}: expected a list of masks, got ${describe(items)}`);
      return {
        frame,
        items: items.map((item, i) => {
          if (
            !Array.isArray(item) ||
            item.length < 3 ||
            !isNumber(item[0]) ||
            numberArrayProblem(item[1], 4) ||
            typeof item[2] !== 'string'
          ) {
            throw formatError(
              maskPath,
              `frame ${frame}, mask ${i}: expected [score, [x, y, w, h], base64 PNG text]`,
            );
          }
          return { score: item[0], box: item[1] as Box, png: item[2] };
        }),
      };
    });
  }

  const video: VideoInfo = {
    width: num(meta, 'width', 'w') ?? options.video?.width ?? 0,
    height: num(meta, 'height', 'h') ?? options.video?.height ?? 0,
    fps: num(meta, 'fps', 'frame_rate') ?? options.video?.fps ?? 0,
  };
  const frameCount = num(meta, 'frame_count', 'num_frames') ?? options.video?.frameCount;
  if (frameCount !== undefined) video.frameCount = frameCount;
  const name = typeof meta.video === 'string' ? meta.video : options.video?.name;
  if (name !== undefined) video.name = name;
  if (!(video.width > 0 && video.height > 0)) {
    throw new KinemaError(
      'BAD_POSE_FILE',
      `${dir}: the video size is unknown (meta.json has no width/height); give it when importing`,
    );
  }
  const tracks = [...rows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, r]) => buildTrack(id, 'coco17', r));
  const poseSet: PoseSet = {
    video,
    tracks,
    provenance: {
      model: typeof meta.model === 'string' ? meta.model : 'unknown',
      params: meta.params && typeof meta.params === 'object' ? (meta.params as Record<string, unknown>) : {},
      source: dir,
    },
  };
  checkRead(kpPath, poseSet);
  return masks ? { poseSet, masks, meta } : { poseSet, meta };
}

const round = (a: ArrayLike<number>) => Array.from(a, f32);

/** Writes a PoseSet as a VPD pose folder (all files staged, then renamed into place). */
export function writeVpdPoseDir(dir: string, poseSet: PoseSet, options: WriteVpdOptions = {}): void {
  checkWrite(join(dir, VPD_FILES.keypoints), poseSet);
  const main =
    options.mainTrackId === undefined
      ? primaryTrack(poseSet)
      : poseSet.tracks.find((t) => t.trackId === options.mainTrackId);
  if (options.mainTrackId !== undefined && !main) {
    throw new KinemaError(
      'BAD_POSE_FILE',
      `Cannot write ${VPD_FILES.boxes}: there is no track ${options.mainTrackId}`,
    );
  }
  const ordered = main
    ? [main, ...poseSet.tracks.filter((t) => t !== main).sort((a, b) => a.trackId - b.trackId)]
    : [];
  const perFrame = new Map<number, unknown[]>();
  for (const track of ordered) {
    const kps =
      track.skeletonId === 'coco17' ? track.keypoints : mapPose(track.keypoints, track.skeletonId, 'coco17');
    for (let i = 0; i < track.frames.length; i++) {
      const f = track.frames[i];
      const points: number[][] = [];
      for (let j = 0; j < 17; j++) points.push(round(kps.subarray((i * 17 + j) * 3, (i * 17 + j) * 3 + 3)));
      if (!perFrame.has(f)) perFrame.set(f, []);
      perFrame.get(f)!.push([f32(track.scores[i]), round(track.boxes.subarray(i * 4, i * 4 + 4)), points]);
    }
  }
  const keypoints = [...perFrame.entries()].sort((a, b) => a[0] - b[0]);
  const boxes = main
    ? Array.from(main.frames, (f, i) => [f, round(main.boxes.subarray(i * 4, i * 4 + 4))])
    : [];
  const v = poseSet.video;
  const meta = {
    ...options.meta,
    width: v.width,
    height: v.height,
    fps: v.fps,
    ...(v.frameCount !== undefined ? { frame_count: v.frameCount } : {}),
    ...(v.name !== undefined ? { video: v.name } : {}),
    model: poseSet.provenance.model,
    params: poseSet.provenance.params,
    ...(poseSet.provenance.source ? { source: poseSet.provenance.source } : {}),
    keypoint_layout: 'coco17',
    main_track_id: main?.trackId ?? null,
    written_by: 'kinema',
  };
  const files: Record<string, string | Uint8Array> = {
    [VPD_FILES.boxes]: JSON.stringify(boxes),
    [VPD_FILES.keypoints]: gzip(JSON.stringify(keypoints)),
    [VPD_FILES.meta]: `${JSON.stringify(meta, null, 2)}\n`,
  };
  if (options.masks) {
    const masks = [...options.masks]
      .sort((a, b) => a.frame - b.frame)
      .map((m) => [m.frame, m.items.map((it) => [f32(it.score), round(it.box), it.png])]);
    files[VPD_FILES.masks] = gzip(JSON.stringify(masks));
  }
  writeFilesAtomic(dir, files);
}

/** The parts of a VPD video (or pose folder) name. */
export interface VpdVideoName {
  /** Tennis pose folders are prefixed with the camera side. */
  view?: 'front' | 'back';
  sport: 'figure_skating' | 'tennis';
  video: string;
  /** Figure skating: the clip number within the video. */
  number?: number;
  start: number;
  end: number;
}

/**
 * Parses `[front__|back__]<video>_<number>_<start>_<end>` (figure skating) or
 * `[front__|back__]<video>_<start>_<end>` (tennis); an extension such as `.mp4` is ignored. A
 * front/back prefix implies tennis; otherwise three trailing numbers mean figure skating, two
 * tennis (pass `sport` where a tennis video's own name ends in a number). Returns null when the
 * name has neither shape.
 */
export function parseVpdVideoName(name: string, sport?: VpdVideoName['sport']): VpdVideoName | null {
  let rest = name.replace(/^.*[\\/]/, '').replace(/\.(mp4|mov|mkv|avi|webm)$/i, '');
  let view: VpdVideoName['view'];
  const prefix = /^(front|back)__/.exec(rest);
  if (prefix) {
    view = prefix[1] as 'front' | 'back';
    rest = rest.slice(prefix[0].length);
  }
  const kind = sport ?? (view ? 'tennis' : /_\d+_\d+_\d+$/.test(rest) ? 'figure_skating' : 'tennis');
  const m =
    kind === 'figure_skating' ? /^(.+)_(\d+)_(\d+)_(\d+)$/.exec(rest) : /^(.+)_(\d+)_(\d+)$/.exec(rest);
  if (!m) return null;
  const out: VpdVideoName =
    kind === 'figure_skating'
      ? { sport: kind, video: m[1], number: Number(m[2]), start: Number(m[3]), end: Number(m[4]) }
      : { sport: kind, video: m[1], start: Number(m[2]), end: Number(m[3]) };
  if (view) out.view = view;
  return out;
}

/** The inverse of parseVpdVideoName (without extension). */
export function formatVpdVideoName(parts: VpdVideoName): string {
  const prefix = parts.view ? `${parts.view}__` : '';
  const num = parts.sport === 'figure_skating' ? `_${parts.number ?? 0}` : '';
  return `${prefix}${parts.video}${num}_${parts.start}_${parts.end}`;
}
