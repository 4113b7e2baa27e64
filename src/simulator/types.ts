/**
 * The built-in BlueKing PaaS simulator's public surface: the tests, `--demo` and the benchmark
 * use only what is declared here.
 */
import type { FaultInjector } from './faultHook';

/** What a simulated app/module/environment currently answers to `processes/list/`. */
export type Scenario =
  // 200 answers
  | 'healthy' // every process at target, all instances Running/ready, process_packages variant
  | 'cnative' // healthy, but the body uses cnative_proc_specs instead of process_packages
  | 'rollout' // two versions of a process side by side: old-version (stale) instances still running
  | 'crashloop' // instances restarting (restart_count grows), some not ready, failed > 0; last terminated OOMKilled (137) or Error (1)
  | 'failed' // failed instances (state Failed, failed > 0)
  | 'stopped' // target_status stop, no process items, no instances, package still listed
  | 'empty' // never deployed: 200 with empty processes, instances and packages
  | 'old_server' // healthy, from an older server: no terminated_info, packages without plan, resources or autoscaling
  | 'odd_quantities' // healthy, packages with odd Kubernetes quantities ("1.5", "1Gi", "512M", "1e3", "bogus") and a quota-only type
  | 'autoscaled' // cnative; the first type autoscaled (scaling_config min 1, max 4) and held at its maximum, 4 replicas
  // faults
  | 'bad_request' // 400 {"code": "VALIDATION_ERROR", "detail": ..., "fields_detail": {...}}
  | 'bad_request_numeric' // 400 {"code": 40000, "detail": ...}
  | 'unauthorized' // 401 gateway body {"result": false, "code": 16xxxxx, "message": ..., "data": null}
  | 'forbidden' // 403 gateway body
  | 'not_found' // 404
  | 'rate_limited' // 429 gateway body with Retry-After (seconds, SimTarget.retryAfterSeconds, default 30)
  | 'server_error' // 500 with an HTML body
  | 'bad_gateway' // 502 with an HTML body
  | 'slow' // healthy body after SimTarget.latencyMs (default 5 s)
  | 'hang' // never answers (headers never sent) until the client gives up
  | 'trickle' // 200 headers at once, then the body one byte every second, never finishing
  | 'huge' // 200 with a valid-looking JSON body of ~64 MiB
  | 'non_json' // 200, content-type text/html, body not JSON
  | 'wrong_shape' // 200 with JSON of another shape (e.g. a list, or processes as a string)
  | 'redirect' // 302 to another host (http://127.0.0.2:<port>/...) — must not be followed
  // more faults (hardening)
  | 'service_unavailable' // 503 with the gateway nginx's HTML body
  | 'gateway_timeout' // 504 with the gateway nginx's HTML body
  | 'reset' // 200 headers and the first part of a healthy body, then the connection is reset
  | 'drop' // the connection is closed at once, before any response (a proxy dropping it)
  | 'flaky' // 503 for the first SimTarget.flakyFailures requests (default 1), healthy after that
  | 'echo_headers' // 500 whose HTML body dumps the request headers (a debug page): secrets must be redacted
  | 'bad_gzip' // 200 with Content-Encoding: gzip over a body that is plain JSON, not gzip
  | 'huge_header' // 200 with a 100 KB response header (past any HTTP client's header limit)
  // odd 200 bodies (hardening)
  | 'null_lists' // 200 with null where every list belongs (processes.items, instances.items, process_packages, ...)
  | 'bad_versions' // 200 healthy-looking body whose versions are not numbers ("v175", "1.5.5", null, 1.5, true)
  | 'hostile_names' // 200 body whose names hold quotes, backslashes, newlines, braces and 10 KB strings (HOSTILE_STRINGS)
  | 'negative_counts' // 200 healthy-looking body with "replicas": -5 and "restart_count": -7
  | 'fractional_counts' // 200 healthy-looking body with "replicas": 2.5
  | 'many_processes'; // 200 body of SimTarget.processItems (default 100 000) process items of one type, distinct names

export interface SimTarget {
  app_code: string;
  module_name: string;
  environment: string;
  scenario: Scenario;
  /** Process types of this target (default ["web", "worker"]). */
  processTypes?: string[];
  /** Instances per process type for the healthy-like scenarios (default 2). */
  instancesPerType?: number;
  /** Extra latency in ms for this target (adds to the simulator's base latency). */
  latencyMs?: number;
  retryAfterSeconds?: number;
  /** rate_limited: send Retry-After as an HTTP date (now + retryAfterSeconds) instead of seconds. */
  retryAfterHttpDate?: boolean;
  /** redirect: the Location to send (default http://127.0.0.2:<simulator port><same path>). */
  redirectLocation?: string;
  /** flaky: how many requests fail with 503 before the target answers normally (default 1). */
  flakyFailures?: number;
  /** many_processes: how many process items the body holds (default MANY_PROCESS_ITEMS, 100 000). */
  processItems?: number;
  /**
   * When set, served verbatim as the 200 JSON body instead of the scenario's body
   * (tests use it for exact aggregation cases).
   */
  body?: unknown;
  /**
   * Release version of the target's latest processes (default: a stable pseudo-random number
   * in 100..249 derived from the target key). In `rollout` the old version is version - 1.
   */
  version?: number;
}

export interface SimApp {
  code: string;
  name: string;
  /** Module names; [] for an app with no modules. */
  modules: string[];
  /** When set, the modules API of this app answers with this fault scenario instead. */
  modulesFault?: Scenario;
}

/** One request the simulator received, in arrival order. */
export interface SimRequest {
  at: number; // Date.now()
  method: string;
  /** Path without the query string, e.g. /api/bkpaas3/prod/bkapps/applications/a/modules/m/envs/prod/processes/list/ */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed X-Bkapi-Authorization JSON, or undefined when absent or unparsable. */
  auth?: Record<string, unknown>;
  /** For processes/list/: "app_code/module_name/environment"; undefined for other paths. */
  targetKey?: string;
}

export interface SimulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Path prefix of the API gateway stage; default "/api/bkpaas3/prod". */
  basePath?: string;
  /** Base latency in ms added to every answer (default 0). */
  latencyMs?: number;
  /** Accepted credentials (default: DEMO_CREDENTIALS). */
  credentials?: { bk_app_code: string; bk_app_secret: string };
  /** Initial targets; the default is the demo fleet (demoFleet()). */
  targets?: SimTarget[];
  /** Apps listed by the discovery APIs; default derived from targets. */
  apps?: SimApp[];
  /** Page size of /bkapps/applications/lists/minimal (default 100). */
  pageSize?: number;
  /** Make state change over time (rollouts, failures, recoveries) for --demo. Default false. */
  evolve?: boolean;
  /** Tick of the evolution in ms (default 20 000). */
  evolveIntervalMs?: number;
  /** Keep at most this many entries in `requests` (default 100 000). */
  maxLoggedRequests?: number;
  /**
   * The fault injection (faults.ts' injectFaults), needed by every scenario but the ten 200
   * bodies. startSimulator (index.ts) installs it; `--demo` runs without it.
   */
  faults?: FaultInjector;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** origin + basePath: what the exporter's upstream.base_url should be. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request received, in order (bounded by maxLoggedRequests). */
  readonly requests: SimRequest[];
  /** Requests to processes/list/ per target key "app/module/env". */
  countRequests(targetKey?: string): number;
  clearRequests(): void;
  /** Adds or replaces a target (keyed by app/module/env). */
  setTarget(target: SimTarget): void;
  setScenario(app_code: string, module_name: string, environment: string, scenario: Scenario): void;
  removeTarget(app_code: string, module_name: string, environment: string): void;
  targets(): SimTarget[];
  /** The 200 body the target would answer now (undefined for fault scenarios). */
  bodyFor(app_code: string, module_name: string, environment: string): unknown;
  /**
   * Makes `GET .../applications/{app_code}/modules/` answer with a fault scenario
   * (e.g. 'server_error', 'forbidden', 'hang'); undefined restores the normal answer.
   */
  setAppFault(app_code: string, fault: Scenario | undefined): void;
  /** Same for `GET .../applications/lists/minimal` (every page). */
  setAppListFault(fault: Scenario | undefined): void;
  /** Runs one evolution tick now (what the evolve timer does); for tests of `evolve`. */
  evolveNow(): void;
  /**
   * With `on`, every 200 answer of a body scenario differs from the target's last one in what
   * is rendered (each instance's restart count grows by one per answer): for measuring what an
   * answer that must be parsed and rendered again costs. Also `POST /__sim/change-every-answer?on=true|false`.
   */
  changeEveryAnswer(on: boolean): void;
  close(): Promise<void>;
}
