/**
 * `npm run bench`: the scale benchmark. Drives the built-in simulator and the real exporter, each
 * a separate process (dist/simulator/cli.js, dist/main.js with a config file in a temporary
 * directory) over loopback, for N targets of 3 process types × 5 instances each, and prints each
 * figure next to what it is compared with (table on stdout, progress on stderr, JSON under
 * bench/results/). See docs/performance.md for what each figure means and a run's results.
 *
 *   node dist-bench/bench/bench.js [--targets 100,1000,5000] [--latency 50] [--concurrency 32]
 *     [--scrapes 20] [--ttl SECONDS] [--shards M] [--profile] [--out DIR]
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { generateFleet } from '../src/simulator/fleet';
import { CHANGE_EVERY_ANSWER_PATH } from '../src/simulator/server';
import type { SimTarget } from '../src/simulator/types';
import { getJson, post, scrape, scrapeAgent, startProber, warmUpstream, type ScrapeResult } from './scale/client';
import { processListPath } from '../src/upstream/client';
import { refreshCycles } from './scale/refreshCycles';
import { checkShardUnion, countSeries, gaugeValue, splitPerTargetFamily, targetsIn, timeJoin, type ShardUnion } from './scale/exposition';
import { imageNodeOptions, REPO_ROOT, startExporterProcess, startSimulatorProcess, type ExporterProcess, type SimStats, type SimulatorInfo } from './scale/processes';
import type { BareClientResult } from './scale/bareClient';
import { processCpuMs } from './scale/cpu';
import { formatSummary, mainThreadProfile, summarise, type ProfileSummary } from './scale/cpuProfile';
import { LARGE_GOALS, LARGE_MIN_CONCURRENCY, LARGE_TARGETS, largeGoals, largeReport, runLargeFleet, type LargeRun } from './scale/largeFleet';
import { compareRenderers, type RendererComparison } from './scale/renderers';
import { dist, fmtBytes, fmtMs, fmtRatio, groupDigits, median, type Distribution } from './scale/stats';
import { renderTable } from './scale/table';
import { measureStatusPage, statusPageRows, type StatusPageFigures } from './statusPage';

const PROCESS_TYPES = 3;
/** Cold scrapes (each of a fresh process) and refresh scrapes per target count; the median is reported. */
const COLD_RUNS = 3;
const INSTANCES_PER_TYPE = 5;
/** Goals of issues 5 and 16. */
const GOALS = {
  /** Cold scrape against the bare client in a fresh process (issue 16's restatement of issue 5's goal). */
  coldRatio: 1.2,
  /** Exporter CPU per target and refresh against the bare client's CPU per request. */
  cpuRatio: 1.5,
  cpuTargets: [1000, 5000],
  warmRatio: 2,
  warmMs: 250,
  healthzMs: 50,
  /** "300 MB", read strictly: 300 × 10⁶ bytes. */
  peakRssBytes: 300e6,
  peakRssTargets: 5000,
  warmTargets: 5000,
};

export interface BenchOptions {
  targets: number[];
  latencyMs: number;
  concurrency: number;
  scrapes: number;
  ttlSeconds?: number;
  shards: number;
  outDir: string;
  /** Flags for the exporter's node process: by default the image's (NODE_OPTIONS and the ENTRYPOINT's node flags). */
  nodeFlags: string[];
  /** Where nodeFlags came from, for the report. */
  nodeFlagsFrom: 'image' | 'option';
  /** Also run a profiled exporter (node --cpu-prof) through refreshes and report its top frames. */
  profile: boolean;
}

const USAGE = `usage: npm run bench -- [options]

  --targets LIST     target counts to run, comma-separated (default 100,1000,5000); a count of
                     ${LARGE_TARGETS} or more gets the large-fleet run instead (e.g. --targets 20000:
                     cache.ttl ${LARGE_GOALS.ttlSeconds}s, is every target kept within it, peak RSS,
                     event-loop lag, warm scrapes, CPU per target)
  --latency MS       simulator answer latency (default 50)
  --concurrency N    the exporter's upstream.concurrency; the cold floor uses it too (default 32)
  --scrapes N        warm scrapes per scraper, at least 20 (default 20)
  --ttl SECONDS      cache.ttl of the upstream-load phase (default max(5, 2 × cold floor))
  --shards M         also run M exporter processes (--shard i --total-shards M) per target count
  --profile          also run the exporter under node --cpu-prof through a cold scrape and 3
                     refreshes per target count; the .cpuprofile goes under --out, its top frames
                     by self time into the report
  --out DIR          where the JSON results go (default bench/results)
  --exporter-node-flags "FLAGS"
                     flags for the exporter's node (default: the image's NODE_OPTIONS and its
                     ENTRYPOINT's node flags, read from the Dockerfile; "" runs plain node). Peak
                     RSS is also measured with plain node when flags are set.
`;

/** Parses the command line; throws an Error naming the bad flag. */
export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const o: BenchOptions = { targets: [100, 1000, 5000], latencyMs: 50, concurrency: 32, scrapes: 20, shards: 0, outDir: path.join(REPO_ROOT, 'bench', 'results'), nodeFlags: imageNodeOptions(), nodeFlagsFrom: 'image', profile: false };
  const int = (flag: string, v: string | undefined, min: number) => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) throw new Error(`${flag} needs a whole number ≥ ${min}, got ${v ?? 'nothing'}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--targets':
        o.targets = (value() ?? '').split(',').map((v) => int('--targets', v.trim().replace(/[_ ]/g, ''), 1));
        break;
      case '--latency':
        o.latencyMs = int(flag, value(), 0);
        break;
      case '--concurrency':
        o.concurrency = int(flag, value(), 1);
        break;
      case '--scrapes':
        o.scrapes = int(flag, value(), 20);
        break;
      case '--ttl':
        o.ttlSeconds = int(flag, value(), 1);
        break;
      case '--shards':
        o.shards = int(flag, value(), 2);
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--out':
        o.outDir = path.resolve(value() ?? '');
        break;
      case '--exporter-node-flags':
        o.nodeFlags = (value() ?? '').split(/\s+/).filter(Boolean);
        o.nodeFlagsFrom = 'option';
        break;
      case '-h':
      case '--help':
        return 'help';
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

const execFileAsync = promisify(execFile);
const started = performance.now();
/** The exporter's node flags of this run (set once from the options). */
let nodeFlagsInUse: readonly string[] = [];
function progress(msg: string): void {
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keyOf = (t: SimTarget) => `${t.app_code}/${t.module_name}/${t.environment}`;

/** Requests per target between two stats snapshots. */
function delta(before: SimStats, after: SimStats, keys: readonly string[]): number[] {
  return keys.map((k) => (after.per_target[k] ?? 0) - (before.per_target[k] ?? 0));
}

/** Polls the simulator until no request arrived for `quietMs` (an in-flight refresh has finished). */
async function quiesce(statsUrl: string, quietMs = 1500, maxMs = 120_000): Promise<SimStats> {
  let last = await getJson<SimStats>(statsUrl);
  let since = performance.now();
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    await sleep(250);
    const now = await getJson<SimStats>(statsUrl);
    if (now.processes_requests !== last.processes_requests) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return now;
  }
  return last;
}

/** The exporter's own gauges read from the start of a /metrics body. */
interface OwnSample {
  heapUsed?: number;
  heapTotal?: number;
  rss?: number;
  loopLagMax?: number;
}

function ownSample(text: string): OwnSample {
  return {
    heapUsed: gaugeValue(text, 'nodejs_heap_size_used_bytes'),
    heapTotal: gaugeValue(text, 'nodejs_heap_size_total_bytes'),
    rss: gaugeValue(text, 'process_resident_memory_bytes'),
    loopLagMax: gaugeValue(text, 'nodejs_eventloop_lag_max_seconds'),
  };
}

function maxOf(samples: OwnSample[], k: keyof OwnSample): number {
  return Math.max(...samples.map((s) => s[k] ?? NaN).filter((v) => Number.isFinite(v)));
}

/** Lines of a body that belong to targets (own metrics vary between scrapes and are left out). */
function targetLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !/^(# (HELP|TYPE) )?(process_|nodejs_|bkpaas_exporter_)/.test(l));
}

export interface RunResult {
  targets: number;
  concurrency: number;
  latencyMs: number;
  series: number;
  bytes: number;
  /** The first /metrics of a fresh process: the median of COLD_RUNS processes, and each. */
  cold: {
    ms: number;
    samples: number[];
    floorMs: number;
    ratio: number;
    upstreamRequests: number;
    /** The same fetches by a bare node:http client in a fresh process (bench/scale/bareClient.ts). */
    bare: {
      ms: number;
      samples: number[];
      ratio: number;
      /** Its whole process's CPU time per request (start-up included), median of the runs. */
      cpuMsPerRequest: number;
      /** CPU per request of a second pass in the first run's process (warm, start-up excluded). */
      warmCpuMsPerRequest?: number;
    };
    /** The cold scrape over the bare client's time (the goal). */
    bareRatio: number;
  };
  /** A scrape with every target due again in a warm process (what each ttl costs in steady state). */
  refresh: {
    ms: number;
    samples: number[];
    floorMs: number;
    ratio: number;
    upstreamRequests: number;
    /**
     * The exporter's CPU time per target and refresh (fetch, parse, render, the scrape itself):
     * process CPU from the start of one refresh scrape to the start of the next (a refresh cycle,
     * deferred garbage collection included), over the targets; the median of the cycles.
     */
    cpuMsPerTarget: number;
    cpuSamples: number[];
    /** cpuMsPerTarget over the bare client's CPU per request (cold.bare.cpuMsPerRequest). */
    cpuRatio: number;
    /** The same with every answer changed (the simulator's change-every-answer): each parsed and rendered again. */
    changed: { ms: number; cpuMsPerTarget: number; cpuSamples: number[]; cpuRatio: number };
  };
  warm: {
    floorMs: number;
    floorParts: number;
    one: Distribution & { ratio: number };
    eight: Distribution & { ratio: number };
    /** Undefined when the exporter does not compress. */
    gzip?: Distribution & { ratio: number; bytes: number; firstMs: number };
    /** /healthz latencies while 1 scraper scrapes (the goal), and during the 8-scraper and gzip runs. */
    healthz: Distribution;
    healthzConcurrent: Distribution;
    loopLagMaxMs: number;
  };
  upstream: { ttlSeconds: number; windowSeconds: number; scrapes: number; perTarget: { min: number; max: number; mean: number }; perTargetPerTtl: number; exact: boolean; peakRss?: number };
  memory: {
    /** VmHWM of the exporter after cold, warm and refresh scrapes. */
    peakRss?: number;
    /** The larger of that and the upstream-load exporter's (3 ttl of refreshes under 2 scrapers). */
    peakRssAll?: number;
    /** The upstream-load run again with plain node (no heap options); undefined when the run had none. */
    plainNodePeakRss?: number;
    heapUsedMax: number;
    heapTotalMax: number;
    rssPerExpositionByte?: number;
  };
  renderers: RendererComparison;
  statusPage?: StatusPageFigures;
  /** With --profile: where the exporter's refresh profile went and what it says. */
  profile?: ProfileReport;
}

export interface ProfileReport {
  file: string;
  busyMs: number;
  top: ProfileSummary['frames'];
  sources: ProfileSummary['sources'];
  text: string;
}

/** One target count: cold, warm, /healthz, memory; then the upstream load of 2 scrapers; then the renderers. */
async function runOne(n: number, o: BenchOptions): Promise<RunResult> {
  const fleet = generateFleet(n, { processTypes: PROCESS_TYPES, instancesPerType: INSTANCES_PER_TYPE });
  const keys = fleet.map(keyOf);
  progress(`N=${n}: starting the simulator (latency ${o.latencyMs} ms) as its own process`);
  const sim = await startSimulatorProcess(n, o.latencyMs);
  const statsUrl = `${sim.info.origin}/__sim/stats`;
  let ex: ExporterProcess | undefined;
  try {
    await warm(sim.info, fleet);
    ex = await startExporter(sim.info, fleet, o.concurrency, 3600, n);
    const metricsUrl = `${ex.url}/metrics`;
    const agent = scrapeAgent();
    const own: OwnSample[] = [];

    progress(`N=${n}: cold scrape (every target fetched, concurrency ${o.concurrency})`);
    const s0 = await getJson<SimStats>(statsUrl);
    const cold = await scrape(metricsUrl, { agent, timeoutSeconds: 3600, keepBody: true });
    const s1 = await getJson<SimStats>(statsUrl);
    checkComplete('cold scrape', cold, n);
    const body = cold.body!.toString('utf8');
    own.push(ownSample(body));
    const coldFloor = Math.ceil(n / o.concurrency) * o.latencyMs;
    const coldRequests = s1.processes_requests - s0.processes_requests;

    progress(`N=${n}: warm floor (the body split into ${'per target/family'} strings, joined)`);
    const parts = splitPerTargetFamily(body);
    if (parts.join('') !== body) throw new Error('internal: the split body does not join back to the body');
    const floorMs = timeJoin(parts);

    const prober = startProber(`${ex.url}/healthz`);
    progress(`N=${n}: warm scrapes, 1 scraper × ${o.scrapes}`);
    for (let i = 0; i < 2; i++) await scrape(metricsUrl, { agent, timeoutSeconds: 10 });
    await sleep(300);
    await prober.take(); // the first probes pay for connecting and compiling
    const one: number[] = [];
    // At least `scrapes` scrapes and 3 s of them, so that /healthz is probed a few hundred times.
    const oneStarted = performance.now();
    for (let i = 0; i < o.scrapes || performance.now() - oneStarted < 3000; i++) {
      const r = await scrape(metricsUrl, { agent, timeoutSeconds: 10 });
      checkWarm(r, cold.bytes);
      one.push(r.ms);
      own.push(ownSample(r.head));
    }
    const healthzOne = await prober.take();
    progress(`N=${n}: warm scrapes, 8 concurrent scrapers × ${o.scrapes}`);
    const eight = (
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const a = scrapeAgent();
          const times: number[] = [];
          for (let i = 0; i < o.scrapes; i++) {
            const r = await scrape(metricsUrl, { agent: a, timeoutSeconds: 10 });
            checkWarm(r, cold.bytes);
            times.push(r.ms);
            own.push(ownSample(r.head));
          }
          a.destroy();
          return times;
        }),
      )
    ).flat();
    progress(`N=${n}: warm scrapes with Accept-Encoding: gzip, 1 scraper × ${o.scrapes}`);
    const firstGzip = await scrape(metricsUrl, { agent, timeoutSeconds: 10, gzip: true, keepBody: true });
    // An exporter without gzip answers plain text (allowed by HTTP): reported as not supported.
    const gzipped = firstGzip.contentEncoding === 'gzip';
    if (gzipped && targetLines(gunzipSync(firstGzip.body!).toString('utf8')).join('\n') !== targetLines(body).join('\n')) {
      throw new Error('the gzip body, decompressed, differs from the plain one');
    }
    const gz: number[] = [];
    let gzBytes = firstGzip.bytes;
    for (let i = 0; gzipped && i < o.scrapes; i++) {
      const r = await scrape(metricsUrl, { agent, timeoutSeconds: 10, gzip: true });
      gz.push(r.ms);
      gzBytes = r.bytes;
    }
    const healthzRest = await prober.stop();
    progress(`N=${n}: the status page (GET /), warm`);
    const statusPage = await measureStatusPage(ex.url, statsUrl);

    progress(`N=${n}: 1 + ${COLD_RUNS} refresh scrapes (cache.ttl reloaded as 1s: every target due again, the process warm)`);
    await ex.setTtl(1);
    // One refresh not counted: the first after the cold scrape still compiles the refresh path
    // (measured 30-60 % above the steady state at 1 000 targets), which a running exporter pays once.
    await sleep(1100);
    checkComplete('warm-up refresh scrape', await scrape(metricsUrl, { agent, timeoutSeconds: 3600, keepBody: true }), n);
    // Answers the same as the last (resource versions move, as a cluster's do): the steady state.
    const cycles = { url: metricsUrl, agent, cycles: COLD_RUNS, targets: n, cpuMs: () => exporterCpuMs(ex!), keepBody: true, check: (r: ScrapeResult) => checkComplete('refresh scrape', r, n) };
    const requestsBefore = (await getJson<SimStats>(statsUrl)).processes_requests;
    const same = await refreshCycles(cycles);
    // Only the refresh scrapes fetch: the upstream requests since are theirs.
    const refreshRequests = (await getJson<SimStats>(statsUrl)).processes_requests - requestsBefore;
    progress(`N=${n}: ${COLD_RUNS} refresh scrapes with every answer changed (each parsed and rendered again)`);
    await post(`${sim.info.origin}${CHANGE_EVERY_ANSWER_PATH}?on=true`);
    // One cycle not counted: the change path's first run after a cycle of unchanged answers.
    await sleep(1100);
    checkComplete('warm-up refresh scrape, answers changing', await scrape(metricsUrl, { agent, timeoutSeconds: 3600, keepBody: true }), n);
    const changed = await refreshCycles(cycles);
    await post(`${sim.info.origin}${CHANGE_EVERY_ANSWER_PATH}?on=false`);
    const { ms: refreshes, cpuSamples } = same;
    agent.destroy();
    const mem = ex.memory();
    await ex.stop();
    ex = undefined;

    // More cold scrapes, each of a fresh process: one sample of a process's first minutes is noisy.
    const colds = [cold.ms];
    for (let k = 1; k < COLD_RUNS; k++) {
      const fresh = await startExporter(sim.info, fleet, o.concurrency, 3600, n);
      try {
        progress(`N=${n}: cold scrape ${k + 1} of ${COLD_RUNS} (a fresh exporter process)`);
        const before = await getJson<SimStats>(statsUrl);
        const c = await scrape(`${fresh.url}/metrics`, { agent: scrapeAgent(), timeoutSeconds: 3600, keepBody: true });
        checkComplete('cold scrape', c, n);
        if ((await getJson<SimStats>(statsUrl)).processes_requests - before.processes_requests !== n) throw new Error(`cold scrape ${k + 1}: not exactly one request per target`);
        colds.push(c.ms);
      } finally {
        await fresh.stop();
      }
    }

    // The practical floor: a bare node:http client in a fresh process, on the same simulator.
    const bare: BareClientResult[] = [];
    for (let k = 0; k < COLD_RUNS; k++) {
      progress(`N=${n}: bare node:http client ${k + 1} of ${COLD_RUNS} (a fresh process fetching every target once${k === 0 ? ', then once more for its warm CPU' : ''})`);
      bare.push(await runBareClient(sim.info, fleet, o.concurrency, k === 0));
    }
    const bareCpu = median(bare.map((b) => b.cpuMs / b.requests));
    const profile = o.profile ? await profileRefreshes(sim.info, fleet, o) : undefined;

    const ttlSeconds = o.ttlSeconds ?? Math.max(5, Math.ceil((2 * coldFloor) / 1000));
    const upstream = await upstreamLoad(sim.info, statsUrl, fleet, keys, o, ttlSeconds, nodeFlagsInUse);
    // What the heap options are worth: the same load with node's own heap sizing for this machine.
    const plainNode = nodeFlagsInUse.length > 0 ? await upstreamLoad(sim.info, statsUrl, fleet, keys, o, ttlSeconds, []) : undefined;

    progress(`N=${n}: rendering the same ${n} targets with plain prom-client and with the fast path (in-process)`);
    const renderers = await compareRenderers(n, { processTypes: PROCESS_TYPES, instancesPerType: INSTANCES_PER_TYPE });

    const heapUsedMax = maxOf(own, 'heapUsed');
    const heapTotalMax = maxOf(own, 'heapTotal');
    return {
      targets: n,
      concurrency: o.concurrency,
      latencyMs: o.latencyMs,
      series: countSeries(body),
      bytes: cold.bytes,
      cold: {
        ms: median(colds),
        samples: colds,
        floorMs: coldFloor,
        ratio: median(colds) / coldFloor,
        upstreamRequests: coldRequests,
        bare: {
          ms: median(bare.map((b) => b.ms)),
          samples: bare.map((b) => b.ms),
          ratio: median(bare.map((b) => b.ms)) / coldFloor,
          cpuMsPerRequest: bareCpu,
          warmCpuMsPerRequest: bare[0].warm && bare[0].warm.cpuMs / bare[0].requests,
        },
        bareRatio: median(colds) / median(bare.map((b) => b.ms)),
      },
      refresh: {
        ms: median(refreshes),
        samples: refreshes,
        floorMs: coldFloor,
        ratio: median(refreshes) / coldFloor,
        upstreamRequests: refreshRequests / COLD_RUNS,
        cpuMsPerTarget: median(cpuSamples),
        cpuSamples,
        cpuRatio: median(cpuSamples) / bareCpu,
        changed: {
          ms: median(changed.ms),
          cpuMsPerTarget: median(changed.cpuSamples),
          cpuSamples: changed.cpuSamples,
          cpuRatio: median(changed.cpuSamples) / bareCpu,
        },
      },
      warm: {
        floorMs,
        floorParts: parts.length,
        one: { ...dist(one), ratio: median(one) / floorMs },
        eight: { ...dist(eight), ratio: median(eight) / floorMs },
        gzip: gzipped ? { ...dist(gz), ratio: median(gz) / floorMs, bytes: gzBytes, firstMs: firstGzip.ms } : undefined,
        healthz: dist(healthzOne),
        healthzConcurrent: dist(healthzRest),
        loopLagMaxMs: maxOf(own.slice(1), 'loopLagMax') * 1000,
      },
      upstream,
      memory: {
        peakRss: mem.peakRss,
        peakRssAll: mem.peakRss === undefined ? undefined : Math.max(mem.peakRss, upstream.peakRss ?? 0),
        heapUsedMax,
        heapTotalMax,
        rssPerExpositionByte: mem.peakRss === undefined ? undefined : mem.peakRss / cold.bytes,
        plainNodePeakRss: plainNode?.peakRss,
      },
      renderers,
      statusPage,
      profile,
    };
  } finally {
    await ex?.stop();
    await sim.child.stop();
  }
}

/** The exporter's CPU time so far in ms, every thread (from /proc: NaN on a platform without it). */
function exporterCpuMs(ex: ExporterProcess): number {
  return processCpuMs(ex.child.pid) ?? NaN;
}

/**
 * --profile: a fresh exporter under `node --cpu-prof`, through a cold scrape and COLD_RUNS
 * refreshes; the main thread's profile summarised by self time.
 */
async function profileRefreshes(sim: SimulatorInfo, fleet: SimTarget[], o: BenchOptions): Promise<ProfileReport> {
  const n = fleet.length;
  const dir = path.join(o.outDir, `cpuprofile-${n}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const ex = await startExporter(sim, fleet, o.concurrency, 3600, n, undefined, [...nodeFlagsInUse, '--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const agent = scrapeAgent();
  try {
    progress(`N=${n}: profiled exporter (--cpu-prof): a cold scrape and ${COLD_RUNS} refreshes`);
    checkComplete('profiled cold scrape', await scrape(`${ex.url}/metrics`, { agent, timeoutSeconds: 3600, keepBody: true }), n);
    await ex.setTtl(1);
    for (let k = 0; k < COLD_RUNS; k++) {
      await sleep(1100);
      checkComplete('profiled refresh scrape', await scrape(`${ex.url}/metrics`, { agent, timeoutSeconds: 3600, keepBody: true }), n);
    }
  } finally {
    agent.destroy();
    // The profile is written when the process exits (SIGTERM: the exporter's graceful exit).
    await ex.stop();
  }
  const file = mainThreadProfile(dir, ex.child.pid);
  const summary = summarise(JSON.parse(readFileSync(file, 'utf8')));
  return { file: path.relative(process.cwd(), file), busyMs: summary.busyMs, top: summary.frames.slice(0, 15), sources: summary.sources.slice(0, 15), text: formatSummary(summary, 15) };
}

/** The large-fleet run (bench/scale/largeFleet.ts) for `n` targets, on its own simulator. */
async function runLarge(n: number, o: BenchOptions): Promise<LargeRun> {
  const fleet = generateFleet(n, { processTypes: PROCESS_TYPES, instancesPerType: INSTANCES_PER_TYPE });
  progress(`N=${n}: starting the simulator (latency ${o.latencyMs} ms) as its own process`);
  const sim = await startSimulatorProcess(n, o.latencyMs);
  const statsUrl = `${sim.info.origin}/__sim/stats`;
  try {
    await warm(sim.info, fleet);
    return await runLargeFleet({
      fleet,
      latencyMs: o.latencyMs,
      concurrency: Math.max(o.concurrency, LARGE_MIN_CONCURRENCY),
      scrapes: o.scrapes,
      progress,
      startExporter: (ttlSeconds, concurrency) => startExporter(sim.info, fleet, concurrency, ttlSeconds, n),
      runBareClient: (concurrency, warmPass) => runBareClient(sim.info, fleet, concurrency, warmPass),
      checkComplete,
      stats: () => getJson<SimStats>(statsUrl),
      quiesce: () => quiesce(statsUrl),
      changeEveryAnswer: (on) => post(`${sim.info.origin}${CHANGE_EVERY_ANSWER_PATH}?on=${on}`),
    });
  } finally {
    await sim.child.stop();
  }
}

/** Warms the simulator (every body built once) so the cold scrape meets an upstream at its set latency. */
async function warm(sim: SimulatorInfo, fleet: readonly SimTarget[]): Promise<void> {
  progress(`N=${fleet.length}: warming the simulator (every target asked once, not counted)`);
  const authorization = JSON.stringify({ bk_app_code: sim.bk_app_code, bk_app_secret: sim.bk_app_secret, access_token: sim.access_token });
  await warmUpstream(sim.base_url, authorization, fleet.map(processListPath));
}

/** Runs bench/scale/bareClient.js as a fresh process over every target (twice with `warmPass`). */
export async function runBareClient(sim: SimulatorInfo, fleet: readonly SimTarget[], concurrency: number, warmPass = false): Promise<BareClientResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-bench-bare-'));
  try {
    const job = path.join(dir, 'job.json');
    const authorization = JSON.stringify({ bk_app_code: sim.bk_app_code, bk_app_secret: sim.bk_app_secret, access_token: sim.access_token });
    writeFileSync(job, JSON.stringify({ baseUrl: sim.base_url, authorization, paths: fleet.map(processListPath), concurrency, warmPass }));
    const out = await execFileAsync(process.execPath, [path.join(__dirname, 'scale', 'bareClient.js'), job], { timeout: 600_000 });
    const result = JSON.parse(out.stdout.trim()) as BareClientResult;
    if (!Number.isFinite(result.ms) || !Number.isFinite(result.cpuMs)) throw new Error(`bare client printed ${JSON.stringify(out.stdout)}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Throws unless the scrape answered 200 with all `n` targets up. */
function checkComplete(what: string, r: ScrapeResult, n: number): void {
  const served = targetsIn(r.body!.toString('utf8'));
  const down = [...served].filter(([, v]) => v !== 1).map(([k]) => k);
  if (r.status !== 200 || served.size !== n || down.length > 0) {
    throw new Error(`${what}: HTTP ${r.status}, ${served.size} targets served of ${n}, ${down.length} down (${down.slice(0, 3).join(', ')})`);
  }
}

function checkWarm(r: ScrapeResult, bytes: number): void {
  if (r.status !== 200) throw new Error(`warm scrape: HTTP ${r.status}`);
  // Own metrics vary by a few bytes; the targets' part must be the cached one.
  if (Math.abs(r.bytes - bytes) > 4096) throw new Error(`warm scrape: ${r.bytes} bytes, the cold one had ${bytes}: not served from cache?`);
}

async function startExporter(
  sim: SimulatorInfo,
  fleet: SimTarget[],
  concurrency: number,
  ttlSeconds: number,
  n: number,
  shard?: { index: number; total: number },
  nodeFlags: readonly string[] = nodeFlagsInUse,
): Promise<ExporterProcess> {
  const plain = nodeFlagsInUse.length > 0 && nodeFlags.length === 0 ? ', plain node' : '';
  progress(`N=${n}: starting the exporter${shard ? ` shard ${shard.index}/${shard.total}` : ''} (ttl ${ttlSeconds}s${plain})`);
  return startExporterProcess({ sim, targets: fleet, concurrency, ttlSeconds, shard, nodeFlags });
}

/**
 * Two scrapers, each scraping every second (timeout 1 s, as Prometheus with scrape_interval 1s)
 * for 3 ttl from the first scrape on a fresh exporter. With one fetch per target per ttl every
 * target is asked exactly 3 times: at the start, after 1 ttl and after 2 ttl.
 */
async function upstreamLoad(sim: SimulatorInfo, statsUrl: string, fleet: SimTarget[], keys: string[], o: BenchOptions, ttlSeconds: number, nodeFlags: readonly string[]): Promise<RunResult['upstream']> {
  const n = fleet.length;
  const ex = await startExporter(sim, fleet, o.concurrency, ttlSeconds, n, undefined, nodeFlags);
  try {
    const before = await getJson<SimStats>(statsUrl);
    const windowMs = 3 * ttlSeconds * 1000;
    progress(`N=${n}: upstream load, 2 scrapers every second for 3 ttl (${windowMs / 1000}s)`);
    const t0 = performance.now();
    let scrapes = 0;
    const scraper = async (offsetMs: number) => {
      const agent = scrapeAgent();
      await sleep(offsetMs);
      for (let k = 0; ; k++) {
        const at = t0 + offsetMs + k * 1000;
        if (at > t0 + windowMs - 500) break;
        await sleep(Math.max(0, at - performance.now()));
        const r = await scrape(`${ex.url}/metrics`, { agent, timeoutSeconds: 1 });
        if (r.status !== 200) throw new Error(`upstream-load scrape: HTTP ${r.status}`);
        scrapes++;
      }
      agent.destroy();
    };
    await Promise.all([scraper(0), scraper(500)]);
    const after = await quiesce(statsUrl);
    const counts = delta(before, after, keys);
    const min = Math.min(...counts);
    const max = Math.max(...counts);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    return { ttlSeconds, windowSeconds: windowMs / 1000, scrapes, perTarget: { min, max, mean }, perTargetPerTtl: mean / 3, exact: min === 3 && max === 3, peakRss: ex.memory().peakRss };
  } finally {
    await ex.stop();
  }
}

export interface ShardRun {
  targets: number;
  shards: Array<{ index: number; targets: number; upstreamRequests: number; coldMs: number; floorMs: number; ratio: number; warmMedianMs: number; peakRss?: number }>;
  union: ShardUnion;
  /** Targets asked more than once during the shards' cold scrapes. */
  duplicateFetches: number;
}

/** M exporter processes on one simulator: per-shard load and scrape time, and the union check. */
async function runShards(n: number, m: number, o: BenchOptions): Promise<ShardRun> {
  const fleet = generateFleet(n, { processTypes: PROCESS_TYPES, instancesPerType: INSTANCES_PER_TYPE });
  const keys = fleet.map(keyOf);
  progress(`N=${n}: sharded mode, ${m} exporter processes`);
  const sim = await startSimulatorProcess(n, o.latencyMs);
  const statsUrl = `${sim.info.origin}/__sim/stats`;
  const exporters: ExporterProcess[] = [];
  try {
    await warm(sim.info, fleet);
    for (let i = 0; i < m; i++) exporters.push(await startExporter(sim.info, fleet, o.concurrency, 3600, n, { index: i, total: m }));
    const before = await getJson<SimStats>(statsUrl);
    progress(`N=${n}: cold scrapes of all ${m} shards at once`);
    const colds = await Promise.all(exporters.map((e) => scrape(`${e.url}/metrics`, { agent: scrapeAgent(), timeoutSeconds: 3600, keepBody: true })));
    const after = await getJson<SimStats>(statsUrl);
    const perShard = colds.map((c) => [...targetsIn(c.body!.toString('utf8')).keys()]);
    const union = checkShardUnion(keys, perShard);
    const fetched = delta(before, after, keys);
    const shards: ShardRun['shards'] = [];
    for (let i = 0; i < m; i++) {
      progress(`N=${n}: warm scrapes of shard ${i}/${m}`);
      const agent = scrapeAgent();
      const warm: number[] = [];
      for (let k = 0; k < o.scrapes; k++) warm.push((await scrape(`${exporters[i].url}/metrics`, { agent, timeoutSeconds: 10 })).ms);
      agent.destroy();
      const mine = new Set(perShard[i]);
      const floorMs = Math.ceil(mine.size / o.concurrency) * o.latencyMs;
      shards.push({
        index: i,
        targets: mine.size,
        upstreamRequests: keys.reduce((sum, k, j) => sum + (mine.has(k) ? fetched[j] : 0), 0),
        coldMs: colds[i].ms,
        floorMs,
        ratio: colds[i].ms / floorMs,
        warmMedianMs: median(warm),
        peakRss: exporters[i].memory().peakRss,
      });
    }
    return { targets: n, shards, union, duplicateFetches: fetched.filter((c) => c > 1).length };
  } finally {
    for (const e of exporters) await e.stop();
    await sim.child.stop();
  }
}

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

const ok = (pass: boolean) => (pass ? '✓' : '✗');

interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

function goals(runs: RunResult[]): Goal[] {
  const out: Goal[] = [];
  for (const r of runs) {
    out.push({
      goal: `cold scrape ≤ ${GOALS.coldRatio} × bare client in a fresh process (N=${r.targets})`,
      measured: `${fmtMs(r.cold.ms)} = ${fmtRatio(r.cold.bareRatio)} of ${fmtMs(r.cold.bare.ms)} (floor ${fmtMs(r.cold.floorMs)}: exporter ${fmtRatio(r.cold.ratio)}, bare client ${fmtRatio(r.cold.bare.ratio)})`,
      met: r.cold.bareRatio <= GOALS.coldRatio,
    });
  }
  for (const r of runs.filter((x) => GOALS.cpuTargets.includes(x.targets))) {
    out.push({
      goal: `exporter CPU per target and refresh ≤ ${GOALS.cpuRatio} × bare client's CPU per request (N=${r.targets}, answers the same as the last)`,
      measured: `${fmtMs(r.refresh.cpuMsPerTarget)} / ${fmtMs(r.cold.bare.cpuMsPerRequest)} = ${fmtRatio(r.refresh.cpuRatio)}`,
      met: r.refresh.cpuRatio <= GOALS.cpuRatio,
    });
    out.push({
      goal: `exporter CPU per target and refresh ≤ ${GOALS.cpuRatio} × bare client's CPU per request (N=${r.targets}, every answer changed)`,
      measured: `${fmtMs(r.refresh.changed.cpuMsPerTarget)} / ${fmtMs(r.cold.bare.cpuMsPerRequest)} = ${fmtRatio(r.refresh.changed.cpuRatio)}`,
      met: r.refresh.changed.cpuRatio <= GOALS.cpuRatio,
    });
  }
  const big = runs.find((r) => r.targets === GOALS.warmTargets) ?? runs[runs.length - 1];
  if (big) {
    const w = big.warm.one;
    out.push({
      goal: `warm scrape median ≤ ${GOALS.warmRatio} × floor and < ${GOALS.warmMs} ms (N=${big.targets}, 1 scraper)`,
      measured: `${fmtMs(w.median)} = ${fmtRatio(w.ratio)} of ${fmtMs(big.warm.floorMs)}`,
      met: w.ratio <= GOALS.warmRatio && w.median < GOALS.warmMs,
    });
  }
  for (const r of runs) {
    out.push({ goal: `/healthz < ${GOALS.healthzMs} ms during warm scrapes (N=${r.targets})`, measured: `max ${fmtMs(r.warm.healthz.max)} of ${r.warm.healthz.n} probes`, met: r.warm.healthz.max < GOALS.healthzMs });
  }
  for (const r of runs) {
    const u = r.upstream;
    out.push({ goal: `exactly 1 upstream request per target per ttl, 2 scrapers (N=${r.targets})`, measured: `${u.perTargetPerTtl.toFixed(2)} (each target ${u.perTarget.min}–${u.perTarget.max} in 3 ttl)`, met: u.exact });
  }
  const rssRun = runs.find((r) => r.targets === GOALS.peakRssTargets);
  if (rssRun?.memory.peakRssAll !== undefined) {
    out.push({
      goal: `peak RSS < ${fmtBytes(GOALS.peakRssBytes)} (N=${rssRun.targets}${nodeFlagsInUse.length ? ', node options as the image sets them' : ''})`,
      measured: `${fmtBytes(rssRun.memory.peakRssAll)} (largest VmHWM of the two exporter runs)`,
      met: rssRun.memory.peakRssAll < GOALS.peakRssBytes,
    });
  }
  return out;
}

/** Every goal of the run: the default runs' and the large runs'. */
function allGoals(runs: RunResult[], largeRuns: LargeRun[]): Goal[] {
  return [...goals(runs), ...largeGoals(largeRuns, GOALS.cpuRatio)];
}

const mb = (b: number | undefined) => (b === undefined ? '—' : fmtBytes(b));

/** The report: the figures per target count, the goals, the renderers and the shards. */
export function report(runs: RunResult[], shardRuns: ShardRun[], m: ReturnType<typeof machine>, o: BenchOptions, largeRuns: LargeRun[] = []): string {
  const cols = ['figure', 'compared with', ...runs.map((r) => `N = ${groupDigits(r.targets)}`)];
  const row = (figure: string, against: string, cell: (r: RunResult) => string) => [figure, against, ...runs.map(cell)];
  const timing = (d: Distribution & { ratio: number }, floor: number, which: 'median' | 'p99') => `${fmtMs(d[which])} (${fmtRatio(d[which] / floor)})`;
  const rows = [
    row('series / bytes per scrape', '—', (r) => `${groupDigits(r.series)} / ${fmtBytes(r.bytes)}`),
    row(`cold scrape, median of ${COLD_RUNS} fresh processes`, 'ceil(N / concurrency) × latency', (r) => `${fmtMs(r.cold.ms)} / ${fmtMs(r.cold.floorMs)} = ${fmtRatio(r.cold.ratio)}`),
    row('cold scrape, each', '—', (r) => r.cold.samples.map((ms) => fmtMs(ms).replace(' ms', '')).join(', ') + ' ms'),
    row(`bare node:http client in a fresh process, median of ${COLD_RUNS}`, 'ceil(N / concurrency) × latency', (r) => `${fmtMs(r.cold.bare.ms)} = ${fmtRatio(r.cold.bare.ratio)}`),
    row(`refresh scrape (every target due, warm process), median of ${COLD_RUNS}`, 'ceil(N / concurrency) × latency', (r) => `${fmtMs(r.refresh.ms)} / ${fmtMs(r.refresh.floorMs)} = ${fmtRatio(r.refresh.ratio)}`),
    // The first cell of this row is read by tests (chart README sizing): keep it "<ms> ms …".
    row('exporter CPU per target and refresh', '—', (r) => `${fmtMs(r.refresh.cpuMsPerTarget)} (cycles: ${r.refresh.cpuSamples.map((c) => c.toFixed(2)).join(', ')})`),
    row("bare client's CPU per request: whole process / warm second pass", '—', (r) => `${fmtMs(r.cold.bare.cpuMsPerRequest)} / ${fmtMs(r.cold.bare.warmCpuMsPerRequest ?? NaN)}`),
    row('CPU: exporter per target and refresh / bare client per request', `goal ≤ ${GOALS.cpuRatio}× (N = 1 000, 5 000)`, (r) => fmtRatio(r.refresh.cpuRatio)),
    row('exporter CPU per target and refresh, every answer changed', '—', (r) => `${fmtMs(r.refresh.changed.cpuMsPerTarget)} (cycles: ${r.refresh.changed.cpuSamples.map((c) => c.toFixed(2)).join(', ')})`),
    row('CPU, every answer changed: exporter / bare client', `goal ≤ ${GOALS.cpuRatio}× (N = 1 000, 5 000)`, (r) => fmtRatio(r.refresh.changed.cpuRatio)),
    row('cold scrape / bare client in a fresh process', `goal ≤ ${GOALS.coldRatio}×`, (r) => fmtRatio(r.cold.bareRatio)),
    row('warm floor: the body as strings, joined', '—', (r) => `${fmtMs(r.warm.floorMs)} (${groupDigits(r.warm.floorParts)} strings)`),
    row('warm scrape, 1 scraper, median', 'warm floor', (r) => timing(r.warm.one, r.warm.floorMs, 'median')),
    row('warm scrape, 1 scraper, p99', 'warm floor', (r) => timing(r.warm.one, r.warm.floorMs, 'p99')),
    row('warm scrape, 8 scrapers, median', 'warm floor', (r) => timing(r.warm.eight, r.warm.floorMs, 'median')),
    row('warm scrape, 8 scrapers, p99', 'warm floor', (r) => timing(r.warm.eight, r.warm.floorMs, 'p99')),
    row('warm scrape, gzip, 1 scraper, median', 'warm floor', (r) => (r.warm.gzip ? timing(r.warm.gzip, r.warm.floorMs, 'median') : 'no gzip')),
    row('gzip: bytes / first scrape (compresses)', 'plain bytes', (r) =>
      r.warm.gzip ? `${fmtBytes(r.warm.gzip.bytes)} (${fmtRatio(r.bytes / r.warm.gzip.bytes)} smaller) / ${fmtMs(r.warm.gzip.firstMs)}` : 'no gzip',
    ),
    row('/healthz during warm scrapes, 1 scraper: p99 / max', '50 ms', (r) => `${fmtMs(r.warm.healthz.p99)} / ${fmtMs(r.warm.healthz.max)} (${fmtRatio(r.warm.healthz.max / GOALS.healthzMs)})`),
    row('/healthz during 8 scrapers and gzip: p99 / max', '50 ms', (r) => `${fmtMs(r.warm.healthzConcurrent.p99)} / ${fmtMs(r.warm.healthzConcurrent.max)} (${fmtRatio(r.warm.healthzConcurrent.max / GOALS.healthzMs)})`),
    row("exporter's event-loop lag, max", '50 ms', (r) => fmtMs(r.warm.loopLagMaxMs)),
    row('upstream requests / target / ttl', 'exactly 1', (r) => `${r.upstream.perTargetPerTtl.toFixed(2)} (ttl ${r.upstream.ttlSeconds}s, ${r.upstream.scrapes} scrapes)`),
    row('peak RSS (VmHWM): cold + warm + refresh', 'exposition bytes', (r) => `${mb(r.memory.peakRss)} (${fmtRatio(r.memory.rssPerExpositionByte ?? NaN)})`),
    row('peak RSS: 3 ttl under 2 scrapers', 'exposition bytes', (r) => `${mb(r.upstream.peakRss)} (${fmtRatio((r.upstream.peakRss ?? NaN) / r.bytes)})`),
    ...(runs.some((r) => r.memory.plainNodePeakRss !== undefined)
      ? [row('peak RSS: the same 3 ttl, plain node (no heap options)', 'exposition bytes', (r) => `${mb(r.memory.plainNodePeakRss)} (${fmtRatio((r.memory.plainNodePeakRss ?? NaN) / r.bytes)})`)]
      : []),
    row('heap used / total, max seen', 'exposition bytes', (r) => `${mb(r.memory.heapUsedMax)} / ${mb(r.memory.heapTotalMax)} (${fmtRatio(r.memory.heapUsedMax / r.bytes)})`),
    row('render: plain prom-client', 'fast path, full render', (r) => `${fmtMs(r.renderers.promClientMs)} vs ${fmtMs(r.renderers.fastFullMs)} = ${fmtRatio(r.renderers.ratio)}`),
    row('render: prom-client metrics() alone', 'fast path, join only', (r) => `${fmtMs(r.renderers.promClientMetricsOnlyMs)} vs ${fmtMs(r.renderers.fastJoinMs)} = ${fmtRatio(r.renderers.promClientMetricsOnlyMs / r.renderers.fastJoinMs)}`),
    ...statusPageRows(runs),
  ];
  const out = [
    `bkpaas-process-exporter scale benchmark, ${new Date().toISOString()}`,
    `machine: ${m.nproc} CPUs (${m.cpu}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ${m.platform}; load average at start ${m.loadavg.join(' ')}`,
    `setup: ${PROCESS_TYPES} process types × ${INSTANCES_PER_TYPE} instances per target; simulator latency ${o.latencyMs} ms; upstream.concurrency ${o.concurrency}; exporter node options: ${o.nodeFlags.length ? `${o.nodeFlags.join(' ')} (${o.nodeFlagsFrom === 'image' ? "the image's NODE_OPTIONS and ENTRYPOINT flags" : '--exporter-node-flags'})` : 'none (plain node)'}; simulator, exporter and this client are separate processes on loopback`,
    '',
    renderTable(cols, rows),
  ];
  if (runs.length === 0) out.splice(3, 2);
  if (largeRuns.length > 0) out.push('', largeReport(largeRuns));
  out.push(
    '',
    renderTable(
      ['goal', 'measured', 'met'],
      allGoals(runs, largeRuns).map((g) => [g.goal, g.measured, ok(g.met)]),
    ),
  );
  for (const r of runs) {
    if (r.profile) out.push('', `profile of the exporter, N = ${groupDigits(r.targets)}, a cold scrape and ${COLD_RUNS} refreshes (${r.profile.file}):`, r.profile.text);
  }
  for (const s of shardRuns) {
    out.push(
      '',
      `sharded: N = ${groupDigits(s.targets)}, ${s.shards.length} exporter processes on one simulator, all scraped at once (they share this machine's ${m.nproc} CPUs; in a cluster each pod has its own)`,
      renderTable(
        ['shard', 'targets', 'upstream requests (cold)', 'cold scrape / floor', 'warm scrape median', 'peak RSS'],
        s.shards.map((sh) => [
          `${sh.index}/${s.shards.length}`,
          groupDigits(sh.targets),
          groupDigits(sh.upstreamRequests),
          `${fmtMs(sh.coldMs)} / ${fmtMs(sh.floorMs)} = ${fmtRatio(sh.ratio)}`,
          fmtMs(sh.warmMedianMs),
          mb(sh.peakRss),
        ]),
      ),
      `union of the shards: ${groupDigits(s.union.covered)} of ${groupDigits(s.union.expected)} targets, ${s.union.duplicated.length} in more than one shard, ${s.union.missing.length} in none; ${s.duplicateFetches} fetched twice — ${s.union.ok && s.duplicateFetches === 0 ? 'every target exactly once ✓' : 'NOT every target exactly once ✗'}`,
    );
  }
  return out.join('\n');
}

async function main(): Promise<number> {
  let o: BenchOptions | 'help';
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const m = machine();
  nodeFlagsInUse = o.nodeFlags;
  progress(`targets ${o.targets.join(', ')}; latency ${o.latencyMs} ms; concurrency ${o.concurrency}; ${o.scrapes} warm scrapes per scraper${o.shards ? `; ${o.shards} shards` : ''}`);
  const runs: RunResult[] = [];
  const largeRuns: LargeRun[] = [];
  for (const n of o.targets) {
    if (n >= LARGE_TARGETS) largeRuns.push(await runLarge(n, o));
    else runs.push(await runOne(n, o));
  }
  const shardRuns: ShardRun[] = [];
  if (o.shards >= 2) for (const n of o.targets) shardRuns.push(await runShards(n, o.shards, o));
  const text = report(runs, shardRuns, m, o, largeRuns);
  process.stdout.write(`\n${text}\n`);
  mkdirSync(o.outDir, { recursive: true });
  const file = path.join(o.outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const loadEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  writeFileSync(file, JSON.stringify({ machine: { ...m, loadavgAtEnd: loadEnd }, options: o, runs, large: largeRuns, shards: shardRuns, goals: allGoals(runs, largeRuns) }, null, 2) + '\n');
  progress(`results written to ${path.relative(process.cwd(), file)}; load average at end ${loadEnd.join(' ')}`);
  const unionFailed = shardRuns.some((s) => !s.union.ok || s.duplicateFetches > 0);
  if (unionFailed) process.stderr.write('error: the shards do not serve every target exactly once\n');
  return unionFailed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
