/** Data access for clips: half-open frame ranges [inFrame, outFrame) of a video. */
import type { Clip } from '../../shared/contract';
import { KinemaError } from '../../shared/contract';
import { nowIso, type Db } from './connection';
import { getVideo } from './videos';

interface ClipRow {
  id: number;
  video_id: number;
  in_frame: number;
  out_frame: number;
  label: string;
  notes: string;
  created_at: string;
  updated_at: string;
}

function toClip(r: ClipRow): Clip {
  return {
    id: r.id,
    videoId: r.video_id,
    inFrame: r.in_frame,
    outFrame: r.out_frame,
    label: r.label,
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Rejects empty or out-of-range clips with a message that says what to fix. */
export function validateClipRange(inFrame: number, outFrame: number, frameCount: number): void {
  if (outFrame <= inFrame)
    throw new KinemaError(
      'EMPTY_CLIP',
      outFrame === inFrame
        ? `A clip must contain at least one frame: it starts and ends at frame ${inFrame}.`
        : `A clip must contain at least one frame: its last frame (${outFrame - 1}) comes before its first frame (${inFrame}).`,
    );
  if (outFrame > frameCount)
    throw new KinemaError(
      'OUT_OF_RANGE',
      `The clip ends at frame ${outFrame - 1}, past the video's last frame (${frameCount - 1}).`,
    );
}

export function listClips(db: Db, videoId?: number): Clip[] {
  const rows = (
    videoId === undefined
      ? db.prepare('SELECT * FROM clips ORDER BY video_id, in_frame, id').all()
      : db.prepare('SELECT * FROM clips WHERE video_id = ? ORDER BY in_frame, id').all(videoId)
  ) as ClipRow[];
  return rows.map(toClip);
}

export function getClip(db: Db, id: number): Clip {
  const row = db.prepare('SELECT * FROM clips WHERE id = ?').get(id) as ClipRow | undefined;
  if (!row) throw new KinemaError('NOT_FOUND', `Clip ${id} does not exist.`);
  return toClip(row);
}

export function createClip(
  db: Db,
  input: { videoId: number; inFrame: number; outFrame: number; label?: string; notes?: string },
): Clip {
  const video = getVideo(db, input.videoId);
  validateClipRange(input.inFrame, input.outFrame, video.frameCount);
  const now = nowIso();
  const info = db
    .prepare(
      'INSERT INTO clips (video_id, in_frame, out_frame, label, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .run(input.videoId, input.inFrame, input.outFrame, input.label ?? '', input.notes ?? '', now, now);
  return getClip(db, Number(info.lastInsertRowid));
}

export function updateClip(
  db: Db,
  input: { clipId: number; inFrame?: number; outFrame?: number; label?: string; notes?: string },
): Clip {
  const clip = getClip(db, input.clipId);
  const next = {
    inFrame: input.inFrame ?? clip.inFrame,
    outFrame: input.outFrame ?? clip.outFrame,
    label: input.label ?? clip.label,
    notes: input.notes ?? clip.notes,
  };
  validateClipRange(next.inFrame, next.outFrame, getVideo(db, clip.videoId).frameCount);
  db.prepare(
    'UPDATE clips SET in_frame = ?, out_frame = ?, label = ?, notes = ?, updated_at = ? WHERE id = ?',
  ).run(next.inFrame, next.outFrame, next.label, next.notes, nowIso(), clip.id);
  return getClip(db, clip.id);
}

export function deleteClip(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM clips WHERE id = ?').run(id).changes > 0;
}
