import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Video } from '../../src/shared/contract';
import type { VideoMediaInfo } from '../../src/main/db/videos';
import { FrameServer } from '../../src/main/media/frame-server';
import { indexFrames, probeVideo } from '../../src/main/media/probe';
import { jpegSize } from '../../src/main/media/decode';
import { makeVideo, tempDir } from '../helpers/media';

const tmp = tempDir('frames-');
let info: VideoMediaInfo;

beforeAll(async () => {
  const path = makeVideo(join(tmp.dir, 'v.mp4'), { width: 640, height: 360, fps: 25, seconds: 2, gop: 10 });
  const probe = await probeVideo(path);
  const index = await indexFrames(probe);
  const video = {
    id: 1,
    path,
    fileName: 'v.mp4',
    frameCount: index.frameTimes.length,
    width: 640,
    height: 360,
  } as Video;
  info = { video, startTimeS: 0, frameTimes: index.frameTimes, keyframes: index.keyframes, proxyPath: path };
});
afterAll(() => tmp.cleanup());

describe('frame server', () => {
  it('answers overlapping and concurrent requests each with its own frame', async () => {
    const server = new FrameServer();
    const wanted = [10, 11, 12, 9, 8, 30, 31, 49, 0, 10];
    const images = await Promise.all(wanted.map((f) => server.getFrame(info, f, { maxSize: 320 })));
    expect(images.map((i) => i.frame)).toEqual(wanted);
    for (const image of images) expect(jpegSize(image.jpeg)).toEqual({ width: 320, height: 180 });
  });

  it('steps backwards and forwards through every frame', async () => {
    const server = new FrameServer();
    for (let f = 20; f >= 0; f--) expect((await server.getFrame(info, f, { maxSize: 160 })).frame).toBe(f);
    for (let f = 0; f < 50; f++) expect((await server.getFrame(info, f, { maxSize: 160 })).frame).toBe(f);
  });

  it('refuses frames past the end', async () => {
    await expect(new FrameServer().getFrame(info, 50)).rejects.toThrow(
      'Frame 50 is out of range: v.mp4 has frames 0 to 49.',
    );
  });
});
