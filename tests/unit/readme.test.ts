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
    for (const s of SHORTCUTS) {
      const keys = s.keys.map((k) => keyCaps(k).join('+')).join(', ');
      expect(section).toContain(`| ${keys} | ${s.label} |`);
    }
  });
});
