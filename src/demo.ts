/** `--demo`: the built-in simulator on loopback and a config that points at it. */
import type { ExporterConfig, TargetSpec } from './config/types';
import { DEFAULTS } from './config/schema';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, demoFleet, startSimulator, type Simulator } from './simulator';

/** How often the demo's upstream is re-read: short, so a dashboard shows movement. */
const DEMO_TTL_MS = 5_000;

/** Starts an evolving simulator and returns a config exporting from it. */
export async function startDemo(): Promise<{ config: ExporterConfig; simulator: Simulator }> {
  const fleet = demoFleet();
  const simulator = await startSimulator({ host: '127.0.0.1', port: 0, targets: fleet, evolve: true });
  const targets: TargetSpec[] = fleet.map((t) => ({
    app_code: t.app_code,
    module_name: t.module_name,
    environment: t.environment,
    labels: { team: 'demo' },
    source: 'demo',
  }));
  const config: ExporterConfig = {
    server: { listen: { host: '0.0.0.0', port: 9876 } },
    upstream: {
      base_url: simulator.baseUrl,
      auth: { ...DEMO_CREDENTIALS, access_token: DEMO_ACCESS_TOKEN },
      tenant_id: '',
      timeout_ms: 10_000,
      concurrency: 16,
      max_response_bytes: DEFAULTS.upstream.max_response_bytes,
    },
    cache: { ttl_ms: DEMO_TTL_MS },
    targets,
    instance_metrics: true,
    discovery: {
      enabled: false,
      refresh_interval_ms: 300_000,
      environments: ['stag', 'prod'],
      include_apps: [],
      exclude_apps: [],
      include_modules: [],
      exclude_modules: [],
      labels: {},
    },
  };
  return { config, simulator };
}
