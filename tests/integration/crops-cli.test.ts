/**
 * `kinema crops` and `kinema flow` against the built app: a generated video of a real person is
 * detected, its track cut into the VPD crop directory (crop, prev, flow, mask per frame), and the
 * flow images recomputed; bad arguments are refused.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFlowPng, medianFlow } from '../../src/main/vpd/flow';
import { assertBuilt, cli } from '../helpers/app';
import { makePersonVideo, tempDir } from '../helpers/media';

const tmp = tempDir('crops-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'crops.kinema');
const run = (args: string[]) => cli([...args, '--project', project], env);
let runId = 0;

beforeAll(() => {
  assertBuilt();
  // The person walks right at 60 px/s.
  makePersonVideo(join(tmp.dir, 'walk.mp4'), { fps: 25, seconds: 1.2, speed: 60 });
  expect(run(['init']).code).toBe(0);
  expect(run(['import', join(tmp.dir, 'walk.mp4')]).stdout).toContain('Imported video 1');
  const d = run(['detect', '1', '--json']);
  expect(d.code).toBe(0);
  runId = (JSON.parse(d.stdout) as { runId: number }).runId;
});
afterAll(() => tmp.cleanup());

describe('kinema crops', () => {
  it('writes crop, prev, flow and mask PNGs for every frame, with flow images that decode', () => {
    const out = join(tmp.dir, 'crops');
    const r = run(['crops', String(runId), '--out-dir', out, '--size', '96', '--json']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { outDir: string; frames: number; cropSize: number };
    expect(res).toMatchObject({ outDir: out, frames: 30, cropSize: 96 });
    const files = readdirSync(out);
    for (const f of [0, 15, 29])
      for (const kind of ['png', 'prev.png', 'flow.png', 'mask.png']) expect(files).toContain(`${f}.${kind}`);
    expect(files.some((f) => f.includes('partial'))).toBe(false);
    const [dx] = medianFlow(decodeFlowPng(readFileSync(join(out, '15.flow.png'))));
    expect(Number.isFinite(dx)).toBe(true);

    const flow = cli(['flow', out, '--overwrite', '--json'], env);
    expect(flow.code).toBe(0);
    expect((JSON.parse(flow.stdout) as { written: number }).written).toBe(30);
  });

  it('refuses a missing track, a range outside the video and a bad view', () => {
    const bad = (args: string[], message: RegExp) => {
      const r = run(args);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
    };
    bad(['crops', String(runId), '--track', '5'], /has no track 5/);
    bad(['crops', String(runId), '--from', '10', '--to', '500'], /outside walk\.mp4/);
    bad(['crops', String(runId), '--view', 'side'], /--view must be front or back/);
    expect(existsSync(join(tmp.dir, 'crops.crops'))).toBe(false);
  });
});
