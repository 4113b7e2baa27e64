/**
 * Metric names of the contract (docs: the product contract, "Metrics"), and a small PromQL
 * reader that lists the metric names an expression selects. Used by the monitoring tests to keep
 * alert rules and dashboards on the fixed names.
 */

/** Every metric name the exporter serves, as fixed by the contract. */
export const CONTRACT_METRICS: readonly string[] = [
  'bkpaas_process_replicas',
  'bkpaas_process_success_replicas',
  'bkpaas_process_failed_replicas',
  'bkpaas_process_target_replicas',
  'bkpaas_process_max_replicas',
  'bkpaas_process_stale_instances',
  'bkpaas_process_instances',
  'bkpaas_process_ready_instances',
  'bkpaas_process_instance_restarts',
  'bkpaas_process_version',
  'bkpaas_process_target_status',
  'bkpaas_process_settled',
  'bkpaas_process_info',
  'bkpaas_process_last_terminated_instances',
  'bkpaas_process_resource_limit',
  'bkpaas_process_resource_request',
  'bkpaas_process_plan_info',
  'bkpaas_process_autoscaling_enabled',
  'bkpaas_process_autoscaling_min_replicas',
  'bkpaas_process_autoscaling_max_replicas',
  'bkpaas_target_up',
  'bkpaas_target_fetch_duration_seconds',
  'bkpaas_target_last_success_timestamp_seconds',
  'bkpaas_target_fetch_errors_total',
  'bkpaas_exporter_build_info',
  'bkpaas_exporter_targets',
  'bkpaas_exporter_upstream_request_duration_seconds',
  'bkpaas_exporter_config_last_reload_successful',
  'bkpaas_exporter_config_last_reload_success_timestamp_seconds',
  'bkpaas_exporter_probe_rejected_total',
  'bkpaas_discovery_targets',
  'bkpaas_discovery_undeployed_targets',
  'bkpaas_discovery_last_success_timestamp_seconds',
  'bkpaas_discovery_errors_total',
  'bkpaas_instance_ready',
  'bkpaas_instance_restarts',
  'bkpaas_instance_start_time_seconds',
  'bkpaas_instance_info',
  'bkpaas_instance_last_terminated_reason',
  'bkpaas_instance_last_terminated_exit_code',
];

/** The histograms among them: their `_bucket`, `_sum` and `_count` series are names too. */
export const CONTRACT_HISTOGRAMS: readonly string[] = ['bkpaas_exporter_upstream_request_duration_seconds'];

/** Returns true when `name` is a contract metric or a series of a contract histogram. */
export function isContractSeriesName(name: string): boolean {
  if (CONTRACT_METRICS.includes(name)) return true;
  return CONTRACT_HISTOGRAMS.some((h) => ['_bucket', '_sum', '_count'].some((suffix) => name === h + suffix));
}

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'offset', 'bool', 'atan2', 'inf', 'nan',
]);

/**
 * Returns the metric names `expr` selects (bare identifiers that are neither functions,
 * aggregations, keywords nor numbers), in order of appearance, without duplicates. Label
 * matchers, strings, durations and grouping label lists are skipped. `{__name__=...}` selectors
 * are not recognised (none of our expressions use them).
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, '')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names: string[] = [];
  const token = /(\d[\w.]*)|([a-zA-Z_:][\w:]*)(\s*\()?/g;
  for (let m = token.exec(stripped); m; m = token.exec(stripped)) {
    const [, number, ident, call] = m;
    if (number || !ident || call) continue;
    if (KEYWORDS.has(ident.toLowerCase())) continue;
    if (!names.includes(ident)) names.push(ident);
  }
  return names;
}
