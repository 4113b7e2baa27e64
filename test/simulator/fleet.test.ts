/** demoFleet, generateFleet, evolve, and the standalone CLI's argument parsing. */
import { demoFleet, generateFleet, startSimulator, type Simulator } from '../../src/simulator';
import { parseSimulatorArgs, simulatorOptionsFor } from '../../src/simulator/cli';
import { getProcesses, type ProcessListBody } from './helpers';
import { sleep } from '../helpers/sleep';

test('demoFleet covers every interesting state over a few apps, modules and both environments', () => {
  const fleet = demoFleet();
  expect(fleet.length).toBeGreaterThanOrEqual(6);
  expect(fleet.length).toBeLessThanOrEqual(10);
  expect(new Set(fleet.map((t) => t.scenario))).toEqual(new Set(['healthy', 'cnative', 'rollout', 'crashloop', 'failed', 'stopped', 'autoscaled']));
  expect(new Set(fleet.map((t) => t.environment))).toEqual(new Set(['prod', 'stag']));
  expect(new Set(fleet.map((t) => t.app_code)).size).toBeGreaterThan(1);
  expect(new Set(fleet.map((t) => t.module_name)).size).toBeGreaterThan(1);
  const keys = fleet.map((t) => `${t.app_code}/${t.module_name}/${t.environment}`);
  expect(new Set(keys).size).toBe(keys.length);
});

test('the demo fleet shows an OOMKilled instance whose restarts grow and a process held at its autoscaling maximum', async () => {
  const sim = await startSimulator({ targets: demoFleet() });
  try {
    const crash = demoFleet().find((t) => t.scenario === 'crashloop')!;
    const oomRestarts = async (): Promise<number[]> =>
      (await getProcesses(sim, crash.app_code, crash.module_name, crash.environment)).instances.items
        .filter((i) => (i.terminated_info as { reason?: string } | undefined)?.reason === 'OOMKilled')
        .map((i) => i.restart_count);
    const before = await oomRestarts();
    expect(before).toHaveLength(1);
    expect((await oomRestarts())[0]).toBe(before[0] + 1);

    const scaled = demoFleet().find((t) => t.scenario === 'autoscaled')!;
    const body = await getProcesses(sim, scaled.app_code, scaled.module_name, scaled.environment);
    const web = body.cnative_proc_specs?.find((s) => s.name === 'web');
    expect(web).toMatchObject({ autoscaling: true, scaling_config: { min_replicas: 1, max_replicas: 4 } });
    expect(body.processes.items.find((p) => p.type === 'web')).toMatchObject({ replicas: 4, success: 4 });
  } finally {
    await sim.close();
  }
});

test('generateFleet: n unique, stable, healthy-ish targets', () => {
  const fleet = generateFleet(5000);
  expect(fleet).toHaveLength(5000);
  const keys = new Set(fleet.map((t) => `${t.app_code}/${t.module_name}/${t.environment}`));
  expect(keys.size).toBe(5000);
  expect(fleet[0]).toEqual({
    app_code: 'bench-app-00000',
    module_name: 'default',
    environment: 'prod',
    scenario: 'healthy',
    processTypes: ['web', 'worker', 'beat'],
    instancesPerType: 5,
  });
  expect(generateFleet(5000)).toEqual(fleet);
  const healthy = fleet.filter((t) => t.scenario === 'healthy').length;
  expect(healthy / fleet.length).toBeGreaterThan(0.9);
  expect(new Set(fleet.map((t) => t.scenario))).toEqual(new Set(['healthy', 'rollout', 'cnative', 'failed']));
  const small = generateFleet(3, { processTypes: 1, instancesPerType: 2 });
  expect(small.map((t) => [t.processTypes, t.instancesPerType])).toEqual([
    [['web'], 2],
    [['web'], 2],
    [['web'], 2],
  ]);
});

test('a generated fleet is served: 3 types x 5 instances', async () => {
  const fleet = generateFleet(20);
  const sim = await startSimulator({ targets: fleet });
  try {
    const body = await getProcesses(sim, fleet[4].app_code, fleet[4].module_name, fleet[4].environment);
    expect(body.processes.items.map((p) => [p.type, p.replicas, p.success])).toEqual([
      ['web', 5, 5],
      ['worker', 5, 5],
      ['beat', 5, 5],
    ]);
    expect(body.instances.items).toHaveLength(15);
  } finally {
    await sim.close();
  }
});

describe('evolve', () => {
  const versions = (b: ProcessListBody, type: string): number[] => b.processes.items.filter((p) => p.type === type).map((p) => p.version);

  it('a rollout finishes: the old release goes stale, then away', async () => {
    const sim = await startSimulator({
      targets: [{ app_code: 'r', module_name: 'default', environment: 'prod', scenario: 'rollout', version: 10, instancesPerType: 2 }],
    });
    try {
      const start = await getProcesses(sim, 'r', 'default', 'prod');
      expect(versions(start, 'web')).toEqual([9, 10]);
      sim.evolveNow();
      const mid = await getProcesses(sim, 'r', 'default', 'prod');
      expect(mid.processes.metadata.resource_version).not.toBe(start.processes.metadata.resource_version);
      const old = mid.instances.items.filter((i) => i.version === '9');
      expect(old.every((i) => i.state === 'Terminating' && !i.ready)).toBe(true);
      sim.evolveNow();
      const end = await getProcesses(sim, 'r', 'default', 'prod');
      expect(end.instances.items.some((i) => i.version === '9')).toBe(false);
      expect(Math.min(...versions(end, 'web'))).toBeGreaterThanOrEqual(10);
    } finally {
      await sim.close();
    }
  });

  it('state moves over many ticks: versions go up, instances fail and recover, crash loops grow', async () => {
    const sim = await startSimulator({ targets: demoFleet() });
    try {
      const before = sim.bodyFor('demo-shop', 'default', 'prod') as ProcessListBody;
      const crashBefore = sim.bodyFor('demo-blog', 'default', 'prod') as ProcessListBody;
      const states = new Set<string>();
      for (let i = 0; i < 60; i++) {
        sim.evolveNow();
        for (const t of demoFleet()) {
          const b = sim.bodyFor(t.app_code, t.module_name, t.environment) as ProcessListBody;
          for (const inst of b.instances.items) states.add(inst.state);
        }
      }
      const after = sim.bodyFor('demo-shop', 'default', 'prod') as ProcessListBody;
      const crashAfter = sim.bodyFor('demo-blog', 'default', 'prod') as ProcessListBody;
      expect(after).not.toEqual(before);
      expect(Math.max(...after.processes.items.map((p) => p.version))).toBeGreaterThanOrEqual(
        Math.max(...before.processes.items.map((p) => p.version)),
      );
      expect([...states]).toEqual(expect.arrayContaining(['Running', 'Failed']));
      const restarts = (b: ProcessListBody): number => b.instances.items.reduce((s, i) => s + i.restart_count, 0);
      expect(restarts(crashAfter)).toBeGreaterThan(restarts(crashBefore));
      // Stopped targets never move.
      expect((sim.bodyFor('demo-shop', 'api', 'stag') as ProcessListBody).instances.items).toEqual([]);
      // Evolved state is consistent: success + failed never exceed the instances of an item.
      for (const t of demoFleet()) {
        const b = sim.bodyFor(t.app_code, t.module_name, t.environment) as ProcessListBody;
        for (const p of b.processes.items) {
          const own = b.instances.items.filter((i) => i.process_type === p.type && i.version === String(p.version));
          expect(p.success + p.failed).toBeLessThanOrEqual(own.length);
        }
      }
    } finally {
      await sim.close();
    }
  });

  it('the evolve timer ticks on its own and is cleared by close()', async () => {
    let sim: Simulator | undefined = await startSimulator({ evolve: true, evolveIntervalMs: 20, targets: demoFleet() });
    try {
      const before = JSON.stringify(sim.bodyFor('demo-shop', 'default', 'stag'));
      await sleep(200);
      expect(JSON.stringify(sim.bodyFor('demo-shop', 'default', 'stag'))).not.toBe(before);
    } finally {
      await sim.close();
      sim = undefined;
    }
  });
});

describe('cli arguments', () => {
  it('parses every flag', () => {
    const a = parseSimulatorArgs(['--port', '8080', '--host=0.0.0.0', '--targets', '5000', '--latency', '50', '--evolve', '--max-logged', '10']);
    expect(a).toMatchObject({ port: 8080, host: '0.0.0.0', targets: 5000, latencyMs: 50, evolve: true, maxLoggedRequests: 10, help: false });
    const opts = simulatorOptionsFor(a);
    expect(opts.targets).toHaveLength(5000);
    expect(opts.latencyMs).toBe(50);
    expect(simulatorOptionsFor(parseSimulatorArgs([])).targets).toEqual(demoFleet());
  });

  it.each([[['--port']], [['--port', 'x']], [['--targets', '0']], [['--bogus']], [['--port', '70000']]])('rejects %j', (argv) => {
    expect(() => parseSimulatorArgs(argv)).toThrow();
  });
});
