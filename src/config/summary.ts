/** The one-screen summary `--check-config` prints for a valid config. Names auth fields, never their values. */

import { formatDuration } from './duration';
import { formatMiB, heapLimitBytes, largestResponseCap, RESPONSE_CAP_RULE } from './heapFit';
import { formatListen } from './listen';
import { formatByteSize } from './size';
import { AUTH_KEYS } from '../authFields';
import type { ValueSources } from './platform';
import type { ExporterConfig, TargetSpec } from './types';
import { inShard, type Shard } from '../scheduler/shard';
import { targetKey } from '../scheduler/targetRecord';

/** Static targets listed one per line before "... and N more". */
const MAX_LISTED_TARGETS = 20;


function labelsText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return parts.length > 0 ? ` {${parts.join(', ')}}` : '';
}

function targetLine(t: TargetSpec): string {
  const latest = t.only_latest_version === undefined ? '' : ` only_latest_version=${t.only_latest_version}`;
  return `    ${t.app_code}/${t.module_name}/${t.environment}${latest}${labelsText(t.labels)}  (${t.source})`;
}

function regexes(list: RegExp[]): string {
  return list.length === 0 ? '(none)' : list.map((r) => r.source).join(', ');
}

/**
 * Returns a short, human-readable summary of a loaded config for `--check-config`: file, listen
 * address, upstream (base URL, the NAMES of the auth fields that are set, tenant, timeout,
 * concurrency, response limit and the most `heapLimit` allows, Retry-After cap), cache TTL,
 * instance metrics, the static targets (the first 20, then a count) and discovery. Never includes
 * a secret.
 */
export function describeConfig(
  config: ExporterConfig,
  file: string,
  opts: { heapLimit?: number; sources?: ValueSources; shard?: Shard } = {},
): string {
  const { upstream: up, discovery: d } = config;
  const heapLimit = opts.heapLimit ?? heapLimitBytes();
  const sources = opts.sources ?? {};
  const from = (path: string) => (sources[path] ? `  (from ${sources[path]})` : '');
  const authSet = AUTH_KEYS.filter((k) => up.auth[k] !== undefined && up.auth[k] !== '').map((k) =>
    sources[`upstream.auth.${k}`] ? `${k} (from ${sources[`upstream.auth.${k}`]})` : k,
  );
  const shard = opts.shard && opts.shard.total > 1 ? opts.shard : undefined;
  const targets = shard ? config.targets.filter((t) => inShard(targetKey(t), shard)) : config.targets;
  const lines = [
    `config file:        ${file}`,
    `listen:             ${formatListen(config.server.listen)}`,
    `upstream:           ${up.base_url}${from('upstream.base_url')}`,
    `  auth fields set:  ${authSet.join(', ')}`,
    `  tenant:           ${up.tenant_id === '' ? '(none)' : up.tenant_id}${from('upstream.tenant_id')}`,
    `  timeout:          ${formatDuration(up.timeout_ms)}`,
    `  concurrency:      ${up.concurrency}`,
    `  max response:     ${formatByteSize(up.max_response_bytes)}`,
    `    heap limit:     ${formatMiB(heapLimit)}, so at most ${formatMiB(largestResponseCap(heapLimit))} (rule: ${RESPONSE_CAP_RULE})`,
    `  max retry-after:  ${formatDuration(up.max_retry_after_ms)}`,
    `cache ttl:          ${formatDuration(config.cache.ttl_ms)}`,
    `instance metrics:   ${config.instance_metrics ? 'on' : 'off'}`,
    shard
      ? `static targets:     ${targets.length} of ${config.targets.length} in shard ${shard.index} of ${shard.total}`
      : `static targets:     ${targets.length}`,
    ...targets.slice(0, MAX_LISTED_TARGETS).map(targetLine),
  ];
  if (targets.length > MAX_LISTED_TARGETS) {
    lines.push(`    ... and ${targets.length - MAX_LISTED_TARGETS} more`);
  }
  if (!d.enabled) {
    lines.push('discovery:          off');
  } else {
    lines.push(
      `discovery:          on${from('discovery.enabled')}`,
      `  refresh interval: ${formatDuration(d.refresh_interval_ms)}`,
      `  environments:     ${d.environments.join(', ')}`,
      `  include apps:     ${d.include_apps.length === 0 ? '(all)' : regexes(d.include_apps)}`,
      `  exclude apps:     ${regexes(d.exclude_apps)}`,
      `  include modules:  ${d.include_modules.length === 0 ? '(all)' : regexes(d.include_modules)}`,
      `  exclude modules:  ${regexes(d.exclude_modules)}`,
    );
    if (d.only_latest_version !== undefined) lines.push(`  only latest:      ${d.only_latest_version}`);
    if (Object.keys(d.labels).length > 0) lines.push(`  labels:          ${labelsText(d.labels)}`);
  }
  return lines.join('\n');
}
