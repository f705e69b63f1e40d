/**
 * The crop inspector strip in the real renderer (headless Chromium, web mode, real DB): a
 * generated video of the synthetic walker with its exact poses imported as COCO keypoints (with a
 * gap). Opening the strip shows the crop, previous crop, flow and mask at the playhead as four
 * pictures that are not blank; stepping frames changes them; a gap frame says so; a video without
 * tracks says how to get them. Screenshot: test-results/crop-strip.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack } from '../../src/shared/pose';
import { assertBuilt, cli } from '../helpers/app';
import { openWebApp, type WebApp } from '../helpers/web-app';
import { makeVideo, tempDir } from '../helpers/media';
import { walker, walkerRows } from '../helpers/walker';
import { makeWalkerVideo } from '../helpers/walker-video';

const tmp = tempDir('e2e-crops-');
const project = join(tmp.dir, 'crops.kinema');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
let app: WebApp;
let page: Page;

const FPS = 25;
const FRAMES = 60;
/** No pose in frames 30-39: longer than the crops bridge, so frame 35 is a gap. */
const GAP = [30, 39] as const;

function run(args: string[]): string {
  const r = cli([...args, '--project', project], env);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const strip = () => page.getByTestId('crop-strip');

/** Per picture of the strip: its kind, frame, and the spread of its pixel values (0 = blank). */
async function pictures(): Promise<{ kind: string; frame: number; spread: number; digest: number }[]> {
  return page.getByTestId('crop-strip-image').evaluateAll(async (imgs) =>
    Promise.all(
      (imgs as HTMLImageElement[]).map(async (img) => {
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let lo = 255;
        let hi = 0;
        let digest = 0;
        for (let i = 0; i < data.length; i += 4) {
          const v = data[i] + data[i + 1] + data[i + 2];
          lo = Math.min(lo, data[i], data[i + 1], data[i + 2]);
          hi = Math.max(hi, data[i], data[i + 1], data[i + 2]);
          digest = (digest * 31 + v) % 1_000_003;
        }
        return {
          kind: img.dataset.kind ?? '',
          frame: Number(img.dataset.frame),
          spread: hi - lo,
          digest,
        };
      }),
    ),
  );
}

async function seekTo(frame: number): Promise<void> {
  await page.keyboard.press('Home');
  for (let i = 0; i < frame; i++) await page.keyboard.press('ArrowRight');
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  const rows = walkerRows(walker(1.1), { frames: FRAMES, fps: FPS });
  const video = makeWalkerVideo(join(tmp.dir, 'walk.mp4'), rows, { fps: FPS });
  makeVideo(join(tmp.dir, 'empty.mp4'), { width: 320, height: 180, fps: FPS, seconds: 1 });
  const poses = join(tmp.dir, 'walk_coco.json');
  writeCocoKeypoints(poses, {
    video: { width: 640, height: 360, fps: FPS, frameCount: FRAMES, name: 'walk' },
    tracks: [
      buildTrack(
        0,
        'coco17',
        video.rows.filter((r) => r.frame < GAP[0] || r.frame > GAP[1]),
      ),
    ],
    provenance: { model: 'synthetic walker', params: {} },
  });
  run(['init']);
  run(['import', video.path]);
  run(['import-poses', poses, '--video', '1', '--format', 'coco']);
  run(['import', join(tmp.dir, 'empty.mp4')]);

  app = await openWebApp(project, env);
  page = app.page;
  await page.getByTestId('video-item').filter({ hasText: 'walk.mp4' }).click();
  await page.waitForSelector('[data-testid="player-canvas"][data-frame="0"]', { timeout: 30_000 });
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('crop inspector strip', () => {
  it('opens under the timeline and shows four non-blank pictures of the playhead frame', async () => {
    expect(await strip().getAttribute('data-state')).toBe('closed');
    await page.getByTestId('crop-strip-toggle').click();
    await seekTo(10);
    await expect.poll(() => strip().getAttribute('data-frame'), { timeout: 30_000 }).toBe('10');
    await expect.poll(() => strip().getAttribute('data-state')).toBe('ready');
    const pics = await pictures();
    expect(pics.map((p) => p.kind)).toEqual(['crop', 'prev', 'flow', 'mask']);
    for (const p of pics) {
      expect(p.frame).toBe(10);
      expect(p.spread).toBeGreaterThan(60);
    }
    // The neighbours either side, as small crops.
    const thumbs = await page
      .getByTestId('crop-strip-thumb')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))));
    expect(thumbs).toEqual([8, 9, 10, 11, 12]);
    await page.getByTestId('crop-strip').screenshot({ path: join(shots, 'crop-strip.png') });
    await page.screenshot({ path: join(shots, 'crop-strip-window.png') });
  });

  it('follows the playhead: stepping frames changes the pictures', async () => {
    const before = await pictures();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => strip().getAttribute('data-frame'), { timeout: 30_000 }).toBe('12');
    await expect.poll(async () => (await pictures())[0]?.frame).toBe(12);
    const after = await pictures();
    for (let i = 0; i < 4; i++) {
      expect(after[i].spread).toBeGreaterThan(60);
      expect(after[i].digest).not.toBe(before[i].digest);
    }
  });

  it('says "No pose at frame N (gap)" on a gap frame', async () => {
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    // 12 + 10 + 10 + 3 = frame 35, in the gap.
    await expect.poll(() => strip().getAttribute('data-frame'), { timeout: 30_000 }).toBe('35');
    await expect.poll(() => page.getByTestId('crop-strip-current').getAttribute('data-status')).toBe('gap');
    expect(await page.getByTestId('crop-strip-message').innerText()).toBe('No pose at frame 35 (gap)');
    expect(await page.getByTestId('crop-strip-image').count()).toBe(0);
    await page.getByTestId('crop-strip').screenshot({ path: join(shots, 'crop-strip-gap.png') });
  });

  it('tells how to get tracks for a video without any', async () => {
    await page.getByTestId('video-item').filter({ hasText: 'empty.mp4' }).click();
    await expect.poll(() => strip().getAttribute('data-state'), { timeout: 15_000 }).toBe('no-tracks');
    expect(await page.getByTestId('crop-strip-message').innerText()).toMatch(
      /no pose tracks.*Detect poses.*to track the athlete first/s,
    );
    expect(app.pageErrors).toEqual([]);
  });
});
