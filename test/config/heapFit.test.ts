/**
 * upstream.max_response_bytes must fit the heap the process runs with (config/heapFit.ts): a cap
 * of 300MiB under a small heap is a config error naming the key, and --check-config says the
 * rule and the heap limit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parseConfigText } from '../../src/config/load';
import { runExporter } from '../helpers/process';
import { TEST_ENV, expectConfigError } from './helpers';

const MiB = 1024 * 1024;

const yaml = (cap: string) => `upstream:
  base_url: https://bkapi.example.com/api/bkpaas3/prod
  auth:
    bk_app_code: my-monitor-app
    bk_app_secret: \${BK_APP_SECRET}
    bk_username: admin
  max_response_bytes: ${cap}
targets:
  - app_code: demo-app
    environments: [prod]
`;

describe('upstream.max_response_bytes against the heap limit', () => {
  test('a cap whose 4 × does not fit the heap limit is refused at its line, with the rule and the limit', () => {
    const err = expectConfigError(() => parseConfigText(yaml('300MiB'), { env: TEST_ENV, heapLimitBytes: 524 * MiB }));
    expect(err.problems).toEqual([
      {
        path: 'upstream.max_response_bytes',
        line: 7,
        message:
          '300MiB is more than this process can hold (rule: max_response_bytes × 4 must fit in the heap limit: a body is held as text and as parsed JSON, in at most half the heap); ' +
          "the heap limit is 524MiB (node's --max-old-space-size, e.g. in NODE_OPTIONS), so at most 131MiB: lower upstream.max_response_bytes or raise the heap limit",
      },
    ]);
  });

  test('a cap that fits, and the default under the image heap, are accepted', () => {
    expect(parseConfigText(yaml('131MiB'), { env: TEST_ENV, heapLimitBytes: 524 * MiB }).config.upstream.max_response_bytes).toBe(131 * MiB);
    const noCap = yaml('16MiB').replace(/^ {2}max_response_bytes:.*\n/m, '');
    expect(parseConfigText(noCap, { env: TEST_ENV, heapLimitBytes: 76 * MiB }).config.upstream.max_response_bytes).toBe(16 * MiB);
  });

  describe('dist/main.js --check-config', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-heapfit-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('NODE_OPTIONS=--max-old-space-size=64 and a cap of 300MiB: exit 1 naming the key, the rule and the heap limit', async () => {
      const file = path.join(dir, 'big-cap.yaml');
      writeFileSync(file, yaml('300MiB'));
      const r = await runExporter(['--check-config', '--config', file], { ...TEST_ENV, NODE_OPTIONS: '--max-old-space-size=64' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/upstream\.max_response_bytes \(line 7\): 300MiB is more than this process can hold \(rule: max_response_bytes × 4 must fit in the heap limit/);
      expect(r.stderr).toMatch(/the heap limit is \d+(\.\d)?MiB .*so at most \d+(\.\d)?MiB/);
    });

    test('a cap that fits: the summary says the heap limit and the rule', async () => {
      const file = path.join(dir, 'small-cap.yaml');
      writeFileSync(file, yaml('4MiB'));
      const r = await runExporter(['--check-config', '--config', file], { ...TEST_ENV, NODE_OPTIONS: '--max-old-space-size=64' });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ {2}max response: {5}4MiB\n {4}heap limit: {5}\d+(\.\d)?MiB, so at most \d+(\.\d)?MiB \(rule: max_response_bytes × 4 must fit in the heap limit/);
    });
  });
});
