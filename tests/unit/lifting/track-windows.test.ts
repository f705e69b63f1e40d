/**
 * Real 2D tracks as unlabelled windows (semi-supervised training on footage): a track's stretches
 * (lifting/unlabeled-tracks.ts) and the windows cut from them (shared/lifting/track-windows.ts).
 * The decisive check: projecting a known 3D pose with the windows' intrinsics gives back the
 * observed 2D, which is what the back-projection loss relies on.
 */
import { describe, expect, it } from 'vitest';
import { unlabeledSegments } from '../../../src/main/lifting/unlabeled-tracks';
import { lookAtCamera, projectPoints } from '../../../src/shared/lifting/cameras';
import { TrackWindowSampler } from '../../../src/shared/lifting/track-windows';
import { H36M17_SWAP_PAIRS } from '../../../src/shared/lifting/flip';
import type { PoseTrack } from '../../../src/shared/pose/track';
import { syntheticWalker } from './synthetic';

const W = 1280;
const H = 720;
const FOCAL = 1.2 * W; // what the lift job assumes (ROOT_FOCAL_OVER_WIDTH)

/** A walker filmed by a camera with the assumed intrinsics: COCO-17 track at `fps`, and its camera-space H36M. */
function filmedWalker(frames: number, fps: number) {
  const seq = syntheticWalker({ frames, fps, speed: 1.1 });
  const cam = lookAtCamera([1, -5, 1.1], [1, 0, 1], { width: W, height: H, fx: FOCAL });
  const coco = projectPoints(cam, seq.coco).pixels;
  const h36m = projectPoints(cam, seq.h36m);
  const keypoints = new Float32Array(frames * 17 * 3);
  for (let i = 0; i < frames * 17; i++) {
    keypoints[i * 3] = coco[i * 2];
    keypoints[i * 3 + 1] = coco[i * 2 + 1];
    keypoints[i * 3 + 2] = 0.9;
  }
  const track: PoseTrack = {
    trackId: 3,
    skeletonId: 'coco17',
    frames: Int32Array.from({ length: frames }, (_, i) => i),
    keypoints,
    boxes: new Float32Array(frames * 4),
    scores: new Float32Array(frames).fill(0.9),
  };
  return { track, cameraM: h36m.cameraM, pixels: h36m.pixels };
}

/** The track without frames [from, to). */
function withGap(track: PoseTrack, from: number, to: number): PoseTrack {
  const keep = Array.from(track.frames).flatMap((f, i) => (f < from || f >= to ? [i] : []));
  const pick = (a: Float32Array, w: number) =>
    Float32Array.from(keep.flatMap((i) => Array.from(a.subarray(i * w, (i + 1) * w))));
  return {
    ...track,
    frames: Int32Array.from(keep, (i) => track.frames[i]),
    keypoints: pick(track.keypoints, 51),
    boxes: pick(track.boxes, 4),
    scores: pick(track.scores, 1),
  };
}

const video = { width: W, height: H, fps: 25, name: 'walk.mp4' };

describe('unlabelled stretches of a pose track', () => {
  it('resamples to the lifter rate, splits at long gaps, drops short stretches and sparse frames', () => {
    const { track } = filmedWalker(100, 25);
    const whole = unlabeledSegments(track, video, 7, 50);
    expect(whole).toHaveLength(1);
    expect(whole[0].pointsPx.length / 34).toBe(199); // 100 frames at 25 fps → 199 at 50 fps
    expect(whole[0].focalPx).toBeCloseTo(FOCAL);
    expect(whole[0].id).toBe('walk.mp4 run 7 track 3 frames 0–99');
    // A 3-frame gap (0.12 s) is filled; a 10-frame gap (0.4 s) splits; 5 frames (0.2 s) are too short.
    expect(unlabeledSegments(withGap(track, 40, 43), video, 7, 50)).toHaveLength(1);
    const split = unlabeledSegments(withGap(withGap(track, 40, 50), 55, 95), video, 7, 50);
    expect(split.map((s) => s.id)).toEqual(['walk.mp4 run 7 track 3 frames 0–39']);
    // Frames with fewer than 8 confident keypoints do not count as posed.
    const sparse = { ...track, keypoints: track.keypoints.slice() };
    for (let f = 20; f < 100; f++) for (let j = 0; j < 12; j++) sparse.keypoints[(f * 17 + j) * 3 + 2] = 0.1;
    expect(unlabeledSegments(sparse, video, 7, 50).map((s) => s.id)).toEqual([
      'walk.mp4 run 7 track 3 frames 0–19',
    ]);
    expect(() => unlabeledSegments({ ...track, skeletonId: 'halpe26' as never }, video, 7, 50)).toThrow(
      /COCO-17 or H36M-17/,
    );
  });
});

describe('windows of real tracks', () => {
  const { track, cameraM, pixels } = filmedWalker(60, 50);
  const segs = unlabeledSegments(track, { ...video, fps: 50 }, 1, 50);
  const rf = 27;
  const B = 4;
  const idx = [0, 10, 30, 59];
  const buffers = () => ({
    input: new Float32Array(B * rf * 34),
    target: new Float32Array(B * 51).fill(7),
    extras: {
      cameraNormalized: new Float32Array(B * rf * 34),
      center2d: new Float32Array(B * 34),
      intrinsics: new Float32Array(B * 6),
    },
  });

  it('give 2D that the assumed camera reprojects exactly, and no 3D target', () => {
    const s = new TrackWindowSampler(segs, {
      receptiveField: rf,
      inputNormalization: 'pose',
      flipProbability: 0,
    });
    expect(s.windowCount).toBe(60);
    const b = buffers();
    s.fill(idx, 1, b.input, b.target, b.extras);
    expect(b.target.every((v) => v === 0)).toBe(true);
    idx.forEach((f, k) => {
      const [fx, fy, cx, cy] = b.extras.intrinsics.subarray(k * 6, k * 6 + 4);
      // Joints that are COCO points themselves, and the pelvis (mid-hips in both).
      for (const j of [0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]) {
        const [X, Y, Z] = cameraM.subarray((f * 17 + j) * 3, (f * 17 + j) * 3 + 3);
        expect(fx * (X / Z) + cx).toBeCloseTo(b.extras.center2d[k * 34 + j * 2], 2);
        expect(fy * (Y / Z) + cy).toBeCloseTo(b.extras.center2d[k * 34 + j * 2 + 1], 2);
        // Camera-normalised rays of the middle frame are X/Z, Y/Z.
        const mid = (k * rf + (rf - 1) / 2) * 34 + j * 2;
        expect(b.extras.cameraNormalized[mid]).toBeCloseTo(X / Z, 3);
        expect(b.extras.cameraNormalized[mid + 1]).toBeCloseTo(Y / Z, 3);
      }
      // Screen-normalised: u = 2x/w − 1 of the pixel position.
      expect(b.extras.center2d[k * 34 + 2]).toBeCloseTo((2 * pixels[(f * 17 + 1) * 2]) / W - 1, 2);
    });
    // Pose-normalised input: each frame centred on the pelvis.
    expect(b.input[0]).toBeCloseTo(0, 5);
    expect(() => s.fill(idx, 1, b.input, b.target, { root: new Float32Array(B * 3) })).toThrow(/no 3D root/);
  });

  it('mirror the image when flipped: x negated, left and right swapped', () => {
    const plain = buffers();
    const flipped = buffers();
    const opts = { receptiveField: rf, inputNormalization: 'pose' as const };
    new TrackWindowSampler(segs, { ...opts, flipProbability: 0 }).fill(
      idx,
      1,
      plain.input,
      plain.target,
      plain.extras,
    );
    new TrackWindowSampler(segs, { ...opts, flipProbability: 1 }).fill(
      idx,
      1,
      flipped.input,
      flipped.target,
      flipped.extras,
    );
    const [l, r] = H36M17_SWAP_PAIRS[0];
    expect(flipped.extras.center2d[l * 2]).toBeCloseTo(-plain.extras.center2d[r * 2], 5);
    expect(flipped.extras.center2d[l * 2 + 1]).toBeCloseTo(plain.extras.center2d[r * 2 + 1], 5);
    expect(flipped.extras.intrinsics[2]).toBeCloseTo(-plain.extras.intrinsics[2], 6);
  });

  it('refuse unfilled points and wrong buffer sizes', () => {
    const bad = { ...segs[0], pointsPx: segs[0].pointsPx.slice() };
    bad.pointsPx[5] = NaN;
    const o = { receptiveField: rf, inputNormalization: 'pose' as const, flipProbability: 0 };
    expect(() => new TrackWindowSampler([bad], o)).toThrow(/finite/);
    expect(() => new TrackWindowSampler([], o)).toThrow(/No unlabelled tracks/);
    const s = new TrackWindowSampler(segs, o);
    expect(() => s.fill([0], 1, new Float32Array(10), new Float32Array(51))).toThrow(/buffer sizes/);
  });
});
