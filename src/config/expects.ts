/**
 * What each config key expects, in words: the text of "expected ..., got ..." messages, also
 * usable by `--check-config` and documentation. Keyed by path pattern: list indexes are `[]`,
 * label names are `*` (e.g. `targets[].labels.*`).
 */

import { SECRET_KEYS } from '../authFields';
import { LISTEN_EXPECTED } from './listen';
import type { Path } from './paths';
import { SIZE_EXPECTED } from './size';

const NAME = 'letters, digits, ".", "_", "~" and "-"';
const BOOL = 'true or false';
const LABELS = 'a mapping of label names to values, such as {team: payments}';
const LABEL_VALUE = 'a string (numbers and booleans are converted)';
const REGEX_LIST = 'a list of regular expressions, each searched for within the name (anchor with ^...$ for whole names), such as ["^pay-"]';
const REGEX = 'a regular expression (a string), searched for within the name (anchor with ^...$ for whole names), such as "^pay-"';
const FAMILY_LIST = 'a list of regular expressions, each matched against whole metric family names, such as ["bkpaas_instance_.*"]';
const FAMILY_PATTERN = 'a regular expression (a string) matched against whole metric family names, such as "bkpaas_process_info"';
const secret = (key: string): string => `a non-empty string such as "\${ENV_VAR}" (or ${key}_file: the path of a file holding it)`;

/** Per-key expectations, by path pattern. */
export const EXPECTS: Readonly<Record<string, string>> = Object.freeze({
  '': 'a mapping',
  server: 'a mapping',
  'server.listen': `an address ${LISTEN_EXPECTED}`,
  upstream: 'a mapping',
  'upstream.base_url': 'an http(s) URL such as "https://bkapi.example.com/api/bkpaas3/prod"',
  'upstream.auth': 'a mapping',
  'upstream.auth.bk_app_code': 'a non-empty string (the code of the app calling the API)',
  ...Object.fromEntries(SECRET_KEYS.map((k) => [`upstream.auth.${k}`, secret(k)])),
  'upstream.auth.bk_username': 'a non-empty string (a user name the gateway trusts this app to act as)',
  ...Object.fromEntries(SECRET_KEYS.map((k) => [`upstream.auth.${k}_file`, `the path of a file holding ${k}`])),
  'upstream.tenant_id': 'a string ("" sends no X-Bk-Tenant-Id header)',
  'upstream.timeout': 'a duration such as "10s" or "1m30s"',
  'upstream.concurrency': 'an integer from 1 to 1024',
  'upstream.max_response_bytes': SIZE_EXPECTED,
  'upstream.max_retry_after': 'a duration such as "5m" ("0s" ignores Retry-After)',
  cache: 'a mapping',
  'cache.ttl': 'a duration such as "15s" or "1m30s"',
  targets: 'a list of targets, each a mapping with app_code and environments',
  'targets[]': 'a mapping with app_code and environments',
  'targets[].app_code': `a non-empty app code of ${NAME}`,
  'targets[].environments': 'a non-empty list of environment names such as [stag, prod]',
  'targets[].environments[]': `an environment name of ${NAME}, such as "stag" or "prod"`,
  'targets[].modules': 'a non-empty list of module names such as [default, api]',
  'targets[].modules[]': `a module name of ${NAME}, such as "default"`,
  'targets[].only_latest_version': BOOL,
  'targets[].labels': LABELS,
  'targets[].labels.*': LABEL_VALUE,
  instance_metrics: BOOL,
  discovery: 'a mapping',
  'discovery.enabled': BOOL,
  'discovery.refresh_interval': 'a duration such as "5m"',
  'discovery.environments': 'a non-empty list of environment names such as [stag, prod]',
  'discovery.environments[]': `an environment name of ${NAME}, such as "stag" or "prod"`,
  'discovery.include_apps': REGEX_LIST,
  'discovery.include_apps[]': REGEX,
  'discovery.exclude_apps': REGEX_LIST,
  'discovery.exclude_apps[]': REGEX,
  'discovery.include_modules': REGEX_LIST,
  'discovery.include_modules[]': REGEX,
  'discovery.exclude_modules': REGEX_LIST,
  'discovery.exclude_modules[]': REGEX,
  'discovery.only_latest_version': BOOL,
  'discovery.labels': LABELS,
  'discovery.labels.*': LABEL_VALUE,
  metrics: 'a mapping with allow and deny',
  'metrics.allow': FAMILY_LIST,
  'metrics.allow[]': FAMILY_PATTERN,
  'metrics.deny': FAMILY_LIST,
  'metrics.deny[]': FAMILY_PATTERN,
});

/** Returns the pattern of a path for EXPECTS: indexes become `[]`, label names `*`. */
export function pathPattern(path: Path): string {
  let out = '';
  path.forEach((seg, i) => {
    if (typeof seg === 'number') out += '[]';
    else if (path[i - 1] === 'labels') out += '.*';
    else out += out === '' ? seg : `.${seg}`;
  });
  return out;
}

/** Returns what the key at `path` expects, in words, or undefined for a path the config does not have. */
export function expectsAt(path: Path): string | undefined {
  return EXPECTS[pathPattern(path)];
}
