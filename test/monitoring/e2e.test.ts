/**
 * Monitoring end to end: the built-in simulator → the BUILT exporter (dist/main.js, a child
 * process, with discovery on) → a real Prometheus scraping it three times (job `bkpaas` on
 * /metrics; README's /probe deployment: job `bkpaas-probe` on /probe with README's relabeling and
 * job `bkpaas-exporter` on /exporter-metrics) with a copy of monitoring/alerts.yaml loaded, and
 * sending its alerts to a real Alertmanager with monitoring/alertmanager-inhibit.yaml. A second
 * exporter whose discovery never succeeds is scraped as job `bkpaas-discovery-broken`.
 *
 * - the contract's series arrive in Prometheus with the values the simulator's bodies imply
 *   (computed here from the bodies, independently of the exporter's code), in both jobs alike;
 * - every dashboard panel query and template variable runs, and returns data where the scenario
 *   set implies data (an explicit allow-list names the panels that may be empty, and why);
 * - alerts fire on real data: a test copy of the rules with every `for:` set to 0s, a scenario
 *   switched in the simulator, and /api/v1/alerts polled for the alert with rendered annotations;
 *   at the end every target turns unauthorized: BkpaasTargetsFailingTogether fires and
 *   Alertmanager holds back the per-target alerts;
 * - `promtool check metrics` accepts the exporter's own metric families.
 *
 * Everything listens on loopback free ports; every process is stopped and every temporary
 * directory removed in afterAll, also when a step fails.
 */
import { cpuCoresOf, memoryBytesOf } from '../../src/model/quantity';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type SimTarget, type Simulator } from '../../src/simulator';
import { requireBuild, ROOT, startExporterProcess, type ServerProcess } from '../helpers/process';
import {
  runPromtool,
  startPrometheus,
  type ApiAlert,
  type Labels,
  type PrometheusServer,
  type ScrapeConfig,
  type VectorSample,
} from '../helpers/prometheus';
import { dashboardQueries, labelValuesParts, loadDashboard, substituteVariables, type PanelQuery } from './grafana';
import { sleep } from '../helpers/sleep';
import { startAlertmanager, type AlertmanagerServer } from '../helpers/alertmanager';
import { alertmanagerConfig } from './alertmanagerConfig';

// ---- the scenario set ---------------------------------------------------------------------------

/** The target whose scenario the alert test switches from healthy to failed. */
const SWITCH = { app_code: 'e2e-pay', module_name: 'default', environment: 'prod' } as const;
/** The target the simulator refuses (401 from the gateway). */
const UNAUTHORIZED = { app_code: 'e2e-ops', module_name: 'default', environment: 'prod' } as const;
/** Extra constant label of the SWITCH target in the exporter config: alerts must carry it. */
const SWITCH_LABELS = { team: 'payments' };

const SIM_TARGETS: SimTarget[] = [
  { app_code: 'e2e-shop', module_name: 'default', environment: 'prod', scenario: 'healthy', processTypes: ['web', 'worker', 'beat'], instancesPerType: 3 },
  { app_code: 'e2e-shop', module_name: 'default', environment: 'stag', scenario: 'rollout', processTypes: ['web', 'worker'], instancesPerType: 2 },
  { app_code: 'e2e-shop', module_name: 'api', environment: 'prod', scenario: 'cnative', processTypes: ['web'], instancesPerType: 2 },
  { app_code: 'e2e-shop', module_name: 'api', environment: 'stag', scenario: 'stopped', processTypes: ['web'], instancesPerType: 1 },
  { app_code: 'e2e-blog', module_name: 'default', environment: 'prod', scenario: 'crashloop', processTypes: ['web', 'worker'], instancesPerType: 2 },
  { app_code: 'e2e-blog', module_name: 'default', environment: 'stag', scenario: 'failed', processTypes: ['web', 'worker'], instancesPerType: 3 },
  { ...SWITCH, scenario: 'healthy', processTypes: ['web'], instancesPerType: 2 },
  { ...UNAUTHORIZED, scenario: 'unauthorized', processTypes: ['web'] },
  // Autoscaling on, held at its maximum: the autoscaling panels have data.
  { app_code: 'e2e-scale', module_name: 'default', environment: 'prod', scenario: 'autoscaled', processTypes: ['web'] },
];

/**
 * Discovery, for the Discovery row of the dashboard: it lists e2e-shop with a third module `docs`
 * deployed nowhere (two undeployed targets, which export nothing) and e2e-broken, whose modules
 * call fails (a discovery error every run, while runs still succeed).
 */
const DISCOVERY = {
  enabled: true,
  refresh_interval: '2s',
  environments: ['stag', 'prod'],
  include_apps: ['^e2e-shop$', '^e2e-broken$'],
};
const UNDEPLOYED = ['e2e-shop/docs/stag', 'e2e-shop/docs/prod'];
const SIM_APPS = [
  ...[...new Set(SIM_TARGETS.map((t) => t.app_code))].map((code) => ({
    code,
    name: code,
    modules: [...new Set(SIM_TARGETS.filter((t) => t.app_code === code).map((t) => t.module_name)), ...(code === 'e2e-shop' ? ['docs'] : [])],
  })),
  { code: 'e2e-broken', name: 'e2e-broken', modules: ['default'], modulesFault: 'server_error' as const },
];

type TargetId = Pick<SimTarget, 'app_code' | 'module_name' | 'environment'>;
const keyOf = (t: TargetId): string => `${t.app_code}/${t.module_name}/${t.environment}`;
/** The target key of a series' labels. */
const targetOf = (labels: Labels): string => `${labels.app_code}/${labels.module_name}/${labels.environment}`;
const isUnauthorized = (t: TargetId): boolean => keyOf(t) === keyOf(UNAUTHORIZED);
const isSwitch = (t: TargetId): boolean => keyOf(t) === keyOf(SWITCH);
const UP_TARGETS = SIM_TARGETS.filter((t) => !isUnauthorized(t));

/** The jobs that scrape the targets' series. */
const JOBS = ['bkpaas', 'bkpaas-probe'] as const;

// ---- what the bodies imply, per the contract (computed without the exporter's code) -----------

interface BodyProcess {
  type: string;
  name: string;
  replicas: number;
  success: number;
  failed: number;
  version: number;
  cluster_link: string;
}
interface BodyInstance {
  process_type: string;
  state: string;
  ready: boolean;
  restart_count: number;
  version: string | number;
  terminated_info?: { reason?: string | null; exit_code?: number | null } | null;
}
type BodyResources = { cpu?: string; memory?: string } | null;
interface BodySpec {
  name: string;
  target_replicas: number;
  target_status: string;
  max_replicas: number;
  plan_name?: string;
  resource_limit?: BodyResources;
  resource_requests?: BodyResources;
  resource_limit_quota?: { cpu?: number; memory?: number } | null;
  autoscaling?: boolean;
  scaling_config?: { min_replicas?: number; max_replicas?: number } | null;
}
interface Body {
  processes?: { items?: BodyProcess[] };
  instances?: { items?: BodyInstance[] };
  process_packages?: BodySpec[];
  cnative_proc_specs?: BodySpec[];
}

/** Series key: metric name, target key and process type, plus the series' other labels sorted. */
function seriesKey(name: string, labels: Labels, extra: string[] = []): string {
  const rest = extra.map((l) => `${l}=${labels[l]}`).join(',');
  return `${name}{${targetOf(labels)}/${labels.process_type}${rest ? `,${rest}` : ''}}`;
}

/** The labels (besides target and process_type) that tell series of a process metric apart. */
const EXTRA_LABELS: Record<string, string[]> = {
  bkpaas_process_instances: ['state'],
  bkpaas_process_target_status: ['status'],
  bkpaas_process_info: ['cluster_link', 'name'],
  bkpaas_process_last_terminated_instances: ['reason'],
  bkpaas_process_resource_limit: ['resource', 'unit'],
  bkpaas_process_resource_request: ['resource', 'unit'],
  bkpaas_process_plan_info: ['plan'],
};

/**
 * Every bkpaas_process_* series a target's body implies, as `seriesKey → value`. The one row per
 * process type seen in process items, packages/specs or instances; sums over process items; the
 * latest version is the highest process version; stale instances run another version (absent
 * without process items); settled by the platform's rule (upstream-api.md).
 */
function expectedProcessSeries(t: TargetId, body: Body): Map<string, number> {
  const out = new Map<string, number>();
  const items = body.processes?.items ?? [];
  const instances = body.instances?.items ?? [];
  const specs = body.process_packages ?? body.cnative_proc_specs ?? [];
  for (const type of processTypesOf(body)) {
    const labels: Labels = { app_code: t.app_code, module_name: t.module_name, environment: t.environment, process_type: type };
    const set = (name: string, value: number, extra: Labels = {}) =>
      out.set(seriesKey(name, { ...labels, ...extra }, Object.keys(extra).sort()), value);
    const mine = items.filter((p) => p.type === type);
    const insts = instances.filter((i) => i.process_type === type);
    const spec = specs.find((s) => s.name === type);
    const sum = (f: (p: BodyProcess) => number) => mine.reduce((acc, p) => acc + f(p), 0);
    const success = sum((p) => p.success);
    const failed = sum((p) => p.failed);
    set('bkpaas_process_replicas', sum((p) => p.replicas));
    set('bkpaas_process_success_replicas', success);
    set('bkpaas_process_failed_replicas', failed);
    if (spec) {
      set('bkpaas_process_target_replicas', spec.target_replicas);
      set('bkpaas_process_max_replicas', spec.max_replicas);
      set('bkpaas_process_target_status', spec.target_status === 'start' ? 1 : 0, { status: 'start' });
      set('bkpaas_process_target_status', spec.target_status === 'stop' ? 1 : 0, { status: 'stop' });
      const settled = spec.target_status === 'stop' ? success === 0 : success === spec.target_replicas && failed === 0;
      set('bkpaas_process_settled', settled ? 1 : 0);
    }
    if (mine.length > 0) {
      const latest = Math.max(...mine.map((p) => p.version));
      set('bkpaas_process_version', latest);
      set('bkpaas_process_stale_instances', insts.filter((i) => Number(i.version) !== latest).length);
      for (const p of mine) set('bkpaas_process_info', 1, { cluster_link: p.cluster_link, name: p.name });
    }
    const states = new Map<string, number>();
    for (const i of insts) states.set(i.state, (states.get(i.state) ?? 0) + 1);
    for (const [state, n] of states) set('bkpaas_process_instances', n, { state });
    set('bkpaas_process_ready_instances', insts.filter((i) => i.ready).length);
    set('bkpaas_process_instance_restarts', insts.reduce((acc, i) => acc + (i.restart_count ?? 0), 0));
    const reasons = new Map<string, number>();
    for (const i of insts) {
      const reason = i.terminated_info?.reason;
      if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, n] of reasons) set('bkpaas_process_last_terminated_instances', n, { reason });
    if (spec) {
      // Quantities as Kubernetes reads them (src/model/quantity.ts has its own table of cases).
      const cpu = spec.resource_limit?.cpu !== undefined ? cpuCoresOf(spec.resource_limit.cpu) : spec.resource_limit_quota?.cpu !== undefined ? spec.resource_limit_quota.cpu / 1000 : undefined;
      const memory = spec.resource_limit?.memory !== undefined ? memoryBytesOf(spec.resource_limit.memory) : spec.resource_limit_quota?.memory !== undefined ? spec.resource_limit_quota.memory * 2 ** 20 : undefined;
      if (cpu !== undefined) set('bkpaas_process_resource_limit', cpu, { resource: 'cpu', unit: 'core' });
      if (memory !== undefined) set('bkpaas_process_resource_limit', memory, { resource: 'memory', unit: 'byte' });
      const reqCpu = spec.resource_requests?.cpu !== undefined ? cpuCoresOf(spec.resource_requests.cpu) : undefined;
      const reqMemory = spec.resource_requests?.memory !== undefined ? memoryBytesOf(spec.resource_requests.memory) : undefined;
      if (reqCpu !== undefined) set('bkpaas_process_resource_request', reqCpu, { resource: 'cpu', unit: 'core' });
      if (reqMemory !== undefined) set('bkpaas_process_resource_request', reqMemory, { resource: 'memory', unit: 'byte' });
      if (spec.plan_name) set('bkpaas_process_plan_info', 1, { plan: spec.plan_name });
      if (typeof spec.autoscaling === 'boolean') set('bkpaas_process_autoscaling_enabled', spec.autoscaling ? 1 : 0);
      if (spec.scaling_config?.min_replicas !== undefined) set('bkpaas_process_autoscaling_min_replicas', spec.scaling_config.min_replicas);
      if (spec.scaling_config?.max_replicas !== undefined) set('bkpaas_process_autoscaling_max_replicas', spec.scaling_config.max_replicas);
    }
  }
  return out;
}

/** The process types of a body: seen in process items, packages/specs or instances. */
function processTypesOf(body: Body): string[] {
  const specs = body.process_packages ?? body.cnative_proc_specs ?? [];
  return [
    ...new Set([
      ...(body.processes?.items ?? []).map((p) => p.type),
      ...specs.map((s) => s.name),
      ...(body.instances?.items ?? []).map((i) => i.process_type),
    ]),
  ];
}

/** Samples of a vector as `seriesKey → value` (process series) for one job. */
function processSeriesOf(samples: VectorSample[], job: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.metric.job !== job) continue;
    const name = s.metric.__name__;
    out.set(seriesKey(name, s.metric, EXTRA_LABELS[name] ?? []), Number(s.value[1]));
  }
  return out;
}

const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

/** A scenario whose restart counts grow with every request the simulator serves. */
const growingRestarts = (key: string): boolean => SIM_TARGETS.some((t) => keyOf(t) === key && t.scenario === 'crashloop');

// ---- alert rules: a test copy with every `for:` at 0s -------------------------------------------

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; expr: string; for?: string; annotations?: Labels }> }>;
}

const ALERTS_FILE = path.join(ROOT, 'monitoring/alerts.yaml');
const ruleFile = parse(readFileSync(ALERTS_FILE, 'utf8')) as RuleFile;

/** The rules with every `for:` set to 0s: alerts go firing at the first evaluation that matches. */
function rulesForTest(rules: RuleFile): { copy: RuleFile; rewritten: number } {
  const copy = structuredClone(rules);
  let rewritten = 0;
  for (const group of copy.groups) {
    for (const rule of group.rules) {
      if (rule.for !== undefined) {
        rule.for = '0s';
        rewritten++;
      }
    }
  }
  return { copy, rewritten };
}

function ruleOf(alert: string) {
  const rule = ruleFile.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`monitoring/alerts.yaml has no alert ${alert}`);
  return rule;
}

/** Renders the `{{ $labels.x }}` / `{{ $value }}` templates the way Prometheus does for integers. */
function renderTemplate(template: string, labels: Labels, value: string): string {
  const out = template
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '')
    .replace(/\{\{\s*\$value\s*\}\}/g, () => String(Number(value)));
  if (out.includes('{{')) throw new Error(`template needs more than labels and $value: ${template}`);
  return out;
}

// ---- README's /probe scrape config ---------------------------------------------------------------

/** The job `name` of README.md's "Prometheus configuration" section, parsed (the first one shown). */
function readmeJob(readme: string, name: string): ScrapeConfig {
  for (const [, block] of readme.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    let doc: { scrape_configs?: ScrapeConfig[] } | undefined;
    try {
      doc = parse(block) as typeof doc;
    } catch {
      continue;
    }
    const job = doc?.scrape_configs?.find((j) => j.job_name === name);
    if (job) return job;
  }
  throw new Error(`README.md shows no scrape config with job_name ${name}`);
}

/** README's job for the exporter's own metrics next to /probe, pointed at `exporterAddress`. */
function exporterJob(readme: string, exporterAddress: string): ScrapeConfig {
  const job = structuredClone(readmeJob(readme, 'bkpaas-exporter'));
  if (job.metrics_path !== '/exporter-metrics') throw new Error(`README's bkpaas-exporter job scrapes ${String(job.metrics_path)}, not /exporter-metrics`);
  return { ...job, static_configs: [{ targets: [exporterAddress] }] };
}

interface RelabelConfig {
  source_labels?: string[];
  target_label?: string;
  replacement?: string;
  regex?: string;
}

/**
 * README's probe job, with its static targets and its exporter address replaced; the relabeling
 * is README's own, so the documented config is the one tested.
 */
function probeJob(readme: string, exporterAddress: string, targets: string[]): ScrapeConfig {
  const job = structuredClone(readmeJob(readme, 'bkpaas-probe'));
  const relabel = job.relabel_configs as RelabelConfig[];
  const address = relabel.filter((r) => r.target_label === '__address__' && !r.source_labels);
  if (address.length !== 1) throw new Error(`README's bkpaas-probe job: expected one rule setting __address__, found ${address.length}`);
  address[0].replacement = exporterAddress;
  return { ...job, static_configs: [{ targets }] };
}

// ---- the dashboard ---------------------------------------------------------------------------

/**
 * Panel queries that may return nothing in this test, by `panel title / refId`, each with why.
 * Every other panel query must return data for the scenario set (it has failed, stale,
 * crash-looping, stopped and unauthorized targets, so every "problem" panel has something).
 */
const MAY_BE_EMPTY: Record<string, string> = {
  // sum_over_time(clamp_min(x - x offset 1m, 0)[…:1m]): each step needs a sample one minute
  // before it; this test scrapes for well under a minute. (The stat shows 0 via `or vector(0)`.)
  'Restarts in time range / A': 'needs more than 1 minute of history (offset 1m)',
  'Instance restarts / B': 'needs more than 1 minute of history (offset 1m)',
};

/**
 * Panels whose value must be above zero for this scenario set (stats that would show 0 even
 * without the condition they count: `sum(...)` of zeros and `or vector(0)` return data anyway).
 */
const MUST_BE_POSITIVE: Record<string, string> = {
  'Targets up': 'seven targets answer',
  'Targets down': 'the unauthorized target',
  'Unsettled processes': 'the failed and crash-looping targets',
  'Failed instances': 'the failed and crash-looping targets',
  'Stale instances': 'the rollout target',
  'Fetch errors by reason': 'the unauthorized target fails every refresh',
  'Upstream requests by status': 'a refresh every second',
  'Config reload': 'the config loaded',
  'Targets served': 'the configured and discovered targets',
  'Discovered targets': 'six found, two of them undeployed',
  'Discovery errors by reason': "e2e-broken's modules fail every run",
};

/** `expr` without a trailing `or vector(0)`: the part that shows real data. */
const withoutFallback = (expr: string): string => expr.replace(/\s+or\s+vector\(0\)\s*$/, '');

const queryId = (q: PanelQuery): string => `${q.panel.title} / ${q.target.refId}`;

// ---- the test --------------------------------------------------------------------------------

describe('monitoring end to end: simulator → built exporter → Prometheus', () => {
  let tmp: string | undefined;
  let sim: Simulator | undefined;
  let exporter: ServerProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let alertmanager: AlertmanagerServer | undefined;
  /** The exporter whose discovery never succeeds, and its simulator. */
  let brokenSim: Simulator | undefined;
  let brokenExporter: ServerProcess | undefined;
  let exporterAddress = '';
  const startedAt = Date.now() / 1000;
  /** Bodies as first served (crash-looping restart counts grow afterwards). */
  const initialBodies = new Map<string, Body>();
  let forRewritten = 0;

  const prom = (): PrometheusServer => {
    if (!prometheus) throw new Error('Prometheus did not start (see beforeAll)');
    return prometheus;
  };
  const vector = (expr: string): Promise<VectorSample[]> => prom().queryVector(expr);

  beforeAll(async () => {
    requireBuild(); // fails naming `npm run build` when dist/main.js is missing
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bkpaas-e2e-'));
    sim = await startSimulator({ targets: SIM_TARGETS, apps: SIM_APPS, host: '127.0.0.1', port: 0 });
    for (const t of UP_TARGETS) initialBodies.set(keyOf(t), sim.bodyFor(t.app_code, t.module_name, t.environment) as Body);

    const config = {
      upstream: {
        base_url: sim.baseUrl,
        auth: { bk_app_code: DEMO_CREDENTIALS.bk_app_code, bk_app_secret: '${BK_APP_SECRET}', access_token: '${BK_ACCESS_TOKEN}' },
        timeout: '5s',
      },
      cache: { ttl: '1s' },
      targets: SIM_TARGETS.map((t) => ({
        app_code: t.app_code,
        modules: [t.module_name],
        environments: [t.environment],
        ...(isSwitch(t) ? { labels: SWITCH_LABELS } : {}),
      })),
      discovery: DISCOVERY,
    };
    const configFile = path.join(tmp, 'exporter.yaml');
    await writeFile(configFile, stringify(config));
    const secrets = { BK_APP_SECRET: DEMO_CREDENTIALS.bk_app_secret, BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN };
    exporter = await startExporterProcess(['--config', configFile, '--log-level', 'error'], secrets);
    exporterAddress = new URL(exporter.url).host;

    // An exporter with discovery only, whose app list always fails: BkpaasDiscoveryFailing.
    brokenSim = await startSimulator({ targets: [], apps: [], host: '127.0.0.1', port: 0 });
    brokenSim.setAppListFault('server_error');
    const brokenConfig = path.join(tmp, 'exporter-broken.yaml');
    await writeFile(brokenConfig, stringify({ ...config, upstream: { ...config.upstream, base_url: brokenSim.baseUrl }, targets: [], discovery: { ...DISCOVERY, refresh_interval: '1s' } }));
    brokenExporter = await startExporterProcess(['--config', brokenConfig, '--log-level', 'fatal'], secrets);

    alertmanager = await startAlertmanager(alertmanagerConfig());

    const { copy, rewritten } = rulesForTest(ruleFile);
    forRewritten = rewritten;
    const rulesCopy = path.join(tmp, 'alerts-for-0s.yaml');
    await writeFile(rulesCopy, stringify(copy));

    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    prometheus = await startPrometheus({
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      ruleFiles: [rulesCopy],
      scrapeConfigs: [
        { job_name: 'bkpaas', metrics_path: '/metrics', static_configs: [{ targets: [exporterAddress] }] },
        probeJob(readme, exporterAddress, SIM_TARGETS.map(keyOf)),
        exporterJob(readme, exporterAddress),
        { job_name: 'bkpaas-discovery-broken', metrics_path: '/metrics', static_configs: [{ targets: [new URL(brokenExporter.url).host] }] },
      ],
      extraConfig: { alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.address] }] }] } },
    });
    const p = prometheus;
    await p.waitForTargetsUp(20_000);
    // Every target's series in both jobs, and a fetch error already counted for the 401 target.
    const rows = [...initialBodies].reduce((n, [key, body]) => n + expectedRowCount(key, body), 0);
    await p.waitFor(
      'every target in both jobs',
      async () => {
        for (const job of JOBS) {
          if ((await vector(`bkpaas_target_up{job="${job}"}`)).length !== SIM_TARGETS.length) return false;
          if ((await vector(`bkpaas_process_replicas{job="${job}"}`)).length !== rows) return false;
          if ((await vector(`bkpaas_target_fetch_errors_total{job="${job}", reason="auth"}`)).length !== 1) return false;
        }
        // Discovery has run (its undeployed targets found) and the broken one has failed twice.
        if ((await vector('bkpaas_discovery_undeployed_targets{job="bkpaas"} == 2')).length !== 1) return false;
        return (await vector('bkpaas_discovery_errors_total{job="bkpaas-discovery-broken"} > 1')).length === 1;
      },
      20_000,
    );
  }, 60_000);

  function expectedRowCount(key: string, body: Body): number {
    return [...expectedProcessSeries(toId(key), body).keys()].filter((k) => k.startsWith('bkpaas_process_replicas{')).length;
  }

  afterAll(async () => {
    // Each step runs even when an earlier one failed; the first failure is reported.
    const steps: Array<() => Promise<unknown> | undefined> = [
      () => prometheus?.stop(),
      () => alertmanager?.stop(),
      () => exporter?.stop(),
      () => brokenExporter?.stop(),
      () => sim?.close(),
      () => brokenSim?.close(),
      () => (tmp ? rm(tmp, { recursive: true, force: true }) : undefined),
    ];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }, 30_000);

  describe('series in Prometheus', () => {
    it('scrapes both jobs, and /probe gets one instance per target from README\'s relabeling', async () => {
      const { activeTargets } = await prom().targets();
      const byJob = (job: string) => activeTargets.filter((t) => t.labels.job === job);
      expect(byJob('bkpaas').map((t) => t.scrapeUrl)).toEqual([`http://${exporterAddress}/metrics`]);
      const probes = byJob('bkpaas-probe');
      expect(probes.map((t) => t.labels.instance).sort()).toEqual(SIM_TARGETS.map(keyOf).sort());
      for (const t of probes) {
        const [app, module, env] = t.labels.instance.split('/');
        const url = new URL(t.scrapeUrl);
        expect(`${url.host}${url.pathname}`).toBe(`${exporterAddress}/probe`);
        expect(Object.fromEntries(url.searchParams)).toEqual({ app_code: app, module_name: module, environment: env });
        expect(t.health).toBe('up'); // a failing target is data, not a failed scrape
      }
    });

    it.each(JOBS)('job %s: bkpaas_target_up is 1 per answering target, 0 with an auth fetch error for the 401 one', async (job) => {
      const up = await vector(`bkpaas_target_up{job="${job}"}`);
      expect(Object.fromEntries(up.map((s) => [targetOf(s.metric), Number(s.value[1])]))).toEqual(
        Object.fromEntries(SIM_TARGETS.map((t) => [keyOf(t), isUnauthorized(t) ? 0 : 1])),
      );
      const errors = await vector(`bkpaas_target_fetch_errors_total{job="${job}"}`);
      // Only reasons that occurred have series: the 401 target's `auth`, nothing for the others.
      expect(errors.map((s) => `${targetOf(s.metric)} ${s.metric.reason}`)).toEqual([`${keyOf(UNAUTHORIZED)} auth`]);
      expect(Number(errors[0].value[1])).toBeGreaterThanOrEqual(1);
      // The 401 target keeps its bkpaas_target_* series and has no process series.
      expect(await vector(`bkpaas_target_fetch_duration_seconds{job="${job}", app_code="${UNAUTHORIZED.app_code}", module_name="${UNAUTHORIZED.module_name}", environment="${UNAUTHORIZED.environment}"}`)).toHaveLength(1);
      expect(await vector(`{__name__=~"bkpaas_process_.+", job="${job}", app_code="${UNAUTHORIZED.app_code}", module_name="${UNAUTHORIZED.module_name}", environment="${UNAUTHORIZED.environment}"}`)).toEqual([]);
    });

    it.each(JOBS)('job %s: last successful fetch is recent, fetch duration is set, for every answering target', async (job) => {
      const now = Date.now() / 1000;
      const last = await vector(`bkpaas_target_last_success_timestamp_seconds{job="${job}"}`);
      for (const t of UP_TARGETS) {
        const sample = last.find((s) => targetOf(s.metric) === keyOf(t));
        expect(sample).toBeDefined();
        expect(Number(sample?.value[1])).toBeGreaterThanOrEqual(startedAt - 1);
        expect(Number(sample?.value[1])).toBeLessThanOrEqual(now + 1);
      }
      const duration = await vector(`bkpaas_target_fetch_duration_seconds{job="${job}"}`);
      expect(duration).toHaveLength(SIM_TARGETS.length);
      for (const s of duration) {
        expect(Number(s.value[1])).toBeGreaterThanOrEqual(0);
        expect(Number(s.value[1])).toBeLessThan(5);
      }
    });

    it.each(JOBS)('job %s: every bkpaas_process_* series has the value the simulator body implies', async (job) => {
      const actual = processSeriesOf(await vector(`{__name__=~"bkpaas_process_.+"}`), job);
      const expected = new Map<string, number>();
      for (const t of UP_TARGETS) for (const [k, v] of expectedProcessSeries(t, initialBodies.get(keyOf(t)) as Body)) expected.set(k, v);

      // Crash-looping instances' restart counts grow with every request served: the value is
      // between the first body's and the current body's sum.
      for (const t of SIM_TARGETS.filter((x) => growingRestarts(keyOf(x)))) {
        const current = expectedProcessSeries(t, (sim as Simulator).bodyFor(t.app_code, t.module_name, t.environment) as Body);
        for (const k of [...expected.keys()].filter((x) => x.startsWith(`bkpaas_process_instance_restarts{${keyOf(t)}/`))) {
          const [low, high, seen] = [expected.get(k) ?? NaN, current.get(k) ?? NaN, actual.get(k)];
          if (seen === undefined || !(seen >= low && seen <= high)) throw new Error(`${k} is ${seen}, expected ${low}..${high}`);
          expected.delete(k);
          actual.delete(k);
        }
      }
      expect(sorted(actual)).toEqual(sorted(expected));
    });

    it('covers the cases the scenario set is for: stale instances, failures, restarts, stop, settled', async () => {
      const one = async (expr: string) => (await vector(expr)).map((s) => Number(s.value[1]));
      const rollout = 'job="bkpaas", app_code="e2e-shop", module_name="default", environment="stag"';
      expect(await one(`bkpaas_process_stale_instances{${rollout}, process_type="web"} > 0`)).toHaveLength(1);
      expect(await one(`bkpaas_process_stale_instances{${rollout}, process_type="worker"}`)).toEqual([0]);
      expect(await one(`bkpaas_process_failed_replicas{job="bkpaas", app_code="e2e-blog", environment="stag", process_type="web"}`)).toEqual([1]);
      expect(await one(`bkpaas_process_instance_restarts{job="bkpaas", app_code="e2e-blog", environment="prod", process_type="web"} > 0`)).toHaveLength(1);
      // Stopped: the state set says stop, settled (no healthy instance left), no stale count.
      const stopped = 'job="bkpaas", app_code="e2e-shop", module_name="api", environment="stag", process_type="web"';
      expect(await one(`bkpaas_process_target_status{${stopped}, status="stop"}`)).toEqual([1]);
      expect(await one(`bkpaas_process_target_status{${stopped}, status="start"}`)).toEqual([0]);
      expect(await one(`bkpaas_process_settled{${stopped}}`)).toEqual([1]);
      expect(await one(`bkpaas_process_stale_instances{${stopped}}`)).toEqual([]);
      // The state set is a state set: exactly one status is 1 per row.
      const notOne = await vector('sum by (job, app_code, module_name, environment, process_type) (bkpaas_process_target_status) != 1');
      expect(notOne).toEqual([]);
      // Unsettled: failed and crash-looping rows.
      const unsettled = await vector('bkpaas_process_settled{job="bkpaas"} == 0');
      expect(unsettled.map((s) => `${targetOf(s.metric)}/${s.metric.process_type}`).sort()).toEqual(['e2e-blog/default/prod/web', 'e2e-blog/default/stag/web']);
    });

    it('the extra labels of a target are on all its series; no series uses the label name instance for itself', async () => {
      const mine = await vector(`{__name__=~"bkpaas_(process|target)_.+", app_code="${SWITCH.app_code}"}`);
      expect(mine.length).toBeGreaterThan(0);
      for (const s of mine) expect(s.metric.team).toBe(SWITCH_LABELS.team);
      // Prometheus renames a scraped `instance` label to exported_instance: there must be none.
      expect(await vector('{__name__=~"bkpaas_.+", exported_instance!=""}')).toEqual([]);
    });

    it("the exporter's own metrics: build info, targets, config reload", async () => {
      const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
      const build = await vector('bkpaas_exporter_build_info{job="bkpaas"}');
      expect(build.map((s) => ({ version: s.metric.version, nodejs_version: s.metric.nodejs_version, value: s.value[1] }))).toEqual([
        { version: pkg.version, nodejs_version: process.version, value: '1' },
      ]);
      // The discovered targets count too, the undeployed ones included.
      expect((await vector('bkpaas_exporter_targets{job="bkpaas"}')).map((s) => s.value[1])).toEqual([String(SIM_TARGETS.length + UNDEPLOYED.length)]);
      expect((await vector('bkpaas_exporter_config_last_reload_successful{job="bkpaas"}')).map((s) => s.value[1])).toEqual(['1']);
      const reloaded = await vector('bkpaas_exporter_config_last_reload_success_timestamp_seconds{job="bkpaas"}');
      expect(reloaded).toHaveLength(1);
      expect(Number(reloaded[0].value[1])).toBeGreaterThanOrEqual(startedAt - 1);
      expect(Number(reloaded[0].value[1])).toBeLessThanOrEqual(Date.now() / 1000 + 1);
      const requests = await vector('sum by (code) (bkpaas_exporter_upstream_request_duration_seconds_count{job="bkpaas"})');
      // 404: the undeployed targets; 500: e2e-broken's modules.
      expect(requests.map((s) => s.metric.code).sort()).toEqual(['200', '401', '404', '500']);
    });

    it("README's /exporter-metrics job: the exporter's own metrics, and no target series; a rejected /probe is counted", async () => {
      const own = await vector('{job="bkpaas-exporter"}');
      const names = new Set(own.map((s) => s.metric.__name__));
      expect([...names].filter((n) => !/^(bkpaas_exporter_|bkpaas_discovery_|process_|nodejs_|up$|scrape_)/.test(n))).toEqual([]);
      for (const name of ['bkpaas_exporter_build_info', 'bkpaas_exporter_targets', 'bkpaas_exporter_config_last_reload_successful', 'bkpaas_discovery_targets']) {
        expect(names).toContain(name);
      }
      // BkpaasExporterDown's join finds the build info in the job that scrapes it.
      expect(await vector('up{job="bkpaas-exporter"} and on(job, instance) max_over_time(bkpaas_exporter_build_info[1d])')).toHaveLength(1);

      const before = await vector('bkpaas_exporter_probe_rejected_total{job="bkpaas-exporter", reason="unknown_target"}');
      expect(before.map((s) => s.value[1])).toEqual(['0']);
      const res = await fetch(`${exporter?.url}/probe?app_code=e2e-nope&module_name=default&environment=prod`);
      expect(res.status).toBe(400);
      await prom().waitFor('the rejected /probe in Prometheus', async () =>
        (await vector('bkpaas_exporter_probe_rejected_total{job="bkpaas-exporter", reason="unknown_target"} == 1')).length === 1,
      );
    });

    it('discovery: targets found, undeployed ones, and errors by reason', async () => {
      const one = async (expr: string) => (await vector(expr)).map((s) => Number(s.value[1]));
      // e2e-shop: 3 modules x 2 environments; e2e-broken: no module known.
      expect(await one('bkpaas_discovery_targets{job="bkpaas"}')).toEqual([6]);
      expect(await one('bkpaas_discovery_undeployed_targets{job="bkpaas"}')).toEqual([UNDEPLOYED.length]);
      expect(await one('time() - bkpaas_discovery_last_success_timestamp_seconds{job="bkpaas"} < 10')).toHaveLength(1);
      const errors = await vector('bkpaas_discovery_errors_total{job="bkpaas"}');
      expect(errors.map((s) => s.metric.reason)).toEqual(['server_error']);
      // The undeployed targets export nothing.
      expect(await vector('{__name__=~"bkpaas_.+", module_name="docs"}')).toEqual([]);
      // The broken exporter: never a success (0), and its app list fails every run.
      expect(await one('bkpaas_discovery_last_success_timestamp_seconds{job="bkpaas-discovery-broken"}')).toEqual([0]);
      expect((await vector('bkpaas_discovery_errors_total{job="bkpaas-discovery-broken"}')).map((s) => s.metric.reason)).toEqual(['server_error']);
    });

    it('/probe serves only the probed target, with the same series and values as /metrics', async () => {
      const all = await vector('{__name__=~"bkpaas_.+"}');
      const strip = (labels: Labels): string => {
        const { job: _job, instance: _instance, ...rest } = labels;
        return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))));
      };
      const probe = all.filter((s) => s.metric.job === 'bkpaas-probe');
      const metrics = new Map(all.filter((s) => s.metric.job === 'bkpaas' && s.metric.app_code !== undefined).map((s) => [strip(s.metric), s]));
      expect(probe.length).toBeGreaterThan(0);
      // Values that legitimately differ between two scrapes a moment apart (a refresh in
      // between): fetch timing, the error counter, and crash-looping restart counts.
      const volatile = (s: VectorSample) =>
        ['bkpaas_target_fetch_duration_seconds', 'bkpaas_target_last_success_timestamp_seconds', 'bkpaas_target_fetch_errors_total'].includes(s.metric.__name__) ||
        (s.metric.__name__ === 'bkpaas_process_instance_restarts' && growingRestarts(targetOf(s.metric)));
      const mismatches: string[] = [];
      for (const s of probe) {
        if (targetOf(s.metric) !== s.metric.instance) mismatches.push(`probe ${s.metric.instance} served ${strip(s.metric)}`);
        const twin = metrics.get(strip(s.metric));
        if (!twin) mismatches.push(`only in /probe: ${strip(s.metric)}`);
        else if (!volatile(s) && twin.value[1] !== s.value[1]) mismatches.push(`${strip(s.metric)}: /probe ${s.value[1]}, /metrics ${twin.value[1]}`);
        metrics.delete(strip(s.metric));
      }
      for (const key of metrics.keys()) mismatches.push(`only in /metrics: ${key}`);
      expect(mismatches).toEqual([]);
    });
  });

  describe('the Grafana dashboard on this data', () => {
    const dashboard = loadDashboard();
    const queries = dashboardQueries(dashboard);

    beforeAll(async () => {
      // rate() over [1m] needs two samples with an increase: wait for them.
      await prom().waitFor('rates of requests and fetch errors', async () => {
        const requests = await vector('sum(rate(bkpaas_exporter_upstream_request_duration_seconds_count[1m])) > 0');
        const errors = await vector('sum(rate(bkpaas_target_fetch_errors_total[1m])) > 0');
        const discoveryErrors = await vector('sum(rate(bkpaas_discovery_errors_total[1m])) > 0');
        return requests.length > 0 && errors.length > 0 && discoveryErrors.length > 0;
      });
    }, 30_000);

    it('the allow-lists name existing panel queries', () => {
      const ids = new Set(queries.map(queryId));
      const titles = new Set(queries.map((q) => q.panel.title));
      expect(Object.keys(MAY_BE_EMPTY).filter((id) => !ids.has(id))).toEqual([]);
      expect(Object.keys(MUST_BE_POSITIVE).filter((t) => !titles.has(t))).toEqual([]);
    });

    it('every panel query runs, and returns data unless allow-listed as possibly empty', async () => {
      const problems: string[] = [];
      for (const q of queries) {
        const expr = substituteVariables(q.expr);
        if (expr.includes('$')) {
          problems.push(`${queryId(q)}: variable left in ${expr}`);
          continue;
        }
        try {
          await prom().query(expr); // parses and evaluates (throws on an error answer)
          const data = await vector(withoutFallback(expr));
          if (data.length === 0 && !(queryId(q) in MAY_BE_EMPTY)) problems.push(`${queryId(q)}: no data from ${withoutFallback(expr)}`);
          if (q.panel.title in MUST_BE_POSITIVE && !data.some((s) => Number(s.value[1]) > 0)) {
            problems.push(`${queryId(q)}: expected a value > 0 (${MUST_BE_POSITIVE[q.panel.title]}), got ${JSON.stringify(data.map((s) => s.value[1]))}`);
          }
          for (const s of data) {
            if (Number.isNaN(Number(s.value[1]))) problems.push(`${queryId(q)}: NaN for ${JSON.stringify(s.metric)}`);
          }
        } catch (err) {
          problems.push(`${queryId(q)}: ${(err as Error).message}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('fetch errors by reason shows auth; upstream latency quantiles are finite', async () => {
      const byId = (id: string) => {
        const q = queries.find((x) => queryId(x) === id);
        if (!q) throw new Error(`no panel query ${id}`);
        return substituteVariables(q.expr);
      };
      const reasons = await vector(byId('Fetch errors by reason / A'));
      expect(reasons.map((s) => s.metric.reason)).toEqual(['auth']);
      for (const id of ['Upstream request duration / A', 'Upstream request duration / B', 'Upstream request duration / C']) {
        const [q] = await vector(byId(id));
        expect(Number.isFinite(Number(q?.value[1]))).toBe(true);
        expect(Number(q.value[1])).toBeGreaterThan(0);
      }
    });

    it('with one target selected, panels show only that target', async () => {
      const target = SIM_TARGETS[1]; // the rollout
      const values = { app_code: target.app_code, module_name: target.module_name, environment: target.environment };
      const leaks: string[] = [];
      let withData = 0;
      for (const q of queries) {
        const data = await vector(withoutFallback(substituteVariables(q.expr, values)));
        if (data.length > 0) withData++;
        for (const s of data) {
          if (s.metric.app_code !== undefined && targetOf(s.metric) !== keyOf(target)) leaks.push(`${queryId(q)}: ${JSON.stringify(s.metric)}`);
        }
      }
      expect(leaks).toEqual([]);
      expect(withData).toBeGreaterThan(queries.length / 2);
    });

    it('every template variable has values, and they chain', async () => {
      const expectedValues: Record<string, string[]> = {
        app_code: [...new Set(SIM_TARGETS.map((t) => t.app_code))].sort(),
        environment: [...new Set(SIM_TARGETS.map((t) => t.environment))].sort(),
        module_name: [...new Set(SIM_TARGETS.map((t) => t.module_name))].sort(),
        process_type: [...new Set([...initialBodies.values()].flatMap(processTypesOf))].sort(),
      };
      const queryVariables = dashboard.templating.list.filter((v) => v.type === 'query');
      expect(queryVariables.map((v) => v.name).sort()).toEqual(Object.keys(expectedValues).sort());
      for (const v of queryVariables) {
        const parts = labelValuesParts(v);
        if (!parts) throw new Error(`variable ${v.name}: not a label_values() query`);
        const values = await prom().labelValues(parts.label, [substituteVariables(parts.selector)]);
        expect({ variable: v.name, values: values.sort() }).toEqual({ variable: v.name, values: expectedValues[v.name] });
        // Also through /api/v1/series, as Grafana does for label_values with a selector.
        const series = await prom().series([substituteVariables(parts.selector)]);
        expect(new Set(series.map((s) => s[parts.label]).filter(Boolean)).size).toBe(expectedValues[v.name].length);
      }
      // Chained: with app_code = e2e-blog, environment offers only that app's environments.
      const env = queryVariables.find((v) => v.name === 'environment');
      const envParts = env && labelValuesParts(env);
      if (!envParts) throw new Error('no environment variable');
      const blogEnvs = await prom().labelValues(envParts.label, [substituteVariables(envParts.selector, { app_code: 'e2e-blog' })]);
      expect(blogEnvs.sort()).toEqual(['prod', 'stag']);
      const payEnvs = await prom().labelValues(envParts.label, [substituteVariables(envParts.selector, { app_code: SWITCH.app_code })]);
      expect(payEnvs).toEqual([SWITCH.environment]);
    });
  });

  describe('alerts on real data (a copy of monitoring/alerts.yaml with every for: at 0s)', () => {
    const alertsOf = async (name: string, match: Partial<Labels> = {}): Promise<ApiAlert[]> =>
      (await prom().alerts()).filter((a) => a.labels.alertname === name && Object.entries(match).every(([k, v]) => a.labels[k] === v));
    const active = (a: ApiAlert) => a.state === 'pending' || a.state === 'firing';

    it('the test copy has every rule of monitoring/alerts.yaml, each with for: 0s', async () => {
      expect(forRewritten).toBeGreaterThan(0);
      const groups = await prom().rules();
      // (The API lists the groups sorted by name.)
      const loaded = groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.name} for ${r.duration}s`)).sort();
      const real = ruleFile.groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.alert} for 0s`)).sort();
      expect(loaded).toEqual(real);
    });

    it('every rule evaluates without error on the scraped data', async () => {
      // One full evaluation after all series arrived.
      await sleep(1500);
      const bad = (await prom().rules()).flatMap((g) => g.rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`));
      expect(bad).toEqual([]);
    });

    it('in the steady state exactly the alerts the scenarios imply are active', async () => {
      // With every for: at 0s, what each scenario implies (per job, both scrape the same data):
      const failed = 'e2e-blog/default/stag/web';
      const crashloop = 'e2e-blog/default/prod/web'; // crash-looping instances count as failed
      const expected = [
        `BkpaasTargetDown ${keyOf(UNAUTHORIZED)}/`,
        ...[failed, crashloop].flatMap((row) => [
          `BkpaasProcessFailedInstances ${row}`,
          `BkpaasProcessReplicasMismatch ${row}`, // fewer healthy than target replicas
          `BkpaasProcessNotSettled ${row}`,
        ]),
        // Old-release instances whose number has not changed (the history is seconds long).
        'BkpaasProcessRolloutStuck e2e-shop/default/stag/web',
        // Autoscaling on and replicas held at its maximum (AtMaxReplicas stays quiet for it).
        'BkpaasProcessAutoscalingAtMax e2e-scale/default/prod/web',
      ]
        .flatMap((a) => JOBS.map((job) => `${a} ${job}`))
        // No discovery run has succeeded and its requests keep failing (the other exporter's
        // discovery errors too, but its runs succeed: quiet).
        .concat(['BkpaasDiscoveryFailing bkpaas-discovery-broken']);
      // Not expected: BkpaasTargetDataStale (a target that never succeeded counts after 15
      // minutes only, and the others are fresh), BkpaasTargetsFailingTogether (1 of 9 targets
      // fails), BkpaasProcessNoHealthyReplicas (every started row has
      // a healthy instance), AtMaxReplicas (max >= 5 > replicas, or autoscaling on), the exporter
      // alerts, BkpaasProcessOOMKilled (it needs restarts that grew over a minute of history).
      // BkpaasProcessCrashLooping compares with the value a minute earlier: it can only start
      // after a minute, and then only for the crash-looping row.
      await sleep(1500); // one more evaluation
      const activeAlerts = (await prom().alerts()).filter(active);
      const describe = (a: ApiAlert) =>
        a.labels.app_code === undefined ? `${a.labels.alertname} ${a.labels.job}` : `${a.labels.alertname} ${targetOf(a.labels)}/${a.labels.process_type ?? ''} ${a.labels.job}`;
      const crashLooping = activeAlerts.filter((a) => a.labels.alertname === 'BkpaasProcessCrashLooping');
      for (const a of crashLooping) expect(describe(a)).toMatch(new RegExp(`^BkpaasProcessCrashLooping ${crashloop} `));
      expect(activeAlerts.filter((a) => !crashLooping.includes(a)).map(describe).sort()).toEqual(expected.sort());
    });

    it('BkpaasTargetDown fires for the unauthorized target (both jobs), and only for it', async () => {
      const alerts = await prom().waitFor('BkpaasTargetDown for the 401 target in both jobs', async () => {
        const found = (await alertsOf('BkpaasTargetDown')).filter(active);
        return found.length >= 2 ? found : undefined;
      });
      expect(alerts.map((a) => `${targetOf(a.labels)} ${a.labels.job}`).sort()).toEqual([
        `${keyOf(UNAUTHORIZED)} bkpaas`,
        `${keyOf(UNAUTHORIZED)} bkpaas-probe`,
      ]);
      const rule = ruleOf('BkpaasTargetDown');
      for (const a of alerts) {
        expect(a.labels).toMatchObject({ ...UNAUTHORIZED, severity: 'warning' });
        for (const [name, template] of Object.entries(rule.annotations ?? {})) {
          expect({ name, text: a.annotations[name] }).toEqual({ name, text: renderTemplate(template, a.labels, a.value) });
        }
        expect(a.annotations.summary).toContain(`${UNAUTHORIZED.app_code}/${UNAUTHORIZED.module_name} (${UNAUTHORIZED.environment})`);
      }
    });

    it('BkpaasProcessFailedInstances fires with rendered annotations when a healthy target turns failed', async () => {
      // The steady state: the failed target alerts already, the healthy one to switch does not.
      await prom().waitFor('BkpaasProcessFailedInstances for the failed target', async () =>
        (await alertsOf('BkpaasProcessFailedInstances', { app_code: 'e2e-blog', environment: 'stag', process_type: 'web' })).some(active),
      );
      expect((await alertsOf('BkpaasProcessFailedInstances', { app_code: SWITCH.app_code })).filter(active)).toEqual([]);

      (sim as Simulator).setScenario(SWITCH.app_code, SWITCH.module_name, SWITCH.environment, 'failed');
      const body = (sim as Simulator).bodyFor(SWITCH.app_code, SWITCH.module_name, SWITCH.environment) as Body;
      const failedWeb = (body.processes?.items ?? []).filter((p) => p.type === 'web').reduce((n, p) => n + p.failed, 0);
      expect(failedWeb).toBeGreaterThan(0);

      const alerts = await prom().waitFor(
        'BkpaasProcessFailedInstances for the switched target in both jobs',
        async () => {
          const found = (await alertsOf('BkpaasProcessFailedInstances', { app_code: SWITCH.app_code })).filter(active);
          return found.length >= 2 ? found : undefined;
        },
        20_000,
      );
      const rule = ruleOf('BkpaasProcessFailedInstances');
      expect(alerts.map((a) => a.labels.job).sort()).toEqual(['bkpaas', 'bkpaas-probe']);
      for (const a of alerts) {
        expect(a.labels).toMatchObject({ ...SWITCH, ...SWITCH_LABELS, process_type: 'web', severity: 'warning' });
        expect(Number(a.value)).toBe(failedWeb);
        for (const [name, template] of Object.entries(rule.annotations ?? {})) {
          expect({ name, text: a.annotations[name] }).toEqual({ name, text: renderTemplate(template, a.labels, a.value) });
        }
        expect(a.annotations.summary).toBe(
          `Process web of ${SWITCH.app_code}/${SWITCH.module_name} (${SWITCH.environment}) has failed instances.`,
        );
        expect(a.annotations.description).toContain(`has had ${failedWeb} failed instance(s)`);
        expect(a.annotations.runbook_url).toMatch(/docs\/runbook\.md#bkpaasprocessfailedinstances$/);
      }
    }, 40_000);

    /** The alerts named `name` that Alertmanager holds. */
    const amAlerts = async (name: string) => (await (alertmanager as AlertmanagerServer).alerts()).filter((a) => a.labels.alertname === name);

    it('every target unauthorized: BkpaasTargetsFailingTogether fires per job, and Alertmanager holds back the per-target alerts', async () => {
      // Before: the one 401 target's BkpaasTargetDown reached Alertmanager, and nothing holds it back.
      const lone = await prom().waitFor('BkpaasTargetDown of the 401 target in Alertmanager', async () => {
        const found = await amAlerts('BkpaasTargetDown');
        return found.length >= 2 ? found : undefined;
      });
      expect(lone.map((a) => `${targetOf(a.labels)} ${a.labels.job} ${a.status.state}`).sort()).toEqual(
        JOBS.map((job) => `${keyOf(UNAUTHORIZED)} ${job} active`).sort(),
      );

      // The token expires for everybody (until the end of this test: the checks after it want data).
      for (const t of SIM_TARGETS) (sim as Simulator).setScenario(t.app_code, t.module_name, t.environment, 'unauthorized');
      try {
        await expectMassFailureHeldBack();
      } finally {
        for (const t of SIM_TARGETS) (sim as Simulator).setScenario(t.app_code, t.module_name, t.environment, t.scenario);
      }
    }, 90_000);

    // Last in this block: it waits for minutes of history, which the checks above do not need.
    it('with minutes of history, BkpaasProcessOOMKilled fires for the crash-looping row (OOMKilled, restarts growing) and stays quiet for the failed one (OOMKilled, restarts flat)', async () => {
      // The rule counts restart rises over minute steps of a [30m:1m] subquery, each against the
      // value a minute earlier: it can hold about two minutes after the first scrape at the latest.
      const crashloop = { app_code: 'e2e-blog', module_name: 'default', environment: 'prod', process_type: 'web' };
      const failed = { ...crashloop, environment: 'stag' };
      const fired = await prom().waitFor(
        'BkpaasProcessOOMKilled for the crash-looping row in both jobs',
        async () => {
          const found = (await alertsOf('BkpaasProcessOOMKilled', crashloop)).filter(active);
          return found.length >= JOBS.length ? found : undefined;
        },
        Math.max(20_000, (startedAt + 180) * 1000 - Date.now()),
      );
      expect(fired.map((a) => a.labels.job).sort()).toEqual([...JOBS].sort());
      const rule = ruleOf('BkpaasProcessOOMKilled');
      for (const a of fired) {
        expect(a.labels).toMatchObject({ ...crashloop, reason: 'OOMKilled', severity: 'warning' });
        expect(Number(a.value)).toBeGreaterThan(0);
        expect(a.annotations.summary).toBe(renderTemplate(rule.annotations?.summary ?? '', a.labels, a.value));
      }
      // The failed row's instances were OOMKilled too (last_terminated_instances says so), but
      // its restarts have not grown: "was OOMKilled once" is not an alert.
      expect((await vector(`bkpaas_process_last_terminated_instances{app_code="e2e-blog", environment="stag", reason="OOMKilled"}`)).length).toBe(JOBS.length);
      expect((await alertsOf('BkpaasProcessOOMKilled', failed)).filter(active)).toEqual([]);
      // The crash loop itself is alerted on too, from the same restart history.
      expect((await alertsOf('BkpaasProcessCrashLooping', crashloop)).filter(active).length).toBeGreaterThanOrEqual(1);
    }, 240_000);

    /** BkpaasTargetsFailingTogether fires for every target in both jobs, and holds back their BkpaasTargetDown. */
    async function expectMassFailureHeldBack(): Promise<void> {
      const mass = await prom().waitFor(
        'BkpaasTargetsFailingTogether for every target in both jobs',
        async () => {
          const found = (await alertsOf('BkpaasTargetsFailingTogether')).filter(active);
          return found.length === JOBS.length && found.every((a) => Number(a.value) === SIM_TARGETS.length) ? found : undefined;
        },
        30_000,
      );
      expect(mass.map((a) => a.labels).sort((a, b) => a.job.localeCompare(b.job))).toEqual(
        JOBS.map((job) => ({ alertname: 'BkpaasTargetsFailingTogether', job, reason: 'auth', severity: 'critical' })).sort((a, b) => a.job.localeCompare(b.job)),
      );
      const rule = ruleOf('BkpaasTargetsFailingTogether');
      for (const a of mass) {
        expect(a.annotations.summary).toBe(renderTemplate(rule.annotations?.summary ?? '', a.labels, a.value));
        expect(a.annotations.summary).toBe(`${SIM_TARGETS.length} targets of job ${a.labels.job} fail together with reason auth.`);
      }

      // In Alertmanager: the mass alert is active, every target's BkpaasTargetDown is held back by it.
      const held = await prom().waitFor(
        'every BkpaasTargetDown in Alertmanager, held back',
        async () => {
          const [down, together] = [await amAlerts('BkpaasTargetDown'), await amAlerts('BkpaasTargetsFailingTogether')];
          const ready = together.length === JOBS.length && down.length === SIM_TARGETS.length * JOBS.length && down.every((a) => a.status.inhibitedBy.length > 0);
          return ready ? { down, together } : undefined;
        },
        30_000,
      );
      expect(held.together.map((a) => a.status.state)).toEqual(JOBS.map(() => 'active'));
      const byJob = new Map(held.together.map((a) => [a.labels.job, a.fingerprint]));
      for (const a of held.down) expect({ target: targetOf(a.labels), inhibitedBy: a.status.inhibitedBy }).toEqual({ target: targetOf(a.labels), inhibitedBy: [byJob.get(a.labels.job)] });
    }
  });

  // The whole exposition is lint-clean, prom-client's default metrics included (the exporter
  // leaves out the three nodejs_active_*_total gauges that promtool rejects).
  describe('promtool check metrics', () => {
    /** The families of `text` whose name starts with bkpaas_: their HELP, TYPE and sample lines. */
    function bkpaasFamilies(text: string): string {
      const kept = text.split('\n').filter((line) => {
        const name = line.startsWith('# HELP ') || line.startsWith('# TYPE ') ? line.split(' ')[2] : line.startsWith('#') ? '' : line;
        return name.startsWith('bkpaas_');
      });
      return `${kept.join('\n')}\n`;
    }

    it('the full /metrics, default Node.js metrics included, is lint-clean', async () => {
      const text = await (await fetch(`${exporter?.url}/metrics`)).text();
      expect(text).toContain('# TYPE nodejs_active_handles gauge');
      expect(text).toContain('# TYPE process_cpu_seconds_total counter');
      const result = await runPromtool(['check', 'metrics'], { input: text });
      expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: '$ promtool check metrics\n' });
    });

    it('the bkpaas_ families of /metrics are lint-clean', async () => {
      // After the all-unauthorized test the targets come back within their failure backoff.
      let text = '';
      for (const started = Date.now(); Date.now() - started < 30_000; await sleep(500)) {
        text = bkpaasFamilies(await (await fetch(`${exporter?.url}/metrics`)).text());
        if (text.includes('# TYPE bkpaas_process_replicas gauge')) break;
      }
      // The counter and the histogram are in the linted set.
      expect(text).toContain('# TYPE bkpaas_target_fetch_errors_total counter');
      expect(text).toContain('# TYPE bkpaas_exporter_upstream_request_duration_seconds histogram');
      expect(text).toContain('# TYPE bkpaas_process_replicas gauge');
      const result = await runPromtool(['check', 'metrics'], { input: text });
      expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: '$ promtool check metrics\n' });
    });

    it.each([UNAUTHORIZED, SIM_TARGETS[1]])('/probe of $app_code/$module_name/$environment is lint-clean as a whole', async (t) => {
      const query = new URLSearchParams({ app_code: t.app_code, module_name: t.module_name, environment: t.environment });
      const text = await (await fetch(`${exporter?.url}/probe?${query}`)).text();
      expect(text).toContain('bkpaas_target_up');
      const result = await runPromtool(['check', 'metrics'], { input: text });
      expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: '$ promtool check metrics\n' });
    });
  });
});

function toId(key: string): TargetId {
  const [app_code, module_name, environment] = key.split('/');
  return { app_code, module_name, environment };
}
