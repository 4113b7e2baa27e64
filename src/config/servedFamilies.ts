/**
 * What `--check-config` says about metrics.allow / metrics.deny: how many families will be served,
 * which are denied, and which denied ones the shipped alert rules or dashboards use (read from
 * the package's monitoring/ directory at check time).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { familyPredicate, type FamilyPatterns } from '../metrics/familyFilter';
import { TARGET_FAMILIES } from '../metrics/families';
import { SelfMetrics } from '../metrics/selfMetrics';

/** The package's monitoring/ directory (next to dist/ and src/). */
export const MONITORING_DIR = path.resolve(__dirname, '..', '..', 'monitoring');

/** Every family the exporter can serve: the targets' and its own (Node.js default metrics included). */
export function allFamilyNames(discovery: boolean): string[] {
  const self = new SelfMetrics();
  if (discovery) self.enableDiscovery();
  return [...TARGET_FAMILIES.map((f) => f.name), ...self.registry.getMetricsAsArray().map((m) => m.name)];
}

/** The shipped alert rules and dashboards, relative path → the bkpaas_* names they mention. */
function monitoringUses(dir: string): Map<string, Set<string>> {
  const files = ['alerts.yaml', ...(existsSync(path.join(dir, 'dashboards')) ? readdirSync(path.join(dir, 'dashboards')).filter((f) => f.endsWith('.json')).sort().map((f) => `dashboards/${f}`) : [])];
  const uses = new Map<string, Set<string>>();
  for (const file of files) {
    const full = path.join(dir, file);
    if (!existsSync(full)) continue;
    uses.set(`monitoring/${file}`, new Set(readFileSync(full, 'utf8').match(/bkpaas_[a-z_]+/g) ?? []));
  }
  return uses;
}

/** Summary lines and warnings for the metrics section of --check-config. */
export function describeServedFamilies(patterns: FamilyPatterns, opts: { discovery: boolean; monitoringDir?: string }): { lines: string[]; warnings: string[] } {
  const allowed = familyPredicate(patterns);
  const names = allFamilyNames(opts.discovery);
  const denied = names.filter((n) => !allowed(n));
  const lines = [`metric families:    ${names.length - denied.length} of ${names.length} served`];
  if (denied.length > 0) lines.push(`  denied:           ${denied.join(', ')}`);
  const warnings: string[] = [];
  if (denied.length > 0) {
    const uses = monitoringUses(opts.monitoringDir ?? MONITORING_DIR);
    for (const name of denied) {
      const users = [...uses].filter(([, used]) => used.has(name)).map(([file]) => file);
      if (users.length > 0) warnings.push(`metrics: denied family ${name} is used by ${users.join(', ')}`);
    }
  }
  return { lines, warnings };
}
