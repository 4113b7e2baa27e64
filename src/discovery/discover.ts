/**
 * One discovery run: every app the credentials can see (all pages), filtered, then each app's
 * modules (bounded concurrency), filtered, times the configured environments.
 */
import type { DiscoveryConfig, TargetSpec } from '../config/types';
import { URL_SAFE_NAME } from '../config/schema';
import { UpstreamError } from '../upstream/errors';
import { parseAppPage, parseModules } from './parse';

export interface DiscoveryDeps {
  /** GET base_url + path, decoded JSON; throws UpstreamError. */
  getJson(path: string): Promise<unknown>;
  /** Runs a request under the exporter's shared concurrency limit. */
  limited<T>(task: () => Promise<T>): Promise<T>;
}

export interface DiscoveryResult {
  targets: TargetSpec[];
  /** Module names per app code, to fall back on when an app's modules call fails next time. */
  modulesByApp: Map<string, string[]>;
  apps: number;
  /** Apps whose modules could not be read this time (their last known modules were kept). */
  failures: Array<{ app_code: string; error: UpstreamError }>;
  /** App codes and module names left out because they cannot be a URL path segment. */
  unusable: string[];
}

/** Whether a name the upstream listed can be a path segment of the processes API. */
function usable(name: string): boolean {
  return URL_SAFE_NAME.test(name) && name !== '.' && name !== '..';
}

const PAGE_SIZE = 100;
/** A runaway `count` must not make us page forever. */
const MAX_PAGES = 1_000;

/** The first pattern of `include` matching `name` ("*" when include is empty), or undefined when excluded. */
export function matchRule(name: string, include: RegExp[], exclude: RegExp[]): string | undefined {
  if (exclude.some((r) => r.test(name))) return undefined;
  if (include.length === 0) return '*';
  const hit = include.find((r) => r.test(name));
  return hit ? `/${hit.source}/` : undefined;
}

/**
 * Reads every page of the app list by offset (never following a server-given URL to another
 * host). The offset advances by what each page held: a server may cap `limit` below ours.
 */
export async function listAppCodes(deps: DiscoveryDeps): Promise<string[]> {
  const codes: string[] = [];
  let offset = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { codes: got, count } = parseAppPage(await deps.limited(() => deps.getJson(`/bkapps/applications/lists/minimal?limit=${PAGE_SIZE}&offset=${offset}`)));
    codes.push(...got);
    offset += got.length;
    if (got.length === 0 || (count !== undefined && offset >= count)) break;
  }
  return [...new Set(codes)];
}

/**
 * Runs discovery. Throws UpstreamError when the app list cannot be read (the caller keeps its
 * last known set); a failing modules call costs only that app, whose last known modules stay.
 */
export async function discover(deps: DiscoveryDeps, config: DiscoveryConfig, previous: ReadonlyMap<string, string[]> = new Map()): Promise<DiscoveryResult> {
  const unusable: string[] = [];
  const apps = (await listAppCodes(deps))
    .filter((code) => usable(code) || (unusable.push(code), false))
    .map((code) => ({ code, rule: matchRule(code, config.include_apps, config.exclude_apps) }))
    .filter((a): a is { code: string; rule: string } => a.rule !== undefined);

  const failures: DiscoveryResult['failures'] = [];
  const modulesByApp = new Map<string, string[]>();
  await Promise.all(
    apps.map(async ({ code }) => {
      try {
        const json = await deps.limited(() => deps.getJson(`/bkapps/applications/${encodeURIComponent(code)}/modules/`));
        modulesByApp.set(code, parseModules(json));
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        failures.push({ app_code: code, error: err });
        const known = previous.get(code);
        if (known) modulesByApp.set(code, known);
      }
    }),
  );

  const targets: TargetSpec[] = [];
  for (const { code, rule: appRule } of apps) {
    for (const module_name of modulesByApp.get(code) ?? []) {
      if (!usable(module_name)) {
        unusable.push(`${code}/${module_name}`);
        continue;
      }
      const moduleRule = matchRule(module_name, config.include_modules, config.exclude_modules);
      if (moduleRule === undefined) continue;
      for (const environment of config.environments) {
        targets.push({
          app_code: code,
          module_name,
          environment,
          only_latest_version: config.only_latest_version,
          labels: { ...config.labels },
          source: `discovery: app ${appRule}, module ${moduleRule}`,
          discovered: true,
        });
      }
    }
  }
  return { targets, modulesByApp, apps: apps.length, failures, unusable };
}
