/**
 * Pose detection speed: frames per second from a video file to a stored track (the detect job,
 * run through the job queue and its worker thread as the app runs it), and the model alone on
 * the same machine in the same run (ORT on a ready 192x192 input, same thread count).
 * Every shipped detection model (MoveNet Lightning/Thunder, BlazePose, MultiPose; multi-person MoveNet).
 *   npx electron-vite build && npx tsx bench/detect.ts [threads] [model id]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { getModel } from '../src/main/inference/models';
import { samplePersonRgb } from '../src/main/inference/movenet';
import { Workstation } from '../src/main/workstation';
import { JOB_WORKER, personVideo720p, requireBuild, WORK_DIR } from './common';

requireBuild();
const threads = Number(process.argv[2] ?? 1);
process.env.KINEMA_ORT_THREADS = String(threads);
mkdirSync(WORK_DIR, { recursive: true });

// A 720p, 30 fps, 10 s clip (300 frames) of a real person walking right across a grey floor.
const video = personVideo720p();

/** Input of the model alone: the sample person at the model's size, in its dtype. */
async function modelInput(id: string, size: number): Promise<ort.Tensor> {
  const rgb = await samplePersonRgb(size);
  if (getModel(id).task === 'pose2d-blazepose')
    return new ort.Tensor(
      'float32',
      Float32Array.from(rgb, (v) => v / 255),
      [1, size, size, 3],
    );
  return new ort.Tensor('int32', rgb, [1, size, size, 3]);
}

/** The model alone: ORT runs on a ready input, same thread count, frames per second. */
async function modelAloneFps(id: string, n: number): Promise<number> {
  const model = getModel(id);
  const session = await ort.InferenceSession.create(model.path, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const input = await modelInput(id, model.inputSize);
  for (let i = 0; i < 10; i++) await session.run({ [model.inputName]: input });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await session.run({ [model.inputName]: input });
  const fps = (n / (performance.now() - t0)) * 1000;
  await session.release();
  return fps;
}

// End to end: import once, then detect through the queue with each model.
const N = 300;
const project = join(WORK_DIR, 'detect-bench.kinema');
for (const f of [project, `${project}-wal`, `${project}-shm`]) rmSync(f, { force: true });
const ws = new Workstation({ version: 'bench', workerPath: JOB_WORKER, cacheDir: join(WORK_DIR, 'cache') });
await ws.openProject(project, true);
await ws.importVideos([video]);
await ws.whenIdle();
const videoId = 1;

const runs: [string, 'single' | 'multi'][] = [
  ['movenet-lightning', 'single'],
  ['movenet-thunder', 'single'],
  ['blazepose-full', 'single'],
  ['movenet-multipose', 'multi'],
  ['movenet-lightning', 'multi'],
];
const only = process.argv[3];
console.log(`\n${threads} ORT thread(s), 1280x720 30 fps clip, ${N} frames (decoded at ≤ 640 px)`);
console.log(
  '| Model | People | Model alone (fps) | End to end in the job (fps) | Incl. job start (fps) | Ratio | Model ms / crop ms per inference | Inferences | Detector runs | Frames posed |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [id, people] of runs) {
  if (only && id !== only) continue;
  const modelFps = await modelAloneFps(id, id === 'movenet-lightning' ? N : 100);
  const t0 = performance.now();
  const { jobId } = ws.detectPoses({ videoId, model: id, ...(people === 'multi' ? { people } : {}) });
  await ws.whenIdle();
  const wallS = (performance.now() - t0) / 1000;
  const job = (await import('../src/main/db/jobs')).getJob(ws.db, jobId);
  if (job.state !== 'done') throw new Error(`detect ${id} ${job.state}: ${job.error}`);
  const r = job.result as {
    fps: number;
    modelMs: number;
    cropMs: number;
    inferences: number;
    posed: number;
    detectorRuns?: number;
  };
  console.log(
    `| ${id} | ${people} | ${modelFps.toFixed(1)} | ${r.fps.toFixed(1)} | ${(N / wallS).toFixed(1)} | ${(r.fps / modelFps).toFixed(2)}× | ${r.modelMs.toFixed(2)} / ${r.cropMs.toFixed(2)} | ${r.inferences} | ${r.detectorRuns ?? 0} | ${r.posed} |`,
  );
}
await ws.closeProject();
console.log(
  'Ratio = end to end / model alone. "Model alone" is one ORT run per frame on a ready input; the multi-person MoveNet row runs the model once per person plus CenterNet, so its ratio is below 1 by design.',
);
