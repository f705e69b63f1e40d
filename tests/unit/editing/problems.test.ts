/**
 * The problems finder on a synthetic walk with planted problems: a gap, a low-confidence stretch,
 * a jump to someone else's place and a left/right swap of the legs. It must find exactly those,
 * with their frame ranges, sorted, and nothing on the clean parts.
 */
import { describe, expect, it } from 'vitest';
import {
  filterSegment,
  findProblems,
  findTrackProblems,
  nextProblem,
  PROVENANCE,
  type Segment,
} from '../../../src/shared/editing';
import { J, K, makeSegment, range } from './helpers';

function planted(): Segment {
  // 0–119 without 30–34.
  const s = filterSegment(makeSegment(range(0, 120)), K, (i) => i < 30 || i >= 35);
  const pos = (f: number) => Array.from(s.frames).indexOf(f);
  for (let f = 50; f < 60; f++) for (let j = 0; j < K; j++) s.keypoints[(pos(f) * K + j) * 3 + 2] = 0.1;
  for (let f = 70; f < 120; f++) {
    const i = pos(f);
    if (i < 0) continue;
    for (let j = 0; j < K; j++) s.keypoints[(i * K + j) * 3] += 500;
    s.boxes[i * 4] += 500;
  }
  for (let f = 90; f < 100; f++) {
    const i = pos(f);
    for (const [l, r] of [
      [J('left_knee'), J('right_knee')],
      [J('left_ankle'), J('right_ankle')],
    ]) {
      const a = s.keypoints.slice((i * K + l) * 3, (i * K + l) * 3 + 3);
      s.keypoints.copyWithin((i * K + l) * 3, (i * K + r) * 3, (i * K + r) * 3 + 3);
      s.keypoints.set(a, (i * K + r) * 3);
    }
  }
  return s;
}

describe('problems finder', () => {
  it('finds the planted gap, low-confidence stretch, jump and swap, sorted by frame', () => {
    const problems = findTrackProblems(planted(), 0, 'coco17');
    expect(problems.map(({ kind, inFrame, outFrame }) => ({ kind, inFrame, outFrame }))).toEqual([
      { kind: 'gap', inFrame: 30, outFrame: 35 },
      { kind: 'low-confidence', inFrame: 50, outFrame: 60 },
      { kind: 'jump', inFrame: 70, outFrame: 71 },
      { kind: 'swap', inFrame: 90, outFrame: 100 },
    ]);
    expect(problems[0].reason).toBe('No pose for 5 frames (frames 30–34).');
    expect(problems[1].reason).toMatch(/^Low confidence: mean keypoint score 0\.1 over 10 frames\.$/);
    // 500 px planted + the 2 px of a walking frame, against a 440 px high box.
    expect(problems[2].reason).toBe(
      'The person jumps 502 px (1.14 × their height per frame) between frames 69 and 70.',
    );
    expect(problems[3].reason).toMatch(/Left and right look swapped in frames 90–99/);
    expect(findTrackProblems(makeSegment(range(0, 120)), 0, 'coco17')).toEqual([]);
  });

  it('counts edited keypoints as confident, filters kinds, and merges tracks in frame order', () => {
    const s = planted();
    for (let i = 0; i < s.frames.length; i++)
      if (s.frames[i] >= 50 && s.frames[i] < 55) s.provenance.fill(PROVENANCE.human, i * K, (i + 1) * K);
    expect(findTrackProblems(s, 0, 'coco17', { kinds: ['low-confidence'] })).toEqual([
      expect.objectContaining({ inFrame: 55, outFrame: 60 }),
    ]);
    const other = filterSegment(makeSegment(range(0, 60), 1), K, (i) => i !== 40);
    const all = findProblems(
      [
        { trackId: 0, segment: planted() },
        { trackId: 1, segment: other },
      ],
      'coco17',
    );
    expect(all.map((p) => [p.trackId, p.kind, p.inFrame])).toEqual([
      [0, 'gap', 30],
      [1, 'gap', 40],
      [0, 'low-confidence', 50],
      [0, 'jump', 70],
      [0, 'swap', 90],
    ]);
    expect(nextProblem(all, 40)?.inFrame).toBe(50);
    expect(nextProblem(all, 40, -1)).toMatchObject({ kind: 'gap', inFrame: 30 });
    expect(nextProblem(all, 95)).toBeNull();
  });
});
