/**
 * The same target series rendered the plain way — prom-client gauges set one by one, then
 * `registry.metrics()` — used by the tests as the reference the fast path must equal, and by the
 * benchmark as the baseline it must beat.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { FETCH_ERROR_REASONS } from '../../src/upstream/errors';
import { INSTANCE, PROCESS, TARGET, TARGET_FAMILIES, type Family } from '../../src/metrics/families';
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
  const labelNamesFor: Record<string, string[]> = {
    [PROCESS.instances.name]: ['state'],
    [PROCESS.targetStatus.name]: ['status'],
    [PROCESS.info.name]: ['name', 'cluster_link'],
    [INSTANCE.info.name]: ['state', 'version', 'image'],
    [TARGET.fetchErrors.name]: ['reason'],
  };
  const make = (f: Family) => {
    const processLevel = !Object.values(TARGET).some((t) => t.name === f.name);
    const instanceLevel = Object.values(INSTANCE).some((t) => t.name === f.name);
    const labelNames = [...base, ...(processLevel ? ['process_type'] : []), ...(instanceLevel ? ['instance_name'] : []), ...(labelNamesFor[f.name] ?? [])];
    const m = f.type === 'counter' ? new Counter({ name: f.name, help: f.help, labelNames, registers: [registry] }) : new Gauge({ name: f.name, help: f.help, labelNames, registers: [registry] });
    gauges.set(f.name, m);
  };
  TARGET_FAMILIES.forEach(make);
  const set = (f: Family, labels: Record<string, string>, v: number) => (gauges.get(f.name) as Gauge).set(labels, v);

  for (const t of targets) {
    for (const row of t.rows ?? []) {
      const pl = { ...t.labels, process_type: row.process_type };
      set(PROCESS.replicas, pl, row.replicas);
      set(PROCESS.success, pl, row.success);
      set(PROCESS.failed, pl, row.failed);
      if (row.target_replicas !== undefined) set(PROCESS.targetReplicas, pl, row.target_replicas);
      if (row.max_replicas !== undefined) set(PROCESS.maxReplicas, pl, row.max_replicas);
      if (row.stale_instances !== undefined) set(PROCESS.staleInstances, pl, row.stale_instances);
      for (const [state, n] of row.instances_by_state) set(PROCESS.instances, { ...pl, state }, n);
      set(PROCESS.readyInstances, pl, row.ready_instances);
      set(PROCESS.restarts, pl, row.restarts);
      if (row.latest_version !== undefined) set(PROCESS.version, pl, row.latest_version);
      if (row.target_status !== undefined) {
        set(PROCESS.targetStatus, { ...pl, status: 'start' }, row.target_status === 'start' ? 1 : 0);
        set(PROCESS.targetStatus, { ...pl, status: 'stop' }, row.target_status === 'stop' ? 1 : 0);
      }
      if (row.settled !== undefined) set(PROCESS.settled, pl, row.settled);
      for (const info of row.infos) set(PROCESS.info, { ...pl, name: info.name, cluster_link: info.cluster_link }, 1);
      if (t.instanceMetrics) {
        for (const inst of row.instances) {
          const il = { ...pl, instance_name: inst.name };
          set(INSTANCE.ready, il, inst.ready ? 1 : 0);
          set(INSTANCE.restarts, il, inst.restart_count);
          if (inst.start_time !== undefined) set(INSTANCE.startTime, il, inst.start_time);
          set(INSTANCE.info, { ...il, state: inst.state, version: inst.version === undefined ? '' : String(inst.version), image: inst.image }, 1);
        }
      }
    }
    set(TARGET.up, t.labels, t.up ? 1 : 0);
    if (t.durationSeconds !== undefined) set(TARGET.fetchDuration, t.labels, t.durationSeconds);
    if (t.lastSuccessSeconds !== undefined) set(TARGET.lastSuccess, t.labels, t.lastSuccessSeconds);
    for (const reason of FETCH_ERROR_REASONS) {
      const n = t.errorCounts.get(reason);
      if (n) (gauges.get(TARGET.fetchErrors.name) as Counter).inc({ ...t.labels, reason }, n);
    }
  }
  return registry;
}
