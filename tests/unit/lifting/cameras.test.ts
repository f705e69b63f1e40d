import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CAMERA_OPTIONS,
  lookAtCamera,
  lookAtRotation,
  projectPoints,
  randomWindowCameras,
} from '../../../src/shared/lifting/cameras';
import { Rng } from '../../../src/shared/lifting/rng';

describe('pinhole cameras', () => {
  // A camera 5 m in front of the origin along −Y, at height 1 m, looking along +Y.
  const cam = lookAtCamera([0, -5, 1], [0, 0, 1], { width: 1000, height: 800, fx: 1200, cx: 510, cy: 395 });

  it('projects a point on the optical axis to the principal point', () => {
    const p = projectPoints(cam, [0, 3, 1]);
    expect(p.pixels[0]).toBeCloseTo(510, 4);
    expect(p.pixels[1]).toBeCloseTo(395, 4);
    // camera space: straight ahead, 8 m away
    expect(Array.from(p.cameraM)).toEqual([expect.closeTo(0, 6), expect.closeTo(0, 6), expect.closeTo(8, 6)]);
  });

  it('puts world +X to the image right and world up to the image top (hand-checked pixels)', () => {
    // 1 m right and 0.5 m up, 5 m away: u = 510 + 1200 · 1/5 = 750, v = 395 − 1200 · 0.5/5 = 275.
    const p = projectPoints(cam, [1, 0, 1.5]);
    expect(p.pixels[0]).toBeCloseTo(750, 3);
    expect(p.pixels[1]).toBeCloseTo(275, 3);
  });

  it('moves points outward with positive k1 and inward with negative k1; the centre stays', () => {
    const point = [1, 0, 1.5];
    const base = projectPoints(cam, point).pixels;
    const barrel = projectPoints({ ...cam, k1: -0.2 }, point).pixels;
    const pincushion = projectPoints({ ...cam, k1: 0.2 }, point).pixels;
    const r = (px: Float32Array): number => Math.hypot(px[0] - 510, px[1] - 395);
    expect(r(pincushion)).toBeGreaterThan(r(base));
    expect(r(barrel)).toBeLessThan(r(base));
    // exactly: d = 1 + k1 · r², r² = 0.2² + 0.1² = 0.05
    expect(r(pincushion) / r(base)).toBeCloseTo(1 + 0.2 * 0.05, 5);
    const centre = projectPoints({ ...cam, k1: 0.3, k2: 0.1 }, [0, 3, 1]).pixels;
    expect(centre[0]).toBeCloseTo(510, 4);
  });

  it('gives a proper rotation and counts points behind the camera', () => {
    const R = lookAtRotation([3, 4, 2], [0, 0, 1], 0.1);
    const det =
      R[0] * (R[4] * R[8] - R[5] * R[7]) -
      R[1] * (R[3] * R[8] - R[5] * R[6]) +
      R[2] * (R[3] * R[7] - R[4] * R[6]);
    expect(det).toBeCloseTo(1, 6);
    expect(projectPoints(cam, [0, -10, 1]).behind).toBe(1);
    expect(() => lookAtRotation([0, 0, 5], [0, 0, 0])).toThrow(/straight up or down/);
  });

  it('projects per-frame cameras and refuses a mismatched frame count', () => {
    const cam2 = lookAtCamera([5, 0, 1], [0, 0, 1], { width: 1000, height: 800, fx: 1200 });
    const pts = [0, 0, 1, 0, 0, 1];
    const p = projectPoints([cam, cam2], pts);
    expect(p.cameraM[2]).toBeCloseTo(5, 5);
    expect(p.cameraM[5]).toBeCloseTo(5, 5);
    expect(() => projectPoints([cam, cam2, cam], pts)).toThrow(/frames/);
  });

  it('draws reproducible random cameras that keep the subject in front of them', () => {
    const root = new Float32Array(60 * 3);
    for (let t = 0; t < 60; t++) root.set([t * 0.1, 0, 0.95], t * 3); // walks 6 m
    const a = randomWindowCameras(new Rng(7), root);
    const b = randomWindowCameras(new Rng(7), root);
    expect(a[30]).toEqual(b[30]);
    for (let seed = 0; seed < 40; seed++) {
      for (const pan of [0, 1]) {
        const cams = randomWindowCameras(new Rng(seed), root, {
          ...DEFAULT_CAMERA_OPTIONS,
          panProbability: pan,
        });
        const p = projectPoints(cams, root);
        // Static: every root at least 1.5 m deep; panning: the camera turns towards the root.
        for (let t = 0; t < 60; t++) expect(p.cameraM[t * 3 + 2]).toBeGreaterThan(pan ? 1.0 : 1.5 - 1e-4);
        expect(p.behind).toBe(0);
      }
    }
  });
});
