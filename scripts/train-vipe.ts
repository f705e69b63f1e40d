// Trains VIPE*, Kinema's view-invariant pose embedding (src/main/training/vipe/), on the CMU
// training subjects of ../shared/data/mocap (never 07 and 13), checks the ONNX against TF.js and
// measures cross-view retrieval on the validation subjects — the same run as `kinema train-vipe`
// (src/main/training/vipe/run.ts). --ship writes native-models/vipe.onnx and its entry under
// `embedders` in native-models/manifest.json (replacing the entry with id "vipe").
//
//   npx tsx scripts/train-vipe.ts --steps 5000 --ship     # the shipped default
//   npx tsx scripts/train-vipe.ts --steps 300 --out .cache/vipe/quick.onnx
//   npx tsx scripts/train-vipe.ts --context 2:2 --out .cache/vipe/temporal.onnx   # temporal variant
//
// Options: --mocap DIR (default ../shared/data/mocap/cmu-bvh) --steps N --seed N --context K[:S]
// --out FILE.onnx (default .cache/vipe/vipe.onnx) --ship --resume --no-eval. Checkpoints go to
// .cache/vipe/checkpoint-<seed>-<steps>/ (a run starts afresh unless --resume).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { KinemaError } from '../src/shared/errors';
import { trainVipeRequest } from '../src/main/cli/vipe';
import { runVipeTraining } from '../src/main/training/vipe/run';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    mocap: { type: 'string', default: path.join(root, '..', 'shared', 'data', 'mocap', 'cmu-bvh') },
    steps: { type: 'string' },
    seed: { type: 'string' },
    context: { type: 'string' },
    out: { type: 'string' },
    ship: { type: 'boolean', default: false },
    resume: { type: 'boolean', default: false },
    'no-eval': { type: 'boolean', default: false },
  },
});

const modelsDir = path.join(root, 'native-models');
const out = values.ship
  ? path.join(modelsDir, 'vipe.onnx')
  : path.resolve(values.out ?? path.join(root, '.cache', 'vipe', 'vipe.onnx'));
let request: ReturnType<typeof trainVipeRequest>;
try {
  request = trainVipeRequest({ ...values, out });
} catch (err) {
  console.error(err instanceof KinemaError ? `train-vipe: ${err.message}` : err);
  process.exit(1);
}
const t0 = performance.now();
const report = await runVipeTraining({
  mocapFolder: request.mocapFolder,
  out,
  options: request.options,
  checkpointDir: path.join(
    root,
    '.cache',
    'vipe',
    `checkpoint-${request.options.seed ?? 1}-${request.options.steps ?? 'default'}`,
  ),
  resume: values.resume,
  evaluate: !values['no-eval'],
  log: (line) => console.log(line),
  onProgress: (p) =>
    process.stderr.write(
      `  step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(3)}  in-batch top-1 ${(100 * p.top1).toFixed(1)} %  (${p.stepsPerSecond.toFixed(1)} steps/s)\n`,
    ),
});
const minutes = (performance.now() - t0) / 60_000;
console.log(
  `Wrote ${path.relative(root, out)} (${report.onnx.bytes} bytes, sha256 ${report.onnx.sha256}); ${minutes.toFixed(1)} min in all.`,
);

if (values.ship) {
  const pct = (x: number) => Math.round(1000 * x) / 1000;
  const commandLine = ['npx tsx scripts/train-vipe.ts', ...process.argv.slice(2)].join(' ');
  const entry = {
    id: 'vipe',
    file: 'vipe.onnx',
    task: 'pose-embedding',
    description: `VIPE*: view-invariant pose embedding (normalised COCO-17 keypoints → ${report.options.embeddingDim}-d unit vector), MLP 34 → ${report.options.hidden} ×3 → ${report.options.embeddingDim}${report.options.context ? ` with ±${report.options.context}×${report.options.contextStride} frames of context` : ' per frame'}, trained in Kinema with a symmetric InfoNCE over two random virtual views of each CMU mocap frame`,
    sha256: report.onnx.sha256,
    bytes: report.onnx.bytes,
    source: {
      data: `CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu), ../shared/data/mocap/cmu-bvh, training subjects only (${report.data.trainingSubjects.join(' ')}; validation ${report.data.validationSubjects.join(' ')} held out): ${report.data.trainingTakes} takes, ${report.data.trainingFrames} frames at ${report.data.fps} fps`,
      dataTerms:
        'Free for research and commercial products; the data may not be resold. Acknowledgement: "The data used in this project was obtained from mocap.cs.cmu.edu. The database was created with funding from NSF EIA-0196217."',
      command: commandLine,
      seed: report.options.seed,
      steps: report.training.steps,
      backend: report.training.backend,
      license: 'MIT (weights trained by Kinema)',
    },
    training: {
      options: report.options,
      seconds: report.training.seconds,
      finalLoss: report.training.finalLoss,
    },
    verification: { maxAbsDiffOnnxVsTfjs: report.onnx.maxAbsDiffVsTfjs },
    metrics: report.retrieval
      ? {
          protocol: `cross-view retrieval, validation subjects ${report.data.validationSubjects.join(' ')}, ${report.retrieval.frames} frames per view (src/main/training/vipe/evaluate.ts); same pose = within 0.1 torso lengths in 3D`,
          sameposeTop1: Object.fromEntries(
            report.retrieval.views.map((v) => [v.viewDeg, pct(v.vipe.samePoseTop1)]),
          ),
          sameposeTop1RawKeypoints: Object.fromEntries(
            report.retrieval.views.map((v) => [v.viewDeg, pct(v.rawKeypoints.samePoseTop1)]),
          ),
          exactTop10: Object.fromEntries(
            report.retrieval.views.map((v) => [v.viewDeg, pct(v.vipe.exactTop10)]),
          ),
          exactTop10RawKeypoints: Object.fromEntries(
            report.retrieval.views.map((v) => [v.viewDeg, pct(v.rawKeypoints.exactTop10)]),
          ),
        }
      : null,
  };
  const manifestPath = path.join(modelsDir, 'manifest.json');
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { embedders?: { id: string }[] })
    : {};
  manifest.embedders = [...(manifest.embedders ?? []).filter((e) => e.id !== entry.id), entry];
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`Updated native-models/manifest.json (embedders: vipe)`);
}
