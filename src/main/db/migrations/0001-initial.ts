import type { Migration } from './index';

/** Frozen: the first schema. Projects, videos, clips and jobs. Never edit; add a migration. */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE project (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      name TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE TABLE videos (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL,
      file_name TEXT NOT NULL,
      hash TEXT,
      size_bytes INTEGER NOT NULL,
      mtime_ms REAL NOT NULL,
      duration_s REAL NOT NULL,
      fps_num INTEGER NOT NULL,
      fps_den INTEGER NOT NULL,
      frame_count INTEGER NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      codec TEXT NOT NULL,
      has_audio INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('importing', 'ready', 'failed', 'missing')),
      imported_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX videos_path ON videos(path);
    CREATE TABLE clips (
      id INTEGER PRIMARY KEY,
      video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
      in_frame INTEGER NOT NULL CHECK (in_frame >= 0),
      out_frame INTEGER NOT NULL,
      label TEXT NOT NULL DEFAULT '',
      notes TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      CHECK (out_frame > in_frame)
    );
    CREATE INDEX clips_video ON clips(video_id, in_frame);
    CREATE TABLE jobs (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      title TEXT NOT NULL,
      params TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
      phase TEXT NOT NULL DEFAULT '',
      done REAL NOT NULL DEFAULT 0,
      total REAL NOT NULL DEFAULT 0,
      message TEXT NOT NULL DEFAULT '',
      error TEXT,
      result TEXT,
      checkpoint TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      started_at TEXT,
      finished_at TEXT
    );
    CREATE INDEX jobs_state ON jobs(state);
  `,
};
