/**
 * Killing the app in the middle of an import leaves a valid database and a job that resumes
 * where it stopped: committed thumbnails are kept, not redone, and the import completes.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cli, spawnCli } from '../helpers/app';
import { makeVideo, tempDir } from '../helpers/media';

const tmp = tempDir('resume-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'kill.kinema');
let video: string;

function snapshot() {
  const db = new Database(project, { readonly: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      thumbnails: (db.prepare('SELECT count(*) AS n FROM thumbnails').get() as { n: number }).n,
      videos: db.prepare('SELECT id, status FROM videos').all() as { id: number; status: string }[],
      jobs: db.prepare('SELECT state, attempts, checkpoint FROM jobs').all() as {
        state: string;
        attempts: number;
        checkpoint: string;
      }[],
    };
  } finally {
    db.close();
  }
}

beforeAll(() => {
  assertBuilt();
  video = makeVideo(join(tmp.dir, 'long.mp4'), { width: 640, height: 360, fps: 30, seconds: 30, gop: 250 });
  expect(cli(['init', '--project', project], env).code).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('kill during import', () => {
  it('leaves a valid DB and the job resumes from its last committed chunk', async () => {
    const child = spawnCli(['import', video, '--project', project], env);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill as soon as the first chunk of thumbnails is committed.
    const deadline = Date.now() + 60_000;
    let killedAt = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      let n = 0;
      try {
        n = snapshot().thumbnails;
      } catch {
        continue; // the file may be mid-creation
      }
      if (n > 0) {
        child.kill('SIGKILL');
        killedAt = n;
        break;
      }
    }
    await exited;
    expect(killedAt).toBeGreaterThan(0);

    const afterKill = snapshot();
    expect(afterKill.integrity).toBe('ok');
    expect(afterKill.jobs).toHaveLength(1);
    expect(afterKill.jobs[0].state).toBe('running');
    expect(afterKill.videos).toEqual([{ id: 1, status: 'importing' }]);
    const cp = JSON.parse(afterKill.jobs[0].checkpoint);
    expect(cp.nextThumb).toBe(afterKill.thumbnails);
    expect(cp.nextThumb).toBeLessThan(30);

    const resumed = cli(['jobs', '--resume', '--project', project, '--json'], env);
    expect(resumed.stderr).not.toMatch(/error/);
    expect(resumed.code).toBe(0);
    const done = snapshot();
    expect(done.integrity).toBe('ok');
    expect(done.jobs[0]).toMatchObject({ state: 'done', attempts: 2 });
    expect(done.videos).toEqual([{ id: 1, status: 'ready' }]);
    expect(done.thumbnails).toBe(30);
  });
});
