/** The project row: one per `.kinema` file. */
import { basename, extname } from 'node:path';
import type { Project } from '../../shared/contract';
import { nowIso, type Db } from './connection';

export function ensureProjectRow(db: Db, path: string, name?: string): void {
  const exists = db.prepare('SELECT 1 FROM project WHERE id = 1').get();
  if (!exists)
    db.prepare('INSERT INTO project (id, name, created_at) VALUES (1, ?, ?)').run(
      name || basename(path, extname(path)),
      nowIso(),
    );
}

export function readProject(db: Db, path: string): Project {
  const row = db.prepare('SELECT name, created_at FROM project WHERE id = 1').get() as {
    name: string;
    created_at: string;
  };
  return { path, name: row.name, createdAt: row.created_at };
}
