/**
 * The Alertmanager configuration an operator ends up with: the route example of docs/runbook.md
 * ("Severities and environments") plus the inhibit rules of monitoring/alertmanager-inhibit.yaml.
 * Read by the Alertmanager tests and by the end-to-end test, which sends Prometheus's alerts to a
 * real Alertmanager with it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
export const INHIBIT_FILE = path.join(ROOT, 'monitoring/alertmanager-inhibit.yaml');
const RUNBOOK_FILE = path.join(ROOT, 'docs/runbook.md');

/** One entry of `inhibit_rules`. */
export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}

/** The inhibit rules of monitoring/alertmanager-inhibit.yaml. */
export function inhibitRules(): InhibitRule[] {
  return (parse(readFileSync(INHIBIT_FILE, 'utf8')) as { inhibit_rules: InhibitRule[] }).inhibit_rules;
}

/** The runbook's route example: the YAML block that starts with `# alertmanager.yml (route part)`. */
export function routeExample(): Record<string, unknown> {
  const runbook = readFileSync(RUNBOOK_FILE, 'utf8');
  const block = [...runbook.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith('# alertmanager.yml (route part)'));
  if (!block) throw new Error('docs/runbook.md has no ```yaml block starting with "# alertmanager.yml (route part)"');
  return parse(block) as Record<string, unknown>;
}

/** The route example with the shipped inhibit rules added. */
export function alertmanagerConfig(): Record<string, unknown> {
  return { ...routeExample(), inhibit_rules: inhibitRules() };
}
