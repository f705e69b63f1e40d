/**
 * Alignment on real synchronised video: the four cameras of ../shared/data/video/
 * pose2sim-balancing-4cam (1080x1920, 60 fps, 100 frames of a man balancing on one leg, filmed at
 * the same instants, so the true offset is 0). Each video goes through the detect job (MoveNet
 * Lightning, one athlete); then every other camera is aligned to camera 1 with DTW on the
 * training-free features, and the middle 60 frames of each camera are searched for inside
 * camera 1 (subsequence DTW). Reported per pair and feature set: Kendall's tau of the DTW
 * correspondence against the truth (identity), median and p95 frame error, TCC's
 * nearest-neighbour tau of the features, and the subsequence start error.
 *   npx electron-vite build && npx tsx bench/align-4cam.ts
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getJob } from '../src/main/db/jobs';
import { loadRunTracks } from '../src/main/db/poses';
import { listVideos } from '../src/main/db/videos';
import type { DetectResult } from '../src/main/jobs/kinds/detect';
import { Workstation } from '../src/main/workstation';
import { alignTracks, frameError, kendallTauB, type Feature2dKind } from '../src/shared/alignment';
import type { PoseTrack } from '../src/shared/pose';
import { butterworthTrack } from '../src/shared/tracking/filters';
import { JOB_WORKER, requireBuild } from './common';

const dir = resolve(process.cwd(), '..', 'shared', 'data', 'video', 'pose2sim-balancing-4cam', 'videos');
if (!existsSync(dir)) {
  console.log('missing ../shared/data/video/pose2sim-balancing-4cam — nothing to measure.');
  process.exit(0);
}
requireBuild();
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.mp4'))
  .sort()
  .map((f) => join(dir, f));

const work = mkdtempSync(join(tmpdir(), 'kinema-4cam-'));
try {
  const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(work, 'cache') });
  await ws.openProject(join(work, '4cam.kinema'), true);
  for (const f of files) {
    await ws.importVideos([f]);
    await ws.whenIdle();
  }
  const tracks = new Map<string, PoseTrack>();
  for (const v of listVideos(ws.db)) {
    const { jobId } = ws.detectPoses({ videoId: v.id, model: 'movenet-lightning' });
    await ws.whenIdle();
    const job = getJob(ws.db, jobId);
    if (job.state !== 'done') throw new Error(`detect ${v.fileName}: ${job.state} ${job.error}`);
    const r = job.result as DetectResult;
    const [track] = loadRunTracks(ws.db, r.runId).tracks;
    tracks.set(v.fileName, track);
    console.log(
      `${v.fileName}: ${v.width}x${v.height}, ${v.frameCount} frames; ${r.posed} posed, ${r.fps.toFixed(0)} frames/s`,
    );
  }
  await ws.closeProject();

  const featureSets: Feature2dKind[][] = [['keypoints'], ['bones'], ['angles'], ['bones', 'angles']];
  // Variants: keypoints low-passed first (6 Hz Butterworth: on a near-still pose the detector's
  // jitter is most of the signal), and a Sakoe-Chiba band of 10 % (synchronised cameras).
  const variants = [
    { name: 'raw', smooth: false, band: undefined },
    { name: 'smoothed', smooth: true, band: undefined },
    { name: 'band 10 %', smooth: false, band: 0.1 },
    { name: 'smoothed + band 10 %', smooth: true, band: 0.1 },
  ];
  const names = [...tracks.keys()].sort();
  const means: string[] = [];
  for (const v of variants) {
    const prep = (t: PoseTrack) => (v.smooth ? butterworthTrack(t, { cutoff: 6, fps: 60 }) : t);
    const ref = prep(tracks.get(names[0]) as PoseTrack);
    console.log(`\n${v.name}: each camera aligned to ${names[0]} (true offset 0).`);
    console.log(
      '| Camera | Features | DTW tau vs truth | Median error (frames) | p95 | NN tau (TCC) | Subsequence start error (frames) |',
    );
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    const summary = new Map<string, { tau: number[]; median: number[] }>();
    for (const name of names.slice(1)) {
      const learner = prep(tracks.get(name) as PoseTrack);
      for (const features of featureSets) {
        const a = alignTracks({ track: learner }, { track: ref }, { features, band: v.band });
        // Truth: the same frame index on both cameras.
        const truth = Int32Array.from(a.learnerToReference, (_, i) => a.learnerStart + i);
        const err = frameError(a.learnerToReference, truth);
        const tau = kendallTauB(truth, a.learnerToReference);
        const mid = Math.round((learner.frames[0] + learner.frames[learner.frames.length - 1]) / 2);
        let subErr = NaN;
        try {
          // The middle 60 frames of camera 1 searched for inside this camera's whole video.
          const s = alignTracks(
            { track: learner },
            { track: ref, inFrame: mid - 30, outFrame: mid + 30 },
            { features, mode: 'subsequence' },
          );
          subErr = s.learnerStart - (mid - 30);
        } catch (e) {
          console.log(`  subsequence ${name}: ${(e as Error).message}`);
        }
        const key = features.join('+');
        const row = summary.get(key) ?? { tau: [], median: [] };
        row.tau.push(tau);
        row.median.push(err.median);
        summary.set(key, row);
        console.log(
          `| ${name} | ${key} | ${tau.toFixed(3)} | ${err.median.toFixed(1)} | ${err.p95.toFixed(1)} | ${Number.isFinite(a.featureTau) ? a.featureTau.toFixed(3) : '—'} | ${Number.isFinite(subErr) ? subErr : '—'} |`,
        );
      }
    }
    const avg = (x: number[]) => x.reduce((p, q) => p + q, 0) / x.length;
    for (const [key, r] of summary)
      means.push(`| ${v.name} | ${key} | ${avg(r.tau).toFixed(3)} | ${avg(r.median).toFixed(2)} |`);
  }
  console.log('\nMean over the three camera pairs:');
  console.log('| Variant | Features | DTW tau vs truth | Median error (frames at 60 fps) |');
  console.log('| --- | --- | ---: | ---: |');
  for (const m of means) console.log(m);
} finally {
  rmSync(work, { recursive: true, force: true });
}
