/**
 * monitoring/alertmanager-inhibit.yaml and the Alertmanager route example of docs/runbook.md
 * ("Severities and environments"):
 *
 * - the inhibit rules name alerts of monitoring/alerts.yaml, and their `equal` labels are labels
 *   those alerts carry (read from the firing expectations of the promtool unit tests);
 * - `amtool check-config` accepts the route example with the inhibit rules added, and
 *   `amtool config routes test` sends stag alerts to chat and prod critical ones to the pager;
 * - a real Alertmanager with that configuration holds back exactly the alerts each rule names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startAlertmanager, type AlertmanagerServer, type AmAlert } from '../helpers/alertmanager';
import { alertmanagerConfig, inhibitRules as readInhibitRules } from './alertmanagerConfig';
import { ROOT } from '../helpers/process';
import { runTool, type Labels } from '../helpers/prometheus';
import { sleep } from '../helpers/sleep';

const ALERTS_FILE = path.join(ROOT, 'monitoring/alerts.yaml');
const TESTS_DIR = path.join(ROOT, 'monitoring/tests');

/** Labels Prometheus puts on every scraped series. */
const SCRAPE_LABELS = ['job', 'instance'];

const inhibitRules = readInhibitRules();
const alertNames = (parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string }> }> }).groups
  .flatMap((g) => g.rules.map((r) => r.alert))
  .filter((a): a is string => a !== undefined);

/** The alert names an `alertname` matcher (`="X"` or `=~"A|B"`) selects among our alerts. */
function alertsMatched(matchers: string[]): string[] {
  const names = matchers.flatMap((m) => {
    const eq = /^alertname="(\w+)"$/.exec(m);
    if (eq) return [eq[1]];
    const re = /^alertname=~"([\w|]+)"$/.exec(m);
    if (re) return re[1].split('|');
    throw new Error(`unexpected matcher ${m}: the tests read alertname="X" and alertname=~"A|B" only`);
  });
  return names;
}

/** Labels each alert carries when it fires, from the exp_labels of the promtool unit tests. */
function firingLabels(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const file of readdirSync(TESTS_DIR).filter((f) => f.endsWith('_test.yaml'))) {
    const doc = parse(readFileSync(path.join(TESTS_DIR, file), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: Array<{ exp_labels: Labels }> | null }> }>;
    };
    for (const test of doc.tests) {
      for (const check of test.alert_rule_test ?? []) {
        for (const alert of check.exp_alerts ?? []) {
          const labels = out.get(check.alertname) ?? new Set<string>();
          for (const name of Object.keys(alert.exp_labels)) labels.add(name);
          out.set(check.alertname, labels);
        }
      }
    }
  }
  return out;
}

describe('monitoring/alertmanager-inhibit.yaml', () => {
  it('has the mass-failure, stale-over-down and not-settled rules', () => {
    expect(inhibitRules.map((r) => `${alertsMatched(r.source_matchers).join('|')} -> ${alertsMatched(r.target_matchers).join('|')}`)).toEqual([
      'BkpaasTargetsFailingTogether -> BkpaasTargetDown|BkpaasTargetDataStale',
      'BkpaasTargetDataStale -> BkpaasTargetDown',
      'BkpaasProcessReplicasMismatch|BkpaasProcessNoHealthyReplicas|BkpaasProcessFailedInstances -> BkpaasProcessNotSettled',
    ]);
  });

  it('names only alerts of monitoring/alerts.yaml, and matches on labels both sides carry when they fire', () => {
    const labels = firingLabels();
    const problems: string[] = [];
    for (const rule of inhibitRules) {
      for (const name of [...alertsMatched(rule.source_matchers), ...alertsMatched(rule.target_matchers)]) {
        if (!alertNames.includes(name)) {
          problems.push(`${name} is not an alert of monitoring/alerts.yaml`);
          continue;
        }
        const carried = labels.get(name);
        if (!carried) problems.push(`${name} has no firing promtool test to read its labels from`);
        // job and instance are on every scraped series, so on every alert; the tests leave them out at times.
        for (const label of rule.equal) {
          if (carried && !carried.has(label) && !SCRAPE_LABELS.includes(label)) problems.push(`${name} does not carry ${label}, which the rule's equal lists`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('amtool check-config accepts the runbook\'s route example with these rules', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bkpaas-amtool-'));
    try {
      const file = path.join(dir, 'alertmanager.yml');
      await writeFile(file, JSON.stringify(alertmanagerConfig(), null, 2));
      const check = await runTool('amtool', ['check-config', file]);
      expect({ code: check.code, output: check.output }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
      expect(check.stdout).toContain(` - ${inhibitRules.length} inhibit rules`);

      // The route example: stag never pages; prod critical does; warnings go to chat.
      const receiver = async (...labels: string[]) => {
        const r = await runTool('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels]);
        if (r.code !== 0) throw new Error(r.output);
        return r.stdout.trim();
      };
      expect(await receiver('alertname=BkpaasProcessNoHealthyReplicas', 'environment=stag', 'severity=critical')).toBe('team-chat');
      expect(await receiver('alertname=BkpaasProcessNoHealthyReplicas', 'environment=prod', 'severity=critical')).toBe('oncall-pager');
      expect(await receiver('alertname=BkpaasProcessFailedInstances', 'environment=prod', 'severity=warning')).toBe('team-chat');
      expect(await receiver('alertname=BkpaasTargetsFailingTogether', 'job=bkpaas', 'severity=critical')).toBe('oncall-pager');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the inhibit rules in a real Alertmanager', () => {
  let alertmanager: AlertmanagerServer | undefined;

  afterAll(async () => {
    await alertmanager?.stop();
  });

  const target = (job: string, app: string, env = 'prod'): Labels => ({
    job,
    instance: job === 'bkpaas-probe' ? `${app}/default/${env}` : 'exporter:9876',
    app_code: app,
    module_name: 'default',
    environment: env,
  });

  it('holds back exactly the alerts each rule names', async () => {
    alertmanager = await startAlertmanager(alertmanagerConfig());
    const am = alertmanager;
    const sent: Labels[] = [
      // The credentials expired: job bkpaas-probe fails together.
      { alertname: 'BkpaasTargetsFailingTogether', severity: 'critical', job: 'bkpaas-probe', reason: 'auth' },
      { alertname: 'BkpaasTargetDown', severity: 'warning', ...target('bkpaas-probe', 'a1') },
      { alertname: 'BkpaasTargetDataStale', severity: 'critical', ...target('bkpaas-probe', 'a2') },
      // Another job is not concerned: its alerts stay.
      { alertname: 'BkpaasTargetDown', severity: 'warning', ...target('bkpaas', 'b1') },
      // One target of it stale and down: the stale alert stays, the down alert is held back.
      { alertname: 'BkpaasTargetDataStale', severity: 'critical', ...target('bkpaas', 'b2') },
      { alertname: 'BkpaasTargetDown', severity: 'warning', ...target('bkpaas', 'b2') },
      // A process with failed instances: its NotSettled is held back, another process's is not.
      { alertname: 'BkpaasProcessFailedInstances', severity: 'warning', ...target('bkpaas', 'c1'), process_type: 'web' },
      { alertname: 'BkpaasProcessNotSettled', severity: 'warning', ...target('bkpaas', 'c1'), process_type: 'web' },
      { alertname: 'BkpaasProcessNotSettled', severity: 'warning', ...target('bkpaas', 'c1'), process_type: 'worker' },
    ];
    await am.postAlerts(sent.map((labels) => ({ labels })));
    const key = (l: Labels) => `${l.alertname} ${l.job} ${l.app_code ?? ''}${l.process_type ? `/${l.process_type}` : ''}`;
    const state = (alerts: AmAlert[]) => Object.fromEntries(alerts.map((a) => [key(a.labels), a.status.inhibitedBy.length > 0 ? 'inhibited' : a.status.state]));
    const seen = await alertmanagerState(am, sent.length, state);
    expect(seen).toEqual({
      'BkpaasTargetsFailingTogether bkpaas-probe ': 'active',
      'BkpaasTargetDown bkpaas-probe a1': 'inhibited',
      'BkpaasTargetDataStale bkpaas-probe a2': 'inhibited',
      'BkpaasTargetDown bkpaas b1': 'active',
      'BkpaasTargetDataStale bkpaas b2': 'active',
      'BkpaasTargetDown bkpaas b2': 'inhibited',
      'BkpaasProcessFailedInstances bkpaas c1/web': 'active',
      'BkpaasProcessNotSettled bkpaas c1/web': 'inhibited',
      'BkpaasProcessNotSettled bkpaas c1/worker': 'active',
    });
  }, 60_000);
});

/** Polls until Alertmanager holds `count` alerts, all processed; returns `state` of them. */
async function alertmanagerState(am: AlertmanagerServer, count: number, state: (alerts: AmAlert[]) => Record<string, string>): Promise<Record<string, string>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const alerts = await am.alerts();
    if (alerts.length === count && alerts.every((a) => a.status.state !== 'unprocessed')) return state(alerts);
    if (Date.now() > deadline) throw new Error(`Alertmanager holds ${alerts.length} of ${count} alerts after 20 s\n${am.logs()}`);
    await sleep(200);
  }
}
