/**
 * Few-shot action recognition on CMU mocap (issue 8 goal: VIPE* ≥ 10 points above raw-keypoint
 * DTW at 5 shots). Subject-disjoint: the classes come from subjects 05 (dance, gymnastics), 06
 * (sports/martial arts), 07 (walk), 09 (run/jog) and 13 (jump), and a VIPE* model is trained for
 * this bench on every OTHER subject (the shipped one saw 05, 06 and 09), so no evaluated subject
 * was seen in training. The classes' takes are cut into 1 s windows (30 fps; classes with fewer than 12 windows are left out); each window is seen
 * by its own random virtual camera (azimuth all round, 0-30° up, 3.5-8 m) with detector-like 2D
 * noise. Per draw, K windows per class are the labelled shots and every other window is a query,
 * classified by its nearest shot under DTW (normalised path cost, euclidean) over per-frame
 * features: raw normalised 2D keypoints, or VIPE* embeddings of the same tracks. Reported: mean
 * per-class accuracy (balanced) over DRAWS random draws, with its spread.
 *   npx tsx bench/few-shot.ts       (STEPS=3000 DRAWS=20)
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dtw, poseFeatures2d } from '../src/shared/alignment';
import { Rng } from '../src/shared/lifting/rng';
import { TccEmbedder } from '../src/main/training/tcc/embed';
import { DEFAULT_VIPE_OPTIONS, trainVipe } from '../src/main/training/vipe/train';
import { csvCells, K, loadCocoTake, randomViewWindows } from './mocap-takes';

const root = resolve(process.cwd(), '..', 'shared', 'data', 'mocap');
if (!existsSync(join(root, 'clips.csv'))) {
  console.log('missing ../shared/data/mocap — nothing to measure.');
  process.exit(0);
}
const FPS = 30;
const WINDOW = FPS; // 1 s: a stride, a jump's take-off or landing, a dance step
const MIN_WINDOWS = 12; // 10 shots and some queries
const DRAWS = Number(process.env.DRAWS ?? 20);
const STEPS = Number(process.env.STEPS ?? 3000);
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
}
const windows: Window[] = [];
const rng = new Rng(7);
for (const r of evalRows) {
  const { frames, pos } = loadCocoTake(join(root, r.folder, r.file), FPS, 60 * FPS);
  for (const track of randomViewWindows(pos, frames, WINDOW, rng)) {
    let raw: Float32Array;
    try {
      raw = poseFeatures2d(track, { kinds: ['keypoints'] }).values;
    } catch {
      continue; // the noise took every hip or shoulder: no features
    }
    const vipe = (await embedder.embedTrack(track)).values;
    windows.push({ label: r.category, take: r.file, raw, vipe });
  }
}
await embedder.release();
// Classes with too few windows for 10 shots and queries are left out (and said so).
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

// ---- 1-NN DTW over random draws of K shots per class ----
const cost = new Map<string, number>();
function dist(i: number, j: number, key: 'raw' | 'vipe'): number {
  const id = `${key}:${Math.min(i, j)}:${Math.max(i, j)}`;
  let c = cost.get(id);
  if (c === undefined) {
    const dim = key === 'raw' ? K * 2 : windows[i].vipe.length / WINDOW;
    c = dtw(windows[i][key], windows[j][key], dim, { path: false }).normalizedCost;
    cost.set(id, c);
  }
  return c;
}
console.log('| Shots per class | Features | Balanced accuracy (mean ± sd over draws) |');
console.log('| ---: | --- | ---: |');
for (const shots of [1, 5, 10]) {
  const acc: Record<'raw' | 'vipe', number[]> = { raw: [], vipe: [] };
  const drawRng = new Rng(100 + shots);
  for (let draw = 0; draw < DRAWS; draw++) {
    const support: number[] = [];
    for (const l of labels) {
      const idx = windows.map((w, i) => (w.label === l ? i : -1)).filter((i) => i >= 0);
      for (let k = 0; k < shots && idx.length; k++) support.push(idx.splice(drawRng.int(idx.length), 1)[0]);
    }
    const queries = windows.map((_, i) => i).filter((i) => !support.includes(i));
    for (const key of ['raw', 'vipe'] as const) {
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
    }
  }
  for (const key of ['raw', 'vipe'] as const) {
    const m = acc[key].reduce((a, b) => a + b, 0) / acc[key].length;
    const sd = Math.sqrt(acc[key].reduce((a, b) => a + (b - m) ** 2, 0) / acc[key].length);
    console.log(
      `| ${shots} | ${key === 'raw' ? 'raw normalised 2D keypoints' : 'VIPE*'} | ${(100 * m).toFixed(1)} % ± ${(100 * sd).toFixed(1)} |`,
    );
  }
}
console.log(
  `\nChance ${(100 / labels.length).toFixed(1)} %. Total ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
);
