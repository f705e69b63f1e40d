/**
 * Synthetic tracks for the editor's tests, and a check that an edit's inverse gives back the
 * exact bytes.
 */
import { expect } from 'vitest';
import {
  MemorySource,
  runEdit,
  segmentsEqual,
  emptySegment,
  type EditResult,
  type Segment,
} from '../../../src/shared/editing';
import { COCO17_JOINTS } from '../../../src/shared/skeletons';

export const K = 17;
export const J = (name: string) => (COCO17_JOINTS as readonly string[]).indexOf(name);
export const VIDEO = { width: 1280, height: 720, fps: 25, frameCount: 5000 };

/** Joint j of a person walking right at frame f: left joints 20 px left of their right partner. */
export function pointAt(f: number, j: number, trackId = 0): [number, number] {
  const name = COCO17_JOINTS[j];
  const side = name.startsWith('left_') ? -20 : name.startsWith('right_') ? 20 : 0;
  return [300 + trackId * 400 + 2 * f + side + (j % 3) * 0.25, 100 + j * 25 + (f % 2) * 0.5];
}

/** A track (as a segment) with a pose at each of `frames`, scores 0.9, boxes around the keypoints. */
export function makeSegment(frames: readonly number[], trackId = 0): Segment {
  const s = emptySegment(frames.length, K);
  frames.forEach((f, i) => {
    s.frames[i] = f;
    for (let j = 0; j < K; j++) {
      const [x, y] = pointAt(f, j, trackId);
      s.keypoints.set([x, y, 0.9 - (j % 4) * 0.05], (i * K + j) * 3);
    }
    const [x0] = pointAt(f, 0, trackId);
    s.boxes.set([x0 - 60, 80, 120, 440], i * 4);
    s.scores[i] = 0.8;
  });
  return s;
}

export const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

export function memory(
  tracks: { trackId: number; frames: readonly number[]; label?: string }[],
): MemorySource {
  return new MemorySource(
    'coco17',
    VIDEO,
    tracks.map((t) => ({
      trackId: t.trackId,
      label: t.label ?? 'person',
      segment: makeSegment(t.frames, t.trackId),
    })),
  );
}

/** Every track of a source, copied. */
export function snapshot(source: MemorySource): Map<number, Segment> {
  return new Map(source.trackIds().map((id) => [id, source.segment(id)]));
}

export function expectSameTracks(a: Map<number, Segment>, b: Map<number, Segment>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [id, seg] of a) expect(segmentsEqual(seg, b.get(id) as Segment), `track ${id} bytes`).toBe(true);
}

/**
 * Applies an edit to the source, checks that its inverse gives back the exact bytes and that
 * redoing gives the edited bytes again, and leaves the source edited. Returns the result.
 */
export function applyChecked(
  source: MemorySource,
  spec: { action: string } & Record<string, unknown>,
): EditResult {
  const before = snapshot(source);
  const result = runEdit(source, spec);
  expect(result.changes.length, `${spec.action} changes something`).toBeGreaterThan(0);
  source.apply(result.changes);
  const edited = snapshot(source);
  source.apply(result.inverse);
  expectSameTracks(snapshot(source), before);
  source.apply(result.changes);
  expectSameTracks(snapshot(source), edited);
  return result;
}

/** Keypoint j of the track's frame f: [x, y, score]. */
export function keypoint(source: MemorySource, trackId: number, f: number, j: number): number[] {
  const s = source.read(trackId, f, f + 1);
  expect(s.frames.length, `track ${trackId} has frame ${f}`).toBe(1);
  return Array.from(s.keypoints.subarray(j * 3, j * 3 + 3));
}

export function provenanceAt(source: MemorySource, trackId: number, f: number, j: number): number {
  return source.read(trackId, f, f + 1).provenance[j];
}

export function framesOf(source: MemorySource, trackId: number): number[] {
  return Array.from(source.segment(trackId).frames);
}
