/**
 * Pose detection speed: frames per second from a video file to a stored track (the detect job,
 * run through the job queue and its worker thread as the app runs it), and the model alone on
 * the same machine in the same run (ORT on a ready 192x192 input, same thread count).
 *   npx electron-vite build && npx tsx bench/detect.ts [threads]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { getModel } from '../src/main/inference/models';
import { samplePersonRgb } from '../src/main/inference/movenet';
import { ffmpegPaths } from '../src/main/media/ffmpeg';
import { Workstation } from '../src/main/workstation';
import { JOB_WORKER, requireBuild, WORK_DIR } from './common';

requireBuild();
const threads = Number(process.argv[2] ?? 1);
process.env.KINEMA_ORT_THREADS = String(threads);
mkdirSync(WORK_DIR, { recursive: true });

// A 720p, 30 fps, 10 s clip (300 frames) of a real person walking right across a grey floor.
const video = join(WORK_DIR, 'person-720p-300.mp4');
if (!existsSync(video)) {
  const samples = join(process.cwd(), 'node_modules', '@vladmandic', 'human', 'assets', 'samples.jpg');
  execFileSync(ffmpegPaths().ffmpegPath, [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'color=c=0x808080:size=1280x720:rate=30',
    '-loop',
    '1',
    '-framerate',
    '30',
    '-i',
    samples,
    '-filter_complex',
    "[1:v]crop=156:156:4:0,scale=600:600[p];[0:v][p]overlay=x='200+50*t':y=60:shortest=1",
    '-t',
    '10',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    video,
  ]);
}

// The model alone.
const model = getModel('movenet-lightning');
const session = await ort.InferenceSession.create(model.path, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const input = new ort.Tensor('int32', await samplePersonRgb(), [1, 192, 192, 3]);
for (let i = 0; i < 10; i++) await session.run({ [model.inputName]: input });
const N = 300;
let t0 = performance.now();
for (let i = 0; i < N; i++) await session.run({ [model.inputName]: input });
const modelFps = (N / (performance.now() - t0)) * 1000;
await session.release();

// End to end: import, then detect through the queue.
const project = join(WORK_DIR, 'detect-bench.kinema');
for (const f of [project, `${project}-wal`, `${project}-shm`]) rmSync(f, { force: true });
const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(WORK_DIR, 'cache') });
await ws.openProject(project, true);
await ws.importVideos([video]);
await ws.whenIdle();
const videoId = 1;
t0 = performance.now();
const { jobId } = ws.detectPoses({ videoId, model: 'movenet-lightning' });
await ws.whenIdle();
const wallS = (performance.now() - t0) / 1000;
const job = (await import('../src/main/db/jobs')).getJob(ws.db, jobId);
if (job.state !== 'done') throw new Error(`detect ${job.state}: ${job.error}`);
const r = job.result as { fps: number; modelMs: number; cropMs: number; inferences: number; posed: number };
await ws.closeProject();

console.log(`\nMoveNet Lightning, ${threads} ORT thread(s), 1280x720 30 fps clip, ${N} frames`);
console.log(
  `model alone (ORT run on a 192x192 input):  ${modelFps.toFixed(1)} fps (${(1000 / modelFps).toFixed(2)} ms)`,
);
console.log(
  `end to end (decode → crop → model → stored): ${r.fps.toFixed(1)} fps in the job; ${(N / wallS).toFixed(1)} fps including job start (${wallS.toFixed(2)} s)`,
);
console.log(
  `  = ${(r.fps / modelFps).toFixed(2)}× the model alone; in the job: model ${r.modelMs.toFixed(2)} ms, crop ${r.cropMs.toFixed(2)} ms per inference, ${r.inferences} inferences, ${r.posed} frames with a pose`,
);
