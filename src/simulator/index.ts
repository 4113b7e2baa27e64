/**
 * The built-in BlueKing PaaS simulator: an HTTP server that behaves like the API gateway's
 * `processes/list/`, modules and app-list APIs, for tests, the benchmark and the simulator CLI,
 * with every scenario (the fault injection installed). `--demo` starts the server alone
 * (server.ts), without the fault injection.
 */
import { injectFaults } from './faults';
import { startSimulatorServer } from './server';
import type { Simulator, SimulatorOptions } from './types';

/** Starts a simulator serving every scenario, faults included (see startSimulatorServer). */
export function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulatorServer({ ...opts, faults: opts.faults ?? injectFaults });
}

export { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, demoFleet, generateFleet } from './fleet';
export { SIM_EPOCH_MS } from './model';
export { HUGE_BODY_BYTES } from './huge';
export { HOSTILE_STRINGS, MANY_PROCESS_ITEMS } from './oddBodies';
export { SCENARIOS } from './scenarios';
export type { Scenario, SimApp, SimRequest, SimTarget, Simulator, SimulatorOptions } from './types';
