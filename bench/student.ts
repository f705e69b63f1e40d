/**
 * The VPD student on real video: detect the athlete (MoveNet Lightning, every frame), compute the
 * teacher's per-frame embeddings of that track, cut 64-px grey crops + Farnebäck flow, train the
 * student, and compare student and teacher on held-out frames: mean cosine, Pearson's r of
 * pairwise distances, nearest-neighbour agreement — against the mean teacher embedding (a constant)
 * and the untrained student.
 *
 * Teacher: the shipped VIPE* (native-models/vipe.onnx); with TEACHER=fixture the TEST FIXTURE of
 * tests/helpers/student-teacher.ts (normalised keypoints × a fixed random projection), which says
 * whether the student learnt to see the 2D pose at all.
 *
 *   npx tsx bench/student.ts [--steps 3000] [--max-seconds 600] [--split frames|video]
 *     --split video: cam04 of pose2sim-balancing-4cam is held out whole (another view), the rest
 *     trains; frames (default): every 5th block of 60 frames of each video is held out.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getModel } from '../src/main/inference/models';
import { openPoser } from '../src/main/inference/video-posers';
import { fittedSize } from '../src/main/media/decode';
import { streamRgbFramesThreaded } from '../src/main/media/decode-thread';
import { probeVideo } from '../src/main/media/probe';
import {
  collectStudentFrames,
  DEFAULT_INPUT_SPEC,
  frameBytes,
  studentInput,
  type PoseTeacher,
  type StudentFrames,
  type TeacherSeries,
} from '../src/main/training/student/data';
import { TccEmbedder } from '../src/main/training/tcc/embed';
import { buildStudentDataset, DEFAULT_SPLIT } from '../src/main/training/student/dataset';
import { embeddingAgreement } from '../src/main/training/student/evaluate';
import { initStudentWeights, StudentModel, type StudentWeights } from '../src/main/training/student/model';
import {
  DEFAULT_STUDENT_TRAIN_OPTIONS,
  studentConfigFor,
  trainStudent,
} from '../src/main/training/student/train';
import { describeBackend } from '../src/main/training/tf-backend';
import { buildTrack, type PoseRow, type PoseTrack } from '../src/shared/pose';
import { projectionTeacher } from '../tests/helpers/student-teacher';
import { WORK_DIR } from './common';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '3000' },
    'max-seconds': { type: 'string', default: '600' },
    split: { type: 'string', default: 'frames' },
  },
});
const steps = Number(values.steps);
const maxSeconds = Number(values['max-seconds']);
const DATA = resolve(process.cwd(), '..', 'shared', 'data', 'video');
const VIDEOS = [
  'demo.mp4',
  'pose2sim-balancing-4cam/videos/cam01.mp4',
  'pose2sim-balancing-4cam/videos/cam02.mp4',
  'pose2sim-balancing-4cam/videos/cam03.mp4',
  'pose2sim-balancing-4cam/videos/cam04.mp4',
  'tfjs-pose-test/pose_1.mp4',
  'tfjs-pose-test/pose_squats.mp4',
];
mkdirSync(WORK_DIR, { recursive: true });

/** MoveNet Lightning on every frame (decoded at ≤ 640 px), keypoints in source pixels; cached. */
async function detectTrack(path: string, name: string, width: number, height: number): Promise<PoseTrack> {
  const cache = join(WORK_DIR, `student-track-${name.replace(/\W/g, '_')}.json`);
  if (existsSync(cache)) {
    const rows = JSON.parse(readFileSync(cache, 'utf8')) as PoseRow[];
    return buildTrack(0, 'coco17', rows);
  }
  const dec = fittedSize(width, height, 640);
  const poser = await openPoser(getModel('movenet-lightning'), {
    people: 'single',
    width: dec.width,
    height: dec.height,
    threads: 2,
    minPoseScore: 0.2,
  });
  const rows: PoseRow[] = [];
  let f = 0;
  const sx = width / dec.width;
  const sy = height / dec.height;
  for await (const rgb of streamRgbFramesThreaded({
    path,
    seekS: 0,
    frames: 100_000,
    width: dec.width,
    height: dec.height,
  })) {
    for (const p of await poser.estimate(f, rgb)) {
      const keypoints = Array.from(p.keypoints, (v, i) => (i % 3 === 0 ? v * sx : i % 3 === 1 ? v * sy : v));
      const box = [p.box[0] * sx, p.box[1] * sy, p.box[2] * sx, p.box[3] * sy];
      rows.push({ frame: f, keypoints, box, score: p.score });
    }
    f++;
  }
  await poser.release();
  writeFileSync(cache, JSON.stringify(rows));
  return buildTrack(0, 'coco17', rows);
}

// Teacher: the shipped VIPE* (native-models/vipe.onnx, bench/vipe.ts); TEACHER=fixture (or no
// VIPE* model) uses the test fixture of tests/helpers/student-teacher.ts instead.
const vipePath = resolve(process.cwd(), 'native-models', 'vipe.onnx');
const useVipe = process.env.TEACHER !== 'fixture' && existsSync(vipePath);
const vipe = useVipe ? await TccEmbedder.load(vipePath) : null;
const teacher: PoseTeacher = vipe
  ? {
      source: 'vipe',
      dim: vipe.info.embeddingDim,
      embedTrack: async (track) => {
        const e = await vipe.embedTrack(track);
        return { firstFrame: e.frames[0], dim: e.dim, values: e.values };
      },
    }
  : projectionTeacher(32);
console.log(
  vipe
    ? 'Teacher: VIPE* (native-models/vipe.onnx).'
    : 'Teacher: the TEST FIXTURE (tests/helpers/student-teacher.ts: hip-centred, torso-scaled COCO-17 keypoints × a fixed random projection to 32-d) — TEACHER=fixture or no native-models/vipe.onnx.',
);
const spec = DEFAULT_INPUT_SPEC;
const inputs: { name: string; frames: StudentFrames; teacher: TeacherSeries }[] = [];
const t0 = performance.now();
for (const rel of VIDEOS) {
  const path = join(DATA, rel);
  if (!existsSync(path)) {
    console.log(`MISSING: ${path} — skipped`);
    continue;
  }
  const probe = await probeVideo(path);
  const video = { width: probe.width, height: probe.height, fps: probe.fps };
  const track = await detectTrack(path, rel, probe.width, probe.height);
  if (track.frames.length < 10) {
    console.log(`${rel}: only ${track.frames.length} posed frames — skipped`);
    continue;
  }
  const frames = await collectStudentFrames({ path, video, track, spec });
  const t = await teacher.embedTrack(track);
  console.log(
    `${rel}: ${probe.width}×${probe.height} @ ${probe.fps.toFixed(0)} fps, ${track.frames.length} posed frames, ${frames.frames.length} crops`,
  );
  inputs.push({ name: rel, frames, teacher: t });
}
if (!inputs.length) {
  console.log(`No video of ${DATA} is there: nothing to measure.`);
  process.exit(0);
}
const heldVideo = inputs.findIndex((v) => v.name.endsWith('cam04.mp4'));
const split =
  values.split === 'video'
    ? { ...DEFAULT_SPLIT, validationVideos: heldVideo >= 0 ? [heldVideo] : [inputs.length - 1] }
    : DEFAULT_SPLIT;
const dataset = buildStudentDataset(inputs, split);
console.log(
  `data ready in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${dataset.train.length} training frames, ${dataset.validation.length} held out (${values.split === 'video' ? `video ${inputs[split.validationVideos![0]].name}` : 'every 5th block of 60 frames, 8-frame guard'})`,
);

const options = {
  ...DEFAULT_STUDENT_TRAIN_OPTIONS,
  steps,
  evalEverySteps: Math.max(50, Math.round(steps / 20)),
};
const controller = new AbortController();
const started = performance.now();
let lastLine = 0;
const result = await trainStudent(dataset, options, {
  progressEverySteps: 50,
  onProgress: (p) => {
    if ((performance.now() - started) / 1000 > maxSeconds) controller.abort();
    if (p.valCosine !== undefined || p.step - lastLine >= 500) {
      lastLine = p.step;
      console.log(
        `step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)}${p.valCosine !== undefined ? ` held-out cosine ${p.valCosine.toFixed(3)}` : ''} (${p.stepsPerSecond.toFixed(1)} steps/s)`,
      );
    }
  },
  signal: controller.signal,
}).catch((err: Error) => {
  if (err.name === 'AbortError')
    throw new Error(`Training passed --max-seconds ${maxSeconds}: lower --steps`);
  throw err;
});
console.log(
  `trained ${result.steps} steps in ${result.trainSeconds.toFixed(0)} s on ${describeBackend(result.backend)}`,
);

// Held-out evaluation.
const E = dataset.dim;
const held = dataset.validation;
const where = {
  video: Array.from(held, (r) => dataset.video[r]),
  frame: Array.from(held, (r) => dataset.frame[r]),
};
const teacherHeld = new Float32Array(held.length * E);
held.forEach((r, i) => teacherHeld.set(dataset.teacher.subarray(r * E, (r + 1) * E), i * E));
function embed(weights: StudentWeights): Float32Array {
  const per = frameBytes(dataset.spec);
  const images = new Float32Array(held.length * per);
  held.forEach((r, i) => studentInput(dataset.spec, dataset.data, r, images, i * per));
  const m = new StudentModel(weights);
  try {
    return m.embedImages(images);
  } finally {
    m.dispose();
  }
}
const mean = new Float32Array(E);
for (const r of dataset.train) for (let d = 0; d < E; d++) mean[d] += dataset.teacher[r * E + d];
const norm = Math.hypot(...mean);
const constant = new Float32Array(held.length * E);
for (let i = 0; i < held.length; i++) for (let d = 0; d < E; d++) constant[i * E + d] = mean[d] / norm;
const rows: [string, ReturnType<typeof embeddingAgreement>][] = [
  ['student (trained)', embeddingAgreement(embed(result.weights), teacherHeld, E, where)],
  [
    'student (untrained, same init)',
    embeddingAgreement(
      embed(initStudentWeights(studentConfigFor(dataset, options), 1)),
      teacherHeld,
      E,
      where,
    ),
  ],
  ['mean teacher embedding (constant)', embeddingAgreement(constant, teacherHeld, E, where)],
];
console.log(
  `\nHeld-out frames: ${held.length} (nearest neighbours exclude the same video within ±15 frames; k = 5)`,
);
console.log(
  '| predictor | mean cosine to teacher | Pearson r of pairwise distances | NN agreement (top-1 in teacher top-5) |',
);
console.log('|---|---|---|---|');
for (const [name, a] of rows)
  console.log(
    Number.isFinite(a.distanceCorrelation)
      ? `| ${name} | ${a.meanCosine.toFixed(3)} | ${a.distanceCorrelation.toFixed(3)} | ${(100 * a.nnAgreement).toFixed(1)} % (chance ${(100 * a.chance).toFixed(1)} %) |`
      : `| ${name} | ${a.meanCosine.toFixed(3)} | undefined (all distances 0) | no ranking (chance ${(100 * a.chance).toFixed(1)} %) |`,
  );
