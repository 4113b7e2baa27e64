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
  /** The container's last termination (`terminated_info`); absent when it never terminated ({} or null). */
  last_terminated?: LastTermination;
}

/** Why an instance's container last ended; either part may be unknown. */
export interface LastTermination {
  /** Kubernetes' reason (`OOMKilled`, `Error`, ...) as sent, at most 128 characters; absent when null or empty. */
  reason?: string;
  exit_code?: number;
}

/** CPU and memory of one replica, from Kubernetes quantities; a resource is absent when not sent or unparsable. */
export interface Resources {
  cpu_cores?: number;
  memory_bytes?: number;
}

/** What the user configured for a process type (process_packages or cnative_proc_specs). */
export interface ProcessSpec {
  name: string;
  target_replicas?: number;
  max_replicas?: number;
  target_status?: TargetStatus;
  /** The resource plan (`plan_name`), at most 128 characters. */
  plan_name?: string;
  /** Per replica: `resource_limit`, or `resource_limit_quota` for a resource the limit does not name. */
  resource_limit?: Resources;
  /** Per replica: `resource_requests`. */
  resource_request?: Resources;
  autoscaling?: boolean;
  /** `scaling_config` (null when autoscaling is off). */
  scaling?: { min_replicas?: number; max_replicas?: number };
}

/** An optional field the parser ignored because its value was of the wrong kind or unparsable. */
export interface DroppedField {
  /** Where, as `process_packages[0].resource_limit.cpu`. */
  path: string;
  /** What was wrong; the value is named by its kind, except a quantity, quoted as sent. */
  problem: string;
  /** The unparsable quantity as sent (so each distinct one is logged once). */
  quantity?: string;
}

export interface ProcessSnapshot {
  processes: ProcessItem[];
  instances: InstanceItem[];
  specs: ProcessSpec[];
  /**
   * The optional fields ignored in this answer (the first MAX_DROPPED_LISTED of them, in body
   * order) and how many there were; absent when none was.
   */
  dropped?: { fields: DroppedField[]; total: number };
  /** The digest of the answer it was parsed from (upstream/answerDigest.ts); absent for one not digested. */
  digest?: string;
}

/**
 * What a fetch returns instead of a snapshot when the answer has the digest of the target's last
 * one: it would parse and render the same, so it was not parsed.
 */
export const SAME_ANSWER = Symbol('same answer');
