/**
 * Data access for frame series (per-frame vectors derived from a pose track: embeddings, lifted
 * 3D joints) and for models trained in the project (migration 0005). Values are Float32 rows,
 * NaN where the track has no pose at that frame.
 */
import { KinemaError } from '../../shared/contract';
import type { FrameSeriesInfo, SeriesKind, TrainedModelFamily, TrainedModelInfo } from '../../shared/series';
import type { PoseTrack } from '../../shared/pose';
import { nowIso, type Db } from './connection';

export interface NewFrameSeries {
  kind: SeriesKind;
  source: string;
  modelId?: number | null;
  runId: number;
  trackId: number;
  clipId?: number | null;
  firstFrame: number;
  /** frameCount × width values, row-major. */
  values: Float32Array;
  width: number;
  skeletonId?: string | null;
  params?: Record<string, unknown>;
  jobId?: number | null;
}

export interface FrameSeries extends FrameSeriesInfo {
  values: Float32Array;
}

interface SeriesRow {
  id: number;
  kind: SeriesKind;
  source: string;
  model_id: number | null;
  run_id: number;
  track_id: number;
  clip_id: number | null;
  first_frame: number;
  frame_count: number;
  width: number;
  skeleton_id: string | null;
  params: string;
  job_id: number | null;
  created_at: string;
}

const INFO_COLUMNS =
  'id, kind, source, model_id, run_id, track_id, clip_id, first_frame, frame_count, width, skeleton_id, params, job_id, created_at';

function toInfo(r: SeriesRow): FrameSeriesInfo {
  return {
    id: r.id,
    kind: r.kind,
    source: r.source,
    modelId: r.model_id,
    runId: r.run_id,
    trackId: r.track_id,
    clipId: r.clip_id,
    firstFrame: r.first_frame,
    frameCount: r.frame_count,
    width: r.width,
    skeletonId: r.skeleton_id,
    params: JSON.parse(r.params) as Record<string, unknown>,
    jobId: r.job_id,
    createdAt: r.created_at,
  };
}

function float32Of(blob: Buffer): Float32Array {
  // Copy: a Buffer from SQLite may not be 4-byte aligned.
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

/**
 * Stores a series, replacing one with the same kind, source, track and range (a recompute).
 * Returns its id.
 */
export function saveSeries(db: Db, s: NewFrameSeries): number {
  if (!Number.isInteger(s.width) || s.width <= 0)
    throw new KinemaError('BAD_INPUT', `A series needs a positive width, got ${s.width}.`);
  if (s.values.length === 0 || s.values.length % s.width !== 0)
    throw new KinemaError(
      'BAD_INPUT',
      `A series of width ${s.width} needs a whole number of frames, got ${s.values.length} values.`,
    );
  const frameCount = s.values.length / s.width;
  const run = db.prepare('SELECT id FROM pose_runs WHERE id = ?').get(s.runId);
  if (!run) throw new KinemaError('NOT_FOUND', `Pose run ${s.runId} does not exist.`);
  const key = [s.kind, s.source, s.runId, s.trackId, s.firstFrame, frameCount];
  return db.transaction(() => {
    db.prepare(
      'DELETE FROM frame_series WHERE kind = ? AND source = ? AND run_id = ? AND track_id = ? AND first_frame = ? AND frame_count = ?',
    ).run(...key);
    const info = db
      .prepare(
        `INSERT INTO frame_series (kind, source, model_id, run_id, track_id, clip_id, first_frame, frame_count, width, skeleton_id, params, job_id, created_at, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.kind,
        s.source,
        s.modelId ?? null,
        s.runId,
        s.trackId,
        s.clipId ?? null,
        s.firstFrame,
        frameCount,
        s.width,
        s.skeletonId ?? null,
        JSON.stringify(s.params ?? {}),
        s.jobId ?? null,
        nowIso(),
        Buffer.from(s.values.buffer, s.values.byteOffset, s.values.byteLength),
      );
    return Number(info.lastInsertRowid);
  })();
}

export interface SeriesFilter {
  kind?: SeriesKind;
  source?: string;
  modelId?: number;
  runId?: number;
  trackId?: number;
  clipId?: number;
  videoId?: number;
}

/** Series matching every given field, newest first. */
export function listSeries(db: Db, filter: SeriesFilter = {}): FrameSeriesInfo[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const columns: [keyof SeriesFilter, string][] = [
    ['kind', 'kind'],
    ['source', 'source'],
    ['modelId', 'model_id'],
    ['runId', 'run_id'],
    ['trackId', 'track_id'],
    ['clipId', 'clip_id'],
  ];
  for (const [field, column] of columns) {
    const v = filter[field];
    if (v === undefined) continue;
    where.push(`${column} = ?`);
    args.push(v);
  }
  if (filter.videoId !== undefined) {
    where.push('run_id IN (SELECT id FROM pose_runs WHERE video_id = ?)');
    args.push(filter.videoId);
  }
  const sql = `SELECT ${INFO_COLUMNS} FROM frame_series${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
  return (db.prepare(sql).all(...args) as SeriesRow[]).map(toInfo);
}

export function getSeries(db: Db, id: number): FrameSeries {
  const row = db.prepare(`SELECT ${INFO_COLUMNS}, data FROM frame_series WHERE id = ?`).get(id) as
    (SeriesRow & { data: Buffer }) | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', `Series ${id} does not exist.`);
  return { ...toInfo(row), values: float32Of(row.data) };
}

export function deleteSeries(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM frame_series WHERE id = ?').run(id).changes > 0;
}

// ---- trained models ----

export interface NewTrainedModel {
  family: TrainedModelFamily;
  name: string;
  onnx: Uint8Array;
  params?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  jobId?: number | null;
  /** Training-form weights for fine-tuning (a .klw file's bytes; lifters), kept beside the ONNX. */
  weights?: Uint8Array | null;
}

interface ModelRow {
  id: number;
  family: TrainedModelFamily;
  name: string;
  params: string;
  metrics: string;
  bytes: number;
  has_weights: number;
  job_id: number | null;
  created_at: string;
}

const MODEL_COLUMNS =
  'id, family, name, params, metrics, length(onnx) AS bytes, weights IS NOT NULL AS has_weights, job_id, created_at';

function toModelInfo(r: ModelRow): TrainedModelInfo {
  return {
    id: r.id,
    family: r.family,
    name: r.name,
    params: JSON.parse(r.params) as Record<string, unknown>,
    metrics: JSON.parse(r.metrics) as Record<string, unknown>,
    bytes: r.bytes,
    fineTunable: r.has_weights === 1,
    jobId: r.job_id,
    createdAt: r.created_at,
  };
}

/**
 * Stores a trained model. A model of the same family and name is replaced only when `replace`
 * is set (retraining under the same name); otherwise the name must be new.
 */
export function saveTrainedModel(db: Db, m: NewTrainedModel, replace = false): number {
  return db.transaction(() => {
    const existing = db
      .prepare('SELECT id FROM trained_models WHERE family = ? AND name = ?')
      .get(m.family, m.name) as { id: number } | undefined;
    if (existing && !replace)
      throw new KinemaError(
        'EXISTS',
        `A ${m.family} model named "${m.name}" already exists: choose another name or replace it.`,
      );
    if (existing) db.prepare('DELETE FROM trained_models WHERE id = ?').run(existing.id);
    const info = db
      .prepare(
        'INSERT INTO trained_models (family, name, params, metrics, onnx, weights, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        m.family,
        m.name,
        JSON.stringify(m.params ?? {}),
        JSON.stringify(m.metrics ?? {}),
        Buffer.from(m.onnx.buffer, m.onnx.byteOffset, m.onnx.byteLength),
        m.weights ? Buffer.from(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength) : null,
        m.jobId ?? null,
        nowIso(),
      );
    return Number(info.lastInsertRowid);
  })();
}

export function listTrainedModels(db: Db, family?: TrainedModelFamily): TrainedModelInfo[] {
  const rows = (
    family
      ? db.prepare(`SELECT ${MODEL_COLUMNS} FROM trained_models WHERE family = ? ORDER BY name`).all(family)
      : db.prepare(`SELECT ${MODEL_COLUMNS} FROM trained_models ORDER BY family, name`).all()
  ) as ModelRow[];
  return rows.map(toModelInfo);
}

function modelRow(
  db: Db,
  where: string,
  ...args: (string | number)[]
): TrainedModelInfo & { onnx: Uint8Array } {
  const row = db.prepare(`SELECT ${MODEL_COLUMNS}, onnx FROM trained_models WHERE ${where}`).get(...args) as
    (ModelRow & { onnx: Buffer }) | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', 'No such model.');
  return { ...toModelInfo(row), onnx: new Uint8Array(row.onnx) };
}

export function getTrainedModel(db: Db, id: number): TrainedModelInfo & { onnx: Uint8Array } {
  try {
    return modelRow(db, 'id = ?', id);
  } catch {
    throw new KinemaError('NOT_FOUND', `Trained model ${id} does not exist.`);
  }
}

export function findTrainedModel(
  db: Db,
  family: TrainedModelFamily,
  name: string,
): TrainedModelInfo & { onnx: Uint8Array } {
  try {
    return modelRow(db, 'family = ? AND name = ?', family, name);
  } catch {
    const names = listTrainedModels(db, family).map((m) => m.name);
    throw new KinemaError(
      'NOT_FOUND',
      `No ${family} model named "${name}" in this project${names.length ? ` (there are: ${names.join(', ')})` : ''}.`,
    );
  }
}

/** A model's training-form weights (null when it was stored without them). */
export function trainedModelWeights(db: Db, id: number): Uint8Array | null {
  const row = db.prepare('SELECT weights FROM trained_models WHERE id = ?').get(id) as
    { weights: Buffer | null } | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', `Trained model ${id} does not exist.`);
  return row.weights ? new Uint8Array(row.weights) : null;
}

export function deleteTrainedModel(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM trained_models WHERE id = ?').run(id).changes > 0;
}

/** FNV-1a of a track range's frames and keypoints: tells whether stored embeddings are current. */
export function posesFingerprint(track: Pick<PoseTrack, 'frames' | 'keypoints'>): string {
  let h = 0x811c9dc5;
  for (const a of [track.frames, track.keypoints]) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
