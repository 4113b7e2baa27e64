/**
 * The normalised content of one `processes/list/` answer: every documented variant has been
 * folded into one shape (upstream/parse.ts), so aggregation never looks at raw JSON.
 */

export type TargetStatus = 'start' | 'stop';

/** One process item (a Kubernetes Deployment of one release version). */
export interface ProcessItem {
  type: string;
  name: string;
  replicas: number;
  success: number;
  failed: number;
  /** Release version; undefined when the server sent none or an unreadable one. */
  version?: number;
  cluster_link: string;
}

/** One instance (a Pod). */
export interface InstanceItem {
  process_type: string;
  name: string;
  state: string;
  ready: boolean;
  restart_count: number;
  /** Release version as an integer; undefined when missing or not numeric. */
  version?: number;
  image: string;
  /** Unix seconds; undefined when missing or unparsable. */
  start_time?: number;
  /** The container's last termination (terminated_info); absent when it never terminated. */
  last_terminated?: { reason?: string; exit_code?: number };
}

/** CPU and memory of one replica, in cores and bytes. */
export interface ResourceAmounts {
  cpu_cores?: number;
  memory_bytes?: number;
}

/** What the user configured for a process type (process_packages or cnative_proc_specs). */
export interface ProcessSpec {
  name: string;
  target_replicas?: number;
  max_replicas?: number;
  target_status?: TargetStatus;
  /** Name of the resource plan. */
  plan_name?: string;
  resource_limit?: ResourceAmounts;
  resource_request?: ResourceAmounts;
  /** Whether autoscaling is on; undefined when unknown. */
  autoscaling?: boolean;
  scaling?: { min_replicas?: number; max_replicas?: number };
}

export interface ProcessSnapshot {
  processes: ProcessItem[];
  instances: InstanceItem[];
  specs: ProcessSpec[];
}
