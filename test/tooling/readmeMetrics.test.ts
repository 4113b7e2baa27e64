/**
 * README's Metrics table and the declaration table (src/metrics/families.ts) list the same
 * bkpaas_process_ / bkpaas_instance_ / bkpaas_target_ families with the same types.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TARGET_FAMILIES } from '../../src/metrics/families';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** `name → type` of the README's Metrics table rows that name one target family. */
function readmeFamilies(): Map<string, string> {
  const section = README.slice(README.indexOf('\n## Metrics'), README.indexOf('\n## ', README.indexOf('\n## Metrics') + 1));
  const out = new Map<string, string>();
  for (const m of section.matchAll(/^\| `(bkpaas_(?:process|instance|target)_[a-z_]+)` \| (\w+) \|/gm)) out.set(m[1], m[2]);
  return out;
}

describe('README Metrics table', () => {
  it('has a row per declared family with its type, and no other target family', () => {
    const declared = new Map(TARGET_FAMILIES.map((f) => [f.name, f.type as string]));
    expect(Object.fromEntries(readmeFamilies())).toEqual(Object.fromEntries(declared));
  });
});
