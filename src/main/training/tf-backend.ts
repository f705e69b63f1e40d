/**
 * The TensorFlow.js backend for training, chosen by the chain of DESIGN.md §4:
 *
 *   1. `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA),
 *   2. `@tensorflow/tfjs-node` (libtensorflow on the CPU, all cores),
 *   3. `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD, one thread in Node),
 *   4. `@tensorflow/tfjs-backend-cpu` (plain JavaScript; always there).
 *
 * The first two download libtensorflow when installed and fail offline, so they are optional: each
 * is imported dynamically in a try/catch and skipped silently when absent or broken (the reason is
 * kept in `tried` for a "which backend and why" line in the app). The wasm binaries are located
 * from the installed package's own folder, so this also works from a bundled main process.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export type TrainingBackend = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  /** The backend in use. */
  readonly backend: TrainingBackend;
  /** TF.js's own name of it ('tensorflow', 'wasm', 'cpu'). */
  readonly tfName: string;
  /** Each backend tried before it and why it was skipped. */
  readonly tried: readonly { backend: TrainingBackend; reason: string }[];
}

const CHAIN: readonly TrainingBackend[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

let current: BackendChoice | null = null;

/** The folder of the installed wasm backend's .wasm files (with a trailing separator). */
export function wasmBinariesDir(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  // The package's main file lives in dist/ (dist/index.js or dist/tf-backend-wasm.node.js).
  let dir = dirname(main);
  if (!existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) dir = join(dir, 'dist');
  if (!existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) {
    throw new Error(`The TF.js wasm binaries are not in ${dir}`);
  }
  return dir.endsWith('/') || dir.endsWith('\\') ? dir : `${dir}/`;
}

/** Loads an optional module by a name the bundler must not resolve at build time. */
async function optionalImport(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

async function trySet(name: string): Promise<boolean> {
  try {
    if (tf.getBackend() === name) return true;
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Initialises the first backend of the chain that works, starting at `prefer` (default: the top
 * of the chain; e.g. 'cpu' for small tests). Idempotent: later calls return the same choice
 * unless `prefer` names a different backend.
 */
export async function initTrainingBackend(prefer?: TrainingBackend): Promise<BackendChoice> {
  if (current && (!prefer || prefer === current.backend)) return current;
  tf.env().set('PROD', true);
  const tried: { backend: TrainingBackend; reason: string }[] = [];
  const start = prefer ? CHAIN.indexOf(prefer) : 0;
  for (const backend of CHAIN.slice(start)) {
    try {
      if (backend === 'tensorflow-gpu' || backend === 'tensorflow') {
        await optionalImport(
          backend === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node',
        );
        // tfjs-node registers 'tensorflow' in the engine its own tfjs-core copy uses; it is usable
        // here only when npm deduplicated that copy with ours.
        if (!(await trySet('tensorflow')))
          throw new Error('registered no "tensorflow" backend with this tfjs-core');
        current = { backend, tfName: 'tensorflow', tried };
        return current;
      }
      if (backend === 'wasm') {
        const wasm =
          (await import('@tensorflow/tfjs-backend-wasm')) as typeof import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(wasmBinariesDir());
        if (!(await trySet('wasm'))) throw new Error('the wasm backend failed to initialise');
        current = { backend, tfName: 'wasm', tried };
        return current;
      }
      if (!(await trySet('cpu'))) throw new Error('the cpu backend failed to initialise');
      current = { backend, tfName: 'cpu', tried };
      return current;
    } catch (err) {
      tried.push({ backend, reason: firstLine((err as Error).message ?? String(err)) });
    }
  }
  throw new Error(`No TF.js backend works: ${tried.map((t) => `${t.backend}: ${t.reason}`).join('; ')}`);
}

/** The backend chosen so far, or null before initTrainingBackend. */
export function currentTrainingBackend(): BackendChoice | null {
  return current;
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 200);
}

/** One line for logs and the app: "wasm (skipped tensorflow-gpu: not installed; …)". */
export function describeBackend(choice: BackendChoice): string {
  if (choice.tried.length === 0) return choice.backend;
  return `${choice.backend} (skipped ${choice.tried.map((t) => `${t.backend}: ${t.reason}`).join('; ')})`;
}
