/**
 * `kinema smooth` on the built CLI: a COCO import smoothed into a new run (source 'filter') while
 * the imported run stays as it was; a Butterworth cutoff at or above fps / 2 is refused with a
 * clear message and nothing is written.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunPoseSet } from '../../src/main/db/poses';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack, type PoseSet } from '../../src/shared/pose';
import { assertBuilt, cli } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';
import { syntheticRow } from '../helpers/poses';

const tmp = tempDir('smooth-cli-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'smooth.kinema');
let sourceRun = 0;

function withDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(project, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const runCount = () =>
  withDb((db) => (db.prepare('SELECT count(*) AS n FROM pose_runs').get() as { n: number }).n);

beforeAll(() => {
  assertBuilt();
  const video = makeVideo(join(tmp.dir, 'clip.mp4'), { width: 640, height: 360, fps: 25, seconds: 1 });
  expect(cli(['init', '--project', project], env).code).toBe(0);
  expect(cli(['import', video, '--project', project], env).code).toBe(0);
  const set: PoseSet = {
    video: { width: 640, height: 360, fps: 25, frameCount: 25, name: 'clip' },
    tracks: [
      buildTrack(
        0,
        'coco17',
        Array.from({ length: 25 }, (_, f) => syntheticRow(f, 0)),
      ),
    ],
    provenance: { model: 'synthetic', params: {} },
  };
  const file = join(tmp.dir, 'clip_coco.json');
  writeCocoKeypoints(file, set);
  const r = cli(
    ['import-poses', file, '--video', '1', '--format', 'coco', '--project', project, '--json'],
    env,
  );
  expect(r.code).toBe(0);
  sourceRun = (JSON.parse(r.stdout) as { id: number }).id;
});
afterAll(() => tmp.cleanup());

describe('kinema smooth', () => {
  it('stores a smoothed copy as a new run and keeps the source', () => {
    const before = withDb((db) => loadRunPoseSet(db, sourceRun));
    const r = cli(
      [
        'smooth',
        String(sourceRun),
        '--filter',
        'butterworth',
        '--cutoff',
        '5',
        '--project',
        project,
        '--json',
      ],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as { id: number; source: string; model: string; params: unknown };
    expect(run).toMatchObject({
      source: 'filter',
      model: 'butterworth',
      params: { fromRunId: sourceRun, filter: 'butterworth', cutoffHz: 5 },
    });
    const smoothed = withDb((db) => loadRunPoseSet(db, run.id));
    expect(Array.from(smoothed.tracks[0].frames)).toEqual(Array.from(before.tracks[0].frames));
    expect(withDb((db) => loadRunPoseSet(db, sourceRun))).toEqual(before);

    const text = cli(['smooth', String(sourceRun), '--filter', 'median', '--project', project], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`^Smoothed run ${sourceRun} with median into run \\d+: 1 track\\(s\\), 25 poses`),
    );
  });

  it('refuses a cutoff at or above half the frame rate, writing nothing', () => {
    const n = runCount();
    const r = cli(
      ['smooth', String(sourceRun), '--filter', 'butterworth', '--cutoff', '12.5', '--project', project],
      env,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/below half the frame rate \(12\.5 Hz for this 25 fps video\), got 12\.5 Hz/);
    const bad = cli(['smooth', String(sourceRun), '--filter', 'gaussian', '--project', project], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--filter must be one-euro, butterworth or median/);
    expect(runCount()).toBe(n);
  });
});
