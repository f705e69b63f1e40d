import { describe, expect, it } from 'vitest';
import { KinemaError } from '../../../src/shared/errors';
import {
  lookAtCamera,
  projectPoints,
  type PinholeCamera,
  type Vec3,
} from '../../../src/shared/lifting/cameras';
import { buildTrack, type PoseTrack } from '../../../src/shared/pose';
import { computeCropBoxes } from '../../../src/shared/vpd/crops';
import {
  backdropAt,
  COCO17_BODY,
  renderPoseCrop,
  renderWindowFrames,
} from '../../../src/main/training/student/render-mocap';
import { frameBytes, packStudentFrame, type StudentInputSpec } from '../../../src/main/training/student/data';

// A person standing at the origin, facing +y (so their left is −x), z up, metres.
const STANDING: [number, number, number][] = [
  [0, 0.1, 1.65], // nose
  [-0.03, 0.08, 1.68],
  [0.03, 0.08, 1.68],
  [-0.08, 0, 1.65], // left ear
  [0.08, 0, 1.65],
  [-0.2, 0, 1.45], // left shoulder
  [0.2, 0, 1.45],
  [-0.25, 0, 1.17], // left elbow
  [0.25, 0, 1.17],
  [-0.27, 0, 0.92], // left wrist
  [0.27, 0, 0.92],
  [-0.1, 0, 0.95], // left hip
  [0.1, 0, 0.95],
  [-0.1, 0, 0.52], // left knee
  [0.1, 0, 0.52],
  [-0.1, 0, 0.08], // left ankle
  [0.1, 0, 0.08],
];
const flat = (joints: [number, number, number][], shift: Vec3 = [0, 0, 0]): Float32Array =>
  Float32Array.from(joints.flatMap((j) => [j[0] + shift[0], j[1] + shift[1], j[2] + shift[2]]));
const partIndex = (name: string): number => COCO17_BODY.findIndex((p) => p.name === name);

const FRONT = lookAtCamera([0, 5, 1], [0, 0, 1], { width: 1280, height: 720, fx: 900 });
const BEHIND = lookAtCamera([0, -5, 1], [0, 0, 1], { width: 1280, height: 720, fx: 900 });

/** A square box around the projected pose, padded by a quarter. */
function boxAround(pose: Float32Array, camera: PinholeCamera): { x: number; y: number; size: number } {
  const px = projectPoints(camera, pose).pixels;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < px.length; i += 2) {
    x0 = Math.min(x0, px[i]);
    x1 = Math.max(x1, px[i]);
    y0 = Math.min(y0, px[i + 1]);
    y1 = Math.max(y1, px[i + 1]);
  }
  const size = Math.max(x1 - x0, y1 - y0) * 1.25;
  return { x: (x0 + x1) / 2 - size / 2, y: (y0 + y1) / 2 - size / 2, size };
}

/** The crop pixel index where a world point lands. */
function pixelOf(world: Vec3, camera: PinholeCamera, box: { x: number; y: number; size: number }, S: number) {
  const [u, v] = projectPoints(camera, world).pixels;
  const cx = Math.floor(((u - box.x) / box.size) * S);
  const cy = Math.floor(((v - box.y) / box.size) * S);
  return cy * S + cx;
}

const mid = (a: number, b: number, joints = STANDING): Vec3 => [
  (joints[a][0] + joints[b][0]) / 2,
  (joints[a][1] + joints[b][1]) / 2,
  (joints[a][2] + joints[b][2]) / 2,
];

describe('renderPoseCrop', () => {
  const S = 64;
  const pose = flat(STANDING);
  const box = boxAround(pose, FRONT);
  const r = renderPoseCrop(pose, FRONT, box, S, { noise: 0, seed: 9 });

  it('draws the body where the limbs project and the backdrop away from them', () => {
    expect(r.part[pixelOf(mid(11, 13), FRONT, box, S)]).toBe(partIndex('left thigh'));
    expect(r.part[pixelOf(mid(14, 16), FRONT, box, S)]).toBe(partIndex('right shin'));
    expect(r.part[pixelOf(mid(7, 9), FRONT, box, S)]).toBe(partIndex('left forearm'));
    expect(r.part[pixelOf([0, 0.05, 1.65], FRONT, box, S)]).toBe(partIndex('head'));
    expect(r.part[pixelOf(mid(5, 12), FRONT, box, S)]).toBeGreaterThanOrEqual(0);
    // Corners and the gap between the legs are background, drawn as the backdrop.
    const step = box.size / S;
    for (const i of [0, S - 1, S * (S - 1), S * S - 1, pixelOf([0, 0, 0.3], FRONT, box, S)]) {
      expect(r.part[i]).toBe(-1);
      const u = box.x + ((i % S) + 0.5) * step;
      const v = box.y + (Math.floor(i / S) + 0.5) * step;
      expect(Math.abs(r.grey[i] - backdropAt(9, u, v, FRONT.width, FRONT.height))).toBeLessThan(8);
    }
    // Trousers are dark: the thigh stands out from the backdrop behind it.
    const thigh = pixelOf(mid(11, 13), FRONT, box, S);
    const behind = renderPoseCrop(flat(STANDING, [0, 0, 10]), FRONT, box, S, { noise: 0, seed: 9 });
    expect(behind.part[thigh]).toBe(-1);
    expect(Math.abs(r.grey[thigh] - behind.grey[thigh])).toBeGreaterThan(25);
    // About a fifth to a half of the padded box is body.
    const covered = r.part.filter((p) => p >= 0).length / (S * S);
    expect(covered).toBeGreaterThan(0.12);
    expect(covered).toBeLessThan(0.5);
  });

  it('hides a far limb behind a near one (z-buffer)', () => {
    // Left forearm held across the belly, 30 cm in front of the spine.
    const joints = STANDING.map((j) => [...j] as [number, number, number]);
    joints[7] = [-0.22, 0.25, 1.15];
    joints[9] = [0.08, 0.33, 1.12];
    const p = flat(joints);
    const onForearm: Vec3 = mid(7, 9, joints);
    const fromFront = renderPoseCrop(p, FRONT, boxAround(p, FRONT), S, { noise: 0 });
    expect(fromFront.part[pixelOf(onForearm, FRONT, boxAround(p, FRONT), S)]).toBe(partIndex('left forearm'));
    // From behind, the same point of the forearm is hidden by the torso.
    const back = boxAround(p, BEHIND);
    const fromBehind = renderPoseCrop(p, BEHIND, back, S, { noise: 0 });
    const hidden = fromBehind.part[pixelOf(onForearm, BEHIND, back, S)];
    expect(['torso', 'left flank', 'right flank']).toContain(COCO17_BODY[hidden]?.name);
  });

  it('refuses bad input with a clear message', () => {
    const bad = flat(STANDING);
    bad[7 * 3 + 1] = NaN;
    expect(() => renderPoseCrop(bad, FRONT, box, S)).toThrow(KinemaError);
    expect(() => renderPoseCrop(bad, FRONT, box, S)).toThrow(/joint 7 \(left elbow\).*not a number/);
    expect(() => renderPoseCrop(pose.subarray(0, 48), FRONT, box, S)).toThrow(/51 numbers.*got 48/);
    expect(() => renderPoseCrop(pose, FRONT, { ...box, size: 0 }, S)).toThrow(/positive size/);
    expect(() => renderPoseCrop(pose, FRONT, box, 0)).toThrow(/crop size/);
  });
});

/** A noise-free 2D track of the poses (frames × 17 × 3) seen by the camera. */
function trackOf(poses: Float32Array, frames: number, camera: PinholeCamera): PoseTrack {
  const px = projectPoints(camera, poses).pixels;
  const rows = Array.from({ length: frames }, (_, f) => ({
    frame: f,
    keypoints: Array.from({ length: 17 * 3 }, (_, i) =>
      i % 3 === 2 ? 0.9 : px[(f * 17 + Math.floor(i / 3)) * 2 + (i % 3)],
    ),
    box: [0, 0, 1, 1] as [number, number, number, number],
    score: 0.9,
  }));
  return buildTrack(0, 'coco17', rows);
}

describe('renderWindowFrames', () => {
  const spec: StudentInputSpec = { cropSize: 64, appearance: 'grey', mask: false };
  const frames = 8;
  // Walking sideways in the image: +x in the world is the FRONT camera's left (it faces −y).
  const speed = 0.08; // metres per frame (2.4 m/s)
  const poses = new Float32Array(frames * 51);
  for (let f = 0; f < frames; f++) poses.set(flat(STANDING, [speed * f, 0, 0]), f * 51);
  const track = trackOf(poses, frames, FRONT);

  it('packs crop + flow whose median on the body follows the motion', async () => {
    const out = await renderWindowFrames(
      { poses, camera: FRONT, track, fps: 30, previousPose: flat(STANDING, [-speed, 0, 0]) },
      { spec, seed: 3 },
    );
    expect(Array.from(out.frames)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out.data.length).toBe(frames * frameBytes(spec));
    const boxes = computeCropBoxes(track, { frameWidth: 1280, frameHeight: 720, fps: 30 });
    const S = spec.cropSize;
    for (const f of [1, 4, 7]) {
      // Expected: the pose's image motion in crop pixels (camera's x is world −x here).
      const u0 = projectPoints(FRONT, poses.subarray((f - 1) * 51, f * 51)).pixels;
      const u1 = projectPoints(FRONT, poses.subarray(f * 51, (f + 1) * 51)).pixels;
      let expected = 0;
      for (let j = 0; j < 17; j++) expected += (u1[j * 2] - u0[j * 2]) / 17;
      expected *= S / boxes[f].size;
      expect(expected).toBeLessThan(-1.5); // leftwards in the image, a visible step
      const body = renderPoseCrop(poses.subarray(f * 51, (f + 1) * 51), FRONT, boxes[f], S, {
        noise: 0,
      }).part;
      const fx: number[] = [];
      const fy: number[] = [];
      const base = f * frameBytes(spec);
      for (let i = 0; i < S * S; i++)
        if (body[i] >= 0) {
          fx.push((out.data[base + i * 3 + 1] - 128) / 10);
          fy.push((out.data[base + i * 3 + 2] - 128) / 10);
        }
      const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1];
      expect(median(fx)).toBeLessThan(expected * 0.7);
      expect(median(fx)).toBeGreaterThan(expected * 1.3);
      expect(Math.abs(median(fy))).toBeLessThan(0.5);
    }
    // The grey channel is the render of the frame at its box.
    const r3 = renderPoseCrop(poses.subarray(3 * 51, 4 * 51), FRONT, boxes[3], S, { seed: 3, frameSeed: 7 });
    for (let i = 0; i < S * S; i += 97) expect(out.data[3 * frameBytes(spec) + i * 3]).toBe(r3.grey[i]);
  });

  it('refuses a window whose poses and track do not fit', async () => {
    await expect(
      renderWindowFrames({ poses: poses.subarray(0, 50), camera: FRONT, track, fps: 30 }, { spec, seed: 1 }),
    ).rejects.toThrow(/frames × 17 joints × 3 numbers, got 50/);
    await expect(
      renderWindowFrames(
        { poses: poses.subarray(0, 4 * 51), camera: FRONT, track, fps: 30 },
        { spec, seed: 1 },
      ),
    ).rejects.toThrow(/outside the window's 4 poses/);
    const bad = poses.slice();
    bad[2 * 51 + 5] = Infinity;
    await expect(
      renderWindowFrames({ poses: bad, camera: FRONT, track, fps: 30 }, { spec, seed: 1 }),
    ).rejects.toThrow(KinemaError);
  });
});

describe('packStudentFrame', () => {
  it('lays out appearance, flow bytes and mask per pixel', () => {
    const spec: StudentInputSpec = { cropSize: 16, appearance: 'grey', mask: true };
    const n = 16 * 16;
    const out = new Uint8Array(2 * frameBytes(spec));
    const grey = Uint8Array.from({ length: n }, (_, i) => i % 251);
    const flow = {
      width: 16,
      height: 16,
      data: Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? -1.26 : 30)),
    };
    const mask = new Uint8Array(n).fill(255);
    packStudentFrame(spec, out, 1, grey, flow, mask);
    const base = frameBytes(spec);
    expect(Array.from(out.subarray(base + 5 * 4, base + 6 * 4))).toEqual([5, 255, 115, 255]);
    expect(out.subarray(0, base).every((v) => v === 0)).toBe(true);
    expect(() => packStudentFrame(spec, out, 0, grey, flow, null)).toThrow(/do not match/);
  });
});
