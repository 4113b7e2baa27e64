/** Routing, the request log and counters, latency, and the connection-level faults (hang, trickle, huge). */
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { HUGE_BODY_BYTES, startSimulator, type Simulator } from '../../src/simulator';
import { AUTH_HEADER, get, getProcesses, processesPath, rawGet } from './helpers';
import { sleep } from '../helpers/sleep';

describe('routing', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('serves under the default base path', () => {
    expect(sim.baseUrl).toBe(`http://127.0.0.1:${sim.port}/api/bkpaas3/prod`);
    expect(sim.origin).toBe(`http://127.0.0.1:${sim.port}`);
  });

  it.each([
    ['an unknown app', 'nope', 'default', 'prod', /app "nope"/],
    ['an unknown module', 'demo-shop', 'nope', 'prod', /module "nope"/],
    ['an unknown environment', 'demo-shop', 'default', 'dev', /environment "dev"/],
  ])('404 for %s, in the backend shape', async (_name, app, module, env, detail) => {
    const res = await get(sim, processesPath(app, module, env));
    expect(res.status).toBe(404);
    const body = JSON.parse(await res.text());
    expect(body.code).toBe('NOT_FOUND');
    expect(body.detail).toMatch(detail);
  });

  it.each([
    '/bkapps/applications/demo-shop/modules/default/envs/prod/processes/list', // no trailing slash
    '/bkapps/applications/demo-shop/modules/default/envs/prod/processes/watch/',
    '/bkapps/applications/',
    '/',
  ])('404 in the gateway shape for other paths: %s', async (path) => {
    const res = await get(sim, path);
    expect(res.status).toBe(404);
    expect(JSON.parse(await res.text())).toMatchObject({ result: false, data: null });
  });

  it('404 outside the base path', async () => {
    const res = await fetch(`${sim.origin}/api/other/bkapps/applications/lists/minimal`, { headers: { 'X-Bkapi-Authorization': AUTH_HEADER } });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('405 for %s', async (method) => {
    const res = await fetch(sim.baseUrl + processesPath('demo-shop', 'default', 'prod'), {
      method,
      headers: { 'X-Bkapi-Authorization': AUTH_HEADER },
      body: method === 'DELETE' ? undefined : '{}',
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    await res.arrayBuffer();
  });

  it('a custom base path', async () => {
    const s = await startSimulator({ basePath: '/backend/api/', targets: [{ app_code: 'a', module_name: 'default', environment: 'prod', scenario: 'healthy' }] });
    try {
      expect(s.baseUrl).toBe(`${s.origin}/backend/api`);
      await getProcesses(s, 'a', 'default', 'prod');
    } finally {
      await s.close();
    }
  });
});

describe('request log and counters', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ maxLoggedRequests: 5 });
  });
  afterAll(() => sim.close());

  it('records method, path, query, headers, auth and target key', async () => {
    sim.clearRequests();
    await getProcesses(sim, 'demo-shop', 'default', 'prod', '?only_latest_version=true');
    expect(sim.requests).toHaveLength(1);
    const r = sim.requests[0];
    expect(r).toMatchObject({
      method: 'GET',
      path: '/api/bkpaas3/prod/bkapps/applications/demo-shop/modules/default/envs/prod/processes/list/',
      query: { only_latest_version: 'true' },
      targetKey: 'demo-shop/default/prod',
      auth: JSON.parse(AUTH_HEADER),
    });
    expect(typeof r.at).toBe('number');
    expect(r.headers['x-bkapi-authorization']).toBe(AUTH_HEADER);
  });

  it('counts processes/list/ requests per target, failures included', async () => {
    sim.clearRequests();
    await getProcesses(sim, 'demo-shop', 'default', 'prod');
    await getProcesses(sim, 'demo-shop', 'default', 'prod');
    await getProcesses(sim, 'demo-blog', 'default', 'stag');
    await (await get(sim, processesPath('demo-blog', 'default', 'stag'), { auth: null })).arrayBuffer();
    await (await get(sim, processesPath('ghost', 'default', 'prod'))).arrayBuffer();
    await (await get(sim, '/bkapps/applications/lists/minimal')).arrayBuffer();
    expect(sim.countRequests('demo-shop/default/prod')).toBe(2);
    expect(sim.countRequests('demo-blog/default/stag')).toBe(2);
    expect(sim.countRequests('ghost/default/prod')).toBe(1);
    expect(sim.countRequests('never/default/prod')).toBe(0);
    expect(sim.countRequests()).toBe(5);
    // Bounded log, oldest dropped, order kept.
    expect(sim.requests).toHaveLength(5);
    expect(sim.requests[4].path).toMatch(/lists\/minimal$/);
    expect(sim.requests[3].targetKey).toBe('ghost/default/prod');
    sim.clearRequests();
    expect(sim.requests).toHaveLength(0);
    expect(sim.countRequests()).toBe(0);
  });
});

describe('latency', () => {
  it('adds the base latency to every answer and the target latency to its own', async () => {
    const sim = await startSimulator({
      latencyMs: 100,
      targets: [
        { app_code: 'a', module_name: 'default', environment: 'prod', scenario: 'healthy' },
        { app_code: 'b', module_name: 'default', environment: 'prod', scenario: 'healthy', latencyMs: 200 },
      ],
    });
    try {
      let t = Date.now();
      await getProcesses(sim, 'a', 'default', 'prod');
      expect(Date.now() - t).toBeGreaterThanOrEqual(95);
      t = Date.now();
      await getProcesses(sim, 'b', 'default', 'prod');
      expect(Date.now() - t).toBeGreaterThanOrEqual(295);
      t = Date.now();
      // Concurrent requests wait in parallel (timers, not a queue).
      await Promise.all(Array.from({ length: 50 }, () => getProcesses(sim, 'a', 'default', 'prod')));
      expect(Date.now() - t).toBeLessThan(1500);
    } finally {
      await sim.close();
    }
  });

  it('close() cancels answers still waiting for their latency', async () => {
    const sim = await startSimulator({ latencyMs: 60_000 });
    const pending = get(sim, processesPath('demo-shop', 'default', 'prod')).then(
      () => 'answered',
      () => 'failed',
    );
    await sleep(50);
    const t = Date.now();
    await sim.close();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(await pending).toBe('failed');
  });
});

describe('hang and trickle', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({
      targets: [
        { app_code: 'ok', module_name: 'default', environment: 'prod', scenario: 'healthy' },
        { app_code: 'hang', module_name: 'default', environment: 'prod', scenario: 'hang' },
        { app_code: 'trickle', module_name: 'default', environment: 'prod', scenario: 'trickle' },
      ],
    });
  });
  afterEach(() => sim.close());

  it('hang never answers, and does not block other requests', async () => {
    const hanging = Array.from({ length: 20 }, () => get(sim, processesPath('hang', 'default', 'prod'), { signal: AbortSignal.timeout(400) }));
    await getProcesses(sim, 'ok', 'default', 'prod');
    const results = await Promise.allSettled(hanging);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(sim.countRequests('hang/default/prod')).toBe(20);
  });

  it('trickle sends headers at once, then about one byte per second', async () => {
    const started = Date.now();
    const { req, res } = await rawGet(sim.baseUrl + processesPath('trickle', 'default', 'prod'));
    expect(Date.now() - started).toBeLessThan(500);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    let received = '';
    res.on('data', (c: Buffer) => {
      received += c.toString();
    });
    await getProcesses(sim, 'ok', 'default', 'prod');
    await sleep(2300);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received.length).toBeLessThanOrEqual(3);
    expect('{"processes"'.startsWith(received)).toBe(true);
    req.destroy();
  });

  it('close() ends hanging and trickling connections and resolves promptly', async () => {
    const hang = rawGet(sim.baseUrl + processesPath('hang', 'default', 'prod')).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    const { res } = await rawGet(sim.baseUrl + processesPath('trickle', 'default', 'prod'));
    const trickleClosed = new Promise<void>((r) => res.once('close', () => r()));
    res.on('data', () => undefined);
    res.on('error', () => undefined);
    await sleep(100);
    const t = Date.now();
    await sim.close();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(await hang).toMatch(/socket hang up|ECONNRESET/);
    await trickleClosed;
  });
});

describe('huge', () => {
  it('streams > 32 MiB of valid-looking JSON without holding it in memory', async () => {
    const sim = await startSimulator({ targets: [{ app_code: 'huge', module_name: 'default', environment: 'prod', scenario: 'huge' }] });
    try {
      // Retained memory, measured after a forced GC: received chunks are garbage, so what is
      // left is what someone holds. A server that built the body first would hold >= 64 MiB.
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const retained = (): number => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const baseline = retained();
      let midway: number | undefined;
      let bytes = 0;
      let depth = 0;
      let inString = false;
      let escaped = false;
      let head = '';
      await new Promise<void>((resolve, reject) => {
        http
          .get(sim.baseUrl + processesPath('huge', 'default', 'prod'), { headers: { 'X-Bkapi-Authorization': AUTH_HEADER }, agent: false }, (res) => {
            expect(res.statusCode).toBe(200);
            res.on('data', (c: Buffer) => {
              bytes += c.length;
              if (head.length < 64) head += c.subarray(0, 64).toString();
              // A streaming structural check: brackets balance outside strings.
              for (let i = 0; i < c.length; i++) {
                const ch = c[i];
                if (inString) {
                  if (escaped) escaped = false;
                  else if (ch === 0x5c) escaped = true;
                  else if (ch === 0x22) inString = false;
                } else if (ch === 0x22) inString = true;
                else if (ch === 0x7b || ch === 0x5b) depth++;
                else if (ch === 0x7d || ch === 0x5d) depth--;
              }
              if (midway === undefined && bytes >= 32 * 1024 * 1024) {
                res.pause();
                midway = retained() - baseline;
                res.resume();
              }
            });
            res.on('end', resolve);
            res.on('error', reject);
          })
          .on('error', reject);
      });
      expect(bytes).toBeGreaterThan(32 * 1024 * 1024);
      expect(bytes).toBeGreaterThanOrEqual(HUGE_BODY_BYTES);
      expect(head.startsWith('{"processes":{"items":[')).toBe(true);
      expect(depth).toBe(0);
      expect(inString).toBe(false);
      expect(midway).toBeDefined();
      // Well below the 64 MiB a buffering server would hold, with room for socket buffers in
      // flight when other suites load the machine (21 MiB seen under a parallel jest run).
      expect(midway!).toBeLessThan(40 * 1024 * 1024);
    } finally {
      await sim.close();
    }
  });

  it('stops streaming when the client goes away', async () => {
    const sim = await startSimulator({ targets: [{ app_code: 'huge', module_name: 'default', environment: 'prod', scenario: 'huge' }] });
    try {
      const { req, res } = await rawGet(sim.baseUrl + processesPath('huge', 'default', 'prod'));
      await new Promise<void>((r) => res.once('data', () => r()));
      req.destroy();
      await sleep(50);
      // The server still answers others.
      sim.setTarget({ app_code: 'ok', module_name: 'default', environment: 'prod', scenario: 'healthy' });
      await getProcesses(sim, 'ok', 'default', 'prod');
    } finally {
      await sim.close();
    }
  });
});

test('many concurrent keep-alive requests', async () => {
  const sim = await startSimulator({ latencyMs: 20 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const one = (): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .get(sim.baseUrl + processesPath('demo-shop', 'default', 'prod'), { agent, headers: { 'X-Bkapi-Authorization': AUTH_HEADER } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    const statuses = await Promise.all(Array.from({ length: 500 }, one));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sim.countRequests('demo-shop/default/prod')).toBe(500);
  } finally {
    agent.destroy();
    await sim.close();
  }
});
