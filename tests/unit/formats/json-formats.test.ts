import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readAlphaPoseJson,
  readCocoKeypoints,
  readOpenPoseDir,
  writeAlphaPoseJson,
  writeCocoKeypoints,
  writeOpenPoseDir,
} from '../../../src/main/formats';
import { KinemaError } from '../../../src/shared/errors';
import { buildTrack } from '../../../src/shared/pose';
import { mapPose } from '../../../src/shared/skeletons';
import { tempDir } from '../../helpers/media';
import { expectPoseSetsClose, syntheticPoseSet } from '../../helpers/poses';

const tmp = tempDir('pose-json-');
afterAll(() => tmp.cleanup());
const video = { width: 1280, height: 720, fps: 25, frameCount: 20 };
const write = (name: string, v: unknown) => {
  const p = join(tmp.dir, name);
  writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v));
  return p;
};
const kps = (n: number) => Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? 0.5 : 10 + i));

describe('AlphaPose JSON', () => {
  it('round-trips two tracks with gaps', () => {
    const set = syntheticPoseSet();
    const path = join(tmp.dir, 'alphapose-results.json');
    writeAlphaPoseJson(path, set);
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    expect(raw[0]).toMatchObject({ image_id: '0.jpg', category_id: 1, idx: 0 });
    expect(raw[0].keypoints).toHaveLength(51);
    expectPoseSetsClose(readAlphaPoseJson(path, { video }), set);
  });

  it('round-trips COCO-17+feet through Halpe-26', () => {
    const set = syntheticPoseSet('coco17-feet');
    const path = join(tmp.dir, 'halpe.json');
    writeAlphaPoseJson(path, set);
    expect(JSON.parse(readFileSync(path, 'utf8'))[0].keypoints).toHaveLength(78);
    expectPoseSetsClose(readAlphaPoseJson(path, { video }), set);
  });

  it('reads frame numbers from names or numbers, idx lists, missing idx, and clips scores', () => {
    const p = write('ap-variants.json', [
      {
        image_id: 'frame_000007.jpg',
        category_id: 1,
        keypoints: kps(17),
        score: 2.7,
        box: [1, 2, 3, 4],
        idx: [5],
      },
      { image_id: 9, category_id: 1, keypoints: kps(17), score: 0.5, box: [1, 2, 3, 4] },
    ]);
    const set = readAlphaPoseJson(p, { video });
    expect(set.tracks.map((t) => [t.trackId, t.frames[0], t.scores[0]])).toEqual([
      [0, 9, 0.5],
      [5, 7, 1],
    ]);
  });

  it('refuses malformed files', () => {
    expect(() => readAlphaPoseJson(write('ap1.json', { a: 1 }), { video })).toThrow(
      'ap1.json: expected a list of detections at the top level, got an object',
    );
    expect(() =>
      readAlphaPoseJson(
        write('ap2.json', [{ image_id: '12.jpg', keypoints: kps(15), box: [0, 0, 1, 1], idx: 0 }]),
        { video },
      ),
    ).toThrow('ap2.json: frame 12 (detection 0) has 15 keypoints, expected 17 (COCO) or 26 (Halpe)');
    expect(() =>
      readAlphaPoseJson(write('ap3.json', [{ image_id: 'x.jpg', keypoints: kps(17) }]), { video }),
    ).toThrow(/image_id .* has no frame number/);
    expect(() =>
      readAlphaPoseJson(write('ap4.json', [{ image_id: 1, keypoints: kps(17), box: [0, 0, 1, 1], idx: 0 }]), {
        video: { ...video, frameCount: 1 },
      }),
    ).toThrow(/ap4.json: track 0: frame 1 is beyond the video's last frame \(0\)/);
    expect(() => readAlphaPoseJson(write('ap5.json', '[{"image_id": 1,'), { video })).toThrow(
      /ap5.json: is not valid JSON/,
    );
  });
});

describe('COCO keypoint annotations', () => {
  it('round-trips two tracks with gaps', () => {
    const set = syntheticPoseSet();
    const path = join(tmp.dir, 'coco.json');
    writeCocoKeypoints(path, set);
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    expect(raw.categories[0].keypoints).toHaveLength(17);
    expect(raw.categories[0].skeleton).toContainEqual([14, 16]); // left knee → left ankle, 1-based;
    expect(raw.images).toHaveLength(17);
    const back = readCocoKeypoints(path, { video: { fps: 25 } });
    expectPoseSetsClose(back, set);
    expect(back.video).toMatchObject({ width: 1280, height: 720, fps: 25 });
  });

  it('round-trips feet as COCO-WholeBody foot_kpts', () => {
    const set = syntheticPoseSet('coco17-feet');
    const path = join(tmp.dir, 'coco-feet.json');
    writeCocoKeypoints(path, set);
    expect(JSON.parse(readFileSync(path, 'utf8')).annotations[0].foot_kpts).toHaveLength(18);
    expectPoseSetsClose(readCocoKeypoints(path), set);
  });

  it('reads ground-truth visibility flags as scores 0/1 and numbers people without track ids', () => {
    const vis = kps(17).map((v, i) => (i % 3 === 2 ? (i === 2 ? 0 : 2) : v));
    const p = write('gt.json', {
      images: [{ id: 42, file_name: 'clip/000031.jpg', width: 640, height: 480 }],
      annotations: [
        { id: 1, image_id: 42, category_id: 1, keypoints: vis, num_keypoints: 16, bbox: [1, 2, 3, 4] },
        { id: 2, image_id: 42, category_id: 1, keypoints: vis, num_keypoints: 16, bbox: [1, 2, 3, 4] },
      ],
      categories: [{ id: 1, name: 'person', keypoints: [], skeleton: [] }],
    });
    const set = readCocoKeypoints(p);
    expect(set.tracks).toHaveLength(2);
    expect(set.tracks[0].frames[0]).toBe(31);
    expect(set.tracks[0].keypoints[2]).toBe(0);
    expect(set.tracks[0].keypoints[5]).toBe(1);
  });

  it('refuses malformed files', () => {
    expect(() => readCocoKeypoints(write('c1.json', [1, 2]))).toThrow(
      'c1.json: expected an object with images, annotations and categories, got a list of 2',
    );
    const base = { images: [{ id: 1, file_name: '12.jpg', width: 10, height: 10 }], categories: [] };
    expect(() =>
      readCocoKeypoints(
        write('c2.json', { ...base, annotations: [{ image_id: 1, keypoints: kps(15), bbox: [0, 0, 1, 1] }] }),
      ),
    ).toThrow('c2.json: frame 12, annotation 0 has 15 keypoints, expected 17');
    expect(() =>
      readCocoKeypoints(
        write('c3.json', { ...base, annotations: [{ image_id: 7, keypoints: kps(17), bbox: [0, 0, 1, 1] }] }),
      ),
    ).toThrow(/c3.json: annotations\[0\]: image_id number 7 is not in "images"/);
    expect(() => readCocoKeypoints(write('c4.json', { ...base, annotations: {} }))).toThrow(
      /"annotations" should be a list/,
    );
  });
});

describe('OpenPose per-frame JSON', () => {
  it('round-trips COCO-17 tracks through BODY_25 (feet and neck appear as missing/derived)', () => {
    const set = syntheticPoseSet();
    const dir = join(tmp.dir, 'openpose-body25');
    writeOpenPoseDir(dir, set, { name: 'clip' });
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(20); // one per video frame, empty ones included
    expect(files[12]).toBe('clip_000000000012_keypoints.json');
    const f5 = JSON.parse(readFileSync(join(dir, 'clip_000000000005_keypoints.json'), 'utf8'));
    expect(f5.people).toEqual([]);
    const f0 = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
    expect(f0.people[0].pose_keypoints_2d).toHaveLength(75);
    expect(f0.people[0].pose_keypoints_2d.slice(19 * 3, 20 * 3)).toEqual([0, 0, 0]); // left big toe unknown

    const back = readOpenPoseDir(dir, { video });
    expect(back.tracks[0].skeletonId).toBe('coco17-feet');
    const asCoco = {
      ...back,
      tracks: back.tracks.map((t) => ({
        ...t,
        skeletonId: 'coco17' as const,
        keypoints: mapPose(t.keypoints, 'coco17-feet', 'coco17'),
      })),
    };
    expectPoseSetsClose(asCoco, set, { boxes: false, scores: false });
  });

  it('round-trips through COCO-18', () => {
    const set = syntheticPoseSet();
    const dir = join(tmp.dir, 'openpose-coco18');
    writeOpenPoseDir(dir, set, { layout: 'coco18' });
    const back = readOpenPoseDir(dir, { video });
    expect(back.tracks[0].skeletonId).toBe('coco17');
    expectPoseSetsClose(back, set, { boxes: false, scores: false });
    // Boxes are derived from the joints found.
    expect(back.tracks[0].boxes[2]).toBeGreaterThan(0);
  });

  it('reads person_id -1 as order within the frame and 0,0,0 joints as missing', () => {
    const dir = join(tmp.dir, 'op-handmade');
    mkdirSync(dir);
    const pose = kps(25);
    pose.splice(0, 3, 0, 0, 0);
    writeFileSync(
      join(dir, 'v_000000000003_keypoints.json'),
      JSON.stringify({ version: 1.3, people: [{ person_id: [-1], pose_keypoints_2d: pose }] }),
    );
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const set = readOpenPoseDir(dir, { video });
    expect(set.tracks[0].trackId).toBe(0);
    expect(Array.from(set.tracks[0].keypoints.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(set.tracks[0].frames[0]).toBe(3);
  });

  it('refuses malformed folders', () => {
    const dir = join(tmp.dir, 'op-bad');
    mkdirSync(dir);
    expect(() => readOpenPoseDir(dir, { video })).toThrow(/no <name>_<frame>_keypoints.json files/);
    writeFileSync(
      join(dir, 'v_000000000004_keypoints.json'),
      JSON.stringify({ people: [{ pose_keypoints_2d: kps(17) }] }),
    );
    expect(() => readOpenPoseDir(dir, { video })).toThrow(
      'v_000000000004_keypoints.json: frame 4, person 0 has 17 keypoints, expected 25 (BODY_25) or 18 (COCO)',
    );
    writeFileSync(join(dir, 'v_000000000004_keypoints.json'), JSON.stringify([]));
    expect(() => readOpenPoseDir(dir, { video })).toThrow(
      /expected an object with "people", got a list of 0/,
    );
    writeFileSync(
      join(dir, 'v_000000000004_keypoints.json'),
      JSON.stringify({ people: [{ pose_keypoints_2d: [1, 'x', 3] }] }),
    );
    expect(() => readOpenPoseDir(dir, { video })).toThrow(/pose_keypoints_2d: item 1 is the text "x"/);
  });

  it('writes nothing for an invalid set', () => {
    const set = syntheticPoseSet();
    set.tracks[0] = buildTrack(0, 'coco17', []);
    set.tracks[1].scores[0] = NaN;
    const dir = join(tmp.dir, 'op-never');
    expect(() => writeOpenPoseDir(dir, set)).toThrow(KinemaError);
    expect(existsSync(dir)).toBe(false);
  });
});
