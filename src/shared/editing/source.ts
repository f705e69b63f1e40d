/**
 * What an edit action reads: the tracks of one run, a frame range at a time, so the main process
 * can answer from the few stored chunks an edit touches (src/main/editing/store.ts) and tests can
 * answer from memory (MemorySource).
 */
import { KinemaError } from '../errors';
import { getSkeleton, type SkeletonId } from '../skeletons';
import { KEYFRAME } from './provenance';
import {
  emptySegment,
  indexRange,
  sliceSegment,
  spliceSegment,
  type Segment,
  type TrackPatch,
} from './segment';

export interface TrackExtent {
  firstFrame: number;
  lastFrame: number;
  frameCount: number;
}

export interface EditVideo {
  width: number;
  height: number;
  /** 0 when unknown. */
  fps: number;
  /** Frames of the video, when known: edits outside it are refused. */
  frameCount?: number;
}

export interface EditSource {
  readonly skeletonId: SkeletonId;
  /** Joints per pose (K). */
  readonly jointCount: number;
  readonly video: EditVideo;
  /** Ids of the tracks that have frames, ascending. */
  trackIds(): number[];
  /** First/last frame and count of a track, or null when it has no frames. */
  extent(trackId: number): TrackExtent | null;
  label(trackId: number): string;
  /** A copy of the track's frames in [start, end) (empty when none, or no such track). */
  read(trackId: number, start: number, end: number): Segment;
  /** The nearest keyframe strictly before (-1) or after (+1) `frame`, or null. */
  nearestKeyframe(trackId: number, frame: number, direction: -1 | 1): number | null;
}

interface MemoryTrack {
  label: string;
  segment: Segment;
}

/** An EditSource over whole tracks held in memory; `apply` changes them in place. */
export class MemorySource implements EditSource {
  readonly jointCount: number;
  private readonly tracks = new Map<number, MemoryTrack>();

  constructor(
    readonly skeletonId: SkeletonId,
    readonly video: EditVideo,
    tracks: readonly { trackId: number; label?: string; segment: Segment }[] = [],
  ) {
    this.jointCount = getSkeleton(skeletonId).joints.length;
    for (const t of tracks)
      if (t.segment.frames.length)
        this.tracks.set(t.trackId, {
          label: t.label ?? '',
          segment: sliceSegment(t.segment, 0, t.segment.frames.length, this.jointCount),
        });
  }

  trackIds(): number[] {
    return [...this.tracks.keys()].sort((a, b) => a - b);
  }

  extent(trackId: number): TrackExtent | null {
    const t = this.tracks.get(trackId);
    if (!t) return null;
    const f = t.segment.frames;
    return { firstFrame: f[0], lastFrame: f[f.length - 1], frameCount: f.length };
  }

  label(trackId: number): string {
    return this.tracks.get(trackId)?.label ?? '';
  }

  read(trackId: number, start: number, end: number): Segment {
    const t = this.tracks.get(trackId);
    if (!t) return emptySegment(0, this.jointCount);
    const [a, b] = indexRange(t.segment.frames, start, end);
    return sliceSegment(t.segment, a, b, this.jointCount);
  }

  nearestKeyframe(trackId: number, frame: number, direction: -1 | 1): number | null {
    const s = this.tracks.get(trackId)?.segment;
    if (!s) return null;
    const [a, b] = indexRange(s.frames, frame, frame + 1);
    if (direction < 0) {
      for (let i = a - 1; i >= 0; i--) if (s.flags[i] & KEYFRAME) return s.frames[i];
    } else {
      for (let i = b; i < s.frames.length; i++) if (s.flags[i] & KEYFRAME) return s.frames[i];
    }
    return null;
  }

  /** The whole track (a copy), or an empty segment. */
  segment(trackId: number): Segment {
    const t = this.tracks.get(trackId);
    return t
      ? sliceSegment(t.segment, 0, t.segment.frames.length, this.jointCount)
      : emptySegment(0, this.jointCount);
  }

  /** Applies patches in order (checking each one's `before`); all or nothing. */
  apply(patches: readonly TrackPatch[]): void {
    const next = new Map(this.tracks);
    for (const p of patches) {
      const current = next.get(p.trackId);
      const whole = current?.segment ?? emptySegment(0, this.jointCount);
      const segment = spliceSegment(whole, p, p.before, p.after, this.jointCount);
      if (segment.frames.length) next.set(p.trackId, { label: current?.label ?? p.label, segment });
      else next.delete(p.trackId);
    }
    this.tracks.clear();
    for (const [id, t] of next) this.tracks.set(id, t);
  }
}

/** Refuses (KinemaError) a track id the run does not have. */
export function requireTrack(source: EditSource, trackId: number): TrackExtent {
  const extent = source.extent(trackId);
  if (!extent) {
    const ids = source.trackIds();
    throw new KinemaError(
      'BAD_EDIT',
      `Track ${trackId} does not exist in this run (${ids.length ? `its tracks are ${ids.join(', ')}` : 'it has no tracks'}).`,
    );
  }
  return extent;
}
