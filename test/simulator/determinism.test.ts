/** Same SimTarget, same bytes: across simulators, ports and runs (golden /metrics files rely on it). */
import { createHash } from 'node:crypto';
import { demoFleet, startSimulator, type Scenario, type SimTarget, type Simulator } from '../../src/simulator';
import { get, processesPath } from './helpers';

const SCENARIOS: Scenario[] = ['healthy', 'cnative', 'rollout', 'crashloop', 'failed', 'stopped', 'empty', 'slow'];
const TARGETS: SimTarget[] = [
  ...demoFleet(),
  ...SCENARIOS.map((scenario) => ({ app_code: `det-${scenario}`, module_name: 'api', environment: 'stag', scenario, latencyMs: 0 })),
];

async function bodies(sim: Simulator, query = ''): Promise<string[]> {
  const out: string[] = [];
  for (const t of TARGETS) {
    const res = await get(sim, processesPath(t.app_code, t.module_name, t.environment, query));
    expect(res.status).toBe(200);
    out.push(await res.text());
  }
  return out;
}

test('two simulators serve byte-identical bodies for the same request sequence', async () => {
  const a = await startSimulator({ targets: TARGETS });
  const b = await startSimulator({ targets: TARGETS.map((t) => ({ ...t })) });
  try {
    expect(a.port).not.toBe(b.port);
    const first = [await bodies(a), await bodies(a, '?only_latest_version=true'), await bodies(a)];
    const second = [await bodies(b), await bodies(b, '?only_latest_version=true'), await bodies(b)];
    expect(second).toEqual(first);
  } finally {
    await a.close();
    await b.close();
  }
});

test('bodies without per-request growth do not change between requests', async () => {
  const sim = await startSimulator({ targets: TARGETS });
  try {
    const one = await bodies(sim);
    const two = await bodies(sim);
    TARGETS.forEach((t, i) => {
      if (t.scenario === 'crashloop') expect(two[i]).not.toBe(one[i]);
      else expect(two[i]).toBe(one[i]);
    });
  } finally {
    await sim.close();
  }
});

test('the demo fleet renders the same bytes as when this test was written', async () => {
  // A fingerprint of the first body of every demo target: a change here changes golden files.
  const sim = await startSimulator();
  try {
    const hash = createHash('sha256');
    for (const t of demoFleet()) hash.update(JSON.stringify(sim.bodyFor(t.app_code, t.module_name, t.environment)));
    const fingerprint = hash.digest('hex');
    const again = await startSimulator();
    try {
      const h2 = createHash('sha256');
      for (const t of demoFleet()) h2.update(JSON.stringify(again.bodyFor(t.app_code, t.module_name, t.environment)));
      expect(h2.digest('hex')).toBe(fingerprint);
    } finally {
      await again.close();
    }
  } finally {
    await sim.close();
  }
});

test('start times derive from the fixed epoch, not the clock', async () => {
  const sim = await startSimulator();
  try {
    const body = sim.bodyFor('demo-shop', 'default', 'prod') as { instances: { items: { start_time: string }[] } };
    for (const i of body.instances.items) {
      expect(Date.parse(i.start_time)).toBeLessThanOrEqual(Date.UTC(2024, 7, 16, 2, 7, 55));
      expect(Date.parse(i.start_time)).toBeGreaterThan(Date.UTC(2024, 6, 1));
    }
  } finally {
    await sim.close();
  }
});
