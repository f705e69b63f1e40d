/**
 * Multi-person MoveNet (inference/multi-person.ts): crops from boxes, the person detector's entry
 * in the manifest, and the estimator on frames with two copies of the sample person walking
 * towards each other (apart: the crossing is covered by the integration test on a real video).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDetectorPath, getModel } from '../../../src/main/inference/models';
import { samplePersonRgb } from '../../../src/main/inference/movenet';
import { MoveNetCropRunner } from '../../../src/main/inference/movenet-video';
import { MultiPersonEstimator, regionFromBox } from '../../../src/main/inference/multi-person';
import { createSession, type ModelSession } from '../../../src/main/inference/session';

describe('multi-person pieces', () => {
  it('crops a padded square centred on a box', () => {
    expect(regionFromBox([100, 50, 40, 80], 1.25)).toEqual({ x: 70, y: 40, size: 100 });
  });

  it('finds the person detector under the manifest detectors', () => {
    expect(getDetectorPath()).toMatch(/native-models[/\\]centernet\.onnx$/);
    expect(() => getDetectorPath('yolo')).toThrow(/"yolo" is not in the model manifest/);
  });
});

describe('MultiPersonEstimator', () => {
  let movenet: ModelSession;
  let centernet: ModelSession;
  beforeAll(async () => {
    movenet = await createSession(getModel('movenet-lightning').path, { threads: 1 });
    centernet = await createSession(getDetectorPath(), { threads: 1 });
  });
  afterAll(async () => {
    await movenet?.release();
    await centernet?.release();
  });

  it('tracks two people apart as two confirmed tracks with stable ids', async () => {
    const S = 192;
    const person = await samplePersonRgb(S);
    const W = 640;
    const H = 360;
    const frame = (xs: number[]) => {
      const rgb = new Uint8Array(W * H * 3).fill(128);
      for (const x0 of xs)
        for (let y = 0; y < S; y++)
          for (let x = 0; x < S; x++)
            for (let c = 0; c < 3; c++) rgb[((y + 80) * W + x + x0) * 3 + c] = person[(y * S + x) * 3 + c];
      return rgb;
    };
    const model = getModel('movenet-lightning');
    const est = new MultiPersonEstimator({
      runner: new MoveNetCropRunner({
        session: movenet,
        inputName: model.inputName,
        outputName: model.outputName,
        inputSize: model.inputSize,
        width: W,
        height: H,
      }),
      detector: centernet,
      width: W,
      height: H,
      minPoseScore: 0.2,
    });
    const ids: number[][] = [];
    for (let f = 0; f < 20; f++) {
      const xs = [20 + 4 * f, 420 - 4 * f];
      const { detections, assignments } = await est.estimate(f, frame(xs));
      // Each person's id, by whose picture holds the pose's box centre.
      const row = [-1, -1];
      detections.forEach((d, i) => {
        const cx = d.box[0] + d.box[2] / 2;
        const who = xs.findIndex((x) => cx > x && cx < x + S);
        if (who >= 0) row[who] = assignments[i].trackId;
      });
      ids.push(row);
    }
    expect(ids.every((r) => r[0] === ids[0][0] && r[1] === ids[0][1])).toBe(true);
    expect(ids[0][0]).not.toBe(ids[0][1]);
    expect(ids[0][0]).toBeGreaterThanOrEqual(0);
    // The detector ran on the first frame and every 10th, not on every frame.
    expect(est.detectorRuns).toBe(2);
    const tracks = est.tracker.finish();
    expect(tracks.map((t) => t.frames.length)).toEqual([20, 20]);
  });
});
