/**
 * 3D lifting of a real video: ../shared/data/video/demo.mp4 through the detect job (everyone
 * tracked), then the 'lift' job (shipped lifter-tcn27) on every track with at least 30 poses.
 * Prints, per track, each bone's mean length, its coefficient of variation over time and the share
 * of frames within ±10 % of its median; then renders the track that travels furthest with the
 * 'render-3d' job and saves its middle frame to bench/.work/lift-demo-frame.png to look at.
 *   npx electron-vite build && npx tsx bench/lift-demo.ts [model id]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadLift, prepareLift, prepareRender3d } from '../src/main/analysis/lift';
import { getJob } from '../src/main/db/jobs';
import { loadRunTracks } from '../src/main/db/poses';
import { listVideos } from '../src/main/db/videos';
import type { DetectResult } from '../src/main/jobs/kinds/detect';
import type { LiftJobResult } from '../src/main/jobs/kinds/lift';
import { boneLengthStats } from '../src/main/lifting/core';
import { ffmpegPaths } from '../src/main/media/ffmpeg';
import { Workstation } from '../src/main/workstation';
import { JOB_WORKER, WORK_DIR, requireBuild } from './common';

const video = resolve(process.cwd(), '..', 'shared', 'data', 'video', 'demo.mp4');
if (!existsSync(video)) {
  console.log('missing ../shared/data/video/demo.mp4 — nothing to measure.');
  process.exit(0);
}
requireBuild();
const model = process.argv[2] ?? 'movenet-lightning';
const dir = mkdtempSync(join(tmpdir(), 'kinema-lift-demo-'));
try {
  const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(dir, 'cache') });
  await ws.openProject(join(dir, 'demo.kinema'), true);
  await ws.importVideos([video]);
  await ws.whenIdle();
  const [v] = listVideos(ws.db);
  const { jobId } = ws.detectPoses({ videoId: v.id, model, people: 'multi' });
  await ws.whenIdle();
  const detect = getJob(ws.db, jobId);
  if (detect.state !== 'done') throw new Error(`detect ${detect.state}: ${detect.error}`);
  const runId = (detect.result as DetectResult).runId;
  const tracks = loadRunTracks(ws.db, runId).tracks.filter((t) => t.frames.length >= 30);
  console.log(
    `${v.fileName}: ${v.width}×${v.height}, ${v.frameCount} frames at ${v.fps.toFixed(2)} fps; ${model}; ${tracks.length} tracks with ≥ 30 poses`,
  );
  let furthest: { seriesId: number; travel: number; trackId: number } | null = null;
  for (const track of tracks) {
    const { params, title } = prepareLift(ws.db, { runId, trackId: track.trackId }, ws.cacheDir);
    const started = performance.now();
    const job = ws.enqueueJob('lift', title, params);
    await ws.whenIdle();
    const done = getJob(ws.db, job.id);
    if (done.state !== 'done') throw new Error(`lift ${done.state}: ${done.error}`);
    const r = done.result as LiftJobResult;
    const lift = loadLift(ws.db, r.seriesId);
    const bones = boneLengthStats(lift.joints);
    const xs = Array.from({ length: r.frameCount }, (_, t) => lift.root?.[t * 3] ?? NaN).filter(
      Number.isFinite,
    );
    const travel = xs.length ? Math.max(...xs) - Math.min(...xs) : 0;
    console.log(
      `\ntrack ${track.trackId}: frames ${r.firstFrame}–${r.firstFrame + r.frameCount - 1}, ${r.posedFrames} posed, lifted in ${((performance.now() - started) / 1000).toFixed(1)} s (job), root travels ${travel.toFixed(2)} m sideways`,
    );
    console.log('  bone                          mean m   CV     within ±10 %');
    for (const b of bones)
      console.log(
        `  ${b.bone.padEnd(29)} ${b.meanM.toFixed(3)}   ${b.cv.toFixed(3)}  ${(100 * b.within10).toFixed(0)} %`,
      );
    const cvs = bones.map((b) => b.cv).sort((a, b) => a - b);
    const within = bones.reduce((s, b) => s + b.within10, 0) / bones.length;
    console.log(
      `  median CV ${cvs[cvs.length >> 1].toFixed(3)}, max CV ${cvs[cvs.length - 1].toFixed(3)}, mean within ±10 % ${(100 * within).toFixed(0)} %`,
    );
    if (!furthest || travel > furthest.travel)
      furthest = { seriesId: r.seriesId, travel, trackId: track.trackId };
  }
  if (furthest) {
    const lift = loadLift(ws.db, furthest.seriesId);
    const { params, title } = prepareRender3d(ws.db, {
      seriesId: furthest.seriesId,
      height: 360,
      outPath: join(dir, 'render.mp4'),
    });
    ws.enqueueJob('render-3d', title, params);
    await ws.whenIdle();
    mkdirSync(WORK_DIR, { recursive: true });
    const middle = Math.floor((params.end - params.start) / 2);
    const png = join(WORK_DIR, 'lift-demo-frame.png');
    execFileSync(ffmpegPaths().ffmpegPath, [
      '-v',
      'error',
      '-y',
      '-i',
      params.outPath,
      '-vf',
      `select=eq(n\\,${middle})`,
      '-frames:v',
      '1',
      png,
    ]);
    console.log(
      `\nRendered track ${furthest.trackId} (series ${lift.series.id}) frames ${params.start}–${params.end}; frame ${params.start + middle} → ${png}`,
    );
  }
  await ws.closeProject();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
