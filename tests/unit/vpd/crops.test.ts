import { describe, expect, it } from 'vitest';
import { buildTrack, type PoseRow, type PoseTrack } from '../../../src/shared/pose';
import {
  computeCropBoxes,
  cropBoxAt,
  cropFileName,
  cropFilePath,
  cropJitter,
  keypointsForCrop,
  parseCropFileName,
  type CropBox,
} from '../../../src/shared/vpd/crops';

const W = 1280;
const H = 720;
const FPS = 30;

/** Deterministic noise in [-1, 1]. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/**
 * A COCO-17 athlete 300 px tall whose centre moves along `path(frame)`, each keypoint with
 * `jitterPx` of detector noise; frames listed in `skip` are missing.
 */
function movingTrack(
  frames: number,
  path: (f: number) => [number, number],
  jitterPx: number,
  skip: (f: number) => boolean = () => false,
): PoseTrack {
  const rnd = noise(7);
  // Joint offsets from the centre, a standing person (x, y).
  const layout: [number, number][] = [
    [0, -140],
    [-8, -148],
    [8, -148],
    [-18, -144],
    [18, -144],
    [-40, -100],
    [40, -100],
    [-55, -40],
    [55, -40],
    [-60, 20],
    [60, 20],
    [-25, 10],
    [25, 10],
    [-28, 80],
    [28, 80],
    [-30, 150],
    [30, 150],
  ];
  const rows: PoseRow[] = [];
  for (let f = 0; f < frames; f++) {
    if (skip(f)) continue;
    const [cx, cy] = path(f);
    const kp: number[] = [];
    for (const [dx, dy] of layout) kp.push(cx + dx + rnd() * jitterPx, cy + dy + rnd() * jitterPx, 0.9);
    rows.push({ frame: f, keypoints: kp, box: [cx - 70, cy - 160, 140, 320], score: 0.9 });
  }
  return buildTrack(0, 'coco17', rows);
}

const centre = (b: CropBox): [number, number] => [b.x + b.size / 2, b.y + b.size / 2];

describe('crop boxes', () => {
  const path = (f: number): [number, number] => [300 + 6 * f, 360 + 40 * Math.sin(f / 20)];
  const track = movingTrack(120, path, 6);
  const opts = { frameWidth: W, frameHeight: H, fps: FPS };

  it('follow a moving athlete, one square box per posed frame', () => {
    const boxes = computeCropBoxes(track, opts);
    expect(boxes.map((b) => b.frame)).toEqual(Array.from({ length: 120 }, (_, f) => f));
    for (const b of boxes) {
      const [cx, cy] = centre(b);
      const [tx, ty] = path(b.frame);
      // The box's centre is the keypoints' extent centre: the true centre + 5 px (head taller than feet).
      expect(Math.abs(cx - tx)).toBeLessThan(8);
      expect(Math.abs(cy - (ty + 5))).toBeLessThan(8);
      // Square by construction; side = 300 px extent × 1.25 (+ noise).
      expect(b.size).toBeGreaterThan(300 * 1.25 - 10);
      expect(b.size).toBeLessThan(300 * 1.25 + 20);
      expect(b.bridged).toBe(false);
    }
  });

  it('are much smoother than the raw boxes (jitter measured), and contain the athlete', () => {
    const raw = computeCropBoxes(track, { ...opts, raw: true });
    const smooth = computeCropBoxes(track, opts);
    const jRaw = cropJitter(raw);
    const jSmooth = cropJitter(smooth);
    // The raw centre shakes by the keypoint noise; the motion itself has a tiny second difference.
    expect(jRaw).toBeGreaterThan(3);
    expect(jSmooth).toBeLessThan(jRaw / 5);
    // Independently: frame-to-frame size changes.
    const sizeSteps = (bs: CropBox[]) =>
      Math.max(...bs.slice(1).map((b, i) => Math.abs(b.size - bs[i].size)));
    expect(sizeSteps(smooth)).toBeLessThan(sizeSteps(raw) / 4);
    // Every posed keypoint stays inside its smoothed crop.
    for (let i = 0; i < track.frames.length; i++) {
      const b = cropBoxAt(smooth, track.frames[i])!;
      for (let j = 0; j < 17; j++) {
        const x = track.keypoints[(i * 17 + j) * 3];
        const y = track.keypoints[(i * 17 + j) * 3 + 1];
        expect(x).toBeGreaterThan(b.x);
        expect(x).toBeLessThan(b.x + b.size);
        expect(y).toBeGreaterThan(b.y);
        expect(y).toBeLessThan(b.y + b.size);
      }
    }
  });

  it('a single-frame spike (a keypoint jumping away) barely moves the crop', () => {
    const spiked = movingTrack(60, () => [600, 360], 0);
    spiked.keypoints[(30 * 17 + 9) * 3] += 500; // left wrist of frame 30, 500 px away
    const boxes = computeCropBoxes(spiked, opts);
    const sizes = boxes.map((b) => b.size);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(2);
    const raw = computeCropBoxes(spiked, { ...opts, raw: true });
    expect(raw[30].size - raw[29].size).toBeGreaterThan(200);
  });

  it('bridge short gaps (marked) and leave long gaps without a crop', () => {
    // Missing: 40-42 (3 frames: bridged), 70-89 (20 frames: a real absence).
    const gappy = movingTrack(120, path, 0, (f) => (f >= 40 && f <= 42) || (f >= 70 && f <= 89));
    const boxes = computeCropBoxes(gappy, opts);
    const frames = new Set(boxes.map((b) => b.frame));
    for (const f of [40, 41, 42]) {
      expect(frames.has(f)).toBe(true);
      expect(cropBoxAt(boxes, f)!.bridged).toBe(true);
    }
    for (let f = 70; f <= 89; f++) expect(frames.has(f)).toBe(false);
    expect(cropBoxAt(boxes, 69)!.bridged).toBe(false);
    expect(cropBoxAt(boxes, 90)!.bridged).toBe(false);
    // A bridged box lies between its neighbours.
    const [x39] = centre(cropBoxAt(boxes, 39)!);
    const [x41] = centre(cropBoxAt(boxes, 41)!);
    const [x43] = centre(cropBoxAt(boxes, 43)!);
    expect(x41).toBeGreaterThan(x39);
    expect(x41).toBeLessThan(x43);
    // maxGap 0 bridges nothing.
    const strict = computeCropBoxes(gappy, { ...opts, maxGap: 0 });
    expect(strict.some((b) => b.frame === 41)).toBe(false);
    expect(strict.length).toBe(gappy.frames.length);
  });

  it('keypoints for a bridged frame are interpolated; none outside the track', () => {
    const gappy = movingTrack(
      20,
      (f) => [100 + 10 * f, 300],
      0,
      (f) => f === 5 || f === 6,
    );
    const kp = keypointsForCrop(gappy, 5)!;
    // Nose: x = 100 + 10 f at frames 4 and 7 → 150 at frame 5.
    expect(kp[0]).toBeCloseTo(150, 4);
    expect(kp[2]).toBeCloseTo(0.9, 5);
    expect(keypointsForCrop(gappy, 25)).toBeNull();
    expect(Array.from(keypointsForCrop(gappy, 4)!.subarray(0, 3))).toEqual([
      140,
      160,
      expect.closeTo(0.9, 5),
    ]);
  });

  it("stay square and inside the padded frame at the edges ('pad'), inside the frame ('shift')", () => {
    // Walks out of the left edge, then right past the right edge, and up past the top.
    const edgy = movingTrack(200, (f) => [-100 + 8 * f, 200 - f], 3);
    const pad = computeCropBoxes(edgy, opts);
    for (const b of pad) {
      const [cx, cy] = centre(b);
      expect(cx).toBeGreaterThanOrEqual(0);
      expect(cx).toBeLessThanOrEqual(W);
      expect(cy).toBeGreaterThanOrEqual(0);
      expect(cy).toBeLessThanOrEqual(H);
      expect(b.size).toBeLessThanOrEqual(Math.max(W, H));
    }
    expect(pad.some((b) => b.x < 0)).toBe(true); // really reaches past the edge
    const shift = computeCropBoxes(edgy, { ...opts, edge: 'shift' });
    for (const b of shift) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.size).toBeLessThanOrEqual(W + 1e-9);
      expect(b.y + b.size).toBeLessThanOrEqual(H + 1e-9);
    }
    // An athlete taller than the frame: the side is capped at the frame's longer side.
    const giant = movingTrack(10, () => [640, 360], 0);
    for (let i = 0; i < giant.keypoints.length; i += 3)
      giant.keypoints[i + 1] = 360 + (giant.keypoints[i + 1] - 360) * 4;
    for (const b of computeCropBoxes(giant, opts)) expect(b.size).toBe(W);
  });

  it('use the stored box when too few keypoints score, and skip frames with neither', () => {
    const t = movingTrack(10, () => [500, 300], 0);
    for (let i = 0; i < t.keypoints.length; i += 3) t.keypoints[i + 2] = 0.1;
    t.boxes.fill(0, 4 * 3, 4 * 4); // frame 3: no box either
    const boxes = computeCropBoxes(t, { ...opts, maxGap: 0 });
    expect(boxes.map((b) => b.frame)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    // The stored box is 140 × 320: side 320 × 1.25.
    expect(boxes[0].size).toBeCloseTo(400, 3);
  });

  it('refuse bad options with the reason', () => {
    expect(() => computeCropBoxes(track, { ...opts, fps: 0 })).toThrow(/frame rate/);
    expect(() => computeCropBoxes(track, { ...opts, frameWidth: -1 })).toThrow(/frameWidth/);
    expect(() => computeCropBoxes(track, { ...opts, padding: -0.5 })).toThrow(/padding/);
    expect(() => computeCropBoxes(track, { ...opts, edge: 'wrap' as never })).toThrow(/edge/);
    expect(computeCropBoxes(buildTrack(0, 'coco17', []), opts)).toEqual([]);
  });

  it('work at a low frame rate (the cutoff is lowered below Nyquist)', () => {
    const boxes = computeCropBoxes(movingTrack(20, path, 2), { ...opts, fps: 3 });
    expect(boxes).toHaveLength(20);
    for (const b of boxes) expect(Number.isFinite(b.x + b.y + b.size)).toBe(true);
  });
});

describe('VPD crop file names', () => {
  it('name the four files of a frame, with tennis sub-folders', () => {
    expect(cropFileName(12, 'crop')).toBe('12.png');
    expect(cropFileName(12, 'prev')).toBe('12.prev.png');
    expect(cropFileName(12, 'flow')).toBe('12.flow.png');
    expect(cropFileName(0, 'mask')).toBe('0.mask.png');
    expect(cropFilePath(7, 'flow', 'front')).toBe('front/7.flow.png');
    expect(cropFilePath(7, 'crop', 'back')).toBe('back/7.png');
    expect(cropFilePath(7, 'mask')).toBe('7.mask.png');
  });

  it('read names back and ignore other files', () => {
    expect(parseCropFileName('12.png')).toEqual({ frame: 12, kind: 'crop' });
    expect(parseCropFileName('3.prev.png')).toEqual({ frame: 3, kind: 'prev' });
    expect(parseCropFileName('1000.flow.png')).toEqual({ frame: 1000, kind: 'flow' });
    expect(parseCropFileName('0.mask.png')).toEqual({ frame: 0, kind: 'mask' });
    for (const other of ['crops.json', '12.prev2.png', 'a.png', '012.png', '12.png.tmp', '-1.png'])
      expect(parseCropFileName(other)).toBeNull();
  });

  it('refuse frames that are not frame numbers', () => {
    expect(() => cropFileName(-1, 'crop')).toThrow(/whole number/);
    expect(() => cropFileName(1.5, 'crop')).toThrow(/whole number/);
    expect(() => cropFilePath(1, 'crop', 'side' as never)).toThrow(/front/);
  });
});
