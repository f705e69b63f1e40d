import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatVpdVideoName,
  parseVpdVideoName,
  readVpdPoseDir,
  writeVpdPoseDir,
  type VpdMaskFrame,
} from '../../../src/main/formats';
import { tempDir } from '../../helpers/media';
import { expectPoseSetsClose, syntheticPoseSet } from '../../helpers/poses';

const tmp = tempDir('vpd-');
afterAll(() => tmp.cleanup());
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('VPD pose folder', () => {
  it('round-trips two tracks with gaps, masks and meta', () => {
    const set = syntheticPoseSet();
    const masks: VpdMaskFrame[] = [
      { frame: 3, items: [{ score: 0.9, box: [1, 2, 3, 4], png: 'iVBORw0KGgo=' }] },
    ];
    const dir = join(tmp.dir, 'front__match_100_200');
    writeVpdPoseDir(dir, set, { masks });
    expect(readdirSync(dir).sort()).toEqual([
      'boxes.json',
      'coco_keypoints.json.gz',
      'mask.json.gz',
      'meta.json',
    ]);
    const boxes = JSON.parse(readFileSync(join(dir, 'boxes.json'), 'utf8'));
    expect(boxes).toHaveLength(16);
    expect(boxes[0][0]).toBe(0);
    const kp = JSON.parse(
      new TextDecoder().decode(gunzipSync(readFileSync(join(dir, 'coco_keypoints.json.gz')))),
    );
    expect(kp).toHaveLength(17); // frames where anyone is present
    expect(kp[2][1]).toHaveLength(2); // frame 2: both people
    expect(kp[2][1][0][2]).toHaveLength(17);

    const back = readVpdPoseDir(dir);
    expectPoseSetsClose(back.poseSet, set);
    expect(back.poseSet.video).toMatchObject({
      width: 1280,
      height: 720,
      fps: 25,
      frameCount: 20,
      name: 'clip',
    });
    expect(back.poseSet.provenance.model).toBe('synthetic');
    expect(back.masks).toEqual(masks);
  });

  it('matches the main athlete by box and numbers the others per frame; no masks when absent', () => {
    const dir = join(tmp.dir, 'hand');
    const kps = (x: number) => Array.from({ length: 17 }, () => [x, 50, 0.5]);
    writeVpdPoseDir(dir, syntheticPoseSet()); // creates the folder; then overwrite by hand
    writeFileSync(
      join(dir, 'boxes.json'),
      JSON.stringify([
        [0, [200, 0, 100, 100]],
        [1, [0, 0, 10, 10]],
      ]),
    );
    writeFileSync(
      join(dir, 'coco_keypoints.json.gz'),
      gzipSync(
        enc([
          [
            0,
            [
              [0.9, [0, 0, 100, 100], kps(10)],
              [0.8, [210, 0, 100, 100], kps(250)],
            ],
          ],
        ]),
      ),
    );
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ w: 640, h: 480, extra: [1] }));
    const back = readVpdPoseDir(dir);
    expect(back.masks).toBeUndefined();
    expect(back.poseSet.video).toMatchObject({ width: 640, height: 480, fps: 0 });
    const [main, other] = back.poseSet.tracks;
    expect(main.trackId).toBe(0);
    expect(main.keypoints[0]).toBe(250); // the person overlapping boxes.json's box
    expect(Array.from(main.frames)).toEqual([0, 1]); // frame 1: box only
    expect(main.scores[1]).toBe(0);
    expect(other.trackId).toBe(1);
    expect(other.keypoints[0]).toBe(10);
  });

  it('refuses malformed folders with messages naming the file and place', () => {
    const dir = join(tmp.dir, 'bad');
    writeVpdPoseDir(dir, syntheticPoseSet());
    const gz = readFileSync(join(dir, 'coco_keypoints.json.gz'));
    writeFileSync(join(dir, 'coco_keypoints.json.gz'), gz.subarray(0, gz.length - 30));
    expect(() => readVpdPoseDir(dir)).toThrow(/coco_keypoints.json.gz: gzip data is damaged or truncated/);

    const people = [[0.9, [0, 0, 10, 10], Array.from({ length: 15 }, () => [1, 2, 0.5])]];
    writeFileSync(join(dir, 'coco_keypoints.json.gz'), gzipSync(enc([[12, people]])));
    expect(() => readVpdPoseDir(dir)).toThrow(
      'coco_keypoints.json.gz: frame 12, person 0 has 15 keypoints, expected 17',
    );

    writeFileSync(join(dir, 'coco_keypoints.json.gz'), gzipSync(enc({ frames: [] })));
    expect(() => readVpdPoseDir(dir)).toThrow(
      /coco_keypoints.json.gz: expected a list of \[frame, \.\.\.\] entries/,
    );

    writeFileSync(join(dir, 'coco_keypoints.json.gz'), gzipSync(enc([[3, [[0.9, [0, 0, 10], []]]]])));
    expect(() => readVpdPoseDir(dir)).toThrow(/frame 3, person 0: box: expected 4 numbers, got 3/);

    writeFileSync(join(dir, 'coco_keypoints.json.gz'), new TextEncoder().encode('[[0, []]]'));
    expect(() => readVpdPoseDir(dir)).toThrow(/is not a gzip file/);

    writeFileSync(join(dir, 'coco_keypoints.json.gz'), gzipSync(enc([[0, []]])));
    writeFileSync(join(dir, 'boxes.json'), '[[0, [1, 2, 3, 4]], [1, "x"]]');
    expect(() => readVpdPoseDir(dir)).toThrow(/boxes.json: frame 1: box: expected a list of numbers/);
    writeFileSync(join(dir, 'boxes.json'), '[[0, [1, 2, 3, 4]]');
    expect(() => readVpdPoseDir(dir)).toThrow(/boxes.json: is not valid JSON/);

    expect(() => readVpdPoseDir(join(tmp.dir, 'missing'))).toThrow(/is not a folder/);
  });

  it('writes nothing when the data is invalid, and leaves no temporary files', () => {
    const set = syntheticPoseSet();
    set.tracks[1].frames[7] = 99;
    const dir = join(tmp.dir, 'never');
    expect(() => writeVpdPoseDir(dir, set)).toThrow(
      /Cannot write coco_keypoints.json.gz: track 1: frame 99 is beyond/,
    );
    expect(existsSync(dir)).toBe(false);
    const ok = join(tmp.dir, 'ok');
    writeVpdPoseDir(ok, syntheticPoseSet());
    expect(readdirSync(ok).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});

describe('VPD video names', () => {
  it('parses figure skating, tennis and prefixed names, and formats them back', () => {
    expect(parseVpdVideoName('worlds2019_ladies_3_1200_1850.mp4')).toEqual({
      sport: 'figure_skating',
      video: 'worlds2019_ladies',
      number: 3,
      start: 1200,
      end: 1850,
    });
    expect(parseVpdVideoName('usopen_final_100_250')).toEqual({
      sport: 'tennis',
      video: 'usopen_final',
      start: 100,
      end: 250,
    });
    const back = parseVpdVideoName('back__usopen_2019_100_250');
    expect(back).toEqual({ sport: 'tennis', view: 'back', video: 'usopen_2019', start: 100, end: 250 });
    expect(parseVpdVideoName('match_2019_100_250', 'tennis')?.video).toBe('match_2019');
    expect(parseVpdVideoName('no-numbers')).toBeNull();
    for (const name of ['worlds2019_ladies_3_1200_1850', 'back__usopen_2019_100_250', 'front__a_1_2']) {
      expect(formatVpdVideoName(parseVpdVideoName(name)!)).toBe(name);
    }
  });
});
