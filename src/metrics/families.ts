/**
 * Every metric family this exporter serves for its targets, declared once (in the manner of
 * kube-state-metrics' family generators): name, type, help, scope, the label names it adds and
 * the function producing its samples from its subject. Rendering (targetChunks.ts), the allow /
 * deny filter and the README check all read this table. Its order is the order
 * of families in /metrics; adding a family means adding one entry here (and its test).
 */
import type { ProcessRow } from '../model/aggregate';
import type { InstanceItem } from '../model/snapshot';
import { FETCH_ERROR_REASONS } from '../upstream/errors';
import { capLabelValue } from './exposition';
import type { TargetView } from './targetChunks';

export type FamilyType = 'gauge' | 'counter';

/**
 * What a family's series are about, and the labels every series of that scope carries before the
 * family's own: `target` the target labels; `process` those and process_type; `instance` those
 * and instance_name (one subject per instance, only with instance_metrics).
 */
export type FamilyScope = 'target' | 'process' | 'instance';

/** Label names a scope puts on every series, after the target's own labels. */
export const SCOPE_LABELS: Readonly<Record<FamilyScope, readonly string[]>> = {
  target: [],
  process: ['process_type'],
  instance: ['process_type', 'instance_name'],
};

/**
 * Where a generator writes its samples: the value, then one raw value per label the family
 * declares, in declaration order (the writer escapes them).
 */
export interface SampleSink {
  sample(value: number, a?: string, b?: string, c?: string): void;
}

/** A family's name, type and help: what its `# HELP` and `# TYPE` lines say. */
export interface Family {
  name: string;
  type: FamilyType;
  help: string;
}

interface Declared<Scope extends FamilyScope> extends Family {
  scope: Scope;
  /** Label names the family adds beyond its scope's (at most three). */
  labels: readonly string[];
}

/** A family with one subject per target. */
export interface TargetFamily extends Declared<'target'> {
  generate(view: TargetView, out: SampleSink): void;
}

/**
 * A family with one subject per process row, or, with `elements`, one per element of a list of
 * the row (the renderer may pause between elements: such lists can be 100 000 long).
 */
export interface ProcessFamily extends Declared<'process'> {
  elements?: (row: ProcessRow) => readonly unknown[];
  generate(subject: never, out: SampleSink): void;
}

/** A family with one subject per instance. */
export interface InstanceFamily extends Declared<'instance'> {
  generate(instance: InstanceItem, out: SampleSink): void;
}

export type TargetFamilyDecl = TargetFamily | ProcessFamily | InstanceFamily;

type Head = Omit<Family, 'type'> & { type?: FamilyType; labels?: readonly string[] };

function target(head: Head, generate: TargetFamily['generate']): TargetFamily {
  return { type: 'gauge', labels: [], ...head, scope: 'target', generate };
}

function processRow(head: Head, generate: (row: ProcessRow, out: SampleSink) => void): ProcessFamily {
  return { type: 'gauge', labels: [], ...head, scope: 'process', generate: generate as ProcessFamily['generate'] };
}

function processEach<T>(head: Head, elements: (row: ProcessRow) => readonly T[], generate: (element: T, out: SampleSink) => void): ProcessFamily {
  return { type: 'gauge', labels: [], ...head, scope: 'process', elements, generate: generate as ProcessFamily['generate'] };
}

function instance(head: Head, generate: InstanceFamily['generate']): InstanceFamily {
  return { type: 'gauge', labels: [], ...head, scope: 'instance', generate };
}

const RESOURCES = [
  ['cpu', 'core', 'cpu_cores'],
  ['memory', 'byte', 'memory_bytes'],
] as const;

function resources(spec: ProcessRow['resource_limit'], out: SampleSink): void {
  if (!spec) return;
  // Index loops in the generators: they run for every row of every target on every refresh.
  for (let i = 0; i < RESOURCES.length; i++) {
    const [resource, unit, field] = RESOURCES[i];
    const v = spec[field];
    if (v !== undefined) out.sample(v, resource, unit);
  }
}

/** All target families in exposition order; a target's rendered chunks are indexed the same way. */
export const TARGET_FAMILIES: readonly TargetFamilyDecl[] = [
  processRow({ name: 'bkpaas_process_replicas', help: 'Desired replicas of the process type: sum of replicas over its process items.' }, (r, out) => out.sample(r.replicas)),
  processRow({ name: 'bkpaas_process_success_replicas', help: 'Healthy instances of the process type: sum of success over its process items.' }, (r, out) => out.sample(r.success)),
  processRow({ name: 'bkpaas_process_failed_replicas', help: 'Failed instances of the process type: sum of failed over its process items.' }, (r, out) => out.sample(r.failed)),
  processRow({ name: 'bkpaas_process_target_replicas', help: 'Replicas the user configured for the process type on the platform.' }, (r, out) => {
    if (r.target_replicas !== undefined) out.sample(r.target_replicas);
  }),
  processRow({ name: 'bkpaas_process_max_replicas', help: 'Maximum replicas the platform allows for the process type.' }, (r, out) => {
    if (r.max_replicas !== undefined) out.sample(r.max_replicas);
  }),
  processRow({ name: 'bkpaas_process_stale_instances', help: 'Instances of the process type running a release version other than its latest.' }, (r, out) => {
    if (r.stale_instances !== undefined) out.sample(r.stale_instances);
  }),
  processEach(
    { name: 'bkpaas_process_instances', help: 'Instances of the process type by state.', labels: ['state'] },
    (r) => r.instances_by_state,
    ([state, n], out) => out.sample(n, state),
  ),
  processRow({ name: 'bkpaas_process_ready_instances', help: 'Instances of the process type that are ready.' }, (r, out) => out.sample(r.ready_instances)),
  processRow({ name: 'bkpaas_process_instance_restarts', help: 'Sum of restart counts over the instances of the process type.' }, (r, out) => out.sample(r.restarts)),
  processRow({ name: 'bkpaas_process_version', help: 'Latest release version of the process type: the highest version of its process items.' }, (r, out) => {
    if (r.latest_version !== undefined) out.sample(r.latest_version);
  }),
  processRow(
    { name: 'bkpaas_process_target_status', help: 'Status the user configured for the process type (start or stop): 1 for the configured one.', labels: ['status'] },
    (r, out) => {
      if (r.target_status === undefined) return;
      out.sample(r.target_status === 'start' ? 1 : 0, 'start');
      out.sample(r.target_status === 'stop' ? 1 : 0, 'stop');
    },
  ),
  processRow({ name: 'bkpaas_process_settled', help: "1 when the process type is settled by the platform's own rule, 0 while it is still changing." }, (r, out) => {
    if (r.settled !== undefined) out.sample(r.settled);
  }),
  processEach(
    { name: 'bkpaas_process_info', help: 'Static information about a process item of the process type; always 1.', labels: ['name', 'cluster_link'] },
    (r) => r.infos,
    (info, out) => out.sample(1, info.name, info.cluster_link),
  ),
  processEach(
    { name: 'bkpaas_process_last_terminated_instances', help: 'Instances of the process type whose container last terminated, by the reason of that termination.', labels: ['reason'] },
    (r) => r.last_terminated_by_reason,
    ([reason, n], out) => out.sample(n, capLabelValue(reason)),
  ),
  processRow(
    { name: 'bkpaas_process_resource_limit', help: 'Resource limit per replica of the process type (cpu in cores, memory in bytes).', labels: ['resource', 'unit'] },
    (r, out) => resources(r.resource_limit, out),
  ),
  processRow(
    { name: 'bkpaas_process_resource_request', help: 'Resource request per replica of the process type (cpu in cores, memory in bytes).', labels: ['resource', 'unit'] },
    (r, out) => resources(r.resource_request, out),
  ),
  processRow({ name: 'bkpaas_process_plan_info', help: 'Resource plan of the process type; always 1.', labels: ['plan'] }, (r, out) => {
    if (r.plan_name !== undefined) out.sample(1, r.plan_name);
  }),
  processRow({ name: 'bkpaas_process_autoscaling_enabled', help: '1 when autoscaling is on for the process type, 0 when it is off.' }, (r, out) => {
    if (r.autoscaling !== undefined) out.sample(r.autoscaling ? 1 : 0);
  }),
  processRow({ name: 'bkpaas_process_autoscaling_min_replicas', help: 'Fewest replicas autoscaling may scale the process type to.' }, (r, out) => {
    if (r.autoscaling_min_replicas !== undefined) out.sample(r.autoscaling_min_replicas);
  }),
  processRow({ name: 'bkpaas_process_autoscaling_max_replicas', help: 'Most replicas autoscaling may scale the process type to.' }, (r, out) => {
    if (r.autoscaling_max_replicas !== undefined) out.sample(r.autoscaling_max_replicas);
  }),
  instance({ name: 'bkpaas_instance_ready', help: '1 when the instance is ready, else 0.' }, (i, out) => out.sample(i.ready ? 1 : 0)),
  instance({ name: 'bkpaas_instance_restarts', help: 'Restart count of the instance.' }, (i, out) => out.sample(i.restart_count)),
  instance({ name: 'bkpaas_instance_start_time_seconds', help: 'Start time of the instance in unix seconds.' }, (i, out) => {
    if (i.start_time !== undefined) out.sample(i.start_time);
  }),
  instance({ name: 'bkpaas_instance_info', help: 'Static information about the instance; always 1.', labels: ['state', 'version', 'image'] }, (i, out) =>
    out.sample(1, i.state, i.version === undefined ? '' : String(i.version), i.image),
  ),
  instance({ name: 'bkpaas_instance_last_terminated_reason', help: 'Reason of the last termination of the instance; always 1.', labels: ['reason'] }, (i, out) => {
    const reason = i.last_terminated?.reason;
    if (reason) out.sample(1, capLabelValue(reason));
  }),
  instance({ name: 'bkpaas_instance_last_terminated_exit_code', help: 'Exit code of the last termination of the instance.' }, (i, out) => {
    const code = i.last_terminated?.exit_code;
    if (code !== undefined) out.sample(code);
  }),
  target({ name: 'bkpaas_target_up', help: "1 when the target's last completed fetch succeeded, else 0." }, (v, out) => out.sample(v.up ? 1 : 0)),
  target({ name: 'bkpaas_target_fetch_duration_seconds', help: "Duration of the target's last completed fetch in seconds." }, (v, out) => {
    if (v.durationSeconds !== undefined) out.sample(v.durationSeconds);
  }),
  target({ name: 'bkpaas_target_last_success_timestamp_seconds', help: "Unix time of the target's last successful fetch." }, (v, out) => {
    if (v.lastSuccessSeconds !== undefined) out.sample(v.lastSuccessSeconds);
  }),
  target({ name: 'bkpaas_target_fetch_errors_total', type: 'counter', help: 'Failed fetches of the target by reason.', labels: ['reason'] }, (v, out) => {
    if (v.errorCounts.size === 0) return;
    for (let i = 0; i < FETCH_ERROR_REASONS.length; i++) {
      const n = v.errorCounts.get(FETCH_ERROR_REASONS[i]);
      if (n) out.sample(n, FETCH_ERROR_REASONS[i]);
    }
  }),
];

/** Every label name of a family's series after the target's own labels: its scope's, then its own. */
export function familyLabelNames(f: TargetFamilyDecl): string[] {
  return [...SCOPE_LABELS[f.scope], ...f.labels];
}

/** Names of the exporter's own metrics (served through prom-client). */
export const SELF = {
  buildInfo: 'bkpaas_exporter_build_info',
  targets: 'bkpaas_exporter_targets',
  upstreamRequestDuration: 'bkpaas_exporter_upstream_request_duration_seconds',
  reloadSuccessful: 'bkpaas_exporter_config_last_reload_successful',
  reloadTimestamp: 'bkpaas_exporter_config_last_reload_success_timestamp_seconds',
  probeRejected: 'bkpaas_exporter_probe_rejected_total',
  unchangedAnswers: 'bkpaas_exporter_upstream_unchanged_answers_total',
  discoveryTargets: 'bkpaas_discovery_targets',
  discoveryUndeployed: 'bkpaas_discovery_undeployed_targets',
  discoveryLastSuccess: 'bkpaas_discovery_last_success_timestamp_seconds',
  discoveryErrors: 'bkpaas_discovery_errors_total',
} as const;
