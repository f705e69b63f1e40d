/**
 * Worker thread for the embedding map: runs exact t-SNE (shared/alignment/tsne.ts) off the main
 * process, which serves the UI. One message in ({points, dim, options}), one out.
 */
import { parentPort } from 'node:worker_threads';
import { tsne, type TsneOptions } from '../../shared/alignment/tsne';

if (!parentPort) throw new Error('tsne-worker must run in a worker thread');
const port = parentPort;
port.once('message', (m: { points: Float32Array; dim: number; options: TsneOptions }) => {
  try {
    port.postMessage({ ok: true, result: tsne(m.points, m.dim, m.options) });
  } catch (err) {
    port.postMessage({ ok: false, error: (err as Error).message });
  }
});
