// CenterNet person detector: the TopKV2 mapping it needed, its conversion (ORT vs TF.js), the
// committed ONNX file and manifest entry, and person boxes on the sample photo.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  CENTERNET_SIZE,
  convertCenterNet,
  detectPeople,
  iou,
  nms,
  personBoxes,
  resizeRgbToFloat,
  samplePhotoRgb,
  verifyCenterNet,
} from '../../../src/main/inference/centernet';
import { convertTfjsGraphModelFile } from '../../../src/main/inference/onnx/convert';
import { createSession } from '../../../src/main/inference/session';
import { loadTfjsReference } from '../../../src/main/inference/tfjs-graph/tfjs-runner';

const dir = mkdtempSync(path.join(tmpdir(), 'kinema-centernet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const modelsDir = path.join(import.meta.dirname, '../../../native-models');

interface DetectorEntry {
  id: string;
  file: string;
  task: string;
  sha256: string;
  bytes: number;
  input: { name: string; shape: number[] };
  outputs: { name: string; shape: number[] }[];
  verification: {
    maxAbsDiffRandomInput: Record<string, number>;
    maxAbsDiffSamplePhoto: Record<string, number>;
  };
}

function manifestEntry(): DetectorEntry | undefined {
  const m = JSON.parse(readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')) as {
    detectors?: DetectorEntry[];
  };
  return m.detectors?.find((d) => d.id === 'centernet');
}

describe('TopKV2 mapping', () => {
  it('values and int32 indices match TF.js, ties included', async () => {
    const folder = mkdtempSync(path.join(dir, 'topk-'));
    const data = Float32Array.from([0.5, 2, -1, 2, 7, 0, 0, 0.5, 3, 3, -2, 9, 1, 1, 1, 1, 0, 4]);
    const k = Int32Array.of(4);
    writeFileSync(path.join(folder, 'w.bin'), new Uint8Array(k.buffer));
    const t = (s: string) => ({ type: s });
    const nodes = [
      {
        name: 'x',
        op: 'Placeholder',
        attr: { dtype: t('DT_FLOAT'), shape: { shape: { dim: [{ size: '2' }, { size: '9' }] } } },
      },
      { name: 'k', op: 'Const', attr: { dtype: t('DT_INT32') } },
      { name: 'top', op: 'TopKV2', input: ['x', 'k'], attr: { T: t('DT_FLOAT'), sorted: { b: true } } },
      { name: 'values', op: 'Identity', input: ['top'], attr: { T: t('DT_FLOAT') } },
      { name: 'indices', op: 'Identity', input: ['top:1'], attr: { T: t('DT_INT32') } },
    ];
    const json = {
      format: 'graph-model',
      modelTopology: { node: nodes, versions: {} },
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [], dtype: 'int32' }] }],
    };
    const file = path.join(folder, 'model.json');
    writeFileSync(file, JSON.stringify(json));

    const conv = await convertTfjsGraphModelFile(file);
    expect(conv.onnxOps.TopK).toBe(1);
    const session = await ort.InferenceSession.create(conv.bytes);
    const got = await session.run({ x: new ort.Tensor('float32', data, [2, 9]) });
    await session.release();
    const ref = await loadTfjsReference(file);
    const want = await ref.run({ x: { dtype: 'float32', shape: [2, 9], data } });

    expect(got.indices.type).toBe('int32');
    expect(got.values.dims).toEqual([2, 4]);
    expect(Array.from(got.values.data as Float32Array)).toEqual(Array.from(want.values.data));
    expect(Array.from(got.indices.data as Int32Array)).toEqual(Array.from(want.indices.data));
    expect(Array.from(got.indices.data as Int32Array)).toEqual([4, 8, 1, 3, 2, 8, 0, 3]);
  });
});

describe('person boxes from detections', () => {
  it('iou and greedy NMS', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    const kept = nms(
      [
        { xyxy: [0, 0, 10, 10], score: 0.5 },
        { xyxy: [1, 1, 11, 11], score: 0.9 },
        { xyxy: [50, 50, 60, 60], score: 0.4 },
      ],
      0.4,
    );
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.4]);
  });

  it('keeps confident persons only, maps 512-px boxes to source pixels and clips them', () => {
    // x1, y1, x2, y2, score, class (0 = person)
    const det = Float32Array.from([
      ...[128, 0, 256, 256, 0.9, 0], // person
      ...[130, 2, 258, 250, 0.6, 0], // same person, lower score: suppressed
      ...[-20, 300, 100, 600, 0.5, 0], // person past the edges: clipped
      ...[300, 300, 400, 400, 0.95, 2], // a car
      ...[400, 0, 500, 100, 0.1, 0], // person below the threshold
    ]);
    const boxes = personBoxes(det, 1024, 256);
    expect(boxes).toHaveLength(2);
    expect(boxes[0].score).toBeCloseTo(0.9);
    expect(boxes[0].box).toEqual([256, 0, 256, 128]);
    expect(boxes[1].box).toEqual([0, 150, 200, 106]);
  });

  it('bilinear resize keeps a flat image flat and samples pixel centres', () => {
    const rgb = new Uint8Array(4 * 2 * 3).fill(100);
    expect(new Set(resizeRgbToFloat(rgb, 4, 2, 8))).toEqual(new Set([100]));
    // 2x1 black|white scaled to 4x... the left quarter stays black, the right quarter white.
    const bw = Uint8Array.from([0, 0, 0, 255, 255, 255]);
    const out = resizeRgbToFloat(bw, 2, 1, 4);
    expect([out[0], out[3 * 3]]).toEqual([0, 255]);
    expect(out[3]).toBeCloseTo(63.75);
  });
});

describe('CenterNet: TF.js graph model -> ONNX', () => {
  it('converts to the committed file, and ORT matches TF.js on a random input and on a photo', async () => {
    const result = await convertCenterNet();
    expect(result.inputs).toEqual([{ name: 'tower_0/images', dtype: 'float32', shape: [1, 512, 512, 3] }]);
    expect(result.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['tower_0/wh', [1, 128, 128, 4]],
      ['tower_0/keypoints', [1, 128, 128, 80]],
      ['tower_0/detections', [1, 100, 6]],
    ]);
    expect(result.tfOps.TopKV2).toBe(1);

    // The committed model is exactly what the converter produces now (rebuild: scripts/build-models.ts).
    const entry = manifestEntry();
    const sha = createHash('sha256').update(result.bytes).digest('hex');
    expect(entry?.sha256).toBe(sha);
    expect(entry?.bytes).toBe(result.bytes.length);
    expect(result.bytes.length).toBeLessThan(20e6);
    const committed = readFileSync(path.join(modelsDir, 'centernet.onnx'));
    expect(createHash('sha256').update(committed).digest('hex')).toBe(sha);

    const v = await verifyCenterNet(result.bytes);
    console.log(
      `centernet: max |ORT - TF.js| random ${JSON.stringify(v.random)}, photo ${JSON.stringify(v.photo)}`,
    );
    // The decoded detections and the heatmap match to 1e-3; wh is in input pixels (values to
    // ~225), where float32 accumulation order leaves ~1e-3 absolute, ~1e-5 relative.
    expect(v.detectionsMaxAbsDiff).toBeLessThan(1e-3);
    expect(Math.max(v.random['tower_0/keypoints'], v.photo['tower_0/keypoints'])).toBeLessThan(1e-5);
    expect(Math.max(v.random['tower_0/wh'], v.photo['tower_0/wh'])).toBeLessThan(
      1e-5 * v.photoMaxAbs['tower_0/wh'],
    );
    // Same people from both runtimes.
    expect(v.photoPeopleOnnx.length).toBe(v.photoPeopleTfjs.length);
    v.photoPeopleOnnx.forEach((p, i) => {
      const q = v.photoPeopleTfjs[i];
      p.box.forEach((c, k) => expect(Math.abs(c - q.box[k])).toBeLessThan(0.01));
      expect(Math.abs(p.score - q.score)).toBeLessThan(1e-4);
    });
  }, 120_000);

  it('detectPeople finds several people inside the sample photo (a grid of people photos)', async () => {
    const { rgb, width, height } = await samplePhotoRgb();
    const session = await createSession(path.join(modelsDir, 'centernet.onnx'));
    try {
      expect(session.session.inputNames).toEqual(['tower_0/images']);
      const people = await detectPeople(session, rgb, width, height);
      console.log(
        `centernet on samples.jpg (${width}x${height}): ${people.length} people`,
        people.map((p) => `${p.box.map(Math.round).join(',')} @${p.score.toFixed(2)}`).join('; '),
      );
      // The photo shows a dozen people in its main picture and one or two in most thumbnails; at
      // score >= 0.3 CenterNet finds 7 of them (with boxes checked by eye).
      expect(people.length).toBeGreaterThanOrEqual(4);
      expect(people.length).toBeLessThanOrEqual(30);
      for (const p of people) {
        const [x, y, w, h] = p.box;
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(w).toBeGreaterThan(10);
        expect(h).toBeGreaterThan(10);
        expect(x + w).toBeLessThanOrEqual(width);
        expect(y + h).toBeLessThanOrEqual(height);
        expect(p.score).toBeGreaterThanOrEqual(0.3);
      }
      // Scores come sorted, and no two kept boxes overlap much (NMS).
      for (let i = 1; i < people.length; i++)
        expect(people[i].score).toBeLessThanOrEqual(people[i - 1].score);
      const xyxy = people.map((p) => [p.box[0], p.box[1], p.box[0] + p.box[2], p.box[1] + p.box[3]]);
      for (let i = 0; i < xyxy.length; i++)
        for (let j = i + 1; j < xyxy.length; j++) expect(iou(xyxy[i], xyxy[j])).toBeLessThanOrEqual(0.4);
      // A lower threshold finds at least as many.
      const more = await detectPeople(session, rgb, width, height, { minScore: 0.2 });
      expect(more.length).toBeGreaterThanOrEqual(people.length);
      expect(CENTERNET_SIZE).toBe(512);
    } finally {
      await session.release();
    }
  });
});
