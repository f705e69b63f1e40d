/**
 * Multi-person detection on a real clip with two people (../shared/data/video/demo.mp4, VP9):
 * imports it into a temporary project through the Workstation, runs the detect job with
 * `people: 'multi'` and reports the tracks. There is no ground truth, so identity switches are
 * estimated: a "suspected switch" is a track whose box centre moves by more than half the box's
 * width between consecutive frames (a track jumping to someone else); fragment joins
 * (joinFragments) count people who came back under a new id.
 * Runs MoveNet Lightning (CenterNet + crops) and MoveNet MultiPose, or the model given.
 *   npx electron-vite build && npx tsx bench/idswitch-demo.ts [model id]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getJob } from '../src/main/db/jobs';
import { loadRunTracks } from '../src/main/db/poses';
import { listVideos } from '../src/main/db/videos';
import type { DetectResult } from '../src/main/jobs/kinds/detect';
import { Workstation } from '../src/main/workstation';
import { joinFragments } from '../src/shared/tracking';
import { JOB_WORKER, requireBuild } from './common';

const video = resolve(process.cwd(), '..', 'shared', 'data', 'video', 'demo.mp4');
if (!existsSync(video)) {
  console.log('missing ../shared/data/video/demo.mp4');
  process.exit(0);
}
requireBuild();

const dir = mkdtempSync(join(tmpdir(), 'kinema-idswitch-'));
try {
  const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(dir, 'cache') });
  await ws.openProject(join(dir, 'demo.kinema'), true);
  await ws.importVideos([video]);
  await ws.whenIdle();
  const [v] = listVideos(ws.db);
  for (const model of process.argv[2] ? [process.argv[2]] : ['movenet-lightning', 'movenet-multipose']) {
    const t0 = performance.now();
    const { jobId } = ws.detectPoses({ videoId: v.id, model, people: 'multi' });
    await ws.whenIdle();
    const wallS = (performance.now() - t0) / 1000;
    const job = getJob(ws.db, jobId);
    if (job.state !== 'done') throw new Error(`detect ${job.state}: ${job.error}`);
    const r = job.result as DetectResult;
    const { tracks } = loadRunTracks(ws.db, r.runId);

    console.log(`\n${v.fileName}: ${v.width}x${v.height}, ${v.frameCount} frames, ${v.fps} fps — ${model}`);
    console.log(
      `multi-person detect: ${r.fps.toFixed(1)} frames/s in the job (${wallS.toFixed(1)} s wall), ` +
        `${r.inferences} pose-model runs (${(r.inferences / r.frames).toFixed(2)}/frame, ${r.modelMs.toFixed(1)} ms), ` +
        `${r.detectorRuns ?? 0} person-detector runs (${(r.detectorMs ?? 0).toFixed(1)} ms)`,
    );
    console.log(`tracks: ${tracks.length}`);
    let suspected = 0;
    for (const t of tracks) {
      const n = t.frames.length;
      let jumps = 0;
      let gaps = 0;
      for (let i = 1; i < n; i++) {
        if (t.frames[i] !== t.frames[i - 1] + 1) {
          gaps++;
          continue;
        }
        const b = t.boxes;
        const dx = b[i * 4] + b[i * 4 + 2] / 2 - (b[(i - 1) * 4] + b[(i - 1) * 4 + 2] / 2);
        const dy = b[i * 4 + 1] + b[i * 4 + 3] / 2 - (b[(i - 1) * 4 + 1] + b[(i - 1) * 4 + 3] / 2);
        if (Math.hypot(dx, dy) > 0.5 * b[(i - 1) * 4 + 2]) jumps++;
      }
      suspected += jumps;
      const span = n ? t.frames[n - 1] - t.frames[0] + 1 : 0;
      console.log(
        `  track ${t.trackId}: frames ${t.frames[0]}–${t.frames[n - 1]}, ${n} poses ` +
          `(${((n / v.frameCount) * 100).toFixed(0)} % of the video, ${((n / Math.max(span, 1)) * 100).toFixed(0)} % of its span, ${gaps} gaps), ` +
          `${jumps} suspected switches`,
      );
    }
    const joined = joinFragments(tracks);
    console.log(
      `fragment joins: ${joined.joined.length ? joined.joined.map((j) => `[${j.fragments.join(' + ')}]`).join(', ') : 'none'} → ${joined.tracks.length} people`,
    );
    console.log(`suspected switches (box centre jumps > half its width between frames): ${suspected}`);
  }
  await ws.closeProject();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
