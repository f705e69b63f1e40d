/**
 * Test helpers: random lifter weights, and synthetic lifting sequences (no mocap files needed):
 * a stick figure walking along +X
 * in the Kinema world (metres, Z up), legs and arms swinging, with H36M-17 joints and COCO-17
 * points (nose, eyes and ears placed around the head).
 */
import {
  initLifterWeights,
  type LifterConfig,
  type LifterWeights,
} from '../../../src/main/training/lifter-model';
import type { LiftingSequence } from '../../../src/shared/lifting/dataset';
import { Rng } from '../../../src/shared/lifting/rng';

/** Random lifter weights with non-trivial batch-norm statistics (so folding and running stats matter). */
export function randomWeights(config: LifterConfig, seed: number): LifterWeights {
  const w = initLifterWeights(config, seed);
  const rng = new Rng(seed + 100);
  for (const t of w.tensors) {
    if (!t.name.includes('/bn/')) continue;
    for (let i = 0; i < t.data.length; i++) {
      if (t.name.endsWith('/var')) t.data[i] = rng.uniform(0.3, 2);
      else if (t.name.endsWith('/gamma')) t.data[i] = rng.uniform(0.5, 1.5);
      else t.data[i] = 0.3 * rng.normal();
    }
  }
  return w;
}

export interface WalkerOptions {
  id?: string;
  subject?: string | null;
  category?: string;
  frames?: number;
  fps?: number;
  /** Walking speed, m/s. */
  speed?: number;
  /** Steps per second. */
  cadence?: number;
  /** Overall size factor (1 ≈ 1.75 m tall). */
  scale?: number;
  /** Heading in the ground plane, radians (0 = +X). */
  heading?: number;
}

type V = [number, number, number];

export function syntheticWalker(o: WalkerOptions = {}): LiftingSequence {
  const frames = o.frames ?? 120;
  const fps = o.fps ?? 50;
  const speed = o.speed ?? 1.3;
  const cadence = o.cadence ?? 1.8;
  const s = o.scale ?? 1;
  const heading = o.heading ?? 0;
  const h36m = new Float32Array(frames * 51);
  const coco = new Float32Array(frames * 51);
  const ch = Math.cos(heading);
  const sh = Math.sin(heading);
  // Body frame: forward f (x), left l (y), up z; rotated by the heading into the world.
  const world = (p: V, fwd: number, left: number, up: number): V => [
    p[0] + ch * fwd - sh * left,
    p[1] + sh * fwd + ch * left,
    p[2] + up,
  ];
  for (let t = 0; t < frames; t++) {
    const time = t / fps;
    const phase = 2 * Math.PI * (cadence / 2) * time;
    const pelvis: V = [ch * speed * time, sh * speed * time, s * (0.95 + 0.02 * Math.cos(2 * phase))];
    const legs: [V, V, V][] = [];
    for (const side of [-1, 1]) {
      // side −1 = right, +1 = left
      const swing = 0.45 * Math.sin(phase + (side > 0 ? Math.PI : 0));
      const bend = 0.3 + 0.3 * Math.max(0, Math.sin(phase + (side > 0 ? Math.PI : 0) + 0.8));
      const hip = world(pelvis, 0, side * 0.1 * s, 0);
      const knee = world(hip, s * 0.45 * Math.sin(swing), 0, -s * 0.45 * Math.cos(swing));
      const foot = world(knee, s * 0.43 * Math.sin(swing - bend), 0, -s * 0.43 * Math.cos(swing - bend));
      legs.push([hip, knee, foot]);
    }
    const spine = world(pelvis, 0, 0, s * 0.25);
    const thorax = world(pelvis, 0.02 * s, 0, s * 0.5);
    const neckNose = world(thorax, 0.08 * s, 0, s * 0.1);
    const head = world(thorax, 0.02 * s, 0, s * 0.25);
    const arms: [V, V, V][] = [];
    for (const side of [1, -1]) {
      const swing = 0.35 * Math.sin(phase + (side > 0 ? 0 : Math.PI));
      const shoulder = world(thorax, 0, side * 0.18 * s, -0.02 * s);
      const elbow = world(shoulder, s * 0.28 * Math.sin(swing), side * 0.03 * s, -s * 0.28 * Math.cos(swing));
      const wrist = world(
        elbow,
        s * 0.25 * Math.sin(swing + 0.4),
        side * 0.02 * s,
        -s * 0.25 * Math.cos(swing + 0.4),
      );
      arms.push([shoulder, elbow, wrist]);
    }
    const [right, left] = legs;
    const [leftArm, rightArm] = arms;
    const joints: V[] = [pelvis, ...right, ...left, spine, thorax, neckNose, head, ...leftArm, ...rightArm];
    joints.forEach((p, j) => h36m.set(p, t * 51 + j * 3));
    const headCentre = world(thorax, 0.03 * s, 0, s * 0.17);
    const cocoPts: V[] = [
      world(headCentre, 0.1 * s, 0, 0), // nose
      world(headCentre, 0.08 * s, 0.035 * s, 0.03 * s), // left eye
      world(headCentre, 0.08 * s, -0.035 * s, 0.03 * s), // right eye
      world(headCentre, 0, 0.075 * s, 0), // left ear
      world(headCentre, 0, -0.075 * s, 0), // right ear
      leftArm[0],
      rightArm[0],
      leftArm[1],
      rightArm[1],
      leftArm[2],
      rightArm[2],
      left[0],
      right[0],
      left[1],
      right[1],
      left[2],
      right[2],
    ];
    cocoPts.forEach((p, j) => coco.set(p, t * 51 + j * 3));
  }
  return {
    id: o.id ?? 'synthetic/walk',
    subject: o.subject === undefined ? '01' : o.subject,
    category: o.category ?? 'walk',
    fps,
    frames,
    h36m,
    coco,
  };
}
