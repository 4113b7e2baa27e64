/**
 * docs/hardening.md's npx one-liner that makes a bcrypt hash for `basic_auth_users` works outside
 * the repository. It is run from an empty temporary folder, as documented, except that the
 * `npx --yes -p bcryptjs@3` prefix is replaced by what npx provides: the package's
 * node_modules/.bin first on PATH (here the repository's own, so the test needs no registry).
 * The hash must verify the password and be accepted by the exporter's web config.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { parseWebConfig } from '../../src/http/webConfig';
import { ROOT } from '../helpers/process';

const NPX_PREFIX = /^npx --yes -p bcryptjs@(\d+) /;

/** The documented line (the one that starts with the npx prefix), the command after the prefix, and the pinned major version. */
function documented(): { command: string; major: string } {
  const lines = readFileSync(path.join(ROOT, 'docs/hardening.md'), 'utf8')
    .split('\n')
    .filter((l) => NPX_PREFIX.test(l));
  if (lines.length !== 1) throw new Error(`docs/hardening.md should show one line starting with "npx --yes -p bcryptjs@N ", found ${lines.length}`);
  const match = NPX_PREFIX.exec(lines[0]) as RegExpExecArray;
  return { command: lines[0].slice(match[0].length), major: match[1] };
}

describe("docs/hardening.md's bcrypt one-liner", () => {
  it('pins the bcryptjs major version the exporter depends on', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.bcryptjs).toMatch(new RegExp(`^\\^${documented().major}\\.`));
  });

  it('hashes the password read from stdin, in a folder outside the repository', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-hash-'));
    try {
      const { command } = documented();
      const run = spawnSync('sh', ['-c', command], {
        cwd: dir,
        input: 'change-me\n',
        encoding: 'utf8',
        env: { PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, HOME: dir },
        timeout: 30_000,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const hash = run.stdout.trim();
      expect(hash).toMatch(/^\$2[aby]\$10\$[./A-Za-z0-9]{53}$/);
      expect(bcrypt.compareSync('change-me', hash)).toBe(true);
      expect(bcrypt.compareSync('change-me\n', hash)).toBe(false);
      const web = parseWebConfig(`basic_auth_users:\n  prometheus: "${hash}"\n`, path.join(dir, 'web.yml'));
      expect(Object.keys(web.users)).toEqual(['prometheus']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
