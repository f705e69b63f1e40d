/**
 * The pose track correction editor's service (issue 4): what the `edits.*` requests call.
 *
 *  - `openEditRun` makes an editable copy of a run (source 'edit', params.fromRunId), copying its
 *    chunks as they are: every keypoint starts with provenance 'model'; the source run is never
 *    changed.
 *  - `applyEdit` runs a registered action on the chunks it touches and writes the changed chunks,
 *    their provenance and the history row in ONE transaction, so a kill loses no committed edit
 *    and never leaves an edit half-written; a new edit drops the redo entries.
 *  - `undoEdit` / `redoEdit` apply an entry's patches backward / forward, again in one transaction
 *    with the flag that marks it undone. The history is rows of the project file: it survives a
 *    restart.
 *  - Exports with the corrections, or without them (the model's values back, shared/editing/corrections.ts).
 *
 * Functions take the database; the handlers (api/edit-handlers.ts) emit 'poses.changed'.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { KinemaError } from '../../shared/contract';
import type { EditHistoryEntry, EditOutcome, EditRunInfo } from '../../shared/contract-edits';
import {
  decodePatches,
  EDITOR_KEYS,
  encodePatches,
  findProblems,
  KEYFRAME,
  listActions,
  PROVENANCE_NAMES,
  runEdit,
  segmentToTrack,
  withoutCorrections,
  indexRange,
  type AnyEditSpec,
  type EditResult,
  type Problem,
  type ProblemOptions,
  type TrackPatch,
} from '../../shared/editing';
import type { PoseSet } from '../../shared/pose';
import { nowIso, type Db } from '../db/connection';
import { listJobs, jobCheckpoint } from '../db/jobs';
import { getRun } from '../db/poses';
import { getVideo } from '../db/videos';
import { assertPoseFormat, poseExportPath, writePoses } from '../formats/by-name';
import {
  DbSource,
  firstUndone,
  getEditRun,
  historyRows,
  insertHistory,
  lastDone,
  readTrack,
  readTrackProvenance,
  runSource,
  setUndone,
  trackIds,
  writePatch,
  type EditRun,
  type HistoryRow,
} from './store';

// ---------------------------------------------------------------------------------------------
// Opening

function editRunInfo(db: Db, runId: number): EditRunInfo {
  const run = getRun(db, runId);
  const params = (run.params ?? {}) as Record<string, unknown>;
  const from = typeof params.fromRunId === 'number' ? params.fromRunId : null;
  const fromExists =
    from !== null && db.prepare('SELECT 1 FROM pose_runs WHERE id = ?').get(from) !== undefined;
  return {
    id: run.id,
    videoId: run.videoId,
    skeletonId: run.skeletonId,
    source: 'edit',
    model: run.model,
    params: run.params,
    sourceRunId: fromExists ? from : null,
    createdAt: run.createdAt,
    tracks: run.tracks.filter((t) => t.frameCount > 0),
  };
}

function historyState(db: Db, runId: number) {
  const undo = lastDone(db, runId);
  const redo = firstUndone(db, runId);
  return {
    canUndo: undo !== undefined,
    canRedo: redo !== undefined,
    undoSummary: undo?.summary ?? null,
    redoSummary: redo?.summary ?? null,
  };
}

function refuseWhileDetecting(db: Db, runId: number): void {
  const job = listJobs(db).find(
    (j) =>
      j.kind === 'detect' &&
      (j.state === 'running' || j.state === 'queued') &&
      jobCheckpoint<{ runId?: number }>(db, j.id)?.runId === runId,
  );
  if (job)
    throw new KinemaError('BUSY', `Run ${runId} is still being detected. Wait for job ${job.id} to finish.`);
}

/**
 * The edit run to work on for `runId`: the run itself when it is an edit run; otherwise the newest
 * edit run copied from it, or (none, or `fresh`) a new copy.
 */
export function openEditRun(
  db: Db,
  runId: number,
  options: { fresh?: boolean } = {},
): { run: EditRunInfo; created: boolean } & ReturnType<typeof historyState> {
  const source = runSource(db, runId);
  if (source === 'edit') return { run: editRunInfo(db, runId), created: false, ...historyState(db, runId) };
  if (!options.fresh) {
    const existing = db
      .prepare(
        "SELECT id FROM pose_runs WHERE source = 'edit' AND json_extract(params, '$.fromRunId') = ? ORDER BY id DESC LIMIT 1",
      )
      .get(runId) as { id: number } | undefined;
    if (existing)
      return { run: editRunInfo(db, existing.id), created: false, ...historyState(db, existing.id) };
  }
  refuseWhileDetecting(db, runId);
  const original = getRun(db, runId);
  if (original.tracks.every((t) => t.frameCount === 0))
    throw new KinemaError('NO_POSES', `Run ${runId} holds no poses to edit.`);
  const newId = db.transaction(() => {
    const id = Number(
      db
        .prepare(
          "INSERT INTO pose_runs (video_id, skeleton_id, source, model, params, job_id, created_at) VALUES (?, ?, 'edit', ?, ?, NULL, ?)",
        )
        .run(
          original.videoId,
          original.skeletonId,
          original.model,
          JSON.stringify({ fromRunId: runId, fromSource: source }),
          nowIso(),
        ).lastInsertRowid,
    );
    const tracks = db
      .prepare(
        'SELECT id, track_id, label, first_frame, last_frame, frame_count FROM pose_tracks WHERE run_id = ? AND frame_count > 0',
      )
      .all(runId) as {
      id: number;
      track_id: number;
      label: string;
      first_frame: number;
      last_frame: number;
      frame_count: number;
    }[];
    const insertTrack = db.prepare(
      'INSERT INTO pose_tracks (run_id, track_id, label, first_frame, last_frame, frame_count) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const copyChunks = db.prepare(
      `INSERT INTO pose_chunks (track_row, first_frame, frame_count, frames, keypoints, boxes, scores)
       SELECT ?, first_frame, frame_count, frames, keypoints, boxes, scores FROM pose_chunks WHERE track_row = ?`,
    );
    for (const t of tracks) {
      const row = insertTrack.run(
        id,
        t.track_id,
        t.label,
        t.first_frame,
        t.last_frame,
        t.frame_count,
      ).lastInsertRowid;
      copyChunks.run(row, t.id);
    }
    return id;
  })();
  return { run: editRunInfo(db, newId), created: true, ...historyState(db, newId) };
}

// ---------------------------------------------------------------------------------------------
// Editing

function toEntry(row: Omit<HistoryRow, 'patches'>): EditHistoryEntry {
  return {
    id: row.id,
    action: row.action,
    summary: row.summary,
    createdAt: row.created_at,
    undone: row.undone === 1,
  };
}

function changedRanges(patches: readonly TrackPatch[]): EditOutcome['changed'] {
  return patches.map((p) => ({ trackId: p.trackId, inFrame: p.start, outFrame: p.end }));
}

/** What the history stores of an edit's parameters: small JSON (a model re-run's poses are counted, not kept). */
function paramsRecord(spec: AnyEditSpec): unknown {
  if (spec.action === 'setPoses') {
    const { poses, ...rest } = spec;
    return { ...rest, poses: poses.length };
  }
  return spec;
}

/** Runs an action on the run's stored frames (no writes). */
function computeEdit(db: Db, run: EditRun, spec: AnyEditSpec): EditResult {
  return runEdit(new DbSource(db, run), spec as unknown as { action: string } & Record<string, unknown>);
}

/**
 * Applies one action to an edit run and records it, all in one transaction. An edit that changes
 * nothing records nothing (entry null).
 */
export function applyEdit(db: Db, runId: number, spec: AnyEditSpec): EditOutcome {
  const run = getEditRun(db, runId);
  return db.transaction((): EditOutcome => {
    const result = computeEdit(db, run, spec);
    if (!result.changes.length)
      return { runId, videoId: run.videoId, entry: null, changed: [], ...historyState(db, runId) };
    for (const p of result.changes) writePatch(db, run, p, 'forward');
    const row = insertHistory(db, runId, {
      action: spec.action,
      summary: result.summary,
      params: paramsRecord(spec),
      patches: encodePatches(result.changes, run.k),
    });
    return {
      runId,
      videoId: run.videoId,
      entry: toEntry(row),
      changed: changedRanges(result.changes),
      ...historyState(db, runId),
    };
  })();
}

/** What an action would change, without writing anything. */
export function previewEdit(db: Db, runId: number, spec: AnyEditSpec) {
  const run = getEditRun(db, runId);
  const result = computeEdit(db, run, spec);
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
  return {
    runId,
    summary: result.summary,
    tracks: result.changes.map((p) => ({
      trackId: p.trackId,
      inFrame: p.start,
      outFrame: p.end,
      frames: bytes(p.after.frames),
      keypoints: bytes(p.after.keypoints),
      boxes: bytes(p.after.boxes),
      scores: bytes(p.after.scores),
      provenance: bytes(p.after.provenance),
      flags: bytes(p.after.flags),
    })),
  };
}

function replay(db: Db, runId: number, direction: 'undo' | 'redo'): EditOutcome {
  const run = getEditRun(db, runId);
  return db.transaction((): EditOutcome => {
    const row = direction === 'undo' ? lastDone(db, runId) : firstUndone(db, runId);
    if (!row)
      throw new KinemaError(
        direction === 'undo' ? 'NOTHING_TO_UNDO' : 'NOTHING_TO_REDO',
        direction === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.',
      );
    const { k, patches } = decodePatches(row.patches);
    if (k !== run.k)
      throw new KinemaError(
        'CORRUPT',
        `Edit ${row.id} was recorded for ${k} joints, but run ${runId} has ${run.k}.`,
      );
    if (direction === 'undo') for (const p of [...patches].reverse()) writePatch(db, run, p, 'backward');
    else for (const p of patches) writePatch(db, run, p, 'forward');
    setUndone(db, row.id, direction === 'undo');
    return {
      runId,
      videoId: run.videoId,
      entry: toEntry({ ...row, undone: direction === 'undo' ? 1 : 0 }),
      changed: changedRanges(patches),
      ...historyState(db, runId),
    };
  })();
}

/** Reverts the latest edit not undone. */
export function undoEdit(db: Db, runId: number): EditOutcome {
  return replay(db, runId, 'undo');
}

/** Makes the earliest undone edit again. */
export function redoEdit(db: Db, runId: number): EditOutcome {
  return replay(db, runId, 'redo');
}

export function editHistory(db: Db, runId: number) {
  getEditRun(db, runId);
  return { runId, entries: historyRows(db, runId).map(toEntry), ...historyState(db, runId) };
}

export function editActions() {
  return {
    actions: listActions(),
    provenance: [...PROVENANCE_NAMES],
    keys: { ...EDITOR_KEYS } as Record<string, string>,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Provenance codes and keyframe flags of a track (optionally a half-open frame range of it). */
export function trackProvenance(db: Db, runId: number, trackId: number, inFrame?: number, outFrame?: number) {
  const run = getEditRun(db, runId);
  if (!trackIds(db, runId).includes(trackId))
    throw new KinemaError('NOT_FOUND', `Track ${trackId} does not exist in run ${runId}.`);
  const all = readTrackProvenance(db, run, trackId);
  const [a, b] = indexRange(all.frames, inFrame ?? -Infinity, outFrame ?? Infinity);
  const seg = {
    frames: all.frames.subarray(a, b),
    provenance: all.provenance.subarray(a * run.k, b * run.k),
    flags: all.flags.subarray(a, b),
  };
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
  const keyframes: number[] = [];
  seg.flags.forEach((f, i) => f & KEYFRAME && keyframes.push(seg.frames[i]));
  return {
    trackId,
    jointCount: run.k,
    frames: bytes(seg.frames),
    provenance: bytes(seg.provenance),
    flags: bytes(seg.flags),
    keyframes,
  };
}

/** The problems of a run's tracks (or one track), sorted by frame. */
export function runProblems(
  db: Db,
  runId: number,
  trackId?: number,
  options: ProblemOptions = {},
): Problem[] {
  const run = getEditRun(db, runId);
  const ids = trackIds(db, runId);
  if (trackId !== undefined && !ids.includes(trackId))
    throw new KinemaError('NOT_FOUND', `Track ${trackId} does not exist in run ${runId}.`);
  const tracks = (trackId === undefined ? ids : [trackId]).map((t) => ({
    trackId: t,
    segment: readTrack(db, run, t),
  }));
  return findProblems(tracks, run.skeletonId, options);
}

// ---------------------------------------------------------------------------------------------
// Export

/**
 * The edit run as a PoseSet for the format writers: with the corrections, or without them (each
 * corrected keypoint's model value back; keypoints and frames the model never gave left out).
 */
export function editPoseSet(db: Db, runId: number, corrections: 'include' | 'exclude'): PoseSet {
  const run = getEditRun(db, runId);
  const video = getVideo(db, run.videoId);
  const tracks = trackIds(db, runId)
    .map((t) => {
      const seg = readTrack(db, run, t);
      return segmentToTrack(
        corrections === 'include' ? seg : withoutCorrections(seg, run.k),
        t,
        run.skeletonId,
      );
    })
    .filter((t) => t.frames.length > 0);
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
      params: { ...run.params, editRunId: runId, corrections },
      source: 'edit',
    },
  };
}

/** Writes the edit run's poses in a format; returns the path written. */
export function exportEditedPoses(
  db: Db,
  runId: number,
  input: { format: string; corrections: 'include' | 'exclude'; outPath?: string },
): string {
  const format = assertPoseFormat(input.format);
  const set = editPoseSet(db, runId, input.corrections);
  if (!set.tracks.length)
    throw new KinemaError(
      'NO_POSES',
      `Run ${runId} has no poses to export${input.corrections === 'exclude' ? ' without corrections' : ''}.`,
    );
  const video = getVideo(db, getEditRun(db, runId).videoId);
  const name = `${set.video.name ?? 'video'}_${input.corrections === 'include' ? 'edited' : 'model'}`;
  const path = input.outPath ?? poseExportPath(dirname(video.path), format, name);
  const parent = dirname(path);
  if (!existsSync(parent) || !statSync(parent).isDirectory())
    throw new KinemaError('NOT_FOUND', `Folder not found: ${parent}`);
  writePoses(format, set, path);
  return path;
}
