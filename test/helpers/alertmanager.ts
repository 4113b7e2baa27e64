/**
 * A real Alertmanager for tests (Debian's `prometheus-alertmanager` package, Alertmanager 0.25),
 * found or provisioned like Prometheus (scripts/test-tools.js).
 *
 * `startAlertmanager` starts one on a free loopback port, clustering off, with a temporary
 * directory for its config and data; the handle posts and lists alerts through the v2 API and
 * `stop()`s it (also removing the directory). Call `stop()` in `afterAll`; it is safe twice.
 *
 * Debian's build reads its default notification templates from
 * /usr/share/prometheus/alertmanager/ and exits without them. When the binary is the unpacked
 * package of .tools/ (and the system has no such folder), it runs in a private mount namespace
 * (`unshare -Urm`, no root needed where user namespaces are allowed) in which the package's
 * usr/share is overlaid on /usr/share: nothing changes on the system.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net';
import { findBinary, type Labels } from './prometheus';
import { sleep } from './sleep';

/** An alert as Alertmanager's `GET /api/v2/alerts` reports it. */
export interface AmAlert {
  labels: Labels;
  annotations: Labels;
  fingerprint: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

/** A running Alertmanager. */
export interface AlertmanagerServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, for Prometheus's `alerting.alertmanagers[].static_configs`. */
  readonly address: string;
  /** The server's output so far, for assertion messages. */
  logs(): string;
  /** `POST /api/v2/alerts`: firing alerts with these labels (and annotations). */
  postAlerts(alerts: Array<{ labels: Labels; annotations?: Labels }>): Promise<void>;
  /** `GET /api/v2/alerts`: every alert it holds, inhibited and silenced ones included. */
  alerts(): Promise<AmAlert[]>;
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

function request(url: string, method: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    const req = http.request(url, { method, agent: false, timeout: 10_000, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Where Debian's Alertmanager reads its default templates from. */
const DEBIAN_TEMPLATES = '/usr/share/prometheus/alertmanager';

/** The command that runs `binary args`: as is, or with its package's usr/share overlaid on /usr/share. */
function alertmanagerCommand(binary: string, args: string[]): [string, string[]] {
  const packageShare = path.resolve(path.dirname(realpathSync(binary)), '..', 'share');
  const needsOverlay = !existsSync(path.join(DEBIAN_TEMPLATES, 'default.tmpl')) && existsSync(path.join(packageShare, 'prometheus', 'alertmanager', 'default.tmpl'));
  if (!needsOverlay) return [binary, args];
  const script = 'mount -t overlay overlay -o "lowerdir=/usr/share:$1" /usr/share && shift && exec "$@"';
  return ['unshare', ['-Urm', 'sh', '-c', script, 'sh', packageShare, binary, ...args]];
}

/** Children not yet stopped: killed when the test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts Alertmanager with `config` (an alertmanager.yml as an object) on a free loopback port
 * and waits until it is ready. On failure the process is stopped, the directory removed, and the
 * error carries the server's output.
 */
export async function startAlertmanager(config: Record<string, unknown>): Promise<AlertmanagerServer> {
  const binary = findBinary('alertmanager');
  const address = `127.0.0.1:${await freePort()}`;
  const url = `http://${address}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bkpaas-alertmanager-'));
  let output = '';
  let exited = false;
  let child: ChildProcess | undefined;
  let exitPromise: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child && !exited) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
        await exitPromise;
        clearTimeout(killTimer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const configFile = path.join(dir, 'alertmanager.yml');
    // JSON is YAML: no serializer needed.
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const [command, args] = alertmanagerCommand(binary, [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--cluster.listen-address=',
    ]);
    const started = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    running.add(started);
    const append = (chunk: string) => (output = (output + chunk).slice(-256 * 1024));
    started.stdout?.setEncoding('utf8').on('data', append);
    started.stderr?.setEncoding('utf8').on('data', append);
    exitPromise = new Promise((resolve) => {
      const done = () => {
        exited = true;
        running.delete(started);
        resolve();
      };
      started.on('exit', done);
      started.on('error', (err) => {
        append(`\nspawn error: ${err.message}\n`);
        done();
      });
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`alertmanager exited before it was ready\n--- alertmanager output ---\n${output}`);
      const ready = await request(`${url}/-/ready`, 'GET').catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`alertmanager was not ready within 30 s\n--- alertmanager output ---\n${output}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    address,
    logs: () => output,
    async postAlerts(alerts) {
      const reply = await request(`${url}/api/v2/alerts`, 'POST', JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {} }))));
      if (reply.status !== 200) throw new Error(`POST /api/v2/alerts: HTTP ${reply.status} ${reply.body}`);
    },
    async alerts() {
      const reply = await request(`${url}/api/v2/alerts`, 'GET');
      if (reply.status !== 200) throw new Error(`GET /api/v2/alerts: HTTP ${reply.status} ${reply.body}`);
      return JSON.parse(reply.body) as AmAlert[];
    },
    stop,
  };
}
