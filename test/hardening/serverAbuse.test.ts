/**
 * Our own server under load and abuse: a burst of 200 concurrent scrapes is served from one
 * refresh per target (those past the scrape limit get 503 with Retry-After) without memory
 * piling up; clients that send headers or bodies byte by byte, or nothing at all, are cut off;
 * /probe refuses malformed and malicious parameters with a plain 400 and no upstream request.
 */
import http from 'node:http';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Exporter } from '../../src/exporter';
import { createApp } from '../../src/http/app';
import { startServer, type RunningServer } from '../../src/http/server';
import { createLogger } from '../../src/log';
import { startHarness, type Harness } from '../helpers/harness';
import { rawExchange, rawGet } from './helpers';
import { sleep } from '../helpers/sleep';
import { simTarget } from '../helpers/targets';


v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

describe('a burst of 200 concurrent scrapes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simTargets: Array.from({ length: 10 }, (_, i) => simTarget(`app-${i}`, 'healthy', { processTypes: ['web', 'worker', 'beat'], instancesPerType: 5 })),
      sim: { latencyMs: 500 },
      config: { cache: { ttl_ms: 60_000 }, instance_metrics: true },
    });
  });
  afterAll(() => h.stop());

  it('is served from one refresh; scrapes past the limit (64) get 503 + Retry-After; memory stays flat', async () => {
    const burst = () =>
      Promise.all(
        Array.from({ length: 200 }, async () => {
          const res = await fetch(`${h.url}/metrics`);
          return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: await res.text() };
        }),
      );
    let first = await burst();
    const ok = first.filter((r) => r.status === 200);
    const refused = first.filter((r) => r.status === 503);
    expect(ok.length + refused.length).toBe(200);
    expect(ok.length).toBeGreaterThanOrEqual(64);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.retryAfter).toBe('1');
      expect(r.type).toMatch(/^text\/plain/);
      expect(r.body).toContain('too many concurrent scrapes (limit 64)');
    }
    // One upstream request per target, and every answer carries the same completed data.
    for (let i = 0; i < 10; i++) expect(h.sim.countRequests(`app-${i}/default/prod`)).toBe(1);
    const series = (b: string) => b.split('\n').filter((l) => l.startsWith('bkpaas_process_') || l.startsWith('bkpaas_instance_')).join('\n');
    expect(new Set(ok.map((r) => series(r.body))).size).toBe(1);

    // More bursts from cache (34 MB of bodies each): after one warm-up burst, nothing accumulates.
    first = [];
    await burst();
    const before = heapMb();
    for (let i = 0; i < 3; i++) expect((await burst()).length).toBe(200);
    const after = heapMb();
    expect(after - before).toBeLessThan(8);
    expect(h.sim.countRequests()).toBe(10);
  }, 30_000);
});

describe('slow, silent and half-open clients', () => {
  let exporter: Exporter;
  let server: RunningServer;
  let h: Harness;
  const logger = createLogger('silent');

  beforeAll(async () => {
    h = await startHarness({ simTargets: [simTarget('alpha')] });
    exporter = new Exporter(h.config, { logger });
    server = await startServer(createApp(exporter, { logger }), { host: '127.0.0.1', port: 0 }, { headersTimeoutMs: 1_000, requestTimeoutMs: 1_500 });
  });
  afterAll(async () => {
    await server.close(100);
    exporter.close();
    await h.stop();
  });

  it('the defaults: 10 s for headers, 120 s for a request, 30 s of no progress sending an answer', () => {
    expect(h.server.server.headersTimeout).toBe(10_000);
    expect(h.server.server.requestTimeout).toBe(120_000);
  });

  it('a client sending its headers one byte every 100 ms is cut off with 408 at the headers timeout', async () => {
    const started = Date.now();
    const socket = net.connect(server.address.port, '127.0.0.1');
    let response = '';
    socket.on('data', (d) => (response += d));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    const request = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'x'.repeat(200);
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= request.length) return clearInterval(timer);
      socket.write(request[i++]);
    }, 100);
    const after = await closed;
    clearInterval(timer);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    // headersTimeout 1 s, checked every second.
    expect(after).toBeGreaterThanOrEqual(900);
    expect(after).toBeLessThan(3_000);
  });

  it('a client that connects and sends nothing is cut off', async () => {
    const { closedAfterMs } = await rawExchange(server.address.port, '', 5_000);
    expect(closedAfterMs).toBeLessThan(3_000);
  });

  it('a client trickling a request body is cut off at the request timeout', async () => {
    const started = Date.now();
    const socket = net.connect(server.address.port, '127.0.0.1');
    let response = '';
    socket.on('data', (d) => (response += d));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    // No endpoint reads a body: the answer goes out at once, but the connection stays until the
    // body is complete — or the request timeout (1.5 s here) ends it.
    socket.write('POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n');
    const timer = setInterval(() => !socket.destroyed && socket.write('x'), 100);
    const after = await closed;
    clearInterval(timer);
    expect(response).toMatch(/^HTTP\/1\.1 \d{3}/);
    expect(after).toBeGreaterThanOrEqual(1_400);
    expect(after).toBeLessThan(3_500);
  });

  it('many silent connections at once are all cut off, and the server still answers', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => rawExchange(server.address.port, 'GET /metrics HTTP/1.1\r\n', 5_000)));
    for (const r of results) expect(r.closedAfterMs).toBeLessThan(3_000);
    const res = await fetch(`http://127.0.0.1:${server.address.port}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('clients that stop reading their answer', () => {
  let h: Harness;
  let exporter: Exporter;
  let server: RunningServer;
  const logger = createLogger('silent');

  beforeAll(async () => {
    // ~4.6 MB of exposition: more than the socket buffers take, so a client that never reads stalls the send.
    h = await startHarness({
      simTargets: Array.from({ length: 100 }, (_, i) => simTarget(`big-${i}`, 'healthy', { processTypes: ['web', 'worker', 'beat'], instancesPerType: 20 })),
      config: { instance_metrics: true },
    });
    h.sim.setTarget(simTarget('late', 'slow', { latencyMs: 1_500 }));
    exporter = new Exporter({ ...h.config, targets: [...h.config.targets, { ...h.config.targets[0], app_code: 'late' }] }, { logger });
    server = await startServer(createApp(exporter, { logger, maxConcurrentScrapes: 2 }), { host: '127.0.0.1', port: 0 }, { sendTimeoutMs: 1_000 });
  }, 30_000);
  afterAll(async () => {
    await server.close(100);
    exporter.close();
    await h.stop();
  });

  it('a scrape waiting longer than the send timeout for its refresh is not cut off', async () => {
    const res = await fetch(`http://127.0.0.1:${server.address.port}/metrics`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '5' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('bkpaas_target_up{app_code="late",module_name="default",environment="prod"} 1');
  });

  it('two stalled readers hold both scrape slots only until the send timeout', async () => {
    const port = server.address.port;
    const stalled = [0, 1].map(() => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
        s.pause(); // never reads
      });
      s.on('error', () => undefined);
      return s;
    });
    try {
      await sleep(300);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(503);
      // The server gives up on them after 1 s without progress; the slots are free again.
      const started = Date.now();
      let status = 503;
      while (status === 503 && Date.now() - started < 5_000) {
        await sleep(250);
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        status = res.status;
        await res.arrayBuffer();
      }
      expect(status).toBe(200);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const s of stalled) s.destroy();
    }
  });

  it('a client reusing one keep-alive connection for many scrapes is fine (no timer or listener piles up)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const probe = () =>
        new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: server.address.port, path: '/probe?app_code=big-0&module_name=default&environment=prod', agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
          });
          req.on('error', reject);
        });
      const results = [];
      for (let i = 0; i < 30; i++) results.push(await probe());
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(results.slice(1).every((r) => r.reused)).toBe(true);
      await sleep(1_200); // idle past the send timeout: the keep-alive connection is still good
      expect(await probe()).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});

describe('/probe with missing, malformed and malicious parameters', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simTargets: [simTarget('alpha')] });
  });
  afterAll(() => h.stop());

  const ok = 'module_name=default&environment=prod';
  it.each([
    ['an encoded slash', `?app_code=alpha%2Fdefault&${ok}`],
    ['an encoded backslash', `?app_code=alpha%5C..&${ok}`],
    ['dot segments', `?app_code=..&module_name=..&environment=..`],
    ['a NUL byte', `?app_code=alpha%00&${ok}`],
    ['CR LF (header injection)', `?app_code=alpha%0D%0ASet-Cookie:%20pwned=1&${ok}`],
    ['HTML', `?app_code=%3Cscript%3Ealert(1)%3C/script%3E&${ok}`],
    ['a bracketed array', `?app_code[]=alpha&${ok}`],
    ['an indexed array', `?app_code[0]=alpha&${ok}`],
    ['a repeated parameter', `?app_code=alpha&app_code=alpha&${ok}`],
    ['a prototype key', `?__proto__=alpha&constructor=alpha&${ok}`],
    ['CJK', `?app_code=%E4%BD%A0%E5%A5%BD&${ok}`],
    ['a letter with a diaeresis', `?app_code=alph%C3%A4&${ok}`],
    ['a fullwidth solidus', `?app_code=alpha%EF%BC%8Fx&${ok}`],
    ['an RTL override', `?app_code=%E2%80%AEahpla&${ok}`],
    ['an emoji', `?app_code=%F0%9F%9A%80&${ok}`],
    ['malformed percent-encoding', `?app_code=alpha%ZZ&${ok}`],
    ['an over-long value (129 characters)', `?app_code=${'a'.repeat(129)}&${ok}`],
    ['a 4 KB value', `?app_code=${'a'.repeat(4096)}&${ok}`],
    ['the wrong case of a known target', `?app_code=ALPHA&${ok}`],
    ['an empty value', `?app_code=&${ok}`],
  ])('%s → 400 with a plain reason, nothing reflected, no upstream request', async (_what, query) => {
    const before = h.sim.countRequests();
    const res = await rawGet(h.server.address.port, `/probe${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toMatch(/^(missing parameter|parameter \w+ must|unknown target [A-Za-z0-9._~-]+\/)/);
    expect(res.body.length).toBeLessThan(300);
    expect(res.body).not.toMatch(/<script|pwned|\u202e/);
    expect(res.body).not.toContain('\u0000');
    await sleep(5);
    expect(h.sim.countRequests()).toBe(before);
  });

  // Node's query parser (Express's "simple") reads 1 000 parameters and drops the rest silently.
  const junk = (n: number) => Array.from({ length: n }, (_, i) => `x${i}=1`).join('&');
  it.each([
    ['after 1 000 others', `?${junk(1_000)}&app_code=alpha&${ok}`],
    ['before 1 000 others', `?app_code=alpha&${ok}&${junk(1_000)}`],
  ])('more than 1 000 parameters, the target %s → 400 "too many query parameters", no upstream request', async (_where, query) => {
    const before = h.sim.countRequests();
    const res = await rawGet(h.server.address.port, `/probe${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toBe('too many query parameters: 1003, at most 1000\n');
    await sleep(5);
    expect(h.sim.countRequests()).toBe(before);
  });

  it('1 000 parameters, the target last among them, is still a probe', async () => {
    const res = await rawGet(h.server.address.port, `/probe?${junk(997)}&app_code=alpha&${ok}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('bkpaas_target_up{app_code="alpha"');
  });

  it('a request line past the header size limit is refused before routing (431)', async () => {
    const before = h.sim.countRequests();
    const res = await rawExchange(h.server.address.port, `GET /probe?app_code=${'a'.repeat(20_000)}&${ok} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res.response).toMatch(/^HTTP\/1\.1 431/);
    expect(h.sim.countRequests()).toBe(before);
  });

  it.each(['/probe%2F..%2Fmetrics', '/probe/../metrics%00', '//probe', '/probe;app_code=alpha'])('path trick %s is no scrape', async (p) => {
    const before = h.sim.countRequests();
    const res = await rawGet(h.server.address.port, p);
    expect([400, 404]).toContain(res.status);
    expect(h.sim.countRequests()).toBe(before);
  });
});
