/**
 * DTW speed: 10k × 10k frames of 34-dimensional random-walk features, full (every cell) with the
 * warping path, with a 10 % Sakoe-Chiba band, and subsequence DTW of a 2k-frame query inside a
 * 10k-frame series (the query is a noisy copy of frames 3000-4999, so the start found is checked).
 * Median of 3 runs after a warm-up; the machine's load average is printed before and after,
 * since another process on the same cores slows every figure.
 *   npx tsx bench/dtw.ts
 */
import { loadavg } from 'node:os';
import { bandLimits, dtw, subsequenceDtw, wasmKernelAvailable } from '../src/shared/alignment';
import { percentile, rng } from './common';

const D = 34;
const N = 10_000;

/** A random walk: each feature moves by a uniform step in ±0.05 per frame. */
function randomWalk(rows: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(rows * D);
  for (let k = 0; k < D; k++) x[k] = r() - 0.5;
  for (let i = 1; i < rows; i++)
    for (let k = 0; k < D; k++) x[i * D + k] = x[(i - 1) * D + k] + 0.1 * (r() - 0.5);
  return x;
}

function time<T>(label: string, cells: number, run: () => T, check: (result: T) => string): void {
  const ms: number[] = [];
  let last: T | undefined;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    last = run();
    ms.push(performance.now() - t0);
  }
  const med = percentile(ms, 50);
  console.log(
    `${label.padEnd(44)} ${med.toFixed(0).padStart(6)} ms (runs ${ms.map((v) => v.toFixed(0)).join(', ')})  ` +
      `${(((cells / med) * 1e3) / 1e6).toFixed(0)} M cells/s  ${check(last as T)}`,
  );
}

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
console.log(
  `DTW bench: d = ${D}, WebAssembly SIMD kernel: ${wasmKernelAvailable(D) ? 'yes' : 'NO (plain JS)'}`,
);
console.log(`load average before: ${load()}`);

const learner = randomWalk(N, 1);
const reference = randomWalk(N, 2);
// Warm-up: compiles the kernel and lets V8 tier it up.
dtw(learner.subarray(0, 2000 * D), reference.subarray(0, 2000 * D), D);

const full = N * N;
time(
  'full 10k x 10k, with path',
  full,
  () => dtw(learner, reference, D),
  (r) => `cost ${r.cost.toFixed(1)}, path ${r.path?.a.length} pairs`,
);
time(
  'full 10k x 10k, cost only (path: false)',
  full,
  () => dtw(learner, reference, D, { path: false }),
  (r) => `cost ${r.cost.toFixed(1)}`,
);

const band = { fraction: 0.1 };
const { lo, hi } = bandLimits(N, N, band);
let bandCells = 0;
for (let i = 0; i < N; i++) bandCells += hi[i] - lo[i] + 1;
time(
  'banded 10 % (±1000 frames), with path',
  bandCells,
  () => dtw(learner, reference, D, { band }),
  (r) => `cost ${r.cost.toFixed(1)}, ${(bandCells / 1e6).toFixed(0)} M cells`,
);

// The query: frames 3000-4999 of the series with a little noise.
const series = learner;
const noise = rng(7);
const query = Float32Array.from(series.subarray(3000 * D, 5000 * D), (v) => v + 0.01 * (noise() - 0.5));
time(
  'subsequence 2k in 10k, with path',
  2000 * N,
  () => subsequenceDtw(query, series, D),
  (r) => {
    const m = r.matches[0];
    return `found frames ${m.start}-${m.end} (planted 3000-4999)`;
  },
);

const small = 2000;
const a2 = learner.subarray(0, small * D);
const b2 = reference.subarray(0, small * D);
time(
  'plain-JS engine 2k x 2k, with path (reference)',
  small * small,
  () => dtw(a2, b2, D, { engine: 'js' }),
  (r) => `cost ${r.cost.toFixed(1)}`,
);

console.log(`load average after: ${load()}`);
