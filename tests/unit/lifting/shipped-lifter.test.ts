import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lifter, lifterInfo } from '../../../src/main/training/lift';
import { lookAtCamera, projectPoints } from '../../../src/shared/lifting/cameras';
import { mpjpe, pMpjpe } from '../../../src/shared/lifting/metrics';
import { syntheticWalker } from './synthetic';

const dir = join(__dirname, '../../../native-models');
const onnxPath = join(dir, 'lifter-tcn27.onnx');
const manifestPath = join(dir, 'manifest.json');

describe.skipIf(!existsSync(onnxPath))('the shipped lifter (native-models/lifter-tcn27.onnx)', () => {
  it('is the file its manifest entry describes', () => {
    const bytes = readFileSync(onnxPath);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      lifters: { id: string; sha256: string; receptiveField: number }[];
    };
    const entry = manifest.lifters.find((l) => l.id === 'lifter-tcn27')!;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
    const info = lifterInfo(bytes);
    expect(info.receptiveField).toBe(entry.receptiveField);
    expect(info.fps).toBe(50);
    expect(info.inputNormalization).toBe('pose');
  });

  it('lifts a synthetic walker it never saw to a plausible 3D pose', async () => {
    const frames = 100;
    const seq = syntheticWalker({ frames, speed: 1.2 });
    // a camera 7 m to the side, at chest height, 1920 × 1080
    const cam = lookAtCamera([1, -7, 1.3], [1, 0, 1], { width: 1920, height: 1080, fx: 1600 });
    const px = projectPoints(cam, seq.coco).pixels;
    const track = new Float32Array(frames * 51);
    for (let i = 0; i < frames * 17; i++) track.set([px[i * 2], px[i * 2 + 1], 0.9], i * 3);
    const truth = projectPoints(cam, seq.h36m).cameraM;
    for (let t = 0; t < frames; t++) {
      const r = truth.slice(t * 51, t * 51 + 3);
      for (let j = 0; j < 17; j++) for (let c = 0; c < 3; c++) truth[t * 51 + j * 3 + c] -= r[c];
    }
    const lifter = await Lifter.open(onnxPath, 1);
    try {
      const r = await lifter.lift(track, { width: 1920, height: 1080, skeleton: 'coco17', fps: 50 });
      const e = mpjpe(r.jointsM, truth);
      const p = pMpjpe(r.jointsM, truth, 17);
      // the stick figure differs from real bodies (no real head or shoulder shape): loose bounds
      expect(e).toBeLessThan(0.08); // measured 45 mm
      expect(p).toBeLessThan(0.06); // measured 38 mm
    } finally {
      await lifter.release();
    }
  });
});
