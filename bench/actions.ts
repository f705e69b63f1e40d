/**
 * The action tools' maths on CMU mocap (issue 8: few-shot recognition, retrieval, detection),
 * with the protocol of bench/few-shot.ts: subjects 05, 06, 07, 09 and 13, their takes cut into
 * 1 s windows (30 fps), each window seen by its own random virtual camera (azimuth all round,
 * 0-30° up, 3.5-8 m) with detector-like 2D noise.
 *
 *  1. Recognition, as `kinema recognize` does it (src/shared/actions: k-NN over DTW distances):
 *     K shots per class drawn at random, every other window a query; balanced accuracy over
 *     DRAWS draws, for the features the app offers — raw keypoints, bones + angles (the default),
 *     and bones + angles with the mirrored twin (the app's default: the better of the motion and
 *     its left-right flip, so the side the camera films from does not matter). Each draw is also
 *     classified by the linear classifier (`--method linear`: softmax over pooled clip features,
 *     src/shared/actions/classifier.ts) on the same support and queries; its time per query
 *     includes training on the draw's support.
 *  2. Search speed, as `detect-actions` / `--retrieve` run it: one 1 s template over a stitched
 *     track of every evaluated take (subsequence DTW, both the template and its mirror).
 *   npx tsx bench/actions.ts       (DRAWS=20; METHODS=knn-dtw,linear; LINEAR_L2=<λ>, default DEFAULT_L2)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  classify,
  classifyLinear,
  confusionMatrix,
  DEFAULT_L2,
  retrieveMoments,
  type ActionItem,
  type LabelPrediction,
} from '../src/shared/actions';
import { poseFeatures2d, type Feature2dKind } from '../src/shared/alignment';
import { Rng } from '../src/shared/lifting/rng';
import type { PoseTrack } from '../src/shared/pose';
import { csvCells, loadCocoTake, randomViewWindows } from './mocap-takes';

const root = resolve(process.cwd(), '..', 'shared', 'data', 'mocap');
if (!existsSync(join(root, 'clips.csv'))) {
  console.log('missing ../shared/data/mocap — nothing to measure.');
  process.exit(0);
}
const FPS = 30;
const WINDOW = FPS;
const MIN_WINDOWS = 12;
const DRAWS = Number(process.env.DRAWS ?? 20);
type Method = 'knn-dtw' | 'linear';
const METHODS = (process.env.METHODS ?? 'knn-dtw,linear').split(',') as Method[];
if (!METHODS.length || METHODS.some((m) => m !== 'knn-dtw' && m !== 'linear')) {
  console.log(`METHODS must list knn-dtw and/or linear, got "${process.env.METHODS}"`);
  process.exit(1);
}
const L2 = Number(process.env.LINEAR_L2 ?? DEFAULT_L2);
const EVAL: Record<string, string[]> = {
  '05': ['dance', 'gymnastics/acrobatics'],
  '06': ['sports/martial-arts'],
  '07': ['walk'],
  '09': ['run/jog'],
  '13': ['jump'],
};
const t0 = performance.now();
const rows: { folder: string; file: string; category: string }[] = [];
const seen = new Set<string>();
for (const line of readFileSync(join(root, 'clips.csv'), 'utf8').trim().split('\n').slice(1)) {
  const [folder, file, cmuTake, , category] = csvCells(line);
  const subject = /^(\d+)_\d+$/.exec(cmuTake)?.[1];
  if (!subject || seen.has(cmuTake) || !EVAL[subject]?.includes(category)) continue;
  seen.add(cmuTake);
  rows.push({ folder, file, category });
}

type Variant = 'keypoints' | 'bones+angles' | 'bones+angles, mirror-invariant';
const VARIANTS: Variant[] = ['keypoints', 'bones+angles', 'bones+angles, mirror-invariant'];
interface Window {
  label: string;
  track: PoseTrack;
}
const windows: Window[] = [];
const rng = new Rng(7);
for (const r of rows) {
  const { frames, pos } = loadCocoTake(join(root, r.folder, r.file), FPS, 60 * FPS);
  for (const { track } of randomViewWindows(pos, frames, WINDOW, rng))
    windows.push({ label: r.category, track });
}

/** The window's features as the app computes them (null where no frame shows hips and shoulders). */
function featuresOf(track: PoseTrack, v: Variant) {
  const kinds: Feature2dKind[] = v === 'keypoints' ? ['keypoints'] : ['bones', 'angles'];
  try {
    const f = poseFeatures2d(track, { kinds });
    if (v !== 'bones+angles, mirror-invariant') return { values: f.values, dim: f.dim };
    const flipped = { ...track, keypoints: track.keypoints.map((x, i) => (i % 3 === 0 ? -x : x)) };
    return { values: f.values, dim: f.dim, mirrored: poseFeatures2d(flipped, { kinds }).values };
  } catch {
    return null;
  }
}
const items = new Map<Variant, (ActionItem | null)[]>();
for (const v of VARIANTS)
  items.set(
    v,
    windows.map((w, i) => {
      const sequence = featuresOf(w.track, v);
      return sequence ? { id: i, label: w.label, sequence } : null;
    }),
  );
const usable = windows.map((_, i) => i).filter((i) => VARIANTS.every((v) => items.get(v)![i] !== null));
const counts = new Map<string, number>();
for (const i of usable) counts.set(windows[i].label, (counts.get(windows[i].label) ?? 0) + 1);
const labels = [...counts]
  .filter(([, n]) => n >= MIN_WINDOWS)
  .map(([l]) => l)
  .sort();
const pool = usable.filter((i) => labels.includes(windows[i].label));
console.log(
  `Windows (1 s, random cameras): ${labels.map((l) => `${l} ${counts.get(l)}`).join(', ')}; ${DRAWS} draws; linear λ = ${L2}.`,
);

console.log('\n| Shots per class | Features | Method | Balanced accuracy (mean ± sd) | ms per query |');
console.log('| ---: | --- | --- | ---: | ---: |');
const lastConfusion = new Map<string, ReturnType<typeof confusionMatrix>>();
for (const shots of [1, 5, 10]) {
  for (const [v, method] of VARIANTS.flatMap((v) => METHODS.map((m) => [v, m] as const))) {
    // The same seed for every variant and method: they all see the same draws.
    const drawRng = new Rng(100 + shots);
    const accs: number[] = [];
    let ms = 0;
    let queried = 0;
    for (let draw = 0; draw < DRAWS; draw++) {
      const support: number[] = [];
      for (const l of labels) {
        const idx = pool.filter((i) => windows[i].label === l);
        for (let k = 0; k < shots; k++) support.push(idx.splice(drawRng.int(idx.length), 1)[0]);
      }
      const queries = pool.filter((i) => !support.includes(i));
      const all = items.get(v)!;
      const t = performance.now();
      const supportItems = support.map((i) => all[i]!);
      const queryItems = queries.map((i) => all[i]!);
      const predictions: LabelPrediction[] =
        method === 'linear'
          ? classifyLinear(supportItems, queryItems, { l2: L2 })
          : classify(supportItems, queryItems, { k: 1 });
      ms += performance.now() - t;
      queried += queries.length;
      const cm = confusionMatrix(predictions);
      accs.push(cm.perLabel.reduce((s, l) => s + l.recall, 0) / cm.perLabel.length);
      if (shots === 5) lastConfusion.set(`${v}/${method}`, cm);
    }
    const m = accs.reduce((a, b) => a + b, 0) / accs.length;
    const sd = Math.sqrt(accs.reduce((a, b) => a + (b - m) ** 2, 0) / accs.length);
    console.log(
      `| ${shots} | ${v} | ${method} | ${(100 * m).toFixed(1)} % ± ${(100 * sd).toFixed(1)} | ${(ms / queried).toFixed(2)} |`,
    );
  }
}
for (const method of METHODS) {
  const cm = lastConfusion.get(`bones+angles, mirror-invariant/${method}`)!;
  console.log(
    `\nConfusion matrix (5 shots, last draw, bones+angles mirror-invariant, ${method}; truth down):`,
  );
  console.log(`| | ${cm.labels.join(' | ')} |\n|${' --- |'.repeat(cm.labels.length + 1)}`);
  cm.labels.forEach((l, i) => console.log(`| ${l} | ${cm.counts[i].join(' | ')} |`));
}

// ---- search speed over one long track ----
const all = items.get('bones+angles, mirror-invariant')!;
const stitched = pool.map((i) => all[i]!.sequence);
const dim = stitched[0].dim;
const long = new Float32Array(stitched.reduce((n, s) => n + s.values.length, 0));
let at = 0;
for (const s of stitched) {
  long.set(s.values, at);
  at += s.values.length;
}
const frames = long.length / dim;
const query = stitched[0];
const t = performance.now();
const top = retrieveMoments(query, [{ key: 1, firstFrame: 0, sequence: { values: long, dim } }], {
  top: 10,
  exclude: [{ key: 1, range: { inFrame: 0, outFrame: WINDOW } }],
});
const searchMs = performance.now() - t;
console.log(
  `\nSearch: a 1 s template (and its mirror) over a ${frames}-frame track (${(frames / FPS / 60).toFixed(1)} min at 30 fps): ${searchMs.toFixed(0)} ms for the top ${top.length}; ` +
    `best relative cost ${top[0].cost.toFixed(3)}, 10th ${top[top.length - 1].cost.toFixed(3)}.`,
);
console.log(`Total ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
