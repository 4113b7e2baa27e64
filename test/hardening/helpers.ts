/** Shared pieces of the hardening suite: promtool, test certificates, listeners that count, raw sockets. */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { clientCertSignedBy, localhostCert } from '../helpers/pki';
import { runPromtool } from '../helpers/prometheus';
import { MAIN, ROOT, requireBuild } from '../helpers/process';

/** Runs `promtool check metrics` on exposition text and throws with its output unless it is clean (exit 0, no lint). */
export async function promtoolCheck(text: string): Promise<void> {
  const result = await runPromtool(['check', 'metrics'], { input: text });
  if (result.code !== 0 || result.output !== '$ promtool check metrics\n') {
    throw new Error(`promtool check metrics failed (exit ${result.code}):\n${result.output.slice(0, 4000)}`);
  }
}

/** Keeps promtool's presence explicit: fails (never skips) when it is missing. */
export async function requirePromtool(): Promise<void> {
  const r = await runPromtool(['--version']);
  if (r.code !== 0) throw new Error(`promtool --version failed:\n${r.output}`);
}

export interface TestCerts {
  /** PEM of a self-signed CA-capable certificate for localhost / 127.0.0.1 and its key. */
  cert: string;
  key: string;
  /** A client certificate signed by `key`, SAN DNS:prometheus.example.com, and its key. */
  clientCert: string;
  clientKey: string;
}

let certs: TestCerts | undefined;

/** The test PKI (RSA 2048, SHA-256), generated once per test file. */
export function testCerts(): TestCerts {
  if (certs) return certs;
  const server = localhostCert();
  const client = clientCertSignedBy(server);
  certs = { cert: server.cert, key: server.key, clientCert: client.cert, clientKey: client.key };
  return certs;
}

/** A TCP listener that only counts what reaches it (connections and bytes), never answers. */
export interface CountingListener {
  connections: number;
  bytes: number;
  data: string;
  close(): Promise<void>;
}

export async function countingListener(host: string, port: number): Promise<CountingListener> {
  const sockets = new Set<net.Socket>();
  const out: CountingListener = {
    connections: 0,
    bytes: 0,
    data: '',
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((s) => {
    out.connections += 1;
    sockets.add(s);
    s.on('data', (d) => {
      out.bytes += d.length;
      out.data += d.toString('latin1');
    });
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return out;
}

/** Sends `text` on a raw TCP connection and resolves with everything received until the server closes it. */
export function rawExchange(port: number, text: string, timeoutMs = 5_000): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got: ${response.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d) => (response += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
  });
}

/** GET over node:http with full control of the raw path (fetch would normalise it). */
export function rawGet(port: number, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Fails unless dist/ is built and no newer than src/ (the child-process tests run dist/main.js):
 * run `npm run build` first (npm test does).
 */
export function requireFreshBuild(): void {
  requireBuild();
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const src = newest(path.join(ROOT, 'src'));
  const built = statSync(MAIN).mtimeMs;
  const dist = newest(path.join(ROOT, 'dist'));
  if (Math.max(built, dist) + 1 < src) throw new Error(`dist/ is older than src/: run "npm run build" first (npm test does)`);
}

/** One answer a poller got: when its request started (epoch ms), how long the answer took, its status. */
export interface Poll {
  at: number;
  ms: number;
  status: number;
}

export interface Poller {
  /** Stops polling (after the request in flight) and returns every answer. */
  stop(): Promise<Poll[]>;
}

// Sequential GETs on one keep-alive connection, one line per answer, until stdin closes.
const POLLER = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let stopping = false;
process.stdin.on('end', () => (stopping = true)).resume();
(function next() {
  if (stopping) return agent.destroy();
  const at = Date.now();
  const started = process.hrtime.bigint();
  http.get(process.argv[1], { agent }, (res) => {
    res.resume().on('end', () => {
      process.stdout.write(at + ' ' + Number(process.hrtime.bigint() - started) / 1e6 + ' ' + res.statusCode + '\\n');
      next();
    });
  }).on('error', (err) => { process.stderr.write(String(err) + '\\n'); process.exit(1); });
})();
`;

/**
 * Polls `url` from a process of its own, as a prober would: the time an answer takes is the
 * server's alone, not that of a client sharing its event loop. Resolves after the first answer.
 */
export async function startPoller(url: string): Promise<Poller> {
  const child = spawn(process.execPath, ['-e', POLLER, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`poller exited with ${code} before its first answer`)));
  });
  return {
    async stop() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`poller exited with ${code}`);
      return out
        .trim()
        .split('\n')
        .map((line) => line.split(' ').map(Number))
        .map(([at, ms, status]) => ({ at, ms, status }));
    },
  };
}
