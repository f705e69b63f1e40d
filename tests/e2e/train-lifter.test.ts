/**
 * The Train lifter dialog and the live curves of its job (real renderer, headless Chromium, web
 * mode), on synthetic mocap (tests/helpers/mocap-files.ts): a folder with a broken BVH is refused
 * with the file's name and reason; without it, a small lifter trains as a job whose row in the
 * Jobs panel draws the loss per step and the validation MPJPE per epoch, and the model is stored.
 * Screenshot: test-results/train-lifter.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/connection';
import { listTrainedModels } from '../../src/main/db/series';
import { assertBuilt, cli } from '../helpers/app';
import { openFirstVideo, openWebApp, type WebApp } from '../helpers/web-app';
import { makePersonVideo, tempDir } from '../helpers/media';
import { brokenBvh, syntheticBvh, writeText } from '../helpers/mocap-files';

const tmp = tempDir('e2e-lifter-');
const project = join(tmp.dir, 'lifter.kinema');
const data = join(tmp.dir, 'mocap');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache'), KINEMA_ORT_THREADS: '1' };
let app: WebApp;
let page: Page;

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  expect(cli(['init', '--project', project], env).code).toBe(0);
  for (let i = 0; i < 3; i++)
    writeText(
      join(data, 'walk', `walk_${i}.bvh`),
      syntheticBvh({ motion: 'walk', frames: 480, turn: 40 * i }),
    );
  for (let i = 0; i < 2; i++)
    writeText(
      join(data, 'jump', `jump_${i}.bvh`),
      syntheticBvh({ motion: 'jump', frames: 480, scale: 0.8 + 0.2 * i }),
    );
  writeText(join(tmp.dir, 'bad', 'broken.bvh'), brokenBvh());
  // A filmed walker with detected poses: unlabelled 2D for the semi-supervised run.
  makePersonVideo(join(tmp.dir, 'walk.mp4'), { fps: 25, seconds: 1.6, speed: 40 });
  expect(cli(['import', join(tmp.dir, 'walk.mp4'), '--project', project], env).code).toBe(0);
  expect(cli(['detect', '1', '--project', project], env).code).toBe(0);
  app = await openWebApp(project, env);
  page = app.page;
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('Train lifter', () => {
  it('refuses a broken file, then trains from the dialog with live loss and validation curves', async () => {
    await page.getByTestId('train-lifter-button').click();
    const dialog = page.getByTestId('train-lifter-dialog');
    await dialog.waitFor();
    await page.getByTestId('train-lifter-name').fill('ui-lifter');
    for (const p of [data, join(tmp.dir, 'bad')]) {
      await page.getByTestId('train-lifter-path').fill(p);
      await page.getByTestId('train-lifter-add-path').click();
    }
    expect(await page.getByTestId('train-lifter-files-item').count()).toBe(2);
    await page.getByTestId('train-lifter-init').selectOption('none');
    await page.getByTestId('train-lifter-channels').fill('32');
    await page.getByTestId('train-lifter-epochs').fill('4');
    await page.getByTestId('train-lifter-batch').fill('32');
    await page.getByTestId('train-lifter-submit').click();
    const error = page.getByTestId('train-lifter-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/broken\.bvh: line \d+: file ends inside joint "LeftUpLeg"/);

    await page.getByRole('button', { name: `Remove ${join(tmp.dir, 'bad')}` }).click();
    await page.getByTestId('train-lifter-submit').click();
    await dialog.waitFor({ state: 'detached' });
    const job = page.locator('[data-testid="job-row"]', { hasText: 'Train lifter "ui-lifter"' }).first();
    await job.waitFor({ timeout: 15_000 });
    const curve = job.getByTestId('job-loss-curve');
    await curve.waitFor({ timeout: 60_000 });
    await job.locator('[data-testid="job-metric"][data-metric="valMpjpe"]').waitFor({ timeout: 60_000 });
    await page.waitForSelector('[data-testid="job-row"][data-kind="train-lifter"][data-state="done"]', {
      timeout: 90_000,
    });
    const loss = job.locator('[data-metric="loss"] polyline');
    expect((await loss.getAttribute('points'))!.split(' ').length).toBeGreaterThanOrEqual(4);
    // One dot per epoch on the validation band.
    expect(await job.locator('[data-metric="valMpjpe"] circle').count()).toBe(4);
    expect(await curve.innerText()).toMatch(/loss \d/);
    expect(await curve.innerText()).toMatch(/validation MPJPE \d/);
    await page.screenshot({ path: join(shots, 'train-lifter.png') });

    const db = openDatabase(project);
    try {
      const models = listTrainedModels(db, 'lifter');
      expect(models.map((m) => m.name)).toEqual(['ui-lifter']);
      expect(models[0].params).toMatchObject({ channels: 32, epochs: 4, init: 'none' });
    } finally {
      db.close();
    }
    expect(app.pageErrors).toEqual([]);
  }, 150_000);

  it('fine-tunes the lifter it just trained, keeping its size', async () => {
    await page.getByTestId('train-lifter-button').click();
    const dialog = page.getByTestId('train-lifter-dialog');
    await dialog.waitFor();
    await page.getByTestId('train-lifter-name').fill('ui-lifter-2');
    await page.getByTestId('train-lifter-path').fill(join(data, 'walk'));
    await page.getByTestId('train-lifter-add-path').click();
    const init = page.getByTestId('train-lifter-init');
    await init.locator('option[value="project:ui-lifter"]').waitFor({ state: 'attached' });
    await init.selectOption('project:ui-lifter');
    const channels = page.getByTestId('train-lifter-channels');
    expect(await channels.inputValue()).toBe('32');
    expect(await channels.isDisabled()).toBe(true);
    await page.getByTestId('train-lifter-epochs').fill('1');
    await page.getByTestId('train-lifter-batch').fill('32');
    await page.getByTestId('train-lifter-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .locator('[data-testid="job-row"][data-state="done"]', {
        hasText: 'Fine-tune lifter "ui-lifter-2" from lifter:ui-lifter',
      })
      .waitFor({ timeout: 90_000 });
    const db = openDatabase(project);
    try {
      const child = listTrainedModels(db, 'lifter').find((m) => m.name === 'ui-lifter-2');
      expect(child?.params).toMatchObject({ init: 'project', initModel: 'lifter:ui-lifter', channels: 32 });
    } finally {
      db.close();
    }
    expect(app.pageErrors).toEqual([]);
  }, 120_000);

  it('learns from the pose tracks on the player as 2D only (semi-supervised)', async () => {
    await openFirstVideo(page);
    await page.getByTestId('train-lifter-button').click();
    const dialog = page.getByTestId('train-lifter-dialog');
    await dialog.waitFor();
    await page.getByTestId('train-lifter-name').fill('ui-semi');
    await page.getByTestId('train-lifter-path').fill(join(data, 'walk'));
    await page.getByTestId('train-lifter-add-path').click();
    await page.getByTestId('train-lifter-init').selectOption('project:ui-lifter');
    const semi = page.getByTestId('train-lifter-semi');
    expect(await semi.isDisabled()).toBe(false);
    await semi.check();
    // Fine-tuning with footage 2D: the dialog says what that did in our measurements.
    expect(await page.getByTestId('train-lifter-semi-hint').innerText()).toContain('raised the error');
    expect(await dialog.innerText()).toMatch(/Also learn from the tracks of pose run \d+ \(/);
    await page.getByTestId('train-lifter-epochs').fill('2');
    await page.getByTestId('train-lifter-batch').fill('32');
    await page.screenshot({ path: join(shots, 'train-lifter-semi.png') });
    await page.getByTestId('train-lifter-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .locator('[data-testid="job-row"][data-state="done"]', {
        hasText: 'Fine-tune lifter "ui-semi" from lifter:ui-lifter, semi-supervised',
      })
      .waitFor({ timeout: 90_000 });
    const db = openDatabase(project);
    try {
      const m = listTrainedModels(db, 'lifter').find((x) => x.name === 'ui-semi');
      const semiParams = m?.params.semiSupervised as { frames: number; tracks: { video: string }[] };
      expect(semiParams.frames).toBeGreaterThan(60);
      expect(semiParams.tracks.map((t) => t.video)).toEqual(['walk.mp4']);
    } finally {
      db.close();
    }
    expect(app.pageErrors).toEqual([]);
  }, 120_000);
});
