/**
 * Huge configs: validation time grows linearly with the number of targets (and of problems), and
 * the error report prints the first problems only, then a count, in the ConfigError's message
 * (what logs, --check-config and the /-/reload answer show; the last two are also checked on
 * dist/main.js, here and in test/integration/reloadBounds.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ConfigError } from '../../src/config/errors';
import { parseConfigText } from '../../src/config/load';
import { runExporter } from '../helpers/process';
import { TEST_ENV, expectConfigError } from './helpers';

/** A config of `n` targets, each with three mistakes: app_code, environment, an unknown key. */
function allInvalid(n: number): string {
  const lines = [
    'upstream:',
    '  base_url: https://bkapi.example.com/api/bkpaas3/prod',
    '  auth: {bk_app_code: a, bk_app_secret: s, bk_username: u}',
    'targets:',
  ];
  for (let i = 0; i < n; i++) lines.push(`  - {app_code: "bad app ${i}", environments: ["pro d"], bogus: ${i}}`);
  return `${lines.join('\n')}\n`;
}

/** The fastest of `runs` validations of `text`, in ms, and the error it throws. */
function timeValidation(text: string, runs: number): { ms: number; error: ConfigError } {
  let best = Infinity;
  let error: ConfigError | undefined;
  for (let r = 0; r < runs; r++) {
    const started = process.hrtime.bigint();
    error = expectConfigError(() => parseConfigText(text, { env: TEST_ENV }));
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms: best, error: error! };
}

describe('a 20 000-target config with a mistake in every target', () => {
  const small = allInvalid(5_000);
  const large = allInvalid(20_000);
  let largeRun: { ms: number; error: ConfigError };

  beforeAll(() => {
    timeValidation(allInvalid(1_000), 1); // warm up the JIT, so the first measure is not the slow one
  });

  test('validation time grows linearly: 4 × the targets take less than 8 × the time', () => {
    const smallRun = timeValidation(small, 2);
    largeRun = timeValidation(large, 2);
    expect(smallRun.error.problems).toHaveLength(3 * 5_000);
    expect(largeRun.error.problems).toHaveLength(3 * 20_000);
    expect(largeRun.ms / smallRun.ms).toBeLessThan(8);
  }, 120_000);

  test('every problem is kept, but the message prints the first 20 and counts the rest', () => {
    const { error } = largeRun ?? timeValidation(large, 1);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid config <config>:');
    expect(lines.slice(1, 4)).toEqual([
      '  targets[0].app_code (line 5): invalid app_code "bad app 0": use only letters, digits, ".", "_", "~" and "-" (it becomes part of the API URL)',
      '  targets[0].environments[0] (line 5): invalid environment "pro d": use only letters, digits, ".", "_", "~" and "-" (it becomes part of the API URL)',
      expect.stringMatching(/^ {2}targets\[0\]\.bogus \(line 5\): unknown key "bogus"/),
    ]);
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[21]).toBe(`  ... and ${3 * 20_000 - 20} more problems`);
    expect(error.message.length).toBeLessThan(10_000);
  });
});

test('dist/main.js --check-config prints the first 20 problems of 5 000 invalid targets, then a count', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-large-config-'));
  try {
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, allInvalid(5_000));
    const r = await runExporter(['--check-config', '--config', file], {}, 60_000);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`invalid config ${file}:`);
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[21]).toBe(`  ... and ${3 * 5_000 - 20} more problems`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
