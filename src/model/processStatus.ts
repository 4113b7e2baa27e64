/**
 * The part of a process row a target keeps between refreshes for the status page: the counts and
 * settings the page shows, in a small object of one fixed shape: at 5 000 targets × 3 types these
 * hold about 4 MB of heap (copies of the rows without their instances held 15 MB; with their
 * instances, far more).
 */
import type { ProcessRow } from './aggregate';
import type { Resources, TargetStatus } from './snapshot';

/** One process type as the status page shows it; each field as in ProcessRow. */
export interface ProcessStatus {
  process_type: string;
  replicas: number;
  success: number;
  failed: number;
  target_replicas?: number;
  target_status?: TargetStatus;
  latest_version?: number;
  stale_instances?: number;
  restarts: number;
  settled?: 0 | 1;
  last_terminated_by_reason: ReadonlyArray<readonly [string, number]>;
  resource_limit?: Resources;
  autoscaling?: boolean;
  autoscaling_min_replicas?: number;
  autoscaling_max_replicas?: number;
}

/** Shared by every status whose instances never terminated: most of them. */
const NONE: ProcessStatus['last_terminated_by_reason'] = Object.freeze([]);

/** The status of `row`: what the page shows of it, nothing that grows with its instances. */
export function processStatus(row: ProcessRow): ProcessStatus {
  // One object literal, every field always present: one hidden class for all of them.
  return {
    process_type: row.process_type,
    replicas: row.replicas,
    success: row.success,
    failed: row.failed,
    target_replicas: row.target_replicas,
    target_status: row.target_status,
    latest_version: row.latest_version,
    stale_instances: row.stale_instances,
    restarts: row.restarts,
    settled: row.settled,
    last_terminated_by_reason: row.last_terminated_by_reason.length === 0 ? NONE : row.last_terminated_by_reason,
    resource_limit: row.resource_limit,
    autoscaling: row.autoscaling,
    autoscaling_min_replicas: row.autoscaling_min_replicas,
    autoscaling_max_replicas: row.autoscaling_max_replicas,
  };
}
