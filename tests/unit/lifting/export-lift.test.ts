import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftSequence } from '../../../src/main/training/evaluate';
import { lifterToOnnx, readOnnxMetadata, verifyLifterOnnx } from '../../../src/main/training/export-onnx';
import { Lifter, lifterInfo } from '../../../src/main/training/lift';
import { LifterModel } from '../../../src/main/training/lifter-model';
import { initTrainingBackend } from '../../../src/main/training/tf-backend';
import { projectPoints, lookAtCamera } from '../../../src/shared/lifting/cameras';
import { flipPoses } from '../../../src/shared/lifting/flip';
import { normalizeScreen } from '../../../src/shared/lifting/normalize';
import { toH36m2d } from '../../../src/shared/lifting/prepare';
import { KinemaError } from '../../../src/shared/errors';
import { randomWeights, syntheticWalker } from './synthetic';

let dir: string;
beforeAll(async () => {
  await initTrainingBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'kinema-lifter-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A COCO-17 track (x, y, score) of the synthetic walker seen by a side camera, 1280 × 720 px. */
function cocoTrack(frames: number): Float32Array {
  const seq = syntheticWalker({ frames, speed: 0.6 });
  const cam = lookAtCamera([1, -6, 1.2], [1, 0, 1], { width: 1280, height: 720, fx: 1100 });
  const px = projectPoints(cam, seq.coco).pixels;
  const out = new Float32Array(frames * 17 * 3);
  for (let i = 0; i < frames * 17; i++) out.set([px[i * 2], px[i * 2 + 1], 0.9], i * 3);
  return out;
}

describe('lifter ONNX export', () => {
  for (const widths of [
    [3, 3, 3],
    [1, 1, 1],
  ]) {
    it(`matches TF.js on random input (receptive field ${widths.reduce((a, b) => a * b)})`, async () => {
      const w = randomWeights({ filterWidths: widths, channels: 16, dropout: 0.25, joints: 17 }, 2);
      const onnx = lifterToOnnx(w, { fps: '50', input_normalization: 'pose' });
      const check = await verifyLifterOnnx(w, onnx, 40);
      expect(check.outputFrames).toBe(40 - widths.reduce((a, b) => a * b) + 1);
      expect(check.maxAbsDiff).toBeLessThan(1e-4);
      const meta = readOnnxMetadata(onnx);
      expect(meta).toMatchObject({
        receptive_field: String(widths.reduce((a, b) => a * b)),
        fps: '50',
        input_normalization: 'pose',
      });
    });
  }

  it('refuses files that are not lifters', () => {
    const w = randomWeights({ filterWidths: [3], channels: 4, dropout: 0, joints: 17 }, 1);
    const onnx = lifterToOnnx(w);
    expect(lifterInfo(onnx).receptiveField).toBe(3);
    expect(() => lifterInfo(new Uint8Array([1, 2, 3, 4, 5]), 'junk.onnx')).toThrow(KinemaError);
    const noMeta = lifterToOnnx(w, { receptive_field: '' });
    expect(() => lifterInfo(noMeta, 'x.onnx')).toThrow(/not a Kinema lifter/);
    // Each normalisation this Kinema can apply is accepted; another one is refused by name.
    for (const norm of ['screen', 'pose', 'pose-motion'])
      expect(lifterInfo(lifterToOnnx(w, { input_normalization: norm })).inputNormalization).toBe(norm);
    expect(() => lifterInfo(lifterToOnnx(w, { input_normalization: 'pose-velocity' }), 'y.onnx')).toThrow(
      /y\.onnx asks for an unknown input normalisation "pose-velocity"/,
    );
  });
});

describe('lifting a 2D track with the ONNX model', () => {
  let path: string;
  let lifter: Lifter;
  const weights = randomWeights({ filterWidths: [3, 3, 3], channels: 16, dropout: 0.25, joints: 17 }, 7);
  beforeAll(async () => {
    path = join(dir, 'lifter.onnx');
    writeFileSync(path, lifterToOnnx(weights, { fps: '50', input_normalization: 'pose' }));
    lifter = await Lifter.open(path, 1);
  });
  afterAll(async () => lifter.release());

  it('returns one root-relative 3D pose per frame, as the TF.js model does', async () => {
    const track = cocoTrack(60);
    const r = await lifter.lift(track, { width: 1280, height: 720, skeleton: 'coco17' });
    expect(r.frames).toBe(60);
    expect(r.jointsM.length).toBe(60 * 51);
    expect(r.receptiveField).toBe(27);
    for (let t = 0; t < 60; t++) for (let c = 0; c < 3; c++) expect(Math.abs(r.jointsM[t * 51 + c])).toBe(0);
    expect(r.jointsM.every(Number.isFinite)).toBe(true);
    // the same through TF.js (dilated form, flip averaging)
    const model = new LifterModel(weights);
    const screen = normalizeScreen(toH36m2d(track, 'coco17', 0.3).pointsPx, 1280, 720);
    const ref = liftSequence(model, screen, 'pose', true);
    model.dispose();
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - r.jointsM[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('is mirror-equivariant with test-time flip averaging', async () => {
    const track = cocoTrack(40);
    // mirror the image: x → width − x, COCO left/right swapped
    const mirrored = new Float32Array(track.length);
    const partner = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];
    for (let t = 0; t < 40; t++) {
      for (let j = 0; j < 17; j++) {
        const s = (t * 17 + partner[j]) * 3;
        mirrored.set([1280 - track[s], track[s + 1], track[s + 2]], (t * 17 + j) * 3);
      }
    }
    const a = await lifter.lift(track, { width: 1280, height: 720, skeleton: 'coco17' });
    const b = await lifter.lift(mirrored, { width: 1280, height: 720, skeleton: 'coco17' });
    const bBack = flipPoses(b.jointsM, 17, 3);
    let maxDiff = 0;
    for (let i = 0; i < a.jointsM.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.jointsM[i] - bBack[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    const noFlip = await lifter.lift(track, { width: 1280, height: 720, skeleton: 'coco17', flip: false });
    expect(noFlip.jointsM).not.toEqual(a.jointsM);
  });

  it('lifts tracks shorter than the receptive field, fills NaN keypoints and runs in chunks', async () => {
    const short = await lifter.lift(cocoTrack(3), { width: 1280, height: 720, skeleton: 'coco17' });
    expect(short.frames).toBe(3);
    expect(short.jointsM.every(Number.isFinite)).toBe(true);
    const track = cocoTrack(50);
    track.fill(NaN, 10 * 51, 14 * 51); // four frames lost
    track[20 * 51 + 9 * 3 + 2] = 0.05; // a low-score left wrist
    const r = await lifter.lift(track, { width: 1280, height: 720, skeleton: 'coco17' });
    expect(r.jointsM.every(Number.isFinite)).toBe(true);
    expect(r.filled[12 * 17]).toBe(1);
    expect(r.filled[20 * 17 + 13]).toBe(1); // H36M left wrist
    expect(r.filled[20 * 17 + 16]).toBe(0);
    const chunked = await lifter.lift(track, {
      width: 1280,
      height: 720,
      skeleton: 'coco17',
      chunkFrames: 7,
    });
    for (let i = 0; i < r.jointsM.length; i++) expect(chunked.jointsM[i]).toBeCloseTo(r.jointsM[i], 5);
  });

  it('resamples to the model frame rate and back to the track frames', async () => {
    const r = await lifter.lift(cocoTrack(31), { width: 1280, height: 720, skeleton: 'coco17', fps: 30 });
    expect(r.frames).toBe(31);
    expect(r.jointsM.length).toBe(31 * 51);
    expect(r.modelFps).toBe(50);
    expect(r.jointsM.every(Number.isFinite)).toBe(true);
  });

  it('refuses bad input with clear errors', async () => {
    const opts = { width: 1280, height: 720, skeleton: 'coco17' as const };
    await expect(lifter.lift(new Float32Array(50), opts)).rejects.toThrow(/frames × 17 keypoints × 3/);
    await expect(lifter.lift(new Float32Array(51 * 4).fill(NaN), opts)).rejects.toThrow(
      /no keypoint with a score/,
    );
    await expect(lifter.lift(cocoTrack(5), { ...opts, width: 0 })).rejects.toThrow(/Image size/);
    await expect(lifter.lift(cocoTrack(5), { ...opts, fps: -2 })).rejects.toThrow(/Frame rate/);
    await expect(Lifter.open(join(dir, 'missing.onnx'))).rejects.toThrow(/not found/);
  });
});
