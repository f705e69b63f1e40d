/**
 * A kill during an edit session loses no committed edit: a child process applies edits to the
 * project and is killed with SIGKILL right after reporting one (or exits at once, or is killed in
 * the middle of a stream of edits); reopened, the project has every reported edit and its history,
 * nothing half-written, and undo still walks back to the original bytes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../../src/main/api/handlers';
import { Workstation } from '../../../src/main/workstation';
import { tempDir } from '../../helpers/media';
import { fakeVideo, storeModelRun } from './fixtures';

const tmp = tempDir('edits-kill-');
afterAll(() => tmp.cleanup());

const CHILD = join(process.cwd(), 'tests', 'unit', 'editing', 'kill-child.ts');

/** Runs the child until it has reported `reports` commits, then kills it (or lets it exit). */
function runChild(
  project: string,
  runId: number,
  mode: 'once' | 'exit' | 'loop',
  reports = 1,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, project, String(runId), mode], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ids: number[] = [];
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^committed (-?\d+)$/.exec(line);
        if (m) ids.push(Number(m[1]));
      }
      if (ids.length >= reports && mode !== 'exit') child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (mode === 'exit' ? code === 0 : signal === 'SIGKILL')
        resolve(ids.slice(0, mode === 'loop' ? ids.length : 1));
      else reject(new Error(`child ended with ${code ?? signal}: ${err}`));
    });
  });
}

async function project(name: string) {
  const ws = new Workstation({ version: 'test', workerPath: '/nonexistent', cacheDir: tmp.dir });
  const path = join(tmp.dir, `${name}.kinema`);
  await ws.openProject(path, true);
  const runId = storeModelRun(ws.db, fakeVideo(ws.db, join(tmp.dir, `${name}.mp4`)));
  const opened = await handleRequest(ws, 'edits.open', { runId });
  if (!opened.ok) throw new Error(opened.error.message);
  const editId = (opened.value as { run: { id: number } }).run.id;
  const original = chunkBytes(ws, editId);
  await ws.closeProject();
  return { ws, path, editId, original };
}

function chunkBytes(ws: Workstation, runId: number): unknown[] {
  return ws.db
    .prepare(
      `SELECT t.track_id, c.first_frame, hex(c.frames) AS f, hex(c.keypoints) AS k, hex(coalesce(c.provenance, x'')) AS p
       FROM pose_chunks c JOIN pose_tracks t ON c.track_row = t.id WHERE t.run_id = ? ORDER BY t.track_id, c.first_frame`,
    )
    .all(runId);
}

async function history(ws: Workstation, runId: number) {
  const r = await handleRequest(ws, 'edits.history', { runId });
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { entries: { id: number; action: string; undone: boolean }[] }).entries;
}

describe('a kill during an edit session', () => {
  it('keeps an edit committed just before SIGKILL, with its history', async () => {
    const { ws, path, editId, original } = await project('once');
    const [id] = await runChild(path, editId, 'once');
    await ws.openProject(path);
    expect(await history(ws, editId)).toEqual([
      {
        id,
        action: 'moveKeypoint',
        summary: 'Move nose (track 0, frame 1000)',
        createdAt: expect.any(String),
        undone: false,
      },
    ]);
    expect(chunkBytes(ws, editId)).not.toEqual(original);
    expect(await handleRequest(ws, 'edits.undo', { runId: editId })).toMatchObject({ ok: true });
    expect(chunkBytes(ws, editId)).toEqual(original);
    await ws.closeProject();
  });

  it('keeps an edit made by a process that exits at once', async () => {
    const { ws, path, editId } = await project('exit');
    const [id] = await runChild(path, editId, 'exit');
    await ws.openProject(path);
    expect((await history(ws, editId)).map((e) => e.id)).toEqual([id]);
    await ws.closeProject();
  });

  it('loses nothing committed and keeps nothing half-written when killed in the middle of edits', async () => {
    const { ws, path, editId, original } = await project('loop');
    const reported = await runChild(path, editId, 'loop', 20);
    expect(reported.length).toBeGreaterThanOrEqual(20);
    await ws.openProject(path);
    const entries = await history(ws, editId);
    // Every reported edit is there; at most the one in flight when the kill landed was lost.
    expect(entries.slice(0, reported.length).map((e) => e.id)).toEqual(reported);
    expect(entries.length - reported.length).toBeLessThanOrEqual(1);
    expect(entries.every((e) => !e.undone)).toBe(true);
    // The data matches the history exactly: undoing everything gives the copy back.
    for (let i = 0; i < entries.length; i++) {
      const r = await handleRequest(ws, 'edits.undo', { runId: editId });
      expect(r, `undo ${i}`).toMatchObject({ ok: true });
    }
    expect(chunkBytes(ws, editId)).toEqual(original);
    await ws.closeProject();
  });
});
