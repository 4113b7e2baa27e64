/** Every scenario of the simulator, at run time (the compiler keeps the list complete). */
import type { Scenario } from './types';

const ALL: Record<Scenario, true> = {
  healthy: true,
  cnative: true,
  rollout: true,
  crashloop: true,
  failed: true,
  stopped: true,
  empty: true,
  bad_request: true,
  bad_request_numeric: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  rate_limited: true,
  server_error: true,
  bad_gateway: true,
  slow: true,
  hang: true,
  trickle: true,
  huge: true,
  non_json: true,
  wrong_shape: true,
  redirect: true,
  service_unavailable: true,
  gateway_timeout: true,
  reset: true,
  drop: true,
  flaky: true,
  echo_headers: true,
  bad_gzip: true,
  huge_header: true,
  null_lists: true,
  bad_versions: true,
  hostile_names: true,
  negative_counts: true,
  fractional_counts: true,
  many_processes: true,
};

/** All scenarios, in declaration order: for tours and soaks that must cover every one. */
export const SCENARIOS: readonly Scenario[] = Object.keys(ALL) as Scenario[];
