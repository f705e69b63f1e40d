/**
 * The knee angle of a real walker: ../shared/data/video/demo.mp4 (side view, a woman walking
 * left in the foreground, an athlete in the background) through the detect job with everyone
 * tracked, the walker's track picked (the one that travels furthest), then Kinema's kinematics
 * (Butterworth 6 Hz on the keypoints). Prints the knee flexion's gait cycles (peaks and their
 * spacing), the gait events and cadence, and renders the knee curves to
 * bench/.work/demo-knee.png (SVG drawn by headless Chromium) for a person to look at.
 *   npx electron-vite build && npx tsx bench/kinematics-demo.ts [model id]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getJob } from '../src/main/db/jobs';
import { loadRunTracks } from '../src/main/db/poses';
import { listVideos } from '../src/main/db/videos';
import type { DetectResult } from '../src/main/jobs/kinds/detect';
import { Workstation } from '../src/main/workstation';
import { findPeaks, trackKinematics } from '../src/shared/kinematics';
import { launchChromium } from '../tests/helpers/browser';
import { JOB_WORKER, WORK_DIR, requireBuild } from './common';

const video = resolve(process.cwd(), '..', 'shared', 'data', 'video', 'demo.mp4');
if (!existsSync(video)) {
  console.log('missing ../shared/data/video/demo.mp4 — nothing to measure.');
  process.exit(0);
}
requireBuild();
const model = process.argv[2] ?? 'movenet-lightning';

const dir = mkdtempSync(join(tmpdir(), 'kinema-kin-demo-'));
try {
  const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(dir, 'cache') });
  await ws.openProject(join(dir, 'demo.kinema'), true);
  await ws.importVideos([video]);
  await ws.whenIdle();
  const [v] = listVideos(ws.db);
  const { jobId } = ws.detectPoses({ videoId: v.id, model, people: 'multi' });
  await ws.whenIdle();
  const job = getJob(ws.db, jobId);
  if (job.state !== 'done') throw new Error(`detect ${job.state}: ${job.error}`);
  const { tracks } = loadRunTracks(ws.db, (job.result as DetectResult).runId);
  await ws.closeProject();

  // The walker: the track whose box centre travels furthest across the frame.
  const travel = (t: (typeof tracks)[number]) => {
    const n = t.frames.length;
    if (n < 2) return 0;
    const cx = (i: number) => t.boxes[i * 4] + t.boxes[i * 4 + 2] / 2;
    return Math.abs(cx(n - 1) - cx(0));
  };
  const walker = tracks.reduce((a, b) => (travel(b) > travel(a) ? b : a));
  console.log(
    `${v.fileName}: ${v.frameCount} frames at ${v.fps} fps; ${model}, ${tracks.length} tracks; walker = track ${walker.trackId} ` +
      `(frames ${walker.frames[0]}–${walker.frames[walker.frames.length - 1]}, ${walker.frames.length} poses, travels ${travel(walker).toFixed(0)} px)`,
  );
  const report = trackKinematics(walker, { fps: v.fps });
  const knees = ['left_knee_flexion', 'right_knee_flexion'].map((name) =>
    report.angles.find((a) => a.name === name)!,
  );
  for (const k of knees) {
    // Swing peaks: the big knee bend of each stride (smaller bumps are stance flexion or detector noise).
    const peaks = findPeaks(k.filtered, 1, Math.round(v.fps * 0.5), 30);
    const frames = peaks.map((p) => Math.round(p + report.firstFrame));
    const gaps = frames.slice(1).map((f, i) => f - frames[i]);
    console.log(
      `${k.name}: ${k.validFrames}/${report.frameCount} frames with a value; range ${k.summary.min.toFixed(1)}° to ${k.summary.max.toFixed(1)}°; ` +
        `swing peaks at frames ${frames.join(', ') || '—'}${gaps.length ? ` (every ${gaps.join(', ')} frames = ${(gaps.reduce((a, b) => a + b, 0) / gaps.length / v.fps).toFixed(2)} s per stride)` : ''}`,
    );
  }
  const g = report.gait;
  if (g)
    console.log(
      `gait (${g.mode}, ${g.method}): ${g.events.length} events ` +
        `(${g.events.map((e) => `${e.side[0].toUpperCase()} ${e.kind === 'foot_strike' ? 'FS' : 'TO'} ${e.frame.toFixed(0)}`).join(', ')}); ` +
        `cadence ${g.metrics.cadence.toFixed(1)} steps/min, stride ${g.metrics.strideTime.mean.toFixed(2)} s${g.warnings.length ? `; ${g.warnings.join('; ')}` : ''}`,
    );
  else console.log(`gait: ${report.gaitError}`);

  // The plot: knee flexion, raw (thin) and filtered, against the video frame.
  const W = 900;
  const H = 360;
  const pad = { l: 50, r: 20, t: 30, b: 40 };
  const x = (f: number) =>
    pad.l + ((f - report.firstFrame) / Math.max(1, report.frameCount - 1)) * (W - pad.l - pad.r);
  const lo = -10;
  const hi = 90;
  const y = (deg: number) => pad.t + ((hi - deg) / (hi - lo)) * (H - pad.t - pad.b);
  const path = (values: Float64Array) => {
    let d = '';
    let pen = false;
    values.forEach((val, i) => {
      if (!Number.isFinite(val)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(report.firstFrame + i).toFixed(1)},${y(val).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const colours = ['#e4572e', '#17bebb'];
  const grid = [0, 20, 40, 60, 80]
    .map(
      (d) =>
        `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/><text x="${pad.l - 8}" y="${y(d) + 4}" text-anchor="end" font-size="12">${d}°</text>`,
    )
    .join('');
  const events = (g?.events ?? [])
    .map(
      (e) =>
        `<line x1="${x(e.frame)}" x2="${x(e.frame)}" y1="${pad.t}" y2="${H - pad.b}" stroke="${e.side === 'left' ? colours[0] : colours[1]}" stroke-dasharray="${e.kind === 'foot_strike' ? '4 3' : '1 3'}"/>`,
    )
    .join('');
  const lines = knees
    .map(
      (k, i) =>
        `<path d="${path(k.raw)}" fill="none" stroke="${colours[i]}" stroke-opacity="0.35" stroke-width="1"/><path d="${path(k.filtered)}" fill="none" stroke="${colours[i]}" stroke-width="2.5"/>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${grid}${events}${lines}
<text x="${pad.l}" y="18" font-size="14">demo.mp4, track ${walker.trackId}: knee flexion (°), left ${colours[0]} / right ${colours[1]}; thin = raw, dashed = foot strike, dotted = toe-off</text>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">video frame (${report.firstFrame}–${report.firstFrame + report.frameCount - 1}, ${v.fps} fps)</text></svg>`;
  mkdirSync(WORK_DIR, { recursive: true });
  const svgPath = join(WORK_DIR, 'demo-knee.svg');
  writeFileSync(svgPath, svg);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: W, height: H } });
  await page.goto(`file://${svgPath}`);
  await page.screenshot({ path: join(WORK_DIR, 'demo-knee.png') });
  await browser.close();
  console.log(`plot: ${join(WORK_DIR, 'demo-knee.png')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
