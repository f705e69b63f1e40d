/**
 * The pose editor as an annotator uses it (issue 4), in the real renderer (headless Chromium, web
 * mode, a real project file):
 *
 *  1. Annotation throughput: a 300-frame track with 10 planted detector errors (3 left/right swaps,
 *     3 gaps, a one-frame jump onto someone else, 3 displaced joints) is fixed through the UI, by
 *     keyboard where the editor allows it: N (next problem, which marks its frames) then S / G /
 *     Delete+G; joints no finder flags are reached with a click on the timeline and dragged into
 *     place. Counts key presses, clicks and drags, times it, and checks every error is gone in the
 *     project file. The time is the machine's (no human thinking time): what the UI and the back
 *     end cost per fix.
 *  2. Smoothness on a 20,000-frame track (two people, problems scattered): time to enter edit
 *     mode, the edit layer's draw time per frame (performance.now around the draw, reported by the
 *     player as data-edit-draw-ms) while stepping and scrubbing, the scrub rate (requestAnimationFrame
 *     callbacks per second while the timeline is dragged across the whole track, and distinct frames
 *     drawn per second), the timeline lane's draw time, and edit → redrawn latency (keyframe toggle,
 *     undo) with the whole 20,000-frame track reloaded after each.
 *
 *   npm run build && npx tsx bench/annotate.ts
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openDatabase } from '../src/main/db/connection';
import { getEditRun, readTrack } from '../src/main/editing/store';
import { writeCocoKeypoints } from '../src/main/formats';
import { buildTrack, type PoseRow } from '../src/shared/pose';
import { COCO17_JOINTS } from '../src/shared/skeletons';
import { assertBuilt, cli, startServe } from '../tests/helpers/app';
import { launchChromium } from '../tests/helpers/browser';
import { ffmpeg } from '../tests/helpers/media';
import { percentile, summary, WORK_DIR } from './common';

assertBuilt();
const K = COCO17_JOINTS.length;
const J = (name: string) => (COCO17_JOINTS as readonly string[]).indexOf(name);
const PAIRS = COCO17_JOINTS.flatMap((name, l) =>
  name.startsWith('left_') ? [[l, J(name.replace('left_', 'right_'))] as const] : [],
);

interface Scene {
  width: number;
  height: number;
  fps: number;
  frames: number;
}

/**
 * A person facing the camera (their left on the image's right) at horizontal position cx, scaled
 * (1 = about 220 px tall), arms and legs swinging once a second.
 */
function person(frame: number, fps: number, cx: number, scale: number, top: number): Float32Array {
  const kp = new Float32Array(K * 3);
  const s = Math.sin((2 * Math.PI * frame) / fps);
  const put = (name: string, dx: number, y: number) =>
    kp.set([cx + dx * scale, top + (y - 94) * scale, 0.9], J(name) * 3);
  put('nose', 0, 100);
  put('left_eye', 6, 94);
  put('right_eye', -6, 94);
  put('left_ear', 12, 98);
  put('right_ear', -12, 98);
  put('left_shoulder', 28, 130);
  put('right_shoulder', -28, 130);
  put('left_elbow', 36, 170 + 4 * s);
  put('right_elbow', -36, 170 - 4 * s);
  put('left_wrist', 40, 205 + 8 * s);
  put('right_wrist', -40, 205 - 8 * s);
  put('left_hip', 18, 215);
  put('right_hip', -18, 215);
  put('left_knee', 20, 265 + 6 * s);
  put('right_knee', -20, 265 - 6 * s);
  put('left_ankle', 22, 315 + 8 * s);
  put('right_ankle', -22, 315 - 8 * s);
  return kp;
}

function swapLR(kp: Float32Array): void {
  for (const [l, r] of PAIRS) {
    const a = kp.slice(l * 3, l * 3 + 3);
    kp.set(kp.slice(r * 3, r * 3 + 3), l * 3);
    kp.set(a, r * 3);
  }
}

function row(frame: number, kp: Float32Array): PoseRow {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let j = 0; j < K; j++) {
    x0 = Math.min(x0, kp[j * 3]);
    x1 = Math.max(x1, kp[j * 3]);
    y0 = Math.min(y0, kp[j * 3 + 1]);
    y1 = Math.max(y1, kp[j * 3 + 1]);
  }
  return { frame, keypoints: kp, box: [x0 - 8, y0 - 8, x1 - x0 + 16, y1 - y0 + 16], score: 0.9 };
}

/** A project with a generated video and an imported COCO run; returns its path. */
function makeProject(name: string, scene: Scene, tracks: { id: number; rows: PoseRow[] }[]): string {
  const dir = join(WORK_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const video = join(dir, `${name}.mp4`);
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=0x34403a:size=${scene.width}x${scene.height}:rate=${scene.fps}`,
    '-frames:v',
    String(scene.frames),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '30',
    video,
  ]);
  const poses = join(dir, `${name}_coco.json`);
  writeCocoKeypoints(poses, {
    video: { ...scene, frameCount: scene.frames, name },
    tracks: tracks.map((t) => buildTrack(t.id, 'coco17', t.rows)),
    provenance: { model: 'planted errors', params: {} },
  });
  const project = join(dir, `${name}.kinema`);
  const env = { KINEMA_CACHE_DIR: join(dir, 'cache') };
  for (const args of [
    ['init'],
    ['import', video],
    ['import-poses', poses, '--video', '1', '--format', 'coco'],
  ]) {
    const r = cli([...args, '--project', project], env);
    if (r.code !== 0) throw new Error(`kinema ${args.join(' ')}: ${r.stderr}`);
  }
  return project;
}

/** Counts every key press, click and drag the script makes: the annotator's inputs. */
class Inputs {
  keys = 0;
  clicks = 0;
  drags = 0;
  constructor(private readonly page: Page) {}
  async key(key: string): Promise<void> {
    this.keys++;
    await this.page.keyboard.press(key);
  }
  async click(x: number, y: number): Promise<void> {
    this.clicks++;
    await this.page.mouse.click(x, y);
  }
  async clickTestId(id: string): Promise<void> {
    this.clicks++;
    await this.page.getByTestId(id).first().click();
  }
  async drag(from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
    this.drags++;
    await this.page.mouse.move(from.x, from.y);
    await this.page.mouse.down();
    await this.page.mouse.move(to.x, to.y, { steps: 6 });
    await this.page.mouse.up();
  }
}

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting (last: ${String(v)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const attr = (page: Page, id: string, name: string) => page.getByTestId(id).getAttribute(name);

/**
 * Runs `action` (an edit) and waits until the editor has reloaded what it stored: returns the ms
 * until the reloaded tracks are drawn, and until everything (problems too) is settled.
 */
async function timedEdit(
  page: Page,
  action: () => Promise<unknown>,
): Promise<{ drawn: number; settled: number }> {
  const before = Number(await attr(page, 'editor-panel', 'data-revision'));
  const t0 = performance.now();
  await action();
  await poll(
    async () => Number(await attr(page, 'editor-panel', 'data-revision')),
    (v) => v > before,
  );
  const drawn = performance.now() - t0;
  await poll(
    () => attr(page, 'editor-panel', 'data-pending'),
    (v) => v === '0',
  );
  return { drawn, settled: performance.now() - t0 };
}

async function edit(page: Page, action: () => Promise<unknown>): Promise<number> {
  return (await timedEdit(page, action)).settled;
}

async function openPage(project: string) {
  const dir = join(project, '..');
  const server = await startServe(project, { KINEMA_CACHE_DIR: join(dir, 'cache') });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.getByTestId('video-item').first().click();
  await page.waitForSelector('[data-testid="player-canvas"][data-frame]', { timeout: 60_000 });
  await page.locator('[data-testid="pose-run"][data-run-id="1"]').waitFor({ timeout: 60_000 });
  return { server, browser, page, errors };
}

/** Page coordinates of video pixel (x, y) on the player. */
async function onScreen(page: Page, scene: Scene, x: number, y: number) {
  const canvas = page.getByTestId('player-canvas');
  const box = (await canvas.boundingBox())!;
  const [rx, ry, rw, rh] = (await canvas.getAttribute('data-image-rect'))!.split(',').map(Number);
  const cw = await canvas.evaluate((c) => (c as HTMLCanvasElement).width);
  const s = box.width / cw;
  return { x: box.x + (rx + (x / scene.width) * rw) * s, y: box.y + (ry + (y / scene.height) * rh) * s };
}

async function frameShown(page: Page): Promise<number> {
  return Number(await page.getByTestId('player-canvas').getAttribute('data-frame'));
}

// ---------------------------------------------------------------------------------------------
// 1. Annotation throughput

async function throughput(): Promise<void> {
  const scene: Scene = { width: 640, height: 360, fps: 25, frames: 300 };
  const truth = (f: number) => person(f, scene.fps, 150 + f, 1, 100);
  const swaps: [number, number][] = [
    [40, 50],
    [120, 132],
    [210, 218],
  ];
  const gaps: [number, number][] = [
    [70, 75],
    [160, 168],
    [250, 253],
  ];
  const jump = 280;
  const displaced = [
    { frame: 95, joint: J('left_wrist'), dx: 45, dy: -35 },
    { frame: 185, joint: J('right_knee'), dx: -40, dy: 30 },
    { frame: 230, joint: J('left_elbow'), dx: 35, dy: 28 },
  ];
  const planted = (f: number) => {
    const kp = truth(f);
    if (swaps.some(([a, b]) => f >= a && f < b)) swapLR(kp);
    for (const d of displaced)
      if (d.frame === f) {
        kp[d.joint * 3] += d.dx;
        kp[d.joint * 3 + 1] += d.dy;
      }
    // A detection on someone else for one frame: the whole pose 160 px to the right.
    if (f === jump) for (let j = 0; j < K; j++) kp[j * 3] += 160;
    return kp;
  };
  const frames = Array.from({ length: scene.frames }, (_, f) => f).filter(
    (f) => !gaps.some(([a, b]) => f >= a && f < b),
  );
  const project = makeProject('annotate', scene, [{ id: 0, rows: frames.map((f) => row(f, planted(f))) }]);
  const { server, browser, page, errors } = await openPage(project);
  const inputs = new Inputs(page);
  const t0 = performance.now();
  await inputs.clickTestId('pose-run-edit');
  await page.getByTestId('editor-panel').waitFor();
  await poll(
    async () => Number(await attr(page, 'editor-panel', 'data-revision')),
    (v) => v > 1,
  );
  await poll(
    () => attr(page, 'editor-panel', 'data-pending'),
    (v) => v === '0',
  );
  const fixes: { kind: string; ms: number; inputs: number }[] = [];

  // Every problem the finder flags: N marks it, one or two keys fix it.
  for (;;) {
    const before = await page.getByTestId('edit-status').innerText();
    const n0 = inputs.keys;
    const s0 = performance.now();
    await inputs.key('n');
    const status = await poll(
      () => page.getByTestId('edit-status').innerText(),
      (v) => v !== before || /^No problem/.test(v),
    );
    if (/^No problem after/.test(status)) break;
    const kind = /^Track \d+, ([a-z-]+):/.exec(status)?.[1] ?? '?';
    if (kind === 'swap') await edit(page, () => inputs.key('s'));
    else if (kind === 'gap') await edit(page, () => inputs.key('g'));
    else if (kind === 'jump') {
      await edit(page, () => inputs.key('Delete'));
      await edit(page, () => inputs.key('g'));
    } else {
      console.log(`  (skipping a ${kind} problem: ${status})`);
      continue;
    }
    fixes.push({ kind, ms: performance.now() - s0, inputs: inputs.keys - n0 });
  }

  // Joints no finder flags: click the timeline at the frame, drag the joint into place.
  const scrubber = (await page.getByTestId('timeline-scrubber').boundingBox())!;
  for (const d of displaced) {
    const s0 = performance.now();
    const i0 = inputs.keys + inputs.clicks + inputs.drags;
    await inputs.click(scrubber.x + ((d.frame + 0.5) / scene.frames) * scrubber.width, scrubber.y + 30);
    let shown = await poll(
      () => frameShown(page),
      (f) => Math.abs(f - d.frame) <= 2,
    );
    while (shown !== d.frame) {
      await inputs.key(shown < d.frame ? 'ArrowRight' : 'ArrowLeft');
      shown = await poll(
        () => frameShown(page),
        (f) => f !== shown,
      );
    }
    const t = truth(d.frame);
    const from = await onScreen(page, scene, t[d.joint * 3] + d.dx, t[d.joint * 3 + 1] + d.dy);
    const to = await onScreen(page, scene, t[d.joint * 3], t[d.joint * 3 + 1]);
    await edit(page, () => inputs.drag(from, to));
    fixes.push({
      kind: 'displaced',
      ms: performance.now() - s0,
      inputs: inputs.keys + inputs.clicks + inputs.drags - i0,
    });
  }
  const totalMs = performance.now() - t0;

  // Every planted error gone, in the project file.
  const db = openDatabase(project, { readonly: true });
  const seg = readTrack(db, getEditRun(db, 2), 0);
  const history = (db.prepare('SELECT count(*) AS n FROM pose_edits WHERE run_id = 2').get() as { n: number })
    .n;
  db.close();
  const err = (f: number, j: number) => {
    const i = seg.frames.indexOf(f);
    if (i < 0) return Infinity;
    const t = truth(f);
    return Math.hypot(
      seg.keypoints[(i * K + j) * 3] - t[j * 3],
      seg.keypoints[(i * K + j) * 3 + 1] - t[j * 3 + 1],
    );
  };
  const worst = (list: number[], joints = Array.from({ length: K }, (_, j) => j)) =>
    Math.max(...list.flatMap((f) => joints.map((j) => err(f, j))));
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const checks = [
    ...swaps.map(([a, b]) => ({ what: `swap ${a}-${b - 1}`, px: worst(range(a, b)), limit: 0.01 })),
    // Interpolated across the gap: off the truth only by the limbs' swing (8 px amplitude).
    ...gaps.map(([a, b]) => ({ what: `gap ${a}-${b - 1}`, px: worst(range(a, b)), limit: 16 })),
    { what: `jump ${jump}`, px: worst([jump]), limit: 16 },
    ...displaced.map((d) => ({
      what: `displaced ${COCO17_JOINTS[d.joint]} @${d.frame}`,
      px: worst([d.frame], [d.joint]),
      limit: 2,
    })),
  ];
  const fixed = checks.filter((c) => c.px <= c.limit).length;

  const total = inputs.keys + inputs.clicks + inputs.drags;
  console.log(
    '\n1. Annotation throughput: 10 planted errors in a 300-frame COCO-17 track (Chromium, web mode)',
  );
  for (const c of checks)
    console.log(
      `   ${c.what.padEnd(28)} max error after the fix ${c.px.toFixed(2)} px${c.px <= c.limit ? '' : '  NOT FIXED'}`,
    );
  console.log(`   fixed ${fixed}/10, ${history} edits in the history`);
  console.log(
    `   inputs: ${total} (${inputs.keys} key presses, ${inputs.clicks} clicks, ${inputs.drags} drags), ` +
      `${(total / 10).toFixed(1)} per error, including entering edit mode and the final N that finds nothing`,
  );
  const byKind = new Map<string, { ms: number[]; inputs: number[] }>();
  for (const f of fixes) {
    const e = byKind.get(f.kind) ?? { ms: [], inputs: [] };
    e.ms.push(f.ms);
    e.inputs.push(f.inputs);
    byKind.set(f.kind, e);
  }
  for (const [kind, e] of byKind)
    console.log(
      `   ${kind.padEnd(10)} ×${e.ms.length}: ${e.inputs.join('/')} inputs, ${e.ms.map((m) => m.toFixed(0)).join('/')} ms (find + fix + redrawn)`,
    );
  console.log(`   machine time for all 10 (no thinking time): ${(totalMs / 1000).toFixed(2)} s`);
  if (errors.length) console.log(`   page errors: ${errors.join('; ')}`);
  await browser.close();
  await server.stop();
}

// ---------------------------------------------------------------------------------------------
// 2. Smoothness on a 20,000-frame track

async function smoothness(): Promise<void> {
  const scene: Scene = { width: 320, height: 180, fps: 30, frames: 20_000 };
  const main = (f: number) => person(f, scene.fps, 160 + 90 * Math.sin((2 * Math.PI * f) / 900), 0.45, 40);
  const rows: PoseRow[] = [];
  for (let f = 0; f < scene.frames; f++) {
    if (f % 1000 >= 500 && f % 1000 < 503) continue; // a 3-frame gap every 1000 frames
    const kp = main(f);
    if (f % 1500 >= 700 && f % 1500 < 708) swapLR(kp); // an 8-frame swap every 1500
    if (f % 2500 >= 1200 && f % 2500 < 1210) for (let j = 0; j < K; j++) kp[j * 3 + 2] = 0.15; // low confidence
    rows.push(row(f, kp));
  }
  const other = Array.from({ length: 5000 }, (_, i) => i + 7000).map((f) =>
    row(f, person(f + 7, scene.fps, 270, 0.4, 50)),
  );
  console.log('\nGenerating the 20,000-frame video and run…');
  const project = makeProject('annotate-20k', scene, [
    { id: 0, rows },
    { id: 1, rows: other },
  ]);
  const { server, browser, page, errors } = await openPage(project);

  const t0 = performance.now();
  await page.locator('[data-testid="pose-run"][data-run-id="1"]').getByTestId('pose-run-edit').click();
  await page.getByTestId('editor-panel').waitFor({ timeout: 60_000 });
  await poll(
    async () => Number(await attr(page, 'editor-panel', 'data-revision')),
    (v) => v > 1,
    60_000,
  );
  await poll(
    () => attr(page, 'editor-panel', 'data-pending'),
    (v) => v === '0',
    60_000,
  );
  const enterMs = performance.now() - t0;
  const problems = Number(await attr(page, 'timeline-edit-lane', 'data-problems'));
  const laneMs = Number(await attr(page, 'timeline-edit-lane', 'data-draw-ms'));

  // The edit layer's draw time of every frame drawn, collected in the page.
  await page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="player-canvas"]')!;
    const w = window as unknown as { __draws: number[] };
    w.__draws = [];
    new MutationObserver(() => w.__draws.push(Number(canvas.getAttribute('data-edit-draw-ms')))).observe(
      canvas,
      {
        attributes: true,
        attributeFilter: ['data-edit-draw-ms'],
      },
    );
  });
  const draws = () => page.evaluate(() => (window as unknown as { __draws: number[] }).__draws.splice(0));

  // Stepping: 150 frames one by one (→, each waited for), with a joint selected (ring and label too).
  await page.keyboard.press('Home');
  await page.keyboard.press('5');
  await page.waitForTimeout(300);
  await draws();
  for (let i = 1; i <= 150; i++) {
    await page.keyboard.press('ArrowRight');
    await poll(
      () => frameShown(page),
      (f) => f === i,
    );
  }
  const stepDraws = await draws();

  // Scrubbing: the timeline dragged across the whole track in 3 s, one pointer move per animation frame.
  const box = (await page.getByTestId('timeline-scrubber').boundingBox())!;
  // Scrubbing with real mouse input (CDP): down on the timeline, then a move every 16.7 ms across
  // the whole track in 3 s, while the page counts animation frames and the video frames drawn.
  // (Plain JavaScript source: tsx would wrap named functions in a helper the page does not have.)
  await page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid="player-canvas"]');
    const s = (window.__scrub = { shown: new Set(), rafs: 0, longest: 0, over20: 0, start: performance.now(), running: true });
    new MutationObserver(() => s.shown.add(canvas.getAttribute('data-frame'))).observe(canvas, {
      attributes: true,
      attributeFilter: ['data-frame'],
    });
    let last = s.start;
    const tick = (now) => {
      s.rafs++;
      s.longest = Math.max(s.longest, now - last);
      if (now - last > 20) s.over20++;
      last = now;
      if (s.running) requestAnimationFrame(tick);
      else s.end = now;
    };
    requestAnimationFrame(tick);
  })()`);
  const y = box.y + 30;
  await page.mouse.move(box.x + 1, y);
  await page.mouse.down();
  const scrubStart = performance.now();
  for (let step = 1; ; step++) {
    const t = Math.min(1, (performance.now() - scrubStart) / 3000);
    await page.mouse.move(box.x + 1 + t * (box.width - 2), y);
    if (t >= 1) break;
    const wait = scrubStart + step * (1000 / 60) - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await page.mouse.up();
  const scrub = (await page.evaluate(`(() => {
    const s = window.__scrub;
    s.running = false;
    const ms = performance.now() - s.start;
    return { rafs: s.rafs, longest: s.longest, over20: s.over20, frames: s.shown.size, ms };
  })()`)) as { rafs: number; longest: number; over20: number; frames: number; ms: number };
  const scrubDraws = await draws();

  // Edit → redrawn with the whole track reloaded: keyframe toggles and undos at random places.
  const editMs: { drawn: number; settled: number }[] = [];
  const undoMs: { drawn: number; settled: number }[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Shift+ArrowRight');
    editMs.push(await timedEdit(page, () => page.keyboard.press('f')));
    undoMs.push(await timedEdit(page, () => page.keyboard.press('Control+z')));
  }
  // A joint dragged with the mouse: each pointer move redraws the frame and the layer.
  const g = (await page.getByTestId('player-canvas').getAttribute('data-image-rect'))!.split(',').map(Number);
  const cbox = (await page.getByTestId('player-canvas').boundingBox())!;
  const cw = await page.getByTestId('player-canvas').evaluate((c) => (c as HTMLCanvasElement).width);
  const f = await frameShown(page);
  const kp = main(f);
  const sx = cbox.width / cw;
  const at = (x: number, y: number) => ({
    x: cbox.x + (g[0] + (x / scene.width) * g[2]) * sx,
    y: cbox.y + (g[1] + (y / scene.height) * g[3]) * sx,
  });
  const from = at(kp[J('left_wrist') * 3], kp[J('left_wrist') * 3 + 1]);
  await draws();
  const dragMs = await edit(page, async () => {
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + 40, from.y - 30, { steps: 30 });
    await page.mouse.up();
  });
  const dragDraws = await draws();

  const all = [...stepDraws, ...scrubDraws, ...dragDraws];
  console.log(
    '\n2. Editing smoothness on a 20,000-frame track (+ a 5,000-frame second person), 320×180 video',
  );
  console.log(
    `   enter edit mode (copy the run, load tracks, provenance, problems, history): ${enterMs.toFixed(0)} ms`,
  );
  console.log(
    `   timeline lane: ${problems} problems of the selected track, drawn in ${laneMs.toFixed(1)} ms`,
  );
  console.log(`   edit layer draw per frame, stepping 150 frames: ${summary(stepDraws)}`);
  console.log(
    `   edit layer draw per frame while scrubbing: ${scrubDraws.length ? summary(scrubDraws) : 'no draws'}`,
  );
  console.log(
    `   edit layer draw per pointer move while dragging a joint: ${dragDraws.length ? summary(dragDraws) : 'no draws'}`,
  );
  console.log(
    `   all ${all.length} draws: p99 ${percentile(all, 99).toFixed(2)} ms (a 60 fps frame is 16.7 ms)`,
  );
  console.log(
    `   scrub across all 20,000 frames in ${(scrub.ms / 1000).toFixed(1)} s: ${(scrub.rafs / (scrub.ms / 1000)).toFixed(1)} animation frames/s ` +
      `(longest ${scrub.longest.toFixed(1)} ms, ${scrub.over20} over 20 ms), ${scrub.frames} distinct video frames drawn ` +
      `(${(scrub.frames / (scrub.ms / 1000)).toFixed(1)}/s; each is decoded by the server)`,
  );
  console.log(
    `   keyframe toggle → stored, the 20,000-frame tracks reloaded and redrawn: ${summary(editMs.map((e) => e.drawn))}; ` +
      `problems re-found too: ${summary(editMs.map((e) => e.settled))}`,
  );
  console.log(
    `   undo → reverted, reloaded and redrawn: ${summary(undoMs.map((e) => e.drawn))}; ` +
      `problems re-found too: ${summary(undoMs.map((e) => e.settled))}`,
  );
  console.log(`   joint drag (30 moves) → released, stored and redrawn: ${dragMs.toFixed(0)} ms`);
  if (errors.length) console.log(`   page errors: ${errors.join('; ')}`);
  await browser.close();
  await server.stop();
}

await throughput();
await smoothness();
