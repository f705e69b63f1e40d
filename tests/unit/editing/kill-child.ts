/**
 * Child process of kill.test.ts: opens the project, applies edits to an edit run and reports each
 * one on stdout once committed. 'once' applies one edit and waits to be killed; 'exit' applies
 * one and exits at once; 'loop' keeps editing until killed (the kill lands mid-edit).
 *   node --import tsx tests/unit/editing/kill-child.ts PROJECT RUN_ID once|exit|loop
 */
import { openDatabase } from '../../../src/main/db/connection';
import { applyEdit } from '../../../src/main/editing/service';

const [project, run, mode] = process.argv.slice(2);
const runId = Number(run);
const db = openDatabase(project);

function edit(n: number): number {
  const out = applyEdit(
    db,
    runId,
    n % 3 === 2
      ? { action: 'swapLeftRight', trackId: 0, inFrame: 100 + n * 10, outFrame: 1200 + n * 10 }
      : { action: 'moveKeypoint', trackId: 0, frame: 1000 + n, joint: n % 17, x: 700 + n, y: 300 + n },
  );
  return out.entry?.id ?? -1;
}

if (mode === 'loop') {
  for (let n = 0; ; n++) process.stdout.write(`committed ${edit(n)}\n`);
} else {
  process.stdout.write(`committed ${edit(0)}\n`);
  if (mode === 'exit') process.exit(0);
  setInterval(() => undefined, 1000);
}
