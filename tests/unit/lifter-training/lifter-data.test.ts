import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KinemaError } from '../../../src/shared/errors';
import {
  collectMocapFiles,
  loadLifterDatasets,
  loadMocapSequence,
  planLifterDatasets,
} from '../../../src/main/training/lifter-data';
import { brokenBvh, jointCentreTrc, syntheticBvh, writeText } from '../../helpers/mocap-files';
import { tempDir } from '../../helpers/media';

const tmp = tempDir('lifter-data-');
const file = (name: string, text: string) => writeText(join(tmp.dir, name), text);

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KinemaError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('mocap files for lifter training', () => {
  const walk = file('walk/walk_01.bvh', syntheticBvh({ motion: 'walk', frames: 240 }));

  it('reads a BVH take as 50 fps H36M-17 and COCO-17 sequences with finite joints', () => {
    const seq = loadMocapSequence({ path: walk, category: 'walk' }, 50);
    expect(seq.frames).toBe(100); // 240 frames at 120 fps → 2 s
    expect(seq.h36m.every(Number.isFinite)).toBe(true);
    // A standing adult: head above the ankles by 1.4-1.9 m (Z up).
    const headZ = seq.h36m[10 * 3 + 2];
    const ankleZ = seq.h36m[3 * 3 + 2];
    expect(headZ - ankleZ).toBeGreaterThan(1.4);
    expect(headZ - ankleZ).toBeLessThan(1.9);
  });

  it('places the joints of a Y-up joint-centre TRC where the BVH it came from has them', () => {
    const trc = file('walk_trc.trc', jointCentreTrc({ motion: 'walk', frames: 240 }));
    const a = loadMocapSequence({ path: walk, category: 'walk' }, 50);
    const b = loadMocapSequence({ path: trc, category: 'walk' }, 50);
    expect(b.frames).toBe(a.frames);
    // Hips, knees, ankles, shoulders, elbows, wrists are copied: same to the TRC's 1 mm rounding.
    for (const j of [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]) {
      for (let c = 0; c < 3; c++) expect(Math.abs(a.h36m[j * 3 + c] - b.h36m[j * 3 + c])).toBeLessThan(0.002);
    }
  });

  it('refuses broken files with messages that name the file and the problem', () => {
    const broken = file('bad/broken.bvh', brokenBvh());
    const noKnee = file('bad/no_knee.trc', jointCentreTrc({ motion: 'walk', frames: 60 }, ['LKnee']));
    const short = file('bad/short.bvh', syntheticBvh({ motion: 'jump', frames: 30 }));
    const m = message(() =>
      loadLifterDatasets(planLifterDatasets([broken, noKnee, short, walk], [walk]), {
        fps: 50,
        receptiveField: 27,
      }),
    );
    expect(m).toContain('3 files cannot be used');
    expect(m).toMatch(/broken\.bvh: .+/);
    expect(m).toMatch(/no_knee\.trc: no marker for the left knee/);
    expect(m).toContain('short.bvh: 13 frames at 50 fps, fewer than the receptive field of 27 frames');
    expect(message(() => collectMocapFiles([join(tmp.dir, 'nope')]))).toContain('does not exist');
    expect(message(() => collectMocapFiles([]))).toContain('No training files');
    expect(message(() => collectMocapFiles([file('notes.txt', 'x')]))).toContain('not a mocap file');
  });

  it('holds out about one file in five, or the user’s files, and never trains on them', () => {
    const files = Array.from({ length: 6 }, (_, i) =>
      file(`set/jump/${i}.bvh`, syntheticBvh({ motion: 'jump', frames: 120, scale: 0.8 + i / 20 })),
    );
    const plan = planLifterDatasets([join(tmp.dir, 'set')]);
    expect(plan.holdOut).toBe('files');
    expect(plan.validation).toHaveLength(1);
    expect(plan.train).toHaveLength(5);
    expect(plan.train.map((f) => f.path)).not.toContain(plan.validation[0].path);
    expect(plan.train[0].category).toBe('jump');
    const user = planLifterDatasets([join(tmp.dir, 'set')], [files[0], files[1]]);
    expect(user.holdOut).toBe('user');
    expect(user.train.map((f) => f.path)).toEqual(files.slice(2));
    // One file: its last fifth validates.
    const one = loadLifterDatasets(planLifterDatasets([walk]), { fps: 50, receptiveField: 27 });
    expect(one.holdOut).toBe('time');
    expect(one.trainFrames).toBe(80);
    expect(one.validationFrames).toBe(20);
  });
});
