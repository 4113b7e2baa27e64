import type { InstanceItem, ProcessSnapshot, TargetStatus } from './snapshot';

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
}

function emptyRow(process_type: string): ProcessRow {
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
  };
}

/**
 * The platform's rule (upstream-api.md): a stopped process is settled once nothing is healthy;
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

/**
 * Folds a snapshot into one row per process type seen in processes, specs or instances,
 * sorted by type. Several process items of one type (release versions side by side) are summed.
 */
export function aggregate(snapshot: ProcessSnapshot): ProcessRow[] {
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

  for (const p of snapshot.processes) {
    const r = row(p.type);
    hasProcessItem.add(p.type);
    r.replicas += p.replicas;
    r.success += p.success;
    r.failed += p.failed;
    if (p.version !== undefined && (r.latest_version === undefined || p.version > r.latest_version)) {
      r.latest_version = p.version;
    }
    if (!r.infos.some((i) => i.name === p.name && i.cluster_link === p.cluster_link)) {
      r.infos.push({ name: p.name, cluster_link: p.cluster_link });
    }
  }

  for (const s of snapshot.specs) {
    const r = row(s.name);
    r.target_replicas = s.target_replicas;
    r.max_replicas = s.max_replicas;
    r.target_status = s.target_status;
  }

  const states = new Map<string, Map<string, number>>();
  for (const i of snapshot.instances) {
    const r = row(i.process_type);
    r.instances.push(i);
    if (i.ready) r.ready_instances += 1;
    r.restarts += i.restart_count;
    let byState = states.get(i.process_type);
    if (!byState) {
      byState = new Map();
      states.set(i.process_type, byState);
    }
    byState.set(i.state, (byState.get(i.state) ?? 0) + 1);
  }

  for (const r of rows.values()) {
    const byState = states.get(r.process_type);
    if (byState) r.instances_by_state = [...byState.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (hasProcessItem.has(r.process_type) && r.latest_version !== undefined) {
      const latest = r.latest_version;
      r.stale_instances = r.instances.filter((i) => i.version !== undefined && i.version !== latest).length;
    }
    r.settled = settledBy(r);
  }

  return [...rows.values()].sort((a, b) => (a.process_type < b.process_type ? -1 : a.process_type > b.process_type ? 1 : 0));
}
