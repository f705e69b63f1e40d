/**
 * "Lift to 3D" in the real renderer (headless Chromium, web mode, real DB, the lift job in a worker):
 * a generated project with a synthetic walker's COCO keypoints; the track's "Lift 3D" button runs
 * the job and opens the three.js viewer beside the player (WebGL through SwiftShader). Checks that
 * the viewer draws (pixels in the left and right bone colours, not a blank canvas), that stepping
 * frames changes the pose drawn, that dragging orbits the view, and that BVH and CSV exports are
 * written and read back. Screenshots: test-results/lift3d-viewer.png and lift3d-app.png.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack } from '../../src/shared/pose';
import { parseBvh } from '../../src/shared/mocap/bvh';
import { SIDE_COLORS } from '../../src/shared/lifting/scene3d';
import { assertBuilt, cli } from '../helpers/app';
import { openFirstVideo, openWebApp, type WebApp } from '../helpers/web-app';
import { ffmpeg, tempDir } from '../helpers/media';
import { walker, walkerRows } from '../helpers/walker';

const tmp = tempDir('e2e-lift3d-');
const project = join(tmp.dir, 'lift.kinema');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
let app: WebApp;
let page: Page;

const FPS = 25;
const FRAMES = 60;

function run(args: string[]): string {
  const r = cli([...args, '--project', project], env);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const viewer = () => page.getByTestId('viewer3d');

/** Pixels of the viewer's WebGL canvas close to each bone colour, and how many differ from the background. */
async function canvasStats(): Promise<{ left: number; right: number; drawn: number; total: number }> {
  return page.getByTestId('viewer3d-canvas').evaluate(
    (canvas: HTMLCanvasElement, colors) => {
      const c = document.createElement('canvas');
      c.width = canvas.width;
      c.height = canvas.height;
      const g = c.getContext('2d')!;
      g.drawImage(canvas, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const near = (i: number, k: number[]) =>
        Math.abs(d[i] - k[0]) + Math.abs(d[i + 1] - k[1]) + Math.abs(d[i + 2] - k[2]) < 60;
      let left = 0;
      let right = 0;
      let drawn = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (near(i, colors.left)) left++;
        if (near(i, colors.right)) right++;
        if (!near(i, [0x18, 0x1b, 0x21])) drawn++;
      }
      return { left, right, drawn, total: d.length / 4 };
    },
    { left: [...SIDE_COLORS.left], right: [...SIDE_COLORS.right] },
  );
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  const video = join(tmp.dir, 'walk.mp4');
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=0x3a3f47:size=640x360:rate=${FPS}`,
    '-frames:v',
    String(FRAMES),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '10',
    video,
  ]);
  // The walker is drawn for 1280×720; halve it for this 640×360 video.
  const rows = walkerRows(walker(1.1), { frames: FRAMES, fps: FPS }).map((r) => ({
    ...r,
    keypoints: Float32Array.from(r.keypoints, (v, i) => (i % 3 === 2 ? v : v / 2)),
    box: Array.from(r.box, (v) => v / 2) as [number, number, number, number],
  }));
  const poses = join(tmp.dir, 'walk_coco.json');
  writeCocoKeypoints(poses, {
    video: { width: 640, height: 360, fps: FPS, frameCount: FRAMES, name: 'walk' },
    tracks: [buildTrack(0, 'coco17', rows)],
    provenance: { model: 'synthetic walker', params: {} },
  });
  run(['init']);
  run(['import', video]);
  run(['import-poses', poses, '--video', '1', '--format', 'coco']);

  app = await openWebApp(project, env, { width: 1440, height: 900 });
  page = app.page;
  await openFirstVideo(page);
}, 120_000);

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('Lift to 3D', () => {
  it('lifts a track from the pose list and draws it in the 3D viewer beside the player', async () => {
    const button = page
      .locator('[data-testid="pose-track"][data-track-id="0"]')
      .getByTestId('pose-track-lift');
    await button.waitFor({ timeout: 15_000 });
    expect(await button.getAttribute('data-lifted')).toBe('false');
    await button.click();
    await expect.poll(() => viewer().getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    expect(await button.getAttribute('data-lifted')).toBe('true');
    expect(await button.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => viewer().getAttribute('data-frame')).toBe('0');
    expect(await viewer().getAttribute('data-pose')).not.toBe('none');
    // The viewer sits beside the player, not over it.
    const v = (await viewer().boundingBox())!;
    const p = (await page.getByTestId('player').boundingBox())!;
    expect(v.x).toBeGreaterThanOrEqual(p.x + p.width - 1);
    const stats = await canvasStats();
    expect(stats.left, 'left-side bone pixels').toBeGreaterThan(50);
    expect(stats.right, 'right-side bone pixels').toBeGreaterThan(50);
    expect(stats.drawn / stats.total, 'share of non-background pixels').toBeGreaterThan(0.02);
    await viewer().screenshot({ path: join(shots, 'lift3d-viewer.png') });
    await page.screenshot({ path: join(shots, 'lift3d-app.png') });
  }, 90_000);

  it('follows the player: stepping frames changes the pose; dragging orbits the view', async () => {
    const before = await viewer().getAttribute('data-pose');
    await page.getByTestId('player-canvas').click();
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => viewer().getAttribute('data-frame')).toBe('10');
    const after = await viewer().getAttribute('data-pose');
    expect(after).not.toBe('none');
    expect(after).not.toBe(before);

    const image = () => page.getByTestId('viewer3d-canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const still = await image();
    const box = (await page.getByTestId('viewer3d-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 20, { steps: 6 });
    await page.mouse.up();
    await expect.poll(image).not.toBe(still);
    expect(await viewer().getAttribute('data-pose')).toBe(after); // same pose, other angle
  }, 30_000);

  it('exports BVH and CSV beside the video', async () => {
    await page.getByTestId('viewer3d-export-bvh').click();
    const bvhPath = join(tmp.dir, 'walk - run 1 track 0 3d.bvh');
    await expect.poll(() => existsSync(bvhPath), { timeout: 15_000 }).toBe(true);
    const bvh = parseBvh(readFileSync(bvhPath, 'utf8'));
    expect(bvh.joints).toHaveLength(17);
    expect(bvh.frameCount).toBe(FRAMES);
    expect(bvh.rate).toBeCloseTo(FPS, 3);
    await page.getByTestId('viewer3d-export-csv').click();
    const csvPath = join(tmp.dir, 'walk - run 1 track 0 3d.csv');
    await expect.poll(() => existsSync(csvPath), { timeout: 15_000 }).toBe(true);
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(FRAMES + 1);
    expect(lines[1].split(',')).toHaveLength(52);
    expect(app.pageErrors).toEqual([]);
  }, 30_000);
});
