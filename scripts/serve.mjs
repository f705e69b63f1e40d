#!/usr/bin/env node
// `npm run serve [-- --project FILE.kinema --port N]`: build, then start web mode.
import { spawn, spawnSync } from 'node:child_process';
import { projectNode } from './node-bin.mjs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const skipBuild = args.includes('--no-build');
if (!skipBuild) {
  const build = spawnSync(
    process.execPath,
    [join(process.cwd(), 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const child = spawn(projectNode(), ['out/main/serve.js', ...args.filter((a) => a !== '--no-build')], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('close', (code) => process.exit(code ?? 0));
