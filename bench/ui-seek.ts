/**
 * Seek latency as a person sees it: click a random point of the timeline in the real renderer
 * (headless Chromium, web mode) and time until the player's canvas has drawn that exact frame.
 * Uses the 1080p file of bench/seek.ts (imported here if needed).
 *   npm run build && npx tsx bench/ui-seek.ts
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../tests/helpers/browser';
import { startWebServer } from '../src/main/web/server';
import { Workstation } from '../src/main/workstation';
import { listVideos } from '../src/main/db/videos';
import { cameraLikeVideo, JOB_WORKER, requireBuild, rng, summary, WORK_DIR } from './common';

requireBuild();
const video = cameraLikeVideo('seek-1080p30.mp4', 1920, 1080, 30, 30, 16);
const project = join(WORK_DIR, 'ui-seek.kinema');
const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(WORK_DIR, 'cache') });
await ws.openProject(project, !existsSync(project));
if (listVideos(ws.db).length === 0) {
  await ws.importVideos([video]);
  await ws.whenIdle();
}
const [info] = listVideos(ws.db);
const server = await startWebServer(ws, { rendererDir: join(process.cwd(), 'out', 'renderer'), port: 0 });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(server.url);
await page.getByTestId('video-item').first().click();
await page.waitForSelector('[data-testid="player-canvas"][data-frame="0"]');
const box = (await page.getByTestId('timeline-scrubber').boundingBox())!;

const random = rng(7);
const latencies: number[] = [];
for (let i = 0; i < 100; i++) {
  const x = box.x + 1 + random() * (box.width - 2);
  // The frame the timeline maps this x to (Timeline.tsx: floor(fraction * frameCount)).
  const frame = Math.min(info.frameCount - 1, Math.floor(((x - box.x) / box.width) * info.frameCount));
  const current = await page.getByTestId('player-canvas').getAttribute('data-frame');
  if (current === String(frame)) continue;
  // Timed inside the page (pointer event → canvas attribute set after drawing), so the
  // automation protocol's own round trips are not counted.
  const ms = await page.evaluate(
    ({ x, y, frame }) =>
      new Promise<number>((resolve, reject) => {
        const canvas = document.querySelector('[data-testid="player-canvas"]')!;
        const scrubber = document.querySelector('[data-testid="timeline-scrubber"]')!;
        const timer = setTimeout(() => reject(new Error(`frame ${frame} not drawn`)), 10_000);
        const t0 = performance.now();
        const observer = new MutationObserver(() => {
          if (canvas.getAttribute('data-frame') !== String(frame)) return;
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.now() - t0);
        });
        observer.observe(canvas, { attributes: true, attributeFilter: ['data-frame'] });
        const init = {
          clientX: x,
          clientY: y,
          bubbles: true,
          pointerId: 1,
          button: 0,
          buttons: 1,
          isPrimary: true,
        };
        scrubber.dispatchEvent(new PointerEvent('pointerdown', init));
        scrubber.dispatchEvent(new PointerEvent('pointerup', { ...init, buttons: 0 }));
      }),
    { x, y: box.y + box.height / 2, frame },
  );
  latencies.push(ms);
  await page.waitForTimeout(150); // let read-ahead settle, as between a person's clicks
}
console.log(
  `\nClick on the timeline → exact frame drawn, ${info.width}x${info.height} H.264, ${info.frameCount} frames`,
);
console.log(`Chromium, web mode: ${summary(latencies)}`);

// Playback at 1x from frame 0 for 5 s: how many distinct frames are drawn (all of them would be
// 5 s × fps) and the longest gap between two draws.
await page.keyboard.press('Home');
await page.waitForSelector('[data-testid="player-canvas"][data-frame="0"]');
await page.waitForTimeout(300);
const playback = await page.evaluate(
  (seconds) =>
    new Promise<{ drawn: number; lastFrame: number; longestGapMs: number }>((resolve) => {
      const canvas = document.querySelector('[data-testid="player-canvas"]')!;
      const frames = new Set<string>();
      let last = performance.now();
      let longestGapMs = 0;
      const observer = new MutationObserver(() => {
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - last);
        last = now;
        frames.add(canvas.getAttribute('data-frame')!);
      });
      observer.observe(canvas, { attributes: true, attributeFilter: ['data-frame'] });
      // (No named helper functions in here: tsx's __name wrapper does not exist in the page.)
      window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', code: 'Space', bubbles: true }));
      setTimeout(() => {
        observer.disconnect();
        window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', code: 'Space', bubbles: true }));
        resolve({ drawn: frames.size, lastFrame: Number(canvas.getAttribute('data-frame')), longestGapMs });
      }, seconds * 1000);
    }),
  5,
);
const expected = Math.round(5 * info.fps);
console.log(
  `Playback 1x, 5 s: ${playback.drawn} distinct frames drawn of ${expected} ` +
    `(${((100 * playback.drawn) / expected).toFixed(0)}%), reached frame ${playback.lastFrame}, ` +
    `longest gap between draws ${playback.longestGapMs.toFixed(0)} ms`,
);
await browser.close();
await server.close();
await ws.closeProject();
