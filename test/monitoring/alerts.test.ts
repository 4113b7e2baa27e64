// monitoring/alerts.yaml: checked and unit-tested with promtool, loaded into a real Prometheus,
// and held to the conventions (contract metric names, severity, annotations, runbook sections).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { runPromtool, startPrometheus, type PromtoolResult, type PrometheusServer } from '../helpers/prometheus';
import { isContractSeriesName, metricNames } from './promql';

const ROOT = path.resolve(__dirname, '../..');
const ALERTS_FILE = path.join(ROOT, 'monitoring/alerts.yaml');
const TESTS_DIR = path.join(ROOT, 'monitoring/tests');
const RUNBOOK_FILE = path.join(ROOT, 'docs/runbook.md');
const RUNBOOK_BASE = 'https://github.com/TencentBlueKing/bkpaas-process-exporter/blob/main/docs/runbook.md#';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleGroup {
  name: string;
  rules: Rule[];
}

interface AlertRuleTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[] | null;
}

interface PromtoolTestFile {
  rule_files: string[];
  tests: Array<{ name?: string; alert_rule_test?: AlertRuleTest[] }>;
}

const groups = (parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: RuleGroup[] }).groups;
const alerts = groups.flatMap((g) => g.rules.filter((r) => r.alert).map((rule) => ({ group: g.name, rule })));
const alertNames = alerts.map(({ rule }) => rule.alert as string);
const testFiles = readdirSync(TESTS_DIR)
  .filter((f) => f.endsWith('_test.yaml'))
  .sort()
  .map((f) => path.join(TESTS_DIR, f));

/** Fails with promtool's output unless it exited 0. */
function expectSuccess(result: PromtoolResult): void {
  if (result.code !== 0) throw new Error(`promtool failed (exit ${result.code}):\n${result.output}`);
  expect(result.code).toBe(0);
}

/** Alerts about many targets at once name their job and reason, not one target. */
const ABOUT: Record<string, string[]> = {
  BkpaasTargetsFailingTogether: ['job', 'reason'],
};

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('monitoring/alerts.yaml', () => {
  it('has alerts, in named groups, with unique names', () => {
    expect(groups.map((g) => g.name)).toEqual(['bkpaas-processes', 'bkpaas-targets', 'bkpaas-exporter']);
    expect(alertNames.length).toBeGreaterThanOrEqual(9);
    expect(new Set(alertNames).size).toBe(alertNames.length);
  });

  it('passes promtool check rules', async () => {
    const result = await runPromtool(['check', 'rules', ALERTS_FILE]);
    expectSuccess(result);
    expect(result.stdout).toContain(`SUCCESS: ${alertNames.length} rules found`);
  });

  it('passes its promtool unit tests (monitoring/tests/*_test.yaml)', async () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const result = await runPromtool(['test', 'rules', ...testFiles], { cwd: ROOT });
    expectSuccess(result);
    expect(result.stdout).not.toContain('FAILED');
  }, 120_000);

  it('has, for every alert, a unit test where it fires and one where it stays quiet', () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of testFiles) {
      const parsed = parse(readFileSync(file, 'utf8')) as PromtoolTestFile;
      expect(parsed.rule_files.map((f) => path.resolve(path.dirname(file), f))).toEqual([ALERTS_FILE]);
      for (const test of parsed.tests) {
        for (const check of test.alert_rule_test ?? []) {
          expect(alertNames).toContain(check.alertname);
          (check.exp_alerts && check.exp_alerts.length > 0 ? firing : quiet).add(check.alertname);
        }
      }
    }
    expect(alertNames.filter((a) => !firing.has(a))).toEqual([]);
    expect(alertNames.filter((a) => !quiet.has(a))).toEqual([]);
  });

  it('selects only metric names of the contract (and Prometheus\'s up)', () => {
    const unknown = alerts.flatMap(({ rule }) =>
      metricNames(rule.expr)
        .filter((name) => name !== 'up' && !isContractSeriesName(name))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  describe.each(alerts.map(({ group, rule }) => [rule.alert as string, group, rule] as const))('%s', (name, group, rule) => {
    it('has a for: duration and a warning/critical severity', () => {
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
    });

    it('has summary, description and a runbook_url with its own anchor', () => {
      expect(Object.keys(rule.annotations ?? {}).sort()).toEqual(['description', 'runbook_url', 'summary']);
      expect(rule.annotations?.runbook_url).toBe(RUNBOOK_BASE + name.toLowerCase());
    });

    it('names what it is about in summary and description', () => {
      const required =
        ABOUT[name] ??
        (group === 'bkpaas-processes'
          ? ['app_code', 'module_name', 'environment', 'process_type']
          : group === 'bkpaas-targets'
            ? ['app_code', 'module_name', 'environment']
            : ['instance']);
      for (const text of [rule.annotations?.summary ?? '', rule.annotations?.description ?? '']) {
        for (const label of required) expect(text).toContain(`$labels.${label}`);
      }
    });

    it('joins bkpaas_process_target_status ignoring only its status label', () => {
      // target_status is the one process series with an extra label: each use needs ignoring(status).
      const uses = rule.expr.match(/bkpaas_process_target_status/g)?.length ?? 0;
      const joins = rule.expr.match(/\b(and|or|unless) ignoring\(status\)\s*\(\s*last_over_time\(bkpaas_process_target_status/g)?.length ?? 0;
      expect(joins).toBe(uses);
    });
  });
});

describe('docs/runbook.md', () => {
  const runbook = readFileSync(RUNBOOK_FILE, 'utf8');
  const headings = [...runbook.matchAll(/^##\s+(.+)$/gm)].map((m) => m[1].trim());

  it.each(alertNames)('has a section for %s that its runbook_url anchor reaches', (name) => {
    expect(headings).toContain(name);
    expect(githubAnchor(name)).toBe(name.toLowerCase());
    const section = runbook.split(/^## /m).find((s) => s.startsWith(`${name}\n`)) ?? '';
    // Meaning, how to confirm (PromQL), what to do, false positives.
    expect(section).toMatch(/```promql\n/);
    expect(section).toMatch(/\*\*Meaning\*\*/);
    expect(section).toMatch(/\*\*Confirm\*\*/);
    expect(section).toMatch(/\*\*Act\*\*/);
    expect(section).toMatch(/\*\*False positives\*\*/);
  });

  it('has no section for an alert that does not exist', () => {
    const alertSections = headings.filter((h) => /^Bkpaas[A-Za-z]+$/.test(h));
    expect(alertSections.sort()).toEqual([...alertNames].sort());
  });
});

describe('alerts.yaml in a real Prometheus', () => {
  let prometheus: PrometheusServer | undefined;

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('loads every group and evaluates every rule without error', async () => {
    prometheus = await startPrometheus({ ruleFiles: [ALERTS_FILE] });
    const server = prometheus;
    const loaded = await server.waitFor('every rule to be evaluated', async () => {
      const ruleGroups = await server.rules();
      const rules = ruleGroups.flatMap((g) => g.rules);
      const evaluated = rules.length === alertNames.length && rules.every((r) => !r.lastEvaluation.startsWith('0001-'));
      return evaluated ? ruleGroups : undefined;
    });
    expect(loaded.map((g) => g.name).sort()).toEqual(groups.map((g) => g.name).sort());
    const unhealthy = loaded.flatMap((g) => g.rules).filter((r) => r.health !== 'ok');
    expect(unhealthy.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
    // No data: nothing fires.
    expect(await server.alerts()).toEqual([]);
  }, 60_000);
});
