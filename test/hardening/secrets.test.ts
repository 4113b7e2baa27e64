/**
 * Secrets never leak. With random credentials, every fault mode is run (including an upstream
 * error page that echoes the request headers back, and failures below HTTP), then every log
 * line, every HTTP answer (/, /metrics, /probe, 400, 401, 404, 405, 500, 503) and the output of
 * --check-config and --once are searched for the secret values, any 10-character piece of them
 * (a truncated secret is still a leak) and the credentials header: none may appear.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import bcrypt from 'bcryptjs';
import type { ExporterConfig } from '../../src/config/types';
import { Exporter } from '../../src/exporter';
import { createApp } from '../../src/http/app';
import { startServer, type RunningServer } from '../../src/http/server';
import { parseWebConfig } from '../../src/http/webConfig';
import { withWebConfig } from '../../src/http/webGuard';
import { createLogger } from '../../src/log';
import { SCENARIOS, startSimulator, type Simulator } from '../../src/simulator';
import type { SimTarget } from '../../src/simulator/types';
import { authorizationHeader } from '../../src/upstream/client';
import { configFor } from '../helpers/harness';
import { specOf } from '../helpers/targets';
import { runExporter } from '../helpers/process';
import { rawGet, requireFreshBuild } from './helpers';
import { freePort } from '../helpers/net';

const APP_CODE = 'leak-test-app';
const SECRET = `S3cret-${randomBytes(16).toString('hex')}`;
const TOKEN = `T0ken-${randomBytes(16).toString('hex')}`;
const WEB_PASSWORD = `W3b-${randomBytes(12).toString('hex')}`;
const AUTH = { bk_app_code: APP_CODE, bk_app_secret: SECRET, access_token: TOKEN };
const HEADER = authorizationHeader(AUTH);

/** The needles: each secret, every 10-character piece of each, and the whole credentials header. */
const NEEDLES = [HEADER, ...[SECRET, TOKEN, WEB_PASSWORD].flatMap((s) => Array.from({ length: s.length - 9 }, (_, i) => s.slice(i, i + 10)))];

function expectClean(where: string, text: string): void {
  for (const needle of NEEDLES) {
    if (text.includes(needle)) throw new Error(`${where} contains a secret (or a piece of one: ${JSON.stringify(needle)}):\n${text.slice(0, 2000)}`);
  }
  const b64 = Buffer.from(`prometheus:${WEB_PASSWORD}`).toString('base64');
  if (text.includes(b64)) throw new Error(`${where} contains the basic-auth header`);
}

const ALL = SCENARIOS;

interface Served {
  url: string;
  port: number;
  exporter: Exporter;
  server: RunningServer;
}

describe('no secret in any log line, answer or command output', () => {
  let sim: Simulator;
  let dir: string;
  const logs: string[] = [];
  const answers: Array<[string, string]> = [];
  const served: Served[] = [];
  const targets: SimTarget[] = ALL.map((scenario) => ({
    app_code: `s-${scenario.replace(/_/g, '-')}`,
    module_name: 'default',
    environment: 'prod',
    scenario,
    latencyMs: scenario === 'slow' ? 1_500 : undefined,
  }));
  const logger = createLogger(
    'trace',
    new Writable({
      write(chunk, _e, cb) {
        logs.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    }),
  );

  async function serve(config: ExporterConfig, opts: { web?: string; maxConcurrentScrapes?: number } = {}): Promise<Served> {
    const exporter = new Exporter(config, { logger, reloadConfig: () => ({ ...config, targets: [] }) });
    const web = opts.web ? parseWebConfig(opts.web, path.join(dir, 'web.yml')) : undefined;
    const { listener, options } = withWebConfig(createApp(exporter, { logger, maxConcurrentScrapes: opts.maxConcurrentScrapes }), web);
    const server = await startServer(listener, { host: '127.0.0.1', port: 0 }, options);
    const s = { url: `http://127.0.0.1:${server.address.port}`, port: server.address.port, exporter, server };
    served.push(s);
    return s;
  }

  async function record(label: string, res: Response | Promise<Response>): Promise<number> {
    const r = await res;
    const headers = [...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
    answers.push([label, `${r.status}\n${headers}\n\n${await r.text()}`]);
    return r.status;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-secrets-'));
    sim = await startSimulator({ targets, credentials: { bk_app_code: APP_CODE, bk_app_secret: SECRET } });
    const base = (t: SimTarget[]) =>
      configFor(sim, t.map((x) => specOf(x)), { upstream: { auth: AUTH, timeout_ms: 800, max_response_bytes: 256 * 1024 }, cache: { ttl_ms: 0 } });

    // Every fault mode through the simulator, behind basic auth.
    const hash = bcrypt.hashSync(WEB_PASSWORD, 4);
    const main = await serve(base(targets), { web: `basic_auth_users:\n  prometheus: "${hash}"\n` });
    const ok = { Authorization: `Basic ${Buffer.from(`prometheus:${WEB_PASSWORD}`).toString('base64')}` };
    const bad = { Authorization: `Basic ${Buffer.from(`prometheus:${SECRET}`).toString('base64')}` };
    expect(await record('/metrics', fetch(`${main.url}/metrics`, { headers: ok }))).toBe(200);
    for (const t of targets) {
      await record(`/probe ${t.app_code}`, fetch(`${main.url}/probe?app_code=${t.app_code}&module_name=default&environment=prod`, { headers: ok }));
    }
    expect(await record('/', fetch(`${main.url}/`, { headers: ok }))).toBe(200);
    expect(await record('400', fetch(`${main.url}/probe?app_code=${SECRET}`, { headers: ok }))).toBe(400);
    expect(await record('400 unknown', fetch(`${main.url}/probe?app_code=nope&module_name=x&environment=y`, { headers: ok }))).toBe(400);
    expect(await record('401', fetch(`${main.url}/metrics`, { headers: bad }))).toBe(401);
    expect(await record('404', fetch(`${main.url}/${SECRET}`, { headers: ok }))).toBe(404);
    expect(await record('405', fetch(`${main.url}/-/reload`, { headers: ok }))).toBe(405);
    expect(await record('reload', fetch(`${main.url}/-/reload`, { method: 'POST', headers: ok }))).toBe(200);
    const raw = await rawGet(main.port, `/metrics?x=${SECRET}`, { ...ok, 'X-Bkapi-Authorization': HEADER });
    answers.push(['/metrics with credentials echoed at us', `${raw.status}\n${raw.body}`]);

    // 503 past the scrape limit, and a 500 from a failed reload.
    const limited = await serve(base([targets.find((t) => t.scenario === 'slow')!]), { maxConcurrentScrapes: 1 });
    const statuses = await Promise.all([0, 1, 2].map((i) => record(`burst ${i}`, fetch(`${limited.url}/metrics`))));
    expect(statuses).toContain(503);
    limited.exporter.reload = async () => ({ ok: false, error: 'nope', targets: 0 });
    expect(await record('500', fetch(`${limited.url}/-/reload`, { method: 'POST' }))).toBe(500);

    // Below HTTP: refused, DNS, and a redirect whose Location carries the secret.
    const refused = await freePort();
    for (const url of [`http://127.0.0.1:${refused}/api`, 'http://bkapi.secret-test.invalid/api']) {
      const s = await serve({ ...base(targets.slice(0, 2)), upstream: { ...base([]).upstream, base_url: url, timeout_ms: 6_000 } });
      await record(`${url} /metrics`, fetch(`${s.url}/metrics`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '8' } }));
      await record(`${url} /`, fetch(`${s.url}/`));
    }
    sim.setTarget({ ...targets[0], app_code: 'redir', scenario: 'redirect', redirectLocation: `http://127.0.0.2:1/${SECRET}?token=${TOKEN}` });
    const redir = await serve(base([{ ...targets[0], app_code: 'redir' }]));
    await record('redirect /metrics', fetch(`${redir.url}/metrics`));
    await record('redirect /', fetch(`${redir.url}/`));
  }, 60_000);

  afterAll(async () => {
    for (const s of served) {
      await s.server.close(100);
      s.exporter.close();
    }
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ran every fault mode (the simulator saw the credentials; that is where they belong)', () => {
    for (const t of targets) expect([t.scenario, sim.countRequests(`${t.app_code}/default/prod`) > 0]).toEqual([t.scenario, true]);
    expect(sim.requests.some((r) => r.auth?.bk_app_secret === SECRET)).toBe(true);
  });

  it('no log line holds a secret', () => {
    expect(logs.length).toBeGreaterThan(20);
    for (const line of logs) expectClean('log line', line);
    // The echoing error page was logged, redacted.
    expect(logs.some((l) => l.includes('s-echo-headers') && l.includes('***'))).toBe(true);
  });

  it('no HTTP answer holds a secret', () => {
    expect(answers.length).toBeGreaterThan(40);
    for (const [label, text] of answers) expectClean(`answer to ${label}`, text);
  });

  it('--check-config and --once print no secret, with values from the environment or from *_file', async () => {
    requireFreshBuild();
    writeFileSync(path.join(dir, 'secret.txt'), `${SECRET}\n`);
    const yaml = (auth: string) =>
      `upstream:\n  base_url: ${sim.baseUrl}\n  timeout: 1s\n  auth:\n    bk_app_code: ${APP_CODE}\n${auth}targets:\n  - app_code: s-echo-headers\n    environments: [prod]\n  - app_code: s-redirect\n    environments: [prod]\n  - app_code: s-healthy\n    environments: [prod]\n`;
    const env = { THE_SECRET: SECRET, THE_TOKEN: TOKEN };
    const fromEnv = path.join(dir, 'env.yaml');
    writeFileSync(fromEnv, yaml('    bk_app_secret: ${THE_SECRET}\n    access_token: ${THE_TOKEN}\n'));
    const fromFile = path.join(dir, 'file.yaml');
    writeFileSync(fromFile, yaml(`    bk_app_secret_file: ${path.join(dir, 'secret.txt')}\n    access_token: \${THE_TOKEN}\n`));
    const wrong = path.join(dir, 'wrong.yaml');
    // Mistakes next to secrets: a misspelt key holding one, a secret where a number belongs.
    writeFileSync(wrong, yaml('    bk_app_secrte: ${THE_SECRET}\n    access_token: ${THE_TOKEN}\n').replace('timeout: 1s', 'timeout: ${THE_TOKEN}'));
    for (const [label, args, code] of [
      ['--check-config (env)', ['--check-config', '--config', fromEnv], 0],
      ['--check-config (*_file)', ['--check-config', '--config', fromFile], 0],
      ['--check-config (mistakes)', ['--check-config', '--config', wrong], 1],
      ['--once (env)', ['--once', '--config', fromEnv], 1],
      ['--once (*_file)', ['--once', '--config', fromFile, '--log-level', 'trace'], 1],
    ] as Array<[string, string[], number]>) {
      const r = await runExporter(args, env);
      expect([label, r.code]).toEqual([label, code]);
      expectClean(`${label} stdout`, r.stdout);
      expectClean(`${label} stderr`, r.stderr);
    }
  }, 30_000);
});
