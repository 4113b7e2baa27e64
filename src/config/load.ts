/**
 * Loading a config file: YAML → `${VAR}` expansion → `*_file` secrets → schema and cross-key
 * rules → ExporterConfig. Every problem of every stage is collected and thrown as one ConfigError.
 */

import * as path from 'node:path';

import { LineCounter, parseDocument } from 'yaml';

import { checkAliases } from './aliases';
import { ConfigError } from './errors';
import { expandEnv } from './expand';
import { resolveFileSecrets } from './file-secrets';
import { heapLimitBytes, responseCapProblem } from './heapFit';
import { issueToProblems } from './issues';
import { applyPlatformDefaults, type ValueSources } from './platform';
import { byLine, createLocator, placeProblem } from './locate';
import type { Path, PathProblem } from './paths';
import { readConfigFile } from './readFile';
import { checkRules } from './rules';
import { configSchema, type ParsedConfig } from './schema';
import { SECRET_KEYS } from './secrets';
import { expandTargets, sortLabels } from './targets';
import type { ConfigProblem, ExporterConfig } from './types';

/** A loaded config, the warnings found while loading it (e.g. an unusual environment), and where platform defaults came from. */
export interface LoadedConfig {
  config: ExporterConfig;
  warnings: ConfigProblem[];
  /** Values the config left out and BlueKing PaaS's environment gave (platform.ts), by YAML path. */
  sources: ValueSources;
  /** Absolute paths of the `*_file` secrets read: a change to one is a reason to reload. */
  secretFiles: string[];
}

/**
 * Where the config comes from: a file, or one environment variable holding the whole YAML (how
 * BlueKing apps are configured: variables set in the app's console).
 */
export type ConfigLocation = { file: string } | { variable: string };

/**
 * The variable that may hold the whole config. When set it replaces the file named by --config
 * or BKPAAS_EXPORTER_CONFIG: on BlueKing PaaS the start command names a file in the repository,
 * while the app's console can only set variables (and none starting with BKPAAS_).
 */
export const CONFIG_YAML_VARIABLE = 'EXPORTER_CONFIG_YAML';

/** How a location is named in messages: the file, or `$VARIABLE`. */
export function describeLocation(location: ConfigLocation): string {
  return 'file' in location ? location.file : `$${location.variable}`;
}

/** Where the text came from, and what to expand and resolve it against. */
export interface ParseOptions {
  /** Shown in the ConfigError message; default "<config>". */
  file?: string;
  /** Variables for `${VAR}`; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory relative `*_file` paths resolve against; default the file's directory, else the cwd. */
  baseDir?: string;
  /** The heap limit max_response_bytes must fit (heapFit.ts); default this process's. */
  heapLimitBytes?: number;
}

// A YAML parser message may quote the text it stumbled on; on a line holding a secret it must not.
const SECRET_LINE = new RegExp(`\\b(?:${SECRET_KEYS.join('|')})\\s*:`);

function toConfig(p: ParsedConfig): ExporterConfig {
  const { bk_app_code, bk_app_secret, access_token, bk_ticket, bk_token, bk_username } = p.upstream.auth;
  const auth: ExporterConfig['upstream']['auth'] = { bk_app_code, bk_app_secret };
  if (access_token !== undefined) auth.access_token = access_token;
  if (bk_ticket !== undefined) auth.bk_ticket = bk_ticket;
  if (bk_token !== undefined) auth.bk_token = bk_token;
  if (bk_username !== undefined) auth.bk_username = bk_username;
  const d = p.discovery;
  const discovery: ExporterConfig['discovery'] = {
    enabled: d.enabled,
    refresh_interval_ms: d.refresh_interval,
    environments: d.environments,
    include_apps: d.include_apps,
    exclude_apps: d.exclude_apps,
    include_modules: d.include_modules,
    exclude_modules: d.exclude_modules,
    labels: sortLabels(d.labels),
  };
  if (d.only_latest_version !== undefined) discovery.only_latest_version = d.only_latest_version;
  return {
    server: { listen: p.server.listen },
    upstream: {
      base_url: p.upstream.base_url,
      auth,
      tenant_id: p.upstream.tenant_id,
      timeout_ms: p.upstream.timeout,
      concurrency: p.upstream.concurrency,
      max_response_bytes: p.upstream.max_response_bytes,
      max_retry_after_ms: p.upstream.max_retry_after,
    },
    cache: { ttl_ms: p.cache.ttl },
    targets: expandTargets(p.targets),
    instance_metrics: p.instance_metrics,
    discovery,
    metrics: { allow: p.metrics.allow, deny: p.metrics.deny },
  };
}

/** The secret values found under upstream.auth (after ${VAR} and *_file), longest first. */
function secretValues(root: unknown): string[] {
  const auth = (root as { upstream?: { auth?: Record<string, unknown> } } | null)?.upstream?.auth;
  if (!auth || typeof auth !== 'object') return [];
  return SECRET_KEYS.map((k) => auth[k])
    .filter((v): v is string => typeof v === 'string' && v.length >= 4)
    .sort((a, b) => b.length - a.length);
}

function redactor(secrets: string[]): (message: string) => string {
  return (message) => secrets.reduce((out, s) => out.split(s).join('***'), message);
}

/** A set key for the first `n` segments of a path (numbers and strings kept apart). */
function pathKey(path: Path, n: number): string {
  return JSON.stringify(path.slice(0, n));
}

/**
 * Parses config text and returns the validated config with its warnings.
 * Throws a ConfigError listing every problem (YAML syntax, `${VAR}`, `*_file`, schema, rules),
 * each with its YAML path and line, ordered by line.
 */
export function parseConfigText(text: string, opts: ParseOptions = {}): LoadedConfig {
  const file = opts.file ?? '<config>';
  const env = opts.env ?? process.env;
  const baseDir = opts.baseDir ?? (opts.file ? path.dirname(path.resolve(opts.file)) : process.cwd());

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = text.split(/\r?\n/);
    throw new ConfigError(
      file,
      doc.errors.map((err) => {
        const line = err.linePos?.[0].line ?? lineCounter.linePos(err.pos[0]).line;
        const hidden = line !== undefined && SECRET_LINE.test(lines[line - 1] ?? '');
        return {
          path: '',
          line,
          message: hidden ? 'YAML syntax error (details hidden: the line holds a secret)' : `YAML syntax error: ${err.message}`,
        };
      }),
    );
  }

  const aliasProblem = checkAliases(doc, lineCounter);
  if (aliasProblem) throw new ConfigError(file, [{ path: '', ...aliasProblem }]);
  let raw: unknown;
  try {
    // Aliases are bounded by checkAliases, with the line at fault, instead of yaml's own count.
    raw = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `YAML error: ${(err as Error).message}` }]);
  }
  if (raw === null || raw === undefined) {
    throw new ConfigError(file, [{ path: '', message: 'the config is empty: expected at least upstream and targets (see config.example.yaml)' }]);
  }

  const locate = createLocator(doc, lineCounter);
  const problems: PathProblem[] = [];
  // Values with a reported problem: later stages would only report the same mistake again. A set
  // looked up by each prefix of a path keeps this linear in the number of problems.
  const reported = new Set<string>();
  const alreadyReported = (p: Path) => {
    for (let n = 0; n <= p.length; n++) if (reported.has(pathKey(p, n))) return true;
    return false;
  };
  const add = (found: PathProblem[]) => {
    for (const p of found) {
      if (alreadyReported(p.path)) continue;
      problems.push(p);
      reported.add(pathKey(p.path, p.path.length));
    }
  };

  const expanded = expandEnv(raw, env);
  add(expanded.problems);
  const platform = applyPlatformDefaults(expanded.value, env);
  add(platform.problems);
  const resolved = resolveFileSecrets(platform.value, baseDir, { skip: alreadyReported });
  add(resolved.problems);

  const parsed = configSchema.safeParse(resolved.value);
  if (!parsed.success) add(parsed.error.issues.flatMap((issue) => issueToProblems(issue, resolved.value)));
  const rules = checkRules(resolved.value);
  add(rules.problems);
  if (parsed.success) {
    const tooLarge = responseCapProblem(parsed.data.upstream.max_response_bytes, opts.heapLimitBytes ?? heapLimitBytes());
    if (tooLarge) add([{ path: ['upstream', 'max_response_bytes'], message: tooLarge }]);
  }

  const withLine = (p: PathProblem): ConfigProblem => placeProblem(p, locate);
  if (problems.length > 0 || !parsed.success) {
    // A second net: a secret also used elsewhere (e.g. ${VAR} under a key that quotes its value in
    // a message) is never repeated.
    const redact = redactor(secretValues(resolved.value));
    throw new ConfigError(file, problems.map(withLine).map((p) => ({ ...p, message: redact(p.message) })).sort(byLine));
  }
  const warnings = [
    ...doc.warnings.map((w) => ({ path: '', message: `YAML: ${w.message}`, line: lineCounter.linePos(w.pos[0]).line })),
    ...rules.warnings.filter((w) => !alreadyReported(w.path)).map(withLine),
  ].sort(byLine);
  return { config: toConfig(parsed.data), warnings, sources: platform.sources, secretFiles: resolved.files };
}

/**
 * Reads and validates the config file `file` (`${VAR}` from `env`, relative `*_file` paths against
 * the file's directory) and returns the config with its warnings.
 * Throws a ConfigError when the file cannot be read, is not a regular file of bounded size
 * (readFile.ts), or holds any mistake.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, opts: Pick<ParseOptions, 'heapLimitBytes'> = {}): LoadedConfig {
  return parseConfigText(readConfigFile(file), { ...opts, file, env, baseDir: path.dirname(path.resolve(file)) });
}

/**
 * Loads the config from `location`: a file (as loadConfig), or the YAML text of an environment
 * variable (relative `*_file` paths then resolve against the working directory). Throws a
 * ConfigError naming the location.
 */
export function loadConfigAt(location: ConfigLocation, env: NodeJS.ProcessEnv = process.env, opts: Pick<ParseOptions, 'heapLimitBytes'> = {}): LoadedConfig {
  if ('file' in location) return loadConfig(location.file, env, opts);
  const name = describeLocation(location);
  const text = env[location.variable];
  if (!text) throw new ConfigError(name, [{ path: '', message: `${location.variable} is empty` }]);
  return parseConfigText(text, { ...opts, file: name, env, baseDir: process.cwd() });
}
