/**
 * Pose detection's pieces: the model registry, the ORT session's errors, and MoveNet's crop
 * strategy (crop geometry, resize, mapping keypoints back), checked on the sample photo.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getModel, modelInfos } from '../../../src/main/inference/models';
import {
  cropResize,
  fullFrameRegion,
  keypointsFromOutput,
  CropTracker,
  MoveNetCropRunner,
  nextCropRegion,
} from '../../../src/main/inference/movenet-video';
import { samplePersonRgb } from '../../../src/main/inference/movenet';
import { createSession } from '../../../src/main/inference/session';
import { tempDir } from '../../helpers/media';

const tmp = tempDir('movenet-video-');
afterAll(() => tmp.cleanup());

describe('model registry and sessions', () => {
  it('lists the detection models from the manifest, Lightning first, and refuses unknown ids', () => {
    expect(modelInfos()).toEqual([
      expect.objectContaining({
        id: 'movenet-lightning',
        task: 'pose2d-single',
        skeletonId: 'coco17',
        inputSize: 192,
      }),
      expect.objectContaining({
        id: 'movenet-thunder',
        task: 'pose2d-single',
        skeletonId: 'coco17',
        inputSize: 256,
      }),
      expect.objectContaining({ id: 'blazepose-full', people: ['single'] }),
      expect.objectContaining({ id: 'movenet-multipose', people: ['multi'] }),
    ]);
    expect(getModel('movenet-lightning').path).toMatch(/native-models[/\\]movenet-lightning\.onnx$/);
    expect(() => getModel('nope')).toThrow(
      /Unknown model "nope"\. Available: movenet-lightning, movenet-thunder, blazepose-full, movenet-multipose\./,
    );
  });

  it('says clearly when a model file is missing or not ONNX', async () => {
    await expect(createSession(join(tmp.dir, 'missing.onnx'))).rejects.toThrow(/Model file not found/);
    const fake = join(tmp.dir, 'fake.onnx');
    writeFileSync(fake, '<html>not a model</html>');
    await expect(createSession(fake)).rejects.toThrow(/fake\.onnx is not an ONNX model/);
  });
});

describe('MoveNet crop strategy', () => {
  it('starts from the whole frame letterboxed into a square', () => {
    expect(fullFrameRegion(640, 360)).toEqual({ x: 0, y: -140, size: 640 });
    expect(fullFrameRegion(360, 640)).toEqual({ x: -140, y: 0, size: 640 });
  });

  it('crops around the torso of the previous pose, and falls back when the torso is unseen', () => {
    const kp = new Float32Array(17 * 3);
    const set = (j: number, x: number, y: number, s: number) => kp.set([x, y, s], j * 3);
    for (let j = 0; j < 17; j++) set(j, 300, 100 + j * 8, 0.9);
    set(5, 290, 140, 0.9); // shoulders
    set(6, 310, 140, 0.9);
    set(11, 292, 200, 0.9); // hips
    set(12, 308, 200, 0.9);
    const r = nextCropRegion(kp, 640, 360);
    expect(r.x + r.size / 2).toBeCloseTo(300);
    expect(r.y + r.size / 2).toBeCloseTo(200);
    // Half-size: max(1.9 × torso 60, 1.2 × body extent 100 from the hips) = 120.
    expect(r.size).toBeCloseTo(240);
    kp[11 * 3 + 2] = kp[12 * 3 + 2] = 0.1;
    expect(nextCropRegion(kp, 640, 360)).toEqual(fullFrameRegion(640, 360));
  });

  it('resizes a region bilinearly with black outside the frame, and maps keypoints back', () => {
    const w = 4;
    const h = 2;
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 10) % 256);
    const out = new Int32Array(4 * 4 * 3);
    cropResize(rgb, w, h, { x: 0, y: 0, size: 4 }, 4, out);
    expect(Array.from(out.subarray(0, 12))).toEqual(Array.from(rgb.subarray(0, 12)));
    expect(Array.from(out.subarray(24))).toEqual(new Array(24).fill(0));
    const kp = new Float32Array(3);
    keypointsFromOutput([0.25, 0.5, 0.7], { x: 10, y: -20, size: 200 }, kp);
    expect(Array.from(kp)).toEqual([110, 30, expect.closeTo(0.7, 6)]);
  });

  it.each(['movenet-lightning', 'movenet-thunder'])(
    '%s finds the sample person in a wide frame, better once it crops to her',
    async (id) => {
      // The sample person (192 px square) on the left of a 576x324 grey frame.
      const person = await samplePersonRgb(192);
      const W = 576;
      const H = 324;
      const frame = new Uint8Array(W * H * 3).fill(128);
      const ox = 40;
      const oy = 100;
      for (let y = 0; y < 192; y++)
        for (let x = 0; x < 192; x++)
          for (let c = 0; c < 3; c++) frame[((oy + y) * W + ox + x) * 3 + c] = person[(y * 192 + x) * 3 + c];
      const model = getModel(id);
      expect(model.inputSize).toBe(id === 'movenet-thunder' ? 256 : 192);
      const { session, release } = await createSession(model.path, { threads: 1 });
      const tracker = new CropTracker({
        runner: new MoveNetCropRunner({ session, ...model, width: W, height: H }),
        width: W,
        height: H,
      });
      const mean = (kp: Float32Array) => kp.filter((_, i) => i % 3 === 2).reduce((a, b) => a + b, 0) / 17;
      const first = await tracker.estimate(frame);
      const second = await tracker.estimate(frame);
      await release();
      expect(mean(second)).toBeGreaterThan(0.5);
      expect(mean(second)).toBeGreaterThanOrEqual(mean(first) - 0.05);
      for (let j = 0; j < 17; j++) {
        if (second[j * 3 + 2] < 0.3) continue;
        expect(second[j * 3]).toBeGreaterThan(ox - 5);
        expect(second[j * 3]).toBeLessThan(ox + 197);
        expect(second[j * 3 + 1]).toBeGreaterThan(oy - 5);
        expect(second[j * 3 + 1]).toBeLessThan(oy + 197);
      }
      // Nose above the hips.
      expect(second[1]).toBeLessThan((second[11 * 3 + 1] + second[12 * 3 + 1]) / 2);
    },
  );
});
