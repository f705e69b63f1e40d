/**
 * The pose track correction editor in the real renderer (headless Chromium, web mode, real DB). A
 * generated video and a COCO run written here with planted detector errors: the left wrist
 * displaced at frame 20, left and right swapped over frames 30-39, no pose at frames 50-54. The
 * test enters edit mode from the pose list, drags the wrist back with the mouse, undoes and redoes
 * it, swaps L/R over the range the "next problem" key marks, fills the gap, interpolates between
 * keyframes, splits a track at the playhead and merges it back, previews a smoothing filter as a
 * ghost, and reloads the page to find the undo history intact. After each edit it reads the project
 * file (read-only) and an exported file (the UI's export and the CLI's `export-poses`).
 * Screenshot: /tmp/editor.png (and test-results/editor.png).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/connection';
import { loadRunPoseSet } from '../../src/main/db/poses';
import { getEditRun, readTrack } from '../../src/main/editing/store';
import { writeCocoKeypoints } from '../../src/main/formats';
import { KEYFRAME, OCCLUDED, PROVENANCE } from '../../src/shared/editing/provenance';
import type { Segment } from '../../src/shared/editing/segment';
import { buildTrack, type PoseRow } from '../../src/shared/pose';
import { COCO17_JOINTS } from '../../src/shared/skeletons';
import { assertBuilt, cli } from '../helpers/app';
import { openFirstVideo, openWebApp, type WebApp } from '../helpers/web-app';
import { makePersonVideo, tempDir, type PersonRegion } from '../helpers/media';

const tmp = tempDir('e2e-editor-');
const project = join(tmp.dir, 'edit.kinema');
const shots = join(process.cwd(), 'test-results');
const env = { KINEMA_CACHE_DIR: join(tmp.dir, 'cache') };
let app: WebApp;
let page: Page;
let person: { region: (t: number) => PersonRegion };

const FPS = 25;
const FRAMES = 100;
const WIDTH = 640;
const HEIGHT = 360;
const K = COCO17_JOINTS.length;
const J = (name: string) => (COCO17_JOINTS as readonly string[]).indexOf(name);
const LEFT_WRIST = J('left_wrist');
const DISPLACED = { frame: 20, dx: 50, dy: -40 };
const SWAP = [30, 40] as const;
const GAP = [50, 55] as const;
/** Run 1 is the imported run; edit mode makes run 2, its corrected copy. */
const SOURCE_RUN = 1;
const EDIT_RUN = 2;

/**
 * A person facing the camera walking right at 2 px a frame (their left side on the image's right),
 * arms and legs swinging; every keypoint scored 0.9.
 */
function truth(frame: number): Float32Array {
  const kp = new Float32Array(K * 3);
  const cx = 200 + 2 * frame;
  const s = Math.sin((2 * Math.PI * frame) / FPS);
  const put = (name: string, dx: number, y: number) => kp.set([cx + dx, y, 0.9], J(name) * 3);
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

/** The COCO-17 left/right partners (index pairs). */
const PAIRS = COCO17_JOINTS.flatMap((name, l) =>
  name.startsWith('left_') ? [[l, J(name.replace('left_', 'right_'))] as const] : [],
);

/** What the detector "found": the truth with the planted errors. */
function planted(frame: number): Float32Array {
  const kp = truth(frame);
  if (frame === DISPLACED.frame) {
    kp[LEFT_WRIST * 3] += DISPLACED.dx;
    kp[LEFT_WRIST * 3 + 1] += DISPLACED.dy;
  }
  if (frame >= SWAP[0] && frame < SWAP[1])
    for (const [l, r] of PAIRS) {
      const a = kp.slice(l * 3, l * 3 + 3);
      kp.set(kp.slice(r * 3, r * 3 + 3), l * 3);
      kp.set(a, r * 3);
    }
  return kp;
}

function row(frame: number, kp: Float32Array, score = 0.9): PoseRow {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let j = 0; j < K; j++) {
    x0 = Math.min(x0, kp[j * 3]);
    x1 = Math.max(x1, kp[j * 3]);
    y0 = Math.min(y0, kp[j * 3 + 1]);
    y1 = Math.max(y1, kp[j * 3 + 1]);
  }
  return { frame, keypoints: kp, box: [x0 - 10, y0 - 10, x1 - x0 + 20, y1 - y0 + 20], score };
}

/** A bystander standing still at the right (track 1, frames 5-30). */
function bystander(frame: number): PoseRow {
  const kp = new Float32Array(K * 3);
  COCO17_JOINTS.forEach((_, j) => kp.set([560 + (j % 2 ? -8 : 8) + (j % 3) * 3, 80 + j * 14, 0.85], j * 3));
  return row(frame, kp, 0.85);
}

function writePoses(path: string): void {
  const frames = Array.from({ length: FRAMES }, (_, f) => f).filter((f) => f < GAP[0] || f >= GAP[1]);
  writeCocoKeypoints(path, {
    video: { width: WIDTH, height: HEIGHT, fps: FPS, frameCount: FRAMES, name: 'walk' },
    tracks: [
      buildTrack(
        0,
        'coco17',
        frames.map((f) => row(f, planted(f))),
      ),
      buildTrack(
        1,
        'coco17',
        Array.from({ length: 26 }, (_, i) => bystander(i + 5)),
      ),
    ],
    provenance: { model: 'planted errors', params: {} },
  });
}

function run(args: string[]): string {
  const r = cli([...args, '--project', project], env);
  if (r.code !== 0) throw new Error(`kinema ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// The project file, read-only, and exported files

interface Stored {
  tracks: Map<number, Segment>;
  history: { action: string; undone: number }[];
  runs: { id: number; source: string; params: string }[];
}

function stored(runId = EDIT_RUN): Stored {
  const db = openDatabase(project, { readonly: true });
  try {
    const run = getEditRun(db, runId);
    const ids = (
      db
        .prepare('SELECT track_id FROM pose_tracks WHERE run_id = ? AND frame_count > 0 ORDER BY track_id')
        .all(runId) as { track_id: number }[]
    ).map((r) => r.track_id);
    const tracks = new Map(ids.map((t) => [t, readTrack(db, run, t)]));
    const history = db
      .prepare('SELECT action, undone FROM pose_edits WHERE run_id = ? ORDER BY id')
      .all(runId) as Stored['history'];
    const runs = db.prepare('SELECT id, source, params FROM pose_runs ORDER BY id').all() as Stored['runs'];
    return { tracks, history, runs };
  } finally {
    db.close();
  }
}

/** Keypoint j of `frame` in a stored track: [x, y, score, provenance byte], or null. */
function keypoint(
  seg: Segment | undefined,
  frame: number,
  j: number,
): [number, number, number, number] | null {
  if (!seg) return null;
  const i = seg.frames.indexOf(frame);
  if (i < 0) return null;
  const o = (i * K + j) * 3;
  return [seg.keypoints[o], seg.keypoints[o + 1], seg.keypoints[o + 2], seg.provenance[i * K + j]];
}

function isKeyframe(seg: Segment, frame: number): boolean {
  const i = seg.frames.indexOf(frame);
  return i >= 0 && (seg.flags[i] & KEYFRAME) !== 0;
}

interface CocoAnnotation {
  image_id: number;
  track_id: number;
  keypoints: number[];
}

/** Annotations of a COCO file by `${trackId}:${frame}`. */
function readCoco(path: string): Map<string, number[]> {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { annotations: CocoAnnotation[] };
  return new Map(json.annotations.map((a) => [`${a.track_id}:${a.image_id - 1}`, a.keypoints]));
}

let exports = 0;
/** The edit run written by the CLI's export-poses (the command a user runs on any run). */
function cliExport(): Map<string, number[]> {
  const out = join(tmp.dir, `cli-${++exports}.json`);
  run(['export-poses', String(EDIT_RUN), '--format', 'coco', '--out', out]);
  return readCoco(out);
}

const near = (a: number, b: number, tol = 0.01) => Math.abs(a - b) <= tol;

// ---------------------------------------------------------------------------------------------
// The page

const panel = () => page.getByTestId('editor-panel');

async function revision(): Promise<number> {
  return Number(await panel().getAttribute('data-revision'));
}

/** Does `action`, then waits until the editor reloaded what it stored (and nothing is in flight). */
async function edit(action: () => Promise<unknown>): Promise<void> {
  const before = await revision();
  await action();
  // Model-assisted edits run MoveNet in the request (its first session takes a moment to load).
  await expect.poll(revision, { timeout: 60_000 }).toBeGreaterThan(before);
  await expect.poll(() => panel().getAttribute('data-pending'), { timeout: 60_000 }).toBe('0');
}

async function frameShown(): Promise<number> {
  return Number(await page.getByTestId('player-canvas').getAttribute('data-frame'));
}

/** Seeks with the keyboard (Home, then Shift+→ for tens and → for ones), as an annotator does. */
async function seek(frame: number): Promise<void> {
  await page.keyboard.press('Home');
  for (let i = 0; i < Math.floor(frame / 10); i++) await page.keyboard.press('Shift+ArrowRight');
  for (let i = 0; i < frame % 10; i++) await page.keyboard.press('ArrowRight');
  await expect.poll(frameShown, { timeout: 15_000 }).toBe(frame);
}

/** Page coordinates of video pixel (x, y) on the player (the image rect is in canvas pixels). */
async function onScreen(x: number, y: number): Promise<{ x: number; y: number }> {
  const canvas = page.getByTestId('player-canvas');
  const box = (await canvas.boundingBox())!;
  const [rx, ry, rw, rh] = (await canvas.getAttribute('data-image-rect'))!.split(',').map(Number);
  const cw = await canvas.evaluate((c) => (c as HTMLCanvasElement).width);
  const scale = box.width / cw;
  return { x: box.x + (rx + (x / WIDTH) * rw) * scale, y: box.y + (ry + (y / HEIGHT) * rh) * scale };
}

async function exportFromUi(
  name: string,
  corrections: 'include' | 'exclude',
): Promise<Map<string, number[]>> {
  await page.getByTestId('edit-tab-export').click();
  await page.getByTestId('edit-export-format').selectOption('coco');
  await page.getByTestId(corrections === 'include' ? 'edit-export-include' : 'edit-export-exclude').check();
  const out = join(tmp.dir, name);
  await page.getByTestId('edit-export-path').fill(out);
  await page.getByTestId('edit-export-submit').click();
  await expect.poll(() => page.getByTestId('edit-export-written').innerText(), { timeout: 15_000 }).toBe(out);
  expect(existsSync(out)).toBe(true);
  // Give the keys back to the editor.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  return readCoco(out);
}

async function openEditor(runId: number): Promise<void> {
  await page.locator(`[data-testid="pose-run"][data-run-id="${runId}"]`).getByTestId('pose-run-edit').click();
  await panel().waitFor({ timeout: 15_000 });
  await expect.poll(revision, { timeout: 15_000 }).toBeGreaterThan(0);
  await expect.poll(() => panel().getAttribute('data-pending')).toBe('0');
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(shots, { recursive: true });
  // A real person walking with the planted skeleton (2 px a frame), so the model has someone to
  // find when a box is drawn around her.
  const video = join(tmp.dir, 'walk.mp4');
  person = makePersonVideo(video, {
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    seconds: FRAMES / FPS,
    size: 312,
    x: 44,
    y: 24,
    speed: 2 * FPS,
    gop: 10,
  });
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

describe('pose track correction editor', () => {
  it('enters edit mode on a corrected copy of the run; the original stays', async () => {
    await page.locator(`[data-testid="pose-run"][data-run-id="${SOURCE_RUN}"]`).waitFor({ timeout: 15_000 });
    await openEditor(SOURCE_RUN);
    await expect
      .poll(() => page.getByTestId('edit-badge').getAttribute('data-run-id'))
      .toBe(String(EDIT_RUN));
    expect(await page.getByTestId('edit-copy-badge').innerText()).toContain(
      `corrected copy of #${SOURCE_RUN}`,
    );
    // The copy is a run of its own, listed with a badge and shown on the player.
    const copy = page.locator(`[data-testid="pose-run"][data-run-id="${EDIT_RUN}"]`);
    await expect.poll(() => copy.getAttribute('data-selected')).toBe('true');
    expect(await copy.getByTestId('pose-run-edit-badge').innerText()).toMatch(/editing/i);
    const db = stored();
    expect(db.runs.map((r) => [r.id, r.source])).toEqual([
      [SOURCE_RUN, 'import'],
      [EDIT_RUN, 'edit'],
    ]);
    expect(JSON.parse(db.runs[1].params).fromRunId).toBe(SOURCE_RUN);
    expect(db.history).toEqual([]);
    // The lane shows the track's problems: the swap and the gap at least.
    const lane = page.getByTestId('timeline-edit-lane');
    await expect.poll(() => lane.getAttribute('data-gaps')).toBe('1');
    expect(Number(await lane.getAttribute('data-problems'))).toBeGreaterThanOrEqual(2);
    const kinds = await page
      .getByTestId('edit-problem')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-in')}`));
    expect(kinds).toContain(`swap:${SWAP[0]}`);
    expect(kinds).toContain(`gap:${GAP[0]}`);
  });

  it('drags a displaced keypoint into place; the DB and the exports have it', async () => {
    await seek(DISPLACED.frame);
    const t = truth(DISPLACED.frame);
    const [tx, ty] = [t[LEFT_WRIST * 3], t[LEFT_WRIST * 3 + 1]];
    const from = await onScreen(tx + DISPLACED.dx, ty + DISPLACED.dy);
    const to = await onScreen(tx, ty);
    await edit(async () => {
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 8 });
      await page.mouse.up();
    });
    expect(await panel().getAttribute('data-joint')).toBe(String(LEFT_WRIST));
    const joint = page.locator(`[data-testid="edit-joint"][data-joint="${LEFT_WRIST}"]`);
    expect(await joint.getAttribute('data-provenance')).toBe(String(PROVENANCE.human));

    const db = stored();
    const kp = keypoint(db.tracks.get(0), DISPLACED.frame, LEFT_WRIST)!;
    expect(Math.hypot(kp[0] - tx, kp[1] - ty)).toBeLessThan(1.5);
    expect(kp[2]).toBe(1);
    expect(kp[3]).toBe(PROVENANCE.human);
    expect(isKeyframe(db.tracks.get(0)!, DISPLACED.frame)).toBe(true);
    expect(db.history).toEqual([{ action: 'moveKeypoint', undone: 0 }]);
    // The source run is untouched.
    const sourceDb = openDatabase(project, { readonly: true });
    try {
      const original = loadRunPoseSet(sourceDb, SOURCE_RUN).tracks.find((x) => x.trackId === 0)!;
      const i = original.frames.indexOf(DISPLACED.frame);
      expect(original.keypoints[(i * K + LEFT_WRIST) * 3]).toBeCloseTo(tx + DISPLACED.dx, 3);
    } finally {
      sourceDb.close();
    }

    const withEdits = await exportFromUi('ui-include.json', 'include');
    const exported = withEdits.get(`0:${DISPLACED.frame}`)!;
    expect(
      near(exported[LEFT_WRIST * 3], kp[0], 1e-3) && near(exported[LEFT_WRIST * 3 + 1], kp[1], 1e-3),
    ).toBe(true);
    // Without the corrections the model's (displaced) value comes back.
    const modelOnly = (await exportFromUi('ui-exclude.json', 'exclude')).get(`0:${DISPLACED.frame}`)!;
    expect(modelOnly[LEFT_WRIST * 3]).toBeCloseTo(tx + DISPLACED.dx, 3);
    expect(modelOnly[LEFT_WRIST * 3 + 1]).toBeCloseTo(ty + DISPLACED.dy, 3);
    const viaCli = cliExport().get(`0:${DISPLACED.frame}`)!;
    expect(viaCli[LEFT_WRIST * 3]).toBeCloseTo(kp[0], 3);
  });

  it('undoes and redoes the move (Ctrl+Z, Ctrl+Shift+Z)', async () => {
    const t = truth(DISPLACED.frame);
    await edit(() => page.keyboard.press('Control+z'));
    let db = stored();
    let kp = keypoint(db.tracks.get(0), DISPLACED.frame, LEFT_WRIST)!;
    expect(kp[0]).toBeCloseTo(t[LEFT_WRIST * 3] + DISPLACED.dx, 3);
    expect(kp[1]).toBeCloseTo(t[LEFT_WRIST * 3 + 1] + DISPLACED.dy, 3);
    expect(kp[3]).toBe(PROVENANCE.model);
    expect(isKeyframe(db.tracks.get(0)!, DISPLACED.frame)).toBe(false);
    expect(db.history).toEqual([{ action: 'moveKeypoint', undone: 1 }]);
    expect(cliExport().get(`0:${DISPLACED.frame}`)![LEFT_WRIST * 3]).toBeCloseTo(
      t[LEFT_WRIST * 3] + DISPLACED.dx,
      3,
    );
    expect(await page.getByTestId('edit-redo').isEnabled()).toBe(true);

    await edit(() => page.keyboard.press('Control+Shift+z'));
    db = stored();
    kp = keypoint(db.tracks.get(0), DISPLACED.frame, LEFT_WRIST)!;
    expect(Math.hypot(kp[0] - t[LEFT_WRIST * 3], kp[1] - t[LEFT_WRIST * 3 + 1])).toBeLessThan(1.5);
    expect(kp[3]).toBe(PROVENANCE.human);
    expect(db.history).toEqual([{ action: 'moveKeypoint', undone: 0 }]);
    expect(cliExport().get(`0:${DISPLACED.frame}`)![LEFT_WRIST * 3]).toBeCloseTo(kp[0], 3);
  });

  it('swaps left and right over the range the next-problem key marks', async () => {
    await page.keyboard.press('n');
    await expect.poll(frameShown).toBe(SWAP[0]);
    expect(await page.getByTestId('edit-range').textContent()).toBe(`frames ${SWAP[0]}–${SWAP[1] - 1}`);
    await expect.poll(() => page.getByTestId('edit-status').innerText()).toMatch(/swap/);
    await edit(() => page.keyboard.press('s'));

    const db = stored();
    const seg = db.tracks.get(0)!;
    for (let f = SWAP[0]; f < SWAP[1]; f++) {
      const t = truth(f);
      for (const name of ['left_knee', 'right_knee', 'left_shoulder', 'right_ankle']) {
        const kp = keypoint(seg, f, J(name))!;
        expect(kp[0]).toBeCloseTo(t[J(name) * 3], 3);
        expect(kp[3]).toBe(PROVENANCE.human);
      }
    }
    // Frames outside the range are as they were.
    expect(keypoint(seg, SWAP[1], J('left_knee'))![3]).toBe(PROVENANCE.model);
    expect(db.history.map((h) => h.action)).toEqual(['moveKeypoint', 'swapLeftRight']);
    const coco = cliExport();
    const t35 = truth(35);
    expect(coco.get('0:35')![J('left_knee') * 3]).toBeCloseTo(t35[J('left_knee') * 3], 3);
    // The swap is no longer a problem.
    await expect
      .poll(() =>
        page.getByTestId('edit-problem').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
      )
      .not.toContain('swap');
  });

  it('fills the gap (next problem, G) and interpolates between keyframes (F, Shift+I)', async () => {
    await page.keyboard.press('n');
    await expect.poll(frameShown).toBe(GAP[0]);
    expect(await page.getByTestId('edit-range').textContent()).toBe(`frames ${GAP[0]}–${GAP[1] - 1}`);
    await edit(() => page.keyboard.press('g'));

    let db = stored();
    let seg = db.tracks.get(0)!;
    const a = truth(GAP[0] - 1);
    const b = truth(GAP[1]);
    for (let f = GAP[0]; f < GAP[1]; f++) {
      const u = (f - (GAP[0] - 1)) / (GAP[1] - (GAP[0] - 1));
      for (let j = 0; j < K; j++) {
        const kp = keypoint(seg, f, j)!;
        expect(kp).not.toBeNull();
        expect(kp[0]).toBeCloseTo(a[j * 3] + u * (b[j * 3] - a[j * 3]), 2);
        expect(kp[1]).toBeCloseTo(a[j * 3 + 1] + u * (b[j * 3 + 1] - a[j * 3 + 1]), 2);
        expect(kp[3]).toBe(PROVENANCE.interpolated);
      }
    }
    expect(db.history.at(-1)!.action).toBe('fillGap');
    let coco = cliExport();
    for (let f = GAP[0]; f < GAP[1]; f++) expect(coco.has(`0:${f}`)).toBe(true);
    await expect.poll(() => page.getByTestId('timeline-edit-lane').getAttribute('data-gaps')).toBe('0');

    // Keyframes at 60 and 66, then interpolate the frames between them from the playhead (no marks).
    await page.getByTestId('clear-marks-button').click();
    await seek(60);
    await edit(() => page.keyboard.press('f'));
    await seek(66);
    await edit(() => page.keyboard.press('f'));
    await expect.poll(() => page.getByTestId('timeline-edit-lane').getAttribute('data-keyframes')).toBe('3');
    await seek(63);
    await edit(() => page.keyboard.press('Shift+I'));
    db = stored();
    seg = db.tracks.get(0)!;
    expect(isKeyframe(seg, 60) && isKeyframe(seg, 66)).toBe(true);
    const k60 = truth(60);
    const k66 = truth(66);
    for (let f = 61; f < 66; f++) {
      const kp = keypoint(seg, f, J('left_ankle'))!;
      const u = (f - 60) / 6;
      const o = J('left_ankle') * 3;
      expect(kp[1]).toBeCloseTo(k60[o + 1] + u * (k66[o + 1] - k60[o + 1]), 2);
      expect(kp[3]).toBe(PROVENANCE.interpolated);
    }
    expect(db.history.map((h) => h.action).slice(-3)).toEqual(['setKeyframe', 'setKeyframe', 'interpolate']);
    coco = cliExport();
    expect(coco.get('0:63')![J('left_ankle') * 3 + 1]).toBeCloseTo(keypoint(seg, 63, J('left_ankle'))![1], 3);
  });

  it('splits the track at the playhead (Shift+X) and merges it back (M)', async () => {
    await seek(70);
    await edit(() => page.keyboard.press('Shift+X'));
    let db = stored();
    expect([...db.tracks.keys()]).toEqual([0, 1, 2]);
    expect(db.tracks.get(0)!.frames.at(-1)).toBe(69);
    expect(db.tracks.get(2)!.frames[0]).toBe(70);
    expect(db.tracks.get(2)!.frames.length).toBe(30);
    let coco = cliExport();
    expect(coco.has('2:70')).toBe(true);
    expect(coco.has('0:70')).toBe(false);
    expect(coco.has('0:69')).toBe(true);

    // Track 0 stays selected; merge track 2 into it.
    expect(await panel().getAttribute('data-track-id')).toBe('0');
    await page.getByTestId('edit-merge-select').selectOption('2');
    await edit(() => page.keyboard.press('m'));
    db = stored();
    expect([...db.tracks.keys()]).toEqual([0, 1]);
    expect(db.tracks.get(0)!.frames.length).toBe(FRAMES);
    expect(db.history.map((h) => h.action).slice(-2)).toEqual(['splitTrack', 'mergeTracks']);
    coco = cliExport();
    expect(coco.has('2:70')).toBe(false);
    expect(coco.get('0:80')![J('nose') * 3]).toBeCloseTo(truth(80)[J('nose') * 3], 3);
  });

  it('marks a joint occluded and invisible, reassigns and deletes a range, applies a smoothing filter; undo reverts each', async () => {
    const RIGHT_ANKLE = J('right_ankle');
    await seek(85);
    // Tab picks joints while nothing has the focus: the first, then back around to the last.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    await expect.poll(() => panel().getAttribute('data-joint')).toBe('0');
    await page.keyboard.press('Shift+Tab');
    await expect.poll(() => panel().getAttribute('data-joint')).toBe(String(K - 1));
    // Nudges (Alt+arrows, Shift for 10 px) in a burst are one edit.
    const ankle = truth(85).slice(RIGHT_ANKLE * 3, RIGHT_ANKLE * 3 + 2);
    const edits = stored().history.length;
    await edit(async () => {
      await page.keyboard.press('Alt+Shift+ArrowRight');
      await page.keyboard.press('Alt+Shift+ArrowRight');
      await page.keyboard.press('Alt+ArrowUp');
    });
    let kp = keypoint(stored().tracks.get(0), 85, RIGHT_ANKLE)!;
    expect(kp[0]).toBeCloseTo(ankle[0] + 20, 2);
    expect(kp[1]).toBeCloseTo(ankle[1] - 1, 2);
    expect(kp[3]).toBe(PROVENANCE.human);
    expect(stored().history.length).toBe(edits + 1);
    await edit(() => page.keyboard.press('Control+z'));
    expect(keypoint(stored().tracks.get(0), 85, RIGHT_ANKLE)![0]).toBeCloseTo(ankle[0], 3);

    // The same joint by its number.
    await page.keyboard.press('Escape');
    await page.keyboard.press('1');
    await page.keyboard.press('6');
    await expect.poll(() => panel().getAttribute('data-joint')).toBe(String(RIGHT_ANKLE));
    await edit(() => page.keyboard.press('v'));
    kp = keypoint(stored().tracks.get(0), 85, RIGHT_ANKLE)!;
    expect(kp[3]).toBe(OCCLUDED | PROVENANCE.human);
    expect(kp[2]).toBeCloseTo(0.9, 5);
    await expect
      .poll(() => page.getByTestId('edit-visibility-occluded').getAttribute('aria-pressed'))
      .toBe('true');
    await edit(() => page.getByTestId('edit-visibility-invisible').click());
    kp = keypoint(stored().tracks.get(0), 85, RIGHT_ANKLE)!;
    expect(kp[2]).toBe(0);
    expect(kp[3]).toBe(PROVENANCE.human);
    expect(cliExport().get('0:85')![RIGHT_ANKLE * 3 + 2]).toBe(0);
    await edit(() => page.keyboard.press('Control+z'));
    await edit(() => page.keyboard.press('Control+z'));
    kp = keypoint(stored().tracks.get(0), 85, RIGHT_ANKLE)!;
    expect(kp[3]).toBe(PROVENANCE.model);
    expect(kp[2]).toBeCloseTo(0.9, 5);

    // Frames 80-84 of track 0 to a new track (the reassign target defaults to a new id).
    await seek(80);
    await page.keyboard.press('i');
    await seek(84);
    await page.keyboard.press('o');
    await edit(() => page.keyboard.press('r'));
    let db = stored();
    expect([...db.tracks.get(2)!.frames]).toEqual([80, 81, 82, 83, 84]);
    expect(db.tracks.get(0)!.frames.includes(82)).toBe(false);
    const coco = cliExport();
    expect(coco.has('2:82') && !coco.has('0:82')).toBe(true);
    await edit(() => page.keyboard.press('Control+z'));
    expect([...stored().tracks.keys()]).toEqual([0, 1]);

    await edit(() => page.keyboard.press('Shift+Delete'));
    db = stored();
    expect(db.tracks.get(0)!.frames.length).toBe(FRAMES - 5);
    expect(cliExport().has('0:82')).toBe(false);
    await edit(() => page.keyboard.press('Control+z'));
    expect(stored().tracks.get(0)!.frames.length).toBe(FRAMES);

    // A Butterworth filter over the marks: preview (Shift+F), then apply (Enter).
    await page.getByTestId('edit-filter-select').selectOption('butterworth');
    await page.getByTestId('edit-filter-value').fill('2');
    await page.getByTestId('edit-filter-value').press('Enter');
    await page.keyboard.press('Shift+F');
    await expect
      .poll(() => page.getByTestId('edit-preview-apply').isVisible(), { timeout: 15_000 })
      .toBe(true);
    await edit(() => page.keyboard.press('Enter'));
    db = stored();
    const seg = db.tracks.get(0)!;
    const i = seg.frames.indexOf(82);
    const codes = [...seg.provenance.subarray(i * K, (i + 1) * K)];
    expect(codes).toContain(PROVENANCE.filtered);
    expect(db.history.at(-1)).toEqual({ action: 'filterRange', undone: 0 });
    const filtered = keypoint(seg, 82, J('left_wrist'))!;
    expect(cliExport().get('0:82')![J('left_wrist') * 3 + 1]).toBeCloseTo(filtered[1], 3);
    await edit(() => page.keyboard.press('Control+z'));
    expect(keypoint(stored().tracks.get(0), 82, J('left_wrist'))![3]).toBe(PROVENANCE.model);
    await page.getByTestId('clear-marks-button').click();
    await page.keyboard.press('Escape');
  });

  it('adds a missing person by box (B, Shift+drag; the model fills the keypoints), propagates it (A), undoes both', async () => {
    await seek(60);
    await page.keyboard.press('b');
    await expect.poll(() => page.getByTestId('edit-tool-box').getAttribute('aria-pressed')).toBe('true');
    const r = person.region(60 / FPS);
    const from = await onScreen(r.x + 30, r.y + 4);
    const to = await onScreen(r.x + r.size - 30, r.y + r.size - 4);
    // Shift: a new person, even though track 0 (selected) has a pose here.
    await edit(async () => {
      await page.keyboard.down('Shift');
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 6 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
    });
    let db = stored();
    expect([...db.tracks.keys()]).toEqual([0, 1, 2]);
    const added = db.tracks.get(2)!;
    expect([...added.frames]).toEqual([60]);
    expect([...added.provenance].every((p) => p === PROVENANCE['seeded-by-model'])).toBe(true);
    expect(isKeyframe(added, 60)).toBe(true);
    // The model found her: the nose inside the box, in the upper part of the picture.
    const nose = keypoint(added, 60, J('nose'))!;
    expect(nose[0]).toBeGreaterThan(r.x);
    expect(nose[0]).toBeLessThan(r.x + r.size);
    expect(nose[1]).toBeLessThan(r.y + r.size / 2);
    expect(db.history.at(-1)).toEqual({ action: 'addPerson', undone: 0 });
    expect(await panel().getAttribute('data-track-id')).toBe('2');
    expect(await page.getByTestId('edit-tool-box').getAttribute('aria-pressed')).toBe('false');

    // Propagate the new person forward from frame 60: the model follows her.
    await edit(() => page.keyboard.press('a'));
    db = stored();
    const followed = db.tracks.get(2)!;
    expect(followed.frames.length).toBeGreaterThan(10);
    expect(followed.frames[1]).toBe(61);
    expect(keypoint(followed, 61, J('nose'))![3]).toBe(PROVENANCE['seeded-by-model']);
    expect(db.history.at(-1)).toEqual({ action: 'setPoses', undone: 0 });
    expect(cliExport().has('2:61')).toBe(true);

    await edit(() => page.keyboard.press('Control+z'));
    await edit(() => page.keyboard.press('Control+z'));
    db = stored();
    expect([...db.tracks.keys()]).toEqual([0, 1]);
    expect(db.history.slice(-2)).toEqual([
      { action: 'addPerson', undone: 1 },
      { action: 'setPoses', undone: 1 },
    ]);
    expect(cliExport().has('2:60')).toBe(false);
    // Track 2 is gone: the editor is back on the first track.
    expect(await panel().getAttribute('data-track-id')).toBe('0');
  });

  it('zooms, previews a smoothing filter as a ghost skeleton, and looks right', async () => {
    // Marks around the filled gap; the playhead on an interpolated frame.
    await seek(40);
    await page.keyboard.press('i');
    await seek(57);
    await page.keyboard.press('o');
    await seek(52);
    // Select the left knee by its number and zoom around it.
    await page.keyboard.press('1');
    await page.keyboard.press('3');
    await expect.poll(() => panel().getAttribute('data-joint')).toBe(String(J('left_knee')));
    const rect = async () => {
      const canvas = page.getByTestId('player-canvas');
      const [x, y, w, h] = (await canvas.getAttribute('data-image-rect'))!.split(',').map(Number);
      const [cw, ch] = await canvas.evaluate((c) => [
        (c as HTMLCanvasElement).width,
        (c as HTMLCanvasElement).height,
      ]);
      return { x, y, w, h, cw, ch };
    };
    /** The whole image in the canvas, touching two sides: the frame fitted. */
    const fitted = async () => {
      const r = await rect();
      const inside = r.x > -1 && r.y > -1 && r.x + r.w < r.cw + 1 && r.y + r.h < r.ch + 1;
      return inside && (Math.abs(r.w - r.cw) < 2 || Math.abs(r.h - r.ch) < 2);
    };
    expect(await fitted()).toBe(true);
    const before = (await rect()).w;
    await page.keyboard.press('+');
    await expect.poll(async () => (await rect()).w).toBeGreaterThan(before * 1.4);
    expect(await fitted()).toBe(false);
    expect(await page.getByTestId('edit-zoom-fit').innerText()).toBe('150%');
    await page.keyboard.press('z');
    await expect.poll(fitted).toBe(true);
    expect(await page.getByTestId('edit-zoom-fit').innerText()).toBe('100%');

    // A low Butterworth cutoff flattens the 1 Hz arm and leg swing: a ghost visibly off the skeleton.
    await page.getByTestId('edit-filter-select').selectOption('butterworth');
    await page.getByTestId('edit-filter-value').fill('1');
    await page.getByTestId('edit-filter-value').press('Enter');
    await page.keyboard.press('Shift+F');
    await expect
      .poll(() => page.getByTestId('edit-preview-apply').isVisible(), { timeout: 15_000 })
      .toBe(true);
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-edit-ghost')).not.toBe('0');
    await page.getByTestId('edit-tab-history').click();
    // The export toasts would cover the player's badge.
    while ((await page.getByTestId('toast-dismiss').count()) > 0)
      await page.getByTestId('toast-dismiss').first().click();
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      document.querySelector('.ed-commands')?.scrollTo(0, 0);
    });
    await page.screenshot({ path: '/tmp/editor.png' });
    copyFileSync('/tmp/editor.png', join(shots, 'editor.png'));
    // Esc drops the preview; nothing was written.
    const count = stored().history.length;
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('player-canvas').getAttribute('data-edit-ghost')).toBe('0');
    expect(stored().history.length).toBe(count);
  });

  it('keeps the undo history across a reload, and undo still works', async () => {
    const before = stored().history;
    await page.reload();
    await page.getByTestId('topbar').waitFor();
    await page.getByTestId('video-item').first().click();
    await page.waitForSelector('[data-testid="player-canvas"][data-frame]', { timeout: 30_000 });
    // The source run's Edit opens the same corrected copy, with its history.
    await openEditor(SOURCE_RUN);
    expect(await page.getByTestId('edit-badge').getAttribute('data-run-id')).toBe(String(EDIT_RUN));
    await page.getByTestId('edit-tab-history').click();
    const list = page.getByTestId('edit-history-entry');
    await expect.poll(() => list.count()).toBe(before.length);
    const shown = await list.evaluateAll((els) =>
      els.map((e) => ({
        action: e.getAttribute('data-action'),
        undone: e.getAttribute('data-undone') === 'true',
      })),
    );
    expect(shown.reverse()).toEqual(before.map((h) => ({ action: h.action, undone: h.undone === 1 })));
    // Clicking an entry shows it (the newest first: the undone propagation).
    await list.first().click();
    expect(await page.getByTestId('edit-history-detail').innerText()).toContain(before.at(-1)!.action);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    // Undo after the reload reverts the merge; redo makes it again.
    await edit(() => page.getByTestId('edit-undo').click());
    expect([...stored().tracks.keys()]).toEqual([0, 1, 2]);
    await edit(() => page.keyboard.press('Control+Shift+z'));
    expect([...stored().tracks.keys()]).toEqual([0, 1]);

    // E leaves edit mode (nothing to save: every edit already is) and enters it again.
    const saved = stored().history;
    await page.keyboard.press('e');
    await expect.poll(() => panel().count()).toBe(0);
    expect(await page.getByTestId('edit-badge').count()).toBe(0);
    expect(stored().history).toEqual(saved);
    await page.keyboard.press('e');
    await panel().waitFor();
    expect(await page.getByTestId('edit-badge').getAttribute('data-run-id')).toBe(String(EDIT_RUN));
    expect(app.pageErrors).toEqual([]);
  });
});
