/**
 * The pool's per-fetch budget doubles as the upstream request's bound (src/upstream/requestBound.ts):
 * the client then adds no controller of its own. What that must not change: a body cut off by
 * the network mid-way is still retried under the same budget, a refused body still closes its
 * connection at once, and a request still ends at its timeout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UpstreamConfig } from '../../src/config/types';
import { Budgets } from '../../src/scheduler/budgets';
import { TargetPool } from '../../src/scheduler/targetPool';
import { UpstreamClient } from '../../src/upstream/client';
import { UpstreamError } from '../../src/upstream/errors';
import { registerRequestBound, requestBoundWithin } from '../../src/upstream/requestBound';

const BODY = JSON.stringify({ processes: { items: [{ type: 'web', name: 'app--web', replicas: 1, success: 1, failed: 0, version: 3 }] }, instances: { items: [] } });

interface Upstream {
  baseUrl: string;
  requests: number;
  /** Responses whose connection was closed before all of their body was sent. */
  cutOff: number;
  close(): Promise<void>;
}

/** A loopback upstream; `answer` writes the response of request number `n` (from 1). */
function startUpstream(answer: (n: number, res: http.ServerResponse) => void): Promise<Upstream> {
  const u = { baseUrl: '', requests: 0, cutOff: 0, close: async () => {} };
  const server = http.createServer((_req, res) => answer(++u.requests, res));
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      u.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      u.close = () => {
        server.closeAllConnections();
        return new Promise((r) => server.close(() => r()));
      };
      resolve(u);
    });
  });
}

function clientFor(baseUrl: string, overrides: Partial<UpstreamConfig> = {}): UpstreamClient {
  return new UpstreamClient({
    base_url: baseUrl,
    auth: { bk_app_code: 'app', bk_app_secret: 'secret-value', bk_username: 'admin' },
    tenant_id: '',
    timeout_ms: 5_000,
    concurrency: 2,
    max_response_bytes: 64 * 1024,
    max_retry_after_ms: 300_000,
    ...overrides,
  });
}

const spec = { app_code: 'app', module_name: 'default', environment: 'prod', labels: {}, source: 'test' };

describe('the budget as the request bound', () => {
  let upstream: Upstream | undefined;
  let client: UpstreamClient | undefined;
  afterEach(async () => {
    client?.close();
    await upstream?.close();
  });

  it('a body cut off by the network is retried under the same budget, and the retry succeeds', async () => {
    upstream = await startUpstream((n, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(BODY.length) });
      if (n === 1) {
        res.write(BODY.slice(0, 10));
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end(BODY);
    });
    client = clientFor(upstream.baseUrl);
    const c = client;
    const pool = new TargetPool((t, signal) => c.fetchProcessList(t, signal), { ttlMs: 60_000, concurrency: 2, timeoutMs: 5_000, instanceMetrics: false });
    pool.setTargets([spec]);
    await pool.refresh(Date.now() + 10_000);
    expect(upstream.requests).toBe(2);
    expect(pool.list()[0].health).toBe('up');
    pool.close();
  });

  it('a body over the cap is refused and its connection closed at once; the bound is what ended it', async () => {
    // 128 MiB, more than loopback buffers take in: the server is still writing when the client refuses.
    const CHUNKS = 2048;
    upstream = await startUpstream((_n, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      let sent = 0;
      const pump = () => {
        while (sent < CHUNKS && !res.destroyed) {
          sent += 1;
          if (!res.write(Buffer.alloc(64 * 1024, 0x20))) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end('{}');
      };
      res.on('close', () => {
        if (sent < CHUNKS) upstream!.cutOff += 1;
      });
      pump();
    });
    client = clientFor(upstream.baseUrl);
    const budget = new Budgets().start(5_000);
    const err = await client.getJson('/big', budget.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).reason).toBe('invalid_response');
    expect(budget.signal.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(upstream.cutOff).toBe(1);
    budget.release();
  });

  it("a bound that ends after the client's timeout is not used: the request still times out at upstream.timeout", async () => {
    upstream = await startUpstream(() => {
      // never answers
    });
    client = clientFor(upstream.baseUrl, { timeout_ms: 150 });
    const budget = new Budgets().start(60_000);
    const started = performance.now();
    const err = await client.getJson('/hang', budget.signal).catch((e: unknown) => e);
    expect((err as UpstreamError).reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(budget.signal.aborted).toBe(false);
    budget.release();
  });

  it('requestBoundWithin: only registered, live bounds that end within the timeout', () => {
    const a = new AbortController();
    registerRequestBound(a, performance.now() + 1_000);
    expect(requestBoundWithin(a.signal, 2_000)).toBe(a);
    expect(requestBoundWithin(a.signal, 500)).toBeUndefined();
    expect(requestBoundWithin(new AbortController().signal, 2_000)).toBeUndefined();
    expect(requestBoundWithin(undefined, 2_000)).toBeUndefined();
    a.abort();
    expect(requestBoundWithin(a.signal, 2_000)).toBeUndefined();
  });
});
