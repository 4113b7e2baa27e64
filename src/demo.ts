/**
 * `--demo`: the built-in simulator on loopback and a config that points at it. The demo fleet has
 * only 200-body scenarios, so the simulator's server starts alone: the fault injection (faults,
 * huge and odd bodies) is never loaded.
 */
import { parseConfigText } from './config';
import type { ExporterConfig } from './config/types';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, demoFleet } from './simulator/fleet';
import { startSimulatorServer } from './simulator/server';
import type { Simulator } from './simulator/types';

/** Starts an evolving simulator and returns a config exporting from it. */
export async function startDemo(): Promise<{ config: ExporterConfig; simulator: Simulator }> {
  const fleet = demoFleet();
  const simulator = await startSimulatorServer({ host: '127.0.0.1', port: 0, targets: fleet, evolve: true });
  // Built through the config loader (JSON is YAML), so the demo gets the same defaults and checks.
  const { config } = parseConfigText(
    JSON.stringify({
      upstream: { base_url: simulator.baseUrl, auth: { ...DEMO_CREDENTIALS, access_token: DEMO_ACCESS_TOKEN } },
      // Short, so a dashboard shows the simulator's movement quickly.
      cache: { ttl: '5s' },
      targets: fleet.map((t) => ({ app_code: t.app_code, modules: [t.module_name], environments: [t.environment], labels: { team: 'demo' } })),
      instance_metrics: true,
    }),
    { file: '(demo)' },
  );
  return { config, simulator };
}
