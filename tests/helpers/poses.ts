/**
 * Synthetic pose data for format tests: made on the spot, no fixtures.
 */
import { expect } from 'vitest';
import { buildTrack, type PoseRow, type PoseSet, type PoseTrack } from '../../src/shared/pose';
import { getSkeleton, type SkeletonId } from '../../src/shared/skeletons';

/** A person walking right: joint j of frame f at a deterministic, non-round position. */
export function syntheticRow(frame: number, trackId: number, skeletonId: SkeletonId = 'coco17'): PoseRow {
  const k = getSkeleton(skeletonId).joints.length;
  const keypoints = new Float32Array(k * 3);
  const x0 = 100 + trackId * 400 + frame * 3.25;
  const y0 = 120 + trackId * 10;
  for (let j = 0; j < k; j++) {
    keypoints[j * 3] = x0 + (j % 5) * 11.5 + 0.125 * trackId;
    keypoints[j * 3 + 1] = y0 + j * 17.75 + (frame % 3) * 0.5;
    keypoints[j * 3 + 2] = 0.3 + ((j * 7 + frame + trackId) % 10) * 0.07;
  }
  return {
    frame,
    keypoints,
    box: [x0 - 10.5, y0 - 20, 80.25, 320.5],
    score: 0.5 + ((frame + trackId) % 5) * 0.1,
  };
}

/**
 * Two tracks over 20 frames with gaps: track 0 (the main athlete, 16 frames) misses frames 5-7
 * and 12; track 1 (8 frames) appears at frames 2-4 and 10-14.
 */
export function syntheticPoseSet(skeletonId: SkeletonId = 'coco17'): PoseSet {
  const main = Array.from({ length: 20 }, (_, f) => f).filter((f) => ![5, 6, 7, 12].includes(f));
  const other = [2, 3, 4, 10, 11, 12, 13, 14];
  return {
    video: { width: 1280, height: 720, fps: 25, frameCount: 20, name: 'clip' },
    tracks: [
      buildTrack(
        0,
        skeletonId,
        main.map((f) => syntheticRow(f, 0, skeletonId)),
      ),
      buildTrack(
        1,
        skeletonId,
        other.map((f) => syntheticRow(f, 1, skeletonId)),
      ),
    ],
    provenance: { model: 'synthetic', params: { seed: 1 } },
  };
}

function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol) {
      throw new Error(`${what}[${i}]: ${actual[i]} differs from ${expected[i]} by more than ${tol}`);
    }
  }
}

/** Compares tracks field by field within `tol`; `parts` picks what the format stores. */
export function expectTracksClose(
  actual: PoseTrack,
  expected: PoseTrack,
  parts: { boxes?: boolean; scores?: boolean } = {},
  tol = 1e-4,
): void {
  expect(actual.trackId).toBe(expected.trackId);
  expect(actual.skeletonId).toBe(expected.skeletonId);
  expect(Array.from(actual.frames)).toEqual(Array.from(expected.frames));
  expectClose(actual.keypoints, expected.keypoints, tol, `track ${expected.trackId} keypoints`);
  if (parts.boxes !== false)
    expectClose(actual.boxes, expected.boxes, tol, `track ${expected.trackId} boxes`);
  if (parts.scores !== false)
    expectClose(actual.scores, expected.scores, tol, `track ${expected.trackId} scores`);
}

export function expectPoseSetsClose(
  actual: PoseSet,
  expected: PoseSet,
  parts: { boxes?: boolean; scores?: boolean } = {},
): void {
  expect(actual.tracks.map((t) => t.trackId)).toEqual(expected.tracks.map((t) => t.trackId));
  expected.tracks.forEach((t, i) => expectTracksClose(actual.tracks[i], t, parts));
}
