/**
 * The coach's whole first session in the real renderer (headless Chromium, web mode, real DB,
 * real ffmpeg): refuse bad files, import a generated video, step frames, mark and label a clip,
 * export it and check the file with ffprobe; screenshot the timeline.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/app';
import { openWebApp, type WebApp } from '../helpers/web-app';
import {
  ffprobeFrameCount,
  ffprobeJson,
  makeAudioOnly,
  makeVideo,
  tempDir,
  truncateCopy,
} from '../helpers/media';

const tmp = tempDir('e2e-');
const project = join(tmp.dir, 'session.kinema');
const shots = join(process.cwd(), 'test-results');
let app: WebApp;
let page: Page;
let video: string;

function db<T>(sql: string): T[] {
  const handle = new Database(project, { readonly: true });
  try {
    return handle.prepare(sql).all() as T[];
  } finally {
    handle.close();
  }
}

async function expectFrame(frame: number): Promise<void> {
  await page.waitForSelector(`[data-testid="player-canvas"][data-frame="${frame}"]`, { timeout: 15_000 });
  await expect.poll(() => page.getByTestId('frame-counter').innerText()).toContain(`${frame}`);
}

async function press(key: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

async function importPath(path: string): Promise<void> {
  await page.getByTestId('import-button').click();
  await page.getByTestId('import-dialog').waitFor();
  await page.getByTestId('import-path-input').fill(path);
  await page.getByTestId('import-submit').click();
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  video = makeVideo(join(tmp.dir, 'rally.mp4'), {
    width: 1280,
    height: 720,
    fps: 25,
    seconds: 4,
    gop: 50,
    audio: true,
  });
  app = await openWebApp(project, { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') }, { width: 1440, height: 900 });
  page = app.page;
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('timeline editor in web mode', () => {
  it('refuses bad files with a clear message and writes nothing', async () => {
    const notes = join(tmp.dir, 'notes.mp4');
    writeFileSync(notes, 'drills: 3x10 serves\n'.repeat(40));
    await importPath(notes);
    await expect
      .poll(() => page.getByTestId('import-error').innerText())
      .toMatch(/notes\.mp4 is not a video file that ffmpeg can read/);
    await page.getByTestId('import-path-input').fill(join(tmp.dir, 'missing.mp4'));
    await page.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('import-error').innerText()).toMatch(/File not found/);
    const cases: [string, RegExp][] = [
      [truncateCopy(video, join(tmp.dir, 'cut off.mp4'), 0.5), /cut off\.mp4 looks truncated or damaged/],
      [makeAudioOnly(join(tmp.dir, 'commentary.m4a')), /commentary\.m4a has no video stream/],
    ];
    for (const [path, message] of cases) {
      await page.getByTestId('import-path-input').fill(path);
      await page.getByTestId('import-submit').click();
      await expect.poll(() => page.getByTestId('import-error').innerText()).toMatch(message);
    }
    await page.keyboard.press('Escape');
    expect(db('SELECT id FROM videos')).toEqual([]);
    expect(db('SELECT id FROM jobs')).toEqual([]);
  });

  it('imports a video through a job shown in the jobs panel', async () => {
    await importPath(video);
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
    await page.waitForSelector('[data-testid="job-row"][data-kind="import"][data-state="done"]', {
      timeout: 60_000,
    });
    await page.waitForSelector('[data-testid="video-item"][data-status="ready"]', { timeout: 10_000 });
    expect(db('SELECT status, frame_count FROM videos')).toEqual([{ status: 'ready', frame_count: 100 }]);
  });

  it('steps frames with the keyboard and shows each exact frame', async () => {
    await page.getByTestId('video-item').first().click();
    await expectFrame(0);
    await page.getByTestId('player-canvas').click();
    await press('ArrowRight', 5);
    await expectFrame(5);
    await press('Shift+ArrowRight');
    await expectFrame(15);
    await press('ArrowLeft');
    await expectFrame(14);
    await press('End');
    await expectFrame(99);
    await press('Home');
    await expectFrame(0);
  });

  it('marks a clip with I/O, refuses an empty one, labels it', async () => {
    await press('Shift+ArrowRight', 2);
    await press('ArrowRight', 5);
    await expectFrame(25);
    await press('i');
    await press('Shift+ArrowRight', 4);
    await press('ArrowRight', 9);
    await expectFrame(74);
    await press('o');
    await press('c');
    await page.getByTestId('clip-item').first().waitFor();
    expect(db('SELECT in_frame, out_frame FROM clips')).toEqual([{ in_frame: 25, out_frame: 75 }]);

    // Out before in: the server refuses it and the UI says why.
    await press('i');
    await press('ArrowLeft', 5);
    await expectFrame(69);
    await press('o');
    await press('c');
    await expect
      .poll(() => page.getByTestId('toast-error').last().innerText())
      .toMatch(/A clip must contain at least one frame/);
    expect(db('SELECT count(*) AS n FROM clips')).toEqual([{ n: 1 }]);

    // A last frame past the end of the video: refused, and the field shows the saved value again.
    const out = page.getByTestId('clip-out-input').first();
    await out.fill('500');
    await out.press('Enter');
    await page
      .getByTestId('toast-error')
      .filter({ hasText: /past the video's last frame \(99\)/ })
      .waitFor();
    await expect.poll(() => out.inputValue()).toBe('74');
    expect(db('SELECT in_frame, out_frame FROM clips')).toEqual([{ in_frame: 25, out_frame: 75 }]);

    const label = page.getByTestId('clip-label-input').first();
    await label.fill('Forehand rally');
    await label.press('Enter');
    await expect.poll(() => db<{ label: string }>('SELECT label FROM clips')[0].label).toBe('Forehand rally');
  });

  it("exports the clip; the file has exactly the clip's frames", async () => {
    await page.getByTestId('clip-export-button').first().click();
    await page.waitForSelector('[data-testid="job-row"][data-kind="export"][data-state="done"]', {
      timeout: 60_000,
    });
    const outPath = join(tmp.dir, 'rally_forehand-rally_25-74.mp4');
    await expect
      .poll(() => page.getByTestId('job-result').first().innerText())
      .toContain('rally_forehand-rally_25-74.mp4');
    expect(ffprobeFrameCount(outPath)).toBe(50);
    expect(Number(ffprobeJson(outPath).format.duration)).toBeCloseTo(2.0, 1);
  });

  it('shows the timeline with thumbnails, playhead and the clip', async () => {
    await page.getByTestId('timeline-thumbs').locator('img').first().waitFor();
    expect(await page.getByTestId('timeline-thumbs').locator('img').count()).toBeGreaterThanOrEqual(4);
    await page.getByTestId('timeline-clip').first().waitFor();
    await page.getByTestId('timeline').screenshot({ path: join(shots, 'timeline.png') });
    await page.screenshot({ path: join(shots, 'workstation.png') });
    expect(app.pageErrors).toEqual([]);
  });
});
