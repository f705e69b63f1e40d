/**
 * The coach's flow from a shell against the built app: create a project, import, mark a clip,
 * export it, check the file with ffprobe; and every kind of bad input gets a clear message and
 * changes nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cli } from '../helpers/app';
import {
  ffprobeFrameCount,
  ffprobeJson,
  makeAudioOnly,
  makeVideo,
  tempDir,
  truncateCopy,
} from '../helpers/media';

const tmp = tempDir('cli-');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
const project = join(tmp.dir, 'coach.kinema');
let video: string;

function counts() {
  const db = new Database(project, { readonly: true });
  const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  const result = { videos: n('videos'), clips: n('clips'), jobs: n('jobs'), thumbnails: n('thumbnails') };
  db.close();
  return result;
}

beforeAll(() => {
  assertBuilt();
  video = makeVideo(join(tmp.dir, 'serve practice.mp4'), {
    width: 1280,
    height: 720,
    fps: 30,
    seconds: 4,
    gop: 45,
    audio: true,
  });
  expect(cli(['init', '--project', project], env).code).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('kinema CLI', () => {
  it('imports a video with its frame index, thumbnails and seek proxy', () => {
    const r = cli(['import', video, '--project', project], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Imported video 1: serve practice\.mp4 \(120 frames, 1280x720, 30\.000 fps\)/);
    const [v] = JSON.parse(cli(['videos', '--project', project, '--json'], env).stdout);
    expect(v).toMatchObject({ status: 'ready', frameCount: 120, hasProxy: true, hasAudio: true });
    expect(v.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(v.thumbnailCount).toBeGreaterThanOrEqual(8);
  });

  it("adds a clip and exports it by stream copy and by re-encode, with the clip's exact length", () => {
    const add = cli(
      [
        'clip-add',
        '--project',
        project,
        '--video',
        '1',
        '--in',
        '45',
        '--out',
        '90',
        '--label',
        'Serve 1',
        '--json',
      ],
      env,
    );
    expect(add.code).toBe(0);
    const clip = JSON.parse(add.stdout);
    const copyOut = join(tmp.dir, 'copy.mp4');
    const copy = cli(['export', String(clip.id), '--out', copyOut, '--project', project, '--json'], env);
    expect(copy.code).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ method: 'copy' });
    expect(ffprobeFrameCount(copyOut)).toBe(45);
    expect(Number(ffprobeJson(copyOut).format.duration)).toBeCloseTo(1.5, 1);

    const moved = cli(['clip-update', String(clip.id), '--in', '50', '--project', project], env);
    expect(moved.code).toBe(0);
    const auto = cli(['export', String(clip.id), '--project', project, '--json'], env);
    expect(auto.code).toBe(0);
    const result = JSON.parse(auto.stdout);
    expect(result.method).toBe('reencode');
    expect(result.outPath).toBe(join(tmp.dir, 'serve practice_serve-1_50-89.mp4'));
    expect(ffprobeFrameCount(result.outPath)).toBe(40);
    expect(Number(ffprobeJson(result.outPath).format.duration)).toBeCloseTo(40 / 30, 1);

    const forced = cli(['export', String(clip.id), '--mode', 'copy', '--project', project], env);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(
      /Stream copy must start on a keyframe, and frame 50 is not one \(nearest: 45 and 90\)/,
    );
  });

  it('writes an exact frame and changes the frame rate', () => {
    const out = join(tmp.dir, 'f.rgb');
    expect(cli(['frame', video, '119', '--out', out], env).code).toBe(0);
    expect(readFileSync(out).length).toBe(1280 * 720 * 3);
    const oob = cli(['frame', video, '120', '--out', out], env);
    expect(oob.code).toBe(1);
    expect(oob.stderr).toMatch(/frame 120 is out of range: the video has frames 0 to 119/);
    const resampled = join(tmp.dir, 'at60.mp4');
    expect(cli(['resample', video, '--fps', '60', '--out', resampled], env).code).toBe(0);
    expect(ffprobeFrameCount(resampled)).toBe(240);
  });

  it('bad input: a clear message for each, and nothing written', () => {
    const before = counts();
    const notVideo = join(tmp.dir, 'notes.mp4');
    writeFileSync(notVideo, 'warm-up: 10 min jog\n'.repeat(100));
    const cases: [string[], RegExp][] = [
      [['import', notVideo], /notes\.mp4 is not a video file that ffmpeg can read/],
      [
        ['import', truncateCopy(video, join(tmp.dir, 'cut off.mp4'), 0.6)],
        /cut off\.mp4 looks truncated or damaged/,
      ],
      [['import', join(tmp.dir, 'missing.mp4')], /File not found: .*missing\.mp4/],
      [['import', makeAudioOnly(join(tmp.dir, 'commentary.m4a'))], /commentary\.m4a has no video stream/],
      [['import', video], /is already in this project/],
      [['clip-add', '--video', '1', '--in', '30', '--out', '30'], /A clip must contain at least one frame/],
      [['clip-add', '--video', '1', '--in', '100', '--out', '500'], /past the video's last frame \(119\)/],
      [['clip-add', '--video', '7', '--in', '0', '--out', '5'], /Video 7 is not in this project/],
      [['export', '99'], /Clip 99 does not exist/],
      [['export', '1', '--out', join(tmp.dir, 'no-such-dir', 'x.mp4')], /Folder not found/],
    ];
    for (const [args, message] of cases) {
      const r = cli([...args, '--project', project], env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(counts()).toEqual(before);
    expect(existsSync(join(tmp.dir, 'no-such-dir'))).toBe(false);
  });
});
