/**
 * The benchmark's child processes: the built-in simulator (`dist/simulator/cli.js`) and the real
 * exporter (`dist/main.js` with a config file in a temporary directory), each its own process
 * with its own CPU, both on loopback. Every child is stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SimTarget } from '../../src/simulator/types';

/** The repository root: the nearest directory above this file with a package.json (from src or dist-bench). */
export const REPO_ROOT = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
})();

/**
 * The node options the image runs the exporter with, as separate flags: the Dockerfile's
 * `ENV NODE_OPTIONS="..."`, then the flags its exec-form ENTRYPOINT passes to node before the
 * script (those node refuses in NODE_OPTIONS). The benchmark measures the exporter as it is shipped.
 */
export function imageNodeOptions(dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')): string[] {
  const m = /^ENV\s+NODE_OPTIONS="([^"]*)"\s*$/m.exec(dockerfile);
  if (!m) throw new Error('the Dockerfile sets no ENV NODE_OPTIONS="..." (the benchmark runs the exporter with the image\'s node options)');
  return [...m[1].split(/\s+/).filter(Boolean), ...entrypointNodeFlags(dockerfile)];
}

/** The flags between `node` and the script in the Dockerfile's last exec-form ENTRYPOINT; none without one. */
function entrypointNodeFlags(dockerfile: string): string[] {
  const lines = dockerfile.split('\n').filter((l) => /^ENTRYPOINT\s+\[/.test(l));
  if (lines.length === 0) return [];
  const args = JSON.parse(lines[lines.length - 1].replace(/^ENTRYPOINT\s+/, '')) as string[];
  const node = args.indexOf('node');
  if (node < 0) return [];
  const flags: string[] = [];
  for (const a of args.slice(node + 1)) {
    if (!a.startsWith('-')) break;
    flags.push(a);
  }
  return flags;
}

/** A child process with its last output lines kept for error messages. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** The last lines of stderr. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

function track(proc: ChildProcess, name: string): Child {
  const lines: string[] = [];
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    for (const l of d.split('\n')) if (l) lines.push(l);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc,
    pid: proc.pid!,
    tail: () => `${name} (pid ${proc.pid}) stderr:\n  ${lines.slice(-15).join('\n  ')}`,
    stop: async (graceMs = 5000) => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Waits for the first line of a stream that `match` accepts (returns its result). */
function waitForLine<T>(child: ChildProcess, stream: 'stdout' | 'stderr', match: (line: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const s = child[stream]!;
    s.setEncoding('utf8');
    const timer = setTimeout(() => done(new Error(`${what}: no ready line within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const r = match(line);
        if (r !== undefined) return done(undefined, r);
      }
    };
    const onExit = (code: number | null) => done(new Error(`${what} exited (code ${code}) before it was ready`));
    const done = (err?: Error, value?: T) => {
      clearTimeout(timer);
      s.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    };
    s.on('data', onData);
    child.once('exit', onExit);
  });
}

export interface SimulatorInfo {
  base_url: string;
  origin: string;
  bk_app_code: string;
  bk_app_secret: string;
  access_token: string;
  targets: number;
}

/** The simulator's request counts (`GET <origin>/__sim/stats`). */
export interface SimStats {
  processes_requests: number;
  per_target: Record<string, number>;
}

/** Starts `node dist/simulator/cli.js --targets N --latency MS` and reads its JSON ready line. */
export async function startSimulatorProcess(targets: number, latencyMs: number): Promise<{ child: Child; info: SimulatorInfo }> {
  const proc = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'dist', 'simulator', 'cli.js'), '--port', '0', '--targets', String(targets), '--latency', String(latencyMs), '--max-logged', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const child = track(proc, 'simulator');
  try {
    const info = await waitForLine(proc, 'stdout', (l) => (l.startsWith('{') ? (JSON.parse(l) as SimulatorInfo) : undefined), 30_000, 'simulator');
    return { child, info };
  } catch (err) {
    await child.stop();
    throw new Error(`${(err as Error).message}\n${child.tail()}`);
  }
}

export interface ExporterSettings {
  sim: SimulatorInfo;
  targets: readonly SimTarget[];
  concurrency: number;
  ttlSeconds: number;
  shard?: { index: number; total: number };
  /** Flags for node itself, e.g. ["--max-old-space-size=192"] as a container's NODE_OPTIONS would set. */
  nodeFlags?: readonly string[];
}

/**
 * The exporter config for a fleet: one entry per app with all four module × environment pairs,
 * one entry per target otherwise.
 */
export function configYaml(s: Omit<ExporterSettings, 'shard' | 'nodeFlags'>): string {
  const byApp = new Map<string, SimTarget[]>();
  for (const t of s.targets) byApp.set(t.app_code, [...(byApp.get(t.app_code) ?? []), t]);
  const lines = [
    'server:',
    '  listen: "127.0.0.1:0"',
    'upstream:',
    `  base_url: ${JSON.stringify(s.sim.base_url)}`,
    '  auth:',
    `    bk_app_code: ${JSON.stringify(s.sim.bk_app_code)}`,
    `    bk_app_secret: ${JSON.stringify(s.sim.bk_app_secret)}`,
    `    access_token: ${JSON.stringify(s.sim.access_token)}`,
    `  concurrency: ${s.concurrency}`,
    'cache:',
    `  ttl: ${s.ttlSeconds}s`,
    'targets:',
  ];
  for (const [app, ts] of byApp) {
    const modules = [...new Set(ts.map((t) => t.module_name))];
    const envs = [...new Set(ts.map((t) => t.environment))];
    if (modules.length * envs.length === ts.length) {
      lines.push(`  - {app_code: ${app}, modules: [${modules.join(', ')}], environments: [${envs.join(', ')}]}`);
    } else {
      for (const t of ts) lines.push(`  - {app_code: ${app}, modules: [${t.module_name}], environments: [${t.environment}]}`);
    }
  }
  return lines.join('\n') + '\n';
}

export interface ExporterProcess {
  child: Child;
  url: string;
  /** Rewrites the config file with another cache.ttl and reloads it (POST /-/reload). */
  setTtl(ttlSeconds: number): Promise<void>;
  /** Peak and current resident set size in bytes (Linux /proc), undefined elsewhere. */
  memory(): { peakRss?: number; rss?: number };
  stop(): Promise<void>;
}

/** Writes the config to a temporary directory and starts `node dist/main.js --config FILE`. */
export async function startExporterProcess(s: ExporterSettings): Promise<ExporterProcess> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bkpaas-bench-'));
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, configYaml(s));
  const args = [...(s.nodeFlags ?? []), path.join(REPO_ROOT, 'dist', 'main.js'), '--config', file, '--listen', '127.0.0.1:0', '--log-level', 'info'];
  if (s.shard) args.push('--shard', String(s.shard.index), '--total-shards', String(s.shard.total));
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const child = track(proc, `exporter${s.shard ? ` shard ${s.shard.index}/${s.shard.total}` : ''}`);
  let address: string;
  try {
    address = await waitForLine(
      proc,
      'stderr',
      (l) => {
        if (!l.startsWith('{')) return undefined;
        const entry = JSON.parse(l) as { msg?: string; address?: string };
        return entry.msg === 'bkpaas-exporter listening' ? entry.address : undefined;
      },
      120_000,
      'exporter',
    );
  } catch (err) {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${child.tail()}`);
  }
  const url = `http://${address}`;
  return {
    child,
    url,
    setTtl: async (ttlSeconds) => {
      await writeFile(file, configYaml({ ...s, ttlSeconds }));
      const status = await post(`${url}/-/reload`);
      if (status !== 200) throw new Error(`POST /-/reload answered ${status}\n${child.tail()}`);
    },
    memory: () => procMemory(child.pid),
    stop: async () => {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function post(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** VmHWM (peak RSS) and VmRSS of a process, from /proc; {} where that is not available. */
export function procMemory(pid: number): { peakRss?: number; rss?: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return {};
  }
}
