import type { Migration } from './index';

/**
 * Frozen: the pose track correction editor (issue 4).
 *
 *  - pose_runs.source also takes 'edit': an editable copy of another run (params.fromRunId), which
 *    stays untouched. SQLite cannot alter a CHECK constraint, so the table is rebuilt.
 *  - pose_chunks gains, per chunk, the provenance of each keypoint (Uint8 frames × K: low 3 bits
 *    model / human / interpolated / filtered / seeded-by-model, bit 3 occluded), frame flags
 *    (Uint8 per frame, bit 0 keyframe) and the model's values of corrected keypoints (Float32
 *    frames × K × 3, NaN where none), each NULL when the chunk holds none (every run but edit runs).
 *  - pose_edits: an edit run's undo history, one row per edit with its action, the summary the
 *    history shows, its parameters (JSON), the frames it changed before and after (a BLOB, see
 *    src/shared/editing/codec.ts) and whether it is undone.
 *
 * The rebuild. SQLite's documented procedure turns foreign keys off around the copy, but
 * `PRAGMA foreign_keys` does nothing inside a transaction, and every migration runs in one (so a
 * crash leaves the file at a known version). With foreign keys on, dropping pose_runs would
 * cascade into its tracks and chunks. So the whole family is rebuilt bottom-up instead: new
 * tables that reference each other are filled with every row (same ids), the old ones are
 * dropped children first (nothing references them any more, so no cascade fires), and the new
 * ones are renamed into place, which rewrites the references to the final names (SQLite ≥ 3.26,
 * legacy_alter_table off). The test checks rows, ids, references and cascades afterwards.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'pose-edits',
  up: `
    CREATE TABLE pose_runs_v4 (
      id INTEGER PRIMARY KEY,
      video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
      skeleton_id TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('model', 'import', 'filter', 'edit')),
      model TEXT NOT NULL,
      params TEXT NOT NULL DEFAULT '{}',
      job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
      created_at TEXT NOT NULL
    );
    INSERT INTO pose_runs_v4 (id, video_id, skeleton_id, source, model, params, job_id, created_at)
      SELECT id, video_id, skeleton_id, source, model, params, job_id, created_at FROM pose_runs;

    CREATE TABLE pose_tracks_v4 (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES pose_runs_v4(id) ON DELETE CASCADE,
      track_id INTEGER NOT NULL,
      label TEXT NOT NULL DEFAULT '',
      first_frame INTEGER,
      last_frame INTEGER,
      frame_count INTEGER NOT NULL DEFAULT 0,
      UNIQUE (run_id, track_id)
    );
    INSERT INTO pose_tracks_v4 (id, run_id, track_id, label, first_frame, last_frame, frame_count)
      SELECT id, run_id, track_id, label, first_frame, last_frame, frame_count FROM pose_tracks;

    -- frames: Int32LE; keypoints: Float32LE frames x K x 3 (x, y px, score);
    -- boxes: Float32LE frames x 4 (x, y, w, h px); scores: Float32LE per frame;
    -- provenance: Uint8 frames x K; frame_flags: Uint8 per frame; originals: Float32LE frames x K x 3.
    CREATE TABLE pose_chunks_v4 (
      track_row INTEGER NOT NULL REFERENCES pose_tracks_v4(id) ON DELETE CASCADE,
      first_frame INTEGER NOT NULL,
      frame_count INTEGER NOT NULL CHECK (frame_count BETWEEN 1 AND 1024),
      frames BLOB NOT NULL,
      keypoints BLOB NOT NULL,
      boxes BLOB NOT NULL,
      scores BLOB NOT NULL,
      provenance BLOB,
      frame_flags BLOB,
      originals BLOB,
      PRIMARY KEY (track_row, first_frame)
    ) WITHOUT ROWID;
    INSERT INTO pose_chunks_v4 (track_row, first_frame, frame_count, frames, keypoints, boxes, scores)
      SELECT track_row, first_frame, frame_count, frames, keypoints, boxes, scores FROM pose_chunks;

    DROP TABLE pose_chunks;
    DROP TABLE pose_tracks;
    DROP TABLE pose_runs;
    ALTER TABLE pose_runs_v4 RENAME TO pose_runs;
    ALTER TABLE pose_tracks_v4 RENAME TO pose_tracks;
    ALTER TABLE pose_chunks_v4 RENAME TO pose_chunks;
    CREATE INDEX pose_runs_video ON pose_runs(video_id);

    CREATE TABLE pose_edits (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES pose_runs(id) ON DELETE CASCADE,
      action TEXT NOT NULL,
      summary TEXT NOT NULL,
      params TEXT NOT NULL DEFAULT '{}',
      patches BLOB NOT NULL,
      undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
      created_at TEXT NOT NULL
    );
    CREATE INDEX pose_edits_run ON pose_edits(run_id, undone, id);
  `,
};
