/**
 * Project database: insert and read back 100k rows (clips of one video), as the app does it.
 *   npx tsx bench/db.ts
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/main/db/connection';
import { insertVideo } from '../src/main/db/videos';
import { listClips } from '../src/main/db/clips';
import { WORK_DIR } from './common';

mkdirSync(WORK_DIR, { recursive: true });
const path = join(WORK_DIR, 'db-bench.kinema');
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
const db = openDatabase(path, { create: true });
const N = 100_000;
const frames = 10 * N;
const videoId = insertVideo(
  db,
  {
    path: '/bench.mp4',
    sizeBytes: 1,
    mtimeMs: 0,
    formatName: 'mov',
    startTimeS: 0,
    durationS: frames / 30,
    codec: 'h264',
    width: 1920,
    height: 1080,
    fpsNum: 30,
    fpsDen: 1,
    fps: 30,
    declaredFrames: frames,
    hasAudio: false,
    rotation: 0,
  },
  { frameTimes: Float64Array.from({ length: frames }, (_, i) => i / 30), keyframes: new Uint32Array([0]) },
);

const insert = db.prepare(
  'INSERT INTO clips (video_id, in_frame, out_frame, label, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const now = new Date().toISOString();
let t0 = performance.now();
db.transaction(() => {
  for (let i = 0; i < N; i++) insert.run(videoId, i * 10, i * 10 + 8, `rep ${i}`, '', now, now);
})();
const insertMs = performance.now() - t0;

t0 = performance.now();
const clips = listClips(db, videoId);
const readMs = performance.now() - t0;
if (clips.length !== N) throw new Error(`read ${clips.length} rows`);

t0 = performance.now();
const one = db.prepare('SELECT * FROM clips WHERE video_id = ? AND in_frame >= ? ORDER BY in_frame LIMIT 1');
for (let i = 0; i < 10_000; i++) one.get(videoId, (i * 97) % frames);
const lookupUs = ((performance.now() - t0) / 10_000) * 1000;

console.log(`\nProject DB (better-sqlite3, WAL), ${N.toLocaleString()} clip rows`);
console.log(
  `insert in one transaction: ${insertMs.toFixed(0)} ms (${((N / insertMs) * 1000).toFixed(0)} rows/s)`,
);
console.log(`read all as Clip objects:  ${readMs.toFixed(0)} ms`);
console.log(`indexed lookup by frame:   ${lookupUs.toFixed(1)} µs each`);
db.close();
