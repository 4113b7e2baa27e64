/**
 * The same target series rendered the plain way — prom-client gauges set one by one, then
 * `registry.metrics()` — used by the tests as the reference the fast path must equal, and by the
 * benchmark as the baseline it must beat.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { FETCH_ERROR_REASONS } from '../../src/upstream/errors';
import { familyLabelNames, TARGET_FAMILIES } from '../../src/metrics/families';
import type { TargetView } from '../../src/metrics/targetChunks';

/** A target as the fast path sees it, but with its labels as an object (prom-client's input). */
export type ReferenceTarget = Omit<TargetView, 'labels'> & {
  /** app_code, module_name, environment, then the extra labels, in that order. */
  labels: Record<string, string>;
};

/** Renders the targets with prom-client on a fresh registry. */
export async function renderWithPromClient(targets: readonly ReferenceTarget[]): Promise<string> {
  return buildPromClientRegistry(targets).metrics();
}

/** A fresh registry with a metric per family and every target's series set, one by one. */
export function buildPromClientRegistry(targets: readonly ReferenceTarget[]): Registry {
  const registry = new Registry();
  const extra = new Set<string>();
  for (const t of targets) for (const k of Object.keys(t.labels)) extra.add(k);
  const base = [...extra];
  const gauges = new Map<string, Gauge | Counter>();
  // Names, help, type and label names come from the declaration table; the values below are
  // computed here by hand from the rows, independently of the table's generators.
  for (const f of TARGET_FAMILIES) {
    const labelNames = [...base, ...familyLabelNames(f)];
    const m = f.type === 'counter' ? new Counter({ name: f.name, help: f.help, labelNames, registers: [registry] }) : new Gauge({ name: f.name, help: f.help, labelNames, registers: [registry] });
    gauges.set(f.name, m);
  }
  const set = (name: string, labels: Record<string, string>, v: number) => {
    const g = gauges.get(name);
    if (!g) throw new Error(`no family ${name} in the table`);
    (g as Gauge).set(labels, v);
  };
  const cap = (s: string) => (s.length > 128 ? s.slice(0, 128) : s);

  for (const t of targets) {
    for (const row of t.rows ?? []) {
      const pl = { ...t.labels, process_type: row.process_type };
      set('bkpaas_process_replicas', pl, row.replicas);
      set('bkpaas_process_success_replicas', pl, row.success);
      set('bkpaas_process_failed_replicas', pl, row.failed);
      if (row.target_replicas !== undefined) set('bkpaas_process_target_replicas', pl, row.target_replicas);
      if (row.max_replicas !== undefined) set('bkpaas_process_max_replicas', pl, row.max_replicas);
      if (row.stale_instances !== undefined) set('bkpaas_process_stale_instances', pl, row.stale_instances);
      for (const [state, n] of row.instances_by_state) set('bkpaas_process_instances', { ...pl, state }, n);
      set('bkpaas_process_ready_instances', pl, row.ready_instances);
      set('bkpaas_process_instance_restarts', pl, row.restarts);
      if (row.latest_version !== undefined) set('bkpaas_process_version', pl, row.latest_version);
      if (row.target_status !== undefined) {
        set('bkpaas_process_target_status', { ...pl, status: 'start' }, row.target_status === 'start' ? 1 : 0);
        set('bkpaas_process_target_status', { ...pl, status: 'stop' }, row.target_status === 'stop' ? 1 : 0);
      }
      if (row.settled !== undefined) set('bkpaas_process_settled', pl, row.settled);
      for (const info of row.infos) set('bkpaas_process_info', { ...pl, name: info.name, cluster_link: info.cluster_link }, 1);
      for (const [reason, n] of row.last_terminated_by_reason) set('bkpaas_process_last_terminated_instances', { ...pl, reason: cap(reason) }, n);
      for (const [family, spec] of [['bkpaas_process_resource_limit', row.resource_limit], ['bkpaas_process_resource_request', row.resource_request]] as const) {
        if (spec?.cpu_cores !== undefined) set(family, { ...pl, resource: 'cpu', unit: 'core' }, spec.cpu_cores);
        if (spec?.memory_bytes !== undefined) set(family, { ...pl, resource: 'memory', unit: 'byte' }, spec.memory_bytes);
      }
      if (row.plan_name !== undefined) set('bkpaas_process_plan_info', { ...pl, plan: row.plan_name }, 1);
      if (row.autoscaling !== undefined) set('bkpaas_process_autoscaling_enabled', pl, row.autoscaling ? 1 : 0);
      if (row.autoscaling_min_replicas !== undefined) set('bkpaas_process_autoscaling_min_replicas', pl, row.autoscaling_min_replicas);
      if (row.autoscaling_max_replicas !== undefined) set('bkpaas_process_autoscaling_max_replicas', pl, row.autoscaling_max_replicas);
      if (t.instanceMetrics) {
        for (const inst of row.instances) {
          const il = { ...pl, instance_name: inst.name };
          set('bkpaas_instance_ready', il, inst.ready ? 1 : 0);
          set('bkpaas_instance_restarts', il, inst.restart_count);
          if (inst.start_time !== undefined) set('bkpaas_instance_start_time_seconds', il, inst.start_time);
          set('bkpaas_instance_info', { ...il, state: inst.state, version: inst.version === undefined ? '' : String(inst.version), image: inst.image }, 1);
          if (inst.last_terminated?.reason) set('bkpaas_instance_last_terminated_reason', { ...il, reason: cap(inst.last_terminated.reason) }, 1);
          if (inst.last_terminated?.exit_code !== undefined) set('bkpaas_instance_last_terminated_exit_code', il, inst.last_terminated.exit_code);
        }
      }
    }
    set('bkpaas_target_up', t.labels, t.up ? 1 : 0);
    if (t.durationSeconds !== undefined) set('bkpaas_target_fetch_duration_seconds', t.labels, t.durationSeconds);
    if (t.lastSuccessSeconds !== undefined) set('bkpaas_target_last_success_timestamp_seconds', t.labels, t.lastSuccessSeconds);
    for (const reason of FETCH_ERROR_REASONS) {
      const n = t.errorCounts.get(reason);
      if (n) (gauges.get('bkpaas_target_fetch_errors_total') as Counter).inc({ ...t.labels, reason }, n);
    }
  }
  return registry;
}
