/**
 * The pose formats by name, as the CLI and the import/export operations pick them: one reader and
 * one writer per format, with the video facts the format itself does not store.
 */
import { basename, extname, join } from 'node:path';
import { KinemaError } from '../../shared/contract';
import type { PoseSet, VideoInfo } from '../../shared/pose';
import { readAlphaPoseJson, writeAlphaPoseJson } from './alphapose';
import { readCocoKeypoints, writeCocoKeypoints } from './coco';
import { readPoseCsv, writePoseCsv } from './csv';
import { readOpenPoseDir, writeOpenPoseDir } from './openpose';
import { readVideoPose3dNpz, writeVideoPose3dNpz } from './videopose3d';
import { readVpdPoseDir, writeVpdPoseDir } from './vpd';

export const POSE_FORMATS = ['vpd', 'alphapose', 'coco', 'openpose', 'vp3d', 'csv'] as const;
export type PoseFormat = (typeof POSE_FORMATS)[number];

export function isPoseFormat(name: string): name is PoseFormat {
  return (POSE_FORMATS as readonly string[]).includes(name);
}

export function assertPoseFormat(name: string | undefined): PoseFormat {
  if (!name || !isPoseFormat(name))
    throw new KinemaError(
      'BAD_FORMAT',
      `${name ? `Unknown pose format "${name}"` : 'A pose format is required'}; use one of ${POSE_FORMATS.join(', ')}.`,
    );
  return name;
}

/** Formats written as a folder rather than one file. */
export function isFolderFormat(format: PoseFormat): boolean {
  return format === 'vpd' || format === 'openpose';
}

/** Where `format` goes inside `dir` for a video named `name`. */
export function poseExportPath(dir: string, format: PoseFormat, name: string): string {
  switch (format) {
    case 'vpd':
      return join(dir, name);
    case 'openpose':
      return join(dir, `${name}_openpose`);
    case 'vp3d':
      return join(dir, `data_2d_custom_${name}.npz`);
    case 'csv':
      return join(dir, `${name}_poses.csv`);
    default:
      return join(dir, `${name}_${format}.json`);
  }
}

/** Reads a pose file or folder; `video` supplies what the format does not store. */
export function readPoses(format: PoseFormat, path: string, video: VideoInfo): PoseSet {
  switch (format) {
    case 'vpd':
      return readVpdPoseDir(path, { video }).poseSet;
    case 'alphapose':
      return readAlphaPoseJson(path, { video });
    case 'coco':
      return readCocoKeypoints(path, { video });
    case 'openpose':
      return readOpenPoseDir(path, { video });
    case 'csv':
      return readPoseCsv(path, { video });
    case 'vp3d': {
      const { videos } = readVideoPose3dNpz(path, { fps: video.fps });
      if (videos.length !== 1)
        throw new KinemaError(
          'BAD_POSE_FILE',
          `${basename(path)} holds ${videos.length} videos; import one at a time (found ${videos.map((v) => `${v.subject}/${v.action}`).join(', ')}).`,
        );
      return videos[0].poseSet;
    }
  }
}

/** Writes a PoseSet (atomically: staged, then renamed into place). */
export function writePoses(format: PoseFormat, set: PoseSet, path: string): void {
  switch (format) {
    case 'vpd':
      return writeVpdPoseDir(path, set);
    case 'alphapose':
      return writeAlphaPoseJson(path, set);
    case 'coco':
      return writeCocoKeypoints(path, set);
    case 'openpose':
      return writeOpenPoseDir(path, set);
    case 'csv':
      return writePoseCsv(path, set);
    case 'vp3d':
      return writeVideoPose3dNpz(path, [
        {
          name: set.video.name ?? (basename(path, extname(path)).replace(/^data_2d_custom_/, '') || 'video'),
          poseSet: set,
        },
      ]);
  }
}
