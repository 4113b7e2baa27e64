/** Every scenario of processes/list/: status, headers and body shape, against a real simulator. */
import { startSimulator, type SimTarget, type Simulator } from '../../src/simulator';
import { get, getProcesses, processesPath, withoutRevision, type ProcessListBody } from './helpers';
import { simTarget } from '../helpers/targets';
import { aggregate, type ProcessRow } from '../../src/model/aggregate';
import { parseProcessList } from '../../src/upstream/parse';

const PROD = 'prod';

const TARGETS: SimTarget[] = [
  simTarget('healthy-app', 'healthy', { processTypes: ['web', 'worker'], instancesPerType: 3, version: 175 }),
  simTarget('cnative-app', 'cnative', { processTypes: ['web', 'worker'], instancesPerType: 2 }),
  simTarget('rollout-app', 'rollout', { processTypes: ['web', 'worker'], instancesPerType: 3, version: 42 }),
  simTarget('crash-app', 'crashloop', { processTypes: ['web'], instancesPerType: 4 }),
  simTarget('failed-app', 'failed', { processTypes: ['web', 'worker'], instancesPerType: 2 }),
  simTarget('stopped-app', 'stopped', { processTypes: ['web', 'beat'], instancesPerType: 2 }),
  simTarget('empty-app', 'empty'),
  simTarget('bad-app', 'bad_request'),
  simTarget('badnum-app', 'bad_request_numeric'),
  simTarget('unauth-app', 'unauthorized'),
  simTarget('forbidden-app', 'forbidden'),
  simTarget('notfound-app', 'not_found'),
  simTarget('limited-app', 'rate_limited', { retryAfterSeconds: 7 }),
  simTarget('limited-default-app', 'rate_limited'),
  simTarget('error-app', 'server_error'),
  simTarget('gateway-app', 'bad_gateway'),
  simTarget('slow-app', 'slow', { latencyMs: 300 }),
  simTarget('html-app', 'non_json'),
  simTarget('shape-app', 'wrong_shape'),
  simTarget('redirect-app', 'redirect'),
  simTarget('body-app', 'healthy', { body: { processes: { items: [] }, custom: 'verbatim ✓' } }),
  simTarget('old-app', 'old_server', { processTypes: ['web', 'worker'], instancesPerType: 2 }),
  simTarget('odd-app', 'odd_quantities', { processTypes: ['web', 'worker', 'beat'], instancesPerType: 1 }),
  simTarget('scaled-app', 'autoscaled', { processTypes: ['web', 'worker'], instancesPerType: 2 }),
];

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ targets: TARGETS });
});

afterAll(() => sim.close());

function byType<T extends { type?: string; process_type?: string; name?: string }>(items: T[], type: string): T[] {
  return items.filter((i) => (i.type ?? i.process_type) === type);
}

describe('healthy', () => {
  let body: ProcessListBody;
  beforeAll(async () => {
    body = await getProcesses(sim, 'healthy-app', 'default', PROD);
  });

  it('lists one process item per type, all at target', () => {
    expect(body.processes.items.map((p) => p.type)).toEqual(['web', 'worker']);
    for (const p of body.processes.items) {
      expect(p).toMatchObject({ module_name: 'default', replicas: 3, success: 3, failed: 0, version: 175 });
      expect(p.name).toBe(`healthy-app--${p.type}`);
      expect(p.cluster_link).toBe(`http://healthy-app--${p.type}.bkapp-healthy-app-prod`);
      expect(typeof p.command).toBe('string');
      expect(Number.isInteger(p.version)).toBe(true);
    }
    expect(body.processes.extra_infos.map((e) => e.type)).toEqual(['web', 'worker']);
    expect(body.processes.metadata.resource_version).toMatch(/^\d+$/);
  });

  it('lists instances with the real servers\' field types', () => {
    expect(body.instances.items).toHaveLength(6);
    expect(body.instances.metadata.resource_version).toMatch(/^\d+$/);
    for (const i of body.instances.items) {
      expect(i.name).toMatch(new RegExp(`^healthy-app--${i.process_type}-[a-z0-9]{10}-[a-z0-9]{5}$`));
      expect(i.display_name).toBe(i.name.slice(-5));
      expect(i.version).toBe('175'); // a numeric string, like current servers
      expect(i).toMatchObject({ state: 'Running', rich_status: 'Running', ready: true, restart_count: 0, state_message: null });
      expect(i.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Date.parse(i.start_time)).toBeLessThanOrEqual(Date.UTC(2024, 7, 16, 2, 7, 55));
      expect(i.image).toMatch(/\/healthy-app\/default:/);
    }
    expect(new Set(body.instances.items.map((i) => i.name)).size).toBe(6);
  });

  it('lists process_packages with string target_status and object resource_limit', () => {
    expect(body.cnative_proc_specs).toBeUndefined();
    expect(body.process_packages).toHaveLength(2);
    for (const p of body.process_packages ?? []) {
      expect(p.target_status).toBe('start');
      expect(p.target_replicas).toBe(3);
      expect(p.max_replicas).toBeGreaterThanOrEqual(3);
      expect(p.resource_limit).toEqual({ cpu: expect.stringMatching(/^\d+m$/), memory: expect.stringMatching(/^\d+Mi$/) });
    }
  });

  it('carries unknown extra fields a client must ignore', () => {
    expect(body.processes.items[0]).toHaveProperty('available_instance_count');
    expect(body.process_packages?.[0]).toHaveProperty('resource_limit_quota');
  });
});

test('cnative uses cnative_proc_specs instead of process_packages', async () => {
  const body = await getProcesses(sim, 'cnative-app', 'default', PROD);
  expect(body.process_packages).toBeUndefined();
  const specs = body.cnative_proc_specs ?? [];
  expect(specs.map((s) => s.name)).toEqual(['web', 'worker']);
  for (const s of specs) {
    expect(s).toMatchObject({ target_replicas: 2, target_status: 'start', plan_name: expect.any(String), autoscaling: expect.any(Boolean) });
    expect(s).toHaveProperty('scaling_config');
    expect(s).toHaveProperty('resource_requests');
    expect(s.resource_limit).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  }
  expect(specs[0].scaling_config).toMatchObject({ min_replicas: 2, max_replicas: expect.any(Number) });
  expect(body.processes.items.every((p) => p.success === p.replicas && p.failed === 0)).toBe(true);
});

describe('rollout', () => {
  it('runs two versions of the first type side by side, the old one stale but Running', async () => {
    const body = await getProcesses(sim, 'rollout-app', 'default', PROD);
    const web = byType(body.processes.items, 'web');
    expect(web.map((p) => p.version).sort()).toEqual([41, 42]);
    const oldItem = web.find((p) => p.version === 41);
    const newItem = web.find((p) => p.version === 42);
    expect(oldItem).toMatchObject({ replicas: 2, success: 2, failed: 0 });
    expect(newItem).toMatchObject({ replicas: 3, success: 2, failed: 0 });
    const webInstances = byType(body.instances.items, 'web');
    const stale = webInstances.filter((i) => i.version === '41');
    expect(stale).toHaveLength(2);
    expect(stale.every((i) => i.state === 'Running' && i.ready)).toBe(true);
    expect(webInstances.filter((i) => i.version === '42')).toHaveLength(3);
    expect(webInstances.some((i) => i.version === '42' && !i.ready && i.state === 'Starting')).toBe(true);
    // Old and new pods belong to different ReplicaSets.
    const rs = (n: string): string => n.split('-').slice(-2, -1)[0];
    expect(rs(stale[0].name)).not.toBe(rs(webInstances.find((i) => i.version === '42')!.name));
    expect(byType(body.processes.items, 'worker').map((p) => p.version)).toEqual([42]);
  });

  it('only_latest_version=true drops the old process item but keeps every instance', async () => {
    const all = await getProcesses(sim, 'rollout-app', 'default', PROD, '?only_latest_version=false');
    const latest = await getProcesses(sim, 'rollout-app', 'default', PROD, '?only_latest_version=true');
    expect(all.processes.items).toHaveLength(3);
    expect(latest.processes.items.map((p) => [p.type, p.version])).toEqual([
      ['web', 42],
      ['worker', 42],
    ]);
    expect(withoutRevision(latest).instances).toEqual(withoutRevision(all).instances);
  });

  it('rejects an invalid only_latest_version like the backend does', async () => {
    const res = await get(sim, processesPath('rollout-app', 'default', PROD, '?only_latest_version=maybe'));
    expect(res.status).toBe(400);
    const body = JSON.parse(await res.text());
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(Array.isArray(body.fields_detail.only_latest_version)).toBe(true);
  });
});

test('crashloop: restarts grow per request, some instances not ready, failed > 0', async () => {
  const first = await getProcesses(sim, 'crash-app', 'default', PROD);
  const second = await getProcesses(sim, 'crash-app', 'default', PROD);
  const web = first.processes.items[0];
  expect(web).toMatchObject({ replicas: 4, failed: 2, success: 2 });
  const crashing = first.instances.items.filter((i) => i.rich_status === 'CrashLoopBackOff');
  expect(crashing).toHaveLength(2);
  expect(crashing.every((i) => !i.ready && i.restart_count > 0)).toBe(true);
  const restarts = (b: ProcessListBody): number[] => b.instances.items.map((i) => i.restart_count);
  const grown = restarts(second).map((r, k) => r - restarts(first)[k]);
  expect(grown).toEqual(first.instances.items.map((i) => (i.rich_status === 'CrashLoopBackOff' ? 1 : 0)));
});

test('failed: Failed instances, failed > 0, success < target', async () => {
  const body = await getProcesses(sim, 'failed-app', 'default', PROD);
  const web = byType(body.processes.items, 'web')[0];
  expect(web.failed).toBeGreaterThan(0);
  expect(web.success).toBeLessThan(body.process_packages![0].target_replicas);
  const failed = body.instances.items.filter((i) => i.state === 'Failed');
  expect(failed.length).toBe(web.failed);
  expect(failed.every((i) => !i.ready && typeof i.state_message === 'string')).toBe(true);
});

test('stopped: target_status stop, no process items, no instances, packages still listed', async () => {
  const body = await getProcesses(sim, 'stopped-app', 'default', PROD);
  expect(body.processes.items).toEqual([]);
  expect(body.instances.items).toEqual([]);
  expect(body.process_packages?.map((p) => [p.name, p.target_status])).toEqual([
    ['web', 'stop'],
    ['beat', 'stop'],
  ]);
});

test('empty: 200 with empty lists', async () => {
  const body = await getProcesses(sim, 'empty-app', 'default', PROD);
  expect(body.processes.items).toEqual([]);
  expect(body.processes.extra_infos).toEqual([]);
  expect(body.instances.items).toEqual([]);
  expect(body.process_packages).toEqual([]);
});

test('a target with body set serves it verbatim', async () => {
  const res = await get(sim, processesPath('body-app', 'default', PROD));
  expect(res.status).toBe(200);
  expect(await res.text()).toBe(JSON.stringify({ processes: { items: [] }, custom: 'verbatim ✓' }));
  expect(sim.bodyFor('body-app', 'default', PROD)).toEqual({ processes: { items: [] }, custom: 'verbatim ✓' });
});

describe('fault scenarios', () => {
  async function fault(app: string): Promise<{ res: Response; text: string }> {
    const res = await get(sim, processesPath(app, 'default', PROD));
    return { res, text: await res.text() };
  }

  it('bad_request: 400 VALIDATION_ERROR with fields_detail', async () => {
    const { res, text } = await fault('bad-app');
    expect(res.status).toBe(400);
    const body = JSON.parse(text);
    expect(body).toEqual({ code: 'VALIDATION_ERROR', detail: expect.any(String), fields_detail: expect.any(Object) });
  });

  it('bad_request_numeric: 400 numeric code, no fields_detail', async () => {
    const { res, text } = await fault('badnum-app');
    expect(res.status).toBe(400);
    const body = JSON.parse(text);
    expect(typeof body.code).toBe('number');
    expect(typeof body.detail).toBe('string');
    expect(body).not.toHaveProperty('fields_detail');
  });

  it.each([
    ['unauth-app', 401],
    ['forbidden-app', 403],
  ])('%s: %i with the gateway body', async (app, status) => {
    const { res, text } = await fault(app);
    expect(res.status).toBe(status);
    const body = JSON.parse(text);
    expect(body).toMatchObject({ result: false, message: expect.any(String), data: null });
    expect(String(body.code)).toMatch(/^16\d{5}$/);
  });

  it('not_found: 404 with a JSON body', async () => {
    const { res, text } = await fault('notfound-app');
    expect(res.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ code: 'NOT_FOUND', detail: expect.any(String) });
  });

  it('rate_limited: 429 gateway body with Retry-After', async () => {
    const { res, text } = await fault('limited-app');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(JSON.parse(text)).toMatchObject({ result: false, code: expect.any(Number), data: null });
    const def = await fault('limited-default-app');
    expect(def.res.headers.get('retry-after')).toBe('30');
  });

  it.each([
    ['error-app', 500],
    ['gateway-app', 502],
  ])('%s: %i with an HTML body', async (app, status) => {
    const { res, text } = await fault(app);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(text).toMatch(/<html/i);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('non_json: 200 text/html that is not JSON', async () => {
    const { res, text } = await fault('html-app');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('wrong_shape: 200 JSON of another shape', async () => {
    const { res, text } = await fault('shape-app');
    expect(res.status).toBe(200);
    const body = JSON.parse(text);
    expect(typeof body.processes).toBe('string');
    expect(body.instances).toBeNull();
  });

  it('redirect: 302 to another host, same path', async () => {
    const { res } = await fault('redirect-app');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.hostname).toBe('127.0.0.2');
    expect(location.port).toBe(String(sim.port));
    expect(location.pathname).toBe(new URL(sim.baseUrl).pathname + processesPath('redirect-app', 'default', PROD));
  });

  it('slow: the healthy body, after the target latency', async () => {
    const started = Date.now();
    const body = await getProcesses(sim, 'slow-app', 'default', PROD);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(body.processes.items.every((p) => p.success === p.replicas)).toBe(true);
    expect(withoutRevision(sim.bodyFor('slow-app', 'default', PROD))).toEqual(withoutRevision(body));
  });

  it('bodyFor is undefined for faults', () => {
    for (const app of ['bad-app', 'unauth-app', 'error-app', 'html-app', 'shape-app', 'redirect-app']) {
      expect(sim.bodyFor(app, 'default', PROD)).toBeUndefined();
    }
  });
});

test('bodyFor matches what is served, for every body scenario', async () => {
  for (const app of ['healthy-app', 'cnative-app', 'rollout-app', 'failed-app', 'stopped-app', 'empty-app', 'crash-app']) {
    const expected = sim.bodyFor(app, 'default', PROD);
    const served = await getProcesses(sim, app, 'default', PROD);
    expect(withoutRevision(served)).toEqual(withoutRevision(expected));
  }
});

test('the default process types are web and worker with 2 instances each', async () => {
  sim.setTarget({ app_code: 'defaults', module_name: 'api', environment: 'stag', scenario: 'healthy' });
  const body = await getProcesses(sim, 'defaults', 'api', 'stag');
  expect(body.processes.items.map((p) => [p.type, p.replicas, p.name])).toEqual([
    ['web', 2, 'defaults-m-api--web'],
    ['worker', 2, 'defaults-m-api--worker'],
  ]);
  expect(body.instances.items.every((i) => i.name.startsWith(`defaults-m-api--${i.process_type}-`))).toBe(true);
  expect(body.processes.items[0].cluster_link).toBe('http://defaults-m-api--web.bkapp-defaults-stag');
});

test('setScenario switches an existing target', async () => {
  sim.setTarget(simTarget('switch-app', 'healthy'));
  expect((await get(sim, processesPath('switch-app', 'default', PROD))).status).toBe(200);
  sim.setScenario('switch-app', 'default', PROD, 'server_error');
  expect((await get(sim, processesPath('switch-app', 'default', PROD))).status).toBe(500);
  expect(sim.targets().find((t) => t.app_code === 'switch-app')?.scenario).toBe('server_error');
  sim.removeTarget('switch-app', 'default', PROD);
  expect((await get(sim, processesPath('switch-app', 'default', PROD))).status).toBe(404);
});

describe('why instances die, what processes may use, how far they may scale', () => {
  /** The simulator's body as the exporter reads it: rows by type, and the snapshot's ignored fields. */
  async function rowsOf(app: string): Promise<{ body: ProcessListBody; rows: Map<string, ProcessRow>; dropped: unknown }> {
    const body = await getProcesses(sim, app, 'default', PROD);
    const snapshot = parseProcessList(body);
    return { body, rows: new Map(aggregate(snapshot).map((r) => [r.process_type, r])), dropped: snapshot.dropped };
  }
  const depthOf = (r: ProcessRow | undefined) => ({
    plan_name: r?.plan_name,
    resource_limit: r?.resource_limit,
    resource_request: r?.resource_request,
    autoscaling: r?.autoscaling,
    autoscaling_min_replicas: r?.autoscaling_min_replicas,
    autoscaling_max_replicas: r?.autoscaling_max_replicas,
  });

  it('process_packages (healthy) carries plan, limits, requests, quota and autoscaling off', async () => {
    const { body, rows, dropped } = await rowsOf('healthy-app');
    expect(body.process_packages?.[0]).toMatchObject({
      plan_name: 'default',
      resource_limit: { cpu: '4000m', memory: '2048Mi' },
      resource_requests: { cpu: '200m', memory: '256Mi' },
      resource_limit_quota: { cpu: 4000, memory: 2048 },
      autoscaling: false,
      scaling_config: null,
    });
    expect(dropped).toBeUndefined();
    expect(depthOf(rows.get('web'))).toEqual({
      plan_name: 'default',
      resource_limit: { cpu_cores: 4, memory_bytes: 2147483648 },
      resource_request: { cpu_cores: 0.2, memory_bytes: 268435456 },
      autoscaling: false,
      autoscaling_min_replicas: undefined,
      autoscaling_max_replicas: undefined,
    });
    expect(depthOf(rows.get('worker'))).toMatchObject({ plan_name: 'small', resource_limit: { cpu_cores: 2, memory_bytes: 1073741824 } });
    // Nothing ever terminated: no terminated_info, no reason counted.
    expect(body.instances.items.every((i) => !('terminated_info' in i))).toBe(true);
    expect(rows.get('web')?.last_terminated_by_reason).toEqual([]);
  });

  it('cnative_proc_specs (cnative) carries the same fields, terminated_info {} and an autoscaled web', async () => {
    const { body, rows, dropped } = await rowsOf('cnative-app');
    expect(body.instances.items.every((i) => JSON.stringify(i.terminated_info) === '{}')).toBe(true);
    expect(dropped).toBeUndefined();
    expect(depthOf(rows.get('web'))).toEqual({
      plan_name: 'default',
      resource_limit: { cpu_cores: 4, memory_bytes: 2147483648 },
      resource_request: { cpu_cores: 0.2, memory_bytes: 268435456 },
      autoscaling: true,
      autoscaling_min_replicas: 2,
      autoscaling_max_replicas: 5,
    });
    expect(depthOf(rows.get('worker'))).toMatchObject({ autoscaling: false, autoscaling_max_replicas: undefined });
    expect(rows.get('web')?.instances.every((i) => i.last_terminated === undefined)).toBe(true);
  });

  it('old_server: no terminated_info and packages without the newer fields', async () => {
    const { body, rows, dropped } = await rowsOf('old-app');
    for (const p of body.process_packages ?? []) expect(Object.keys(p).sort()).toEqual(['max_replicas', 'name', 'target_replicas', 'target_status']);
    expect(body.instances.items.every((i) => !('terminated_info' in i))).toBe(true);
    expect(dropped).toBeUndefined();
    for (const r of rows.values()) {
      expect(depthOf(r)).toEqual(depthOf(undefined));
      expect(r.last_terminated_by_reason).toEqual([]);
    }
    expect(rows.get('web')).toMatchObject({ replicas: 2, success: 2, target_replicas: 2, settled: 1 });
  });

  it('odd_quantities: every form Kubernetes accepts is read, "bogus" alone is dropped, a quota-only type uses the quota', async () => {
    const { body, rows, dropped } = await rowsOf('odd-app');
    expect(body.process_packages?.map((p) => [p.resource_limit, p.resource_requests, p.resource_limit_quota])).toEqual([
      [{ cpu: '1.5', memory: '1Gi' }, { cpu: '500m', memory: '512M' }, undefined],
      [{ cpu: 'bogus', memory: '1e3' }, { cpu: '2.5e-1', memory: '1073741824' }, undefined],
      [undefined, undefined, { cpu: 1500, memory: 768 }],
    ]);
    expect(rows.get('web')).toMatchObject({ resource_limit: { cpu_cores: 1.5, memory_bytes: 1073741824 }, resource_request: { cpu_cores: 0.5, memory_bytes: 512000000 } });
    expect(rows.get('worker')?.resource_limit).toEqual({ memory_bytes: 1000 });
    expect(rows.get('worker')?.resource_request).toEqual({ cpu_cores: 0.25, memory_bytes: 1073741824 });
    expect(rows.get('beat')?.resource_limit).toEqual({ cpu_cores: 1.5, memory_bytes: 805306368 });
    expect(rows.get('beat')?.resource_request).toBeUndefined();
    expect(dropped).toEqual({ total: 1, fields: [{ path: 'process_packages[1].resource_limit.cpu', problem: 'not a Kubernetes quantity: "bogus"', quantity: 'bogus' }] });
    // The target's other numbers are untouched.
    expect(rows.get('worker')).toMatchObject({ replicas: 1, success: 1, settled: 1 });
  });

  it('autoscaled: the first type autoscales from 1 to 4 and runs at its maximum', async () => {
    const { body, rows } = await rowsOf('scaled-app');
    expect(body.process_packages).toBeUndefined();
    expect(body.cnative_proc_specs?.[0]).toMatchObject({ name: 'web', autoscaling: true, scaling_config: { min_replicas: 1, max_replicas: 4 }, target_replicas: 4, max_replicas: 4 });
    expect(rows.get('web')).toMatchObject({ replicas: 4, success: 4, ready_instances: 4, autoscaling: true, autoscaling_min_replicas: 1, autoscaling_max_replicas: 4, settled: 1 });
    expect(rows.get('worker')).toMatchObject({ replicas: 2, autoscaling: false });
    expect(rows.get('worker')?.autoscaling_max_replicas).toBeUndefined();
  });

  it('crashloop: crash-looping instances were last OOMKilled (137) or Error (1), and their restarts grow', async () => {
    const first = await rowsOf('crash-app');
    const second = await rowsOf('crash-app');
    const crashing = first.body.instances.items.filter((i) => i.rich_status === 'CrashLoopBackOff');
    expect(crashing.map((i) => i.terminated_info)).toEqual([
      { exit_code: 137, reason: 'OOMKilled' },
      { exit_code: 1, reason: 'Error' },
    ]);
    expect(first.rows.get('web')?.last_terminated_by_reason).toEqual([
      ['Error', 1],
      ['OOMKilled', 1],
    ]);
    const oom = (r: typeof first) => r.rows.get('web')?.instances.find((i) => i.last_terminated?.reason === 'OOMKilled');
    expect(oom(first)?.last_terminated).toEqual({ reason: 'OOMKilled', exit_code: 137 });
    expect(oom(second)!.restart_count).toBe(oom(first)!.restart_count + 1);
  });

  it('failed: Failed instances were last OOMKilled', async () => {
    const { rows } = await rowsOf('failed-app');
    expect(rows.get('web')?.last_terminated_by_reason).toEqual([['OOMKilled', 1]]);
    expect(rows.get('worker')?.last_terminated_by_reason).toEqual([]);
  });
});

