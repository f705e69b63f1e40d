/**
 * TCC in the Align view (real renderer, headless Chromium, web mode): three generated videos with
 * synthetic walkers' poses (three strides) and three clips labelled "Walk". The Train TCC
 * dialog refuses frames at or above the shortest clip, then starts a short training job that
 * shows in the Jobs panel; the model becomes a feature choice and aligns; the embedding map draws
 * one colour per clip with a legend, names the clip and frame under the pointer, and a click
 * seeks. Screenshot: test-results/tcc-map.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack, type PoseRow } from '../../src/shared/pose';
import { mapColor } from '../../src/renderer/src/store/tcc';
import { assertBuilt, cli } from '../helpers/app';
import { openWebApp, type WebApp } from '../helpers/web-app';
import { makeVideo, tempDir } from '../helpers/media';
import { walker, walkerRows } from '../helpers/walker';

const tmp = tempDir('e2e-tcc-');
const project = join(tmp.dir, 'tcc.kinema');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache'), KINEMA_ORT_THREADS: '1' };
const FPS = 30;
let app: WebApp;
let page: Page;
const clipIds: number[] = [];

function run(args: string[]): string {
  const r = cli([...args, '--project', project], env);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function storePoses(rows: PoseRow[], videoId: number, name: string): void {
  const file = join(tmp.dir, `${name}.json`);
  writeCocoKeypoints(file, {
    video: { width: 640, height: 360, fps: FPS, name },
    tracks: [buildTrack(0, 'coco17', rows)],
    provenance: { model: 'synthetic walker', params: {} },
  });
  run(['import-poses', file, '--video', String(videoId), '--format', 'coco']);
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  run(['init']);
  for (const name of ['a.mp4', 'b.mp4', 'c.mp4'])
    run(['import', makeVideo(join(tmp.dir, name), { width: 640, height: 360, fps: FPS, seconds: 4 })]);
  storePoses(walkerRows(walker(1.1), { frames: 120, fps: FPS }), 1, 'a');
  storePoses(walkerRows(walker(1.4), { frames: 120, fps: FPS }), 2, 'b');
  storePoses(walkerRows(walker(1.25), { frames: 120, fps: FPS }), 3, 'c');
  // One stride of each walker: the learner, a clip on neither side, the reference.
  for (const [video, inFrame, outFrame] of [
    [1, 0, 33],
    [3, 0, 37],
    [2, 0, 42],
  ])
    clipIds.push(
      (
        JSON.parse(
          run([
            'clip-add',
            '--video',
            String(video),
            '--in',
            String(inFrame),
            '--out',
            String(outFrame),
            '--label',
            'Walk',
            '--json',
          ]),
        ) as { id: number }
      ).id,
    );
  app = await openWebApp(project, env);
  page = app.page;
  await page.waitForSelector('[data-testid="player-canvas"][data-frame]', { timeout: 30_000 });
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('TCC in the Align view', () => {
  it('trains from the dialog, refusing frames at or above the shortest clip, as a job', async () => {
    await page.getByTestId('align-view-button').click();
    await page.getByTestId('align-view').waitFor();
    await page.getByTestId('tcc-train-open').click();
    const dialog = page.getByTestId('tcc-train-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('tcc-train-label').inputValue()).toBe('Walk');
    expect(await page.getByTestId('tcc-train-name').inputValue()).toBe('walk-tcc');
    await page.getByTestId('tcc-train-frames').fill('33');
    await expect
      .poll(() => page.getByTestId('tcc-train-shortest').innerText())
      .toMatch(
        /Frames per clip must stay below the shortest clip: Walk \(#\d+\) has 33 frames\. Sample at most 32/,
      );
    expect(await page.getByTestId('tcc-train-start').isDisabled()).toBe(true);
    await page.getByTestId('tcc-train-frames').fill('16');
    await page.getByTestId('tcc-train-steps').fill('30');
    await page.getByTestId('tcc-train-batch').fill('3');
    await page.getByTestId('tcc-train-start').click();
    await dialog.waitFor({ state: 'detached' });
    const job = page.locator('[data-testid="job-row"]', { hasText: 'Train TCC "walk-tcc" on 3 clips' });
    await job.first().waitFor({ timeout: 15_000 });
    // Its loss curve draws live in the Jobs panel (points reported by the job as it trains).
    const curve = job.first().getByTestId('job-loss-curve');
    await curve.waitFor({ timeout: 60_000 });
    expect(
      (await curve.locator('[data-metric="loss"] polyline').getAttribute('points'))!.split(' ').length,
    ).toBeGreaterThanOrEqual(2);
    expect(await curve.innerText()).toMatch(/loss \d/);
    // The model becomes a feature choice once the job has stored it.
    await page.waitForSelector('[data-testid="align-trained"] option[value="walk-tcc"]', {
      state: 'attached',
      timeout: 90_000,
    });
  });

  it('aligns two clips with the trained embeddings', async () => {
    await page.getByTestId('align-learner-video').selectOption('1');
    await page.getByTestId('align-learner-clip').selectOption(String(clipIds[0]));
    await page.getByTestId('align-reference-video').selectOption('2');
    await page.getByTestId('align-reference-clip').selectOption(String(clipIds[2]));
    await page.getByTestId('align-trained').selectOption('walk-tcc');
    expect(await page.getByTestId('align-feature-bones').isDisabled()).toBe(true);
    await page.getByTestId('align-compare').click();
    await expect
      .poll(() => page.getByTestId('align-view').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('ready');
  });

  it('draws the embedding map with one colour per clip, names the point under the pointer and seeks on click', async () => {
    await page.getByTestId('tcc-map-toggle').click();
    await page.getByTestId('tcc-map').waitFor();
    for (const id of clipIds)
      expect(await page.getByTestId(`tcc-map-clip-${id}`).getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('tcc-map-draw').click();
    await page.getByTestId('tcc-map-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('tcc-map-result').getAttribute('data-clips')).toBe('3');
    const legend = await page.getByTestId('tcc-map-legend').innerText();
    for (const id of clipIds) expect(legend).toContain(`Walk #${id}`);
    expect(Number(await page.getByTestId('tcc-map-canvas').getAttribute('data-points'))).toBe(33 + 37 + 42);

    // Each clip's colour is drawn: count the canvas pixels of each palette colour.
    const counts = await page.getByTestId('tcc-map-canvas').evaluate((el, colours) => {
      const c = el as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const rgb = colours.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
      const n = rgb.map(() => 0);
      for (let i = 0; i < data.length; i += 4)
        rgb.forEach((v, k) => {
          if (data[i + 3] === 255 && v[0] === data[i] && v[1] === data[i + 1] && v[2] === data[i + 2]) n[k]++;
        });
      return n;
    }, [0, 1, 2].map(mapColor));
    await page.screenshot({ path: join(shots, 'tcc-map.png') });
    // Anti-aliased dots overlap: a few dozen exact-colour pixels per clip is plenty.
    for (const n of counts) expect(n, String(counts)).toBeGreaterThan(15);

    // Dots of a clip's colour (solid 3×3 blocks, not lines or labels), in CSS pixels.
    const dotOf = (index: number) =>
      page.getByTestId('tcc-map-canvas').evaluate((el, hex) => {
        const c = el as HTMLCanvasElement;
        const scale = c.width / c.clientWidth;
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const v = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
        const is = (x: number, y: number) => {
          const i = (y * c.width + x) * 4;
          return data[i] === v[0] && data[i + 1] === v[1] && data[i + 2] === v[2] && data[i + 3] === 255;
        };
        const dots: { x: number; y: number }[] = [];
        for (let y = 1; y < c.height - 1; y += 2)
          for (let x = 1; x < c.width - 1; x += 2) {
            let solid = true;
            for (let dy = -1; dy <= 1 && solid; dy++)
              for (let dx = -1; dx <= 1 && solid; dx++) solid = is(x + dx, y + dy);
            if (solid) dots.push({ x: x / scale, y: y / scale });
          }
        return dots;
      }, mapColor(index));
    const box = (await page.getByTestId('tcc-map-canvas').boundingBox())!;
    /** Hovers dots of the clip's colour until the tip names that clip (dots overlap), then clicks. */
    // The map colours clips in the legend's order.
    const order = [...legend.matchAll(/Walk #(\d+)/g)].map((m) => Number(m[1]));
    const hoverDot = async (clipId: number) => {
      const dots = await dotOf(order.indexOf(clipId));
      expect(dots.length).toBeGreaterThan(0);
      for (const dot of dots.filter((_, i) => i % Math.ceil(dots.length / 40) === 0)) {
        await page.mouse.move(box.x + dot.x, box.y + dot.y);
        const tip = await page.getByTestId('tcc-map-tip').innerText();
        const m = /Walk #(\d+) · frame (\d+)/.exec(tip);
        expect(m, tip).not.toBeNull();
        if (Number(m![1]) !== clipId) continue;
        await page.mouse.click(box.x + dot.x, box.y + dot.y);
        return { clip: Number(m![1]), frame: Number(m![2]) };
      }
      throw new Error(`no dot of clip ${clipId} is nearest to its own point`);
    };
    // The first clip is the learner of the comparison shown: the Align view seeks there.
    const learnerPoint = await hoverDot(clipIds[0]);
    await expect
      .poll(() => page.getByTestId('align-learner-frame').getAttribute('data-frame'))
      .toBe(String(learnerPoint.frame));
    // The second is on neither side: the player opens at that frame of its video.
    const other = await hoverDot(clipIds[1]);
    await page.getByTestId('align-view').waitFor({ state: 'detached' });
    await page.waitForSelector(`[data-testid="player-canvas"][data-frame="${other.frame}"]`, {
      timeout: 15_000,
    });
    expect(app.pageErrors).toEqual([]);
  });
});
