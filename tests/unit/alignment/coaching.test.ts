/**
 * Aligning a learner's walk to a reference walk and turning the differences into findings: the
 * learner is the same walker slowed down by a known smooth time warp, with the left knee bent
 * 12° more in the middle of the motion. The alignment must recover the warp, and the findings
 * must say "left knee 12° more bent … in the middle" and that the motion takes longer.
 */
import { describe, expect, it } from 'vitest';
import { alignTracks, compareMotions } from '../../../src/shared/alignment';
import { trackKinematics } from '../../../src/shared/kinematics';
import { buildTrack } from '../../../src/shared/pose';
import { walkPair } from '../../helpers/walker';

const pair = walkPair();
const { fps: FPS, warp } = pair;
const REF_FRAMES = pair.referenceFrames;
const LEARN_FRAMES = pair.learnerFrames;
const reference = buildTrack(0, 'coco17', pair.reference);
// The learner's motion sits inside a longer video: 20 still frames before it.
const learner = buildTrack(0, 'coco17', pair.learner);

describe('alignment of tracks', () => {
  it('recovers the time warp end to end (global) and finds where the motion starts (subsequence)', () => {
    const global = alignTracks({ track: learner, inFrame: 20 }, { track: reference });
    expect(global.learnerStart).toBe(20);
    expect(global.learnerEnd).toBe(20 + LEARN_FRAMES - 1);
    const errors = Array.from(global.learnerToReference, (r, i) => Math.abs(r - (100 + warp(i) * FPS)));
    errors.sort((a, b) => a - b);
    expect(errors[errors.length >> 1]).toBeLessThanOrEqual(1);
    // Nearest-neighbour tau is low on a periodic motion (a pose of stride 1 recurs in stride 2).
    expect(global.featureTau).toBeGreaterThanOrEqual(-1);
    expect(global.featureTau).toBeLessThanOrEqual(1);
    // The path is monotone and covers both ends.
    expect(global.path.learner[0]).toBe(20);
    expect(global.path.reference.at(-1)).toBe(100 + REF_FRAMES - 1);

    const sub = alignTracks({ track: learner }, { track: reference }, { mode: 'subsequence' });
    expect(Math.abs(sub.learnerStart - 20)).toBeLessThanOrEqual(3);
    expect(Math.abs(sub.learnerEnd - (20 + LEARN_FRAMES - 1))).toBeLessThanOrEqual(3);
  });

  it('refuses a range with fewer than two poses, and a learner shorter than the reference in subsequence mode', () => {
    expect(() => alignTracks({ track: learner, inFrame: 500 }, { track: reference })).toThrow(
      /no pose in frames 500/,
    );
    expect(() =>
      alignTracks(
        { track: learner, inFrame: 20, outFrame: 40 },
        { track: reference },
        { mode: 'subsequence' },
      ),
    ).toThrow(/at least as long as the reference/);
  });
});

describe('coaching findings', () => {
  it('says the left knee is more bent in the middle, and that the motion takes longer', () => {
    const alignment = alignTracks({ track: learner, inFrame: 20 }, { track: reference });
    const lk = trackKinematics(learner, { fps: FPS, inFrame: 20 });
    const rk = trackKinematics(reference, { fps: FPS });
    const report = compareMotions(lk, rk, alignment);
    const knee = report.angles.find((a) => a.name === 'left_knee_flexion')!;
    expect(knee.maxAbsDiff).toBeGreaterThan(9);
    expect(knee.maxAbsDiff).toBeLessThan(15);
    // The right knee was not changed.
    expect(report.angles.find((a) => a.name === 'right_knee_flexion')!.meanAbsDiff).toBeLessThan(2.5);
    expect(report.phases[2].worst?.name).toBe('left_knee_flexion');
    const texts = report.findings.map((f) => f.text);
    const kneeFinding = report.findings.find((f) => f.kind === 'angle' && /Left knee/.test(f.text));
    expect(kneeFinding?.text, texts.join('\n')).toMatch(
      /^Left knee (9|10|11|12)° more bent than the reference in the middle/,
    );
    // Its frames are inside the bump.
    expect(kneeFinding!.referenceFrame - 100).toBeGreaterThan(0.38 * REF_FRAMES);
    expect(kneeFinding!.referenceFrame - 100).toBeLessThan(0.62 * REF_FRAMES);
    expect(texts.some((t) => /takes 2\.67 s, 2\d % longer than the reference \(2\.20 s\)/.test(t))).toBe(
      true,
    );
    // Slower overall is one finding, not a late peak of every joint.
    expect(report.findings.filter((f) => f.kind === 'timing').map((f) => f.text)).toEqual([]);
    // No invented differences elsewhere: every angle finding is about the left knee.
    for (const f of report.findings.filter((x) => x.kind === 'angle')) expect(f.text).toMatch(/Left knee/);
  });
});
