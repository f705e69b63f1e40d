import type { Migration } from './index';

/**
 * Frozen: per-video frame index (exact frame times and keyframes, for frame-accurate seeking and
 * stream-copy cuts), the seek proxy's location, and the filmstrip thumbnails.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'media-index',
  up: `
    ALTER TABLE videos ADD COLUMN start_time_s REAL NOT NULL DEFAULT 0;
    -- Float64 little-endian, one presentation time (s) per frame in display order.
    ALTER TABLE videos ADD COLUMN frame_times BLOB;
    -- Uint32 little-endian frame indices of keyframes.
    ALTER TABLE videos ADD COLUMN keyframes BLOB;
    ALTER TABLE videos ADD COLUMN proxy_path TEXT;
    CREATE TABLE thumbnails (
      video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
      idx INTEGER NOT NULL,
      frame INTEGER NOT NULL,
      jpeg BLOB NOT NULL,
      PRIMARY KEY (video_id, idx)
    ) WITHOUT ROWID;
  `,
};
