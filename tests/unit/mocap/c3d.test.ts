import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBvhFile } from '../../../src/main/formats/mocap/bvh-file';
import { readC3dFile } from '../../../src/main/formats/mocap/c3d-file';
import { C3dError, c3dToTake, readC3d } from '../../../src/shared/mocap';
import { tempDir } from '../../helpers/media';
import { writeC3d, type C3dWriteSpec } from './c3d-writer';

const tmp = tempDir('mocap-');
afterAll(() => tmp.cleanup());

/** 4 frames of 3 markers in millimetres; marker 1 is invalid (occluded) in frame 2. */
function markers(): Float32Array {
  const p = new Float32Array(4 * 3 * 3);
  for (let f = 0; f < 4; f++) {
    for (let m = 0; m < 3; m++) {
      p.set([100 * m + f, -200 + 10 * f, 1000 + m * 5], (f * 3 + m) * 3);
    }
  }
  p.fill(NaN, (2 * 3 + 1) * 3, (2 * 3 + 1) * 3 + 3);
  return p;
}

const base = (over: Partial<C3dWriteSpec> = {}): C3dWriteSpec => ({
  labels: ['LASI', 'RASI', 'LHEE'],
  rate: 100,
  points: markers(),
  scale: -1,
  units: 'mm',
  ...over,
});

function expectPoints(actual: Float32Array, expected: Float32Array, eps: number) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => {
    if (Number.isNaN(v)) expect(Number.isNaN(actual[i]), `value ${i}`).toBe(true);
    else expect(Math.abs(actual[i] - v), `value ${i}`).toBeLessThanOrEqual(eps);
  });
}

describe('C3D reader', () => {
  for (const processor of ['intel', 'dec', 'mips'] as const) {
    it(`reads float data written for ${processor}`, () => {
      const c3d = readC3d(writeC3d(base({ processor })));
      expect(c3d.processor).toBe(processor);
      expect(c3d.labels).toEqual(['LASI', 'RASI', 'LHEE']);
      expect(c3d.rate).toBe(100);
      expect(c3d.frameCount).toBe(4);
      expect(c3d.units).toBe('mm');
      expectPoints(c3d.points, markers(), 1e-4);
      expect(c3d.residuals[0]).toBe(2);
      expect(Number.isNaN(c3d.residuals[2 * 3 + 1])).toBe(true);
    });
  }

  it('reads integer data scaled by POINT:SCALE, skipping analog samples', () => {
    const c3d = readC3d(writeC3d(base({ scale: 0.5, analogPerFrame: 5 })));
    expect(c3d.scale).toBe(0.5);
    expect(c3d.analogPerFrame).toBe(5);
    expectPoints(c3d.points, markers(), 0.25);
    expect(c3d.residuals[0]).toBe(1); // 2 × 0.5
  });

  it('converts to a marker take in metres, Z up, from POINT:UNITS and Y_SCREEN', () => {
    const zUp = c3dToTake(readC3d(writeC3d(base({ extraChars: { 'SUBJECTS:NAMES': ['Ann'] } }))), {
      take: 't1',
    });
    expect(zUp.kind).toBe('markers');
    expect(zUp.source).toBe('c3d');
    expect(zUp.markerNames).toEqual(['LASI', 'RASI', 'LHEE']);
    expect(zUp.subject).toBe('Ann');
    expect(zUp.take).toBe('t1');
    expectPoints(zUp.positionsM.slice(0, 3), Float32Array.from([0, -0.2, 1]), 1e-6);
    // A Y-up lab (OpenSim style): (x, y, z) → (x, −z, y).
    const yUp = c3dToTake(readC3d(writeC3d(base({ units: 'm', extraChars: { 'POINT:Y_SCREEN': ['+Y'] } }))));
    expectPoints(yUp.positionsM.slice(3, 6), Float32Array.from([100, -1005, -200]), 1e-3);
    expect(Number.isNaN(yUp.positionsM[(2 * 3 + 1) * 3 + 2])).toBe(true);
  });

  it('rejects malformed files with a clear message', () => {
    const good = writeC3d(base());
    expect(() => readC3d(good.slice(0, 100))).toThrow(/shorter than the 512-byte C3D header/);
    const noKey = good.slice();
    noKey[1] = 0x12;
    expect(() => readC3d(noKey)).toThrow(/not a C3D file: header byte 2 is 0x12/);
    const badProc = good.slice();
    badProc[512 + 3] = 90;
    expect(() => readC3d(badProc)).toThrow(/unknown processor type 90/);
    expect(() => readC3d(good.slice(0, good.length - 10))).toThrow(
      /data is truncated: 4 frames of 3 points need/,
    );
    expect(() => readC3d(good.slice(0, 700))).toThrow(C3dError);
    const feet = c3dToTake(readC3d(writeC3d(base({ units: 'ft' }))), { metresPerUnit: 0.3048 });
    expect(feet.meta.metresPerUnit).toBe(0.3048);
    expect(() => c3dToTake(readC3d(writeC3d(base({ units: 'ft' }))))).toThrow(/POINT:UNITS is "ft"/);
    expect(() => c3dToTake(readC3d(writeC3d(base({ extraChars: { 'POINT:Y_SCREEN': ['+X'] } }))))).toThrow(
      /not perpendicular/,
    );
  });
});

describe('mocap file wrappers', () => {
  it('read C3D and BVH files and name the file in errors', () => {
    const c3dPath = join(tmp.dir, 'walk.c3d');
    writeFileSync(c3dPath, writeC3d(base()));
    const { take } = readC3dFile(c3dPath);
    expect(take.take).toBe('walk');
    expect(take.frameCount).toBe(4);
    const broken = join(tmp.dir, 'broken.c3d');
    writeFileSync(broken, writeC3d(base()).slice(0, 1000));
    expect(() => readC3dFile(broken)).toThrow(/^broken\.c3d: data is truncated/);

    const bvhPath = join(tmp.dir, 'bad.bvh');
    writeFileSync(bvhPath, 'HIERARCHY\nROOT hip\n{\n  OFFSET 0 0\n}\n');
    expect(() => readBvhFile(bvhPath)).toThrow(/^bad\.bvh: line 5: OFFSET z of hip: "}" is not a number/);
    expect(() => readBvhFile(join(tmp.dir, 'none.bvh'))).toThrow(/none\.bvh: file not found/);
  });
});
