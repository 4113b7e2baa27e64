/**
 * Lifecycle of the built command (dist/main.js): SIGTERM in the middle of a scrape — readiness
 * fails first, the scrape in flight finishes with fresh data, new connections are refused, and
 * the process exits 0 within a bound. And no unhandled promise rejection anywhere: the whole
 * fault suite runs in a child node with --unhandled-rejections=strict (fault-tour.js) and must
 * exit 0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { ROOT, startExporterProcess, type ServerProcess } from '../helpers/process';
import { requireFreshBuild } from './helpers';
import { sleep } from '../helpers/sleep';

const ENV = { BK_APP_SECRET: DEMO_CREDENTIALS.bk_app_secret, BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN };

describe('SIGTERM mid-scrape', () => {
  let sim: Simulator;
  let dir: string;
  let proc: ServerProcess | undefined;

  beforeAll(async () => {
    requireFreshBuild();
    sim = await startSimulator({
      targets: [
        { app_code: 'quick', module_name: 'default', environment: 'prod', scenario: 'healthy' },
        { app_code: 'sluggish', module_name: 'default', environment: 'prod', scenario: 'slow', latencyMs: 2_000 },
      ],
    });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-life-'));
    writeFileSync(
      path.join(dir, 'config.yaml'),
      `upstream:\n  base_url: ${sim.baseUrl}\n  auth:\n    bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}\n    bk_app_secret: \${BK_APP_SECRET}\n    access_token: \${BK_ACCESS_TOKEN}\n  timeout: 5s\ntargets:\n  - app_code: quick\n    environments: [prod]\n  - app_code: sluggish\n    environments: [prod]\n`,
    );
  });
  afterAll(async () => {
    await proc?.stop(2_000);
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('readiness fails first, the scrape in flight completes, exit 0 within the bound', async () => {
    proc = await startExporterProcess(['--config', path.join(dir, 'config.yaml')], ENV);
    const port = Number(new URL(proc.url).port);

    // One connection: a scrape that waits ~2 s for the slow target; after the signal, /readyz behind it.
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d.toString('utf8')));
    socket.on('error', () => undefined);
    const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(400);
    expect(received).toBe(''); // still waiting for the slow target

    const exited = new Promise<number | null>((resolve) => proc!.child.on('exit', (code) => resolve(code)));
    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    await sleep(200);
    // A probe on the connection still open is answered 503; a new connection is refused.
    socket.write('GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await expect(fetch(`${proc.url}/readyz`)).rejects.toThrow();

    await socketClosed;
    const code = await exited;
    const took = Date.now() - signalledAt;
    expect(code).toBe(0);
    // The scrape had ~1.6 s left; the bound is that plus shutdown work, far below the 10 s grace.
    expect(took).toBeLessThan(4_000);

    const [metrics, readyz] = received.split(/(?=HTTP\/1\.1 )/);
    expect(metrics).toMatch(/^HTTP\/1\.1 200/);
    expect(metrics).toContain('bkpaas_target_up{app_code="sluggish",module_name="default",environment="prod"} 1');
    expect(metrics).toContain('bkpaas_target_up{app_code="quick",module_name="default",environment="prod"} 1');
    expect(readyz).toMatch(/^HTTP\/1\.1 503/);
    expect(readyz).toContain('shutting down');

    const out = proc.output();
    const off = out.indexOf('shutting down: readiness off');
    expect(off).toBeGreaterThan(-1);
    expect(out.indexOf('"msg":"stopped"')).toBeGreaterThan(off);
  }, 20_000);
});

describe('no unhandled promise rejection anywhere', () => {
  it('the fault tour (every fault, abuse, aborts, shutdown mid-flight) exits 0 under --unhandled-rejections=strict', async () => {
    requireFreshBuild();
    const script = path.join(__dirname, 'fault-tour.js');
    const child = spawn(process.execPath, ['--unhandled-rejections=strict', script], { cwd: ROOT, env: { PATH: process.env.PATH } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`fault tour exited ${code}:\n${out}`);
    expect(out).toContain('fault tour complete');
    expect(out).not.toMatch(/Unhandled|unhandled/);
  }, 60_000);
});
