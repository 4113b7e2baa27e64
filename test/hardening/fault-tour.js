/**
 * The whole fault suite in one plain Node process, built code only (dist/): run it with
 * `node --unhandled-rejections=strict test/hardening/fault-tour.js`. Any promise rejection
 * nobody handles, anywhere in the exporter, the simulator or the HTTP layer, kills the process
 * with a non-zero exit; test/hardening/lifecycle.test.ts asserts it exits 0.
 *
 * It starts the simulator with one target per scenario, an exporter over it (behind a web config
 * with basic auth), and exporters over a refused port, an unresolvable name and an untrusted TLS
 * certificate; then scrapes /metrics, /probe, /, errors and reloads through every fault mode,
 * rotates the scenarios, aborts scrapes half-way, leaves refreshes running past their deadline,
 * and closes everything while requests are still in flight.
 */
'use strict';
const https = require('node:https');
const net = require('node:net');
const path = require('node:path');
const { Writable } = require('node:stream');

const DIST = path.resolve(__dirname, '..', '..', 'dist');
const { startSimulator, DEMO_CREDENTIALS, DEMO_ACCESS_TOKEN, SCENARIOS } = require(path.join(DIST, 'simulator'));
const { Exporter } = require(path.join(DIST, 'exporter'));
const { createApp } = require(path.join(DIST, 'http', 'app'));
const { startServer } = require(path.join(DIST, 'http', 'server'));
const { parseWebConfig } = require(path.join(DIST, 'http', 'webConfig'));
const { withWebConfig } = require(path.join(DIST, 'http', 'webGuard'));
const { createLogger } = require(path.join(DIST, 'log'));
const bcrypt = require('bcryptjs');
const selfsigned = require('selfsigned');


const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quietLogger = () =>
  createLogger('debug', new Writable({ write: (_c, _e, cb) => cb() }));

function configFor(baseUrl, targets, over = {}) {
  return {
    server: { listen: { host: '127.0.0.1', port: 0 } },
    cache: { ttl_ms: 300 },
    targets: targets.map((t) => ({ app_code: t.app_code, module_name: t.module_name, environment: t.environment, labels: {}, source: 'tour' })),
    instance_metrics: true,
    metrics: { allow: [], deny: [] },
    discovery: {
      enabled: false, refresh_interval_ms: 300_000, environments: ['prod'],
      include_apps: [], exclude_apps: [], include_modules: [], exclude_modules: [], labels: {},
    },
    upstream: {
      base_url: baseUrl,
      auth: { ...DEMO_CREDENTIALS, access_token: DEMO_ACCESS_TOKEN },
      tenant_id: '',
      timeout_ms: 800,
      concurrency: 6,
      max_response_bytes: 256 * 1024,
      ...over,
    },
  };
}

async function get(url, headers = {}, opts = {}) {
  const res = await fetch(url, { headers, method: opts.method ?? 'GET', signal: opts.signal });
  await res.text();
  return res.status;
}

/** Starts a scrape and hangs up on it after `ms`. */
function abandon(port, pathName, ms, auth) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(`GET ${pathName} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n`);
      setTimeout(() => {
        s.destroy();
        resolve();
      }, ms);
    });
    s.on('error', () => resolve());
  });
}

async function serveExporter(config, web) {
  const logger = quietLogger();
  const exporter = new Exporter(config, { logger, reloadConfig: () => config });
  const app = createApp(exporter, { logger, maxConcurrentScrapes: 8 });
  const { listener, options } = withWebConfig(app, web);
  const server = await startServer(listener, { host: '127.0.0.1', port: 0 }, options);
  return { exporter, server, url: `http://127.0.0.1:${server.address.port}` };
}

async function main() {
  const targets = SCENARIOS.map((scenario) => ({
    app_code: `tour-${scenario.replace(/_/g, '-')}`,
    module_name: 'default',
    environment: 'prod',
    scenario,
    latencyMs: scenario === 'slow' ? 1_500 : undefined,
    retryAfterSeconds: 1,
    retryAfterHttpDate: scenario === 'rate_limited',
  }));
  const sim = await startSimulator({ targets, latencyMs: 5 });
  const hash = bcrypt.hashSync('tour-password', 4);
  const web = parseWebConfig(`basic_auth_users:\n  tour: "${hash}"\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n`, path.join(__dirname, 'web.yml'));
  const auth = `Basic ${Buffer.from('tour:tour-password').toString('base64')}`;
  const main = await serveExporter(configFor(sim.baseUrl, targets), web);
  const port = main.server.address.port;
  const H = { Authorization: auth };

  // Exporters whose whole upstream fails below HTTP.
  const refusedPort = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256', days: 1 });
  const tlsStub = https.createServer({ cert: pems.cert, key: pems.private }, (_q, r) => r.end('{}'));
  tlsStub.on('tlsClientError', () => undefined);
  await new Promise((r) => tlsStub.listen(0, '127.0.0.1', r));
  const few = targets.slice(0, 3);
  const below = [
    await serveExporter(configFor(`http://127.0.0.1:${refusedPort}/api`, few)),
    await serveExporter(configFor('http://bkapi.tour.invalid/api', few, { timeout_ms: 6_000 })),
    await serveExporter(configFor(`https://127.0.0.1:${tlsStub.address().port}/api`, few)),
  ];

  for (let round = 0; round < 3; round++) {
    const statuses = await Promise.all([
      get(`${main.url}/metrics`, { ...H, 'X-Prometheus-Scrape-Timeout-Seconds': round === 1 ? '0.2' : '3' }),
      ...targets.map((t) => get(`${main.url}/probe?app_code=${t.app_code}&module_name=default&environment=prod`, H)),
      get(`${main.url}/`, H),
      get(`${main.url}/nope`, H),
      get(`${main.url}/-/reload`, H),
      get(`${main.url}/-/reload`, H, { method: 'POST' }),
      get(`${main.url}/probe?app_code=%00&module_name=x&environment=y`, H),
      get(`${main.url}/metrics`),
      get(`${main.url}/metrics`, { Authorization: 'Basic AAAA' }),
      get(`${main.url}/healthz`),
      abandon(port, '/metrics', 50, auth),
      abandon(port, '/probe?app_code=tour-hang&module_name=default&environment=prod', 100, auth),
      ...below.flatMap((b) => [get(`${b.url}/metrics`), get(`${b.url}/`)]),
    ]);
    if (!statuses.includes(200) || !statuses.includes(503) || !statuses.includes(401)) {
      throw new Error(`round ${round}: unexpected statuses ${statuses.join(',')}`);
    }
    // Rotate: every target takes the next scenario.
    for (let i = 0; i < targets.length; i++) {
      const next = SCENARIOS[(i + round + 1) % SCENARIOS.length];
      sim.setScenario(targets[i].app_code, 'default', 'prod', next);
    }
    await sleep(350);
  }

  // A scrape aborted by the client while refreshes run, then everything closed mid-flight.
  const ac = new AbortController();
  const pending = fetch(`${main.url}/metrics`, { headers: H, signal: ac.signal }).catch(() => undefined);
  await sleep(20);
  ac.abort();
  await pending;
  void get(`${main.url}/metrics`, H).catch(() => undefined);
  await sleep(30);
  main.exporter.beginShutdown();
  await main.server.close(200);
  main.exporter.close();
  for (const b of below) {
    await b.server.close(100);
    b.exporter.close();
  }
  tlsStub.closeAllConnections();
  await new Promise((r) => tlsStub.close(r));
  await sim.close();
  // Give stray timers and rejections a chance to surface before declaring success.
  await sleep(1_000);
  process.stdout.write('fault tour complete\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`fault tour failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
