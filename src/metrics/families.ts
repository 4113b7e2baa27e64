/**
 * Every metric family this exporter serves for its targets: names, types and help texts in one
 * place. Their order here is the order of families in /metrics.
 */

export type FamilyType = 'gauge' | 'counter';

export interface Family {
  name: string;
  type: FamilyType;
  help: string;
}

function family(name: string, type: FamilyType, help: string): Family {
  return { name, type, help };
}

/** Per (target, process_type) series. */
export const PROCESS = {
  replicas: family('bkpaas_process_replicas', 'gauge', 'Desired replicas of the process type: sum of replicas over its process items.'),
  success: family('bkpaas_process_success_replicas', 'gauge', 'Healthy instances of the process type: sum of success over its process items.'),
  failed: family('bkpaas_process_failed_replicas', 'gauge', 'Failed instances of the process type: sum of failed over its process items.'),
  targetReplicas: family('bkpaas_process_target_replicas', 'gauge', 'Replicas the user configured for the process type on the platform.'),
  maxReplicas: family('bkpaas_process_max_replicas', 'gauge', 'Maximum replicas the platform allows for the process type.'),
  staleInstances: family('bkpaas_process_stale_instances', 'gauge', 'Instances of the process type running a release version other than its latest.'),
  instances: family('bkpaas_process_instances', 'gauge', 'Instances of the process type by state.'),
  readyInstances: family('bkpaas_process_ready_instances', 'gauge', 'Instances of the process type that are ready.'),
  restarts: family('bkpaas_process_instance_restarts', 'gauge', 'Sum of restart counts over the instances of the process type.'),
  version: family('bkpaas_process_version', 'gauge', 'Latest release version of the process type: the highest version of its process items.'),
  targetStatus: family('bkpaas_process_target_status', 'gauge', 'Status the user configured for the process type (start or stop): 1 for the configured one.'),
  settled: family('bkpaas_process_settled', 'gauge', "1 when the process type is settled by the platform's own rule, 0 while it is still changing."),
  info: family('bkpaas_process_info', 'gauge', 'Static information about a process item of the process type; always 1.'),
} as const;

/** Per-instance series, only with instance_metrics: true. */
export const INSTANCE = {
  ready: family('bkpaas_instance_ready', 'gauge', '1 when the instance is ready, else 0.'),
  restarts: family('bkpaas_instance_restarts', 'gauge', 'Restart count of the instance.'),
  startTime: family('bkpaas_instance_start_time_seconds', 'gauge', 'Start time of the instance in unix seconds.'),
  info: family('bkpaas_instance_info', 'gauge', 'Static information about the instance; always 1.'),
} as const;

/** Per-target series about the fetch itself. */
export const TARGET = {
  up: family('bkpaas_target_up', 'gauge', "1 when the target's last completed fetch succeeded, else 0."),
  fetchDuration: family('bkpaas_target_fetch_duration_seconds', 'gauge', "Duration of the target's last completed fetch in seconds."),
  lastSuccess: family('bkpaas_target_last_success_timestamp_seconds', 'gauge', "Unix time of the target's last successful fetch."),
  fetchErrors: family('bkpaas_target_fetch_errors_total', 'counter', "Failed fetches of the target by reason."),
} as const;

/** All target families in exposition order; a target's rendered chunks are indexed the same way. */
export const TARGET_FAMILIES: readonly Family[] = [
  ...Object.values(PROCESS),
  ...Object.values(INSTANCE),
  ...Object.values(TARGET),
];

/** Index of a family in TARGET_FAMILIES. */
export const FAMILY_INDEX: ReadonlyMap<string, number> = new Map(TARGET_FAMILIES.map((f, i) => [f.name, i]));

/** Names of the exporter's own metrics (served through prom-client). */
export const SELF = {
  buildInfo: 'bkpaas_exporter_build_info',
  targets: 'bkpaas_exporter_targets',
  upstreamRequestDuration: 'bkpaas_exporter_upstream_request_duration_seconds',
  reloadSuccessful: 'bkpaas_exporter_config_last_reload_successful',
  reloadTimestamp: 'bkpaas_exporter_config_last_reload_success_timestamp_seconds',
  probeRejected: 'bkpaas_exporter_probe_rejected_total',
  discoveryTargets: 'bkpaas_discovery_targets',
  discoveryUndeployed: 'bkpaas_discovery_undeployed_targets',
  discoveryLastSuccess: 'bkpaas_discovery_last_success_timestamp_seconds',
  discoveryErrors: 'bkpaas_discovery_errors_total',
} as const;
