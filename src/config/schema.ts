/**
 * The zod schema of the config file, with every default in one place (DEFAULTS). Checks one key at
 * a time; rules spanning several keys live in rules.ts. Messages of the checks here never repeat a
 * secret: only non-secret values (durations, names, URLs without credentials) are quoted.
 *
 * Each key's node carries what it expects, in words (`.meta({ expects })`): the text of
 * "expected ..., got ..." messages, found by walking the schema (expects.ts).
 */

import { z } from 'zod';

import type { SecretKey } from '../authFields';
import { wholeNamePattern } from '../metrics/familyFilter';
import { parseDuration } from './duration';
import { LISTEN_EXPECTED, parseListen } from './listen';
import { parseByteSize, SIZE_EXPECTED } from './size';

declare module 'zod' {
  interface GlobalMeta {
    /** What the key expects, in words, e.g. 'a duration such as "5m"': completes "expected ...". */
    expects?: string;
  }
}

/** Every default of the config, in the form a user would write it. */
export const DEFAULTS = Object.freeze({
  server: Object.freeze({ listen: '0.0.0.0:9876' }),
  upstream: Object.freeze({
    tenant_id: '',
    timeout: '10s',
    concurrency: 16,
    max_response_bytes: 16 * 1024 * 1024,
    max_retry_after: '5m',
  }),
  cache: Object.freeze({ ttl: '15s' }),
  target: Object.freeze({ modules: Object.freeze(['default']) }),
  instance_metrics: false,
  discovery: Object.freeze({
    enabled: false,
    refresh_interval: '5m',
    environments: Object.freeze(['stag', 'prod']),
  }),
});

/** The environments every known BlueKing PaaS installation has; others are allowed with a warning. */
export const KNOWN_ENVIRONMENTS: readonly string[] = Object.freeze(['stag', 'prod']);

/** What app codes, module names and environments may contain: they become URL path segments. */
export const URL_SAFE_NAME = /^[A-Za-z0-9._~-]+$/;

/** Prometheus's label name syntax. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label names the exporter sets itself; a configured label must not use them. */
export const RESERVED_LABEL_NAMES: readonly string[] = Object.freeze([
  'app_code',
  'module_name',
  'environment',
  'process_type',
  'instance',
  'instance_name',
  'state',
  'status',
  'name',
  'cluster_link',
  'version',
  'image',
  'reason',
  'resource',
  'unit',
  'plan',
  'code',
  'job',
  'nodejs_version',
]);

/** Returns why `name` cannot be a configured label name, or undefined when it can. */
export function labelNameProblem(name: string): string | undefined {
  if (!LABEL_NAME.test(name)) {
    return `invalid label name ${JSON.stringify(name)}: expected letters, digits and "_", not starting with a digit (${LABEL_NAME.source})`;
  }
  if (name.startsWith('__')) {
    return `label name ${JSON.stringify(name)} is reserved: names starting with "__" are for Prometheus's internal use`;
  }
  if (RESERVED_LABEL_NAMES.includes(name)) {
    return `label name ${JSON.stringify(name)} is reserved: the exporter sets it itself (reserved: ${RESERVED_LABEL_NAMES.join(', ')})`;
  }
  return undefined;
}

// Wordings shared by several keys' expectations.
const MAPPING = 'a mapping';
const NAME = 'letters, digits, ".", "_", "~" and "-"';
const BOOL = 'true or false';
const ENVIRONMENTS = 'a non-empty list of environment names such as [stag, prod]';
const ENVIRONMENT = `an environment name of ${NAME}, such as "stag" or "prod"`;

/** A boolean key. */
const bool = () => z.boolean().meta({ expects: BOOL });

const durationMs = (opts: { allowZero: boolean }) =>
  z.string().transform((s, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
    if (ms === 0 && !opts.allowZero) {
      ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(s)}: must be greater than 0` });
      return z.NEVER;
    }
    return ms;
  });

const listenAddress = z.string().transform((s, ctx) => {
  try {
    return parseListen(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const URL_EXAMPLE = 'such as "https://bkapi.example.com/api/bkpaas3/prod"';

const baseUrl = z.string().transform((s, ctx) => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  // A URL with user info may carry a password: describe it without quoting it.
  const shown = s.includes('@') ? 'the URL' : JSON.stringify(s);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return fail(`invalid URL ${shown}: expected an http(s) URL ${URL_EXAMPLE}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(`unsupported scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))} in ${shown}: expected an http(s) URL ${URL_EXAMPLE}`);
  }
  if (url.username !== '' || url.password !== '') {
    return fail('the URL must not contain a user name or password: credentials belong in upstream.auth');
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(s)) {
    return fail(`${shown} must not contain a query string or fragment: the API path is appended to it`);
  }
  return s.replace(/\/+$/, '');
});

const urlSafeName = (what: string) =>
  z.string().superRefine((s, ctx) => {
    if (s === '') {
      ctx.addIssue({ code: 'custom', message: `${what} must not be empty` });
    } else if (!URL_SAFE_NAME.test(s)) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid ${what} ${JSON.stringify(s)}: use only letters, digits, ".", "_", "~" and "-" (it becomes part of the API URL)`,
      });
    } else if (s === '.' || s === '..') {
      // URL parsers resolve "." and ".." segments: the request would go to another API path.
      ctx.addIssue({ code: 'custom', message: `invalid ${what} ${JSON.stringify(s)}: "." and ".." are path navigation, not names` });
    }
  });

const nonEmptyString = (what: string) =>
  z.string().superRefine((s, ctx) => {
    if (s === '') ctx.addIssue({ code: 'custom', message: `${what} must not be empty` });
  });

const labelName = z.string().superRefine((name, ctx) => {
  const problem = labelNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const labelValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform(String)
  .superRefine((v, ctx) => {
    if (v === '') ctx.addIssue({ code: 'custom', message: 'label value must not be empty (Prometheus treats an empty value as no label)' });
  });

const labels = z
  .record(labelName, labelValue.meta({ expects: 'a string (numbers and booleans are converted)' }))
  .meta({ expects: 'a mapping of label names to values, such as {team: payments}' });

/**
 * Compiles `s` with `compile`, or adds an "invalid regular expression" issue with the engine's
 * reason (without the pattern it repeats) and returns z.NEVER.
 */
function compileOrIssue(s: string, ctx: z.RefinementCtx, compile: (pattern: string) => RegExp): RegExp {
  try {
    return compile(s);
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    ctx.addIssue({ code: 'custom', message: `invalid regular expression ${JSON.stringify(s)}: ${why}` });
    return z.NEVER;
  }
}

const regexList = z.array(
  z
    .string()
    // Searched, not anchored (as the discovery docs show: "^pay-", "-test$"); anchor to match whole names.
    .transform((s, ctx) => compileOrIssue(s, ctx, (pattern) => new RegExp(pattern)))
    .meta({ expects: 'a regular expression (a string), searched for within the name (anchor with ^...$ for whole names), such as "^pay-"' }),
).meta({
  expects: 'a list of regular expressions, each searched for within the name (anchor with ^...$ for whole names), such as ["^pay-"]',
});

/** Metric family patterns, kept as written (anchored where used: metrics/familyFilter.ts). */
const patternList = z
  .array(
    z
      .string()
      .superRefine((s, ctx) => {
        compileOrIssue(s, ctx, wholeNamePattern);
      })
      .meta({ expects: 'a regular expression (a string) matched against whole metric family names, such as "bkpaas_process_info"' }),
  )
  .meta({ expects: 'a list of regular expressions, each matched against whole metric family names, such as ["bkpaas_instance_.*"]' });

/** `metrics`: which families are served (kube-state-metrics' allow / deny lists). */
export const metricsSchema = z
  .strictObject({
    allow: patternList.default(() => []),
    deny: patternList.default(() => []),
  })
  .meta({ expects: 'a mapping with allow and deny' });

/** A secret of `upstream.auth`, usually from an environment variable or a file. */
const secret = (key: SecretKey) =>
  nonEmptyString(key).meta({ expects: `a non-empty string such as "\${ENV_VAR}" (or ${key}_file: the path of a file holding it)` });

/** `<key>_file`: where to read the secret `key` from. */
const secretFile = (key: SecretKey) =>
  z.string().optional().meta({ expects: `the path of a file holding ${key}` });

/** `server`. */
export const serverSchema = z
  .strictObject({
    listen: listenAddress.prefault(DEFAULTS.server.listen).meta({ expects: `an address ${LISTEN_EXPECTED}` }),
  })
  .meta({ expects: MAPPING });

/** `upstream.auth`. Each secret may be given as `<key>_file`, resolved (and removed) before this schema. */
export const authSchema = z
  .strictObject({
    bk_app_code: nonEmptyString('bk_app_code').meta({ expects: 'a non-empty string (the code of the app calling the API)' }),
    bk_app_secret: secret('bk_app_secret'),
    access_token: secret('access_token').optional(),
    bk_ticket: secret('bk_ticket').optional(),
    bk_token: secret('bk_token').optional(),
    bk_username: nonEmptyString('bk_username')
      .optional()
      .meta({ expects: 'a non-empty string (a user name the gateway trusts this app to act as)' }),
    bk_app_secret_file: secretFile('bk_app_secret'),
    access_token_file: secretFile('access_token'),
    bk_ticket_file: secretFile('bk_ticket'),
    bk_token_file: secretFile('bk_token'),
  })
  .meta({ expects: MAPPING });

/** `upstream`. */
export const upstreamSchema = z
  .strictObject({
    base_url: baseUrl.meta({ expects: `an http(s) URL ${URL_EXAMPLE}` }),
    auth: authSchema,
    tenant_id: z.string().default(DEFAULTS.upstream.tenant_id).meta({ expects: 'a string ("" sends no X-Bk-Tenant-Id header)' }),
    timeout: durationMs({ allowZero: false })
      .prefault(DEFAULTS.upstream.timeout)
      .meta({ expects: 'a duration such as "10s" or "1m30s"' }),
    concurrency: z.number().int().min(1).max(1024).default(DEFAULTS.upstream.concurrency).meta({ expects: 'an integer from 1 to 1024' }),
    max_response_bytes: z
      .union([z.number(), z.string()])
      .transform((v, ctx) => {
        try {
          return parseByteSize(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .prefault(DEFAULTS.upstream.max_response_bytes)
      .meta({ expects: SIZE_EXPECTED }),
    // 0s ignores Retry-After: the target is asked again at its next ttl.
    max_retry_after: durationMs({ allowZero: true })
      .prefault(DEFAULTS.upstream.max_retry_after)
      .meta({ expects: 'a duration such as "5m" ("0s" ignores Retry-After)' }),
  })
  .meta({ expects: MAPPING });

/** `cache`. */
export const cacheSchema = z
  .strictObject({
    // 0s is allowed: every scrape then fetches (concurrent scrapes still share one fetch).
    ttl: durationMs({ allowZero: true }).prefault(DEFAULTS.cache.ttl).meta({ expects: 'a duration such as "15s" or "1m30s"' }),
  })
  .meta({ expects: MAPPING });

/** One entry of `targets`. */
export const targetSchema = z
  .strictObject({
    app_code: urlSafeName('app_code').meta({ expects: `a non-empty app code of ${NAME}` }),
    environments: z
      .array(urlSafeName('environment').meta({ expects: ENVIRONMENT }))
      .min(1)
      .meta({ expects: ENVIRONMENTS }),
    modules: z
      .array(urlSafeName('module name').meta({ expects: `a module name of ${NAME}, such as "default"` }))
      .min(1)
      .default(() => [...DEFAULTS.target.modules])
      .meta({ expects: 'a non-empty list of module names such as [default, api]' }),
    only_latest_version: bool().optional(),
    labels: labels.default(() => ({})),
  })
  .meta({ expects: 'a mapping with app_code and environments' });

/** `discovery`. */
export const discoverySchema = z
  .strictObject({
    enabled: bool().default(DEFAULTS.discovery.enabled),
    refresh_interval: durationMs({ allowZero: false })
      .prefault(DEFAULTS.discovery.refresh_interval)
      .meta({ expects: 'a duration such as "5m"' }),
    environments: z
      .array(urlSafeName('environment').meta({ expects: ENVIRONMENT }))
      .min(1)
      .default(() => [...DEFAULTS.discovery.environments])
      .meta({ expects: ENVIRONMENTS }),
    include_apps: regexList.default(() => []),
    exclude_apps: regexList.default(() => []),
    include_modules: regexList.default(() => []),
    exclude_modules: regexList.default(() => []),
    only_latest_version: bool().optional(),
    labels: labels.default(() => ({})),
  })
  .meta({ expects: MAPPING });

/** The whole file. */
export const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    upstream: upstreamSchema,
    cache: cacheSchema.prefault({}),
    targets: z
      .array(targetSchema)
      .default(() => [])
      .meta({ expects: 'a list of targets, each a mapping with app_code and environments' }),
    instance_metrics: bool().default(DEFAULTS.instance_metrics),
    discovery: discoverySchema.prefault({}),
    metrics: metricsSchema.prefault({}),
  })
  .meta({ expects: MAPPING });

/** What configSchema produces: validated, with defaults applied, durations in milliseconds. */
export type ParsedConfig = z.output<typeof configSchema>;

/** The keys allowed in each mapping, by path pattern (see expects.ts), for "unknown key" messages. */
export const ALLOWED_KEYS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  '': Object.keys(configSchema.shape),
  server: Object.keys(serverSchema.shape),
  upstream: Object.keys(upstreamSchema.shape),
  'upstream.auth': Object.keys(authSchema.shape),
  cache: Object.keys(cacheSchema.shape),
  'targets[]': Object.keys(targetSchema.shape),
  discovery: Object.keys(discoverySchema.shape),
  metrics: Object.keys(metricsSchema.shape),
});
