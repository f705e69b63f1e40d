/** Synthetic walkers for the tracking tests: COCO-17 poses with walking swing, noise and boxes. */
import type { Detection } from '../../../src/shared/tracking';

/** Deterministic PRNG (mulberry32) with a Gaussian helper. */
export function rng(seed: number): { uniform: () => number; normal: () => number } {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

// x, y relative to the hip centre, in units of body height (y down).
const TEMPLATE: [number, number][] = [
  [0, -0.42],
  [0.02, -0.44],
  [-0.02, -0.44],
  [0.04, -0.43],
  [-0.04, -0.43],
  [0.1, -0.3],
  [-0.1, -0.3],
  [0.12, -0.15],
  [-0.12, -0.15],
  [0.12, -0.02],
  [-0.12, -0.02],
  [0.06, 0],
  [-0.06, 0],
  [0.06, 0.22],
  [-0.06, 0.22],
  [0.06, 0.45],
  [-0.06, 0.45],
];
// Swing amplitude (× height) per joint, sign gives left/right opposition.
const SWING = [0, 0, 0, 0, 0, 0, 0, -0.03, 0.03, -0.06, 0.06, 0, 0, 0.04, -0.04, 0.08, -0.08];

export interface Walker {
  /** Hip centre at frame f. */
  x: (f: number) => number;
  y: (f: number) => number;
  height: number;
  /** Step phase offset (radians) and frequency (cycles per frame). */
  phase?: number;
  stepFreq?: number;
}

export interface DetectionNoise {
  sigma?: number;
  /** Probability that a keypoint gets a low score (and a wild position). */
  dropout?: number;
}

export function detect(
  w: Walker,
  f: number,
  r: ReturnType<typeof rng>,
  noise: DetectionNoise = {},
): Detection {
  const sigma = noise.sigma ?? 1;
  const dropout = noise.dropout ?? 0;
  const h = w.height;
  const phi = 2 * Math.PI * (w.stepFreq ?? 1 / 30) * f + (w.phase ?? 0);
  const kp = new Float32Array(17 * 3);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  // The face points the way the person walks (people walking toward each other face each other).
  const facing = Math.sign(w.x(f + 1) - w.x(f));
  TEMPLATE.forEach(([tx, ty], j) => {
    const face = j < 5 ? 0.04 * facing : 0;
    let x = w.x(f) + (tx + face + SWING[j] * Math.sin(phi)) * h + sigma * r.normal();
    let y = w.y(f) + ty * h + sigma * r.normal();
    let score = 0.85 + 0.1 * r.uniform();
    if (r.uniform() < dropout) {
      x += 60 * r.normal();
      y += 60 * r.normal();
      score = 0.1 * r.uniform();
    }
    kp.set([x, y, score], j * 3);
    if (score >= 0.3) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  });
  const mx = 0.1 * (x1 - x0) + 5;
  const my = 0.1 * (y1 - y0);
  return { keypoints: kp, box: [x0 - mx, y0 - my, x1 - x0 + 2 * mx, y1 - y0 + 2 * my], score: 0.9 };
}

export interface Scene {
  detections: Detection[][];
  /** Ground-truth identity of each detection, frame by frame (same order). */
  gtIds: number[][];
}

/** Builds a scene: `present(id, f)` says whether walker `id` is detected at frame f. */
export function scene(
  walkers: Walker[],
  frames: number,
  present: (id: number, f: number) => boolean,
  seed = 1,
  noise: DetectionNoise = {},
): Scene {
  const r = rng(seed);
  const detections: Detection[][] = [];
  const gtIds: number[][] = [];
  for (let f = 0; f < frames; f++) {
    const dets: Detection[] = [];
    const ids: number[] = [];
    // Shuffle the order so that the detector's order carries no identity.
    const order = walkers.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(r.uniform() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const id of order) {
      if (!present(id, f)) continue;
      dets.push(detect(walkers[id], f, r, noise));
      ids.push(id);
    }
    detections.push(dets);
    gtIds.push(ids);
  }
  return { detections, gtIds };
}
