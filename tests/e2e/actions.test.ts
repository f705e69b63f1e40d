/**
 * The Actions panel in the real renderer (headless Chromium, web mode, real DB): two videos of
 * synthetic athletes walking and squatting (tests/helpers/actions.ts) with labelled clips and two
 * unlabelled ones. Recognition labels the unlabelled clips and shows the confusion matrix;
 * similar moments for a squat clip are squats and a click plays one; detection shows precision and
 * recall and marks the occurrences on the timeline. Screenshot: test-results/actions-panel.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack } from '../../src/shared/pose';
import { actionTrack, type ActionSegment } from '../helpers/actions';
import { assertBuilt, cli } from '../helpers/app';
import { openWebApp, type WebApp } from '../helpers/web-app';
import { makeVideo, tempDir } from '../helpers/media';

const tmp = tempDir('e2e-actions-');
const project = join(tmp.dir, 'actions.kinema');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
let app: WebApp;
let page: Page;
const FPS = 30;

const VIDEOS: ActionSegment[][] = [
  [
    { kind: 'stand', frames: 20 },
    { kind: 'walk', frames: 66 },
    { kind: 'stand', frames: 20 },
    { kind: 'squat', frames: 48 },
    { kind: 'stand', frames: 20 },
    { kind: 'squat', frames: 48 },
    { kind: 'stand', frames: 20 },
    { kind: 'walk', frames: 66 },
    { kind: 'stand', frames: 20 },
  ],
  [
    { kind: 'stand', frames: 15 },
    { kind: 'walk', frames: 60, period: 1.0, dir: -1 },
    { kind: 'stand', frames: 15 },
    { kind: 'squat', frames: 50, period: 50 / FPS },
    { kind: 'stand', frames: 15 },
  ],
];

function run(args: string[]): string {
  const r = cli([...args, '--project', project], env);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function frameShown(): Promise<number> {
  const text = await page.getByTestId('frame-counter').innerText();
  return Number(/Frame (\d+)/.exec(text)?.[1] ?? -1);
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  run(['init']);
  VIDEOS.forEach((segments, v) => {
    const videoId = v + 1;
    const { rows, ranges } = actionTrack(segments, { fps: FPS });
    const path = join(tmp.dir, `athlete${videoId}.mp4`);
    makeVideo(path, { width: 1280, height: 720, fps: FPS, seconds: rows.length / FPS });
    run(['import', path]);
    const poses = join(tmp.dir, `athlete${videoId}_coco.json`);
    writeCocoKeypoints(poses, {
      video: { width: 1280, height: 720, fps: FPS, frameCount: rows.length, name: `athlete${videoId}` },
      tracks: [buildTrack(0, 'coco17', rows)],
      provenance: { model: 'synthetic athlete', params: {} },
    });
    run(['import-poses', poses, '--video', String(videoId), '--format', 'coco']);
    for (const r of ranges)
      if (r.kind !== 'stand')
        run([
          'clip-add',
          '--video',
          String(videoId),
          '--in',
          String(r.inFrame),
          '--out',
          String(r.outFrame),
          '--label',
          videoId === 2 ? '' : r.kind === 'walk' ? 'Walk' : 'Squat',
        ]);
  });

  app = await openWebApp(project, env, { width: 1440, height: 1000 });
  page = app.page;
  await page.getByTestId('video-item').filter({ hasText: 'athlete1.mp4' }).click();
  await page.waitForSelector('[data-testid="player-canvas"][data-frame="0"]', { timeout: 30_000 });
}, 170_000);

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('actions panel', () => {
  it('recognises the unlabelled clips and shows leave-one-out accuracy with the confusion matrix', async () => {
    await page.getByTestId('actions-button').click();
    await page.getByTestId('actions-recognize-run').click();
    const rows = page.getByTestId('actions-prediction');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-predicted')))).toEqual([
      'Walk',
      'Squat',
    ]);
    expect(await page.getByTestId('actions-accuracy').getAttribute('data-accuracy')).toBe('1');
    expect(await page.getByTestId('actions-confusion').innerText()).toMatch(/Squat\s+2\s+0\s+Walk\s+0\s+2/);
    await page.getByTestId('actions-panel').screenshot({ path: join(shots, 'actions-panel.png') });
  });

  it('recognises with the linear classifier picked in the Method menu, showing probabilities', async () => {
    await page.getByTestId('actions-method').selectOption('linear');
    expect(await page.getByTestId('actions-k').count()).toBe(0); // k is k-NN's alone
    await page.getByTestId('actions-recognize-run').click();
    await expect
      .poll(() => page.getByTestId('actions-method-used').getAttribute('data-method'), { timeout: 30_000 })
      .toBe('linear');
    const rows = page.getByTestId('actions-prediction');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-predicted')))).toEqual([
      'Walk',
      'Squat',
    ]);
    expect(await page.getByTestId('actions-predictions').innerText()).toMatch(/Probability[\s\S]*\d+\.\d %/);
    expect(await page.getByTestId('actions-accuracy').getAttribute('data-accuracy')).toBe('1');
    await page.getByTestId('actions-panel').screenshot({ path: join(shots, 'actions-panel-linear.png') });
  });

  it('lists moments like the selected squat clip and plays one on click', async () => {
    await page.getByTestId('actions-tab-retrieve').click();
    // The first squat clip of athlete1 (frames 106-153).
    await page.getByTestId('clip-item').nth(1).click();
    await page.getByTestId('actions-retrieve-run').click();
    const moments = page.getByTestId('actions-moment');
    await expect.poll(() => moments.count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const first = await moments.first().evaluate((e) => ({
      video: Number(e.getAttribute('data-video-id')),
      in: Number(e.getAttribute('data-in')),
      text: e.textContent ?? '',
    }));
    // Another squat: the second one in this video or the one in athlete2.
    expect(first.text).toMatch(/Squat|Clip \d/);
    await moments.first().click();
    await expect.poll(frameShown, { timeout: 15_000 }).toBeGreaterThanOrEqual(first.in);
  });

  it('detects the squats with precision and recall and marks them on the timeline', async () => {
    await page.getByTestId('video-item').filter({ hasText: 'athlete1.mp4' }).click();
    await page.getByTestId('actions-tab-detect').click();
    await page.getByTestId('actions-label').selectOption('Squat');
    await page.getByTestId('actions-detect-run').click();
    const pr = page.getByTestId('actions-pr');
    await pr.waitFor({ timeout: 30_000 });
    expect(Number(await pr.getAttribute('data-recall'))).toBe(1);
    // athlete2's squat is not labelled: found, so precision is 2/3.
    expect(Number(await pr.getAttribute('data-precision'))).toBeCloseTo(2 / 3);
    await expect.poll(() => page.getByTestId('timeline-action-marks').getAttribute('data-count')).toBe('2');
    await page.screenshot({ path: join(shots, 'actions-window.png') });
    expect(app.pageErrors).toEqual([]);
  });
});
