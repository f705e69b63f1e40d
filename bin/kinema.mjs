#!/usr/bin/env node
// The `kinema` command: runs the built CLI (npm run build first) on a Node that can load it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectNode } from '../scripts/node-bin.mjs';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('kinema: the app is not built yet. Run `npm run build` first.');
  process.exit(1);
}
const node = projectNode();
if (node === process.execPath) await import(cli);
else process.exit(spawnSync(node, [cli, ...process.argv.slice(2)], { stdio: 'inherit' }).status ?? 1);
