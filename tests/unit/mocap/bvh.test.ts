import { describe, expect, it } from 'vitest';
import {
  BvhError,
  bvhForwardKinematics,
  bvhSkeletonSpan,
  guessUnits,
  importBvh,
  leadingRestFrames,
  parseBvh,
  rootTranslationOf,
} from '../../../src/shared/mocap';

/** Root with 6 channels (ZXY rotations by default), one child 10 units up its Y, an End Site 5 up. */
function chain(
  rows: number[][],
  opts: { childOffset?: string; order?: string; childChannels?: string } = {},
) {
  const order = opts.order ?? 'Zrotation Xrotation Yrotation';
  return [
    'HIERARCHY',
    'ROOT root',
    '{',
    '  OFFSET 0 0 0',
    `  CHANNELS 6 Xposition Yposition Zposition ${order}`,
    '  JOINT child',
    '  {',
    `    OFFSET ${opts.childOffset ?? '0 10 0'}`,
    `    CHANNELS ${opts.childChannels ?? `3 ${order}`}`,
    '    End Site',
    '    {',
    '      OFFSET 0 5 0',
    '    }',
    '  }',
    '}',
    'MOTION',
    `Frames: ${rows.length}`,
    'Frame Time: 0.01',
    ...rows.map((r) => r.join(' ')),
    '',
  ].join('\n');
}

function point(fk: { positions: ArrayLike<number>; names: readonly string[] }, frame: number, name: string) {
  const i = fk.names.indexOf(name);
  const o = (frame * fk.names.length + i) * 3;
  return [fk.positions[o], fk.positions[o + 1], fk.positions[o + 2]];
}

function expectClose(a: number[], b: number[], eps = 1e-9) {
  expect(a.length).toBe(b.length);
  a.forEach((v, k) => expect(Math.abs(v - b[k]), `component ${k}: ${a} vs ${b}`).toBeLessThan(eps));
}

describe('BVH parsing', () => {
  it('reads the hierarchy, channels and motion', () => {
    const bvh = parseBvh(chain([[1, 2, 3, 0, 0, 0, 0, 0, 0]]));
    expect(bvh.joints.map((j) => j.name)).toEqual(['root', 'child']);
    expect(bvh.joints[1].parent).toBe(0);
    expect(bvh.joints[1].offset).toEqual([0, 10, 0]);
    expect(bvh.joints[1].channelStart).toBe(6);
    expect(bvh.endSites).toEqual([{ name: 'child_end', parent: 1, offset: [0, 5, 0] }]);
    expect(bvh.channelCount).toBe(9);
    expect(bvh.frameCount).toBe(1);
    expect(bvh.rate).toBeCloseTo(100, 9);
    expect(Array.from(bvh.motion.slice(0, 3))).toEqual([1, 2, 3]);
  });

  it('tolerates CRLF, tabs, blank lines and extra spaces', () => {
    const text = chain([[1, 2, 3, 10, 20, 30, 5, 6, 7]]);
    const messy =
      text
        .replace(/\n/g, '\r\n')
        .replace(/ {2}/g, '\t')
        .replace(/Frames: /, 'Frames:\t  ') + '\r\n\r\n';
    const a = bvhForwardKinematics(parseBvh(text), { endSites: true }, 'float64');
    const b = bvhForwardKinematics(parseBvh(messy), { endSites: true }, 'float64');
    expect(Array.from(b.positions)).toEqual(Array.from(a.positions));
  });

  const bad: [string, (t: string) => string, RegExp][] = [
    ['not a BVH', () => 'hello world', /line 1: not a BVH file/],
    [
      'unknown channel name',
      (t) => t.replace('Zrotation Xrotation Yrotation\n  JOINT', 'Zrotation Xrotation Wrotation\n  JOINT'),
      /line 5: unknown channel name "Wrotation"/,
    ],
    [
      'too few channel names',
      (t) => t.replace('CHANNELS 3 Zrotation Xrotation Yrotation', 'CHANNELS 3 Zrotation Xrotation'),
      /line 9: CHANNELS of "child" declares 3 channels but lists 2/,
    ],
    ['missing closing brace', (t) => t.replace(/^}\n/m, ''), /file ends inside joint "root".*missing "}"/],
    [
      'truncated before MOTION',
      (t) => t.slice(0, t.indexOf('  JOINT')),
      /file ends inside joint "root"|no MOTION/,
    ],
    [
      'wrong value count',
      (t) => t.replace('1 2 3 0 0 0 0 0 0', '1 2 3 0 0 0 0 0'),
      /line 19: frame 0 has 8 values, the hierarchy has 9 channels/,
    ],
    [
      'not a number',
      (t) => t.replace('1 2 3 0 0 0 0 0 0', '1 2 x 0 0 0 0 0 0'),
      /line 19: frame 0, value 3: "x" is not a number/,
    ],
    [
      'fewer frames than declared',
      (t) => t.replace('Frames: 2', 'Frames: 3'),
      /declares 3 frames but only 2 follow/,
    ],
    [
      'more frames than declared',
      (t) => t.replace('Frames: 2', 'Frames: 1'),
      /line 20: more frame rows than the 1 declared/,
    ],
    [
      'bad frame time',
      (t) => t.replace('Frame Time: 0.01', 'Frame Time: 0'),
      /line 18: Frame Time "0" is not a positive/,
    ],
    ['missing Frames line', (t) => t.replace('Frames: 2\n', ''), /line 17: expected "Frames: <count>"/],
    [
      'unexpected keyword',
      (t) => t.replace('    End Site', '    Edn Site'),
      /line 10: unexpected "Edn" inside joint "child"/,
    ],
    [
      'duplicate joint name',
      (t) => t.replace('JOINT child', 'JOINT root'),
      /joint name "root" is used twice/,
    ],
  ];
  for (const [what, edit, message] of bad) {
    it(`rejects a file with ${what}, naming the line`, () => {
      const text = edit(
        chain([
          [1, 2, 3, 0, 0, 0, 0, 0, 0],
          [1, 2, 3, 0, 0, 0, 0, 0, 0],
        ]),
      );
      expect(() => parseBvh(text)).toThrow(BvhError);
      expect(() => parseBvh(text)).toThrow(message);
    });
  }
});

describe('BVH forward kinematics', () => {
  it('rotates a 2-joint chain 90° about each axis (hand-computed)', () => {
    // Root at (1, 2, 3). Child offset (0, 10, 0); its End Site 5 further along the child's Y.
    const fkOf = (rot: [number, number, number], offset = '0 10 0') =>
      bvhForwardKinematics(
        parseBvh(
          chain([[1, 2, 3, ...rot, 0, 0, 0]], {
            order: 'Xrotation Yrotation Zrotation',
            childOffset: offset,
          }),
        ),
        { endSites: true },
        'float64',
      );
    // X 90°: +Y → +Z.
    let fk = fkOf([90, 0, 0]);
    expectClose(point(fk, 0, 'child'), [1, 2, 13]);
    expectClose(point(fk, 0, 'child_end'), [1, 2, 18]);
    // Z 90°: +Y → −X.
    fk = fkOf([0, 0, 90]);
    expectClose(point(fk, 0, 'child'), [-9, 2, 3]);
    // Y 90°: +X → −Z (offset along X this time; End Site stays along Y).
    fk = fkOf([0, 90, 0], '10 0 0');
    expectClose(point(fk, 0, 'child'), [1, 2, -7]);
    expectClose(point(fk, 0, 'child_end'), [1, 7, -7]);
    expect(fk.isEndSite).toEqual([false, false, true]);
    expect(fk.parents).toEqual([-1, 0, 1]);
  });

  it('applies the rotation channels in the order the file lists them', () => {
    // Same angles (Z 90°, X 90°), two orders: R = Rz·Rx vs R = Rx·Rz applied to (0, 10, 0).
    const zx = chain([[0, 0, 0, 90, 90, 0, 0, 0, 0]], { order: 'Zrotation Xrotation Yrotation' });
    const xz = chain([[0, 0, 0, 90, 90, 0, 0, 0, 0]], { order: 'Xrotation Zrotation Yrotation' });
    // Columns follow the file: ZXY reads Z=90, X=90; XZY reads X=90, Z=90.
    const a = bvhForwardKinematics(parseBvh(zx), {}, 'float64');
    const b = bvhForwardKinematics(parseBvh(xz), {}, 'float64');
    expectClose(point(a, 0, 'child'), [0, 0, 10]); // Rx: (0,10,0) → (0,0,10); Rz keeps it.
    expectClose(point(b, 0, 'child'), [-10, 0, 0]); // Rz: (0,10,0) → (−10,0,0); Rx keeps it.
  });

  it('chains rotations: a child rotation acts in the parent frame', () => {
    // Root Z 90°, child X 90°: End Site (0,5,0) → Rx → (0,0,5) → Rz → (0,0,5); child at (−10,0,0).
    const fk = bvhForwardKinematics(
      parseBvh(chain([[0, 0, 0, 90, 0, 0, 0, 90, 0]], { order: 'Zrotation Xrotation Yrotation' })),
      { endSites: true },
      'float64',
    );
    expectClose(point(fk, 0, 'child'), [-10, 0, 0]);
    expectClose(point(fk, 0, 'child_end'), [-10, 0, 5]);
  });

  it('adds a 6-channel child joint’s translation to its offset, in the parent frame', () => {
    const text = chain([[0, 0, 0, 90, 0, 0, 1, 0, 0, 0, 0, 0]], {
      order: 'Zrotation Xrotation Yrotation',
      childChannels: '6 Xposition Yposition Zposition Zrotation Xrotation Yrotation',
    });
    const fk = bvhForwardKinematics(parseBvh(text), { endSites: true }, 'float64');
    // Local (1, 10, 0) rotated Z 90° → (−10, 1, 0).
    expectClose(point(fk, 0, 'child'), [-10, 1, 0]);
    expectClose(point(fk, 0, 'child_end'), [-15, 1, 0]);
  });

  it('computes a frame range in float32', () => {
    const bvh = parseBvh(
      chain([
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
        [5, 0, 0, 0, 0, 0, 0, 0, 0],
      ]),
    );
    const fk = bvhForwardKinematics(bvh, { start: 1, count: 1 });
    expect(fk.positions).toBeInstanceOf(Float32Array);
    expect(fk.frameCount).toBe(1);
    expect(point(fk, 0, 'child')).toEqual([5, 10, 0]);
    expect(() => bvhForwardKinematics(bvh, { start: 1, count: 2 })).toThrow(/outside the take's 2 frames/);
  });

  it('root translation: adds to the OFFSET by default, replaces it on request or when detected', () => {
    const text = chain([[20, 90, 0, 0, 0, 0, 0, 0, 0]]).replace('  OFFSET 0 0 0', '  OFFSET 21 89 0');
    const bvh = parseBvh(text);
    expect(point(bvhForwardKinematics(bvh), 0, 'root')).toEqual([41, 179, 0]);
    expect(point(bvhForwardKinematics(bvh, { rootTranslation: 'replace' }), 0, 'root')).toEqual([20, 90, 0]);
    expect(rootTranslationOf(bvh)).toBe('replace');
    const small = parseBvh(
      chain([[1, -2, 1, 0, 0, 0, 0, 0, 0]]).replace('  OFFSET 0 0 0', '  OFFSET 0 105 0'),
    );
    expect(rootTranslationOf(small)).toBe('add');
  });
});

describe('BVH units and import', () => {
  it('guesses units from the skeleton span', () => {
    expect(guessUnits(240)?.unit).toBe('cm');
    expect(guessUnits(2.4)?.unit).toBe('m');
    expect(guessUnits(43.7)?.unit).toBe('cmu-asf');
    expect(guessUnits(95)?.unit).toBe('in');
    expect(guessUnits(0.01)).toBeNull();
    expect(bvhSkeletonSpan(parseBvh(chain([[0, 0, 0, 0, 0, 0, 0, 0, 0]])))).toBe(15);
  });

  it('imports to metres and the Z-up Kinema world, with an explicit scale', () => {
    // Root 100 units up Y and 20 forward Z; child 10 up: in cm → root (0, −0.2, 1), child z 1.1.
    const text = chain([[0, 100, 20, 0, 0, 0, 0, 0, 0]]);
    const { take, metresPerUnit } = importBvh(text, { metresPerUnit: 0.01, take: 'walk' });
    expect(metresPerUnit).toBe(0.01);
    expect(take.source).toBe('bvh');
    expect(take.take).toBe('walk');
    expect(take.jointNames).toEqual(['root', 'child', 'child_end']);
    const p = Array.from(take.positionsM.slice(0, 6));
    expectClose(p, [0, -0.2, 1, 0, -0.2, 1.1], 1e-6);
    expect(take.meta.unitSource).toBe('option');
  });

  it('refuses a BVH whose units cannot be guessed without a scale', () => {
    expect(() => importBvh(chain([[0, 0, 0, 0, 0, 0, 0, 0, 0]]))).toThrow(
      /Cannot tell the units.*metresPerUnit/,
    );
  });

  it('drops a leading rest pose and the frames blending out of it', () => {
    // Frame 0 arm straight up, then it jumps to horizontal and swings slowly.
    const rows = [[0, 0, 0, 0, 0, 0, 0, 0, 0]];
    for (let f = 1; f < 60; f++) rows.push([0, 0, 0, 0, 0, 0, 90 + f * 0.1, 0, 0]);
    const text = chain(rows);
    const auto = importBvh(text, { metresPerUnit: 0.1 });
    expect(auto.droppedFrames).toBe(1);
    expect(auto.take.frameCount).toBe(59);
    const none = importBvh(text, { metresPerUnit: 0.1, dropLeading: 0 });
    expect(none.take.frameCount).toBe(60);
    // Smooth motion: nothing dropped.
    const smooth = new Float32Array(30 * 2 * 3).map((_, i) => (i % 6 === 5 ? Math.floor(i / 6) * 0.001 : 0));
    expect(leadingRestFrames(smooth, 2, 30, 30)).toBe(0);
  });
});
