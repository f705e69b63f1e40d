// The Node that can run Kinema's main-process code: better-sqlite3 13 needs N-API 10 (Node ≥
// 22.14). npm scripts already run on the Node 22 of the `node` devDependency; a plain `node` on
// the PATH may be older, so entry scripts re-launch on that one when they need to.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function projectNode() {
  if (Number(process.versions.napi) >= 10) return process.execPath;
  const bundled = join(root, 'node_modules', '.bin', 'node');
  if (existsSync(bundled)) return bundled;
  console.error(`Kinema needs Node 22.14 or newer (this is ${process.version}). Run \`npm install\` first.`);
  process.exit(1);
}
