// How much temporal context each lifter gets to use, and what it is worth: validation MPJPE of
// trained lifter checkpoints split by a frame's distance to the nearer end of its take (frames near
// an end see edge-replicated padding instead of motion). Same protocol as scripts/train-lifter.ts
// (validation subjects, 2 seeded cameras per take, test-time flip, clean and detector-noise 2D).
//
//   npx tsx bench/lifter-context.ts tcn1np1-main-rf1-c256-e30-s1 tcn81np1-main-rf81-c256-e30-s1 ...
//
// A second table gives each validation take's MPJPE per lifter (which takes a temporal model loses on).
// Arguments: checkpoint folders under .cache/lifter-training (written by scripts/train-lifter.ts).
// Needs ../shared/data/mocap; says so and exits 0 without it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_SAMPLE_OPTIONS,
  renderView,
  splitBySubject,
  VALIDATION_SUBJECTS,
  type SampleOptions,
} from '../src/shared/lifting/dataset';
import { LiftingMetrics } from '../src/shared/lifting/metrics';
import { DEFAULT_NOISE } from '../src/shared/lifting/noise';
import { loadCheckpoint } from '../src/main/training/checkpoint';
import { liftSequence } from '../src/main/training/evaluate';
import { LifterModel } from '../src/main/training/lifter-model';
import { loadMocapFolders } from '../src/main/training/mocap-data';
import { initTrainingBackend } from '../src/main/training/tf-backend';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(root, '../shared/data/mocap');
const FOLDERS = ['cmu-bvh', 'cmu-bvh-cc-rig'];
const FPS = 50;
const VIEWS = 2;
/** scripts/train-lifter.ts scores with seed + 1000 (seed 1). */
const EVAL_SEED = 1001;
/** Distance (frames at 50 fps) from the nearer end of the take: half of RF 27, 81 and 243. */
const BINS: [string, number, number][] = [
  ['0-12', 0, 13],
  ['13-39', 13, 40],
  ['40-120', 40, 121],
  ['≥121', 121, Infinity],
];

async function main(): Promise<void> {
  const runs = process.argv.slice(2);
  if (!runs.length) throw new Error('name checkpoint folders under .cache/lifter-training');
  if (!FOLDERS.every((f) => existsSync(path.join(dataDir, f)))) {
    console.log(`The CMU mocap is not at ${dataDir}: nothing to score on. Skipping.`);
    return;
  }
  await initTrainingBackend();
  const loaded = loadMocapFolders(
    FOLDERS.map((f) => path.join(dataDir, f)),
    { fps: FPS, clipsCsv: path.join(dataDir, 'clips.csv') },
  );
  const { validation } = splitBySubject(loaded.sequences, VALIDATION_SUBJECTS);
  const lengths = validation.map((s) => s.frames).sort((a, b) => a - b);
  console.log(
    `Validation: ${validation.length} takes, ${lengths.reduce((a, b) => a + b, 0)} frames; take length median ${lengths[lengths.length >> 1]} frames, max ${lengths.at(-1)} (${FPS} fps)`,
  );
  const binFrames = BINS.map(([, lo, hi]) =>
    validation.reduce((a, s) => {
      let n = 0;
      for (let t = 0; t < s.frames; t++) {
        const d = Math.min(t, s.frames - 1 - t);
        if (d >= lo && d < hi) n++;
      }
      return a + n;
    }, 0),
  );
  console.log(
    `Frames per distance to the take's nearer end: ${BINS.map(([b], i) => `${b}: ${binFrames[i]}`).join(', ')}\n`,
  );

  const rows: string[] = [];
  /** take id → one MPJPE (mm) per run × input, in the order of `columns`. */
  const perTake = new Map<string, number[]>(validation.map((s) => [s.id, []]));
  const columns: string[] = [];
  for (const run of runs) {
    const dir = path.join(root, '.cache/lifter-training', run);
    const ckpt = loadCheckpoint(dir);
    const trained = ckpt.state.options as { sample?: SampleOptions };
    const sample = { ...DEFAULT_SAMPLE_OPTIONS, ...(trained.sample ?? {}) };
    const model = new LifterModel(ckpt.weights);
    for (const [input, noise] of [
      ['clean', null],
      ['noisy', DEFAULT_NOISE],
    ] as const) {
      const overall = new LiftingMetrics(17);
      const bins = new LiftingMetrics(17);
      columns.push(`RF ${model.receptiveField} ${input}`);
      for (const seq of validation) {
        const take = new LiftingMetrics(17);
        for (let v = 0; v < VIEWS; v++) {
          const view = renderView(seq, v, EVAL_SEED, sample, noise);
          const pred = liftSequence(model, view.screen, sample.inputNormalization);
          overall.add(pred, view.target);
          take.add(pred, view.target);
          // Each bin is one or two contiguous runs of frames; add them as separate pieces.
          for (const [name, lo, hi] of BINS) {
            const T = seq.frames;
            const runsOf: [number, number][] = [
              [lo, Math.min(hi, Math.ceil(T / 2))],
              [Math.max(T - hi, Math.ceil(T / 2)), T - lo],
            ];
            for (const [a, b] of runsOf) {
              if (b <= a) continue;
              bins.add(pred.subarray(a * 51, b * 51), view.target.subarray(a * 51, b * 51), [name]);
            }
          }
        }
        perTake.get(seq.id)!.push(take.summary().overall.mpjpeMm);
      }
      const s = overall.summary();
      const g = bins.summary().perGroup;
      rows.push(
        `| RF ${model.receptiveField} (${run}) | ${input} | ${s.overall.mpjpeMm.toFixed(1)} | ${BINS.map(([b]) => (g[b] ? g[b].mpjpeMm.toFixed(1) : '–')).join(' | ')} |`,
      );
      console.log(rows.at(-1));
    }
    model.dispose();
  }
  console.log(`\n| Lifter | 2D | MPJPE all | ${BINS.map(([b]) => `MPJPE ${b} from an end`).join(' | ')} |`);
  console.log(`| --- | --- | ---: | ${BINS.map(() => '---:').join(' | ')} |`);
  for (const r of rows) console.log(r);
  console.log(`\n| Take | frames | ${columns.join(' | ')} |`);
  console.log(`| --- | ---: | ${columns.map(() => '---:').join(' | ')} |`);
  for (const seq of validation)
    console.log(
      `| ${seq.id} | ${seq.frames} | ${perTake
        .get(seq.id)!
        .map((m) => m.toFixed(1))
        .join(' | ')} |`,
    );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
