/**
 * The kinematics panel in the real renderer (headless Chromium, web mode, real DB): a synthetic
 * side-view walker whose knee flexion is known is imported as COCO keypoints; the panel plots the
 * chosen angles with the gap left open, seeks on click and drag, reports the knee's range of
 * motion, follows a clip's range (and says so when it has no poses), draws angle arcs on the video
 * and exports CSV. Screenshot: test-results/kinematics-panel.png.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCocoKeypoints } from '../../src/main/formats';
import { buildTrack, type PoseRow } from '../../src/shared/pose';
import { COCO17_JOINTS } from '../../src/shared/skeletons';
import { assertBuilt, cli } from '../helpers/app';
import { openFirstVideo, openWebApp, type WebApp } from '../helpers/web-app';
import { ffmpeg, tempDir } from '../helpers/media';

const tmp = tempDir('e2e-kinematics-');
const project = join(tmp.dir, 'gait.kinema');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
let app: WebApp;
let page: Page;

const FPS = 25;
const FRAMES = 100;
const WIDTH = 640;
const HEIGHT = 360;
/** Frames 50-57 have no pose in the walker's track: a gap longer than any filter bridges. */
const GAP = [50, 57] as const;
const WALKER_FRAMES = FRAMES - (GAP[1] - GAP[0] + 1);
/** Knee flexion of the walker: 32 ± 28°, one stride per second, so its range is 56°. */
const KNEE_MEAN = 32;
const KNEE_AMPLITUDE = 28;
const PLOTTED = ['left_hip_flexion', 'right_hip_flexion', 'left_knee_flexion', 'right_knee_flexion'];

const rad = Math.PI / 180;
const joint = (name: string) => COCO17_JOINTS.indexOf(name as (typeof COCO17_JOINTS)[number]);

/**
 * A person seen from the side walking right at 100 px/s: each leg's thigh swings ±22° about 5° of
 * flexion and the knee bends 4-60° (the right leg half a stride ahead of the left); upright trunk,
 * arms swinging against the legs, nose ahead of the ears (so the facing is found from the face too).
 */
function walkerRow(frame: number): PoseRow {
  const t = frame / FPS;
  const kp = new Float32Array(COCO17_JOINTS.length * 3);
  const put = (name: string, x: number, y: number) => {
    const j = joint(name);
    kp.set([x, y, 0.92], j * 3);
  };
  const hip = [120 + 100 * t, 190];
  const shoulder = [hip[0] + 6, hip[1] - 85];
  for (const [side, phase] of [
    ['left', Math.PI],
    ['right', 0],
  ] as const) {
    const thigh = (5 + 22 * Math.sin(2 * Math.PI * t + phase + 1.2)) * rad;
    const knee = (KNEE_MEAN + KNEE_AMPLITUDE * Math.sin(2 * Math.PI * t + phase)) * rad;
    const kx = hip[0] + 62 * Math.sin(thigh);
    const ky = hip[1] + 62 * Math.cos(thigh);
    put(`${side}_hip`, hip[0], hip[1]);
    put(`${side}_knee`, kx, ky);
    put(`${side}_ankle`, kx + 60 * Math.sin(thigh - knee), ky + 60 * Math.cos(thigh - knee));
    const arm = -0.8 * thigh;
    const ex = shoulder[0] + 40 * Math.sin(arm);
    const ey = shoulder[1] + 40 * Math.cos(arm);
    put(`${side}_shoulder`, shoulder[0], shoulder[1]);
    put(`${side}_elbow`, ex, ey);
    put(`${side}_wrist`, ex + 36 * Math.sin(arm + 0.5), ey + 36 * Math.cos(arm + 0.5));
    put(`${side}_eye`, shoulder[0] + 10, shoulder[1] - 32);
    put(`${side}_ear`, shoulder[0] + 2, shoulder[1] - 30);
  }
  put('nose', shoulder[0] + 16, shoulder[1] - 28);
  return { frame, keypoints: kp, box: [hip[0] - 60, shoulder[1] - 50, 120, 260], score: 0.9 };
}

/** A bystander for a few frames (track 0), so the walker is not simply the only track. */
function bystanderRow(frame: number): PoseRow {
  const kp = new Float32Array(COCO17_JOINTS.length * 3);
  COCO17_JOINTS.forEach((_, j) => kp.set([560 + (j % 3) * 6, 60 + j * 14, 0.8], j * 3));
  return { frame, keypoints: kp, box: [550, 40, 40, 260], score: 0.8 };
}

function writePoses(path: string): void {
  const walker = Array.from({ length: FRAMES }, (_, f) => f).filter((f) => f < GAP[0] || f > GAP[1]);
  writeCocoKeypoints(path, {
    video: { width: WIDTH, height: HEIGHT, fps: FPS, frameCount: FRAMES, name: 'walk' },
    tracks: [
      buildTrack(
        0,
        'coco17',
        Array.from({ length: 12 }, (_, f) => bystanderRow(f + 5)),
      ),
      buildTrack(1, 'coco17', walker.map(walkerRow)),
    ],
    provenance: { model: 'synthetic walker', params: {} },
  });
}

function run(args: string[]): string {
  const r = cli([...args, '--project', project], env);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function frameShown(): Promise<number> {
  const text = await page.getByTestId('frame-counter').innerText();
  return Number(/Frame (\d+)/.exec(text)?.[1] ?? -1);
}

/** Page coordinates of video frame `frame` on the plot (the plot's margins: 46 px left, 12 right). */
async function plotPoint(
  frame: number,
  firstFrame: number,
  frameCount: number,
): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('kinematics-plot-overlay').boundingBox())!;
  const plotW = box.width - 46 - 12;
  return { x: box.x + 46 + ((frame - firstFrame + 0.5) / frameCount) * plotW, y: box.y + box.height / 2 };
}

const panel = () => page.getByTestId('kinematics-panel');
const plotCanvas = () => page.getByTestId('kinematics-plot-canvas');

async function legendAngles(): Promise<string[]> {
  return page
    .getByTestId('kinematics-legend-entry')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-angle') ?? ''));
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  const video = join(tmp.dir, 'walk.mp4');
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=0x3a3f47:size=${WIDTH}x${HEIGHT}:rate=${FPS}`,
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
  const poses = join(tmp.dir, 'walk_coco.json');
  writePoses(poses);
  run(['init']);
  run(['import', video]);
  run(['import-poses', poses, '--video', '1', '--format', 'coco']);

  app = await openWebApp(project, env);
  page = app.page;
  await openFirstVideo(page);
});

afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

describe('kinematics panel', () => {
  it("opens on a track from the pose list and plots the default angles with the walker's gap", async () => {
    const walkerRow = page.locator('[data-testid="pose-track"][data-track-id="1"]');
    await walkerRow.waitFor({ timeout: 15_000 });
    await walkerRow.getByTestId('pose-track-angles').click();
    await expect.poll(() => panel().getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
    expect(await panel().getAttribute('data-track-id')).toBe('1');
    expect(await walkerRow.getByTestId('pose-track-angles').getAttribute('aria-pressed')).toBe('true');

    // Knee and hip flexion on both sides, one legend entry each.
    expect((await legendAngles()).sort()).toEqual([...PLOTTED].sort());
    await expect.poll(() => plotCanvas().getAttribute('data-angles')).toBe(PLOTTED.join(','));
    // Every frame with a pose is plotted, the 8 missing frames are one gap (not drawn as zeros).
    expect(Number(await plotCanvas().getAttribute('data-points'))).toBe(PLOTTED.length * WALKER_FRAMES);
    expect(Number(await plotCanvas().getAttribute('data-raw-points'))).toBe(PLOTTED.length * WALKER_FRAMES);
    expect(await plotCanvas().getAttribute('data-gaps')).toBe('1');
    // Degrees on the y axis span the knee's 4-60°, and zero is not forced in for gaps.
    expect(Number(await plotCanvas().getAttribute('data-y-min'))).toBeLessThanOrEqual(-10);
    expect(Number(await plotCanvas().getAttribute('data-y-max'))).toBeGreaterThanOrEqual(60);

    // Gait events were found and are listed with the metrics, on their own tab.
    await page.getByTestId('kinematics-tab-gait').click();
    const gait = page.getByTestId('kinematics-gait');
    expect(Number(await gait.getAttribute('data-events'))).toBeGreaterThan(4);
    await expect
      .poll(() => page.getByTestId('kinematics-cadence').innerText())
      .toMatch(/^\d+\.\d steps\/min$/);
    expect(await page.getByTestId('kinematics-gait-stepTime').innerText()).toMatch(/\d\.\d{3} s/);
    await page.getByTestId('kinematics-panel').screenshot({ path: join(shots, 'kinematics-gait.png') });
    await page.getByTestId('kinematics-tab-angles').click();
    // COCO-17 has no heels or toes: the ankle angle is explained, not missing silently.
    await expect
      .poll(() => page.getByTestId('kinematics-unavailable').innerText())
      .toMatch(/L ankle dorsiflexion.*needs left heel, left big toe/);

    // The arcs of the four plotted angles on the video.
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-angle-arcs')).toBe('4');
  });

  it("summarises the knee's range of motion as built", async () => {
    for (const side of ['left', 'right']) {
      const row = page.locator(`[data-testid="kinematics-angle-row"][data-angle="${side}_knee_flexion"]`);
      expect(Math.abs(Number(await row.getAttribute('data-range')) - 2 * KNEE_AMPLITUDE)).toBeLessThan(3);
      expect(
        Math.abs(Number(await row.getAttribute('data-min')) - (KNEE_MEAN - KNEE_AMPLITUDE)),
      ).toBeLessThan(3);
      expect(
        Math.abs(Number(await row.getAttribute('data-max')) - (KNEE_MEAN + KNEE_AMPLITUDE)),
      ).toBeLessThan(3);
      expect(await row.getByTestId('kinematics-angle-range').innerText()).toMatch(/^5\d\.\d$/);
    }
    // The frame of the right knee's maximum is a link to that frame.
    const max = page
      .locator('[data-testid="kinematics-angle-row"][data-angle="right_knee_flexion"]')
      .getByTestId('kinematics-max-frame');
    const frame = Number(await max.getAttribute('data-frame'));
    await max.click();
    await expect.poll(frameShown).toBe(frame);
    // Peaks of 32 + 28 sin(2πt) at t = 0.25 s + whole seconds: frames 6, 31, 81 (56 is in the gap).
    expect([6, 31, 81]).toContain(frame);
  });

  it('seeks the player where the plot is clicked or dragged, and shows values on hover', async () => {
    const first = 0;
    const p30 = await plotPoint(30, first, FRAMES);
    await page.mouse.click(p30.x, p30.y);
    await expect.poll(frameShown).toBe(30);
    await expect
      .poll(() => page.getByTestId('kinematics-plot-overlay').getAttribute('data-playhead'))
      .toBe('30');
    await page.waitForSelector('[data-testid="player-canvas"][data-frame="30"]', { timeout: 15_000 });

    const p70 = await plotPoint(70, first, FRAMES);
    await page.mouse.move(p30.x, p30.y);
    await page.mouse.down();
    await page.mouse.move((p30.x + p70.x) / 2, p30.y, { steps: 4 });
    await page.mouse.move(p70.x, p70.y, { steps: 4 });
    await page.mouse.up();
    await expect.poll(frameShown).toBe(70);

    const p20 = await plotPoint(20, first, FRAMES);
    await page.mouse.move(p20.x, p20.y);
    const hover = page.getByTestId('kinematics-hover');
    await expect.poll(() => hover.getAttribute('data-frame')).toBe('20');
    const text = await hover.innerText();
    expect(text).toContain('Frame 20');
    expect(text).toContain('R knee flexion');
    expect(text).toMatch(/\d+\.\d°/);
    // Over the gap there is no value: a dash, never 0°.
    const gap = await plotPoint(53, first, FRAMES);
    await page.mouse.move(gap.x, gap.y);
    await expect.poll(() => hover.getAttribute('data-frame')).toBe('53');
    expect(await hover.innerText()).not.toMatch(/\d°/);
    await page.mouse.move(p20.x, p20.y);
  });

  it('takes a readable screenshot of the panel with the video', async () => {
    await page.keyboard.press('Escape');
    await page.getByTestId('kinematics-plot').focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(frameShown).toBe(30);
    await page.waitForSelector('[data-testid="player-canvas"][data-frame="30"]', { timeout: 15_000 });
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-angle-arcs')).toBe('4');
    const p40 = await plotPoint(40, 0, FRAMES);
    await page.mouse.move(p40.x, p40.y);
    await page.getByTestId('kinematics-hover').waitFor();
    await page.screenshot({ path: join(shots, 'kinematics-panel.png') });
    await page.mouse.move(0, 0);
  });

  it('plots what is ticked, with the chosen filter', async () => {
    await page
      .locator('[data-testid="kinematics-angle-row"][data-angle="left_hip_flexion"]')
      .getByTestId('kinematics-angle-toggle')
      .uncheck();
    await expect.poll(legendAngles).toEqual(['right_hip_flexion', 'left_knee_flexion', 'right_knee_flexion']);
    await expect.poll(() => plotCanvas().getAttribute('data-points')).toBe(String(3 * WALKER_FRAMES));
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-angle-arcs')).toBe('3');

    // Median filter: a new request; the knee range is still the walker's.
    await page.getByTestId('kinematics-filter-select').selectOption('median');
    await expect.poll(() => page.getByTestId('kinematics-filter-param').inputValue()).toBe('5');
    await expect.poll(() => panel().getAttribute('data-state')).toBe('ready');
    const knee = page.locator('[data-testid="kinematics-angle-row"][data-angle="right_knee_flexion"]');
    expect(Math.abs(Number(await knee.getAttribute('data-range')) - 2 * KNEE_AMPLITUDE)).toBeLessThan(4);

    // A Butterworth cutoff above half the frame rate is refused, with the API's message.
    await page.getByTestId('kinematics-filter-select').selectOption('butterworth');
    await page.getByTestId('kinematics-filter-param').fill('20');
    await page.getByTestId('kinematics-filter-param').press('Enter');
    await expect.poll(() => panel().getAttribute('data-state')).toBe('error');
    expect(await page.getByTestId('kinematics-error').innerText()).toMatch(
      /half the frame rate|Nyquist|fps/i,
    );
    await page.getByTestId('kinematics-filter-param').fill('6');
    await page.getByTestId('kinematics-filter-param').press('Enter');
    await expect.poll(() => panel().getAttribute('data-state')).toBe('ready');

    // Another track of the run; then back to the walker.
    await page.getByTestId('kinematics-track-select').selectOption('0');
    await expect.poll(() => panel().getAttribute('data-track-id')).toBe('0');
    await page.getByTestId('kinematics-track-select').selectOption('1');
    await expect.poll(() => panel().getAttribute('data-track-id')).toBe('1');
    await expect.poll(() => panel().getAttribute('data-state')).toBe('ready');
  });

  it("follows a selected clip's frames and says when they hold no pose", async () => {
    // A clip inside the gap (frames 51-54) from the marks: no pose there.
    await page.getByTestId('kinematics-plot').focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('i');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('o');
    await page.keyboard.press('c');
    await expect.poll(() => panel().getAttribute('data-state')).toBe('error');
    expect(await panel().getAttribute('data-in')).toBeNull();
    expect(await page.getByTestId('kinematics-error').innerText()).toMatch(/no pose in frames 51–54/);

    // A clip of frames 10-39: 30 frames plotted from frame 10.
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('i');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('o');
    await page.keyboard.press('c');
    await expect.poll(() => panel().getAttribute('data-in'), { timeout: 10_000 }).toBe('10');
    expect(await panel().getAttribute('data-out')).toBe('40');
    await expect.poll(() => panel().getAttribute('data-state')).toBe('ready');
    await expect.poll(() => plotCanvas().getAttribute('data-points')).toBe(String(3 * 30));
    expect(await plotCanvas().getAttribute('data-gaps')).toBe('0');
    const p25 = await plotPoint(25, 10, 30);
    await page.mouse.click(p25.x, p25.y);
    await expect.poll(frameShown).toBe(25);

    // Back to the whole video.
    await page.getByTestId('kinematics-range-select').selectOption('video');
    await expect.poll(() => panel().getAttribute('data-in')).toBeNull();
    await expect.poll(() => plotCanvas().getAttribute('data-points')).toBe(String(3 * WALKER_FRAMES));
  });

  it('exports CSV and JSON beside the video and says where', async () => {
    await page.getByTestId('kinematics-export-csv').click();
    const toast = page.getByTestId('toast-info').filter({ hasText: 'Kinematics CSV written to' });
    await toast.waitFor({ timeout: 15_000 });
    const csvPath = /written to (.+\.csv)$/.exec(await toast.innerText())?.[1] ?? '';
    expect(csvPath.startsWith(tmp.dir)).toBe(true);
    expect(existsSync(csvPath)).toBe(true);
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 2)).toEqual(['frame', 'time_s']);
    for (const name of ['left_knee_flexion', 'right_knee_flexion', 'left_hip_flexion', 'right_hip_flexion'])
      expect(header).toEqual(expect.arrayContaining([name, `${name}_raw`]));
    expect(lines.length - 1).toBe(FRAMES);
    // Gap frames are empty cells, never 0.
    const knee = header.indexOf('right_knee_flexion');
    expect(lines[1 + 53].split(',')[knee]).toBe('');
    expect(Number(lines[1 + 6].split(',')[knee])).toBeGreaterThan(50);

    await page.getByTestId('kinematics-export-json').click();
    const jsonToast = page.getByTestId('toast-info').filter({ hasText: 'Kinematics JSON written to' });
    await jsonToast.waitFor({ timeout: 15_000 });
    const jsonPath = /written to (.+\.json)$/.exec(await jsonToast.innerText())?.[1] ?? '';
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { angles: { name: string }[]; gait: unknown };
    expect(json.angles.map((a) => a.name)).toContain('right_knee_flexion');
    expect(json.gait).not.toBeNull();
  });

  it('turns the arcs off, says when the run is gone, and closes', async () => {
    await page.getByTestId('kinematics-arcs-toggle').uncheck();
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-angle-arcs')).toBe('0');
    await page.getByTestId('kinematics-arcs-toggle').check();
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-angle-arcs')).not.toBe('0');

    await page.getByTestId('pose-run-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect
      .poll(() => page.getByTestId('kinematics-message').innerText())
      .toMatch(/No pose run for this video yet/);
    expect(await panel().getAttribute('data-state')).toBe('empty');
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-angle-arcs')).toBe('0');

    await page.getByTestId('kinematics-close').click();
    await panel().waitFor({ state: 'detached' });
    expect(app.pageErrors).toEqual([]);
  });
});
