/**
 * The crop inspector strip's request (`vpd.inspect`) on a real video: ../shared/data/video/demo.mp4
 * imported and its athlete detected (MoveNet Lightning) with the built CLI, then the strip's
 * request — the playhead frame and two neighbours either side, each with crop, prev, flow and mask
 * — timed at 20 frames spread over the track (the first call also loads OpenCV.js).
 *   npm run build && npx tsx bench/crop-inspector.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { handleRequest } from '../src/main/api/handlers';
import { getVideo } from '../src/main/db/videos';
import { Workstation } from '../src/main/workstation';
import type { RequestOutput } from '../src/shared/contract';
import { percentile, requireBuild, WORK_DIR } from './common';

const demo = resolve(process.cwd(), '..', 'shared', 'data', 'video', 'demo.mp4');
if (!existsSync(demo)) {
  console.log(`missing ${demo} — nothing to measure.`);
  process.exit(0);
}
requireBuild();
const dir = join(WORK_DIR, 'crop-inspector');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const project = join(dir, 'inspect.kinema');
const env = { ...process.env, KINEMA_CACHE_DIR: join(dir, 'cache') };
const cli = (args: string[]) =>
  execFileSync(process.execPath, [join('out', 'main', 'cli.js'), ...args, '--project', project], {
    env,
    encoding: 'utf8',
  });
cli(['init']);
cli(['import', demo]);
const detected = JSON.parse(cli(['detect', '1', '--json'])) as { runId: number };

const ws = new Workstation({ version: 'bench', workerPath: '/nonexistent', cacheDir: join(dir, 'cache') });
await ws.openProject(project);
const run = ws.poseRuns(1).find((r) => r.id === detected.runId)!;
const track = run.tracks.reduce((a, t) => (t.frameCount > a.frameCount ? t : a));
const video = getVideo(ws.db, 1);
console.log(
  `demo.mp4 (${video.width}×${video.height}, ${video.frameCount} frames): track ${track.trackId} with ${track.frameCount} poses (frames ${track.firstFrame}–${track.lastFrame})`,
);
const times: number[] = [];
let padded = 0;
let withImages = 0;
for (let i = 0; i < 21; i++) {
  const frame = Math.round(track.firstFrame + ((track.lastFrame - track.firstFrame) * i) / 20);
  const t = performance.now();
  const r = await handleRequest(ws, 'vpd.inspect', {
    runId: run.id,
    trackId: track.trackId,
    frame,
    neighbours: 2,
  });
  const ms = performance.now() - t;
  if (!r.ok) throw new Error(r.error.message);
  const value = r.value as RequestOutput<'vpd.inspect'>;
  withImages += value.frames.filter((f) => f.crop).length;
  padded += value.frames.filter((f) => f.padded).length;
  if (i === 0) console.log(`first request (loads OpenCV.js): ${ms.toFixed(0)} ms`);
  else times.push(ms);
}
console.log(
  `vpd.inspect, 5 frames (crop + prev + flow + mask each), 20 requests: median ${percentile(times, 50).toFixed(0)} ms, p90 ${percentile(times, 90).toFixed(0)} ms; ${withImages} of 105 frames with images, ${padded} padded at the frame edge.`,
);
await ws.closeProject();
