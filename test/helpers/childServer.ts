/**
 * A server binary started by a test (Prometheus, Alertmanager): its output kept for assertion
 * messages, its exit noticed, a readiness wait, one way to stop it, and a kill on the test
 * process's exit whatever happened. Also the plain HTTP request the helpers talk to it with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { sleep } from './sleep';

const LOG_LIMIT = 256 * 1024;

/** Children not yet stopped: killed when the test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** How a server exited (a failed spawn counts, with null code and signal). */
export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running server process. */
export interface ServerChild {
  /** Its output so far (the last 256 KiB). */
  logs(): string;
  /** How it exited, once it has. */
  exited(): ServerExit | undefined;
  /** SIGTERM, SIGKILL after 10 s; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown by `waitUntilReady` when the server exits first. */
export class ServerExitedError extends Error {
  constructor(
    readonly exit: ServerExit,
    readonly output: string,
    name: string,
  ) {
    super(`${name} exited (code ${exit.code}, signal ${exit.signal}) before it was ready\n--- ${name} output ---\n${output}`);
  }
}

/** Starts `command args` in `cwd` with stdout and stderr captured. */
export function spawnServer(command: string, args: string[], cwd: string): ServerChild {
  let output = '';
  let exit: ServerExit | undefined;
  const append = (chunk: string) => {
    output += chunk;
    if (output.length > LOG_LIMIT) output = output.slice(-LOG_LIMIT);
  };
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolve();
    });
    child.on('error', (err) => {
      append(`\nspawn error: ${err.message}\n`);
      exit ??= { code: null, signal: null };
      running.delete(child);
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    logs: () => output,
    exited: () => exit,
    stop() {
      stopping ??= (async () => {
        if (exit) return;
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exitPromise;
        clearTimeout(killTimer);
      })();
      return stopping;
    },
  };
}

/**
 * Returns a stop function for a server and its temporary directory: stops `server()` (when it was
 * started) and removes `dir`. Calling it twice is safe; it runs once.
 */
export function stopAndRemove(server: () => ServerChild | undefined, dir: string): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      await server()?.stop();
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
}

/**
 * Polls `GET url` every 100 ms until it answers 200. Throws ServerExitedError when the server
 * exits first, and an Error with its output after `timeoutMs`.
 */
export async function waitUntilReady(server: ServerChild, name: string, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = server.exited();
    if (exit) throw new ServerExitedError(exit, server.logs(), name);
    const ready = await httpRequest(url, { timeoutMs: 2_000 }).catch(() => undefined);
    if (ready?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${name} was not ready within ${timeoutMs} ms\n--- ${name} output ---\n${server.logs()}`);
    await sleep(100);
  }
}

/** An HTTP answer: status and body text. */
export interface HttpReply {
  status: number;
  body: string;
}

/** One HTTP request without keep-alive (no socket outlives the test); `body` is sent as JSON. */
export function httpRequest(url: string, options: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<HttpReply> {
  const { method = 'GET', body, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    const req = http.request(url, { method, agent: false, timeout: timeoutMs, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
