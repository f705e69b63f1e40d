/**
 * VIPE* (issue 8): trains the view-invariant pose embedding (src/main/training/vipe) on the CMU
 * training subjects and measures cross-view retrieval on the validation subjects 07 and 13 only.
 *
 * Retrieval protocol: every validation take (30 fps, ≤ 12 s, every 2nd frame) is seen by camera A
 * (6 m, 10° up, azimuth 30 + 40·k°) and by camera B, VIEW° further round; both get detector-like
 * 2D noise. Each frame seen by A is a query; the database is every validation frame seen by B. A
 * query hits at k when one of its k nearest database entries is the same mocap frame ("exact"), or
 * a frame whose 3D pose is within 0.1 torso lengths of the query's (mean joint distance after
 * removing position, heading and size: "same pose"). Compared with the raw normalised 2D keypoints
 * the model takes as input (euclidean nearest neighbours).
 *   npx tsx bench/vipe.ts     (STEPS=3000; SHIP=1 writes native-models/vipe.onnx; RESUME=1 continues
 *   from bench/.work/vipe-checkpoint)
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { poseFeatures2d } from '../src/shared/alignment';
import { TccEmbedder } from '../src/main/training/tcc/embed';
import { describeBackend } from '../src/main/training/tf-backend';
import {
  canonicalPose,
  DEFAULT_VIPE_OPTIONS,
  poseDistance,
  trainVipe,
} from '../src/main/training/vipe/train';
import { cmuTakes, K, loadCocoTake, meanHip, noisyTrack, orbitCamera } from './mocap-takes';

const root = resolve(process.cwd(), '..', 'shared', 'data', 'mocap');
if (!existsSync(join(root, 'clips.csv'))) {
  console.log('missing ../shared/data/mocap — nothing to measure.');
  process.exit(0);
}
const FPS = 30;
const { training, validation } = cmuTakes(root);
const t0 = performance.now();
const takes = training.map((t) => ({
  name: t.file,
  ...loadCocoTake(join(root, 'cmu-bvh', t.file), FPS, 20 * FPS),
}));
const options = { ...DEFAULT_VIPE_OPTIONS, steps: Number(process.env.STEPS ?? DEFAULT_VIPE_OPTIONS.steps) };
const out =
  process.env.SHIP === '1' ? resolve('native-models', 'vipe.onnx') : resolve('bench', '.work', 'vipe.onnx');
mkdirSync(resolve('bench', '.work'), { recursive: true });
console.log(
  `Training VIPE* on ${takes.length} takes of the training subjects (${takes.reduce((s, t) => s + t.frames, 0)} frames at ${FPS} fps): ${options.steps} steps, batch ${options.windows * options.perWindow} pairs, τ ${options.temperature}, MLP 34 → ${options.hidden} ×3 → ${options.embeddingDim}.`,
);
const checkpointDir = resolve('bench', '.work', 'vipe-checkpoint');
if (process.env.RESUME !== '1') rmSync(checkpointDir, { recursive: true, force: true });
const r = await trainVipe(takes, options, {
  checkpointDir,
  exportPath: out,
  progressEverySteps: 250,
  onProgress: (p) =>
    process.stderr.write(
      `  step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} in-batch top-1 ${(100 * p.top1).toFixed(1)} % (${p.stepsPerSecond.toFixed(1)} steps/s)\n`,
    ),
});
const h = r.history;
console.log(
  `Trained in ${r.trainSeconds.toFixed(0)} s (${describeBackend(r.backend)}); loss ${h[0].loss.toFixed(3)} → ${h.at(-1)!.loss.toFixed(3)}, in-batch top-1 ${(100 * h.at(-1)!.top1).toFixed(1)} %; ONNX vs TF.js ${r.onnx!.maxAbsDiff.toExponential(1)}; ${out.replace(`${process.cwd()}/`, '')}`,
);

// ---- cross-view retrieval on the validation subjects ----
const embedder = await TccEmbedder.load(out);
const STRIDE = 2;
const views = [0, 45, 90, 180];
interface Side {
  raw: Float32Array[];
  vipe: Float32Array[];
}
const poses: Float32Array[] = [];
const ids: string[] = [];
const sides = new Map<number, Side>();
const sideA: Side = { raw: [], vipe: [] };
for (const v of views) sides.set(v, { raw: [], vipe: [] });
for (const [index, t] of validation.entries()) {
  const seed = index + 1;
  const { frames, pos } = loadCocoTake(join(root, 'cmu-bvh', t.file), FPS, 12 * FPS);
  const centre = meanHip(pos, frames);
  const azimuth = 30 + 40 * seed;
  const add = async (side: Side, track: ReturnType<typeof noisyTrack>) => {
    const raw = poseFeatures2d(track, { kinds: ['keypoints'] }).values;
    const e = await embedder.embedTrack(track);
    for (let f = 0; f < frames; f += STRIDE) {
      side.raw.push(raw.subarray(f * K * 2, (f + 1) * K * 2));
      side.vipe.push(e.values.subarray(f * e.dim, (f + 1) * e.dim));
    }
  };
  await add(sideA, noisyTrack(pos, frames, orbitCamera(centre, azimuth), 1000 + seed));
  for (const v of views)
    await add(sides.get(v)!, noisyTrack(pos, frames, orbitCamera(centre, azimuth + v), 2000 + seed));
  for (let f = 0; f < frames; f += STRIDE) {
    poses.push(canonicalPose(pos, f * K * 3));
    ids.push(`${t.file}#${f}`);
  }
}
await embedder.release();

function retrieval(queries: Float32Array[], db: Float32Array[]): { exact: number[]; same: number[] } {
  const ks = [1, 10];
  const exact = [0, 0];
  const same = [0, 0];
  const d = new Float64Array(db.length);
  const order = Array.from({ length: db.length }, (_, i) => i);
  for (let q = 0; q < queries.length; q++) {
    const a = queries[q];
    for (let i = 0; i < db.length; i++) {
      let s = 0;
      const b = db[i];
      for (let c = 0; c < a.length; c++) s += (a[c] - b[c]) ** 2;
      d[i] = s;
    }
    const top = order
      .slice()
      .sort((x, y) => d[x] - d[y])
      .slice(0, 10);
    ks.forEach((k, ki) => {
      const hits = top.slice(0, k);
      if (hits.includes(q)) exact[ki]++;
      if (hits.some((i) => i === q || poseDistance(poses[i], poses[q]) < 0.1)) same[ki]++;
    });
  }
  return { exact: exact.map((x) => x / queries.length), same: same.map((x) => x / queries.length) };
}

console.log(
  `\nCross-view retrieval, validation subjects 07 and 13 (${validation.length} takes, ${ids.length} frames per view; queries camera A, database camera B):`,
);
console.log(
  '| View difference | Features | Exact top-1 | Exact top-10 | Same pose top-1 | Same pose top-10 |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
for (const v of views) {
  const b = sides.get(v)!;
  for (const [name, key] of [
    ['raw normalised 2D keypoints', 'raw'],
    ['VIPE*', 'vipe'],
  ] as const) {
    const m = retrieval(sideA[key], b[key]);
    console.log(
      `| ${v}° | ${name} | ${pct(m.exact[0])} | ${pct(m.exact[1])} | ${pct(m.same[0])} | ${pct(m.same[1])} |`,
    );
  }
}
console.log(`\nTotal ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
