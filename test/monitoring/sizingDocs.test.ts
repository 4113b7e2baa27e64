/**
 * docs/performance.md, "Sizing from your own numbers": its commands run as documented (the
 * `--once` run against the built-in simulator with `--demo` instead of a config file) and print
 * what they say, and every PromQL line runs in a real Prometheus.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAIN, requireBuild, ROOT } from '../helpers/process';
import { usePrometheus } from '../helpers/prometheus';

const doc = readFileSync(path.join(ROOT, 'docs/performance.md'), 'utf8');
const section = doc.split(/^## /m).find((s) => s.startsWith('Sizing from your own numbers\n')) ?? '';
const blocks = (lang: string) => [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].flatMap((m) => m[1].split('\n').filter(Boolean));

describe('docs/performance.md, "Sizing from your own numbers"', () => {
  it('exists, with a worked example', () => {
    expect(section).toContain('**3. A worked example.**');
  });

  it('the --once commands print the targets, mean and p90 fetch duration', () => {
    requireBuild();
    const [once, summary, ...rest] = blocks('sh');
    expect(rest).toEqual([]);
    expect(once).toBe('time npx bkpaas-exporter --once --config config.yaml > once.prom');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-sizing-'));
    try {
      // The same run with the built exporter and its simulator instead of a config.
      const run = spawnSync('sh', ['-c', `"${process.execPath}" "${MAIN}" --demo --once > once.prom`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(run.status).toBe(0);
      const durations = readFileSync(path.join(dir, 'once.prom'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('bkpaas_target_fetch_duration_seconds{'))
        .map((l) => Number(l.split(' ')[1]));
      expect(durations.length).toBeGreaterThan(1);

      const printed = spawnSync('sh', ['-c', summary], { cwd: dir, encoding: 'utf8' });
      expect({ status: printed.status, stderr: printed.stderr }).toEqual({ status: 0, stderr: '' });
      const match = /^targets (\d+), mean fetch ([\d.]+) s, p90 ([\d.]+) s\n$/.exec(printed.stdout);
      if (!match) throw new Error(`unexpected output: ${printed.stdout}`);
      const sorted = [...durations].sort((a, b) => a - b);
      expect(Number(match[1])).toBe(durations.length);
      // awk prints three decimals: the printed value is within half a unit of the last place.
      expect(Math.abs(Number(match[2]) - durations.reduce((a, b) => a + b, 0) / durations.length)).toBeLessThanOrEqual(0.0005 + 1e-9);
      expect(Math.abs(Number(match[3]) - sorted[Math.floor(durations.length * 0.9 + 0.5) - 1])).toBeLessThanOrEqual(0.0005 + 1e-9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('in a real Prometheus', () => {
    const prometheus = usePrometheus();

    it('every PromQL line runs', async () => {
      const queries = blocks('promql');
      expect(queries.length).toBeGreaterThanOrEqual(5);
      const failures: string[] = [];
      for (const q of queries) await prometheus().query(q).catch((err: Error) => failures.push(`${q}: ${err.message}`));
      expect(failures).toEqual([]);
    });
  });
});
