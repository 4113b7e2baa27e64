/**
 * The validated, normalised configuration the rest of the exporter consumes.
 * Produced only by `loadConfig` (config/load.ts); everything downstream trusts it.
 */

/** `[HOST]:PORT` split into its parts; host "" means all interfaces. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Credentials for the API gateway's X-Bkapi-Authorization header. Secrets already resolved. */
export interface AuthConfig {
  bk_app_code: string;
  bk_app_secret?: string;
  access_token?: string;
  bk_ticket?: string;
  bk_token?: string;
  bk_username?: string;
}

/** Where and how the BlueKing PaaS API is called. */
export interface UpstreamConfig {
  /** No trailing slash. */
  base_url: string;
  auth: AuthConfig;
  /** "" when unset: then no X-Bk-Tenant-Id header is sent. */
  tenant_id: string;
  timeout_ms: number;
  concurrency: number;
  /** Responses larger than this are an `invalid_response`. */
  max_response_bytes: number;
  /** A 429's Retry-After is honoured up to this long; a longer one is capped to it. */
  max_retry_after_ms: number;
}

/** One app_code x module x environment, the unit that is fetched and cached. */
export interface TargetSpec {
  app_code: string;
  module_name: string;
  environment: string;
  /** undefined: the query parameter is not sent. */
  only_latest_version?: boolean;
  /** Extra constant labels, validated names, sorted by name. */
  labels: Record<string, string>;
  /** Where the target came from, e.g. "targets[0]" or a discovery rule; shown on the status page. */
  source: string;
  /** True for targets found by discovery (undeployed ones are handled quietly, see discovery/). */
  discovered?: boolean;
}

/** Target discovery; the regexes are searched in names (anchor with ^ and $ to match whole names). */
export interface DiscoveryConfig {
  enabled: boolean;
  refresh_interval_ms: number;
  environments: string[];
  include_apps: RegExp[];
  exclude_apps: RegExp[];
  include_modules: RegExp[];
  exclude_modules: RegExp[];
  only_latest_version?: boolean;
  labels: Record<string, string>;
}

/** The whole validated config, defaults applied, durations in milliseconds. */
export interface ExporterConfig {
  server: { listen: ListenAddress };
  upstream: UpstreamConfig;
  cache: { ttl_ms: number };
  /** Static targets, expanded (one per app_code x module x environment), in config order. */
  targets: TargetSpec[];
  instance_metrics: boolean;
  discovery: DiscoveryConfig;
  /** metrics.allow / metrics.deny as written: regular expressions on whole family names. */
  metrics: { allow: string[]; deny: string[] };
}

/** One problem in a config file, addressed by its YAML path (e.g. `targets[0].environments[1]`). */
export interface ConfigProblem {
  path: string;
  message: string;
  /** 1-based line in the YAML file when known. */
  line?: number;
}
