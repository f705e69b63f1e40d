import type { Migration } from './index';

/**
 * Frozen: what the project derives from pose tracks and trains itself (issues 5, 6 and 8).
 *
 *  - trained_models: models trained or fine-tuned in this project (TCC encoders, lifters, VIPE*,
 *    VPD students). The ONNX bytes live in the row, so a project file carries its models with it;
 *    params hold the training settings and the data used (clip ids, labels), metrics the figures
 *    the training reported. Names are unique per family (the UI and CLI select by name).
 *  - frame_series: one float vector per frame derived from a pose track over a frame range:
 *    embeddings (TCC, VIPE*, student) or lifted 3D joints (width = joints × 3, metres,
 *    root-relative camera space). `source` names what produced it ('lifter-tcn27',
 *    'tcc:<model name>', ...); model_id links a project-trained model, so deleting the model
 *    deletes what it computed. Frames the track lacks are NaN rows. Recomputing the same
 *    (kind, source, track, range) replaces the row (UNIQUE), so a re-run never duplicates.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'series-and-models',
  up: `
    CREATE TABLE trained_models (
      id INTEGER PRIMARY KEY,
      family TEXT NOT NULL CHECK (family IN ('tcc', 'lifter', 'vipe', 'student')),
      name TEXT NOT NULL,
      params TEXT NOT NULL DEFAULT '{}',
      metrics TEXT NOT NULL DEFAULT '{}',
      onnx BLOB NOT NULL,
      job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
      created_at TEXT NOT NULL,
      UNIQUE (family, name)
    );

    -- data: Float32LE frame_count x width, row i = frame first_frame + i.
    CREATE TABLE frame_series (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('embedding', 'joints3d')),
      source TEXT NOT NULL,
      model_id INTEGER REFERENCES trained_models(id) ON DELETE CASCADE,
      run_id INTEGER NOT NULL REFERENCES pose_runs(id) ON DELETE CASCADE,
      track_id INTEGER NOT NULL,
      clip_id INTEGER REFERENCES clips(id) ON DELETE SET NULL,
      first_frame INTEGER NOT NULL CHECK (first_frame >= 0),
      frame_count INTEGER NOT NULL CHECK (frame_count > 0),
      width INTEGER NOT NULL CHECK (width > 0),
      skeleton_id TEXT,
      params TEXT NOT NULL DEFAULT '{}',
      job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
      created_at TEXT NOT NULL,
      data BLOB NOT NULL CHECK (length(data) = frame_count * width * 4),
      UNIQUE (kind, source, run_id, track_id, first_frame, frame_count)
    );
    CREATE INDEX frame_series_track ON frame_series(run_id, track_id, kind);
    CREATE INDEX frame_series_clip ON frame_series(clip_id);
  `,
};
