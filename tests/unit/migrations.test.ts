/**
 * One test per migration: build the database at version N-1, put data in, migrate to N, check
 * the data survived and the new schema works.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KINEMA_APPLICATION_ID, openDatabase, schemaVersion } from '../../src/main/db/connection';
import { latestSchemaVersion, migrations } from '../../src/main/db/migrations';
import { tempDir } from '../helpers/media';

const tmp = tempDir('migrations-');
afterAll(() => tmp.cleanup());
const fresh = (name: string) => join(tmp.dir, `${name}.kinema`);

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(
      Array.from({ length: latestSchemaVersion }, (_, i) => i + 1),
    );
  });

  it('0001-initial creates projects, videos, clips and jobs with their constraints', () => {
    const db = openDatabase(fresh('m1'), { create: true, targetVersion: 1 });
    expect(schemaVersion(db)).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(KINEMA_APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare("INSERT INTO project (id, name, created_at) VALUES (1, 'p', 'now')").run();
    db.prepare(
      `INSERT INTO videos (id, path, file_name, size_bytes, mtime_ms, duration_s, fps_num, fps_den, frame_count, width, height, codec, has_audio, status, imported_at)
       VALUES (1, '/v.mp4', 'v.mp4', 1, 0, 1, 25, 1, 25, 64, 64, 'h264', 0, 'ready', 'now')`,
    ).run();
    const clip = db.prepare(
      "INSERT INTO clips (video_id, in_frame, out_frame, created_at, updated_at) VALUES (1, ?, ?, 'now', 'now')",
    );
    clip.run(0, 10);
    expect(() => clip.run(5, 5)).toThrow(/CHECK/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO clips (video_id, in_frame, out_frame, created_at, updated_at) VALUES (99, 0, 1, 'now', 'now')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO jobs (kind, title, params, state, created_at) VALUES ('import', 't', '{}', 'weird', 'now')",
        )
        .run(),
    ).toThrow(/CHECK/);
    db.close();
  });

  it('0002-media-index adds frame index, proxy and thumbnails, keeping existing videos and clips', () => {
    const path = fresh('m2');
    const v1 = openDatabase(path, { create: true, targetVersion: 1 });
    v1.prepare(
      `INSERT INTO videos (id, path, file_name, size_bytes, mtime_ms, duration_s, fps_num, fps_den, frame_count, width, height, codec, has_audio, status, imported_at)
       VALUES (1, '/v.mp4', 'v.mp4', 1, 0, 1, 25, 1, 25, 64, 64, 'h264', 0, 'ready', 'now')`,
    ).run();
    v1.prepare(
      "INSERT INTO clips (video_id, in_frame, out_frame, label, created_at, updated_at) VALUES (1, 2, 9, 'serve', 'now', 'now')",
    ).run();
    v1.close();

    const v2 = openDatabase(path, { targetVersion: 2 });
    expect(schemaVersion(v2)).toBe(2);
    expect(v2.prepare('SELECT start_time_s, frame_times, proxy_path FROM videos WHERE id = 1').get()).toEqual(
      {
        start_time_s: 0,
        frame_times: null,
        proxy_path: null,
      },
    );
    expect(v2.prepare('SELECT label, in_frame, out_frame FROM clips').get()).toEqual({
      label: 'serve',
      in_frame: 2,
      out_frame: 9,
    });
    v2.prepare("INSERT INTO thumbnails (video_id, idx, frame, jpeg) VALUES (1, 0, 0, x'ffd8ffd9')").run();
    v2.prepare('DELETE FROM videos WHERE id = 1').run();
    expect(v2.prepare('SELECT count(*) AS n FROM thumbnails').get()).toEqual({ n: 0 });
    v2.close();
  });
  it('0003-pose-tracks adds runs, tracks and chunks that cascade with their video', () => {
    const path = fresh('m3');
    const v2 = openDatabase(path, { create: true, targetVersion: 2 });
    v2.prepare(
      `INSERT INTO videos (id, path, file_name, size_bytes, mtime_ms, duration_s, fps_num, fps_den, frame_count, width, height, codec, has_audio, status, imported_at)
       VALUES (1, '/v.mp4', 'v.mp4', 1, 0, 1, 25, 1, 25, 64, 64, 'h264', 0, 'ready', 'now')`,
    ).run();
    v2.prepare(
      "INSERT INTO jobs (id, kind, title, params, state, created_at) VALUES (7, 'import', 't', '{}', 'done', 'now')",
    ).run();
    v2.close();

    const v3 = openDatabase(path, { targetVersion: 3 });
    expect(schemaVersion(v3)).toBe(3);
    expect(v3.prepare('SELECT id, status FROM videos').all()).toEqual([{ id: 1, status: 'ready' }]);
    v3.prepare(
      "INSERT INTO pose_runs (id, video_id, skeleton_id, source, model, params, job_id, created_at) VALUES (1, 1, 'coco17', 'model', 'm', '{}', 7, 'now')",
    ).run();
    expect(() =>
      v3
        .prepare(
          "INSERT INTO pose_runs (video_id, skeleton_id, source, model, created_at) VALUES (1, 'coco17', 'guess', 'm', 'now')",
        )
        .run(),
    ).toThrow(/CHECK/);
    v3.prepare('INSERT INTO pose_tracks (id, run_id, track_id) VALUES (1, 1, 0)').run();
    expect(() => v3.prepare('INSERT INTO pose_tracks (run_id, track_id) VALUES (1, 0)').run()).toThrow(
      /UNIQUE/,
    );
    const chunk = v3.prepare(
      "INSERT INTO pose_chunks (track_row, first_frame, frame_count, frames, keypoints, boxes, scores) VALUES (1, ?, 1, x'00', x'00', x'00', x'00')",
    );
    chunk.run(0);
    expect(() => chunk.run(0)).toThrow(/UNIQUE|PRIMARY/);
    v3.prepare('DELETE FROM jobs WHERE id = 7').run();
    expect(v3.prepare('SELECT job_id FROM pose_runs').get()).toEqual({ job_id: null });
    v3.prepare('DELETE FROM videos WHERE id = 1').run();
    for (const table of ['pose_runs', 'pose_tracks', 'pose_chunks'])
      expect(v3.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    v3.close();
  });
});
