/**
 * Integration harness: the built-in simulator and a real exporter HTTP server, both on
 * loopback port 0, with the exporter's log lines captured. Always call `stop()`.
 */
import { Writable } from 'node:stream';
import { parseConfigText } from '../../src/config';
import type { ExporterConfig, TargetSpec } from '../../src/config/types';
import { Exporter } from '../../src/exporter';
import { createApp } from '../../src/http/app';
import { startServer, type RunningServer } from '../../src/http/server';
import { createLogger } from '../../src/log';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import type { SimTarget, SimulatorOptions } from '../../src/simulator/types';
import type { Shard } from '../../src/scheduler/shard';
import { parseExposition, type ParsedExposition } from './exposition';
import { specOf } from './targets';

export interface Harness {
  sim: Simulator;
  exporter: Exporter;
  server: RunningServer;
  url: string;
  logs: string[];
  config: ExporterConfig;
  /** GET a path of the exporter; returns status, headers and body text. */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: string; headers: Headers }>;
  /** GET /metrics and parse it (asserting 200). */
  scrape(headers?: Record<string, string>): Promise<ParsedExposition>;
  stop(): Promise<void>;
}

/** An exporter config pointing at `sim`. */
/** Config fields a test may override; upstream fields one by one. */
export type ConfigOverrides = Partial<Omit<ExporterConfig, 'upstream'>> & { upstream?: Partial<ExporterConfig['upstream']> };

export function configFor(sim: Pick<Simulator, 'baseUrl'>, targets: TargetSpec[], overrides: ConfigOverrides = {}): ExporterConfig {
  const { upstream, ...rest } = overrides;
  // The loader supplies every default; the test's targets and overrides replace what it set.
  const { config: base } = parseConfigText(
    JSON.stringify({
      server: { listen: '127.0.0.1:0' },
      upstream: { base_url: sim.baseUrl, auth: { ...DEMO_CREDENTIALS, access_token: DEMO_ACCESS_TOKEN }, timeout: '3s', concurrency: 8, max_response_bytes: '4MiB' },
      cache: { ttl: '1m' },
      targets: [{ app_code: 'placeholder', environments: ['prod'] }],
    }),
    { file: '(test)' },
  );
  return { ...base, targets, ...rest, upstream: { ...base.upstream, ...upstream } };
}

export interface HarnessOptions {
  simTargets: SimTarget[];
  sim?: Omit<SimulatorOptions, 'targets'>;
  /** Defaults to one spec per simulator target. */
  targets?: TargetSpec[];
  config?: ConfigOverrides;
  shard?: Shard;
  reloadConfig?: () => ExporterConfig;
}

/** Starts a simulator and an exporter serving from it. */
export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const sim = await startSimulator({ ...opts.sim, targets: opts.simTargets });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger('debug', sink);
  const config = configFor(sim, opts.targets ?? opts.simTargets.map((t) => specOf(t)), opts.config);
  const exporter = new Exporter(config, { logger, shard: opts.shard, reloadConfig: opts.reloadConfig });
  const server = await startServer(createApp(exporter, { logger }), { host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${server.address.port}`;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { headers });
    return { status: res.status, body: await res.text(), headers: res.headers };
  };
  return {
    sim,
    exporter,
    server,
    url,
    logs,
    config,
    get,
    async scrape(headers = {}) {
      const res = await get('/metrics', headers);
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body}`);
      return parseExposition(res.body);
    },
    async stop() {
      await server.close(1_000);
      exporter.close();
      await sim.close();
    },
  };
}
