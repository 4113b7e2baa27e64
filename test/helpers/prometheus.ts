/**
 * A real Prometheus and promtool for tests (Debian's `prometheus` package, Prometheus 2.42).
 *
 * - `findBinary` locates `promtool` / `prometheus` and fails loudly, naming the package to
 *   install, when one is missing: a test that needs them never skips silently.
 * - `runPromtool` runs promtool and returns its exit code and output (it never throws on a
 *   non-zero exit: the caller asserts, and shows the output).
 * - `startPrometheus` starts a server on a free loopback port with a temporary data directory
 *   and a config built from `scrapeConfigs` / `ruleFiles` (1 s scrape and evaluation interval),
 *   waits until it is ready and returns a handle to query its HTTP API and to `stop()` it, which
 *   also removes the directory. Call `stop()` in `afterAll`; it is safe to call twice.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findTool, toolsDir, type ToolName } from '../../scripts/test-tools';
import { httpRequest, ServerExitedError, spawnServer, stopAndRemove, waitUntilReady, type ServerChild } from './childServer';
import { freePort } from './net';
import { sleep } from './sleep';

/** The message every "binary not found" error carries. */
export const INSTALL_HINT = 'run "node scripts/test-tools.js" (npm test does), which provisions Debian\'s prometheus and prometheus-alertmanager packages into .tools/';

/** The binaries of the prometheus and prometheus-alertmanager packages the tests use. */
export type PrometheusBinary = ToolName;

/**
 * Returns the absolute path of a test tool (`promtool`, `prometheus`, `alertmanager`, `amtool`),
 * looked up exactly as the provisioning script does (its override variable, the tools folder,
 * `$PATH`). Throws an Error saying how to provision it when it is missing. `env` is for tests of
 * this function.
 */
export function findBinary(name: PrometheusBinary, env: NodeJS.ProcessEnv = process.env): string {
  let found: string | undefined;
  try {
    found = findTool(name, env);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${INSTALL_HINT}`);
  }
  if (!found) throw new Error(`${name} not found in ${toolsDir(env)}/bin or on PATH: ${INSTALL_HINT}`);
  return found;
}

/** The outcome of one promtool run. */
export interface PromtoolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for assertion messages. */
  output: string;
}

/** Options of `runTool` and `runPromtool`. */
export interface RunToolOptions {
  cwd?: string;
  timeoutMs?: number;
  /** Written to the tool's stdin; otherwise stdin is empty. */
  input?: string;
}

/**
 * Runs `promtool args...` (in `cwd`) and returns its exit code and output. `input`, when given,
 * is written to promtool's stdin (`promtool check metrics` reads the exposition only from there).
 * Rejects only when promtool cannot be started or outlives `timeoutMs` (it is killed then).
 */
export function runPromtool(args: string[], options: RunToolOptions = {}): Promise<PromtoolResult> {
  return runTool('promtool', args, options);
}

/**
 * Runs a test tool (`promtool`, `amtool`, ...) with `args` and returns its exit code and output;
 * never rejects on a non-zero exit (the caller asserts, and shows the output). Rejects only when
 * the tool cannot be started or outlives `timeoutMs` (default 60 s; it is killed then).
 */
export function runTool(name: PrometheusBinary, args: string[], options: RunToolOptions = {}): Promise<PromtoolResult> {
  const binary = findBinary(name);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    // The tool may exit before reading everything (e.g. on a parse error): EPIPE is not our error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, output: `$ ${name} ${args.join(' ')}\n${stdout}${stderr}` });
    });
  });
}

/** One entry of `scrape_configs` (see Prometheus's configuration docs); passed through as is. */
export interface ScrapeConfig {
  job_name: string;
  [key: string]: unknown;
}

/** Where the Prometheus being started will listen; lets a scrape config point at itself. */
export interface SelfAddress {
  host: string;
  port: number;
  /** `host:port`, usable as a static target. */
  address: string;
}

/** Options of `startPrometheus`. */
export interface StartPrometheusOptions {
  /** `scrape_configs`, or a function of the server's own address (to scrape itself). Default none. */
  scrapeConfigs?: ScrapeConfig[] | ((self: SelfAddress) => ScrapeConfig[]);
  /** Rule files, referenced in place (made absolute). */
  ruleFiles?: string[];
  /** Default `1s`. */
  scrapeInterval?: string;
  /** Default: the scrape interval. */
  scrapeTimeout?: string;
  /** Default `1s`. */
  evaluationInterval?: string;
  /** Extra top-level config keys (e.g. `alerting`), merged over the generated ones. */
  extraConfig?: Record<string, unknown>;
  /** Files written into the server's temporary directory before start (e.g. file_sd targets), by relative name. */
  files?: Record<string, string>;
  /** Extra command-line flags. */
  args?: string[];
  /** How long to wait for `/-/ready`. Default 30 s. */
  readyTimeoutMs?: number;
}

/** Labels of a series. */
export type Labels = Record<string, string>;

/** A sample of an instant vector: labels and `[unix seconds, "value"]`. */
export interface VectorSample {
  metric: Labels;
  value: [number, string];
}

/** A series of a range query. */
export interface MatrixSeries {
  metric: Labels;
  values: Array<[number, string]>;
}

/** The `data` of a query answer. */
export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

/** A rule as `/api/v1/rules` reports it. */
export interface ApiRule {
  type: 'alerting' | 'recording';
  name: string;
  query: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  duration?: number;
  labels?: Labels;
  annotations?: Labels;
  state?: string;
  alerts?: ApiAlert[];
}

/** A rule group as `/api/v1/rules` reports it. */
export interface ApiRuleGroup {
  name: string;
  file: string;
  interval: number;
  rules: ApiRule[];
}

/** An alert as `/api/v1/alerts` reports it. */
export interface ApiAlert {
  labels: Labels;
  annotations: Labels;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value: string;
}

/** A scrape target as `/api/v1/targets` reports it. */
export interface ApiTarget {
  labels: Labels;
  discoveredLabels: Labels;
  scrapePool: string;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
}

/** An error answer of the HTTP API (`status: "error"`), or an HTTP failure. */
export class PrometheusApiError extends Error {
  override readonly name = 'PrometheusApiError';
  constructor(
    readonly path: string,
    readonly httpStatus: number,
    /** Prometheus's `errorType`, e.g. `bad_data` for a PromQL parse error. */
    readonly errorType: string,
    readonly error: string,
  ) {
    super(`GET ${path}: HTTP ${httpStatus} ${errorType}: ${error}`);
  }
}

/** A running Prometheus. */
export interface PrometheusServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The temporary directory (config, data, `files`); removed by `stop()`. */
  readonly dir: string;
  readonly configFile: string;
  /** The generated configuration. */
  readonly config: Record<string, unknown>;
  /** The server's output so far (the last 256 KiB), for assertion messages. */
  logs(): string;
  /** Instant query; `time` as a Date or unix seconds (default now). Throws PrometheusApiError. */
  query(expr: string, time?: Date | number): Promise<QueryData>;
  /** Instant query that must return a vector; returns its samples. */
  queryVector(expr: string, time?: Date | number): Promise<VectorSample[]>;
  /** Range query over [start, end] (Dates or unix seconds) with `step` seconds. */
  queryRange(expr: string, start: Date | number, end: Date | number, step: number): Promise<QueryData>;
  /** Series matching any of the selectors. */
  series(match: string[], start?: Date | number, end?: Date | number): Promise<Labels[]>;
  /** Values of `label`, optionally of the series matching `match`. */
  labelValues(label: string, match?: string[]): Promise<string[]>;
  rules(): Promise<ApiRuleGroup[]>;
  alerts(): Promise<ApiAlert[]>;
  targets(): Promise<{ activeTargets: ApiTarget[]; droppedTargets: unknown[] }>;
  /** Reloads the config file (`POST /-/reload`; the server runs with --web.enable-lifecycle). */
  reload(): Promise<void>;
  /** Polls `probe` every 200 ms until it returns a truthy value, which is returned; throws after `timeoutMs` (default 20 s) naming `what`. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs?: number): Promise<T>;
  /** Waits until every active target has been scraped and is up; returns them. */
  waitForTargetsUp(timeoutMs?: number): Promise<ApiTarget[]>;
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

function toUnixSeconds(t: Date | number): string {
  return String(t instanceof Date ? t.getTime() / 1000 : t);
}

/**
 * Starts Prometheus on a free loopback port with a fresh temporary directory, waits until it is
 * ready, and returns a handle. On any failure the process is stopped, the directory removed, and
 * the error carries the server's output. Retries twice when the port was taken meanwhile.
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const binary = findBinary('prometheus');
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortTakenError)) throw err;
    }
  }
  throw lastError;
}

/**
 * Starts a Prometheus (`options` as for startPrometheus) before the tests of the enclosing
 * `describe` and stops it after them; returns a getter for it (throws when it did not start).
 */
export function usePrometheus(options: StartPrometheusOptions = {}): () => PrometheusServer {
  let server: PrometheusServer | undefined;
  beforeAll(async () => {
    server = await startPrometheus(options);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('Prometheus did not start (see beforeAll)');
    return server;
  };
}

class PortTakenError extends Error {}

async function startOnce(binary: string, options: StartPrometheusOptions): Promise<PrometheusServer> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const self: SelfAddress = { host, port, address: `${host}:${port}` };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bkpaas-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  const scrapeConfigs =
    typeof options.scrapeConfigs === 'function' ? options.scrapeConfigs(self) : (options.scrapeConfigs ?? []);
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: options.scrapeInterval ?? '1s',
      scrape_timeout: options.scrapeTimeout ?? options.scrapeInterval ?? '1s',
      evaluation_interval: options.evaluationInterval ?? '1s',
    },
    rule_files: (options.ruleFiles ?? []).map((f) => path.resolve(f)),
    scrape_configs: scrapeConfigs,
    ...options.extraConfig,
  };

  let server: ServerChild | undefined;
  const stop = stopAndRemove(() => server, dir);

  try {
    // JSON is YAML: no serializer needed, and no YAML quoting surprises.
    await writeFile(configFile, JSON.stringify(config, null, 2));
    for (const [name, content] of Object.entries(options.files ?? {})) {
      await writeFile(path.join(dir, name), content);
    }
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${self.address}`,
      '--web.enable-lifecycle',
      ...(options.args ?? []),
    ];
    server = spawnServer(binary, args, dir);
    const url = `http://${self.address}`;
    try {
      await waitUntilReady(server, 'prometheus', `${url}/-/ready`, options.readyTimeoutMs ?? 30_000);
    } catch (err) {
      if (err instanceof ServerExitedError && /address already in use/i.test(err.output)) throw new PortTakenError(`prometheus: port ${port} taken`);
      throw err;
    }
    const logs = server.logs;
    return makeHandle({ url, port, dir, configFile, config, logs, stop });
  } catch (err) {
    await stop();
    throw err;
  }
}

function makeHandle(base: {
  url: string;
  port: number;
  dir: string;
  configFile: string;
  config: Record<string, unknown>;
  logs: () => string;
  stop: () => Promise<void>;
}): PrometheusServer {
  const api = async <T>(apiPath: string, params: Array<[string, string]> = []): Promise<T> => {
    const query = new URLSearchParams(params).toString();
    const full = `${apiPath}${query ? `?${query}` : ''}`;
    const reply = await httpRequest(`${base.url}${full}`);
    let parsed: { status?: string; data?: T; errorType?: string; error?: string };
    try {
      parsed = JSON.parse(reply.body) as typeof parsed;
    } catch {
      throw new PrometheusApiError(full, reply.status, 'invalid_json', reply.body.slice(0, 500));
    }
    if (reply.status !== 200 || parsed.status !== 'success') {
      throw new PrometheusApiError(full, reply.status, parsed.errorType ?? 'unknown', parsed.error ?? reply.body.slice(0, 500));
    }
    return parsed.data as T;
  };

  const handle: PrometheusServer = {
    ...base,
    query: (expr, time) =>
      api<QueryData>('/api/v1/query', [['query', expr], ...(time === undefined ? [] : [['time', toUnixSeconds(time)] as [string, string]])]),
    async queryVector(expr, time) {
      const data = await handle.query(expr, time);
      if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got ${data.resultType}`);
      return data.result;
    },
    queryRange: (expr, start, end, step) =>
      api<QueryData>('/api/v1/query_range', [
        ['query', expr],
        ['start', toUnixSeconds(start)],
        ['end', toUnixSeconds(end)],
        ['step', String(step)],
      ]),
    series: (match, start, end) =>
      api<Labels[]>('/api/v1/series', [
        ...match.map((m): [string, string] => ['match[]', m]),
        ...(start === undefined ? [] : [['start', toUnixSeconds(start)] as [string, string]]),
        ...(end === undefined ? [] : [['end', toUnixSeconds(end)] as [string, string]]),
      ]),
    labelValues: (label, match = []) =>
      api<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values`, match.map((m): [string, string] => ['match[]', m])),
    rules: async () => (await api<{ groups: ApiRuleGroup[] }>('/api/v1/rules')).groups,
    alerts: async () => (await api<{ alerts: ApiAlert[] }>('/api/v1/alerts')).alerts,
    targets: () => api<{ activeTargets: ApiTarget[]; droppedTargets: unknown[] }>('/api/v1/targets'),
    async reload() {
      const reply = await httpRequest(`${base.url}/-/reload`, { method: 'POST' });
      if (reply.status !== 200) throw new PrometheusApiError('/-/reload', reply.status, 'reload_failed', reply.body);
    },
    async waitFor(what, probe, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      for (;;) {
        try {
          const value = await probe();
          if (value) return value;
        } catch (err) {
          lastError = err;
        }
        if (Date.now() > deadline) {
          const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
        }
        await sleep(200);
      }
    },
    waitForTargetsUp(timeoutMs) {
      return handle.waitFor(
        'every scrape target to be up',
        async () => {
          const { activeTargets } = await handle.targets();
          return activeTargets.length > 0 && activeTargets.every((t) => t.health === 'up') ? activeTargets : undefined;
        },
        timeoutMs,
      );
    },
  };
  return handle;
}
