/** Running the built exporter (dist/main.js) as a child process in tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './net';
import { sleep } from './sleep';

export const ROOT = path.resolve(__dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'main.js');

/** Fails clearly when the build is missing (npm test builds before jest). */
export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the exporter to completion with `args`. */
export function runExporter(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<RunResult> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH, ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`exporter ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Starts the exporter as a server and waits until /healthz answers. */
export async function startExporterProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  requireBuild();
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, '--listen', `127.0.0.1:${port}`, ...args], {
    env: { PATH: process.env.PATH, ...env },
    cwd: ROOT,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async (timeoutMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exporter exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`exporter did not start:\n${out}`);
    }
    await sleep(100);
  }
  return { child, url, output: () => out, stop };
}

/** Waits for `child` to exit: its exit code (null when a signal ended it), or 'timeout' after `ms`. */
export function waitForExit(child: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A child process serving HTTP on loopback. */
export interface ServedChild {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  base: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * Spawns `command args` (in `cwd`, with exactly `env`) and waits until
 * http://127.0.0.1:`port`/healthz answers 200. When the process exits first or 30 s pass, it is
 * killed and the error carries its output.
 */
export async function spawnUntilHealthy(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; port: number }): Promise<ServedChild> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const base = `http://127.0.0.1:${opts.port}`;
  for (const deadline = Date.now() + 30_000; ; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${out}`);
    const status = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { child, base, output: () => out };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`/healthz on port ${opts.port} did not answer 200 within 30 s (last: ${status || 'no answer'}):\n${out}`);
    }
  }
}
