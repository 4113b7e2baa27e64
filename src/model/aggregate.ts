/**
 * Folds a snapshot into one row per process type. Linear in the snapshot's items (plus sorting
 * the types and states) and written as steps (src/slices.ts), so a target with 100 000 items
 * neither takes quadratic time nor holds the event loop.
 */
import { ITEMS_PER_STEP, runAtOnce, type Steps } from '../slices';
import type { InstanceItem, ProcessSnapshot, ProcessSpec, Resources, TargetStatus } from './snapshot';

/** Everything the exporter reports about one process type of one target. */
export interface ProcessRow {
  process_type: string;
  replicas: number;
  success: number;
  failed: number;
  target_replicas?: number;
  max_replicas?: number;
  target_status?: TargetStatus;
  /** Highest process `version` of the type; undefined when it has no process item with one. */
  latest_version?: number;
  /** Instances whose version is readable and differs from latest_version; undefined with no process item. */
  stale_instances?: number;
  /** [state, count], sorted by state. */
  instances_by_state: Array<[string, number]>;
  ready_instances: number;
  restarts: number;
  /** 1/0 by the platform's own rule; undefined when target_status is unknown. */
  settled?: 0 | 1;
  /** Distinct (name, cluster_link) of the type's process items, in upstream order. */
  infos: Array<{ name: string; cluster_link: string }>;
  instances: InstanceItem[];
  /** [last termination reason, instances], sorted by reason; instances without a reason are not counted. */
  last_terminated_by_reason: Array<[string, number]>;
  // From the type's spec (per type, whatever the number of process items); absent when not sent.
  plan_name?: string;
  /** Per replica. */
  resource_limit?: Resources;
  /** Per replica. */
  resource_request?: Resources;
  autoscaling?: boolean;
  /** The autoscaling range from `scaling_config` (the platform sends null when autoscaling is off); absent without one. */
  autoscaling_min_replicas?: number;
  autoscaling_max_replicas?: number;
}

/** A row with nothing counted yet: what a process type starts from before its items are summed. */
export function emptyRow(process_type: string): ProcessRow {
  return {
    process_type,
    replicas: 0,
    success: 0,
    failed: 0,
    instances_by_state: [],
    ready_instances: 0,
    restarts: 0,
    infos: [],
    instances: [],
    last_terminated_by_reason: [],
  };
}

/** Copies a spec's optional fields onto its row; fields the spec lacks stay absent. */
function applySpecDepth(r: ProcessRow, s: ProcessSpec): void {
  if (s.plan_name !== undefined) r.plan_name = s.plan_name;
  if (s.resource_limit) r.resource_limit = s.resource_limit;
  if (s.resource_request) r.resource_request = s.resource_request;
  if (s.autoscaling !== undefined) r.autoscaling = s.autoscaling;
  if (s.scaling) {
    if (s.scaling.min_replicas !== undefined) r.autoscaling_min_replicas = s.scaling.min_replicas;
    if (s.scaling.max_replicas !== undefined) r.autoscaling_max_replicas = s.scaling.max_replicas;
  }
}

/**
 * The platform's rule (docs/upstream-api.md): a stopped process is settled once nothing is healthy;
 * a started one once every target replica is healthy and none failed. Without a known
 * target_replicas the desired `replicas` stands in.
 */
function settledBy(row: ProcessRow): 0 | 1 | undefined {
  if (row.target_status === 'stop') return row.success === 0 ? 1 : 0;
  if (row.target_status === 'start') {
    const want = row.target_replicas ?? row.replicas;
    return row.success === want && row.failed === 0 ? 1 : 0;
  }
  return undefined;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Adds one to `counts[type][key]`. */
function countIn(counts: Map<string, Map<string, number>>, type: string, key: string): void {
  let byKey = counts.get(type);
  if (!byKey) {
    byKey = new Map();
    counts.set(type, byKey);
  }
  byKey.set(key, (byKey.get(key) ?? 0) + 1);
}

/** A type's counts as [key, count] sorted by key; [] for a type with none. */
const sortedCounts = (counts: Map<string, Map<string, number>>, type: string): Array<[string, number]> =>
  [...(counts.get(type)?.entries() ?? [])].sort((a, b) => byName(a[0], b[0]));

/**
 * Folds a snapshot into one row per process type seen in processes, specs or instances,
 * sorted by type, as steps (run them with runInSlices or runAtOnce). Several process items of one
 * type (release versions side by side) are summed.
 */
export function* aggregateSteps(snapshot: ProcessSnapshot): Steps<ProcessRow[]> {
  const rows = new Map<string, ProcessRow>();
  const row = (type: string): ProcessRow => {
    let r = rows.get(type);
    if (!r) {
      r = emptyRow(type);
      rows.set(type, r);
    }
    return r;
  };
  const hasProcessItem = new Set<string>();
  // (type, name, cluster_link) already in a row's infos, as one string: the lengths in front
  // keep it unambiguous whatever characters the names hold.
  const infoSeen = new Set<string>();
  let n = 0;

  // Index loops: this runs for every target on every refresh, and for-of over arrays left an
  // iterator result per item behind in the generator.
  const { processes, specs, instances } = snapshot;
  for (let k = 0; k < processes.length; k++) {
    const p = processes[k];
    const r = row(p.type);
    hasProcessItem.add(p.type);
    r.replicas += p.replicas;
    r.success += p.success;
    r.failed += p.failed;
    if (p.version !== undefined && (r.latest_version === undefined || p.version > r.latest_version)) {
      r.latest_version = p.version;
    }
    const info = `${p.type.length}:${p.name.length}:${p.type}${p.name}${p.cluster_link}`;
    if (!infoSeen.has(info)) {
      infoSeen.add(info);
      r.infos.push({ name: p.name, cluster_link: p.cluster_link });
    }
    if (++n % ITEMS_PER_STEP === 0) yield;
  }

  for (let k = 0; k < specs.length; k++) {
    const s = specs[k];
    const r = row(s.name);
    r.target_replicas = s.target_replicas;
    r.max_replicas = s.max_replicas;
    r.target_status = s.target_status;
    applySpecDepth(r, s);
    if (++n % ITEMS_PER_STEP === 0) yield;
  }

  const states = new Map<string, Map<string, number>>();
  const reasons = new Map<string, Map<string, number>>();
  for (let k = 0; k < instances.length; k++) {
    const i = instances[k];
    const r = row(i.process_type);
    r.instances.push(i);
    if (i.ready) r.ready_instances += 1;
    r.restarts += i.restart_count;
    countIn(states, i.process_type, i.state);
    const reason = i.last_terminated?.reason;
    if (reason) countIn(reasons, i.process_type, reason);
    if (++n % ITEMS_PER_STEP === 0) yield;
  }

  for (const r of rows.values()) {
    r.instances_by_state = sortedCounts(states, r.process_type);
    r.last_terminated_by_reason = sortedCounts(reasons, r.process_type);
    if (hasProcessItem.has(r.process_type) && r.latest_version !== undefined) {
      let stale = 0;
      for (let k = 0; k < r.instances.length; k++) {
        const v = r.instances[k].version;
        if (v !== undefined && v !== r.latest_version) stale += 1;
      }
      r.stale_instances = stale;
    }
    r.settled = settledBy(r);
    n += 1 + r.instances.length;
    if (n >= ITEMS_PER_STEP) {
      n = 0;
      yield;
    }
  }

  return [...rows.values()].sort((a, b) => byName(a.process_type, b.process_type));
}

/** aggregateSteps run at once. */
export function aggregate(snapshot: ProcessSnapshot): ProcessRow[] {
  return runAtOnce(aggregateSteps(snapshot));
}
