// monitoring/dashboards/bkpaas-processes.json: importable structure, template variables, panels
// with queries on the contract's metric names, and every query parsed by a real Prometheus.
import { readFileSync } from 'node:fs';
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
