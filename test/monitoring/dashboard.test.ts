// monitoring/dashboards/bkpaas-processes.json: importable structure, template variables, panels
// with queries on the contract's metric names, and every query parsed by a real Prometheus.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { usePrometheus } from '../helpers/prometheus';
import {
  DASHBOARD_FILE,
  dashboardPanels,
  dashboardQueries,
  dashboardRows,
  FILTER_VARIABLES,
  labelValuesParts,
  loadDashboard,
  substituteVariables as substitute,
  variableQuery,
} from './grafana';
import { CONTRACT_METRICS, isContractSeriesName, metricNames } from './promql';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const raw = readFileSync(DASHBOARD_FILE, 'utf8');
const dashboard = loadDashboard();
const rows = dashboardRows(dashboard);
const panels = dashboardPanels(dashboard);
const queries = dashboardQueries(dashboard);
const variables = dashboard.templating.list;

describe('dashboard structure', () => {
  it('is an importable dashboard with a stable uid', () => {
    expect(dashboard.uid).toBe('bkpaas-processes');
    expect(dashboard.title).toBe('BlueKing PaaS processes');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    expect(dashboard.id).toBeNull();
    expect(dashboard.__inputs).toBeUndefined();
    expect(dashboard.__requires).toBeUndefined();
    expect(raw).not.toMatch(/\$\{DS_[A-Z_]+\}/); // no export-for-sharing placeholders
  });

  it('has a Prometheus datasource variable', () => {
    const ds = variables.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it.each(FILTER_VARIABLES)('has the chained multi-select variable %s', (name) => {
    const index = variables.findIndex((v) => v.name === name);
    const variable = variables[index];
    expect(variable).toMatchObject({ type: 'query', multi: true, includeAll: true, allValue: '.*', datasource: DATASOURCE });
    const query = variableQuery(variable);
    expect(query).toMatch(new RegExp(`^label_values\\((bkpaas_\\w+)(\\{[^}]*\\})?, ${name}\\)$`));
    expect(variable.definition).toBe(query);
    // Chained: each filters by the variables before it.
    const before = FILTER_VARIABLES.slice(0, FILTER_VARIABLES.indexOf(name));
    for (const other of before) {
      expect(query).toContain(`${other}=~"$${other}"`);
      expect(variables.findIndex((v) => v.name === other)).toBeLessThan(index);
    }
  });

  it('has the Overview, Processes, Exporter health and Discovery rows', () => {
    expect(rows.map((r) => r.title)).toEqual(['Overview', 'Processes', 'Exporter health', 'Discovery']);
  });

  it('has unique panel ids and a layout inside 24 columns', () => {
    const ids = [...rows, ...panels].map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of [...rows, ...panels]) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.gridPos.h).toBeGreaterThan(0);
    }
  });

  it.each(panels.map((p) => [p.title, p] as const))('panel "%s" has a title, a unit, the datasource variable and queries', (_title, panel) => {
    expect(panel.title.trim()).not.toBe('');
    expect(panel.fieldConfig?.defaults?.unit).toEqual(expect.any(String));
    expect(panel.datasource).toEqual(DATASOURCE);
    expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
    for (const target of panel.targets ?? []) {
      expect(target.datasource).toEqual(DATASOURCE);
      expect(target.expr?.trim()).toBeTruthy();
    }
    const refIds = (panel.targets ?? []).map((t) => t.refId);
    expect(new Set(refIds).size).toBe(refIds.length);
  });

  it('uses the filter variables only as regex matchers (multi-select and All need =~)', () => {
    const misuse: string[] = [];
    for (const { panel, expr } of queries) {
      const uses = expr.match(/\$\{?\w+\}?/g) ?? [];
      for (const use of uses) {
        const name = use.replace(/[${}]/g, '');
        if (name.startsWith('__')) continue;
        if (!expr.includes(`${name}=~"$${name}"`)) misuse.push(`${panel.title}: ${use}`);
      }
    }
    expect(misuse).toEqual([]);
  });

  it('selects only metric names of the contract', () => {
    const unknown = [
      ...queries.flatMap(({ panel, expr }) => metricNames(substitute(expr)).filter((n) => !isContractSeriesName(n)).map((n) => `${panel.title}: ${n}`)),
      ...variables
        .filter((v) => v.type === 'query')
        .flatMap((v) => metricNames(substitute(labelValuesParts(v)?.selector ?? '')).filter((n) => !isContractSeriesName(n)).map((n) => `$${v.name}: ${n}`)),
    ];
    expect(unknown).toEqual([]);
  });

  it('shows every process, target, exporter and discovery metric', () => {
    const used = new Set(queries.flatMap(({ expr }) => metricNames(substitute(expr))));
    // Not expected here: per-instance series (off by default), and the histogram's own name
    // (used as _bucket/_count).
    const expected = CONTRACT_METRICS.filter((m) => !m.startsWith('bkpaas_instance_') && m !== 'bkpaas_exporter_upstream_request_duration_seconds');
    expect(expected.filter((m) => !used.has(m))).toEqual([]);
    expect(used).toContain('bkpaas_exporter_upstream_request_duration_seconds_bucket');
    expect(queries.some(({ expr }) => /histogram_quantile\(0\.\d+, sum by \(le\) \(rate\(bkpaas_exporter_upstream_request_duration_seconds_bucket/.test(expr))).toBe(true);
  });
});

describe('dashboard queries in a real Prometheus', () => {
  const prometheus = usePrometheus();

  it('parses and runs every panel query', async () => {
    const server = prometheus();
    const failures: string[] = [];
    for (const { panel, target, expr } of queries) {
      const query = substitute(expr);
      if (query.includes('$')) {
        failures.push(`panel "${panel.title}" ${target.refId}: unknown variable in ${query}`);
        continue;
      }
      await server.query(query).catch((err: Error) => failures.push(`panel "${panel.title}" ${target.refId}: ${err.message}`));
    }
    expect(failures).toEqual([]);
    expect(queries.length).toBeGreaterThan(20);
  }, 60_000);

  it('parses every template variable selector', async () => {
    const server = prometheus();
    const failures: string[] = [];
    for (const variable of variables.filter((v) => v.type === 'query')) {
      const parts = labelValuesParts(variable);
      if (!parts) {
        failures.push(`$${variable.name}: not label_values(selector, label)`);
        continue;
      }
      await server.series([substitute(parts.selector)]).catch((err: Error) => failures.push(`$${variable.name}: ${err.message}`));
    }
    expect(failures).toEqual([]);
  }, 30_000);
});

/**
 * Synthetic exposition of the families of issue 13 (termination reasons, resources, plan,
 * autoscaling) for two processes: `oom-app` autoscaled (2..5, at 3 replicas) with two instances
 * last OOMKilled and one Error, `fixed-app` without autoscaling. Served by a loopback stand-in,
 * so the panels are checked on values known here, whatever the exporter renders today.
 */
const CAPACITY_EXPOSITION = [
  ['bkpaas_process_replicas', 'oom-app', '', 3],
  ['bkpaas_process_replicas', 'fixed-app', '', 2],
  ['bkpaas_process_last_terminated_instances', 'oom-app', 'reason="OOMKilled"', 2],
  ['bkpaas_process_last_terminated_instances', 'oom-app', 'reason="Error"', 1],
  ['bkpaas_process_resource_limit', 'oom-app', 'resource="cpu",unit="core"', 0.5],
  ['bkpaas_process_resource_limit', 'oom-app', 'resource="memory",unit="byte"', 1073741824],
  ['bkpaas_process_resource_request', 'oom-app', 'resource="cpu",unit="core"', 0.25],
  ['bkpaas_process_resource_request', 'oom-app', 'resource="memory",unit="byte"', 536870912],
  ['bkpaas_process_resource_limit', 'fixed-app', 'resource="cpu",unit="core"', 2],
  ['bkpaas_process_plan_info', 'oom-app', 'plan="default"', 1],
  ['bkpaas_process_autoscaling_enabled', 'oom-app', '', 1],
  ['bkpaas_process_autoscaling_min_replicas', 'oom-app', '', 2],
  ['bkpaas_process_autoscaling_max_replicas', 'oom-app', '', 5],
  ['bkpaas_process_autoscaling_enabled', 'fixed-app', '', 0],
]
  .map(([name, app, extra, value]) => `${name}{app_code="${app}",module_name="default",environment="prod",process_type="web"${extra ? `,${extra}` : ''}} ${value}`)
  .join('\n') + '\n';

/** What each new panel query shows for CAPACITY_EXPOSITION: `app_code[/reason]` → value. */
const CAPACITY_PANELS: Record<string, Record<string, number>> = {
  'Last termination reasons / A': { 'oom-app/OOMKilled': 2, 'oom-app/Error': 1 },
  'Autoscaling range against replicas / A': { 'oom-app': 3 },
  'Autoscaling range against replicas / B': { 'oom-app': 2 },
  'Autoscaling range against replicas / C': { 'oom-app': 5 },
  'CPU capacity (limit × replicas) / A': { 'oom-app': 1.5, 'fixed-app': 4 },
  'CPU capacity (limit × replicas) / B': { 'oom-app': 0.75 },
  'Memory capacity (limit × replicas) / A': { 'oom-app': 3 * 1073741824 },
  'Memory capacity (limit × replicas) / B': { 'oom-app': 3 * 536870912 },
  'Resource plan and autoscaling per process / A': { 'oom-app': 1 },
  'Resource plan and autoscaling per process / B': { 'oom-app': 1, 'fixed-app': 0 },
};

describe('the termination, capacity and autoscaling panels on synthetic samples', () => {
  let address = '';
  const standIn = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(CAPACITY_EXPOSITION);
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => standIn.close(resolve));
  });
  const prometheus = usePrometheus({ scrapeConfigs: () => [{ job_name: 'synthetic', static_configs: [{ targets: [address] }] }] });

  it('show the values the samples imply', async () => {
    const server = prometheus();
    await server.waitForTargetsUp();
    const byId = new Map(queries.map((q) => [`${q.panel.title} / ${q.target.refId}`, q]));
    const shown: Record<string, Record<string, number>> = {};
    for (const id of Object.keys(CAPACITY_PANELS)) {
      const q = byId.get(id);
      if (!q) {
        shown[id] = {};
        continue;
      }
      const samples = await server.queryVector(substitute(q.expr));
      shown[id] = Object.fromEntries(samples.map((s) => [[s.metric.app_code, s.metric.reason].filter(Boolean).join('/'), Number(s.value[1])]));
    }
    expect(shown).toEqual(CAPACITY_PANELS);
  }, 60_000);
});
