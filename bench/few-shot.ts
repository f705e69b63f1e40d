/**
 * Few-shot action recognition on CMU mocap (issue 8 goal: VIPE* ≥ 10 points above raw-keypoint
 * DTW at 5 shots). Subject-disjoint: the classes come from subjects 05 (dance, gymnastics), 06
 * (sports/martial arts), 07 (walk), 09 (run/jog) and 13 (jump), and a VIPE* model is trained for
 * this bench on every OTHER subject (the shipped one saw 05, 06 and 09), so no evaluated subject
 * was seen in training. The classes' takes are cut into 1 s windows (30 fps; classes with too few windows are left out, see SHOTS); each window is seen
 * by its own random virtual camera (azimuth all round, 0-30° up, 3.5-8 m) with detector-like 2D
 * noise. Per draw, K windows per class are the labelled shots and every other window is a query,
 * classified by its nearest shot under DTW (normalised path cost, euclidean) over per-frame
 * features: raw normalised 2D keypoints, or VIPE* embeddings of the same tracks. Reported: mean
 * per-class accuracy (balanced) over DRAWS random draws, with its spread — by 1-NN DTW and by the
 * app's light classifier (softmax regression over pooled features) on the same draws. SHOTS
 * (default 1,5,10) sets the shots per class; a class needs that many + 2 windows to take part.
 *
 * Third feature, the VPD student (STUDENT=0 leaves it out). Mocap has no video, so the windows are
 * RENDERED (src/main/training/student/render-mocap.ts: a capsule mannequin in front of a textured
 * backdrop, from the window's own camera) and cut into 64-px grey crops + Farnebäck flow exactly as
 * video would be. The student is distilled from this bench's VIPE* on renders of the TRAINING
 * subjects' takes (1 s windows, random cameras as in the protocol, STUDENT_VIEWS passes: 5 by
 * default, the best of 1/3/5 in RESULTS; teacher = VIPE* on that window's noisy 2D track), then embeds the renders of the evaluation windows, which
 * go through the same DTW 1-NN draws. Its agreement with VIPE* on those windows (held-out subjects,
 * unseen views) is reported too. Training stops at STUDENT_STEPS or STUDENT_SECONDS, whichever
 * comes first; RESUME=1 reuses the bench's VIPE* and student checkpoints.
 *   npx tsx bench/few-shot.ts       (STEPS=3000 DRAWS=20 STUDENT_STEPS=6000 STUDENT_SECONDS=600 STUDENT_VIEWS=5)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { classifyLinear, confusionMatrix, type ActionItem } from '../src/shared/actions';
import { dtw, poseFeatures2d } from '../src/shared/alignment';
import type { PinholeCamera } from '../src/shared/lifting/cameras';
import { deriveSeed, Rng } from '../src/shared/lifting/rng';
import type { PoseTrack } from '../src/shared/pose';
import { TccEmbedder } from '../src/main/training/tcc/embed';
import { DEFAULT_VIPE_OPTIONS, trainVipe } from '../src/main/training/vipe/train';
import { loadStudentCheckpoint } from '../src/main/training/student/checkpoint';
import {
  DEFAULT_INPUT_SPEC,
  FLOW_SCALE_PX,
  studentInputs,
  type StudentFrames,
  type TeacherSeries,
} from '../src/main/training/student/data';
import { buildStudentDataset, DEFAULT_SPLIT } from '../src/main/training/student/dataset';
import { embeddingAgreement } from '../src/main/training/student/evaluate';
import { initStudentWeights, StudentModel, type StudentWeights } from '../src/main/training/student/model';
import { renderWindowFrames } from '../src/main/training/student/render-mocap';
import {
  DEFAULT_STUDENT_TRAIN_OPTIONS,
  studentConfigFor,
  trainStudent,
} from '../src/main/training/student/train';
import { describeBackend } from '../src/main/training/tf-backend';
import { FlowEstimator, flowToColor } from '../src/main/vpd/flow';
import { encodePng } from '../src/main/vpd/png';
import { csvCells, K, loadCocoTake, randomViewWindows } from './mocap-takes';

const root = resolve(process.cwd(), '..', 'shared', 'data', 'mocap');
if (!existsSync(join(root, 'clips.csv'))) {
  console.log('missing ../shared/data/mocap — nothing to measure.');
  process.exit(0);
}
const FPS = 30;
const WINDOW = FPS; // 1 s: a stride, a jump's take-off or landing, a dance step
// Shots per class to report, and the windows a class needs to take part: the most shots and at
// least two queries. SHOTS=1,5 brings in run/jog (11 windows) and gymnastics (7).
const SHOTS = (process.env.SHOTS ?? '1,5,10').split(',').map(Number);
if (!SHOTS.length || SHOTS.some((k) => !Number.isInteger(k) || k < 1)) {
  console.log(`SHOTS must list whole numbers ≥ 1, got "${process.env.SHOTS}"`);
  process.exit(1);
}
const MIN_WINDOWS = Math.max(...SHOTS) + 2;
const DRAWS = Number(process.env.DRAWS ?? 20);
const STEPS = Number(process.env.STEPS ?? 3000);
const WITH_STUDENT = process.env.STUDENT !== '0';
const STUDENT_STEPS = Number(process.env.STUDENT_STEPS ?? 6000);
const STUDENT_SECONDS = Number(process.env.STUDENT_SECONDS ?? 600);
const STUDENT_VIEWS = Number(process.env.STUDENT_VIEWS ?? 5);
const EVAL: Record<string, string[]> = {
  '05': ['dance', 'gymnastics/acrobatics'],
  '06': ['sports/martial-arts'],
  '07': ['walk'],
  '09': ['run/jog'],
  '13': ['jump'],
};
interface Row {
  folder: string;
  file: string;
  subject: string;
  category: string;
}
const rows: Row[] = [];
const seen = new Set<string>();
for (const line of readFileSync(join(root, 'clips.csv'), 'utf8').trim().split('\n').slice(1)) {
  const [folder, file, cmuTake, , category] = csvCells(line);
  const subject = /^(\d+)_\d+$/.exec(cmuTake)?.[1];
  if (!subject || seen.has(cmuTake)) continue; // the same CMU take in both folders: once
  seen.add(cmuTake);
  rows.push({ folder, file, subject, category });
}
const evalRows = rows.filter((r) => EVAL[r.subject]?.includes(r.category));
const trainRows = rows.filter((r) => !(r.subject in EVAL));
const t0 = performance.now();

// ---- a VIPE* that never saw an evaluated subject ----
const trainTakes = trainRows.map((r) => ({
  name: r.file,
  ...loadCocoTake(join(root, r.folder, r.file), FPS, 20 * FPS),
}));
mkdirSync(resolve('bench', '.work'), { recursive: true });
const modelPath = resolve('bench', '.work', 'vipe-fewshot.onnx');
const ckpt = resolve('bench', '.work', 'vipe-fewshot-checkpoint');
if (process.env.RESUME !== '1') rmSync(ckpt, { recursive: true, force: true });
const trained = await trainVipe(
  trainTakes,
  { ...DEFAULT_VIPE_OPTIONS, steps: STEPS },
  {
    exportPath: modelPath,
    checkpointDir: ckpt,
    progressEverySteps: 500,
    onProgress: (p) =>
      process.stderr.write(`  VIPE* step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}\n`),
  },
);
console.log(
  `VIPE* for this bench: subjects ${[...new Set(trainRows.map((r) => r.subject))].sort().join(' ')} (${trainTakes.length} takes, ${trainTakes.reduce((s, t) => s + t.frames, 0)} frames), ${trained.steps} steps in ${trained.trainSeconds.toFixed(0)} s.`,
);

// ---- windows of the evaluated subjects, each seen by its own random camera ----
const embedder = await TccEmbedder.load(modelPath);
interface Window {
  label: string;
  take: string;
  raw: Float32Array;
  vipe: Float32Array;
  /** What the student's renders need: the window's 2D track, camera and world poses. */
  view: { track: PoseTrack; camera: PinholeCamera; pos: Float32Array; previousPose?: Float32Array };
  student?: Float32Array;
}
type Feature = 'raw' | 'vipe' | 'student';
/** The pose of the take's frame before `start` (for the first crop's flow), if there is one. */
const poseBefore = (pos: Float32Array, start: number) =>
  start > 0 ? pos.slice((start - 1) * K * 3, start * K * 3) : undefined;
const windows: Window[] = [];
const rng = new Rng(7);
for (const r of evalRows) {
  const { frames, pos } = loadCocoTake(join(root, r.folder, r.file), FPS, 60 * FPS);
  for (const { track, camera, pos: wpos, start } of randomViewWindows(pos, frames, WINDOW, rng)) {
    let raw: Float32Array;
    try {
      raw = poseFeatures2d(track, { kinds: ['keypoints'] }).values;
    } catch {
      continue; // the noise took every hip or shoulder: no features
    }
    const vipe = (await embedder.embedTrack(track)).values;
    windows.push({
      label: r.category,
      take: r.file,
      raw,
      vipe,
      view: { track, camera, pos: wpos, previousPose: poseBefore(pos, start) },
    });
  }
}
// Classes with too few windows for the most shots and two queries are left out (and said so).
const counts = new Map<string, number>();
for (const w of windows) counts.set(w.label, (counts.get(w.label) ?? 0) + 1);
const dropped = [...counts].filter(([, n]) => n < MIN_WINDOWS);
if (dropped.length)
  console.log(
    `Left out (fewer than ${MIN_WINDOWS} windows): ${dropped.map(([l, n]) => `${l} (${n})`).join(', ')}.`,
  );
for (let i = windows.length - 1; i >= 0; i--)
  if ((counts.get(windows[i].label) ?? 0) < MIN_WINDOWS) windows.splice(i, 1);
const labels = [...new Set(windows.map((w) => w.label))].sort();
console.log(
  `Windows (1 s): ${labels.map((l) => `${l} ${windows.filter((w) => w.label === l).length}`).join(', ')}; ${DRAWS} draws.`,
);
const features: Feature[] = ['raw', 'vipe'];
if (WITH_STUDENT) {
  await addStudent();
  features.push('student');
}
await embedder.release();

/** Per-frame teacher vectors of a track (VIPE* of this bench). */
async function teacherOf(track: PoseTrack): Promise<TeacherSeries> {
  const e = await embedder.embedTrack(track);
  return { firstFrame: e.frames[0], dim: e.dim, values: e.values };
}

/** Student rows of a window's frames: one per window frame, NaN where there was no crop. */
function studentRows(model: StudentModel, f: StudentFrames, dim: number): Float32Array {
  const rows = new Float32Array(WINDOW * dim).fill(NaN);
  const y = model.embedImages(studentInputs(f));
  for (let i = 0; i < f.frames.length; i++)
    if (!f.bridged[i]) rows.set(y.subarray(i * dim, (i + 1) * dim), f.frames[i] * dim);
  return rows;
}

/** Renders, distils and applies the VPD student (see the module comment); fills windows[].student. */
async function addStudent(): Promise<void> {
  const spec = DEFAULT_INPUT_SPEC;
  const flow = await FlowEstimator.open();
  const tRender = performance.now();
  // Training data: renders of the training subjects' takes, their own cameras (another stream).
  const studentRng = new Rng(11);
  const videos: { name: string; frames: StudentFrames; teacher: TeacherSeries }[] = [];
  for (let pass = 0; pass < STUDENT_VIEWS; pass++)
    for (const take of trainTakes)
      for (const w of randomViewWindows(take.pos, take.frames, WINDOW, studentRng)) {
        const n = videos.length;
        const frames = await renderWindowFrames(
          {
            poses: w.pos,
            camera: w.camera,
            track: w.track,
            fps: FPS,
            previousPose: poseBefore(take.pos, w.start),
          },
          { spec, seed: deriveSeed(11, n), flow },
        );
        videos.push({ name: `${take.name}@${w.start}#${pass}`, frames, teacher: await teacherOf(w.track) });
      }
  const trainRenderS = (performance.now() - tRender) / 1000;
  const tEval = performance.now();
  const evalFrames: StudentFrames[] = [];
  for (let i = 0; i < windows.length; i++) {
    const v = windows[i].view;
    evalFrames.push(
      await renderWindowFrames(
        { poses: v.pos, camera: v.camera, track: v.track, fps: FPS, previousPose: v.previousPose },
        { spec, seed: deriveSeed(7, i), flow },
      ),
    );
  }
  flow.dispose();
  const evalRenderS = (performance.now() - tEval) / 1000;
  saveStudentPicture(evalFrames);
  // Every 10th training window is held out whole, to watch the held-out cosine while it trains.
  const held = videos.map((_, i) => i).filter((i) => i % 10 === 9);
  const dataset = buildStudentDataset(videos, { ...DEFAULT_SPLIT, validationVideos: held });
  console.log(
    `Student data (RENDERS of mocap, not video): ${videos.length} training windows rendered in ${trainRenderS.toFixed(0)} s (${dataset.train.length} training frames, ${dataset.validation.length} held out), ${windows.length} evaluation windows in ${evalRenderS.toFixed(0)} s; ${spec.cropSize}-px grey + flow.`,
  );
  const options = {
    ...DEFAULT_STUDENT_TRAIN_OPTIONS,
    steps: STUDENT_STEPS,
    evalEverySteps: 250,
  };
  const studentCkpt = resolve('bench', '.work', `student-fewshot-v${STUDENT_VIEWS}-checkpoint`);
  if (process.env.RESUME !== '1') rmSync(studentCkpt, { recursive: true, force: true });
  const controller = new AbortController();
  const started = performance.now();
  let weights: StudentWeights;
  let stoppedBy = '';
  try {
    const result = await trainStudent(dataset, options, {
      checkpointDir: studentCkpt,
      progressEverySteps: 50,
      signal: controller.signal,
      onProgress: (p) => {
        if ((performance.now() - started) / 1000 > STUDENT_SECONDS) controller.abort();
        if (p.phase === 'train' && p.valCosine !== undefined)
          process.stderr.write(
            `  student step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} held-out cosine ${p.valCosine.toFixed(3)} (${p.stepsPerSecond.toFixed(1)} steps/s)\n`,
          );
      },
    });
    weights = result.weights;
    console.log(
      `Student: ${result.steps} steps (batch ${options.batchSize}) in ${result.trainSeconds.toFixed(0)} s on ${describeBackend(result.backend)}${result.resumedFromStep !== null ? `, resumed from step ${result.resumedFromStep}` : ''}; held-out training-subject windows: cosine to VIPE* ${result.valCosine.toFixed(3)}.`,
    );
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
    const ck = loadStudentCheckpoint(studentCkpt);
    weights = ck.weights;
    stoppedBy = `STUDENT_SECONDS=${STUDENT_SECONDS} stopped it at step ${ck.state.step} of ${STUDENT_STEPS}`;
    console.log(`Student: ${stoppedBy} (${ck.state.trainSeconds.toFixed(0)} s of training).`);
  }
  // Apply to the evaluation windows' renders.
  const dim = dataset.dim;
  const untrained = initStudentWeights(studentConfigFor(dataset, options), 1);
  const agreeRows: [string, Float32Array][] = [];
  for (const [name, w] of [
    ['student (trained)', weights],
    ['student (untrained, same init)', untrained],
  ] as const) {
    const model = new StudentModel(w);
    try {
      const all = windows.map((_, i) => studentRows(model, evalFrames[i], dim));
      if (name === 'student (trained)') windows.forEach((win, i) => (win.student = all[i]));
      agreeRows.push([name, concat(all)]);
    } finally {
      model.dispose();
    }
  }
  // Agreement with VIPE* on the evaluation windows: every 3rd frame with both vectors.
  const teacherAll = concat(windows.map((w) => w.vipe));
  const mean = new Float32Array(dim);
  for (const r of dataset.train) for (let d = 0; d < dim; d++) mean[d] += dataset.teacher[r * dim + d];
  const meanNorm = Math.hypot(...mean);
  const keep: number[] = [];
  for (let r = 0; r < teacherAll.length / dim; r += 3)
    if (Number.isFinite(teacherAll[r * dim]) && Number.isFinite(agreeRows[0][1][r * dim])) keep.push(r);
  const pick = (all: Float32Array, unit: boolean) => {
    const out = new Float32Array(keep.length * dim);
    keep.forEach((r, i) => {
      const v = all.subarray(r * dim, (r + 1) * dim);
      const n = unit ? Math.hypot(...v) : 1;
      for (let d = 0; d < dim; d++) out[i * dim + d] = v[d] / n;
    });
    return out;
  };
  const teacherKept = pick(teacherAll, true);
  const where = { video: keep.map((r) => Math.floor(r / WINDOW)), frame: keep.map((r) => r % WINDOW) };
  const constant = new Float32Array(keep.length * dim);
  for (let i = 0; i < keep.length; i++)
    for (let d = 0; d < dim; d++) constant[i * dim + d] = mean[d] / meanNorm;
  console.log(
    `\nStudent vs VIPE* on the evaluation windows' renders (held-out subjects, each window its own unseen random view; ${keep.length} frames, every 3rd; NN: other windows only, k = 5):`,
  );
  console.log(
    '| Predictor | Mean cosine to VIPE* | Pearson r of pairwise distances | NN agreement (top-1 in VIPE* top-5) |',
  );
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, a] of [
    ...agreeRows.map(
      ([n, all]) => [n, embeddingAgreement(pick(all, false), teacherKept, dim, where)] as const,
    ),
    [
      'mean VIPE* embedding of the training frames (constant)',
      embeddingAgreement(constant, teacherKept, dim, where),
    ] as const,
  ])
    console.log(
      `| ${name} | ${a.meanCosine.toFixed(3)} | ${Number.isFinite(a.distanceCorrelation) ? a.distanceCorrelation.toFixed(3) : '—'} | ${Number.isFinite(a.distanceCorrelation) ? `${(100 * a.nnAgreement).toFixed(1)} % (chance ${(100 * a.chance).toFixed(1)} %)` : '—'} |`,
    );
  console.log('');
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What the student sees: per class, one window's grey crop and flow (colour wheel) at 4 frames, ×4. */
function saveStudentPicture(evalFrames: StudentFrames[]): void {
  const S = DEFAULT_INPUT_SPEC.cropSize;
  const C = 3;
  const zoom = 4;
  const picks = [3, 10, 17, 24];
  const cell = S * zoom;
  const W = picks.length * 2 * cell;
  const H = labels.length * cell;
  const img = new Uint8Array(W * H * 3);
  labels.forEach((label, row) => {
    const wi = windows.findIndex((w) => w.label === label);
    const f = evalFrames[wi];
    picks.forEach((p, col) => {
      const rec = Math.min(p, f.frames.length - 1);
      const base = rec * S * S * C;
      const field = new Float32Array(2 * S * S);
      for (let k = 0; k < S * S; k++) {
        field[2 * k] = (f.data[base + k * C + 1] - 128) / 10;
        field[2 * k + 1] = (f.data[base + k * C + 2] - 128) / 10;
      }
      const colour = flowToColor({ width: S, height: S, data: field }, FLOW_SCALE_PX);
      for (let y = 0; y < cell; y++)
        for (let x = 0; x < cell; x++) {
          const k = Math.floor(y / zoom) * S + Math.floor(x / zoom);
          const o = ((row * cell + y) * W + col * 2 * cell + x) * 3;
          img.fill(f.data[base + k * C], o, o + 3);
          img.set(colour.data.subarray(k * 3, k * 3 + 3), o + cell * 3);
        }
    });
  });
  const path = resolve('bench', '.work', 'few-shot-student-input.png');
  writeFileSync(path, encodePng({ width: W, height: H, channels: 3, data: img }));
  console.log(
    `What the student sees (rows ${labels.join(', ')}; crop | flow at frames ${picks.join(', ')}): ${path}`,
  );
}

// ---- 1-NN DTW over random draws of K shots per class ----
const cost = new Map<string, number>();
function dist(i: number, j: number, key: Feature): number {
  const id = `${key}:${Math.min(i, j)}:${Math.max(i, j)}`;
  let c = cost.get(id);
  if (c === undefined) {
    const a = windows[i][key]!;
    const dim = key === 'raw' ? K * 2 : a.length / WINDOW;
    c = dtw(a, windows[j][key]!, dim, { path: false }).normalizedCost;
    cost.set(id, c);
  }
  return c;
}
const FEATURE_NAMES: Record<Feature, string> = {
  raw: 'raw normalised 2D keypoints',
  vipe: 'VIPE*',
  student: 'VPD student (renders of mocap)',
};
// The light classifier (kinema recognize --method linear) on the same draws: softmax regression
// over each window's pooled features (mean, std, thirds), trained on the draw's shots.
const asItem = (i: number, key: Feature): ActionItem => {
  const values = windows[i][key]!;
  return { id: i, label: windows[i].label, sequence: { values, dim: values.length / WINDOW } };
};
console.log(
  '| Shots per class | Features | 1-NN DTW: balanced accuracy (mean ± sd over draws) | Linear classifier |',
);
console.log('| ---: | --- | ---: | ---: |');
for (const shots of SHOTS) {
  const acc: Record<Feature, number[]> = { raw: [], vipe: [], student: [] };
  const linear: Record<Feature, number[]> = { raw: [], vipe: [], student: [] };
  const drawRng = new Rng(100 + shots);
  for (let draw = 0; draw < DRAWS; draw++) {
    const support: number[] = [];
    for (const l of labels) {
      const idx = windows.map((w, i) => (w.label === l ? i : -1)).filter((i) => i >= 0);
      for (let k = 0; k < shots && idx.length; k++) support.push(idx.splice(drawRng.int(idx.length), 1)[0]);
    }
    const queries = windows.map((_, i) => i).filter((i) => !support.includes(i));
    for (const key of features) {
      const perClass = new Map<string, { ok: number; n: number }>();
      for (const q of queries) {
        let best = -1;
        let bestCost = Infinity;
        for (const s of support) {
          const c = dist(q, s, key);
          if (c < bestCost) {
            bestCost = c;
            best = s;
          }
        }
        const t = perClass.get(windows[q].label) ?? { ok: 0, n: 0 };
        t.n++;
        if (windows[best].label === windows[q].label) t.ok++;
        perClass.set(windows[q].label, t);
      }
      const rates = [...perClass.values()].map((t) => t.ok / t.n);
      acc[key].push(rates.reduce((a, b) => a + b, 0) / rates.length);
      const predictions = classifyLinear(
        support.map((i) => asItem(i, key)),
        queries.map((i) => asItem(i, key)),
      );
      const cm = confusionMatrix(predictions); // truth: the query windows' labels
      linear[key].push(cm.perLabel.reduce((a, l) => a + l.recall, 0) / cm.perLabel.length);
    }
  }
  const meanSd = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    return `${(100 * m).toFixed(1)} % ± ${(100 * sd).toFixed(1)}`;
  };
  for (const key of features)
    console.log(`| ${shots} | ${FEATURE_NAMES[key]} | ${meanSd(acc[key])} | ${meanSd(linear[key])} |`);
}
console.log(
  `\nChance ${(100 / labels.length).toFixed(1)} %. Total ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
);
