/**
 * Reading the shipped Grafana dashboards for tests: the panels (also inside collapsed rows), their
 * PromQL queries, and Grafana's variables replaced so that Prometheus can run the queries. Shared
 * by the dashboard structure test and the end-to-end test that runs every query against a
 * Prometheus scraping the exporter.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** monitoring/dashboards/bkpaas-processes.json */
export const DASHBOARD_FILE = path.join(__dirname, '../../monitoring/dashboards/bkpaas-processes.json');

/** The dashboard's filter variables, in chaining order. */
export const FILTER_VARIABLES = ['app_code', 'environment', 'module_name', 'process_type'] as const;

export interface GrafanaTarget {
  refId?: string;
  expr?: string;
  datasource?: unknown;
  instant?: boolean;
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource?: unknown;
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  collapsed?: boolean;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
}

export interface GrafanaVariable {
  name: string;
  type: string;
  query: string | { query: string };
  definition?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  datasource?: unknown;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  id: unknown;
  panels: GrafanaPanel[];
  templating: { list: GrafanaVariable[] };
  __inputs?: unknown;
  __requires?: unknown;
}

/** One query of one panel. */
export interface PanelQuery {
  panel: GrafanaPanel;
  target: GrafanaTarget;
  expr: string;
}

/** Returns the parsed dashboard JSON of `file` (default: the shipped dashboard). */
export function loadDashboard(file = DASHBOARD_FILE): GrafanaDashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as GrafanaDashboard;
}

/** Returns the row panels of the dashboard. */
export function dashboardRows(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.filter((p) => p.type === 'row');
}

/** Returns every panel that shows data: top level and inside (collapsed) rows. */
export function dashboardPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

/** Returns every query of every data panel, with its panel. */
export function dashboardQueries(dashboard: GrafanaDashboard): PanelQuery[] {
  return dashboardPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel, target, expr: target.expr ?? '' })),
  );
}

/** Returns the query text of a query variable. */
export function variableQuery(v: GrafanaVariable): string {
  return typeof v.query === 'string' ? v.query : v.query.query;
}

/** Returns the selector and label of a `label_values(selector, label)` variable, or undefined. */
export function labelValuesParts(v: GrafanaVariable): { selector: string; label: string } | undefined {
  const match = /^label_values\((.+), (\w+)\)$/.exec(variableQuery(v));
  return match ? { selector: match[1], label: match[2] } : undefined;
}

/**
 * Returns `expr` with Grafana's variables replaced as for an "All" selection: the filter variables
 * (always used in regex matchers) by `.*` (or by `values[name]` when given), `$__rate_interval`
 * by 1m, `$__range` by 1h, `$__interval` by 15s.
 */
export function substituteVariables(expr: string, values: Partial<Record<string, string>> = {}): string {
  return expr
    .replace(/\$\{?__rate_interval\}?/g, '1m')
    .replace(/\$\{?__range\}?(?!_)/g, '1h')
    .replace(/\$\{?__interval\}?(?!_)/g, '15s')
    .replace(new RegExp(`\\$\\{?(${FILTER_VARIABLES.join('|')})\\}?`, 'g'), (_m, name: string) => values[name] ?? '.*');
}
