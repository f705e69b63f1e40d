import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/connection';
import { createClip, listClips, updateClip, validateClipRange } from '../../src/main/db/clips';
import { insertVideo, getVideoMedia, listVideos } from '../../src/main/db/videos';
import type { ProbeResult } from '../../src/main/media/probe';
import { tempDir } from '../helpers/media';

const tmp = tempDir('projectdb-');
afterAll(() => tmp.cleanup());

const probe: ProbeResult = {
  path: '/videos/serve.mp4',
  sizeBytes: 1000,
  mtimeMs: 1,
  formatName: 'mov',
  startTimeS: 0,
  durationS: 4,
  codec: 'h264',
  width: 1920,
  height: 1080,
  fpsNum: 25,
  fpsDen: 1,
  fps: 25,
  declaredFrames: 100,
  hasAudio: false,
  rotation: 0,
};

function projectWithVideo(name: string) {
  const db = openDatabase(join(tmp.dir, `${name}.kinema`), { create: true });
  const frameTimes = Float64Array.from({ length: 100 }, (_, i) => i / 25);
  const videoId = insertVideo(db, probe, { frameTimes, keyframes: Uint32Array.from([0, 50]) });
  return { db, videoId };
}

describe('project database', () => {
  it('stores the frame index of a video exactly', () => {
    const { db, videoId } = projectWithVideo('index');
    const media = getVideoMedia(db, videoId);
    expect(media.frameTimes.length).toBe(100);
    expect(media.frameTimes[99]).toBeCloseTo(99 / 25, 12);
    expect([...media.keyframes]).toEqual([0, 50]);
    expect(listVideos(db)[0]).toMatchObject({
      fileName: 'serve.mp4',
      frameCount: 100,
      fps: 25,
      status: 'importing',
      hasProxy: false,
    });
    db.close();
  });

  it('rejects empty and out-of-range clips with a message, and writes nothing', () => {
    const { db, videoId } = projectWithVideo('clips');
    expect(() => createClip(db, { videoId, inFrame: 10, outFrame: 10 })).toThrow(/at least one frame/);
    expect(() => createClip(db, { videoId, inFrame: 20, outFrame: 5 })).toThrow(/at least one frame/);
    expect(() => createClip(db, { videoId, inFrame: 90, outFrame: 101 })).toThrow(
      /past the video's last frame \(99\)/,
    );
    expect(() => createClip(db, { videoId: 42, inFrame: 0, outFrame: 1 })).toThrow(
      /Video 42 is not in this project/,
    );
    expect(listClips(db)).toEqual([]);
    const clip = createClip(db, { videoId, inFrame: 0, outFrame: 100, label: 'whole' });
    expect(() => updateClip(db, { clipId: clip.id, outFrame: 0 })).toThrow(/at least one frame/);
    expect(listClips(db)[0]).toMatchObject({ inFrame: 0, outFrame: 100, label: 'whole' });
    expect(updateClip(db, { clipId: clip.id, label: 'serve 1', inFrame: 12 })).toMatchObject({
      inFrame: 12,
      label: 'serve 1',
    });
    db.close();
    expect(() => validateClipRange(0, 1, 1)).not.toThrow();
  });

  it('refuses files that are not Kinema projects and leaves them untouched', () => {
    const text = join(tmp.dir, 'notes.kinema');
    writeFileSync(text, 'not a database');
    expect(() => openDatabase(text)).toThrow(/not a Kinema project \(not an SQLite database\)/);
    expect(readFileSync(text, 'utf8')).toBe('not a database');

    const other = join(tmp.dir, 'other.sqlite');
    const foreign = new Database(other);
    foreign.exec('CREATE TABLE t (x)');
    foreign.close();
    const before = readFileSync(other);
    expect(() => openDatabase(other)).toThrow(/SQLite database but not a Kinema project/);
    expect(readFileSync(other).equals(before)).toBe(true);

    expect(() => openDatabase(join(tmp.dir, 'missing.kinema'))).toThrow(/Project not found/);
  });

  it('refuses a project saved by a newer Kinema', () => {
    const path = join(tmp.dir, 'future.kinema');
    openDatabase(path, { create: true }).close();
    const raw = new Database(path);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openDatabase(path)).toThrow(/newer Kinema \(schema 999/);
  });
});
