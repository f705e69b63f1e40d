/**
 * Data access for 2D pose tracks: runs (one detection or import of a video), their tracks, and the
 * tracks' frames stored in chunks of at most 1024 frames as little-endian typed-array bytes.
 *
 * A track is appended chunk by chunk (detection commits as it goes) and only ever forwards: a
 * chunk must start after the track's last stored frame, so frames stay strictly increasing even
 * if a resumed job tried to commit a chunk twice.
 */
import type { PoseRun } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import type { PoseSet, PoseTrack } from '../../shared/pose';
import { getSkeleton, isSkeletonId, type SkeletonId } from '../../shared/skeletons';
import { nowIso, type Db } from './connection';
import { getVideo } from './videos';

/** Frames per stored chunk at most. */
export const POSE_CHUNK_FRAMES = 1024;

export interface NewPoseRun {
  videoId: number;
  skeletonId: SkeletonId;
  source: 'model' | 'import' | 'filter' | 'edit';
  /** Model id, the file format of an import, or the filter name of a smoothed run. */
  model: string;
  params?: Record<string, unknown>;
  jobId?: number | null;
}

/** Frames of one track to append: arrays indexed by position, like a PoseTrack's. */
export interface PoseChunk {
  frames: Int32Array;
  keypoints: Float32Array;
  boxes: Float32Array;
  scores: Float32Array;
}

interface RunRow {
  id: number;
  video_id: number;
  skeleton_id: string;
  source: 'model' | 'import' | 'filter' | 'edit';
  model: string;
  params: string;
  created_at: string;
}

interface TrackRow {
  id: number;
  run_id: number;
  track_id: number;
  label: string;
  first_frame: number | null;
  last_frame: number | null;
  frame_count: number;
}

interface ChunkRow {
  frame_count: number;
  frames: Buffer;
  keypoints: Buffer;
  boxes: Buffer;
  scores: Buffer;
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function createRun(db: Db, run: NewPoseRun): number {
  getVideo(db, run.videoId);
  const info = db
    .prepare(
      'INSERT INTO pose_runs (video_id, skeleton_id, source, model, params, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      run.videoId,
      run.skeletonId,
      run.source,
      run.model,
      JSON.stringify(run.params ?? {}),
      run.jobId ?? null,
      nowIso(),
    );
  return Number(info.lastInsertRowid);
}

function getRunRow(db: Db, runId: number): RunRow {
  const row = db.prepare('SELECT * FROM pose_runs WHERE id = ?').get(runId) as RunRow | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', `Pose run ${runId} does not exist.`);
  return row;
}

/** The row id of a run's track, created (empty) when it does not exist yet. */
export function ensureTrack(db: Db, runId: number, trackId: number, label = ''): number {
  const existing = db
    .prepare('SELECT id FROM pose_tracks WHERE run_id = ? AND track_id = ?')
    .get(runId, trackId) as { id: number } | undefined;
  if (existing) return existing.id;
  getRunRow(db, runId);
  return Number(
    db
      .prepare('INSERT INTO pose_tracks (run_id, track_id, label) VALUES (?, ?, ?)')
      .run(runId, trackId, label).lastInsertRowid,
  );
}

/**
 * Appends frames to a track (split into chunks of ≤ 1024 frames) and updates its first/last
 * frame and count. Call inside a transaction to make it atomic with other writes.
 */
export function appendPoseChunk(db: Db, runId: number, trackId: number, chunk: PoseChunk): void {
  const n = chunk.frames.length;
  if (n === 0) return;
  const run = getRunRow(db, runId);
  const k = getSkeleton(run.skeleton_id).joints.length;
  if (chunk.keypoints.length !== n * k * 3 || chunk.boxes.length !== n * 4 || chunk.scores.length !== n)
    throw new KinemaError('BAD_POSES', `A pose chunk of ${n} frames has arrays of the wrong length.`);
  for (let i = 1; i < n; i++)
    if (chunk.frames[i] <= chunk.frames[i - 1])
      throw new KinemaError(
        'BAD_POSES',
        `Pose frames must increase: ${chunk.frames[i]} follows ${chunk.frames[i - 1]}.`,
      );
  const rowId = ensureTrack(db, runId, trackId);
  const track = db.prepare('SELECT * FROM pose_tracks WHERE id = ?').get(rowId) as TrackRow;
  if (track.last_frame !== null && chunk.frames[0] <= track.last_frame)
    throw new KinemaError(
      'BAD_POSES',
      `Track ${trackId} already has frames up to ${track.last_frame}; cannot append frame ${chunk.frames[0]}.`,
    );
  const insert = db.prepare(
    'INSERT INTO pose_chunks (track_row, first_frame, frame_count, frames, keypoints, boxes, scores) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  for (let s = 0; s < n; s += POSE_CHUNK_FRAMES) {
    const e = Math.min(n, s + POSE_CHUNK_FRAMES);
    insert.run(
      rowId,
      chunk.frames[s],
      e - s,
      bytesOf(chunk.frames.subarray(s, e)),
      bytesOf(chunk.keypoints.subarray(s * k * 3, e * k * 3)),
      bytesOf(chunk.boxes.subarray(s * 4, e * 4)),
      bytesOf(chunk.scores.subarray(s, e)),
    );
  }
  db.prepare(
    'UPDATE pose_tracks SET first_frame = coalesce(first_frame, ?), last_frame = ?, frame_count = frame_count + ? WHERE id = ?',
  ).run(chunk.frames[0], chunk.frames[n - 1], n, rowId);
}

function toRun(row: RunRow, tracks: TrackRow[]): PoseRun {
  return {
    id: row.id,
    videoId: row.video_id,
    skeletonId: row.skeleton_id,
    source: row.source,
    model: row.model,
    params: JSON.parse(row.params),
    createdAt: row.created_at,
    tracks: tracks.map((t) => ({
      trackId: t.track_id,
      label: t.label,
      firstFrame: t.first_frame ?? 0,
      lastFrame: t.last_frame ?? -1,
      frameCount: t.frame_count,
    })),
  };
}

/** A video's runs, newest first, with a summary of each track. */
export function listRuns(db: Db, videoId: number): PoseRun[] {
  const runs = db
    .prepare('SELECT * FROM pose_runs WHERE video_id = ? ORDER BY id DESC')
    .all(videoId) as RunRow[];
  const tracks = db.prepare('SELECT * FROM pose_tracks WHERE run_id = ? ORDER BY track_id');
  return runs.map((r) => toRun(r, tracks.all(r.id) as TrackRow[]));
}

export function getRun(db: Db, runId: number): PoseRun {
  const row = getRunRow(db, runId);
  return toRun(
    row,
    db.prepare('SELECT * FROM pose_tracks WHERE run_id = ? ORDER BY track_id').all(runId) as TrackRow[],
  );
}

/** Concatenates a track's chunks into one PoseTrack (one allocation per array). */
function loadTrack(db: Db, track: TrackRow, skeletonId: SkeletonId, k: number): PoseTrack {
  const n = track.frame_count;
  const out: PoseTrack = {
    trackId: track.track_id,
    skeletonId,
    frames: new Int32Array(n),
    keypoints: new Float32Array(n * k * 3),
    boxes: new Float32Array(n * 4),
    scores: new Float32Array(n),
  };
  const dst = {
    frames: new Uint8Array(out.frames.buffer),
    keypoints: new Uint8Array(out.keypoints.buffer),
    boxes: new Uint8Array(out.boxes.buffer),
    scores: new Uint8Array(out.scores.buffer),
  };
  let at = 0;
  const rows = db
    .prepare(
      'SELECT frame_count, frames, keypoints, boxes, scores FROM pose_chunks WHERE track_row = ? ORDER BY first_frame',
    )
    .iterate(track.id) as IterableIterator<ChunkRow>;
  for (const c of rows) {
    const m = c.frame_count;
    if (at + m > n)
      throw new KinemaError('CORRUPT', `Track ${track.track_id} has more frames than recorded.`);
    dst.frames.set(c.frames, at * 4);
    dst.keypoints.set(c.keypoints, at * k * 3 * 4);
    dst.boxes.set(c.boxes, at * 16);
    dst.scores.set(c.scores, at * 4);
    at += m;
  }
  if (at !== n) throw new KinemaError('CORRUPT', `Track ${track.track_id} has ${at} frames, expected ${n}.`);
  return out;
}

/** A run's tracks as PoseTracks, ordered by track id. */
export function loadRunTracks(db: Db, runId: number): { run: PoseRun; tracks: PoseTrack[] } {
  const row = getRunRow(db, runId);
  if (!isSkeletonId(row.skeleton_id))
    throw new KinemaError('CORRUPT', `Pose run ${runId} uses an unknown skeleton "${row.skeleton_id}".`);
  const skeletonId = row.skeleton_id;
  const k = getSkeleton(skeletonId).joints.length;
  const trackRows = db
    .prepare('SELECT * FROM pose_tracks WHERE run_id = ? ORDER BY track_id')
    .all(runId) as TrackRow[];
  return {
    run: toRun(row, trackRows),
    tracks: trackRows.map((t) => loadTrack(db, t, skeletonId, k)),
  };
}

/** A run as a PoseSet, with its video's facts and the run's provenance. */
export function loadRunPoseSet(db: Db, runId: number): PoseSet {
  const { run, tracks } = loadRunTracks(db, runId);
  const video = getVideo(db, run.videoId);
  return {
    video: {
      width: video.width,
      height: video.height,
      fps: video.fps,
      frameCount: video.frameCount,
      name: video.fileName.replace(/\.[^.]*$/, ''),
    },
    tracks,
    provenance: {
      model: run.model,
      params: (run.params ?? {}) as Record<string, unknown>,
      source: run.source,
    },
  };
}

/** Stores a whole PoseSet as a new run (one transaction); returns the run id. */
export function storePoseSet(
  db: Db,
  videoId: number,
  set: PoseSet,
  run: Omit<NewPoseRun, 'videoId' | 'skeletonId'> & {
    /** Track labels by track id (default ''). */
    labels?: ReadonlyMap<number, string>;
  },
): number {
  const skeletons = new Set(set.tracks.map((t) => t.skeletonId));
  if (skeletons.size > 1)
    throw new KinemaError(
      'BAD_POSES',
      `A run holds one skeleton, but the tracks use ${[...skeletons].join(', ')}.`,
    );
  const skeletonId = set.tracks[0]?.skeletonId ?? 'coco17';
  const { labels, ...fields } = run;
  return db.transaction(() => {
    const runId = createRun(db, { ...fields, videoId, skeletonId });
    for (const t of set.tracks) {
      ensureTrack(db, runId, t.trackId, labels?.get(t.trackId) ?? '');
      appendPoseChunk(db, runId, t.trackId, t);
    }
    return runId;
  })();
}

export function deleteRun(db: Db, runId: number): boolean {
  return db.prepare('DELETE FROM pose_runs WHERE id = ?').run(runId).changes > 0;
}
