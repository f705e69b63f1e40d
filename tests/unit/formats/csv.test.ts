import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPoseCsv, writePoseCsv } from '../../../src/main/formats';
import { tempDir } from '../../helpers/media';
import { expectPoseSetsClose, syntheticPoseSet } from '../../helpers/poses';

const tmp = tempDir('pose-csv-');
afterAll(() => tmp.cleanup());

describe('pose CSV', () => {
  it('round-trips two tracks with gaps (COCO-17 and COCO-17+feet)', () => {
    for (const sk of ['coco17', 'coco17-feet'] as const) {
      const set = syntheticPoseSet(sk);
      const path = join(tmp.dir, `${sk}.csv`);
      writePoseCsv(path, set);
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      expect(
        lines[0].startsWith(
          'frame,track_id,score,box_x,box_y,box_w,box_h,nose_x,nose_y,nose_score,left_eye_x',
        ),
      ).toBe(true);
      expect(lines).toHaveLength(1 + 16 + 8);
      expect(lines[1]).toMatch(/^0,0,0\.5,89\.5,100,80\.25,320\.5,100,/); // short float32 text
      const back = readPoseCsv(path, { video: { width: 1280, height: 720, fps: 25 } });
      expectPoseSetsClose(back, set);
      expect(back.tracks[0].skeletonId).toBe(sk);
    }
  });

  it('infers the video size when none is given', () => {
    const path = join(tmp.dir, 'plain.csv');
    writePoseCsv(path, syntheticPoseSet());
    const back = readPoseCsv(path);
    expect(back.video.fps).toBe(0);
    expect(back.video.width).toBeGreaterThan(500);
  });

  it('refuses malformed files', () => {
    const path = join(tmp.dir, 'bad.csv');
    writePoseCsv(path, syntheticPoseSet());
    const [header, first] = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, `${header}\n${first.split(',').slice(0, 40).join(',')}\n`);
    expect(() => readPoseCsv(path)).toThrow(/bad.csv: line 2 has 40 columns, expected 58/);
    writeFileSync(path, `${header}\n${first.replace(/^0,0,0\.5/, '0,0,abc')}\n`);
    expect(() => readPoseCsv(path)).toThrow('bad.csv: line 2, column score: "abc" is not a number');
    writeFileSync(path, `frame,track,x\n1,2,3\n`);
    expect(() => readPoseCsv(path)).toThrow(/the header should start with frame,track_id/);
    writeFileSync(path, `${header.replace('nose_x', 'head_x')}\n`);
    expect(() => readPoseCsv(path)).toThrow(/joint columns do not match a known skeleton/);
    writeFileSync(path, `${header}\n${first}\n${first}\n`);
    expect(() => readPoseCsv(path)).toThrow(/line 3: track 0 has frame 0 twice/);
  });
});
