/**
 * Ready-made simulator fleets: the demo fleet of `--demo` and generated fleets for the benchmark.
 */
import type { Scenario, SimTarget } from './types';

/** Credentials the simulator accepts by default; `--demo` configures the exporter with them. */
export const DEMO_CREDENTIALS = {
  bk_app_code: 'bkpaas-demo',
  bk_app_secret: 'demo-secret-not-for-production',
} as const;

/** The user identity `--demo` sends (any non-empty identity is accepted). */
export const DEMO_ACCESS_TOKEN = 'demo-access-token-not-for-production';

/**
 * Eight targets over three apps, both environments and several modules, one per interesting
 * state: healthy, cnative, rollout, crashloop (an OOMKilled instance whose restarts grow),
 * failed, stopped, autoscaled (a process held at its autoscaling maximum).
 */
export function demoFleet(): SimTarget[] {
  return [
    { app_code: 'demo-shop', module_name: 'default', environment: 'prod', scenario: 'healthy', processTypes: ['web', 'worker', 'beat'], instancesPerType: 3 },
    { app_code: 'demo-shop', module_name: 'default', environment: 'stag', scenario: 'rollout', processTypes: ['web', 'worker'], instancesPerType: 2 },
    { app_code: 'demo-shop', module_name: 'api', environment: 'prod', scenario: 'cnative', processTypes: ['web'], instancesPerType: 2 },
    { app_code: 'demo-shop', module_name: 'api', environment: 'stag', scenario: 'stopped', processTypes: ['web'], instancesPerType: 1 },
    { app_code: 'demo-blog', module_name: 'default', environment: 'prod', scenario: 'crashloop', processTypes: ['web', 'worker'], instancesPerType: 2 },
    { app_code: 'demo-blog', module_name: 'default', environment: 'stag', scenario: 'healthy', processTypes: ['web'], instancesPerType: 1 },
    { app_code: 'demo-ops', module_name: 'default', environment: 'prod', scenario: 'failed', processTypes: ['web', 'worker'], instancesPerType: 3 },
    { app_code: 'demo-ops', module_name: 'console', environment: 'prod', scenario: 'autoscaled', processTypes: ['web', 'worker'], instancesPerType: 1 },
  ];
}

const TYPE_NAMES = ['web', 'worker', 'beat', 'consumer', 'scheduler', 'grpc'];
const MODULES = ['default', 'api'];
const ENVS = ['prod', 'stag'];

/**
 * `n` healthy-ish targets with stable names for the benchmark: apps `bench-app-00000` ... with
 * modules default/api in prod/stag (4 targets per app). Most are `healthy`; every 50th is a
 * `rollout`, every 50th (offset) `cnative`, every 100th `failed`.
 */
export function generateFleet(n: number, opts: { processTypes?: number; instancesPerType?: number } = {}): SimTarget[] {
  const typeCount = Math.max(1, Math.floor(opts.processTypes ?? 3));
  const types = Array.from({ length: typeCount }, (_, i) => TYPE_NAMES[i] ?? `proc${i}`);
  const instancesPerType = Math.max(0, Math.floor(opts.instancesPerType ?? 5));
  const out: SimTarget[] = [];
  for (let i = 0; i < n; i++) {
    let scenario: Scenario = 'healthy';
    if (i % 100 === 42) scenario = 'failed';
    else if (i % 50 === 7) scenario = 'rollout';
    else if (i % 50 === 23) scenario = 'cnative';
    out.push({
      app_code: `bench-app-${String(Math.floor(i / 4)).padStart(5, '0')}`,
      module_name: MODULES[Math.floor(i / 2) % 2],
      environment: ENVS[i % 2],
      scenario,
      processTypes: [...types],
      instancesPerType,
    });
  }
  return out;
}
