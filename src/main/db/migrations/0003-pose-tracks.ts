import type { Migration } from './index';

/**
 * Frozen: 2D pose tracks. A run is one detection or import for a video; it holds tracks (one per
 * person), and a track's frames are stored in chunks of at most 1024 frames as little-endian
 * typed-array bytes, so detection commits chunk by chunk and a long track loads in a few reads.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'pose-tracks',
  up: `
    CREATE TABLE pose_runs (
      id INTEGER PRIMARY KEY,
      video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
      skeleton_id TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('model', 'import', 'filter')),
      model TEXT NOT NULL,
      params TEXT NOT NULL DEFAULT '{}',
      job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX pose_runs_video ON pose_runs(video_id);
    CREATE TABLE pose_tracks (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES pose_runs(id) ON DELETE CASCADE,
      track_id INTEGER NOT NULL,
      label TEXT NOT NULL DEFAULT '',
      first_frame INTEGER,
      last_frame INTEGER,
      frame_count INTEGER NOT NULL DEFAULT 0,
      UNIQUE (run_id, track_id)
    );
    -- frames: Int32LE; keypoints: Float32LE frames x K x 3 (x, y px, score);
    -- boxes: Float32LE frames x 4 (x, y, w, h px); scores: Float32LE per frame.
    CREATE TABLE pose_chunks (
      track_row INTEGER NOT NULL REFERENCES pose_tracks(id) ON DELETE CASCADE,
      first_frame INTEGER NOT NULL,
      frame_count INTEGER NOT NULL CHECK (frame_count BETWEEN 1 AND 1024),
      frames BLOB NOT NULL,
      keypoints BLOB NOT NULL,
      boxes BLOB NOT NULL,
      scores BLOB NOT NULL,
      PRIMARY KEY (track_row, first_frame)
    ) WITHOUT ROWID;
  `,
};
