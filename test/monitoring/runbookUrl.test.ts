/**
 * Where the alerts' runbook_url annotations point, and how an operator changes it:
 * - plain Prometheus: README's one-line sed, run here as documented, then `promtool check rules`;
 * - the Helm chart: prometheusRule.runbookBaseUrl, whose default is the base every shipped
 *   runbook_url has, so an unchanged chart renders the shipped URLs (no helm binary here: the
 *   template is checked for the rewrite, the schema for the value).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/process';
import { runPromtool } from '../helpers/prometheus';
import { template } from '../packaging/lib/chart';

type RuleFile = { groups: Array<{ rules: Array<{ alert?: string; annotations?: Record<string, string> }> }> };

const alertsOf = (text: string) => (parse(text) as RuleFile).groups.flatMap((g) => g.rules).filter((r) => r.alert);
const shipped = alertsOf(readFileSync(path.join(ROOT, 'monitoring/alerts.yaml'), 'utf8'));
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The one README line that rewrites the runbook URLs: `sed 's|OLD|NEW|' monitoring/alerts.yaml > FILE`. */
function documentedSed(): { line: string; from: string; to: string; output: string } {
  const lines = README.split('\n').filter((l) => /^sed 's\|https:\/\/[^|]+\|[^|]+\|' monitoring\/alerts\.yaml > \S+$/.test(l));
  if (lines.length !== 1) throw new Error(`README.md should show one sed line rewriting the runbook URLs, found ${lines.length}`);
  const [, from, to, output] = /^sed 's\|([^|]+)\|([^|]+)\|' monitoring\/alerts\.yaml > (\S+)$/.exec(lines[0]) ?? [];
  return { line: lines[0], from, to, output };
}

describe('runbook_url of monitoring/alerts.yaml', () => {
  it('every alert links to <runbook base>#<alert name in lower case>, all with one base', () => {
    const bases = new Set(shipped.map((r) => r.annotations?.runbook_url?.replace(/#[^#]*$/, '')));
    expect(bases.size).toBe(1);
    for (const r of shipped) expect(r.annotations?.runbook_url).toBe(`${[...bases][0]}#${r.alert?.toLowerCase()}`);
  });

  it("README's sed line, run as documented, points every alert at the new base and passes promtool check rules", async () => {
    const { line, from, to, output } = documentedSed();
    expect(from).toBe(shipped[0].annotations?.runbook_url?.replace(/#[^#]*$/, ''));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-runbook-sed-'));
    try {
      mkdirSync(path.join(dir, 'monitoring'));
      writeFileSync(path.join(dir, 'monitoring', 'alerts.yaml'), readFileSync(path.join(ROOT, 'monitoring/alerts.yaml')));
      // The documented output path, moved into the temporary directory.
      const target = path.join(dir, path.basename(output));
      const run = spawnSync('sh', ['-c', line.replace(` > ${output}`, ` > '${target}'`)], { cwd: dir, encoding: 'utf8' });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const text = readFileSync(target, 'utf8');
      expect(text).not.toContain(from);
      const rewritten = alertsOf(text);
      expect(rewritten.map((r) => r.annotations?.runbook_url)).toEqual(shipped.map((r) => `${to}#${r.alert?.toLowerCase()}`));
      const check = await runPromtool(['check', 'rules', target]);
      expect({ code: check.code, output: check.output }).toEqual({ code: 0, output: expect.stringContaining(`SUCCESS: ${shipped.length} rules found`) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('prometheusRule.runbookBaseUrl of the Helm chart', () => {
  const values = parse(readFileSync(path.join(ROOT, 'helm/bkpaas-process-exporter/values.yaml'), 'utf8')) as {
    prometheusRule: { runbookBaseUrl: string };
  };

  it('defaults to the base of the shipped runbook_url annotations (an unchanged chart renders them as shipped)', () => {
    for (const r of shipped) expect(r.annotations?.runbook_url).toBe(`${values.prometheusRule.runbookBaseUrl}#${r.alert?.toLowerCase()}`);
  });

  it('is applied by templates/prometheusrule.yaml to every runbook_url, in the parsed rules', () => {
    const text = template('prometheusrule.yaml');
    expect(text).toContain('{{- with $pr.runbookBaseUrl }}');
    expect(text).toMatch(/\{\{- range \$group := \$rules\.groups \}\}\s*\{\{- range \$rule := \$group\.rules \}\}\s*\{\{- with \$rule\.annotations \}\}/);
    expect(text).toContain('{{- $_ := set . "runbook_url" (printf "%s#%s" $base (splitList "#" .runbook_url | last)) }}');
    // Set before the groups are written out.
    expect(text.indexOf('set . "runbook_url"')).toBeLessThan(text.indexOf('toYaml (concat $rules.groups'));
  });
});
