import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// One build for three runtimes: the Electron main process and the plain-Node entries that share
// its code (web mode, CLI, job worker), the sandboxed preload, and the renderer.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/app/index.ts'),
          serve: resolve(__dirname, 'src/main/web/serve.ts'),
          cli: resolve(__dirname, 'src/main/cli/index.ts'),
          jobWorker: resolve(__dirname, 'src/main/jobs/worker.ts'),
          tsneWorker: resolve(__dirname, 'src/main/analysis/tsne-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // A sandboxed preload cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/renderer/index.html'),
          // Web mode only: the server injects it in place of the Electron preload.
          'web-bridge': resolve(__dirname, 'src/renderer/web-bridge.ts'),
        },
        output: {
          entryFileNames: (chunk) =>
            chunk.name === 'web-bridge' ? 'web-bridge.js' : 'assets/[name]-[hash].js',
        },
      },
    },
  },
});
