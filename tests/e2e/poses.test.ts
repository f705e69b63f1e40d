/**
 * Pose detection in the real renderer (headless Chromium, web mode, real DB, real model): import a
 * short video of a standing person, detect poses through the dialog, see the skeleton drawn over
 * the frame, toggle it, read the track list and the timeline coverage; screenshot the workstation.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_CROP } from '../../src/main/inference/movenet';
import { assertBuilt } from '../helpers/app';
import { openWebApp, type WebApp } from '../helpers/web-app';
import { ffmpeg, tempDir } from '../helpers/media';

const tmp = tempDir('e2e-poses-');
const project = join(tmp.dir, 'poses.kinema');
const shots = join(process.cwd(), 'test-results');
let app: WebApp;
let page: Page;
let video: string;

/**
 * Two seconds of the sample photo's standing person (the crop the MoveNet tests use), scaled up
 * and pillarboxed to 16:9 so the overlay's mapping from source pixels to the letterboxed image is
 * exercised off-centre.
 */
function makePersonVideo(path: string): string {
  const c = SAMPLE_CROP;
  const jpg = join(process.cwd(), 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');
  ffmpeg([
    '-loop',
    '1',
    '-i',
    jpg,
    '-t',
    '2',
    '-r',
    '25',
    '-vf',
    `crop=${c.w}:${c.h}:${c.x}:${c.y},scale=360:360,pad=640:360:80:0,format=yuv420p`,
    '-c:v',
    'libx264',
    '-g',
    '25',
    path,
  ]);
  return path;
}

async function poseDrawn(): Promise<number> {
  return Number((await page.getByTestId('player-canvas').getAttribute('data-pose-drawn')) ?? -1);
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  video = makePersonVideo(join(tmp.dir, 'athlete.mp4'));
  app = await openWebApp(project, { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') }, { width: 1440, height: 900 });
  page = app.page;
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('pose detection and overlay in web mode', () => {
  it('imports a video of a person', async () => {
    await page.getByTestId('import-button').click();
    await page.getByTestId('import-dialog').waitFor();
    await page.getByTestId('import-path-input').fill(video);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
    await page.waitForSelector('[data-testid="video-item"][data-status="ready"]', { timeout: 60_000 });
    await page.getByTestId('video-item').first().click();
    await page.waitForSelector('[data-testid="player-canvas"][data-frame="0"]', { timeout: 15_000 });
    // No poses yet: nothing drawn.
    expect(await poseDrawn()).toBe(0);
  });

  it('detects poses from the dialog; the job shows in the jobs panel', async () => {
    await page.getByTestId('detect-button').click();
    await page.getByTestId('detect-dialog').waitFor();
    const select = page.getByTestId('detect-model-select');
    await expect.poll(() => select.locator('option').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => select.inputValue()).not.toBe('');
    // One athlete unless asked for everyone.
    const people = page.getByTestId('detect-people-select');
    expect(await people.inputValue()).toBe('single');
    expect(
      await people.locator('option').evaluateAll((o) => o.map((e) => (e as HTMLOptionElement).value)),
    ).toEqual(['single', 'multi']);
    await page.getByTestId('detect-dialog').screenshot({ path: join(shots, 'detect-dialog.png') });
    await page.getByTestId('detect-submit').click();
    await page.getByTestId('detect-dialog').waitFor({ state: 'detached' });
    const job = page.locator('[data-testid="job-row"][data-kind="detect"]').first();
    await job.waitFor();
    await page.waitForSelector('[data-testid="job-row"][data-kind="detect"][data-state="done"]', {
      timeout: 180_000,
    });
    expect(await job.getAttribute('data-state')).toBe('done');
  });

  it('draws the skeleton over the frame and toggles it', async () => {
    await page.getByTestId('pose-run').first().waitFor({ timeout: 15_000 });
    await expect.poll(poseDrawn, { timeout: 15_000 }).toBeGreaterThan(10);
    // Another frame draws its own pose.
    await page.getByTestId('player-canvas').click();
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('[data-testid="player-canvas"][data-frame="1"]', { timeout: 15_000 });
    await expect.poll(poseDrawn).toBeGreaterThan(10);

    await page.getByTestId('pose-overlay-toggle').click();
    await expect.poll(poseDrawn).toBe(0);
    expect(await page.getByTestId('pose-overlay-toggle').getAttribute('aria-pressed')).toBe('false');
    // P brings it back.
    await page.keyboard.press('p');
    await expect.poll(poseDrawn).toBeGreaterThan(10);
  });

  it('lists the track with its coverage, per-track visibility and the timeline bar', async () => {
    const track = page.getByTestId('pose-track').first();
    await track.waitFor();
    expect(Number(await track.getAttribute('data-frames'))).toBeGreaterThan(25);
    expect(Number(await track.getAttribute('data-coverage'))).toBeGreaterThan(50);
    await expect.poll(() => track.getByTestId('pose-track-coverage').innerText()).toMatch(/^\d+%$/);

    const bar = page.getByTestId('timeline-pose-coverage').first();
    await bar.waitFor();
    expect(Number(await bar.getAttribute('data-frames'))).toBeGreaterThan(25);
    expect(Number(await bar.getAttribute('data-segments'))).toBeGreaterThanOrEqual(1);

    // Hiding every track empties the overlay and the coverage bars; showing them restores both.
    const toggles = page.getByTestId('pose-track-toggle');
    const n = await toggles.count();
    for (let i = 0; i < n; i++) await toggles.nth(i).uncheck();
    await expect.poll(poseDrawn).toBe(0);
    expect(await page.getByTestId('timeline-pose-coverage').count()).toBe(0);
    for (let i = 0; i < n; i++) await toggles.nth(i).check();
    await expect.poll(poseDrawn).toBeGreaterThan(10);
    await page.getByTestId('timeline-pose-coverage').first().waitFor();

    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'poses.png') });
    expect(app.pageErrors).toEqual([]);
  });

  it("detects over a clip's range from its row; a run can be deleted", async () => {
    // Clip of frames 10-29 from the marks.
    await page.getByTestId('player-canvas').click();
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('i');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('o');
    await page.keyboard.press('c');
    await page.getByTestId('clip-item').first().waitFor();

    await page.getByTestId('clip-detect-button').first().click();
    await page.getByTestId('detect-dialog').waitFor();
    expect(await page.getByTestId('detect-range-clip').isChecked()).toBe(true);
    await expect.poll(() => page.getByTestId('detect-model-select').inputValue()).not.toBe('');
    await page.getByTestId('detect-submit').click();
    await page.getByTestId('detect-dialog').waitFor({ state: 'detached' });
    await expect
      .poll(() => page.locator('[data-testid="job-row"][data-kind="detect"][data-state="done"]').count(), {
        timeout: 180_000,
      })
      .toBe(2);

    // The new run is shown: poses inside the clip only.
    await expect.poll(() => page.getByTestId('pose-run').count()).toBe(2);
    const newest = page.getByTestId('pose-run').first();
    expect(await newest.getAttribute('data-selected')).toBe('true');
    await expect.poll(() => newest.innerText()).toContain('frames 10–29');
    await expect.poll(poseDrawn).toBeGreaterThan(10);
    expect(await page.getByTestId('pose-track').first().getAttribute('data-frames')).toBe('20');
    await page.keyboard.press('Home');
    await page.waitForSelector('[data-testid="player-canvas"][data-frame="0"]');
    await expect.poll(poseDrawn).toBe(0);

    // Delete it (with confirmation): the whole-video run is shown again.
    await newest.getByTestId('pose-run-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('pose-run').count()).toBe(1);
    await expect.poll(poseDrawn).toBeGreaterThan(10);
    await page.getByTestId('pose-boxes-toggle').check();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'poses-clip.png') });
    expect(app.pageErrors).toEqual([]);
  });
  it('smooths a run into a new, selected run that still draws; bad values come as toasts', async () => {
    await expect.poll(() => page.getByTestId('pose-run').count()).toBe(1);
    const source = page.getByTestId('pose-run').first();
    const sourceId = await source.getAttribute('data-run-id');
    await source.getByTestId('pose-run-smooth').click();
    await source.getByTestId('smooth-form').waitFor();
    await source.getByTestId('smooth-filter-select').selectOption('butterworth');
    // 25 fps: a 20 Hz cutoff is above half the frame rate and refused, nothing is written.
    await source.getByTestId('smooth-param').fill('20');
    await source.getByTestId('smooth-submit').click();
    await expect
      .poll(() => page.getByTestId('toast-error').last().innerText(), { timeout: 10_000 })
      .toMatch(/below half the frame rate/);
    expect(await page.getByTestId('pose-run').count()).toBe(1);

    await source.getByTestId('smooth-param').fill('6');
    await source.getByTestId('smooth-submit').click();
    await expect.poll(() => page.getByTestId('pose-run').count()).toBe(2);
    const smoothed = page.locator(`[data-testid="pose-run"][data-selected="true"]`);
    await expect.poll(() => smoothed.getAttribute('data-run-id')).not.toBe(sourceId);
    expect(await smoothed.getByTestId('pose-run-name').innerText()).toBe(`butterworth of #${sourceId}`);
    expect(await smoothed.getByTestId('pose-run-source').innerText()).toContain(
      `smoothed from #${sourceId} (6 Hz)`,
    );
    await expect.poll(poseDrawn, { timeout: 15_000 }).toBeGreaterThan(10);
    // The source run is kept.
    const kept = page.locator(`[data-testid="pose-run"][data-run-id="${sourceId}"]`);
    expect(await kept.count()).toBe(1);
    expect(
      Number(await smoothed.getByTestId('pose-track').first().getAttribute('data-frames')),
    ).toBeGreaterThan(25);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'poses-smoothed.png') });
    expect(app.pageErrors).toEqual([]);
  });
});

describe('multi-person detection from the dialog', () => {
  it('detects everyone: a new run with a track per person, drawn over the frame', async () => {
    const doneJobs = () =>
      page.locator('[data-testid="job-row"][data-kind="detect"][data-state="done"]').count();
    const jobsBefore = await doneJobs();
    const runsBefore = await page.getByTestId('pose-run').count();
    await page.getByTestId('detect-button').click();
    await page.getByTestId('detect-dialog').waitFor();
    await expect.poll(() => page.getByTestId('detect-model-select').inputValue()).not.toBe('');
    await page.getByTestId('detect-people-select').selectOption('multi');
    await page.getByTestId('detect-submit').click();
    await page.getByTestId('detect-dialog').waitFor({ state: 'detached' });
    await expect.poll(doneJobs, { timeout: 180_000 }).toBe(jobsBefore + 1);
    await expect.poll(() => page.getByTestId('pose-run').count()).toBe(runsBefore + 1);
    const newest = page.locator('[data-testid="pose-run"][data-selected="true"]');
    // The video shows one person: one confirmed track covering most of it.
    await expect.poll(() => newest.getByTestId('pose-track').count()).toBe(1);
    expect(
      Number(await newest.getByTestId('pose-track').first().getAttribute('data-frames')),
    ).toBeGreaterThan(40);
    await page.getByTestId('player-canvas').click();
    await page.keyboard.press('End');
    await expect.poll(poseDrawn, { timeout: 15_000 }).toBeGreaterThan(10);
    expect(app.pageErrors).toEqual([]);
  });
});
