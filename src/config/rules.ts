/**
 * Rules that span several keys, checked on the expanded config before or regardless of the schema
 * (so that one run reports everything): a user identity is required, targets may be empty only
 * with discovery, no target twice, and unusual environments (a warning).
 */

import { isPlainObject, type Path, type PathProblem } from './paths';
import { KNOWN_ENVIRONMENTS, URL_SAFE_NAME, DEFAULTS } from './schema';
import { IDENTITY_KEYS } from './secrets';

/** Problems (errors) and warnings found by checkRules. */
export interface RuleResult {
  problems: PathProblem[];
  warnings: PathProblem[];
}

const MAX_LISTED = 5;

function strings(list: unknown): { value: string; index: number }[] {
  return Array.isArray(list)
    ? list.flatMap((value, index) => (typeof value === 'string' ? [{ value, index }] : []))
    : [];
}

/** Returns the list items of `list` once each, reporting repeated items (at the repeat's path). */
function uniqueItems(list: unknown, path: Path, what: string, problems: PathProblem[]): string[] {
  const first = new Map<string, number>();
  for (const { value, index } of strings(list)) {
    const seen = first.get(value);
    if (seen === undefined) {
      first.set(value, index);
    } else {
      problems.push({
        path: [...path, index],
        message: `duplicate ${what} ${JSON.stringify(value)}: already listed at ${formatIndexPath(path, seen)}`,
      });
    }
  }
  return [...first.keys()];
}

function formatIndexPath(path: Path, index: number): string {
  // Only used for targets[i].<list>, whose keys are identifiers.
  return `${path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`)).join('').replace(/^\./, '')}[${index}]`;
}

function checkIdentity(root: Record<string, unknown>, problems: PathProblem[]): void {
  const upstream = root.upstream;
  if (!isPlainObject(upstream) || !isPlainObject(upstream.auth)) return;
  const auth = upstream.auth;
  const given = IDENTITY_KEYS.some((k) => auth[k] !== undefined || auth[`${k}_file`] !== undefined);
  if (!given) {
    problems.push({
      path: ['upstream', 'auth'],
      message: `a user identity is required: set one of ${IDENTITY_KEYS.slice(0, -1).join(', ')} or ${IDENTITY_KEYS[IDENTITY_KEYS.length - 1]}`,
    });
  }
}

function checkTargetsOrDiscovery(root: Record<string, unknown>, problems: PathProblem[]): void {
  const discoveryOn = isPlainObject(root.discovery) && root.discovery.enabled === true;
  const targets = root.targets;
  if (!discoveryOn && (targets === undefined || (Array.isArray(targets) && targets.length === 0))) {
    problems.push({
      path: ['targets'],
      message: 'no targets: list at least one under targets, or enable discovery (discovery.enabled: true)',
    });
  }
}

function checkDuplicates(root: Record<string, unknown>, problems: PathProblem[]): void {
  if (!Array.isArray(root.targets)) return;
  const definedBy = new Map<string, number>();
  root.targets.forEach((entry: unknown, i: number) => {
    if (!isPlainObject(entry) || typeof entry.app_code !== 'string') return;
    const modules =
      entry.modules === undefined ? [...DEFAULTS.target.modules] : uniqueItems(entry.modules, ['targets', i, 'modules'], 'module', problems);
    const envs = uniqueItems(entry.environments, ['targets', i, 'environments'], 'environment', problems);
    const clashes = new Map<number, string[]>();
    for (const m of modules) {
      for (const e of envs) {
        const key = `${entry.app_code}/${m}/${e}`;
        const earlier = definedBy.get(key);
        if (earlier === undefined) definedBy.set(key, i);
        else {
          const keys = clashes.get(earlier);
          if (keys) keys.push(key);
          else clashes.set(earlier, [key]);
        }
      }
    }
    for (const [earlier, keys] of clashes) {
      const listed = keys.slice(0, MAX_LISTED).join(', ') + (keys.length > MAX_LISTED ? ` and ${keys.length - MAX_LISTED} more` : '');
      problems.push({
        path: ['targets', i],
        message: `duplicate target${keys.length > 1 ? 's' : ''} ${listed} (app_code/module/environment): already defined by targets[${earlier}]`,
      });
    }
  });
}

function warnUnusualEnvironments(list: unknown, path: Path, warnings: PathProblem[]): void {
  const seen = new Set<string>();
  for (const { value, index } of strings(list)) {
    if (seen.has(value) || !URL_SAFE_NAME.test(value) || KNOWN_ENVIRONMENTS.includes(value)) continue;
    seen.add(value);
    warnings.push({
      path: [...path, index],
      message: `unusual environment ${JSON.stringify(value)}: BlueKing PaaS environments are ${KNOWN_ENVIRONMENTS.map((e) => JSON.stringify(e)).join(' and ')}; kept as configured`,
    });
  }
}

/** Checks the cross-key rules on the expanded config (of any shape) and returns problems and warnings. */
export function checkRules(root: unknown): RuleResult {
  const problems: PathProblem[] = [];
  const warnings: PathProblem[] = [];
  if (!isPlainObject(root)) return { problems, warnings };
  checkIdentity(root, problems);
  checkTargetsOrDiscovery(root, problems);
  checkDuplicates(root, problems);
  if (Array.isArray(root.targets)) {
    root.targets.forEach((entry: unknown, i: number) => {
      if (isPlainObject(entry)) warnUnusualEnvironments(entry.environments, ['targets', i, 'environments'], warnings);
    });
  }
  if (isPlainObject(root.discovery)) {
    warnUnusualEnvironments(root.discovery.environments, ['discovery', 'environments'], warnings);
  }
  return { problems, warnings };
}
