/**
 * The Align view in the real renderer (headless Chromium, web mode, real DB): a reference walk and
 * a learner's copy of it, slowed by a known smooth time warp and with the left knee bent 12° more
 * in the middle of the motion (tests/helpers/walker.ts), imported as COCO keypoints onto two
 * generated videos and cut into clips labelled alike. The view picks the clips, says when a video
 * has no poses, compares, lists the knee finding, moves both panes through the warp from the
 * finding, the scrubber, the keyboard and the warping-path plot, writes the HTML report and renders
 * the aligned MP4 as a job. Screenshot: test-results/align-view.png.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack, type PoseRow } from '../../src/shared/pose';
import { assertBuilt, cli } from '../helpers/app';
import { openWebApp, type WebApp } from '../helpers/web-app';
import { ffmpeg, ffprobeFrameCount, ffprobeJson, tempDir } from '../helpers/media';
import { walkPair } from '../helpers/walker';

const tmp = tempDir('e2e-align-');
const project = join(tmp.dir, 'align.kinema');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
let app: WebApp;
let page: Page;

/** The walker's poses span about x 250-720, y 220-650 px. */
const WIDTH = 960;
const HEIGHT = 720;
/** Reference motion at frames 10-75 of its video; the learner's at 20-99 of its own (20 still frames first). */
const pair = walkPair({ referenceFirst: 10 });
const FPS = pair.fps;
const LEARNER_FRAMES = pair.lead + pair.learnerFrames;
const REFERENCE_FRAMES = 90;
const LEARNER_CLIP = { in: pair.lead, out: pair.lead + pair.learnerFrames };
const REFERENCE_CLIP = { in: pair.referenceFirst, out: pair.referenceFirst + pair.referenceFrames };

/** What the CLI computes for the same request: the truth the view must show. */
interface Expected {
  learner: { start: number; end: number };
  learnerToReference: number[];
  findings: { kind: string; text: string; learnerFrame: number; referenceFrame: number }[];
}
let expected: Expected;
let clipIds: { learner: number; reference: number };

function run(args: string[]): string {
  const r = cli([...args, '--project', project], env);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function makeVideo(path: string, frames: number, color: string, size = `${WIDTH}x${HEIGHT}`): string {
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=${color}:size=${size}:rate=${FPS}`,
    '-frames:v',
    String(frames),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '10',
    path,
  ]);
  return path;
}

function writePoses(path: string, rows: PoseRow[], frameCount: number, name: string): string {
  writeCocoKeypoints(path, {
    video: { width: WIDTH, height: HEIGHT, fps: FPS, frameCount, name },
    tracks: [buildTrack(0, 'coco17', rows)],
    provenance: { model: 'synthetic walker', params: {} },
  });
  return path;
}

/** The reference frame the view must show for learner frame `f`. */
function alignedTo(f: number): number {
  return expected.learnerToReference[f - expected.learner.start];
}

const view = () => page.getByTestId('align-view');

async function readout(role: 'learner' | 'reference'): Promise<number> {
  return Number(await page.getByTestId(`align-${role}-frame`).getAttribute('data-frame'));
}

/** Both readouts, and both canvases showing those frames. */
async function expectShown(learner: number): Promise<void> {
  await expect.poll(() => readout('learner')).toBe(learner);
  expect(await readout('reference')).toBe(alignedTo(learner));
  await page.waitForSelector(`[data-testid="align-canvas-learner"][data-frame="${learner}"]`, {
    timeout: 15_000,
  });
  await page.waitForSelector(`[data-testid="align-canvas-reference"][data-frame="${alignedTo(learner)}"]`, {
    timeout: 15_000,
  });
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  const learnerVideo = makeVideo(join(tmp.dir, 'learner.mp4'), LEARNER_FRAMES, '0x2c3544');
  const referenceVideo = makeVideo(join(tmp.dir, 'reference.mp4'), REFERENCE_FRAMES, '0x3b3a30');
  const bare = makeVideo(join(tmp.dir, 'no-poses.mp4'), 20, '0x303030', '320x240');
  run(['init']);
  // One at a time, so the ids are 1, 2, 3 in this order.
  for (const video of [learnerVideo, referenceVideo, bare]) run(['import', video]);
  const learnerRun = JSON.parse(
    run([
      'import-poses',
      writePoses(join(tmp.dir, 'learner_coco.json'), pair.learner, LEARNER_FRAMES, 'learner'),
      '--video',
      '1',
      '--format',
      'coco',
      '--json',
    ]),
  ) as { id: number };
  const referenceRun = JSON.parse(
    run([
      'import-poses',
      writePoses(join(tmp.dir, 'reference_coco.json'), pair.reference, REFERENCE_FRAMES, 'reference'),
      '--video',
      '2',
      '--format',
      'coco',
      '--json',
    ]),
  ) as { id: number };
  const clip = (video: number, c: { in: number; out: number }) =>
    (
      JSON.parse(
        run([
          'clip-add',
          '--video',
          String(video),
          '--in',
          String(c.in),
          '--out',
          String(c.out),
          '--label',
          'Walk',
          '--json',
        ]),
      ) as { id: number }
    ).id;
  clipIds = { learner: clip(1, LEARNER_CLIP), reference: clip(2, REFERENCE_CLIP) };
  expected = JSON.parse(
    run([
      'align',
      '--learner',
      `${learnerRun.id}:0:${LEARNER_CLIP.in}-${LEARNER_CLIP.out - 1}`,
      '--reference',
      `${referenceRun.id}:0:${REFERENCE_CLIP.in}-${REFERENCE_CLIP.out - 1}`,
      '--json',
    ]),
  ) as Expected;

  app = await openWebApp(project, env);
  page = app.page;
  await page.getByTestId('video-item').first().waitFor();
  await page.waitForSelector('[data-testid="player-canvas"][data-frame]', { timeout: 30_000 });
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('align view', () => {
  it('picks the clips, with the reference found by its label, and says when a video has no poses', async () => {
    await page.getByTestId('align-view-button').click();
    await view().waitFor();
    expect(await page.getByTestId('align-view-button').getAttribute('aria-pressed')).toBe('true');
    // The player's video is the learner at first; nothing to compare with yet.
    await expect.poll(() => page.getByTestId('align-learner-video').inputValue()).toBe('1');
    expect(await page.getByTestId('align-compare').isDisabled()).toBe(true);

    await page.getByTestId('align-learner-clip').selectOption(String(clipIds.learner));
    // Clips of one motion share a label: the other "Walk" becomes the reference.
    await expect.poll(() => page.getByTestId('align-reference-video').inputValue()).toBe('2');
    await expect
      .poll(() => page.getByTestId('align-reference-clip').inputValue())
      .toBe(String(clipIds.reference));
    // Newest run, longest track by default.
    await expect.poll(() => page.getByTestId('align-side-reference').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('align-reference-track').inputValue()).toBe('0');

    // A video without poses: said plainly, with what to do; Compare waits.
    await page.getByTestId('align-reference-video').selectOption('3');
    const message = page.getByTestId('align-reference-message');
    await expect.poll(() => message.innerText()).toMatch(/no-poses\.mp4 has no poses yet\. Run Detect poses/);
    expect(await page.getByTestId('align-side-reference').getAttribute('data-reason')).toBe('no-poses');
    expect(await page.getByTestId('align-compare').isDisabled()).toBe(true);

    await page.getByTestId('align-reference-video').selectOption('2');
    await page.getByTestId('align-reference-clip').selectOption(String(clipIds.reference));
    await expect.poll(() => page.getByTestId('align-side-reference').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('align-compare').isDisabled()).toBe(false);
  });

  it('compares on Enter and lists the left knee finding with the phases and durations', async () => {
    await page.getByTestId('align-reference-clip').press('Enter');
    await expect.poll(() => view().getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');

    const knee = expected.findings.find((f) => f.kind === 'angle' && /^Left knee/.test(f.text))!;
    expect(knee, JSON.stringify(expected.findings)).toBeDefined();
    const row = page.getByTestId('align-finding').filter({ hasText: /Left knee \d+° more bent/ });
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain(knee.text);
    expect(Number(await row.getAttribute('data-learner-frame'))).toBe(knee.learnerFrame);
    // Every finding of the API is listed, in its order.
    const texts = await page
      .getByTestId('align-finding')
      .evaluateAll((els) => els.map((e) => e.querySelector('.align-finding-text')?.textContent ?? ''));
    expect(texts).toEqual(expected.findings.map((f) => f.text));

    expect(await page.getByTestId('align-phase').count()).toBe(5);
    expect(await page.getByTestId('align-duration-learner').innerText()).toContain('2.67 s');
    expect(await page.getByTestId('align-duration-reference').innerText()).toContain('2.20 s');

    // The scrubber starts at the learner's first aligned frame.
    await expectShown(expected.learner.start);
    expect(Number(await page.getByTestId('align-canvas-learner').getAttribute('data-pose-drawn'))).toBe(17);
  });

  it('jumps both panes to a finding, and follows the scrubber, the keys and the path plot', async () => {
    const knee = expected.findings.find((f) => f.kind === 'angle' && /^Left knee/.test(f.text))!;
    await page
      .getByTestId('align-finding')
      .filter({ hasText: /Left knee/ })
      .click();
    await expectShown(knee.learnerFrame);
    // The aligned frame is the warp's: the learner is the reference slowed down by a known warp.
    const truth = pair.referenceFirst + pair.warp(knee.learnerFrame - pair.lead) * FPS;
    expect(Math.abs(alignedTo(knee.learnerFrame) - truth)).toBeLessThanOrEqual(2);
    await expect
      .poll(() =>
        page
          .getByTestId('align-finding')
          .filter({ hasText: /Left knee/ })
          .getAttribute('aria-current'),
      )
      .toBe('true');

    // Drag the scrubber from a fifth to three quarters of the way.
    const box = (await page.getByTestId('align-scrubber').boundingBox())!;
    const n = expected.learner.end - expected.learner.start + 1;
    const at = (fraction: number) => box.x + fraction * box.width;
    const frameAt = (x: number) => expected.learner.start + Math.floor(((x - box.x) / box.width) * n);
    await page.mouse.move(at(0.2), box.y + box.height / 2);
    await page.mouse.down();
    await expect.poll(() => readout('learner')).toBe(frameAt(at(0.2)));
    await page.mouse.move(at(0.5), box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(at(0.75), box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const dragged = frameAt(at(0.75));
    await expectShown(dragged);
    expect(dragged).not.toBe(knee.learnerFrame);

    // Arrow keys step the learner frame (the reference follows); Space plays and pauses.
    await page.keyboard.press('ArrowRight');
    await expectShown(dragged + 1);
    await page.keyboard.press('Shift+ArrowLeft');
    await expectShown(dragged - 9);
    await page.keyboard.press('Home');
    await expectShown(expected.learner.start);
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('align-play').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => readout('learner')).toBeGreaterThan(expected.learner.start + 5);
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('align-play').getAttribute('aria-pressed')).toBe('false');
    const stopped = await readout('learner');
    expect(await readout('reference')).toBe(alignedTo(stopped));
    // The view replaces the player while open.
    expect(await page.getByTestId('player-canvas').count()).toBe(0);

    // The warping path is drawn (every path point), and a click on it goes there.
    const pathCanvas = page.getByTestId('align-path-canvas');
    const points = Number(await pathCanvas.getAttribute('data-points'));
    expect(points).toBeGreaterThanOrEqual(n);
    expect(points).toBeLessThanOrEqual(n + pair.referenceFrames - 1);
    const plot = (await page.getByTestId('align-path-overlay').boundingBox())!;
    await page.mouse.click(plot.x + 46 + (plot.width - 58) * 0.3, plot.y + 16 + (plot.height - 38) * 0.7);
    const overlay = page.getByTestId('align-path-overlay');
    await expect.poll(async () => Number(await overlay.getAttribute('data-learner'))).not.toBe(stopped);
    const clicked = Number(await overlay.getAttribute('data-learner'));
    await expectShown(clicked);
    expect(Number(await overlay.getAttribute('data-reference'))).toBe(alignedTo(clicked));

    // The angle differences plot the most different angles, the left knee first.
    const diff = page.getByTestId('align-diff-canvas');
    await expect.poll(() => diff.getAttribute('data-angles')).toMatch(/^left_knee_flexion(,|$)/);
    const plotted = (await diff.getAttribute('data-angles'))!.split(',');
    const off = page.locator('[data-testid="align-angle-chip"][aria-pressed="false"]').first();
    const extra = await off.getAttribute('data-angle');
    await off.click();
    await expect.poll(() => diff.getAttribute('data-angles')).toBe([...plotted, extra].join(','));
    expect(Number(await diff.getAttribute('data-points'))).toBeGreaterThan(0);
  });

  it('takes a readable screenshot of the view at the knee finding', async () => {
    await page
      .getByTestId('align-finding')
      .filter({ hasText: /Left knee/ })
      .click();
    const knee = expected.findings.find((f) => f.kind === 'angle' && /^Left knee/.test(f.text))!;
    await expectShown(knee.learnerFrame);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'align-view.png') });
  });

  it('writes the HTML report with the finding', async () => {
    await page.getByTestId('align-report').click();
    const toast = page.getByTestId('toast-info').filter({ hasText: 'Report written to' });
    await toast.waitFor({ timeout: 60_000 });
    const path = /written to (.+\.html)/.exec(await toast.innerText())?.[1] ?? '';
    expect(path.startsWith(tmp.dir)).toBe(true);
    expect(existsSync(path)).toBe(true);
    const html = readFileSync(path, 'utf8');
    const knee = expected.findings.find((f) => f.kind === 'angle' && /^Left knee/.test(f.text))!;
    expect(html).toContain(knee.text);
  });

  it('renders the aligned video as a job that finishes', async () => {
    await page.getByTestId('align-export-video').click();
    await page.getByTestId('toast-info').filter({ hasText: 'Rendering the aligned video to' }).waitFor();
    const job = page.locator('[data-testid="job-row"][data-kind="align-video"]');
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    const status = page.getByTestId('align-export-status');
    await expect.poll(() => status.getAttribute('data-state')).toBe('done');
    const out = join(tmp.dir, 'learner vs reference - aligned.mp4');
    expect(await status.getAttribute('title')).toBe(out);
    expect(existsSync(out)).toBe(true);
    // One output frame per learner frame of the motion, at the learner's frame rate.
    const frames = expected.learner.end - expected.learner.start + 1;
    expect(ffprobeFrameCount(out)).toBe(frames);
    expect(Math.abs(Number(ffprobeJson(out).format.duration) - frames / FPS)).toBeLessThan(0.1);
  });

  it('finds the reference motion inside the whole learner video, and shows API errors plainly', async () => {
    // Subsequence mode over the whole learner video: the motion starts after the 20 still frames.
    await page.getByTestId('align-learner-clip').selectOption('video');
    await page.getByTestId('align-mode').selectOption('subsequence');
    await expect.poll(() => page.getByTestId('align-stale').count()).toBe(1);
    await page.getByTestId('align-compare').click();
    await expect.poll(() => page.getByTestId('align-stale').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => view().getAttribute('data-state')).toBe('ready');
    const start = Number(await page.getByTestId('align-scrubber').getAttribute('aria-valuemin'));
    expect(Math.abs(start - pair.lead)).toBeLessThanOrEqual(3);
    expect(await page.getByTestId('align-summary').innerText()).toContain(
      'where the reference motion was found',
    );

    // Swapped, the "learner" is shorter than the motion to find in it: the API's reason is shown.
    await page.getByTestId('align-swap').click();
    await page.getByTestId('align-compare').click();
    await expect.poll(() => view().getAttribute('data-state'), { timeout: 30_000 }).toBe('error');
    expect(await page.getByTestId('align-error').innerText()).toMatch(/at least as long as the reference/);

    // Back as it was.
    await page.getByTestId('align-swap').click();
    await page.getByTestId('align-mode').selectOption('global');
    await page.getByTestId('align-learner-clip').selectOption(String(clipIds.learner));
    await page.getByTestId('align-compare').click();
    await expect.poll(() => view().getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    await expectShown(expected.learner.start);
  });

  it('goes back to the player, and opens again from a clip as the learner', async () => {
    await page.getByTestId('align-close').click();
    await view().waitFor({ state: 'detached' });
    await page.getByTestId('player-canvas').waitFor();
    await page.getByTestId('video-item').first().click();
    await page
      .locator(`[data-testid="clip-item"][data-clip-id="${clipIds.learner}"]`)
      .getByTestId('clip-align-button')
      .click();
    await view().waitFor();
    expect(await page.getByTestId('align-learner-clip').inputValue()).toBe(String(clipIds.learner));
    // The last comparison is still shown.
    expect(await view().getAttribute('data-state')).toBe('ready');
    expect(app.pageErrors).toEqual([]);
  });
});
