import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeJpegFrames,
  decodeRgbFrame,
  jpegSize,
  splitJpegs,
  streamRgbFrames,
} from '../../src/main/media/decode';
import { indexFrames, probeVideo, seekTimeForFrame } from '../../src/main/media/probe';
import { changeFrameRate, cutClip, extractThumbnails, makeSeekProxy } from '../../src/main/media/transcode';
import {
  ffprobeFrameCount,
  ffprobeJson,
  frameFromGrey,
  makeAudioOnly,
  makeFrameCodedVideo,
  makeVariableRateVideo,
  makeVideo,
  tempDir,
  truncateCopy,
} from '../helpers/media';

const tmp = tempDir('media-');
let coded: string;
let clip: string;

beforeAll(() => {
  coded = makeFrameCodedVideo(join(tmp.dir, 'coded.mp4'), 50, 25, 250);
  clip = makeVideo(join(tmp.dir, 'clip.mp4'), {
    width: 640,
    height: 360,
    fps: 30,
    seconds: 3,
    gop: 30,
    audio: true,
  });
});
afterAll(() => tmp.cleanup());

describe('probe and index', () => {
  it('reads size, rate, codec, frame count and keyframes', async () => {
    const probe = await probeVideo(clip);
    expect(probe).toMatchObject({
      width: 640,
      height: 360,
      fpsNum: 30,
      fpsDen: 1,
      codec: 'h264',
      hasAudio: true,
    });
    const index = await indexFrames(probe);
    expect(index.frameTimes.length).toBe(90);
    expect([...index.keyframes]).toEqual([0, 30, 60]);
    expect(index.frameTimes[1] - index.frameTimes[0]).toBeCloseTo(1 / 30, 6);
  });

  it('explains each kind of bad file', async () => {
    const missing = join(tmp.dir, 'nope.mp4');
    await expect(probeVideo(missing)).rejects.toThrow(/File not found/);
    const text = join(tmp.dir, 'notes.mp4');
    writeFileSync(text, 'these are my coaching notes, not a video\n'.repeat(50));
    await expect(probeVideo(text)).rejects.toThrow(/not a video file that ffmpeg can read/);
    const truncated = truncateCopy(clip, join(tmp.dir, 'truncated.mp4'), 0.5);
    await expect(probeVideo(truncated)).rejects.toThrow(/truncated or damaged/);
    await expect(probeVideo(makeAudioOnly(join(tmp.dir, 'audio.m4a')))).rejects.toThrow(
      /has no video stream/,
    );
    const empty = join(tmp.dir, 'empty.mp4');
    writeFileSync(empty, '');
    await expect(probeVideo(empty)).rejects.toThrow(/is empty/);
    await expect(probeVideo(tmp.dir)).rejects.toThrow(/is a folder/);
  });

  it('seek times fall between frames', () => {
    const times = [0, 0.04, 0.08, 0.12];
    expect(seekTimeForFrame(times, 0)).toBe(0);
    expect(seekTimeForFrame(times, 2)).toBeCloseTo(0.06, 9);
  });
});

describe('frame-accurate decoding', () => {
  it('decodes exactly frame n, even far from a keyframe (GOP 250)', async () => {
    const probe = await probeVideo(coded);
    const index = await indexFrames(probe);
    for (const n of [0, 1, 7, 24, 25, 33, 48, 49]) {
      const rgb = await decodeRgbFrame({
        path: coded,
        seekS: seekTimeForFrame(index.frameTimes, n),
        width: 64,
        height: 64,
      });
      expect(frameFromGrey(rgb), `frame ${n}`).toBe(n);
    }
  });

  it('decodes exactly frame n of a variable-frame-rate video', async () => {
    const vfr = makeVariableRateVideo(join(tmp.dir, 'vfr.mp4'), 40);
    const index = await indexFrames(await probeVideo(vfr));
    expect(index.frameTimes.length).toBe(40);
    // Gaps grow from 1/25 s: frame 6 is at 7/25 s, not 6/25 s.
    expect(index.frameTimes[6]).toBeCloseTo(7 / 25, 6);
    for (const n of [0, 5, 6, 17, 29, 39]) {
      const rgb = await decodeRgbFrame({
        path: vfr,
        seekS: seekTimeForFrame(index.frameTimes, n),
        width: 64,
        height: 64,
      });
      expect(frameFromGrey(rgb), `frame ${n}`).toBe(n);
    }
  });

  it('streams a range at a chosen size, in order, with nothing skipped', async () => {
    const index = await indexFrames(await probeVideo(coded));
    const seen: number[] = [];
    for await (const rgb of streamRgbFrames({
      path: coded,
      seekS: seekTimeForFrame(index.frameTimes, 10),
      frames: 20,
      width: 32,
      height: 32,
    })) {
      expect(rgb.length).toBe(32 * 32 * 3);
      seen.push(frameFromGrey(rgb));
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
  });

  it('streams every frame of a variable-frame-rate video once, from the start and after a seek', async () => {
    const vfr = makeVariableRateVideo(join(tmp.dir, 'vfr-stream.mp4'), 40);
    const index = await indexFrames(await probeVideo(vfr));
    for (const from of [0, 17]) {
      const seen: number[] = [];
      for await (const rgb of streamRgbFrames({
        path: vfr,
        seekS: seekTimeForFrame(index.frameTimes, from),
        frames: 40 - from,
        width: 32,
        height: 32,
      }))
        seen.push(frameFromGrey(rgb));
      expect(seen, `from frame ${from}`).toEqual(Array.from({ length: 40 - from }, (_, i) => from + i));
    }
    const jpegs = await decodeJpegFrames({ path: vfr, seekS: 0, count: 12, maxSize: 64 });
    expect(jpegs).toHaveLength(12);
  });

  it('returns JPEGs of the requested size without upscaling', async () => {
    const jpegs = await decodeJpegFrames({ path: clip, seekS: 1, count: 3, maxSize: 320 });
    expect(jpegs).toHaveLength(3);
    expect(jpegSize(jpegs[0])).toEqual({ width: 320, height: 180 });
    const [big] = await decodeJpegFrames({ path: clip, seekS: 0, count: 1, maxSize: 4000 });
    expect(jpegSize(big)).toEqual({ width: 640, height: 360 });
    expect(splitJpegs(Buffer.concat([jpegs[0], jpegs[1]]))).toHaveLength(2);
  });

  it('the seek proxy keeps every frame at the same index', async () => {
    const proxy = join(tmp.dir, 'coded-proxy.mp4');
    await makeSeekProxy({ path: coded, outPath: proxy, maxSize: 64, gop: 8, durationS: 2 });
    const pIndex = await indexFrames(await probeVideo(proxy));
    expect(pIndex.frameTimes.length).toBe(50);
    expect(pIndex.keyframes.length).toBeGreaterThanOrEqual(6);
    const srcIndex = await indexFrames(await probeVideo(coded));
    for (const n of [0, 13, 31, 49]) {
      const rgb = await decodeRgbFrame({
        path: proxy,
        seekS: seekTimeForFrame(srcIndex.frameTimes, n),
        width: 64,
        height: 64,
      });
      expect(frameFromGrey(rgb), `proxy frame ${n}`).toBe(n);
    }
  });
});

describe('writing video', () => {
  it('extracts thumbnails at the given times', async () => {
    const thumbs = await extractThumbnails({ path: clip, seekTimes: [0, 1.5, 2.9], height: 72 });
    expect(thumbs.map((t) => jpegSize(t))).toEqual([
      { width: 128, height: 72 },
      { width: 128, height: 72 },
      { width: 128, height: 72 },
    ]);
  });

  it('cuts by stream copy from a keyframe and by re-encoding from anywhere, with the right length', async () => {
    const index = await indexFrames(await probeVideo(clip));
    const copy = join(tmp.dir, 'copy.mp4');
    await cutClip({
      path: clip,
      outPath: copy,
      startS: seekTimeForFrame(index.frameTimes, 30),
      frameCount: 30,
      fps: 30,
      method: 'copy',
      hasAudio: true,
    });
    expect(ffprobeFrameCount(copy)).toBe(30);
    const re = join(tmp.dir, 're.mp4');
    await cutClip({
      path: clip,
      outPath: re,
      startS: seekTimeForFrame(index.frameTimes, 17),
      frameCount: 25,
      fps: 30,
      method: 'reencode',
      hasAudio: true,
    });
    expect(ffprobeFrameCount(re)).toBe(25);
    expect(Number(ffprobeJson(re).format.duration)).toBeCloseTo(25 / 30, 1);
    expect(existsSync(join(tmp.dir, '.re.partial-' + process.pid + '.mp4'))).toBe(false);
  });

  it('changes the frame rate and keeps the duration', async () => {
    const out = join(tmp.dir, 'at50.mp4');
    await changeFrameRate({ path: clip, outPath: out, fps: 50 });
    const probe = await probeVideo(out);
    expect(probe.fps).toBe(50);
    expect(probe.durationS).toBeCloseTo(3, 1);
    await expect(changeFrameRate({ path: clip, outPath: out, fps: 0 })).rejects.toThrow(/Frame rate must be/);
  });
});
