/**
 * The large-fleet run (`npm run bench -- --targets 20000`): can one process keep every target
 * within a 30 s ttl, and what does that cost? Two exporter processes on one simulator:
 *
 * 1. ttl 3600 s: the cold scrape, warm scrapes (identity and gzip, /healthz probed meanwhile),
 *    and refreshes with every target due, for the CPU per target and refresh.
 * 2. ttl 30 s, fresh: two scrapers asking for gzip every second (an HA pair at a 1 s interval)
 *    for three ttl, and every 5 s a third scrape whose body gives each target's last success:
 *    the oldest data served, which must stay within the ttl; every target must be fetched exactly
 *    once per ttl.
 *
 * Peak RSS (VmHWM) is the larger of the two processes'; the event-loop lag is the largest
 * `nodejs_eventloop_lag_max_seconds` read from the scrapes' heads (prom-client resets it at
 * every collection, so the scrapes together cover the run). The helpers that the default runs
 * use too are passed in by bench.ts.
 */
import { gunzipSync } from 'node:zlib';
import type { SimTarget } from '../../src/simulator/types';
import type { BareClientResult } from './bareClient';
import { scrape, scrapeAgent, startProber, type ScrapeResult } from './client';
import { processCpuMs } from './cpu';
import { refreshCycles, type RefreshCycles } from './refreshCycles';
import { countSeries, gaugeValue, lastSuccessIn, targetsIn } from './exposition';
import type { ExporterProcess, SimStats } from './processes';
import { dist, fmtBytes, fmtMs, fmtRatio, groupDigits, median, type Distribution } from './stats';
import { renderTable } from './table';

/** Target counts from here on get this run instead of the default one. */
export const LARGE_TARGETS = 10_000;

/** Issue 16's goals at 20 000 targets. */
export const LARGE_GOALS = {
  ttlSeconds: 30,
  /** "600 MB", read strictly: 600 × 10⁶ bytes. */
  peakRssBytes: 600e6,
  loopLagMs: 100,
  warmGzipMs: 250,
  /** The oldest data a scrape may serve: the ttl, plus the 1 s between two scrapes that notice it is due. */
  maxAgeSlackSeconds: 1,
};

/** Upstream concurrency of the large run: at least this, so that a refresh fits in half the ttl at 50 ms. */
export const LARGE_MIN_CONCURRENCY = 64;

/** What the large run needs from the benchmark around it (bench.ts). */
export interface LargeFleetHarness {
  fleet: readonly SimTarget[];
  latencyMs: number;
  concurrency: number;
  scrapes: number;
  progress(message: string): void;
  startExporter(ttlSeconds: number, concurrency: number): Promise<ExporterProcess>;
  runBareClient(concurrency: number, warmPass: boolean): Promise<BareClientResult>;
  checkComplete(what: string, r: ScrapeResult, n: number): void;
  stats(): Promise<SimStats>;
  /** The simulator's stats once no request has arrived for a while. */
  quiesce(): Promise<SimStats>;
  /** Turns the simulator's change-every-answer mode on or off. */
  changeEveryAnswer(on: boolean): Promise<void>;
}

export interface LargeRun {
  targets: number;
  concurrency: number;
  latencyMs: number;
  series: number;
  bytes: number;
  cold: { ms: number; floorMs: number; ratio: number; bareMs: number; bareRatio: number };
  refresh: {
    samples: number[];
    cpuMsPerTarget: number;
    cpuSamples: number[];
    bareCpuMsPerRequest: number;
    bareWarmCpuMsPerRequest?: number;
    cpuRatio: number;
    /** The same refreshes with every answer changed (each parsed and rendered again). */
    changed: { samples: number[]; cpuMsPerTarget: number; cpuSamples: number[]; cpuRatio: number };
  };
  warm: { identity: Distribution; gzip: Distribution & { bytes: number }; healthz: Distribution };
  ttl: {
    ttlSeconds: number;
    windowSeconds: number;
    scrapes: number;
    /** Age samples taken (each a whole body) and the largest age seen, in seconds. */
    ageSamples: number;
    maxAgeSeconds: number;
    perTarget: { min: number; max: number };
    exact: boolean;
    /** The process's CPU over the window per target and ttl (steady state, scrapes included). */
    cpuMsPerTargetPerTtl: number;
    within: boolean;
  };
  loopLagMaxMs: number;
  /**
   * The largest lag seen in each part of the run, ms: where a miss comes from. `reload` is the
   * first refresh scrape's reading, which covers the reload that set the ttl to 1 s as well.
   */
  loopLagMaxByPart: { warm: number; reload: number; refresh: number; changed: number; ttl: number };
  peakRss?: number;
  /** VmHWM of each process: the first (cold, warm scrapes, refreshes) and the second (ttl phase). */
  peakRssByProcess: { first?: number; ttl?: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The exporter's CPU time so far (every thread), ms; NaN without /proc. */
const cpuOf = (ex: ExporterProcess) => processCpuMs(ex.child.pid) ?? NaN;

/** A refresh scrape's lag reading (lagMs); throws unless it answered 200. */
function refreshLagMs(r: ScrapeResult): number {
  if (r.status !== 200) throw new Error(`large run: refresh scrape answered ${r.status}`);
  return lagMs(r);
}

/** The lag maximum at the head of a scrape, in ms (prom-client's since its previous collection). */
function lagMs(r: ScrapeResult): number {
  return (gaugeValue(r.head, 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000;
}

/** Runs both phases for the harness's fleet. */
export async function runLargeFleet(h: LargeFleetHarness): Promise<LargeRun> {
  const n = h.fleet.length;
  const keys = h.fleet.map((t) => `${t.app_code}/${t.module_name}/${t.environment}`);
  const floorMs = Math.ceil(n / h.concurrency) * h.latencyMs;
  const lags = { warm: [] as number[], reload: [] as number[], refresh: [] as number[], changed: [] as number[], ttl: [] as number[] };

  const a = await h.startExporter(3600, h.concurrency);
  let phase1: Omit<LargeRun, 'cold' | 'refresh' | 'ttl' | 'loopLagMaxMs' | 'loopLagMaxByPart' | 'peakRss' | 'peakRssByProcess' | 'targets' | 'concurrency' | 'latencyMs'> & {
    coldMs: number;
    same: RefreshCycles;
    changed: RefreshCycles;
  };
  let peakRss: number | undefined;
  try {
    const agent = scrapeAgent();
    const url = `${a.url}/metrics`;
    h.progress(`N=${n}: large run, cold scrape (concurrency ${h.concurrency})`);
    const s0 = await h.stats();
    const cold = await scrape(url, { agent, timeoutSeconds: 3600, keepBody: true });
    h.checkComplete('cold scrape', cold, n);
    if ((await h.stats()).processes_requests - s0.processes_requests !== n) throw new Error('large run: the cold scrape did not ask every target exactly once');
    const body = cold.body!.toString('utf8');
    const series = countSeries(body);

    h.progress(`N=${n}: large run, warm scrapes, identity and gzip × ${h.scrapes}`);
    const prober = startProber(`${a.url}/healthz`);
    // This scrape's collection takes the lag of the start-up and the cold scrape: not counted.
    await scrape(url, { agent, timeoutSeconds: 10 });
    await prober.take();
    const identity: number[] = [];
    for (let i = 0; i < h.scrapes; i++) {
      const r = await scrape(url, { agent, timeoutSeconds: 10 });
      identity.push(r.ms);
      lags.warm.push(lagMs(r));
    }
    // The first gzip scrape compresses the targets' part (once per change): left out, as in the default runs.
    await scrape(url, { agent, timeoutSeconds: 10, gzip: true });
    const gzip: number[] = [];
    let gzipBytes = 0;
    for (let i = 0; i < h.scrapes; i++) {
      const r = await scrape(url, { agent, timeoutSeconds: 10, gzip: true });
      gzip.push(r.ms);
      gzipBytes = r.bytes;
      lags.warm.push(lagMs(r));
    }
    const healthz = await prober.stop();

    h.progress(`N=${n}: large run, 1 + 2 refresh scrapes (every target due, the process warm; the first not counted)`);
    await a.setTtl(1);
    await sleep(1100);
    lags.reload.push(refreshLagMs(await scrape(url, { agent, timeoutSeconds: 3600 })));
    // Answers the same as the last (resource versions move, as a cluster's do), then every answer changed.
    const cycles = (lags: number[]) => ({ url, agent, cycles: 2, targets: n, cpuMs: () => cpuOf(a), check: (r: ScrapeResult) => lags.push(refreshLagMs(r)) });
    const same = await refreshCycles(cycles(lags.refresh));
    h.progress(`N=${n}: large run, 1 + 2 refresh scrapes with every answer changed (the first not counted)`);
    await h.changeEveryAnswer(true);
    await sleep(1100);
    refreshLagMs(await scrape(url, { agent, timeoutSeconds: 3600 }));
    const changed = await refreshCycles(cycles(lags.changed));
    await h.changeEveryAnswer(false);
    agent.destroy();
    peakRss = a.memory().peakRss;
    phase1 = {
      series,
      bytes: cold.bytes,
      coldMs: cold.ms,
      same,
      changed,
      warm: { identity: dist(identity), gzip: { ...dist(gzip), bytes: gzipBytes }, healthz: dist(healthz) },
    };
  } finally {
    await a.stop();
  }

  h.progress(`N=${n}: large run, bare node:http client (a fresh process, every target twice)`);
  const bare = await h.runBareClient(h.concurrency, true);
  const bareCpu = bare.cpuMs / bare.requests;

  const ttl = await keepWithinTtl(h, keys, lags.ttl);
  const peakRssByProcess = { first: peakRss, ttl: ttl.peakRss };
  peakRss = Math.max(peakRss ?? 0, ttl.peakRss ?? 0) || undefined;
  const maxLag = (l: number[]) => Math.max(...l.filter(Number.isFinite));
  const cpuSamples = phase1.same.cpuSamples;
  const changedSamples = phase1.changed.cpuSamples;
  const cpuMsPerTarget = median(cpuSamples);
  return {
    targets: n,
    concurrency: h.concurrency,
    latencyMs: h.latencyMs,
    series: phase1.series,
    bytes: phase1.bytes,
    cold: { ms: phase1.coldMs, floorMs, ratio: phase1.coldMs / floorMs, bareMs: bare.ms, bareRatio: phase1.coldMs / bare.ms },
    refresh: {
      samples: phase1.same.ms,
      cpuMsPerTarget,
      cpuSamples,
      bareCpuMsPerRequest: bareCpu,
      bareWarmCpuMsPerRequest: bare.warm && bare.warm.cpuMs / bare.requests,
      cpuRatio: cpuMsPerTarget / bareCpu,
      changed: { samples: phase1.changed.ms, cpuMsPerTarget: median(changedSamples), cpuSamples: changedSamples, cpuRatio: median(changedSamples) / bareCpu },
    },
    warm: phase1.warm,
    ttl: ttl.result,
    loopLagMaxMs: maxLag([...lags.warm, ...lags.reload, ...lags.refresh, ...lags.changed, ...lags.ttl]),
    loopLagMaxByPart: { warm: maxLag(lags.warm), reload: maxLag(lags.reload), refresh: maxLag(lags.refresh), changed: maxLag(lags.changed), ttl: maxLag(lags.ttl) },
    peakRss,
    peakRssByProcess,
  };
}

/** Phase 2: a fresh exporter with the goal's ttl under two scrapers for three ttl. */
async function keepWithinTtl(h: LargeFleetHarness, keys: readonly string[], lags: number[]): Promise<{ result: LargeRun['ttl']; peakRss?: number }> {
  const n = keys.length;
  const ttlSeconds = LARGE_GOALS.ttlSeconds;
  const ex = await h.startExporter(ttlSeconds, h.concurrency);
  try {
    const url = `${ex.url}/metrics`;
    const windowMs = 3 * ttlSeconds * 1000;
    h.progress(`N=${n}: large run, ttl ${ttlSeconds}s: 2 gzip scrapers every second for 3 ttl (${windowMs / 1000}s), the targets' ages every 5 s`);
    const before = await h.stats();
    const cpu0 = cpuOf(ex);
    const t0 = performance.now();
    let scrapes = 0;
    // The first collection's lag covers the process's start-up (config, first compilation): left out.
    let firstLag = true;
    const lag = (r: ScrapeResult) => {
      if (!firstLag) lags.push(lagMs(r));
      firstLag = false;
    };
    const scraper = async (offsetMs: number) => {
      const agent = scrapeAgent();
      for (let k = 0; ; k++) {
        // A scrape that waited for a refresh makes the slots it overran missed, as in Prometheus.
        k = Math.max(k, Math.ceil((performance.now() - t0 - offsetMs) / 1000));
        const at = t0 + offsetMs + k * 1000;
        if (at > t0 + windowMs - 500) break;
        await sleep(Math.max(0, at - performance.now()));
        // The scrape timeout of Prometheus's default config: a scrape that finds targets due waits for them up to 9.5 s.
        const r = await scrape(url, { agent, timeoutSeconds: 10, gzip: true });
        if (r.status !== 200) throw new Error(`large run: scrape answered ${r.status}`);
        lag(r);
        scrapes++;
      }
      agent.destroy();
    };
    const ages: number[] = [];
    const sampler = async () => {
      const agent = scrapeAgent();
      for (let k = 1; ; k++) {
        k = Math.max(k, Math.ceil((performance.now() - t0) / 5000));
        const at = t0 + k * 5000;
        if (at > t0 + windowMs - 500) break;
        await sleep(Math.max(0, at - performance.now()));
        const sentAt = Date.now() / 1000;
        const r = await scrape(url, { agent, timeoutSeconds: 10, gzip: true, keepBody: true });
        lag(r);
        const text = gunzipSync(r.body!).toString('utf8');
        const last = lastSuccessIn(text);
        // Until the first refresh has completed, targets without a success yet say nothing about ages.
        if (last.size < n || [...targetsIn(text).values()].some((v) => v !== 1)) continue;
        ages.push(sentAt - Math.min(...last.values()));
      }
      agent.destroy();
    };
    await Promise.all([scraper(0), scraper(500), sampler()]);
    const cpuMs = cpuOf(ex) - cpu0;
    const after = await h.quiesce();
    const counts = keys.map((k) => (after.per_target[k] ?? 0) - (before.per_target[k] ?? 0));
    const min = Math.min(...counts);
    const max = Math.max(...counts);
    const maxAgeSeconds = ages.length ? Math.max(...ages) : NaN;
    const exact = min === 3 && max === 3;
    return {
      result: {
        ttlSeconds,
        windowSeconds: windowMs / 1000,
        scrapes,
        ageSamples: ages.length,
        maxAgeSeconds,
        perTarget: { min, max },
        exact,
        cpuMsPerTargetPerTtl: cpuMs / (3 * n),
        within: exact && maxAgeSeconds <= ttlSeconds + LARGE_GOALS.maxAgeSlackSeconds,
      },
      peakRss: ex.memory().peakRss,
    };
  } finally {
    await ex.stop();
  }
}

/** The large runs' goals, as rows of the goals table. */
export function largeGoals(runs: readonly LargeRun[], cpuRatioGoal: number): Array<{ goal: string; measured: string; met: boolean }> {
  const out: Array<{ goal: string; measured: string; met: boolean }> = [];
  for (const r of runs) {
    const at = `N=${r.targets}`;
    out.push(
      {
        goal: `every target within its ttl of ${r.ttl.ttlSeconds}s, exactly 1 request per ttl (${at})`,
        measured: `oldest data served ${r.ttl.maxAgeSeconds.toFixed(1)} s (${r.ttl.ageSamples} samples); each target asked ${r.ttl.perTarget.min}–${r.ttl.perTarget.max} times in 3 ttl`,
        met: r.ttl.within,
      },
      { goal: `peak RSS < ${fmtBytes(LARGE_GOALS.peakRssBytes)} (${at})`, measured: r.peakRss === undefined ? '—' : fmtBytes(r.peakRss), met: r.peakRss !== undefined && r.peakRss < LARGE_GOALS.peakRssBytes },
      { goal: `event-loop lag max < ${LARGE_GOALS.loopLagMs} ms (${at})`, measured: fmtMs(r.loopLagMaxMs), met: r.loopLagMaxMs < LARGE_GOALS.loopLagMs },
      { goal: `warm gzip scrape median < ${LARGE_GOALS.warmGzipMs} ms (${at})`, measured: fmtMs(r.warm.gzip.median), met: r.warm.gzip.median < LARGE_GOALS.warmGzipMs },
      {
        goal: `exporter CPU per target and refresh ≤ ${cpuRatioGoal} × bare client's per request (${at}, answers the same as the last)`,
        measured: `${fmtMs(r.refresh.cpuMsPerTarget)} / ${fmtMs(r.refresh.bareCpuMsPerRequest)} = ${fmtRatio(r.refresh.cpuRatio)}`,
        met: r.refresh.cpuRatio <= cpuRatioGoal,
      },
      {
        goal: `exporter CPU per target and refresh ≤ ${cpuRatioGoal} × bare client's per request (${at}, every answer changed)`,
        measured: `${fmtMs(r.refresh.changed.cpuMsPerTarget)} / ${fmtMs(r.refresh.bareCpuMsPerRequest)} = ${fmtRatio(r.refresh.changed.cpuRatio)}`,
        met: r.refresh.changed.cpuRatio <= cpuRatioGoal,
      },
    );
  }
  return out;
}

/** The large runs' figures as a table. */
export function largeReport(runs: readonly LargeRun[]): string {
  const cols = ['figure (large run)', 'compared with', ...runs.map((r) => `N = ${groupDigits(r.targets)}`)];
  const row = (figure: string, against: string, cell: (r: LargeRun) => string) => [figure, against, ...runs.map(cell)];
  return renderTable(cols, [
    row('upstream concurrency / series / bytes per scrape', '—', (r) => `${r.concurrency} / ${groupDigits(r.series)} / ${fmtBytes(r.bytes)}`),
    row('cold scrape', 'ceil(N / concurrency) × latency', (r) => `${fmtMs(r.cold.ms)} / ${fmtMs(r.cold.floorMs)} = ${fmtRatio(r.cold.ratio)}`),
    row('cold scrape', 'bare node:http client, fresh process', (r) => `${fmtMs(r.cold.ms)} / ${fmtMs(r.cold.bareMs)} = ${fmtRatio(r.cold.bareRatio)}`),
    row('refresh scrape (every target due), each', '—', (r) => r.refresh.samples.map((ms) => fmtMs(ms)).join(', ')),
    row('exporter CPU per target and refresh', "bare client's CPU per request (whole process)", (r) => `${fmtMs(r.refresh.cpuMsPerTarget)} / ${fmtMs(r.refresh.bareCpuMsPerRequest)} = ${fmtRatio(r.refresh.cpuRatio)}`),
    row('exporter CPU per target and refresh, every answer changed', "bare client's CPU per request (whole process)", (r) => `${fmtMs(r.refresh.changed.cpuMsPerTarget)} / ${fmtMs(r.refresh.bareCpuMsPerRequest)} = ${fmtRatio(r.refresh.changed.cpuRatio)}`),
    row("bare client's CPU per request, warm second pass", '—', (r) => fmtMs(r.refresh.bareWarmCpuMsPerRequest ?? NaN)),
    row('warm scrape, identity, median / p99', '—', (r) => `${fmtMs(r.warm.identity.median)} / ${fmtMs(r.warm.identity.p99)}`),
    row('warm scrape, gzip, median / p99', `${LARGE_GOALS.warmGzipMs} ms`, (r) => `${fmtMs(r.warm.gzip.median)} / ${fmtMs(r.warm.gzip.p99)} (${fmtBytes(r.warm.gzip.bytes)})`),
    row('/healthz during warm scrapes, p99 / max', '—', (r) => `${fmtMs(r.warm.healthz.p99)} / ${fmtMs(r.warm.healthz.max)}`),
    row(`oldest data served, ttl ${LARGE_GOALS.ttlSeconds}s, 2 scrapers every 1 s`, `ttl + ${LARGE_GOALS.maxAgeSlackSeconds} s`, (r) => `${r.ttl.maxAgeSeconds.toFixed(1)} s (${r.ttl.ageSamples} samples, ${r.ttl.scrapes} scrapes)`),
    row('upstream requests per target in 3 ttl', 'exactly 3', (r) => `${r.ttl.perTarget.min}–${r.ttl.perTarget.max}`),
    row('exporter CPU per target and ttl, under the scrapers', '—', (r) => fmtMs(r.ttl.cpuMsPerTargetPerTtl)),
    row("exporter's event-loop lag, max", `${LARGE_GOALS.loopLagMs} ms`, (r) => fmtMs(r.loopLagMaxMs)),
    row('event-loop lag max: warm scrapes / reload + first refresh / refreshes / refreshes, answers changed / ttl phase', '—', (r) =>
      [r.loopLagMaxByPart.warm, r.loopLagMaxByPart.reload, r.loopLagMaxByPart.refresh, r.loopLagMaxByPart.changed, r.loopLagMaxByPart.ttl].map(fmtMs).join(' / '),
    ),
    row('peak RSS (VmHWM), larger of the two processes', fmtBytes(LARGE_GOALS.peakRssBytes), (r) => (r.peakRss === undefined ? '—' : fmtBytes(r.peakRss))),
    row('peak RSS: first process (cold, warm, refreshes) / ttl phase', '—', (r) => `${r.peakRssByProcess.first === undefined ? '—' : fmtBytes(r.peakRssByProcess.first)} / ${r.peakRssByProcess.ttl === undefined ? '—' : fmtBytes(r.peakRssByProcess.ttl)}`),
  ]);
}
