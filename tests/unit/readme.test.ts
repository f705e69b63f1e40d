import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyCaps, SHORTCUTS } from '../../src/renderer/src/shortcuts';

describe('README', () => {
  it('lists every keyboard shortcut the app handles, with its keys', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(
      readme.indexOf('<!-- shortcuts:start'),
      readme.indexOf('<!-- shortcuts:end -->'),
    );
    // Table rows as [keys, action] cells, whatever padding the formatter added.
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .map((line) =>
        line
          .split('|')
          .map((cell) => cell.trim())
          .slice(1, 3),
      );
    for (const s of SHORTCUTS) {
      const keys = s.keys.map((k) => keyCaps(k).join('+')).join(', ');
      expect(rows).toContainEqual([keys, s.label]);
    }
  });
});
