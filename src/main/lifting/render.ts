/**
 * A software rasteriser for the 3D view of a lifted track on a packed RGB24 buffer (the render
 * job's right half; the bench's PNG): a perspective camera on a fixed orbit around the current
 * pelvis (azimuth, elevation, distance), a ground grid that stays put in the world (so it scrolls
 * under a walking athlete), the root trail so far, and the bones coloured left / right / centre,
 * nearest drawn last. No depth buffer: lines are few and sorted far to near.
 */
import { BONES, boneSide, posedAt, SIDE_COLORS, type Scene3d } from '../../shared/lifting/scene3d';

export interface OrbitView {
  /** Degrees around the vertical, 0 = from the original camera's side. */
  azimuthDeg: number;
  /** Degrees above the horizontal. */
  elevationDeg: number;
  distanceM: number;
  /** Focal length as a multiple of the view's height. */
  focalOverHeight: number;
}

export const DEFAULT_ORBIT: OrbitView = {
  azimuthDeg: 40,
  elevationDeg: 15,
  distanceM: 4.2,
  focalOverHeight: 1.3,
};

type V3 = [number, number, number];

interface Camera {
  pos: V3;
  right: V3;
  up: V3;
  fwd: V3;
  focal: number;
  cx: number;
  cy: number;
}

const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const unit = (a: V3): V3 => {
  const n = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
};

function orbitCamera(target: V3, view: OrbitView, width: number, height: number): Camera {
  const az = (view.azimuthDeg * Math.PI) / 180;
  const el = (view.elevationDeg * Math.PI) / 180;
  const d = view.distanceM;
  const pos: V3 = [
    target[0] + d * Math.cos(el) * Math.sin(az),
    target[1] + d * Math.sin(el),
    target[2] + d * Math.cos(el) * Math.cos(az),
  ];
  const fwd = unit(sub(target, pos));
  const right = unit(cross(fwd, [0, 1, 0]));
  const up = cross(right, fwd);
  return { pos, right, up, fwd, focal: view.focalOverHeight * height, cx: width / 2, cy: height / 2 };
}

const NEAR = 0.05;

/** Camera coordinates (x right, y up, depth forward). */
function toCamera(c: Camera, p: V3): V3 {
  const v = sub(p, c.pos);
  return [dot(v, c.right), dot(v, c.up), dot(v, c.fwd)];
}

export class RgbCanvas {
  constructor(
    readonly rgb: Uint8Array,
    readonly width: number,
    readonly height: number,
    /** Where this canvas's (0, 0) is in the buffer, and the buffer's row width. */
    readonly x0 = 0,
    readonly stride = width,
  ) {}

  fill(color: readonly number[]): void {
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++) this.rgb.set(color, (y * this.stride + this.x0 + x) * 3);
  }

  dot(x: number, y: number, radius: number, color: readonly number[]): void {
    const r2 = radius * radius;
    for (let dy = -Math.ceil(radius); dy <= Math.ceil(radius); dy++)
      for (let dx = -Math.ceil(radius); dx <= Math.ceil(radius); dx++) {
        if (dx * dx + dy * dy > r2) continue;
        const px = Math.round(x + dx);
        const py = Math.round(y + dy);
        if (px < 0 || py < 0 || px >= this.width || py >= this.height) continue;
        this.rgb.set(color, (py * this.stride + this.x0 + px) * 3);
      }
  }

  /** A line of `thickness` pixels (a round brush stepped along it). */
  line(ax: number, ay: number, bx: number, by: number, thickness: number, color: readonly number[]): void {
    const steps = Math.ceil(Math.hypot(bx - ax, by - ay));
    if (steps > 20_000) return; // off-screen nonsense from a point just past the near plane
    for (let i = 0; i <= steps; i++) {
      const t = steps ? i / steps : 0;
      this.dot(ax + (bx - ax) * t, ay + (by - ay) * t, thickness / 2, color);
    }
  }
}

/** Projects a world segment, clipped at the near plane; null when wholly behind the camera. */
function projectSegment(c: Camera, a: V3, b: V3): [number, number, number, number, number] | null {
  let pa = toCamera(c, a);
  let pb = toCamera(c, b);
  if (pa[2] < NEAR && pb[2] < NEAR) return null;
  const clip = (p: V3, q: V3): V3 => {
    const t = (NEAR - p[2]) / (q[2] - p[2]);
    return [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t, NEAR];
  };
  if (pa[2] < NEAR) pa = clip(pa, pb);
  else if (pb[2] < NEAR) pb = clip(pb, pa);
  const sx = (p: V3) => c.cx + (c.focal * p[0]) / p[2];
  const sy = (p: V3) => c.cy - (c.focal * p[1]) / p[2];
  return [sx(pa), sy(pa), sx(pb), sy(pb), (pa[2] + pb[2]) / 2];
}

/** The pelvis the view orbits at row t: the posed row itself, else the nearest posed one. */
export function viewTarget(scene: Scene3d, t: number): V3 {
  for (let d = 0; d < scene.frames; d++)
    for (const u of [t - d, t + d])
      if (posedAt(scene, u)) return [scene.root[u * 3], scene.groundY + 0.9, scene.root[u * 3 + 2]];
  return [0, scene.groundY + 0.9, 0];
}

/** Draws row `t` of the scene into `canvas`. */
export function renderScene(
  canvas: RgbCanvas,
  scene: Scene3d,
  t: number,
  view: OrbitView = DEFAULT_ORBIT,
): void {
  const { width, height } = canvas;
  canvas.fill([24, 27, 33]);
  const target = viewTarget(scene, t);
  const cam = orbitCamera(target, view, width, height);
  const px = Math.max(1, height / 360);
  // Ground grid: 0.5 m squares over ±5 m around the target, snapped to the world grid.
  const step = 0.5;
  const gx = Math.round(target[0] / step) * step;
  const gz = Math.round(target[2] / step) * step;
  const y = scene.groundY;
  for (let i = -10; i <= 10; i++) {
    const strong = Math.abs(Math.round((gx + i * step) / step)) % 2 === 0;
    const color = strong ? [70, 76, 86] : [48, 52, 60];
    for (const [a, b] of [
      [
        [gx + i * step, y, gz - 5],
        [gx + i * step, y, gz + 5],
      ],
      [
        [gx - 5, y, gz + i * step],
        [gx + 5, y, gz + i * step],
      ],
    ] as [V3, V3][]) {
      const s = projectSegment(cam, a, b);
      if (s) canvas.line(s[0], s[1], s[2], s[3], px, color);
    }
  }
  // Root trail up to this frame, on the ground.
  let prev: V3 | null = null;
  for (let u = 0; u <= Math.min(t, scene.frames - 1); u++) {
    if (!posedAt(scene, u)) {
      prev = null;
      continue;
    }
    const p: V3 = [scene.root[u * 3], y + 0.005, scene.root[u * 3 + 2]];
    if (prev) {
      const s = projectSegment(cam, prev, p);
      if (s) canvas.line(s[0], s[1], s[2], s[3], 2 * px, [90, 200, 120]);
    }
    prev = p;
  }
  if (!posedAt(scene, t)) return;
  const w = scene.world;
  const at = (j: number): V3 => [w[t * 51 + j * 3], w[t * 51 + j * 3 + 1], w[t * 51 + j * 3 + 2]];
  // Shadow: the skeleton flattened on the ground.
  for (const [p, c] of BONES) {
    const a = at(p);
    const b = at(c);
    const s = projectSegment(cam, [a[0], y, a[2]], [b[0], y, b[2]]);
    if (s) canvas.line(s[0], s[1], s[2], s[3], 2 * px, [14, 16, 20]);
  }
  const segments = BONES.map(([p, c]) => ({ s: projectSegment(cam, at(p), at(c)), side: boneSide(c) }))
    .filter((b) => b.s !== null)
    .sort((a, b) => b.s![4] - a.s![4]);
  for (const { s, side } of segments) {
    canvas.line(s![0], s![1], s![2], s![3], 4 * px, SIDE_COLORS[side]);
    canvas.dot(s![2], s![3], 3 * px, [250, 250, 250]);
  }
}
