/**
 * `kinema embed` against the built app: the shipped VIPE* embeds a synthetic walker's track, the
 * series is stored in the project (what train-student distils), and the three file layouts hold
 * one unit-length vector per posed frame; bad arguments are refused with nothing stored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { readNpy, readNpz } from '../../src/main/formats/npy';
import { buildTrack } from '../../src/shared/pose';
import { assertBuilt, cli } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';
import { walkPair } from '../helpers/walker';

const tmp = tempDir('embed-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'embed.kinema');
const pair = walkPair();
const run = (args: string[]) => cli([...args, '--project', project], env);
let runId = 0;
const rows = pair.reference;

beforeAll(() => {
  assertBuilt();
  const video = makeVideo(join(tmp.dir, 'walk.mp4'), { width: 480, height: 360, fps: pair.fps, seconds: 6 });
  expect(run(['init']).code).toBe(0);
  expect(run(['import', video]).code).toBe(0);
  const file = join(tmp.dir, 'poses.json');
  writeCocoKeypoints(file, {
    video: { width: 480, height: 360, fps: pair.fps, name: 'walk' },
    tracks: [buildTrack(0, 'coco17', rows)],
    provenance: { model: 'synthetic', params: {} },
  });
  const r = run(['import-poses', file, '--video', '1', '--format', 'coco', '--json']);
  runId = (JSON.parse(r.stdout) as { id: number }).id;
});
afterAll(() => tmp.cleanup());

describe('kinema embed', () => {
  it('stores VIPE* embeddings of the track and writes them as JSON, npz and npy', () => {
    const first = rows[0].frame;
    const last = rows[rows.length - 1].frame;
    const json = join(tmp.dir, 'walk.json');
    const r = run(['embed', String(runId), '--out', json]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.stdout).toContain(`frames ${first}–${last}, 32 values per frame (vipe`);
    const list = JSON.parse(readFileSync(json, 'utf8')) as [number, number[], { model: string }][];
    expect(list).toHaveLength(rows.length);
    expect(list[0][0]).toBe(first);
    expect(list[0][2].model).toBe('vipe');
    for (const [, v] of list) expect(Math.hypot(...v)).toBeCloseTo(1, 4);

    const npz = join(tmp.dir, 'walk.npz');
    expect(run(['embed', String(runId), '--out', npz]).code).toBe(0);
    const members = readNpz(readFileSync(npz), npz);
    const emb = readNpy(members.get('embeddings.npy') ?? members.get('embeddings')!, 'embeddings');
    expect(emb.shape).toEqual([last - first + 1, 32]);
    const frames = readNpy(members.get('frames.npy') ?? members.get('frames')!, 'frames');
    expect(Array.from((frames as { data: Int32Array }).data).slice(0, 2)).toEqual([first, first + 1]);
    const npyPath = join(tmp.dir, 'walk.npy');
    expect(run(['embed', String(runId), '--out', npyPath]).code).toBe(0);
    const npy = readNpy(readFileSync(npyPath), npyPath);
    expect(npy.shape).toEqual([last - first + 1, 32]);
    expect(Array.from((npy as { data: Float32Array }).data).slice(0, 32)).toEqual(
      list[0][1].map((x) => Math.fround(x)),
    );

    // Stored once (a recompute replaces it), as the student's default teacher.
    const db = new Database(project, { readonly: true });
    expect(db.prepare("SELECT source, width FROM frame_series WHERE kind = 'embedding'").all()).toEqual([
      { source: 'vipe', width: 32 },
    ]);
    db.close();
  });

  it('refuses an unknown track, a bad output name and a missing run, storing nothing new', () => {
    expect(run(['embed', String(runId), '--track', '7']).stderr).toMatch(/has no track 7 \(tracks: 0\)/);
    expect(run(['embed', String(runId), '--out', join(tmp.dir, 'x.csv')]).stderr).toMatch(
      /--out must end in \.npy, \.npz or \.json/,
    );
    expect(run(['embed', '99']).stderr).toMatch(/Pose run 99 does not exist/);
    const db = new Database(project, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM frame_series').get()).toEqual({ n: 1 });
    db.close();
  });
});
