/**
 * Storage of edit runs: reading a frame range of a track from the few chunks that hold it (with
 * provenance, flags and model values), writing a patch back by rewriting only those chunks, and
 * the undo history rows. Everything here runs inside the caller's transaction.
 */
import { KinemaError } from '../../shared/contract';
import {
  canonicalizeOriginals,
  concatSegments,
  emptySegment,
  indexRange,
  KEYFRAME,
  sliceSegment,
  spliceSegment,
  type EditSource,
  type EditVideo,
  type Segment,
  type TrackExtent,
  type TrackPatch,
} from '../../shared/editing';
import { getSkeleton, isSkeletonId, type SkeletonId } from '../../shared/skeletons';
import type { Statement } from 'better-sqlite3';
import { nowIso, type Db } from '../db/connection';
import { POSE_CHUNK_FRAMES } from '../db/poses';
import { getVideo } from '../db/videos';

/** Prepared statements, compiled once per connection (an edit runs a dozen small queries). */
const statements = new WeakMap<Db, Map<string, Statement>>();
export function stmt(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) cache.set(sql, (s = db.prepare(sql)));
  return s;
}

/** An edit run as the editor needs it. */
export interface EditRun {
  id: number;
  videoId: number;
  skeletonId: SkeletonId;
  /** Joints per pose. */
  k: number;
  model: string;
  params: Record<string, unknown>;
  createdAt: string;
  video: EditVideo;
}

interface RunRow {
  id: number;
  video_id: number;
  skeleton_id: string;
  source: string;
  model: string;
  params: string;
  created_at: string;
}

interface ChunkRow {
  first_frame: number;
  frame_count: number;
  frames: Buffer;
  keypoints: Buffer;
  boxes: Buffer;
  scores: Buffer;
  provenance: Buffer | null;
  frame_flags: Buffer | null;
  originals: Buffer | null;
}

/** A run's source column ('model', 'import', 'filter' or 'edit'), or a NOT_FOUND refusal. */
export function runSource(db: Db, runId: number): string {
  const row = stmt(db, 'SELECT source FROM pose_runs WHERE id = ?').get(runId) as
    { source: string } | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', `Pose run ${runId} does not exist.`);
  return row.source;
}

/** The edit run with this id; any other run is refused with what to do instead. */
export function getEditRun(db: Db, runId: number): EditRun {
  const row = stmt(db, 'SELECT * FROM pose_runs WHERE id = ?').get(runId) as RunRow | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', `Pose run ${runId} does not exist.`);
  if (row.source !== 'edit')
    throw new KinemaError(
      'NOT_EDITABLE',
      `Pose run ${runId} is not an edit run (its source is '${row.source}'); open an editable copy of it first (edits.open).`,
    );
  if (!isSkeletonId(row.skeleton_id))
    throw new KinemaError('CORRUPT', `Pose run ${runId} uses an unknown skeleton "${row.skeleton_id}".`);
  const video = getVideo(db, row.video_id);
  return {
    id: row.id,
    videoId: row.video_id,
    skeletonId: row.skeleton_id,
    k: getSkeleton(row.skeleton_id).joints.length,
    model: row.model,
    params: JSON.parse(row.params) as Record<string, unknown>,
    createdAt: row.created_at,
    video: { width: video.width, height: video.height, fps: video.fps, frameCount: video.frameCount },
  };
}

// ---------------------------------------------------------------------------------------------
// Chunks

const view = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, bytes: Buffer, size: number): T => {
  // Copy into a fresh buffer: a Buffer's offset need not be aligned for Float32Array.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return make(copy.buffer, 0, bytes.byteLength / size);
};

export function decodeChunk(row: ChunkRow, k: number): Segment {
  const n = row.frame_count;
  const s: Segment = {
    frames: view((b, o, c) => new Int32Array(b, o, c), row.frames, 4),
    keypoints: view((b, o, c) => new Float32Array(b, o, c), row.keypoints, 4),
    boxes: view((b, o, c) => new Float32Array(b, o, c), row.boxes, 4),
    scores: view((b, o, c) => new Float32Array(b, o, c), row.scores, 4),
    provenance: row.provenance
      ? view((b, o, c) => new Uint8Array(b, o, c), row.provenance, 1)
      : new Uint8Array(n * k),
    flags: row.frame_flags
      ? view((b, o, c) => new Uint8Array(b, o, c), row.frame_flags, 1)
      : new Uint8Array(n),
    originals: row.originals
      ? view((b, o, c) => new Float32Array(b, o, c), row.originals, 4)
      : new Float32Array(n * k * 3).fill(NaN),
  };
  if (
    s.frames.length !== n ||
    s.keypoints.length !== n * k * 3 ||
    s.boxes.length !== n * 4 ||
    s.scores.length !== n ||
    s.provenance.length !== n * k ||
    s.flags.length !== n ||
    s.originals.length !== n * k * 3
  )
    throw new KinemaError(
      'CORRUPT',
      `A pose chunk at frame ${row.first_frame} has arrays of the wrong length.`,
    );
  canonicalizeOriginals(s);
  return s;
}

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const allZero = (a: Uint8Array) => a.every((v) => v === 0);

function chunkColumns(s: Segment) {
  const plain = allZero(s.provenance);
  return {
    frames: bytesOf(s.frames),
    keypoints: bytesOf(s.keypoints),
    boxes: bytesOf(s.boxes),
    scores: bytesOf(s.scores),
    provenance: plain ? null : bytesOf(s.provenance),
    frame_flags: allZero(s.flags) ? null : bytesOf(s.flags),
    originals: plain ? null : bytesOf(s.originals),
  };
}

function trackRow(db: Db, runId: number, trackId: number): { id: number; label: string } | undefined {
  return stmt(db, 'SELECT id, label FROM pose_tracks WHERE run_id = ? AND track_id = ?').get(
    runId,
    trackId,
  ) as { id: number; label: string } | undefined;
}

/** The chunks that can hold frames in [start, end), in order. */
function windowChunks(db: Db, row: number, start: number, end: number): ChunkRow[] {
  const lo = stmt(
    db,
    'SELECT max(first_frame) AS f FROM pose_chunks WHERE track_row = ? AND first_frame <= ?',
  ).get(row, start) as { f: number | null };
  return stmt(
    db,
    'SELECT * FROM pose_chunks WHERE track_row = ? AND first_frame >= ? AND first_frame < ? ORDER BY first_frame',
  ).all(row, lo.f ?? start, end) as ChunkRow[];
}

/** A whole track of an edit run, with provenance (empty when it has no frames). */
export function readTrack(db: Db, run: EditRun, trackId: number): Segment {
  const row = trackRow(db, run.id, trackId);
  if (!row) return emptySegment(0, run.k);
  const chunks = stmt(db, 'SELECT * FROM pose_chunks WHERE track_row = ? ORDER BY first_frame').all(
    row.id,
  ) as ChunkRow[];
  return concatSegments(
    chunks.map((c) => decodeChunk(c, run.k)),
    run.k,
  );
}

/**
 * A track's frames, provenance bytes and frame flags only (the timeline's needs), read without
 * the keypoints; provenance and flags are zeros where a chunk stores none.
 */
export function readTrackProvenance(
  db: Db,
  run: EditRun,
  trackId: number,
): { frames: Int32Array; provenance: Uint8Array; flags: Uint8Array } {
  const row = stmt(db, 'SELECT id, frame_count FROM pose_tracks WHERE run_id = ? AND track_id = ?').get(
    run.id,
    trackId,
  ) as { id: number; frame_count: number } | undefined;
  const n = row?.frame_count ?? 0;
  const k = run.k;
  const frames = new Int32Array(n);
  const provenance = new Uint8Array(n * k);
  const flags = new Uint8Array(n);
  if (!row) return { frames, provenance, flags };
  const frameBytes = new Uint8Array(frames.buffer);
  let at = 0;
  const chunks = stmt(
    db,
    'SELECT frame_count, frames, provenance, frame_flags FROM pose_chunks WHERE track_row = ? ORDER BY first_frame',
  ).iterate(row.id) as IterableIterator<{
    frame_count: number;
    frames: Buffer;
    provenance: Buffer | null;
    frame_flags: Buffer | null;
  }>;
  for (const c of chunks) {
    if (at + c.frame_count > n)
      throw new KinemaError('CORRUPT', `Track ${trackId} has more frames than recorded.`);
    frameBytes.set(c.frames, at * 4);
    if (c.provenance) provenance.set(c.provenance, at * k);
    if (c.frame_flags) flags.set(c.frame_flags, at);
    at += c.frame_count;
  }
  if (at !== n) throw new KinemaError('CORRUPT', `Track ${trackId} has ${at} frames, expected ${n}.`);
  return { frames, provenance, flags };
}

/** Ids of the run's tracks that have frames, ascending. */
export function trackIds(db: Db, runId: number): number[] {
  return (
    stmt(db, 'SELECT track_id FROM pose_tracks WHERE run_id = ? AND frame_count > 0 ORDER BY track_id').all(
      runId,
    ) as { track_id: number }[]
  ).map((r) => r.track_id);
}

/** Reads an edit run for the actions, a frame range at a time, from the database. */
export class DbSource implements EditSource {
  readonly skeletonId: SkeletonId;
  readonly jointCount: number;
  readonly video: EditVideo;

  constructor(
    private readonly db: Db,
    private readonly run: EditRun,
  ) {
    this.skeletonId = run.skeletonId;
    this.jointCount = run.k;
    this.video = run.video;
  }

  trackIds(): number[] {
    return trackIds(this.db, this.run.id);
  }

  extent(trackId: number): TrackExtent | null {
    const row = stmt(
      this.db,
      'SELECT first_frame, last_frame, frame_count FROM pose_tracks WHERE run_id = ? AND track_id = ? AND frame_count > 0',
    ).get(this.run.id, trackId) as
      { first_frame: number; last_frame: number; frame_count: number } | undefined;
    return row
      ? { firstFrame: row.first_frame, lastFrame: row.last_frame, frameCount: row.frame_count }
      : null;
  }

  label(trackId: number): string {
    return trackRow(this.db, this.run.id, trackId)?.label ?? '';
  }

  read(trackId: number, start: number, end: number): Segment {
    const k = this.run.k;
    const row = trackRow(this.db, this.run.id, trackId);
    if (!row || end <= start) return emptySegment(0, k);
    const whole = concatSegments(
      windowChunks(this.db, row.id, start, end).map((c) => decodeChunk(c, k)),
      k,
    );
    const [a, b] = indexRange(whole.frames, start, end);
    return sliceSegment(whole, a, b, k);
  }

  nearestKeyframe(trackId: number, frame: number, direction: -1 | 1): number | null {
    const row = trackRow(this.db, this.run.id, trackId);
    if (!row) return null;
    // Only chunks with flags can hold a keyframe; read their frames and flags, nothing else.
    const chunks = stmt(
      this.db,
      direction < 0
        ? 'SELECT frames, frame_flags FROM pose_chunks WHERE track_row = @row AND first_frame < @frame AND frame_flags IS NOT NULL ORDER BY first_frame DESC'
        : `SELECT frames, frame_flags FROM pose_chunks WHERE track_row = @row AND frame_flags IS NOT NULL AND first_frame >=
               coalesce((SELECT max(first_frame) FROM pose_chunks WHERE track_row = @row AND first_frame <= @frame), @frame)
             ORDER BY first_frame`,
    ).iterate({ row: row.id, frame }) as IterableIterator<{ frames: Buffer; frame_flags: Buffer }>;
    for (const c of chunks) {
      const frames = view((b, o, n) => new Int32Array(b, o, n), c.frames, 4);
      const flags = c.frame_flags;
      if (direction < 0) {
        for (let i = frames.length - 1; i >= 0; i--)
          if (frames[i] < frame && flags[i] & KEYFRAME) return frames[i];
      } else {
        for (let i = 0; i < frames.length; i++)
          if (frames[i] > frame && flags[i] & KEYFRAME) return frames[i];
      }
    }
    return null;
  }
}

/** Splits n frames into chunks of at most POSE_CHUNK_FRAMES, as even as possible. */
function chunkBounds(n: number): [number, number][] {
  const count = Math.ceil(n / POSE_CHUNK_FRAMES);
  const out: [number, number][] = [];
  for (let c = 0; c < count; c++) out.push([Math.floor((c * n) / count), Math.floor(((c + 1) * n) / count)]);
  return out;
}

/**
 * Writes one patch (forward: before → after; backward: after → before) by rewriting the chunks
 * around its range, after checking the stored frames there are exactly what it expects. Keeps the
 * track's first/last frame and count; a track left without frames is removed, one that appears is
 * created with the patch's label. Call inside a transaction.
 */
export function writePatch(db: Db, run: EditRun, patch: TrackPatch, direction: 'forward' | 'backward'): void {
  const k = run.k;
  const from = direction === 'forward' ? patch.before : patch.after;
  const to = direction === 'forward' ? patch.after : patch.before;
  let row = trackRow(db, run.id, patch.trackId)?.id;
  if (row === undefined) {
    if (from.frames.length)
      throw new KinemaError(
        'CORRUPT',
        `Track ${patch.trackId} is not in run ${run.id}, but the edit history expects it; the edit was not applied.`,
      );
    if (!to.frames.length) return;
    row = Number(
      stmt(db, 'INSERT INTO pose_tracks (run_id, track_id, label) VALUES (?, ?, ?)').run(
        run.id,
        patch.trackId,
        patch.label,
      ).lastInsertRowid,
    );
  }
  const chunks = windowChunks(db, row, patch.start, patch.end);
  const window = concatSegments(
    chunks.map((c) => decodeChunk(c, k)),
    k,
  );
  const next = spliceSegment(window, patch, from, to, k);
  const del = stmt(db, 'DELETE FROM pose_chunks WHERE track_row = ? AND first_frame = ?');
  for (const c of chunks) del.run(row, c.first_frame);
  const insert = stmt(
    db,
    `INSERT INTO pose_chunks (track_row, first_frame, frame_count, frames, keypoints, boxes, scores, provenance, frame_flags, originals)
     VALUES (@track_row, @first_frame, @frame_count, @frames, @keypoints, @boxes, @scores, @provenance, @frame_flags, @originals)`,
  );
  for (const [a, b] of chunkBounds(next.frames.length)) {
    const part = sliceSegment(next, a, b, k);
    insert.run({ track_row: row, first_frame: part.frames[0], frame_count: b - a, ...chunkColumns(part) });
  }
  const delta = to.frames.length - from.frames.length;
  const count =
    (stmt(db, 'SELECT frame_count FROM pose_tracks WHERE id = ?').get(row) as { frame_count: number })
      .frame_count + delta;
  if (count === 0) {
    stmt(db, 'DELETE FROM pose_tracks WHERE id = ?').run(row);
    return;
  }
  const first = stmt(
    db,
    'SELECT first_frame FROM pose_chunks WHERE track_row = ? ORDER BY first_frame LIMIT 1',
  ).get(row) as { first_frame: number };
  const lastChunk = stmt(
    db,
    'SELECT frames FROM pose_chunks WHERE track_row = ? ORDER BY first_frame DESC LIMIT 1',
  ).get(row) as { frames: Buffer };
  const last = lastChunk.frames.readInt32LE(lastChunk.frames.byteLength - 4);
  stmt(db, 'UPDATE pose_tracks SET first_frame = ?, last_frame = ?, frame_count = ? WHERE id = ?').run(
    first.first_frame,
    last,
    count,
    row,
  );
}

// ---------------------------------------------------------------------------------------------
// History

export interface HistoryRow {
  id: number;
  run_id: number;
  action: string;
  summary: string;
  params: string;
  patches: Buffer;
  undone: number;
  created_at: string;
}

/** Records an edit, dropping the redo entries (edits undone before it). */
export function insertHistory(
  db: Db,
  runId: number,
  entry: { action: string; summary: string; params: unknown; patches: Uint8Array },
): HistoryRow {
  stmt(db, 'DELETE FROM pose_edits WHERE run_id = ? AND undone = 1').run(runId);
  const id = Number(
    stmt(
      db,
      'INSERT INTO pose_edits (run_id, action, summary, params, patches, undone, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)',
    ).run(runId, entry.action, entry.summary, JSON.stringify(entry.params), entry.patches, nowIso())
      .lastInsertRowid,
  );
  return stmt(db, 'SELECT * FROM pose_edits WHERE id = ?').get(id) as HistoryRow;
}

/** The edit undo would revert: the latest one not undone. */
export function lastDone(db: Db, runId: number): HistoryRow | undefined {
  return stmt(db, 'SELECT * FROM pose_edits WHERE run_id = ? AND undone = 0 ORDER BY id DESC LIMIT 1').get(
    runId,
  ) as HistoryRow | undefined;
}

/** The edit redo would make again: the earliest one undone. */
export function firstUndone(db: Db, runId: number): HistoryRow | undefined {
  return stmt(db, 'SELECT * FROM pose_edits WHERE run_id = ? AND undone = 1 ORDER BY id LIMIT 1').get(
    runId,
  ) as HistoryRow | undefined;
}

export function setUndone(db: Db, id: number, undone: boolean): void {
  stmt(db, 'UPDATE pose_edits SET undone = ? WHERE id = ?').run(undone ? 1 : 0, id);
}

/** The run's history, oldest first, without the patch bytes. */
export function historyRows(db: Db, runId: number): Omit<HistoryRow, 'patches'>[] {
  return stmt(
    db,
    'SELECT id, run_id, action, summary, params, undone, created_at FROM pose_edits WHERE run_id = ? ORDER BY id',
  ).all(runId) as Omit<HistoryRow, 'patches'>[];
}
