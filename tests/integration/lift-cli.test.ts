/**
 * `kinema lift` against the built app: a detected track of a real person (the sample photo walking
 * across a generated video) lifted to 3D with the shipped lifter and written as VideoPose3D's
 * --viz-export .npy, an .npz and a CSV; the skeleton must be plausible (upright, human bone
 * lengths) and bad arguments refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, readNpz } from '../../src/main/formats/npy';
import { H36M17_JOINTS } from '../../src/shared/skeletons/h36m17';
import { assertBuilt, cli } from '../helpers/app';
import { ffprobeFrameCount, makePersonVideo, tempDir } from '../helpers/media';
import { readTrc } from '../../src/main/formats/mocap/trc';
import { parseBvh } from '../../src/shared/mocap/bvh';

const tmp = tempDir('lift-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'lift.kinema');
const run = (args: string[]) => cli([...args, '--project', project], env);
let runId = 0;

beforeAll(() => {
  assertBuilt();
  makePersonVideo(join(tmp.dir, 'walk.mp4'), { fps: 25, seconds: 1.6, speed: 40 });
  expect(run(['init']).code).toBe(0);
  expect(run(['import', join(tmp.dir, 'walk.mp4')]).code).toBe(0);
  const d = run(['detect', '1', '--json']);
  expect(d.code).toBe(0);
  runId = (JSON.parse(d.stdout) as { runId: number }).runId;
});
afterAll(() => tmp.cleanup());

describe('kinema lift', () => {
  it('writes frames × 17 × 3 metres: pelvis at the origin, head above the feet, human bone lengths', () => {
    const out = join(tmp.dir, 'walk3d.npy');
    const r = run(['lift', String(runId), '--out', out, '--json']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 40, lifter: 'lifter-tcn27', receptiveField: 27 });
    const a = readNpy(readFileSync(out), 'walk3d.npy');
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([40, 17, 3]);
    const d = (a as { data: Float32Array }).data;
    const j = (name: string) => (H36M17_JOINTS as readonly string[]).indexOf(name);
    const at = (t: number, name: string) => d.subarray((t * 17 + j(name)) * 3, (t * 17 + j(name)) * 3 + 3);
    const dist = (p: ArrayLike<number>, q: ArrayLike<number>) =>
      Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
    for (const t of [0, 20, 39]) {
      expect(Math.hypot(...at(t, H36M17_JOINTS[0]))).toBeLessThan(1e-4); // pelvis-relative
      // Camera space, y down: the head is above (smaller y than) the feet.
      const ankleY = (at(t, 'left_foot')[1] + at(t, 'right_foot')[1]) / 2;
      expect(at(t, 'head')[1]).toBeLessThan(ankleY - 1);
      for (const side of ['left', 'right']) {
        const femur = dist(at(t, `${side}_hip`), at(t, `${side}_knee`));
        expect(femur).toBeGreaterThan(0.3);
        expect(femur).toBeLessThan(0.6);
      }
    }
    const npz = run(['lift', String(runId), '--out', join(tmp.dir, 'walk3d.npz')]);
    expect(npz.code).toBe(0);
    const members = readNpz(readFileSync(join(tmp.dir, 'walk3d.npz')), 'walk3d.npz');
    expect([...members.keys()].sort()).toEqual(['frames', 'positions_3d']);
    const csv = run(['lift', String(runId), '--out', join(tmp.dir, 'walk3d.csv')]);
    expect(csv.code).toBe(0);
    const lines = readFileSync(join(tmp.dir, 'walk3d.csv'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(41);
    expect(lines[0].split(',')).toHaveLength(1 + 17 * 3);
  });

  it('refuses a bad output name and a missing track', () => {
    const bad = run(['lift', String(runId), '--out', join(tmp.dir, 'x.txt')]);
    expect(bad.stderr).toMatch(/--out must end in \.npy, \.npz, \.csv, \.bvh or \.trc/);
    expect(run(['lift', String(runId)]).stderr).toMatch(
      /--out FILE.npy, .npz, .csv, .bvh or .trc \(or --render OUT.mp4\) is required/,
    );
    expect(run(['lift', String(runId), '--render', join(tmp.dir, 'x.avi')]).stderr).toMatch(
      /--render must end in \.mp4/,
    );
    const unknown = run(['lift', String(runId), '--lifter', 'nope', '--out', join(tmp.dir, 'x.npy')]);
    expect(unknown.stderr).toMatch(/No lifter named "nope" \(there are: lifter-tcn27/);
    const none = run(['lift', String(runId), '--track', '4', '--out', join(tmp.dir, 'x.npy')]);
    expect(none.stderr).toMatch(/has no track 4/);
  });

  it('writes BVH and TRC, renders the video with the 3D skeleton beside it, and takes --lifter', () => {
    const bvhPath = join(tmp.dir, 'walk3d.bvh');
    const r = run([
      'lift',
      String(runId),
      '--out',
      bvhPath,
      '--render',
      join(tmp.dir, 'walk3d.mp4'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 40, render: join(tmp.dir, 'walk3d.mp4') });
    const bvh = parseBvh(readFileSync(bvhPath, 'utf8'));
    expect(bvh.joints.map((j) => j.name)).toEqual([...H36M17_JOINTS]);
    expect(bvh.frameCount).toBe(40);
    expect(ffprobeFrameCount(join(tmp.dir, 'walk3d.mp4'))).toBe(40);
    const trc = run([
      'lift',
      String(runId),
      '--out',
      join(tmp.dir, 'walk3d.trc'),
      '--lifter',
      'lifter-tcn27',
    ]);
    expect(trc.code).toBe(0);
    expect(readTrc(join(tmp.dir, 'walk3d.trc')).markers).toEqual([...H36M17_JOINTS]);
  });
});
