/**
 * The built-in BlueKing PaaS simulator: an HTTP server that behaves like the API gateway's
 * `processes/list/`, modules and app-list APIs, for tests, `--demo` and the benchmark.
 */
export { startSimulator } from './server';
export { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, demoFleet, generateFleet } from './fleet';
export { SIM_EPOCH_MS } from './model';
export { HUGE_BODY_BYTES } from './huge';
export { HOSTILE_STRINGS, MANY_PROCESS_ITEMS } from './oddBodies';
export { SCENARIOS } from './scenarios';
export type { Scenario, SimApp, SimRequest, SimTarget, Simulator, SimulatorOptions } from './types';
