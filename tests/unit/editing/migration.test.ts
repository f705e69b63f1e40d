/**
 * Migration 0004-pose-edits, in the style of tests/unit/migrations.test.ts: build the database at
 * version 3, put runs, tracks, chunks and a job in, migrate to 4, and check that every row
 * survived the rebuild of pose_runs/pose_tracks/pose_chunks with its ids and bytes, that the
 * references and cascades still hold, and that the new schema works.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../../src/main/db/connection';
import { tempDir } from '../../helpers/media';

const tmp = tempDir('migration-0004-');
afterAll(() => tmp.cleanup());

const dump = (db: ReturnType<typeof openDatabase>, table: string, order: string) =>
  db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();

describe('migration 0004-pose-edits', () => {
  it('rebuilds pose runs, tracks and chunks keeping every row, and adds provenance and the edit history', () => {
    const path = join(tmp.dir, 'm4.kinema');
    const v3 = openDatabase(path, { create: true, targetVersion: 3 });
    expect(schemaVersion(v3)).toBe(3);
    const video = v3.prepare(
      `INSERT INTO videos (id, path, file_name, size_bytes, mtime_ms, duration_s, fps_num, fps_den, frame_count, width, height, codec, has_audio, status, imported_at)
       VALUES (?, ?, 'v.mp4', 1, 0, 1, 25, 1, 25, 64, 64, 'h264', 0, 'ready', 'now')`,
    );
    video.run(1, '/a.mp4');
    video.run(2, '/b.mp4');
    v3.prepare(
      "INSERT INTO jobs (id, kind, title, params, state, created_at) VALUES (7, 'detect', 't', '{}', 'done', 'now')",
    ).run();
    const run = v3.prepare(
      "INSERT INTO pose_runs (id, video_id, skeleton_id, source, model, params, job_id, created_at) VALUES (?, ?, 'coco17', ?, ?, ?, ?, 'now')",
    );
    run.run(3, 1, 'model', 'movenet-lightning', '{"inFrame":0}', 7);
    run.run(5, 1, 'filter', 'median', '{"fromRunId":3}', null);
    run.run(9, 2, 'import', 'coco', '{}', null);
    const track = v3.prepare(
      'INSERT INTO pose_tracks (id, run_id, track_id, label, first_frame, last_frame, frame_count) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    track.run(11, 3, 0, 'person', 0, 1, 2);
    track.run(12, 3, 1, '', 5, 5, 1);
    track.run(13, 5, 0, 'person', 0, 1, 2);
    track.run(14, 9, 0, '', 0, 0, 1);
    const chunk = v3.prepare(
      'INSERT INTO pose_chunks (track_row, first_frame, frame_count, frames, keypoints, boxes, scores) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const blob = (seed: number, n: number) =>
      Buffer.from(Array.from({ length: n }, (_, i) => (seed * 31 + i) % 256));
    chunk.run(11, 0, 2, blob(1, 8), blob(2, 408), blob(3, 32), blob(4, 8));
    chunk.run(12, 5, 1, blob(5, 4), blob(6, 204), blob(7, 16), blob(8, 4));
    chunk.run(13, 0, 2, blob(9, 8), blob(10, 408), blob(11, 32), blob(12, 8));
    chunk.run(14, 0, 1, blob(13, 4), blob(14, 204), blob(15, 16), blob(16, 4));
    const before = {
      runs: dump(v3, 'pose_runs', 'id'),
      tracks: dump(v3, 'pose_tracks', 'id'),
      chunks: dump(v3, 'pose_chunks', 'track_row, first_frame'),
    };
    v3.close();

    const v4 = openDatabase(path, { targetVersion: 4 });
    expect(schemaVersion(v4)).toBe(4);
    expect(dump(v4, 'pose_runs', 'id')).toEqual(before.runs);
    expect(dump(v4, 'pose_tracks', 'id')).toEqual(before.tracks);
    expect(dump(v4, 'pose_chunks', 'track_row, first_frame')).toEqual(
      before.chunks.map((c) => ({ ...(c as object), provenance: null, frame_flags: null, originals: null })),
    );
    // The references point at the final tables, and the data satisfies them.
    expect(v4.pragma('foreign_key_check')).toEqual([]);
    const fk = (table: string) =>
      (v4.pragma(`foreign_key_list('${table}')`) as { table: string; from: string; on_delete: string }[]).map(
        ({ table: t, from, on_delete }) => [from, t, on_delete],
      );
    expect(fk('pose_runs')).toEqual(
      expect.arrayContaining([
        ['video_id', 'videos', 'CASCADE'],
        ['job_id', 'jobs', 'SET NULL'],
      ]),
    );
    expect(fk('pose_tracks')).toEqual([['run_id', 'pose_runs', 'CASCADE']]);
    expect(fk('pose_chunks')).toEqual([['track_row', 'pose_tracks', 'CASCADE']]);
    expect(fk('pose_edits')).toEqual([['run_id', 'pose_runs', 'CASCADE']]);
    expect(
      v4.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%_v4' OR sql LIKE '%_v4%'").all(),
    ).toEqual([]);
    expect(
      v4.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'pose_runs_video'").get(),
    ).toEqual({
      name: 'pose_runs_video',
    });

    // 'edit' runs are allowed now; other sources still refused.
    v4.prepare(
      "INSERT INTO pose_runs (id, video_id, skeleton_id, source, model, params, created_at) VALUES (20, 1, 'coco17', 'edit', 'movenet-lightning', '{\"fromRunId\":3}', 'now')",
    ).run();
    expect(() =>
      v4
        .prepare(
          "INSERT INTO pose_runs (video_id, skeleton_id, source, model, created_at) VALUES (1, 'coco17', 'guess', 'm', 'now')",
        )
        .run(),
    ).toThrow(/CHECK/);
    v4.prepare(
      'INSERT INTO pose_tracks (id, run_id, track_id, first_frame, last_frame, frame_count) VALUES (21, 20, 0, 0, 0, 1)',
    ).run();
    v4.prepare(
      "INSERT INTO pose_chunks (track_row, first_frame, frame_count, frames, keypoints, boxes, scores, provenance, frame_flags, originals) VALUES (21, 0, 1, x'00000000', x'00', x'00', x'00', x'01', x'01', x'00')",
    ).run();
    const edit = v4.prepare(
      "INSERT INTO pose_edits (run_id, action, summary, params, patches, undone, created_at) VALUES (20, 'moveKeypoint', 's', '{}', x'00', ?, 'now')",
    );
    edit.run(0);
    edit.run(1);
    expect(() => edit.run(2)).toThrow(/CHECK/);
    expect(() =>
      v4
        .prepare(
          "INSERT INTO pose_edits (run_id, action, summary, patches, created_at) VALUES (99, 'x', 's', x'00', 'now')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);

    // Cascades still run through the rebuilt tables: a job's deletion clears the run's job id,
    // a run's deletion removes its tracks, chunks and history, a video's removes everything.
    v4.prepare('DELETE FROM jobs WHERE id = 7').run();
    expect(v4.prepare('SELECT job_id FROM pose_runs WHERE id = 3').get()).toEqual({ job_id: null });
    v4.prepare('DELETE FROM pose_runs WHERE id = 20').run();
    expect(v4.prepare('SELECT count(*) AS n FROM pose_edits').get()).toEqual({ n: 0 });
    expect(v4.prepare('SELECT count(*) AS n FROM pose_chunks WHERE track_row = 21').get()).toEqual({ n: 0 });
    v4.prepare('DELETE FROM videos WHERE id = 1').run();
    expect(v4.prepare('SELECT id FROM pose_runs').all()).toEqual([{ id: 9 }]);
    expect(v4.prepare('SELECT id FROM pose_tracks').all()).toEqual([{ id: 14 }]);
    expect(v4.prepare('SELECT track_row FROM pose_chunks').all()).toEqual([{ track_row: 14 }]);
    v4.close();
  });
});
