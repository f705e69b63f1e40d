#!/usr/bin/env node
// `npm start`: build, then open the Electron window. Where Electron's binary cannot be had
// (it is downloaded on first start; offline machines cannot), say so and offer web mode.
import { spawn, spawnSync } from 'node:child_process';
import { projectNode } from './node-bin.mjs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';

const require = createRequire(import.meta.url);
const extraArgs = process.argv.slice(2);

const build = spawnSync(
  process.execPath,
  [join(process.cwd(), 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  { stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);

let electronPath = null;
let why = '';
try {
  // Resolving it downloads the binary on first use; offline this throws.
  electronPath = require('electron');
} catch (err) {
  why = err instanceof Error ? err.message.split('\n')[0] : String(err);
}

if (electronPath) {
  const child = spawn(electronPath, ['.', ...extraArgs], { stdio: 'inherit' });
  child.on('error', (err) => offerWebMode(err.message));
  child.on('close', (code, signal) => {
    if (code !== 0 && code !== null) offerWebMode(`Electron exited with code ${code}`);
    else process.exit(signal ? 1 : 0);
  });
} else {
  await offerWebMode(why);
}

async function offerWebMode(reason) {
  console.error(
    [
      '',
      'Kinema cannot open its desktop window: the Electron runtime is not available on this machine.',
      `  (${reason || 'unknown reason'})`,
      'Electron downloads its binary the first time it starts, which needs internet access.',
      '',
      'Web mode runs the same workstation in your browser, on this machine only:',
      '  npm run serve',
      '',
    ].join('\n'),
  );
  if (!process.stdin.isTTY) process.exit(1);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question('Start web mode now? [Y/n] ')).trim().toLowerCase();
  rl.close();
  if (answer && answer !== 'y' && answer !== 'yes') process.exit(1);
  const serve = spawn(projectNode(), ['out/main/serve.js', ...extraArgs], { stdio: 'inherit' });
  serve.on('close', (code) => process.exit(code ?? 0));
}
