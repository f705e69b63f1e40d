// Latency of MoveNet Lightning: the converted ONNX on onnxruntime-node (CPU) vs the original
// TF.js graph model on TF.js (cpu backend, and wasm when it loads).
//
//   npx tsx scripts/build-models.ts   # once, to produce native-models/movenet-lightning.onnx
//   npx tsx bench/model-speed.ts [runs]

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { movenetLightningJsonPath, pseudoRandomImage } from '../src/main/inference/movenet';
import { loadTfjsReference } from '../src/main/inference/tfjs-graph/tfjs-runner';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 30);
const shape = [1, 192, 192, 3];
const img = pseudoRandomImage();

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)];
  const p90 = s[Math.floor(s.length * 0.9)];
  return `median ${med.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms, min ${s[0].toFixed(2)} ms (${s.length} runs)`;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const onnxPath = path.join(root, 'native-models', 'movenet-lightning.onnx');
for (const threads of [1, 2]) {
  const s = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = { [s.inputNames[0]]: new ort.Tensor('int32', img, shape) };
  console.log(`ORT CPU, ${threads} thread(s): ${stats(await time(() => s.run(feeds)))}`);
  await s.release();
}

for (const backend of ['wasm', 'cpu']) {
  try {
    const ref = await loadTfjsReference(movenetLightningJsonPath(), backend);
    const input = { [ref.model.inputs[0].name]: { dtype: 'int32' as const, shape, data: img } };
    console.log(`TF.js ${backend} backend: ${stats(await time(() => ref.run(input)))}`);
    ref.model.dispose();
  } catch (err) {
    console.log(`TF.js ${backend} backend: unavailable (${(err as Error).message})`);
  }
}
