/**
 * Faults of the whole upstream, below HTTP: connection refused, a DNS name that never resolves
 * (`.invalid`, RFC 6761), and a TLS certificate the exporter must not trust. Every target fails
 * with `network` (retried, then given up inside the budget), /metrics still answers 200 at once,
 * the log gets one line per target at most — rate-limited, so 40 failing targets cannot flood
 * it — and nothing, least of all the credentials header, is sent over a TLS connection that
 * failed verification.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { ExporterConfig } from '../../src/config/types';
import { Exporter } from '../../src/exporter';
import { createApp } from '../../src/http/app';
import { startServer, type RunningServer } from '../../src/http/server';
import { createLogger } from '../../src/log';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS } from '../../src/simulator';
import { find, parseExposition, value } from '../helpers/exposition';
import { configFor as harnessConfig } from '../helpers/harness';
import { specOf } from '../helpers/targets';
import { promtoolCheck, testCerts } from './helpers';
import { freePort } from '../helpers/net';
import { sleep } from '../helpers/sleep';

const N = 40;

function configFor(baseUrl: string, ttlMs = 60_000, n = N, timeoutMs = 2_000): ExporterConfig {
  const targets = Array.from({ length: n }, (_, i) => specOf({ app_code: `app-${i}`, module_name: 'default', environment: 'prod' }));
  return harnessConfig({ baseUrl }, targets, { cache: { ttl_ms: ttlMs }, upstream: { timeout_ms: timeoutMs, concurrency: 8, max_response_bytes: 1024 * 1024 } });
}

interface Running {
  url: string;
  logs: string[];
  exporter: Exporter;
  server: RunningServer;
  stop(): Promise<void>;
}

async function startExporter(config: ExporterConfig): Promise<Running> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger('info', sink);
  const exporter = new Exporter(config, { logger });
  const server = await startServer(createApp(exporter, { logger }), { host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${server.address.port}`,
    logs,
    exporter,
    server,
    async stop() {
      await server.close(500);
      exporter.close();
    },
  };
}

const failureLines = (logs: string[]) => logs.filter((l) => l.includes('"reason":'));

async function scrapeAll(r: Running, timeoutSeconds = 5) {
  const started = Date.now();
  const res = await fetch(`${r.url}/metrics`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutSeconds) } });
  const elapsedMs = Date.now() - started;
  expect(res.status).toBe(200);
  const text = await res.text();
  return { m: parseExposition(text), text, elapsedMs };
}

function expectAllNetwork(m: ReturnType<typeof parseExposition>, n = N) {
  for (let i = 0; i < n; i++) {
    const l = { app_code: `app-${i}` };
    expect(value(m, 'bkpaas_target_up', l)).toBe(0);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { ...l, reason: 'network' })).toBe(1);
    expect(find(m, 'bkpaas_target_fetch_errors_total', l)).toHaveLength(1);
    expect(find(m, 'bkpaas_target_last_success_timestamp_seconds', l)).toHaveLength(0);
  }
}

function expectQuietLog(logs: string[], cause: RegExp) {
  const lines = failureLines(logs);
  // LogThrottle: at most 20 lines per 10 s window whatever the number of failing targets.
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.length).toBeLessThanOrEqual(20);
  for (const line of lines) {
    expect(line).toMatch(cause);
    expect(line).toContain('"reason":"network"');
    expect(line.length).toBeLessThan(600);
    expect(line).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    expect(line).not.toContain(DEMO_ACCESS_TOKEN);
  }
}

describe('connection refused', () => {
  let r: Running;
  afterAll(() => r?.stop());

  it('every target: up 0, reason network, answered at once; the log holds at most 20 lines', async () => {
    const port = await freePort();
    r = await startExporter(configFor(`http://127.0.0.1:${port}/api/bkpaas3/prod`, 300));
    const { m, text, elapsedMs } = await scrapeAll(r);
    // Three quick attempts with backoff, never the whole budget (40 targets / 8 slots x 2 s = 10 s).
    expect(elapsedMs).toBeLessThan(5_000);
    expectAllNetwork(m);
    expectQuietLog(r.logs, /ECONNREFUSED/);
    await promtoolCheck(text);
  });

  it('a second failing refresh after ttl logs nothing new (same failure, same targets)', async () => {
    const before = failureLines(r.logs).length;
    await sleep(350);
    const { m } = await scrapeAll(r);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { app_code: 'app-0', reason: 'network' })).toBe(2);
    expect(failureLines(r.logs).length).toBe(before);
  });
});

describe('DNS failure', () => {
  let r: Running;
  afterAll(() => r?.stop());

  // A resolver may take its full timeout (5 s by default) to give up on a name: the budget here
  // is above it, so the answer is the DNS failure itself, not our timeout.
  it('a name under .invalid: every target network, answered within the deadline', async () => {
    r = await startExporter(configFor('http://bkapi.upstream.invalid/api/bkpaas3/prod', 60_000, 4, 7_000));
    const { m, elapsedMs } = await scrapeAll(r, 9);
    expect(elapsedMs).toBeLessThan(8_600);
    expectAllNetwork(m, 4);
    expectQuietLog(r.logs, /ENOTFOUND|EAI_AGAIN/);
  });
});

describe('TLS certificate not trusted', () => {
  let r: Running;
  let stub: https.Server;
  let requests = 0;
  let handshakes = 0;
  let connections = 0;

  beforeAll(async () => {
    const { cert, key } = testCerts();
    stub = https.createServer({ cert, key }, (_req, res) => {
      requests += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"processes":{"items":[]}}');
    });
    stub.on('secureConnection', () => (handshakes += 1));
    stub.on('connection', () => (connections += 1));
    stub.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    await r?.stop();
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  });

  it('a self-signed certificate is a network failure, never silently accepted; no request (no credentials) is sent', async () => {
    const { port } = stub.address() as AddressInfo;
    r = await startExporter(configFor(`https://127.0.0.1:${port}/api/bkpaas3/prod`));
    const { m, elapsedMs } = await scrapeAll(r);
    expect(elapsedMs).toBeLessThan(4_500);
    expectAllNetwork(m);
    expectQuietLog(r.logs, /SELF_SIGNED|DEPTH_ZERO|UNABLE_TO_VERIFY|CERT/);
    expect(handshakes).toBe(0);
    expect(requests).toBe(0);
    // Not retried: the certificate would be refused again. One connection per target, not three.
    expect(connections).toBe(N);
  });

  it('the same stub is reachable when the certificate is trusted (the failure above is the certificate)', async () => {
    const { port } = stub.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/', ca: testCerts().cert, agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    expect(body).toContain('processes');
    expect(requests).toBe(1);
  });
});
