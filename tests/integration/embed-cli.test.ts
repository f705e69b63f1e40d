/**
 * `kinema embed` against the built app: the shipped VIPE* embeds a synthetic walker's track (an
 * 'embed' job run in the foreground), the series is stored in the project (what train-student
 * distils), and the three file layouts hold one unit-length vector per posed frame; a clip narrows
 * the range; bad arguments (a video without tracks, an unknown clip or track, a bad file name) are
 * refused with a message and nothing stored.
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
  const still = makeVideo(join(tmp.dir, 'still.mp4'), { width: 320, height: 240, fps: 25, seconds: 1 });
  expect(run(['init']).code).toBe(0);
  // One at a time, so the walk is video 1.
  expect(run(['import', video]).code).toBe(0);
  expect(run(['import', still]).code).toBe(0);
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
    const r = run(['embed', '1', '--out', json]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.stdout).toContain(
      `Embedded track 0 of run ${runId}: frames ${first}–${last} (${rows.length} with a pose), 32 values per frame (vipe`,
    );
    const list = JSON.parse(readFileSync(json, 'utf8')) as [number, number[], { model: string }][];
    expect(list).toHaveLength(rows.length);
    expect(list[0][0]).toBe(first);
    expect(list[0][2].model).toBe('vipe');
    for (const [, v] of list) expect(Math.hypot(...v)).toBeCloseTo(1, 4);

    const npz = join(tmp.dir, 'walk.npz');
    expect(run(['embed', '1', '--out', npz]).code).toBe(0);
    const members = readNpz(readFileSync(npz), npz);
    const emb = readNpy(members.get('embeddings.npy') ?? members.get('embeddings')!, 'embeddings');
    expect(emb.shape).toEqual([last - first + 1, 32]);
    const frames = readNpy(members.get('frames.npy') ?? members.get('frames')!, 'frames');
    expect(Array.from((frames as { data: Int32Array }).data).slice(0, 2)).toEqual([first, first + 1]);
    const npyPath = join(tmp.dir, 'walk.npy');
    expect(run(['embed', '1', '--run', String(runId), '--track', '0', '--out', npyPath]).code).toBe(0);
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

  it('embeds a clip’s frames only, as a second series', () => {
    const first = rows[0].frame;
    expect(
      run(['clip-add', '--video', '1', '--in', String(first + 10), '--out', String(first + 40)]).code,
    ).toBe(0);
    const json = join(tmp.dir, 'clip.json');
    const r = run(['embed', '--clip', '1', '--out', json, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      firstFrame: first + 10,
      frames: 30,
      dim: 32,
      source: 'vipe',
    });
    const list = JSON.parse(readFileSync(json, 'utf8')) as [number, number[]][];
    expect(list.map(([f]) => f)).toEqual(Array.from({ length: 30 }, (_, i) => first + 10 + i));
    const db = new Database(project, { readonly: true });
    expect(
      db.prepare('SELECT clip_id AS clip, frame_count AS n FROM frame_series ORDER BY id').all(),
    ).toEqual([
      { clip: null, n: rows.length },
      { clip: 1, n: 30 },
    ]);
    db.close();
  });

  it('refuses a video without tracks, an unknown clip or track, a bad output name, storing nothing new', () => {
    expect(run(['embed', '2']).stderr).toContain(
      'kinema: error: still.mp4 (video 2) has no pose tracks to embed: detect or import poses first.',
    );
    expect(run(['embed', '--clip', '9']).stderr).toContain('kinema: error: Clip 9 does not exist.');
    expect(run(['embed', '1', '--track', '7']).stderr).toMatch(/has no track 7 \(tracks: 0\)/);
    expect(run(['embed', '1', '--model', 'nope']).stderr).toContain(
      'No vipe model named "nope" in this project',
    );
    expect(run(['embed', '1', '--out', join(tmp.dir, 'x.csv')]).stderr).toMatch(
      /--out must end in \.npy, \.npz or \.json/,
    );
    expect(run(['embed', '99']).stderr).toMatch(/Video 99 is not in this project/);
    expect(run(['embed']).stderr).toMatch(/give a video id or --clip ID/);
    const db = new Database(project, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM frame_series').get()).toEqual({ n: 2 });
    expect(
      db.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'embed' AND state = 'done'").get(),
    ).toEqual({ n: 4 });
    db.close();
  });
});
