/** Data access for videos, their frame index and thumbnails. */
import { basename } from 'node:path';
import type { Thumbnail, Video } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import type { ProbeResult, FrameIndex } from '../media/probe';
import { nowIso, type Db } from './connection';

interface VideoRow {
  id: number;
  path: string;
  file_name: string;
  hash: string | null;
  size_bytes: number;
  duration_s: number;
  fps_num: number;
  fps_den: number;
  frame_count: number;
  width: number;
  height: number;
  codec: string;
  has_audio: number;
  status: Video['status'];
  proxy_path: string | null;
  imported_at: string;
  thumbnail_count: number;
}

const SELECT_VIDEO = `
  SELECT v.*, (SELECT count(*) FROM thumbnails t WHERE t.video_id = v.id) AS thumbnail_count
  FROM videos v`;

function toVideo(row: VideoRow): Video {
  return {
    id: row.id,
    path: row.path,
    fileName: row.file_name,
    hash: row.hash,
    sizeBytes: row.size_bytes,
    durationS: row.duration_s,
    fpsNum: row.fps_num,
    fpsDen: row.fps_den,
    fps: row.fps_num / row.fps_den,
    frameCount: row.frame_count,
    width: row.width,
    height: row.height,
    codec: row.codec,
    hasAudio: row.has_audio === 1,
    status: row.status,
    hasProxy: row.proxy_path !== null,
    thumbnailCount: row.thumbnail_count,
    importedAt: row.imported_at,
  };
}

export function listVideos(db: Db): Video[] {
  return (db.prepare(`${SELECT_VIDEO} ORDER BY v.id`).all() as VideoRow[]).map(toVideo);
}

export function findVideo(db: Db, id: number): Video | null {
  const row = db.prepare(`${SELECT_VIDEO} WHERE v.id = ?`).get(id) as VideoRow | undefined;
  return row ? toVideo(row) : null;
}

export function getVideo(db: Db, id: number): Video {
  const video = findVideo(db, id);
  if (!video) throw new KinemaError('NOT_FOUND', `Video ${id} is not in this project.`);
  return video;
}

export function findVideoByPath(db: Db, path: string): Video | null {
  const row = db.prepare(`${SELECT_VIDEO} WHERE v.path = ?`).get(path) as VideoRow | undefined;
  return row ? toVideo(row) : null;
}

/** What decoding needs beyond the public Video: exact frame times, keyframes, proxy. */
export interface VideoMediaInfo {
  video: Video;
  startTimeS: number;
  frameTimes: Float64Array;
  keyframes: Uint32Array;
  proxyPath: string | null;
}

export function getVideoMedia(db: Db, id: number): VideoMediaInfo {
  const video = getVideo(db, id);
  const row = db
    .prepare('SELECT start_time_s, frame_times, keyframes, proxy_path FROM videos WHERE id = ?')
    .get(id) as {
    start_time_s: number;
    frame_times: Buffer | null;
    keyframes: Buffer | null;
    proxy_path: string | null;
  };
  const copy = (b: Buffer | null) => (b ? new Uint8Array(b).buffer : new ArrayBuffer(0));
  return {
    video,
    startTimeS: row.start_time_s,
    frameTimes: new Float64Array(copy(row.frame_times)),
    keyframes: new Uint32Array(copy(row.keyframes)),
    proxyPath: row.proxy_path,
  };
}

export function insertVideo(db: Db, probe: ProbeResult, index: FrameIndex): number {
  const info = db
    .prepare(
      `INSERT INTO videos (path, file_name, hash, size_bytes, mtime_ms, duration_s, fps_num, fps_den, frame_count,
         width, height, codec, has_audio, status, imported_at, start_time_s, frame_times, keyframes)
       VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'importing', ?, ?, ?, ?)`,
    )
    .run(
      probe.path,
      basename(probe.path),
      probe.sizeBytes,
      probe.mtimeMs,
      probe.durationS,
      probe.fpsNum,
      probe.fpsDen,
      index.frameTimes.length,
      probe.width,
      probe.height,
      probe.codec,
      probe.hasAudio ? 1 : 0,
      nowIso(),
      probe.startTimeS,
      Buffer.from(index.frameTimes.buffer, index.frameTimes.byteOffset, index.frameTimes.byteLength),
      Buffer.from(index.keyframes.buffer, index.keyframes.byteOffset, index.keyframes.byteLength),
    );
  return Number(info.lastInsertRowid);
}

export function setVideoHash(db: Db, id: number, hash: string): void {
  db.prepare('UPDATE videos SET hash = ? WHERE id = ?').run(hash, id);
}

export function setVideoStatus(db: Db, id: number, status: Video['status']): void {
  db.prepare('UPDATE videos SET status = ? WHERE id = ?').run(status, id);
}

export function setVideoProxy(db: Db, id: number, proxyPath: string | null): void {
  db.prepare('UPDATE videos SET proxy_path = ? WHERE id = ?').run(proxyPath, id);
}

export function deleteVideo(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM videos WHERE id = ?').run(id).changes > 0;
}

export function insertThumbnails(
  db: Db,
  videoId: number,
  firstIdx: number,
  items: { frame: number; jpeg: Uint8Array }[],
): void {
  const stmt = db.prepare(
    'INSERT OR REPLACE INTO thumbnails (video_id, idx, frame, jpeg) VALUES (?, ?, ?, ?)',
  );
  items.forEach((t, i) => stmt.run(videoId, firstIdx + i, t.frame, Buffer.from(t.jpeg)));
}

export function listThumbnails(db: Db, videoId: number): Thumbnail[] {
  return (
    db.prepare('SELECT frame, jpeg FROM thumbnails WHERE video_id = ? ORDER BY idx').all(videoId) as {
      frame: number;
      jpeg: Buffer;
    }[]
  ).map((r) => ({ frame: r.frame, jpeg: new Uint8Array(r.jpeg) }));
}

/**
 * Marks videos whose file has gone (moved, deleted, drive unplugged) as 'missing', and ready
 * again once the file is back. Returns how many changed.
 */
export function refreshAvailability(db: Db, exists: (path: string) => boolean): number {
  const rows = db
    .prepare("SELECT id, path, status FROM videos WHERE status IN ('ready', 'missing')")
    .all() as {
    id: number;
    path: string;
    status: Video['status'];
  }[];
  let changed = 0;
  for (const row of rows) {
    const status = exists(row.path) ? 'ready' : 'missing';
    if (status !== row.status) {
      setVideoStatus(db, row.id, status);
      changed++;
    }
  }
  return changed;
}
