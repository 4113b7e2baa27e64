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
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { httpRequest, spawnServer, stopAndRemove, waitUntilReady, type ServerChild } from './childServer';
import { freePort } from './net';
import { findBinary, type Labels } from './prometheus';

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
  let server: ServerChild | undefined;
  const stop = stopAndRemove(() => server, dir);

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
    server = spawnServer(command, args, dir);
    await waitUntilReady(server, 'alertmanager', `${url}/-/ready`, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const logs = server.logs;

  return {
    url,
    address,
    logs,
    async postAlerts(alerts) {
      const body = JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {} })));
      const reply = await httpRequest(`${url}/api/v2/alerts`, { method: 'POST', body });
      if (reply.status !== 200) throw new Error(`POST /api/v2/alerts: HTTP ${reply.status} ${reply.body}`);
    },
    async alerts() {
      const reply = await httpRequest(`${url}/api/v2/alerts`);
      if (reply.status !== 200) throw new Error(`GET /api/v2/alerts: HTTP ${reply.status} ${reply.body}`);
      return JSON.parse(reply.body) as AmAlert[];
    },
    stop,
  };
}
