/**
 * Bring-your-own models end to end: tiny ONNX models written with the in-project ONNX writer
 * (constant heatmaps / SimCC vectors with known peaks, plus an input-dependent zero so the graph
 * really reads its input; and a convolution whose heatmap follows a bright spot in the frame),
 * loaded from descriptors, run on a person box, decoded and mapped back to frame pixels. Then the
 * refusals: not ONNX, descriptor/model mismatches, malformed descriptors, and the registry.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { attr, GraphBuilder } from '../../../src/main/inference/onnx/builder';
import { OnnxDataType } from '../../../src/main/inference/onnx/proto';
import {
  blobs,
  constantModel as constantModelIn,
  writeModel as writeModelIn,
} from '../../helpers/byo-models';
import { loadByoModel } from '../../../src/main/inference/byo/model';
import { clearRegisteredByoModels } from '../../../src/main/inference/byo/registry';
import { getModel, listModels, modelInfos, registerByoModel } from '../../../src/main/inference/models';

const dir = mkdtempSync(join(tmpdir(), 'kinema-byo-'));
/** The test models are written into `dir`. */
const constantModel = (...a: DropFirst<Parameters<typeof constantModelIn>>) => constantModelIn(dir, ...a);
const writeModel = (...a: DropFirst<Parameters<typeof writeModelIn>>) => writeModelIn(dir, ...a);
type DropFirst<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const K = 17;
const W = 192;
const H = 256;
const IMAGENET = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] };

/** Box [100, 50, 300, 350] → ×1.25 = 250 × 375 → widened to 192:256 = 281.25 × 375, centre (200, 200). */
const BOX = [100, 50, 300, 350] as const;
const CROP = { cx: 200, cy: 200, w: 281.25, h: 375 };
const toFrame = (xIn: number, yIn: number): [number, number] => [
  CROP.cx + (xIn - W / 2) * (CROP.w / W),
  CROP.cy + (yIn - H / 2) * (CROP.h / H),
];

/** 1-D Gaussians [K, len], peak j exactly at index at[j]. */
function peaks1d(len: number, at: number[], peak: number, sigma = 3): Float32Array {
  const out = new Float32Array(at.length * len);
  at.forEach((c, j) => {
    for (let i = 0; i < len; i++) out[j * len + i] = peak * Math.exp(-((i - c) ** 2) / (2 * sigma ** 2));
  });
  return out;
}

function descriptor(name: string, d: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(d, null, 2));
  return path;
}

const heatmapDescriptor = (file: string, extra: Record<string, unknown> = {}) => ({
  id: 'test-hrnet',
  name: 'Test HRNet',
  file,
  kind: 'heatmap',
  input: { width: W, height: H, layout: 'NCHW', dtype: 'float32', channelOrder: 'RGB', ...IMAGENET },
  output: {},
  keypointCount: K,
  ...extra,
});

const frame = new Uint8Array(640 * 480 * 3);

describe('heatmap models', () => {
  const hm = { h: H / 4, w: W / 4 };
  const at = Array.from({ length: K }, (_, j): [number, number] => [5 + 2 * j + 0.3, 4 + 3 * j + 0.2]);
  const peak = Array.from({ length: K }, (_, j) => 0.5 + 0.02 * j);
  constantModel('hrnet.onnx', { name: 'input', shape: [1, 3, H, W] }, [
    { name: 'heatmaps', shape: [1, K, hm.h, hm.w], data: blobs(hm.h, hm.w, at, peak) },
  ]);

  it('decodes every blob to its frame position (within a pixel) with the blob peak as score', async () => {
    const model = await loadByoModel(descriptor('hrnet', heatmapDescriptor('hrnet.onnx')));
    try {
      expect(model.inputName).toBe('input');
      expect(model.outputNames).toEqual(['heatmaps']);
      expect(model.heatmapSize).toEqual({ width: 48, height: 64 });
      const kp = await model.estimate(frame, 640, 480, BOX);
      expect(kp).toHaveLength(K * 3);
      at.forEach(([bx, by], j) => {
        const [fx, fy] = toFrame(bx * 4, by * 4);
        expect(Math.abs(kp[j * 3] - fx)).toBeLessThan(1);
        expect(Math.abs(kp[j * 3 + 1] - fy)).toBeLessThan(1);
        expect(kp[j * 3 + 2]).toBeCloseTo(peak[j] * Math.exp(-(0.3 ** 2 + 0.2 ** 2) / 8), 4);
      });
    } finally {
      await model.release();
    }
  });

  it('follows a bright spot in the frame through crop, resize and normalisation (input-dependent conv)', async () => {
    // Heatmap = 7×7 conv, stride 4, pad 3 over the mean channel: cell i centres on input pixel 4i.
    const g = new GraphBuilder();
    g.reserve('image');
    g.reserve('hm');
    const k7 = Array.from({ length: 49 }, (_, i) => {
      const dx = (i % 7) - 3;
      const dy = Math.floor(i / 7) - 3;
      return Math.exp(-(dx * dx + dy * dy) / 4) / 3;
    });
    const weights = g.constant(
      {
        dtype: 'float32',
        shape: [K, 3, 7, 7],
        data: Float32Array.from({ length: K * 3 * 49 }, (_, i) => k7[i % 49]),
      },
      'w',
    );
    g.node(
      'Conv',
      ['image', weights],
      'hm',
      [attr.ints('strides', [4, 4]), attr.ints('pads', [3, 3, 3, 3])],
      ['hm'],
    );
    writeModel(
      'conv.onnx',
      g,
      [{ name: 'image', elemType: OnnxDataType.FLOAT, shape: [1, 3, H, W] }],
      [{ name: 'hm', elemType: OnnxDataType.FLOAT, shape: [1, K, 'h', 'w'] }],
    );
    // A white 3×3 spot whose centre lands on input pixel (4·20 + 1, 4·30): just right of cell 20,
    // so the quarter shift goes right (→ 81 exactly) and y stays on cell 30 (→ 120).
    const [sx, sy] = toFrame(81, 120);
    const img = new Uint8Array(640 * 480 * 3);
    for (let y = Math.round(sy) - 1; y <= Math.round(sy) + 1; y++)
      for (let x = Math.round(sx) - 1; x <= Math.round(sx) + 1; x++)
        img.fill(255, (y * 640 + x) * 3, (y * 640 + x) * 3 + 3);
    const model = await loadByoModel(
      descriptor('conv', {
        ...heatmapDescriptor('conv.onnx'),
        id: 'test-conv',
        input: {
          width: W,
          height: H,
          layout: 'NCHW',
          dtype: 'float32',
          channelOrder: 'RGB',
          mean: [0, 0, 0],
          std: [255, 255, 255],
        },
      }),
    );
    try {
      const kp = await model.estimate(img, 640, 480, BOX);
      // Heatmap resolution: one cell is 4 input pixels ≈ 5.9 frame pixels; quarter shift → ±1.5 px.
      expect(Math.abs(kp[0] - sx)).toBeLessThan(2);
      expect(Math.abs(kp[1] - sy)).toBeLessThan(2);
      expect(kp[2]).toBeGreaterThan(0.1);
    } finally {
      await model.release();
    }
  });
});

describe('SimCC models', () => {
  const xs = Array.from({ length: K }, (_, j) => 100 + 10 * j);
  const ys = Array.from({ length: K }, (_, j) => 50 + 20 * j);
  constantModel('rtmpose.onnx', { name: 'input', shape: [1, 3, H, W] }, [
    { name: 'simcc_x', shape: [1, K, W * 2], data: peaks1d(W * 2, xs, 0.9) },
    { name: 'simcc_y', shape: [1, K, H * 2], data: peaks1d(H * 2, ys, 0.7) },
  ]);
  const simccDescriptor = (extra: Record<string, unknown> = {}) => ({
    id: 'test-rtmpose',
    name: 'Test RTMPose',
    file: 'rtmpose.onnx',
    kind: 'simcc',
    input: { width: W, height: H, layout: 'NCHW', dtype: 'float32', channelOrder: 'BGR', ...IMAGENET },
    output: {},
    keypointCount: K,
    ...extra,
  });

  it('decodes argmax / splitRatio to frame pixels, score = min of the two maxima', async () => {
    const model = await loadByoModel(descriptor('rtmpose', simccDescriptor()));
    try {
      expect(model.outputNames).toEqual(['simcc_x', 'simcc_y']);
      const kp = await model.estimate(frame, 640, 480, BOX);
      xs.forEach((x, j) => {
        const [fx, fy] = toFrame(x / 2, ys[j] / 2);
        expect(Math.abs(kp[j * 3] - fx)).toBeLessThan(1e-3);
        expect(Math.abs(kp[j * 3 + 1] - fy)).toBeLessThan(1e-3);
        expect(kp[j * 3 + 2]).toBeCloseTo(0.7, 5);
      });
    } finally {
      await model.release();
    }
  });

  it('reads named outputs in either order, the mean score, and uint8 NHWC inputs', async () => {
    constantModel('rtm-nhwc.onnx', { name: 'pixels', shape: ['n', H, W, 3], dtype: 'uint8' }, [
      { name: 'b', shape: [1, K, H * 2], data: peaks1d(H * 2, ys, 0.7) },
      { name: 'a', shape: [1, K, W * 2], data: peaks1d(W * 2, xs, 0.9) },
    ]);
    const model = await loadByoModel(
      descriptor('rtm-nhwc', {
        ...simccDescriptor(),
        file: 'rtm-nhwc.onnx',
        input: { name: 'pixels', width: W, height: H, layout: 'NHWC', dtype: 'uint8', channelOrder: 'RGB' },
        output: { simccX: 'a', simccY: 'b', simccScore: 'mean' },
      }),
    );
    try {
      const kp = await model.estimate(frame, 640, 480, BOX);
      expect(kp[0]).toBeCloseTo(toFrame(xs[0] / 2, 0)[0], 3);
      expect(kp[1]).toBeCloseTo(toFrame(0, ys[0] / 2)[1], 3);
      expect(kp[2]).toBeCloseTo(0.8, 5);
    } finally {
      await model.release();
    }
  });

  it('refuses a split ratio that does not fit the output length', async () => {
    await expect(
      loadByoModel(descriptor('rtm-ratio', simccDescriptor({ output: { splitRatio: 2.5 } }))),
    ).rejects.toThrow(
      /descriptor says simcc_x of length 480 \(width 192 × splitRatio 2\.5\), model's "simcc_x" has 384/,
    );
  });
});

describe('refusals', () => {
  it('says a file that is not ONNX is not an ONNX model, and a missing one is missing', async () => {
    writeFileSync(join(dir, 'fake.onnx'), '<html>not a model</html>');
    await expect(loadByoModel(descriptor('fake', heatmapDescriptor('fake.onnx')))).rejects.toThrow(
      /fake\.onnx is not an ONNX model/,
    );
    await expect(loadByoModel(descriptor('missing', heatmapDescriptor('nowhere.onnx')))).rejects.toThrow(
      /Model file not found: .*nowhere\.onnx/,
    );
  });

  it('refuses a model whose keypoint count differs (static shapes and symbolic ones, via the probe run)', async () => {
    const data = blobs(
      64,
      48,
      Array.from({ length: 26 }, () => [10, 10] as [number, number]),
      Array(26).fill(1),
    );
    constantModel('halpe.onnx', { name: 'input', shape: [1, 3, H, W] }, [
      { name: 'heatmaps', shape: [1, 26, 64, 48], data },
    ]);
    await expect(loadByoModel(descriptor('halpe', heatmapDescriptor('halpe.onnx')))).rejects.toThrow(
      /does not match its descriptor: descriptor says 17 keypoints, model outputs 26 heatmaps/,
    );
    constantModel('halpe-dyn.onnx', { name: 'input', shape: ['n', 3, 'h', 'w'] }, [
      { name: 'heatmaps', shape: [1, 26, 64, 48], data, declared: ['n', 'k', 'h', 'w'] },
    ]);
    await expect(loadByoModel(descriptor('halpe-dyn', heatmapDescriptor('halpe-dyn.onnx')))).rejects.toThrow(
      /descriptor says 17 keypoints, model outputs 26 heatmaps/,
    );
  });

  it('refuses input size, dtype, and input/output names that differ', async () => {
    const d = heatmapDescriptor('hrnet.onnx');
    await expect(
      loadByoModel(descriptor('size', { ...d, input: { ...d.input, width: 288, height: 384 } })),
    ).rejects.toThrow(/descriptor says input 1×3×384×288 \(NCHW\), model input "input" is 1×3×256×192/);
    await expect(
      loadByoModel(descriptor('layout', { ...d, input: { ...d.input, layout: 'NHWC' } })),
    ).rejects.toThrow(/descriptor says input 1×256×192×3 \(NHWC\)/);
    await expect(
      loadByoModel(
        descriptor('dtype', { ...d, input: { ...d.input, dtype: 'uint8', mean: undefined, std: undefined } }),
      ),
    ).rejects.toThrow(/descriptor says input dtype uint8, model input "input" is float32/);
    await expect(
      loadByoModel(descriptor('iname', { ...d, input: { ...d.input, name: 'img' } })),
    ).rejects.toThrow(/descriptor names input "img", the model's inputs are input/);
    await expect(loadByoModel(descriptor('oname', { ...d, output: { heatmaps: 'out' } }))).rejects.toThrow(
      /descriptor names output.heatmaps "out", the model's outputs are heatmaps/,
    );
  });

  it('refuses malformed descriptors with messages naming the field', async () => {
    writeFileSync(join(dir, 'broken.json'), '{ "id": "x", ');
    await expect(loadByoModel(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json is not valid JSON/);
    const d = heatmapDescriptor('hrnet.onnx');
    await expect(
      loadByoModel(descriptor('bad-mean', { ...d, input: { ...d.input, mean: [1, 2] } })),
    ).rejects.toThrow(/is invalid: input\.mean: expected an array of 3 numbers/);
    await expect(loadByoModel(descriptor('bad-kind', { ...d, kind: 'regression' }))).rejects.toThrow(/kind:/);
    await expect(loadByoModel(descriptor('bad-skel', { ...d, skeletonId: 'halpe26' }))).rejects.toThrow(
      /keypointCount: skeleton halpe26 has 26 keypoints, descriptor says 17/,
    );
    await expect(loadByoModel(descriptor('bad-sk2', { ...d, skeletonId: 'smpl' }))).rejects.toThrow(
      /skeletonId: unknown skeleton; known: coco17/,
    );
    await expect(
      loadByoModel(descriptor('no-norm', { ...d, input: { ...d.input, mean: undefined } })),
    ).rejects.toThrow(/a float32 input needs mean and std/);
    await expect(loadByoModel(descriptor('extra', { ...d, weights: 'x' }))).rejects.toThrow(/weights/);
  });
});

describe('registry', () => {
  afterEach(() => {
    clearRegisteredByoModels();
    vi.unstubAllEnvs();
  });

  it('lists descriptors in <models dir>/user next to the shipped models, leaving broken ones out', () => {
    const models = join(dir, 'models');
    mkdirSync(join(models, 'user'), { recursive: true });
    copyFileSync(join(process.cwd(), 'native-models', 'manifest.json'), join(models, 'manifest.json'));
    copyFileSync(join(dir, 'hrnet.onnx'), join(models, 'user', 'hrnet.onnx'));
    writeFileSync(join(models, 'user', 'hrnet.json'), JSON.stringify(heatmapDescriptor('hrnet.onnx')));
    writeFileSync(join(models, 'user', 'broken.json'), '{');
    writeFileSync(
      join(models, 'user', 'taken.json'),
      JSON.stringify({ ...heatmapDescriptor('hrnet.onnx'), id: 'movenet-lightning' }),
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubEnv('KINEMA_MODELS_DIR', models);
    expect(modelInfos()).toEqual([
      expect.objectContaining({ id: 'movenet-lightning' }),
      expect.objectContaining({ id: 'movenet-thunder' }),
      expect.objectContaining({ id: 'blazepose-full' }),
      expect.objectContaining({ id: 'movenet-multipose' }),
      {
        id: 'test-hrnet',
        task: 'pose2d-topdown-heatmap',
        description: 'Test HRNet (user model, 192×256)',
        skeletonId: 'coco17',
        inputSize: 256,
        people: ['single', 'multi'],
      },
    ]);
    expect(getModel('test-hrnet', models).descriptorPath).toBe(join(models, 'user', 'hrnet.json'));
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(
      /broken\.json is not valid JSON[^]*"movenet-lightning" .* already taken/,
    );
    warn.mockRestore();
  });

  it('registerByoModel adds a descriptor for this process and refuses a bad one', () => {
    const before = listModels().length;
    const d = registerByoModel(descriptor('reg', { ...heatmapDescriptor('rtmpose.onnx'), id: 'reg' }));
    expect(d.modelPath).toBe(join(dir, 'rtmpose.onnx'));
    expect(listModels()).toHaveLength(before + 1);
    expect(getModel('reg').path).toBe(join(dir, 'rtmpose.onnx'));
    expect(() => registerByoModel(descriptor('reg-missing', heatmapDescriptor('none.onnx')))).toThrow(
      /Model file not found/,
    );
  });
});
