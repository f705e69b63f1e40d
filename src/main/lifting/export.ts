/**
 * Files of lifted 3D joints (frames × 17 × 3 H36M-17, metres, pelvis-relative camera space, NaN
 * rows for frames without a pose), shared by `lift.export` and `kinema lift`:
 *   - npy: VideoPose3D's --viz-export array, float32 frames × 17 × 3;
 *   - npz: `positions_3d` (that array) and `frames` (int32 video frame of each row);
 *   - csv: frame, then x, y, z per joint (empty cells for frames without a pose);
 *   - bvh: H36M-17 hierarchy with rotations (formats/mocap/bvh-writer.ts), root translation from
 *     the estimated trajectory when there is one;
 *   - trc: the 17 joints as markers in metres, y up (x, −y, −z of camera space), plus the root
 *     trajectory when there is one, so the markers move through the scene as the athlete does;
 *     Frame# is the video frame + 1 (TRC counts from 1), Time the video frame / fps.
 */
import { extname } from 'node:path';
import { KinemaError } from '../../shared/errors';
import { getSkeleton } from '../../shared/skeletons';
import { writeNpy, writeNpz } from '../formats/npy';
import { writeFileAtomic } from '../formats/io';
import { formatH36mBvh } from '../formats/mocap/bvh-writer';
import { writeTrc } from '../formats/mocap/trc';

export const LIFT_EXPORT_FORMATS = ['npz', 'npy', 'csv', 'bvh', 'trc'] as const;
export type LiftExportFormat = (typeof LIFT_EXPORT_FORMATS)[number];

export interface LiftedJoints {
  firstFrame: number;
  /** frames × 51. */
  joints: Float32Array;
  /** frames × 3 pelvis in camera space, or null when not estimated. */
  root: Float32Array | null;
  fps: number;
}

/** The format a path's extension names, or null. */
export function liftFormatOf(path: string): LiftExportFormat | null {
  const ext = extname(path).slice(1).toLowerCase();
  return (LIFT_EXPORT_FORMATS as readonly string[]).includes(ext) ? (ext as LiftExportFormat) : null;
}

export function formatLiftCsv(data: LiftedJoints): string {
  const joints = getSkeleton('h36m17').joints;
  const frames = data.joints.length / 51;
  const lines = [['frame', ...joints.flatMap((j) => [`${j}_x`, `${j}_y`, `${j}_z`])].join(',')];
  for (let t = 0; t < frames; t++)
    lines.push(
      [
        data.firstFrame + t,
        ...Array.from(data.joints.subarray(t * 51, (t + 1) * 51), (v) =>
          Number.isFinite(v) ? v.toFixed(5) : '',
        ),
      ].join(','),
    );
  return `${lines.join('\n')}\n`;
}

/** Writes `data` to `path` in `format` (atomically). */
export function writeLiftExport(path: string, format: LiftExportFormat, data: LiftedJoints): void {
  const frames = data.joints.length / 51;
  if (!Number.isInteger(frames) || frames === 0)
    throw new KinemaError('BAD_INPUT', 'Nothing to export: the series has no frames.');
  switch (format) {
    case 'csv':
      writeFileAtomic(path, formatLiftCsv(data));
      return;
    case 'npy':
    case 'npz': {
      const npy = writeNpy({ dtype: 'float32', shape: [frames, 17, 3], data: data.joints });
      writeFileAtomic(
        path,
        format === 'npy'
          ? npy
          : writeNpz({
              positions_3d: npy,
              frames: writeNpy({
                dtype: 'int32',
                shape: [frames],
                data: Int32Array.from({ length: frames }, (_, t) => data.firstFrame + t),
              }),
            }),
      );
      return;
    }
    case 'bvh':
      writeFileAtomic(path, formatH36mBvh({ joints: data.joints, root: data.root, fps: data.fps }));
      return;
    case 'trc': {
      const positions = new Float64Array(frames * 17 * 3);
      for (let t = 0; t < frames; t++)
        for (let j = 0; j < 17; j++) {
          const o = t * 51 + j * 3;
          const r =
            data.root && Number.isFinite(data.root[t * 3]) ? data.root.subarray(t * 3, t * 3 + 3) : [0, 0, 0];
          positions[o] = data.joints[o] + r[0];
          positions[o + 1] = -(data.joints[o + 1] + r[1]);
          positions[o + 2] = -(data.joints[o + 2] + r[2]);
        }
      writeTrc(
        path,
        {
          rate: data.fps,
          cameraRate: data.fps,
          units: 'm',
          markers: [...getSkeleton('h36m17').joints],
          frameNumbers: Int32Array.from({ length: frames }, (_, t) => data.firstFrame + t + 1),
          times: Float64Array.from({ length: frames }, (_, t) => (data.firstFrame + t) / data.fps),
          positions,
        },
        { units: 'm' },
      );
      return;
    }
  }
}
