#!/usr/bin/env node
// The `kinema` command: runs the built CLI (npm run build first).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('kinema: the app is not built yet. Run `npm run build` first.');
  process.exit(1);
}
await import(cli);
