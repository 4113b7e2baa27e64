/**
 * Soak: `npm run soak -- --minutes N` (not part of CI).
 *
 * Runs the exporter (bench/soakChild.ts, a process of its own) against the built-in simulator
 * for N minutes while scrapers hit /metrics and /probe without pause and every fault mode
 * rotates across the targets (simulator setScenario): hangs, trickles, resets, huge bodies,
 * 429s, redirects, hostile names... Every 5 s it samples the exporter's heap and RSS (after a full
 * GC), its active handles (process._getActiveHandles()) and the series count of /metrics. At the
 * end it compares the first and the last fifth of the run after warm-up and fails (exit 1) when
 * any of them grew by more than 20 %: memory, sockets or series growing without bound.
 *
 * Options: --minutes N (default 3), --targets N (default 62), --rotate-seconds S (default 15),
 * --out FILE (also write the markdown report there).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ExporterConfig } from '../src/config/types';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator } from '../src/simulator';
import type { Scenario, SimTarget } from '../src/simulator/types';
import type { ChildStats } from './soakChild';

const ROTATION: Scenario[] = [
  'healthy', 'hang', 'cnative', 'trickle', 'rollout', 'reset', 'crashloop', 'huge', 'failed', 'drop',
  'stopped', 'rate_limited', 'empty', 'redirect', 'flaky', 'server_error', 'bad_gateway', 'service_unavailable',
  'gateway_timeout', 'slow', 'non_json', 'wrong_shape', 'null_lists', 'bad_versions', 'hostile_names',
  'bad_request', 'unauthorized', 'forbidden', 'not_found', 'echo_headers', 'bad_gzip', 'huge_header',
  'negative_counts', 'fractional_counts', 'healthy',
];
const GROWTH_LIMIT = 0.2;
const SAMPLE_MS = 5_000;

interface Sample extends ChildStats {
  at: number;
  /** Series of /metrics other than the fetch-error counters. */
  series: number;
  /** bkpaas_target_fetch_errors_total series: one per target and reason seen, at most targets x 8. */
  errorSeries: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends `msg` to the exporter process and resolves with its reply of kind `reply`; rejects if it dies. */
function request(child: ChildProcess, msg: object, reply: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the exporter process exited (${code}) during the soak`));
    const on = (m: Record<string, unknown>) => {
      if (m.kind !== reply) return;
      child.off('message', on);
      child.off('exit', onExit);
      resolve(m);
    };
    child.on('message', on);
    child.once('exit', onExit);
    child.send(msg);
  });
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '3' },
      targets: { type: 'string', default: String(ROTATION.length * 2) },
      'rotate-seconds': { type: 'string', default: '15' },
      out: { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  const nTargets = Number(values.targets);
  const rotateMs = Number(values['rotate-seconds']) * 1000;
  if (!(minutes > 0) || !(nTargets > 0) || !(rotateMs > 0)) throw new Error('--minutes, --targets and --rotate-seconds must be positive numbers');
  const durationMs = minutes * 60_000;

  const targets: SimTarget[] = Array.from({ length: nTargets }, (_, i) => ({
    app_code: `soak-${String(i).padStart(3, '0')}`,
    module_name: i % 3 === 0 ? 'api' : 'default',
    environment: i % 2 ? 'stag' : 'prod',
    scenario: ROTATION[i % ROTATION.length],
    processTypes: ['web', 'worker', 'beat'].slice(0, 1 + (i % 3)),
    instancesPerType: 1 + (i % 4),
    retryAfterSeconds: 3,
  }));
  const sim = await startSimulator({ targets, latencyMs: 10, maxLoggedRequests: 1_000 });
  const config: ExporterConfig = {
    server: { listen: { host: '127.0.0.1', port: 0 } },
    cache: { ttl_ms: 2_000 },
    targets: targets.map((t) => ({ app_code: t.app_code, module_name: t.module_name, environment: t.environment, labels: { soak: 'yes' }, source: 'soak' })),
    instance_metrics: true,
    discovery: {
      enabled: false,
      refresh_interval_ms: 300_000,
      environments: ['prod'],
      include_apps: [],
      exclude_apps: [],
      include_modules: [],
      exclude_modules: [],
      labels: {},
    },
    metrics: { allow: [], deny: [] },
    upstream: {
      base_url: sim.baseUrl,
      auth: { ...DEMO_CREDENTIALS, access_token: DEMO_ACCESS_TOKEN },
      tenant_id: '',
      timeout_ms: 1_500,
      concurrency: 8,
      max_response_bytes: 4 * 1024 * 1024,
      max_retry_after_ms: 300_000,
    },
  };

  const child = fork(path.join(__dirname, 'soakChild.js'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = (await request(child, { kind: 'start', config }, 'started')) as { port: number };
  const url = `http://127.0.0.1:${port}`;
  process.stderr.write(`soak: ${minutes} min, ${nTargets} targets, ${ROTATION.length} scenarios rotating every ${rotateMs / 1000} s, exporter pid ${child.pid}\n`);

  const started = Date.now();
  const end = started + durationMs;
  let series = 0;
  let errorSeries = 0;
  let scrapes = 0;
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  let failures = 0;

  const scraper = async (n: number) => {
    for (let i = 0; Date.now() < end; i++) {
      const t = targets[(n * 7 + i) % targets.length];
      const probe = i % 2 === 1;
      const p = probe ? `/probe?app_code=${t.app_code}&module_name=${t.module_name}&environment=${t.environment}` : '/metrics';
      const t0 = Date.now();
      try {
        const res = await fetch(url + p, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '3' } });
        const body = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (!probe && res.status === 200) {
          const all = body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
          errorSeries = all.filter((l) => l.startsWith('bkpaas_target_fetch_errors_total{')).length;
          series = all.length - errorSeries;
        }
      } catch {
        failures += 1;
      }
      latencies.push(Date.now() - t0);
      scrapes += 1;
      await sleep(200);
    }
  };

  let step = 0;
  const rotator = setInterval(() => {
    step += 1;
    targets.forEach((t, i) => sim.setScenario(t.app_code, t.module_name, t.environment, ROTATION[(i + step) % ROTATION.length]));
  }, rotateMs);

  const samples: Sample[] = [];
  const sampler = (async () => {
    while (Date.now() < end) {
      await sleep(Math.min(SAMPLE_MS, Math.max(0, end - Date.now())));
      const { stats } = (await request(child, { kind: 'stats' }, 'stats')) as unknown as { stats: ChildStats };
      samples.push({ ...stats, at: Date.now() - started, series, errorSeries });
      const last = samples[samples.length - 1];
      process.stderr.write(
        `  t=${Math.round(last.at / 1000)}s heap=${(last.heapUsed / 2 ** 20).toFixed(1)}MB rss=${(last.rss / 2 ** 20).toFixed(1)}MB handles=${last.handles} series=${last.series}+${last.errorSeries} scrapes=${scrapes}\n`,
      );
    }
  })();

  await Promise.all([...Array.from({ length: 4 }, (_, n) => scraper(n)), sampler]);
  clearInterval(rotator);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.send({ kind: 'stop' });
  const exitCode = await Promise.race([exited, sleep(5_000).then(() => 'timeout' as const)]);
  if (exitCode !== 0) {
    child.kill('SIGKILL');
    throw new Error(`the exporter process did not stop cleanly: ${exitCode}`);
  }
  const upstreamRequests = sim.countRequests();
  await sim.close();

  // Warm-up: the first fifth of the run, at least 30 s. Then compare its first and last fifths.
  const warmupMs = Math.max(30_000, durationMs / 5);
  const after = samples.filter((s) => s.at >= warmupMs);
  const k = Math.max(1, Math.floor(after.length / 5));
  const first = after.slice(0, k);
  const last = after.slice(-k);
  const rows: Array<{ name: string; unit: string; pick: (s: Sample) => number; slack: number }> = [
    { name: 'heap used (after GC)', unit: 'MB', pick: (s) => s.heapUsed / 2 ** 20, slack: 2 },
    { name: 'RSS', unit: 'MB', pick: (s) => s.rss / 2 ** 20, slack: 8 },
    { name: 'active handles', unit: '', pick: (s) => s.handles, slack: 3 },
    { name: 'series in /metrics (without fetch-error counters)', unit: '', pick: (s) => s.series, slack: 0 },
  ];
  const fmt = (v: number, unit: string) => (unit ? `${v.toFixed(1)} ${unit}` : String(Math.round(v)));
  let failed = false;
  const lines = [
    `| measure | start (after warm-up) | end | min | max | growth | verdict |`,
    `|---|---|---|---|---|---|---|`,
  ];
  for (const r of rows) {
    const a = mean(first.map(r.pick));
    const b = mean(last.map(r.pick));
    const all = after.map(r.pick);
    const growth = a > 0 ? (b - a) / a : 0;
    const ok = b <= a * (1 + GROWTH_LIMIT) + r.slack;
    if (!ok) failed = true;
    lines.push(
      `| ${r.name} | ${fmt(a, r.unit)} | ${fmt(b, r.unit)} | ${fmt(Math.min(...all), r.unit)} | ${fmt(Math.max(...all), r.unit)} | ${(growth * 100).toFixed(1)} % | ${ok ? 'ok' : 'GROWS'} |`,
    );
  }
  // Fetch-error counters only ever gain a series when a target meets a reason for the first time:
  // they are bounded by targets x reasons, not by a growth rate.
  const errorBound = nTargets * 8;
  const errorMax = Math.max(0, ...samples.map((s) => s.errorSeries));
  const errorsOk = errorMax <= errorBound;
  if (!errorsOk) failed = true;
  lines.push(
    `| fetch-error counter series | ${Math.round(mean(first.map((s) => s.errorSeries)))} | ${Math.round(mean(last.map((s) => s.errorSeries)))} | ${Math.min(...after.map((s) => s.errorSeries))} | ${errorMax} | bound ${errorBound} (targets x 8 reasons) | ${errorsOk ? 'ok' : 'GROWS'} |`,
  );
  const logLines = samples.length ? samples[samples.length - 1].logLines : 0;
  const statusText = [...statuses.entries()].sort().map(([s, n]) => `${s}: ${n}`).join(', ');
  const report = [
    `Soak of ${minutes} min (${new Date(started).toISOString()}), Node ${process.version}: ${nTargets} targets, ${ROTATION.length} scenarios rotating every ${rotateMs / 1000} s, cache.ttl 2s, upstream.timeout 1.5s, 4 scrapers (/metrics and /probe, 200 ms apart).`,
    `Warm-up ${Math.round(warmupMs / 1000)} s; start = mean of the first ${k} samples after it, end = mean of the last ${k} (one sample per 5 s); limit +${GROWTH_LIMIT * 100} %.`,
    '',
    ...lines,
    '',
    `Scrapes: ${scrapes} (${statusText}; ${failures} failed to connect), p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms; upstream requests: ${upstreamRequests}; exporter log lines: ${logLines} (${(logLines / minutes).toFixed(0)} per minute).`,
    `Verdict: ${failed ? 'FAIL — something grows without bound' : 'PASS — nothing grows'}.`,
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (values.out) writeFileSync(values.out, `${report}\n`);
  return failed || failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
