import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { convertGraphModel, convertTfjsGraphModelFile } from '../../../src/main/inference/onnx/convert';
import { decodeModel } from '../../../src/main/inference/onnx/proto';
import { loadTfjsGraphModel } from '../../../src/main/inference/tfjs-graph/model';
import {
  convertMoveNetLightning,
  movenetLightningJsonPath,
  verifyMoveNet,
} from '../../../src/main/inference/movenet';

const dir = mkdtempSync(path.join(tmpdir(), 'kinema-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MoveNet Lightning: TF.js graph model -> ONNX', () => {
  it('converts, and ORT matches TF.js on a random input and on a photo', async () => {
    const result = await convertMoveNetLightning();
    expect(result.inputs).toEqual([{ name: 'input', dtype: 'int32', shape: [1, 192, 192, 3] }]);
    expect(result.outputs).toEqual([{ name: 'Identity', dtype: 'float32', shape: [1, 1, 17, 3] }]);
    // Transposes around each conv cancel between convs; only a handful remain.
    expect(result.stats.transposesAfter).toBeLessThan(10);
    expect(result.stats.transposesBefore).toBeGreaterThan(100);

    const decoded = decodeModel(result.bytes) as { opsetImport: { version: number }[]; irVersion: number };
    expect(decoded.opsetImport[0].version).toBeGreaterThanOrEqual(17);

    // The committed model is exactly what the converter produces now (rebuild: scripts/build-models.ts).
    const committed = path.join(import.meta.dirname, '../../../native-models/movenet-lightning.onnx');
    const manifest = JSON.parse(
      readFileSync(path.join(path.dirname(committed), 'manifest.json'), 'utf8'),
    ) as {
      models: { id: string; sha256: string }[];
    };
    const sha = createHash('sha256').update(result.bytes).digest('hex');
    expect(manifest.models.find((m) => m.id === 'movenet-lightning')?.sha256).toBe(sha);
    expect(createHash('sha256').update(readFileSync(committed)).digest('hex')).toBe(sha);

    const file = path.join(dir, 'movenet-lightning.onnx');
    writeFileSync(file, result.bytes);
    const v = await verifyMoveNet(file, movenetLightningJsonPath());
    console.log(
      `max |ORT - TF.js|: random ${v.randomMaxAbsDiff.toExponential(2)}, photo ${v.imageMaxAbsDiff.toExponential(2)}`,
    );
    expect(v.randomMaxAbsDiff).toBeLessThan(1e-3);
    expect(v.imageMaxAbsDiff).toBeLessThan(1e-3);

    const kp = Object.fromEntries(v.imageKeypointsOnnx.map((k) => [k.name, k]));
    expect(v.imageKeypointsOnnx.filter((k) => k.score > 0.3).length).toBeGreaterThanOrEqual(10);
    for (const k of v.imageKeypointsOnnx) {
      expect(k.x).toBeGreaterThanOrEqual(0);
      expect(k.x).toBeLessThanOrEqual(1);
      expect(k.y).toBeGreaterThanOrEqual(0);
      expect(k.y).toBeLessThanOrEqual(1);
    }
    // A person standing upright: head above shoulders above hips above knees above ankles.
    expect(kp.nose.y).toBeLessThan(kp.left_shoulder.y);
    expect(kp.left_shoulder.y).toBeLessThan(kp.left_hip.y);
    expect(kp.left_hip.y).toBeLessThan(kp.left_knee.y);
    expect(kp.left_knee.y).toBeLessThan(kp.left_ankle.y);
    expect(kp.right_hip.y).toBeLessThan(kp.right_ankle.y);
    // Facing the camera: the person's left side is on the image's right.
    expect(kp.left_shoulder.x).toBeGreaterThan(kp.right_shoulder.x);
    expect(kp.left_hip.x).toBeGreaterThan(kp.right_hip.x);
  });
});

describe('converter errors', () => {
  const tinyModel = (op: string) => ({
    format: 'graph-model',
    modelTopology: {
      node: [
        {
          name: 'x',
          op: 'Placeholder',
          attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '4' }] } } },
        },
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } },
        { name: 'y', op: 'AddV2', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' } } },
        { name: 'z', op, input: ['y', '^w'], attr: { T: { type: 'DT_FLOAT' } } },
      ],
    },
    weightsManifest: [{ paths: ['tiny.bin'], weights: [{ name: 'w', shape: [4], dtype: 'float32' }] }],
  });

  function writeTiny(op: string, binBytes: number): string {
    const sub = mkdtempSync(path.join(dir, 'tiny-'));
    writeFileSync(path.join(sub, 'model.json'), JSON.stringify(tinyModel(op)));
    writeFileSync(
      path.join(sub, 'tiny.bin'),
      new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer).subarray(0, binBytes),
    );
    return path.join(sub, 'model.json');
  }

  it('converts a tiny graph with control inputs and runs it', async () => {
    const r = await convertTfjsGraphModelFile(writeTiny('Sigmoid', 16));
    const s = await ort.InferenceSession.create(r.bytes);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([0, -1, -2, -3]), [1, 4]) });
    expect(Array.from(out.z.data as Float32Array)).toEqual(
      [1, 1, 1, 1].map((v) => expect.closeTo(1 / (1 + Math.exp(-v)), 6) as unknown as number),
    );
    await s.release();
  });

  it('names the op and node of an unsupported op', async () => {
    await expect(convertTfjsGraphModelFile(writeTiny('FancyNewOp', 16))).rejects.toThrow(
      /Unsupported TF op "FancyNewOp" \(node "z"\)/,
    );
  });

  it('refuses a weights file of the wrong size', async () => {
    await expect(loadTfjsGraphModel(writeTiny('Sigmoid', 12))).rejects.toThrow(
      /shards hold 12 bytes but the manifest describes 16 bytes/,
    );
  });

  it('the MoveNet weights decode to the manifest shapes', async () => {
    const m = await loadTfjsGraphModel(movenetLightningJsonPath());
    const json = JSON.parse(readFileSync(movenetLightningJsonPath(), 'utf8')) as {
      weightsManifest: { weights: { name: string; shape: number[] }[] }[];
    };
    for (const w of json.weightsManifest[0].weights) {
      const t = m.weights.get(w.name)!;
      expect(t.data.length).toBe(w.shape.reduce((a, b) => a * b, 1));
    }
    expect(() => convertGraphModel(m)).not.toThrow();
  });
});
