// Prints the README's shortcut table from src/renderer/src/shortcuts.ts: npx tsx scripts/gen-shortcuts.ts
import { SHORTCUTS, keyCaps } from '../src/renderer/src/shortcuts';
const rows = SHORTCUTS.map(
  (s) => `| ${s.keys.map((k) => keyCaps(k).join('+')).join(', ')} | ${s.label} | ${s.description} |`,
);
console.log(['| Keys | Action | What it does |', '| --- | --- | --- |', ...rows].join('\n'));
