/**
 * The video posers the detect job runs, each on frames made from the sample photo's standing
 * person (@vladmandic/human's assets/samples.jpg): BlazePose (detector ROI, landmark tracking,
 * stored as COCO-17 + feet), MoveNet MultiPose (everyone, tracked), and a user's top-down model
 * (a constant-heatmap ONNX built here) behind CenterNet's person box.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roiFromAlignment, roiToFrame } from '../../../src/main/inference/blazepose-video';
import { clearRegisteredByoModels } from '../../../src/main/inference/byo/registry';
import { getModel, registerByoModel } from '../../../src/main/inference/models';
import { samplePersonRgb } from '../../../src/main/inference/movenet';
import { openPoser, type PosedPerson } from '../../../src/main/inference/video-posers';
import { COCO17_FEET_JOINTS } from '../../../src/shared/skeletons';
import { blobs, constantModel } from '../../helpers/byo-models';

const W = 640;
const H = 480;
const S = 300;
const dir = mkdtempSync(join(tmpdir(), 'kinema-posers-'));
afterAll(() => {
  clearRegisteredByoModels();
  rmSync(dir, { recursive: true, force: true });
});

/** A grey frame with the sample person (S × S) at each x offset, top at y = 100; `turned`: lying, head right. */
async function frameWith(xs: number[], turned = false): Promise<Uint8Array> {
  const person = await samplePersonRgb(S);
  const rgb = new Uint8Array(W * H * 3).fill(90);
  for (const x0 of xs)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const sx = turned ? y : x;
        const sy = turned ? S - 1 - x : y;
        for (let c = 0; c < 3; c++) rgb[((y + 100) * W + x + x0) * 3 + c] = person[(sy * S + sx) * 3 + c];
      }
  return rgb;
}

const joint = (p: PosedPerson, name: string) => {
  const j = (COCO17_FEET_JOINTS as readonly string[]).indexOf(name);
  return { x: p.keypoints[j * 3], y: p.keypoints[j * 3 + 1], score: p.keypoints[j * 3 + 2] };
};

describe('BlazePose ROI geometry', () => {
  it('puts the body point straight up in the ROI, whatever the body direction', () => {
    // Upright: body point above the hip → no rotation; the ROI top is towards the head.
    const up = roiFromAlignment(100, 200, 100, 120);
    expect(up.rotation).toBeCloseTo(0, 6);
    expect(up.size).toBeCloseTo(2 * 80 * 1.25, 6);
    const [tx, ty] = roiToFrame(up, 0.5, 0);
    expect([tx, ty]).toEqual([expect.closeTo(100, 6), expect.closeTo(100, 6)]);
    // Lying with the head to the right: the ROI's top maps to the right of the hip.
    const right = roiFromAlignment(100, 200, 180, 200);
    expect(right.rotation).toBeCloseTo(Math.PI / 2, 6);
    const [rx, ry] = roiToFrame(right, 0.5, 0);
    expect([rx, ry]).toEqual([expect.closeTo(200, 6), expect.closeTo(200, 6)]);
    // Upside down: ±π.
    expect(Math.abs(roiFromAlignment(100, 200, 100, 280).rotation)).toBeCloseTo(Math.PI, 6);
  });
});

describe('BlazePose poser (one athlete, COCO-17 + feet)', () => {
  it('finds the person once with the detector, then tracks with the landmarks; feet below ankles', async () => {
    const poser = await openPoser(getModel('blazepose-full'), {
      people: 'single',
      width: W,
      height: H,
      threads: 1,
      minPoseScore: 0.2,
    });
    expect(poser.skeletonId).toBe('coco17-feet');
    const frame = await frameWith([200]);
    const poses: PosedPerson[] = [];
    for (let f = 0; f < 3; f++) poses.push(...(await poser.estimate(f, frame)));
    const stats = poser.stats();
    await poser.release();
    expect(poses).toHaveLength(3);
    expect(stats.detectorRuns).toBe(1);
    expect(stats.inferences).toBe(3);
    const p = poses[2];
    expect(p.trackId).toBe(0);
    expect(p.keypoints).toHaveLength(23 * 3);
    // Inside the person's picture, head above hips above ankles, heels and toes at the ankles' level or below.
    for (let j = 0; j < 23; j++) {
      if ((COCO17_FEET_JOINTS[j] as string).includes('small_toe')) continue; // BlazePose has none
      expect(p.keypoints[j * 3]).toBeGreaterThan(195);
      expect(p.keypoints[j * 3]).toBeLessThan(505);
      expect(p.keypoints[j * 3 + 1]).toBeGreaterThan(95);
      expect(p.keypoints[j * 3 + 1]).toBeLessThan(405);
    }
    expect(joint(p, 'nose').y).toBeLessThan(joint(p, 'left_hip').y - 60);
    expect(joint(p, 'left_hip').y).toBeLessThan(joint(p, 'left_ankle').y - 60);
    for (const side of ['left', 'right']) {
      expect(joint(p, `${side}_heel`).score).toBeGreaterThan(0.5);
      expect(joint(p, `${side}_big_toe`).score).toBeGreaterThan(0.5);
      expect(joint(p, `${side}_heel`).y).toBeGreaterThan(joint(p, `${side}_ankle`).y - 5);
      expect(joint(p, `${side}_big_toe`).y).toBeGreaterThan(joint(p, `${side}_ankle`).y);
    }
  });

  it('follows a person lying down (rotated ROI): head to the right of the hips, feet to the left', async () => {
    const poser = await openPoser(getModel('blazepose-full'), {
      people: 'single',
      width: W,
      height: H,
      threads: 1,
      minPoseScore: 0.2,
    });
    const frame = await frameWith([200], true);
    let last: PosedPerson | undefined;
    for (let f = 0; f < 3; f++) last = (await poser.estimate(f, frame))[0] ?? last;
    await poser.release();
    expect(last).toBeDefined();
    const p = last as PosedPerson;
    expect(joint(p, 'nose').x).toBeGreaterThan(joint(p, 'left_hip').x + 60);
    expect(joint(p, 'left_ankle').x).toBeLessThan(joint(p, 'left_hip').x - 60);
    expect(Math.abs(joint(p, 'nose').y - joint(p, 'left_ankle').y)).toBeLessThan(80);
  });

  it('is refused for everyone in the frame', async () => {
    await expect(
      openPoser(getModel('blazepose-full'), {
        people: 'multi',
        width: W,
        height: H,
        threads: 1,
        minPoseScore: 0.2,
      }),
    ).rejects.toThrow(/one person only; choose "one athlete"/);
  });
});

describe('MultiPose poser (everyone)', () => {
  it('finds two people in one run per frame and keeps each on its own track', async () => {
    const poser = await openPoser(getModel('movenet-multipose'), {
      people: 'multi',
      width: W,
      height: H,
      threads: 1,
      minPoseScore: 0.2,
    });
    const frame = await frameWith([10, 330]);
    const byFrame: PosedPerson[][] = [];
    for (let f = 0; f < 6; f++) byFrame.push(await poser.estimate(f, frame));
    const stats = poser.stats();
    await poser.release();
    expect(stats.inferences).toBe(6);
    const last = byFrame[5];
    expect(last).toHaveLength(2);
    expect(last.every((p) => p.confirmed)).toBe(true);
    const left = last.find((p) => p.box[0] + p.box[2] / 2 < W / 2) as PosedPerson;
    const right = last.find((p) => p.box[0] + p.box[2] / 2 > W / 2) as PosedPerson;
    expect(left.trackId).not.toBe(right.trackId);
    // Each pose lies in its own person's picture.
    expect(left.box[0]).toBeGreaterThan(5);
    expect(left.box[0] + left.box[2]).toBeLessThan(315);
    expect(right.box[0]).toBeGreaterThan(325);
    // The same ids every frame once confirmed.
    for (const poses of byFrame.slice(3))
      for (const p of poses) expect([left.trackId, right.trackId]).toContain(p.trackId);
  });

  it('is refused for one athlete', async () => {
    await expect(
      openPoser(getModel('movenet-multipose'), {
        people: 'single',
        width: W,
        height: H,
        threads: 1,
        minPoseScore: 0.2,
      }),
    ).rejects.toThrow(/everyone in the frame; choose "everyone"/);
  });
});

describe("a user's top-down model in the detect pipeline", () => {
  // Constant heatmaps: every keypoint at the same place of the model's crop, so what is checked is
  // the pipeline around it (CenterNet's box, the crop, the mapping back, track ids).
  const K = 17;
  const hm = { h: 64, w: 48 };
  const at = Array.from({ length: K }, (_, j): [number, number] => [12 + (j % 5) * 6, 8 + j * 3]);
  constantModel(dir, 'const-hrnet.onnx', { name: 'input', shape: [1, 3, 256, 192] }, [
    { name: 'heatmaps', shape: [1, K, hm.h, hm.w], data: blobs(hm.h, hm.w, at, new Array(K).fill(0.9)) },
  ]);
  const descriptorPath = join(dir, 'const-hrnet.json');
  writeFileSync(
    descriptorPath,
    JSON.stringify({
      id: 'const-hrnet',
      name: 'Constant HRNet',
      file: 'const-hrnet.onnx',
      kind: 'heatmap',
      input: {
        width: 192,
        height: 256,
        layout: 'NCHW',
        dtype: 'float32',
        channelOrder: 'RGB',
        mean: [123.675, 116.28, 103.53],
        std: [58.395, 57.12, 57.375],
      },
      output: {},
      keypointCount: K,
    }),
  );

  it('runs for one athlete (CenterNet box first) and for everyone, keypoints inside the person', async () => {
    registerByoModel(descriptorPath);
    const model = getModel('const-hrnet');
    expect(model.people).toEqual(['single', 'multi']);
    const frame = await frameWith([200]);
    for (const people of ['single', 'multi'] as const) {
      const poser = await openPoser(model, { people, width: W, height: H, threads: 1, minPoseScore: 0.2 });
      const poses: PosedPerson[][] = [];
      for (let f = 0; f < 4; f++) poses.push(await poser.estimate(f, frame));
      const stats = poser.stats();
      await poser.release();
      expect(stats.detectorRuns).toBeGreaterThanOrEqual(1);
      const first = poses[0][0];
      expect(first, people).toBeDefined();
      if (people === 'single') expect(poses.every((p) => p.length === 1 && p[0].trackId === 0)).toBe(true);
      for (let j = 0; j < K; j++) {
        expect(first.keypoints[j * 3]).toBeGreaterThan(150);
        expect(first.keypoints[j * 3]).toBeLessThan(550);
        expect(first.keypoints[j * 3 + 1]).toBeGreaterThan(50);
        expect(first.keypoints[j * 3 + 1]).toBeLessThan(450);
        expect(first.keypoints[j * 3 + 2]).toBeCloseTo(0.9, 1);
      }
    }
  });
});
