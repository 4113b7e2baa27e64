/** Same SimTarget, same bytes: across simulators, ports and runs (golden /metrics files rely on it). */
import { createHash } from 'node:crypto';
import { demoFleet, startSimulator, type Scenario, type SimTarget, type Simulator } from '../../src/simulator';
import { CHANGE_EVERY_ANSWER_PATH } from '../../src/simulator/server';
import { get, processesPath, withoutRevision, type ProcessListBody } from './helpers';

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

test('bodies without per-request growth change between requests only in their resource versions, which advance', async () => {
  const sim = await startSimulator({ targets: TARGETS });
  try {
    const one = await bodies(sim);
    const two = await bodies(sim);
    TARGETS.forEach((t, i) => {
      const [a, b] = [JSON.parse(one[i]) as ProcessListBody, JSON.parse(two[i]) as ProcessListBody];
      // Kubernetes' list resource version is the cluster's revision: it moves between any two reads.
      expect(Number(b.processes.metadata.resource_version)).toBeGreaterThan(Number(a.processes.metadata.resource_version));
      expect(Number(b.instances.metadata.resource_version)).toBeGreaterThan(Number(a.instances.metadata.resource_version));
      if (t.scenario === 'crashloop') expect(withoutRevision(b)).not.toEqual(withoutRevision(a));
      else expect(withoutRevision(b)).toEqual(withoutRevision(a));
    });
  } finally {
    await sim.close();
  }
});

test('change-every-answer: while on, every answer has grown restart counts; off, answers stay the same again', async () => {
  const sim = await startSimulator({ targets: TARGETS });
  const restarts = (body: string) => (JSON.parse(body) as ProcessListBody).instances.items.map((i) => i.restart_count);
  const healthy = TARGETS.findIndex((t) => t.scenario === 'healthy');
  try {
    const before = await bodies(sim);
    const on = await fetch(`${new URL(sim.baseUrl).origin}${CHANGE_EVERY_ANSWER_PATH}?on=true`, { method: 'POST' });
    expect(on.status).toBe(204);
    const first = await bodies(sim);
    const second = await bodies(sim);
    expect(restarts(first[healthy]).length).toBeGreaterThan(0);
    expect(restarts(second[healthy])).toEqual(restarts(first[healthy]).map((r) => r + 1));
    sim.changeEveryAnswer(false);
    const off = [await bodies(sim), await bodies(sim)];
    expect(withoutRevision(JSON.parse(off[1][healthy]))).toEqual(withoutRevision(JSON.parse(off[0][healthy])));
    expect(withoutRevision(JSON.parse(off[0][healthy]))).toEqual(withoutRevision(JSON.parse(before[healthy])));
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
