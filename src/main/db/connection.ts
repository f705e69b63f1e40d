/**
 * Opening a project: one `.kinema` file, which is an SQLite database in WAL mode.
 *
 * better-sqlite3 13 ships N-API prebuilds inside its npm package, so the same binary loads in
 * Node ≥ 22.14 and in Electron 45 without a rebuild (see README, "Why better-sqlite3 13").
 */
import Database from 'better-sqlite3';
import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import { KinemaError } from '../../shared/contract';
import { latestSchemaVersion, migrations } from './migrations';

export type Db = Database.Database;

/** 'KNMA': marks the SQLite file as a Kinema project, so we never migrate a stranger's database. */
export const KINEMA_APPLICATION_ID = 0x4b4e4d41;

const SQLITE_MAGIC = 'SQLite format 3\u0000';

function looksLikeSqlite(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(16);
    const n = readSync(fd, header, 0, 16, 0);
    return n === 16 && header.toString('latin1') === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}

export interface OpenOptions {
  /** Create the file if it does not exist (otherwise a missing file is an error). */
  create?: boolean;
  /** Migrate only up to this version (tests of individual migrations). */
  targetVersion?: number;
  readonly?: boolean;
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const exists = path !== ':memory:' && existsSync(path);
  if (!exists && path !== ':memory:' && !options.create)
    throw new KinemaError('NOT_FOUND', `Project not found: ${path}`);
  if (exists && !looksLikeSqlite(path))
    throw new KinemaError('NOT_A_PROJECT', `${path} is not a Kinema project (not an SQLite database).`);
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !options.create });
  try {
    if (options.readonly) return db;
    db.pragma('busy_timeout = 5000');
    // Identify the file before changing anything in it (WAL mode is written to the header).
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const hasTables =
      (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n >
      0;
    if (appId !== KINEMA_APPLICATION_ID) {
      if (hasTables)
        throw new KinemaError('NOT_A_PROJECT', `${path} is an SQLite database but not a Kinema project.`);
      db.pragma(`application_id = ${KINEMA_APPLICATION_ID}`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (version > latestSchemaVersion)
      throw new KinemaError(
        'TOO_NEW',
        `${path} was saved by a newer Kinema (schema ${version}; this version knows ${latestSchemaVersion}). Update Kinema to open it.`,
      );
    migrate(db, options.targetVersion ?? latestSchemaVersion);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Applies pending migrations one transaction each, so a crash leaves the file at a known version. */
export function migrate(db: Db, target: number): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function nowIso(): string {
  return new Date().toISOString();
}
