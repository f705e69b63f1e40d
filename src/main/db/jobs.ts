/** Data access for jobs: the persisted queue (state, progress, checkpoint, result). */
import type { Job, JobKind, JobState } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { nowIso, type Db } from './connection';

interface JobRow {
  id: number;
  kind: JobKind;
  title: string;
  params: string;
  state: JobState;
  phase: string;
  done: number;
  total: number;
  message: string;
  error: string | null;
  result: string | null;
  checkpoint: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    params: JSON.parse(r.params),
    state: r.state,
    phase: r.phase,
    done: r.done,
    total: r.total,
    message: r.message,
    error: r.error,
    result: r.result === null ? null : JSON.parse(r.result),
    attempts: r.attempts,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export function insertJob(db: Db, kind: JobKind, title: string, params: unknown): Job {
  const info = db
    .prepare("INSERT INTO jobs (kind, title, params, state, created_at) VALUES (?, ?, ?, 'queued', ?)")
    .run(kind, title, JSON.stringify(params), nowIso());
  return getJob(db, Number(info.lastInsertRowid));
}

export function getJob(db: Db, id: number): Job {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', `Job ${id} does not exist.`);
  return toJob(row);
}

export function listJobs(db: Db): Job[] {
  return (db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT 200').all() as JobRow[]).map(toJob);
}

export function jobCheckpoint<T>(db: Db, id: number): T | null {
  const row = db.prepare('SELECT checkpoint FROM jobs WHERE id = ?').get(id) as
    { checkpoint: string | null } | undefined;
  return row?.checkpoint ? (JSON.parse(row.checkpoint) as T) : null;
}

export function markJobStarted(db: Db, id: number): void {
  db.prepare(
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = coalesce(started_at, ?), error = NULL WHERE id = ?",
  ).run(nowIso(), id);
}

export function setJobProgress(
  db: Db,
  id: number,
  p: { phase: string; done: number; total: number; message: string },
): void {
  db.prepare('UPDATE jobs SET phase = ?, done = ?, total = ?, message = ? WHERE id = ?').run(
    p.phase,
    p.done,
    p.total,
    p.message,
    id,
  );
}

export function setJobCheckpoint(db: Db, id: number, checkpoint: unknown): void {
  db.prepare('UPDATE jobs SET checkpoint = ? WHERE id = ?').run(JSON.stringify(checkpoint), id);
}

export function finishJob(
  db: Db,
  id: number,
  outcome: { state: 'done' | 'failed' | 'cancelled'; result?: unknown; error?: string },
): void {
  db.prepare('UPDATE jobs SET state = ?, result = ?, error = ?, finished_at = ? WHERE id = ?').run(
    outcome.state,
    outcome.result === undefined ? null : JSON.stringify(outcome.result),
    outcome.error ?? null,
    nowIso(),
    id,
  );
}

/** Jobs left 'running' by a crash or kill go back to the queue; their checkpoint says where. */
export function requeueInterrupted(db: Db): number {
  return db
    .prepare("UPDATE jobs SET state = 'queued', message = 'Resuming after restart' WHERE state = 'running'")
    .run().changes;
}

export function queuedJobIds(db: Db): number[] {
  return (db.prepare("SELECT id FROM jobs WHERE state = 'queued' ORDER BY id").all() as { id: number }[]).map(
    (r) => r.id,
  );
}

export function clearFinishedJobs(db: Db): number {
  return db.prepare("DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled')").run().changes;
}
