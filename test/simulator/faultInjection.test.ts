/**
 * The simulator's server alone (what `--demo` starts) and with its fault injection (what tests,
 * the benchmark and the CLI start): the server alone serves every 200-body scenario exactly as
 * the full simulator does, and refuses a fault scenario clearly instead of answering it wrongly.
 */
import { demoFleet, SCENARIOS, startSimulator, type Simulator, type SimTarget } from '../../src/simulator';
import { isFaultScenario } from '../../src/simulator/model';
import { startSimulatorServer } from '../../src/simulator/server';
import { get, processesPath } from './helpers';

const at = (t: SimTarget) => [t.app_code, t.module_name, t.environment] as const;

describe('the server without the fault injection (--demo)', () => {
  const bodyScenarios = SCENARIOS.filter((s) => !isFaultScenario(s));
  const targets: SimTarget[] = [
    ...demoFleet(),
    ...bodyScenarios.map((scenario): SimTarget => ({ app_code: `body-${scenario.replace(/_/g, '-')}`, module_name: 'default', environment: 'prod', scenario })),
  ];
  let lean: Simulator;
  let full: Simulator;
  beforeAll(async () => {
    lean = await startSimulatorServer({ targets });
    full = await startSimulator({ targets });
  });
  afterAll(async () => {
    await lean.close();
    await full.close();
  });

  it('knows the ten 200-body scenarios as the ones it serves alone', () => {
    expect(bodyScenarios).toEqual(['healthy', 'cnative', 'rollout', 'crashloop', 'failed', 'stopped', 'empty', 'old_server', 'odd_quantities', 'autoscaled']);
  });

  it.each(targets.map((t) => [`${t.app_code}/${t.module_name}/${t.environment} (${t.scenario})`, t] as const))(
    'serves %s byte for byte as the full simulator does',
    async (_name, t) => {
      for (const query of ['', '?only_latest_version=true']) {
        const [a, b] = await Promise.all([get(lean, processesPath(...at(t), query)), get(full, processesPath(...at(t), query))]);
        expect([a.status, a.headers.get('content-type')]).toEqual([200, b.headers.get('content-type')]);
        expect(await a.text()).toBe(await b.text());
      }
      expect(lean.bodyFor(...at(t))).toEqual(full.bodyFor(...at(t)));
    },
  );

  it('serves the discovery APIs as the full simulator does', async () => {
    for (const path of ['/bkapps/applications/lists/minimal', '/bkapps/applications/demo-shop/modules/']) {
      const [a, b] = await Promise.all([get(lean, path), get(full, path)]);
      expect(a.status).toBe(200);
      expect(await a.text()).toBe(await b.text());
    }
  });

  it('refuses a fault scenario at once, saying which simulator serves it', async () => {
    const needs = /scenario "(huge|null_lists|slow|server_error|hang)" \(.+\) needs the fault injection.*startSimulator from src\/simulator/;
    expect(() => lean.setScenario('demo-shop', 'default', 'prod', 'huge')).toThrow(needs);
    expect(() => lean.setTarget({ app_code: 'odd', module_name: 'default', environment: 'prod', scenario: 'null_lists' })).toThrow(needs);
    expect(() => lean.setTarget({ app_code: 'slow', module_name: 'default', environment: 'prod', scenario: 'slow' })).toThrow(needs);
    expect(() => lean.setAppFault('demo-shop', 'server_error')).toThrow(needs);
    expect(() => lean.setAppListFault('hang')).toThrow(needs);
    await expect(startSimulatorServer({ targets: [{ app_code: 'h', module_name: 'default', environment: 'prod', scenario: 'huge' }] })).rejects.toThrow(needs);
    // Nothing changed: the target still answers its 200 body.
    expect((await get(lean, processesPath('demo-shop', 'default', 'prod'))).status).toBe(200);
    // A 200-body scenario needs no fault injection, on the modules API either.
    lean.setAppFault('demo-shop', 'healthy');
    expect((await get(lean, '/bkapps/applications/demo-shop/modules/')).status).toBe(200);
  });
});

describe('the full simulator (tests, benchmark, CLI)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      targets: [
        { app_code: 'odd', module_name: 'default', environment: 'prod', scenario: 'null_lists' },
        { app_code: 'flaky', module_name: 'default', environment: 'prod', scenario: 'flaky', flakyFailures: 2 },
        { app_code: 'broken', module_name: 'default', environment: 'prod', scenario: 'bad_gateway' },
      ],
    });
  });
  afterAll(() => sim.close());

  it('serves odd bodies, flaky targets and error pages, on every API', async () => {
    const odd = await get(sim, processesPath('odd', 'default', 'prod'));
    expect(odd.status).toBe(200);
    expect(JSON.parse(await odd.text())).toMatchObject({ processes: { items: null }, process_packages: null });
    expect(sim.bodyFor('odd', 'default', 'prod')).toMatchObject({ instances: { items: null } });
    const flaky = [];
    for (let i = 0; i < 3; i++) flaky.push((await get(sim, processesPath('flaky', 'default', 'prod'))).status);
    expect(flaky).toEqual([503, 503, 200]);
    expect((await get(sim, processesPath('broken', 'default', 'prod'))).status).toBe(502);
    expect(sim.bodyFor('broken', 'default', 'prod')).toBeUndefined();
    sim.setAppFault('odd', 'forbidden');
    expect((await get(sim, '/bkapps/applications/odd/modules/')).status).toBe(403);
    sim.setAppListFault('service_unavailable');
    expect((await get(sim, '/bkapps/applications/lists/minimal')).status).toBe(503);
  });
});
