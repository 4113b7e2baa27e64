/** The benchmark's own logic, without running it: arguments, the config it writes, the floor split, the shard check, statistics. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseBenchArgs } from '../../bench/bench';
import { imageNodeOptions } from '../../bench/scale/processes';
import { scrape, scrapeAgent } from '../../bench/scale/client';
import { processCpuMs } from '../../bench/scale/cpu';
import { mainThreadProfile, sourceOf, summarise } from '../../bench/scale/cpuProfile';
import { checkShardUnion, countSeries, gaugeValue, lastSuccessIn, splitPerTargetFamily, targetsIn } from '../../bench/scale/exposition';
import { configYaml } from '../../bench/scale/processes';
import { fmtBytes, fmtMs, median, quantile } from '../../bench/scale/stats';
import { renderTable } from '../../bench/scale/table';
import { parseConfigText } from '../../src/config/load';
import { renderTargets } from '../../src/metrics/render';
import { renderTargetChunks } from '../../src/metrics/targetChunks';
import { inShard } from '../../src/scheduler/shard';
import { generateFleet } from '../../src/simulator';

const SIM = { base_url: 'http://127.0.0.1:1/api/bkpaas3/prod', origin: 'http://127.0.0.1:1', bk_app_code: 'app', bk_app_secret: 'secret', access_token: 'token', targets: 0 };
const keyOf = (t: { app_code: string; module_name: string; environment: string }) => `${t.app_code}/${t.module_name}/${t.environment}`;

describe('imageNodeOptions', () => {
  it('reads the flags of ENV NODE_OPTIONS="..." and names the Dockerfile when there is none', () => {
    expect(imageNodeOptions('FROM x\nENV NODE_ENV=production\nENV NODE_OPTIONS="--max-old-space-size=64  --max-semi-space-size=2"\n')).toEqual(['--max-old-space-size=64', '--max-semi-space-size=2']);
    expect(() => imageNodeOptions('FROM x\nENV NODE_ENV=production\n')).toThrow(/Dockerfile sets no ENV NODE_OPTIONS/);
  });

  it('adds the node flags of the exec-form ENTRYPOINT (those node refuses in NODE_OPTIONS), after NODE_OPTIONS', () => {
    const dockerfile = 'FROM x\nENV NODE_OPTIONS="--max-old-space-size=64"\nENTRYPOINT ["tini", "--", "node", "--no-allocation-site-pretenuring", "--stack-size=900", "/app/dist/main.js", "--flag-of-the-app"]\n';
    expect(imageNodeOptions(dockerfile)).toEqual(['--max-old-space-size=64', '--no-allocation-site-pretenuring', '--stack-size=900']);
    expect(imageNodeOptions('FROM x\nENV NODE_OPTIONS="--max-old-space-size=64"\nENTRYPOINT ["tini", "--", "node", "/app/dist/main.js"]\n')).toEqual(['--max-old-space-size=64']);
  });

  it('reads the repository Dockerfile: its heap sizing and its ENTRYPOINT flag', () => {
    expect(imageNodeOptions()).toEqual([expect.stringMatching(/^--max-old-space-size=\d+$/), expect.stringMatching(/^--max-semi-space-size=\d+$/), '--no-allocation-site-pretenuring']);
  });
});

describe('parseBenchArgs', () => {
  it('defaults to the issue: 100, 1 000 and 5 000 targets, 50 ms, concurrency 32, 20 scrapes, no shards', () => {
    // By default the exporter runs with the image's node options, read from the Dockerfile: its NODE_OPTIONS, then its ENTRYPOINT's node flags.
    expect(parseBenchArgs([])).toMatchObject({ targets: [100, 1000, 5000], latencyMs: 50, concurrency: 32, scrapes: 20, shards: 0, nodeFlagsFrom: 'image' });
    const dockerfile = readFileSync(path.join(__dirname, '..', '..', 'Dockerfile'), 'utf8');
    const imageOptions = /^ENV NODE_OPTIONS="(.*)"$/m.exec(dockerfile)![1].split(' ');
    expect((parseBenchArgs([]) as { nodeFlags: string[] }).nodeFlags).toEqual([...imageOptions, '--no-allocation-site-pretenuring']);
    expect(imageOptions.length).toBeGreaterThan(0);
    expect(parseBenchArgs(['--exporter-node-flags', ''])).toMatchObject({ nodeFlags: [], nodeFlagsFrom: 'option' });
  });

  it('reads every flag, with = or a separate value', () => {
    expect(parseBenchArgs(['--targets', '100,1_000', '--latency=20', '--concurrency', '16', '--scrapes', '30', '--ttl', '7', '--shards', '3'])).toMatchObject({
      targets: [100, 1000],
      latencyMs: 20,
      concurrency: 16,
      scrapes: 30,
      ttlSeconds: 7,
      shards: 3,
    });
    expect(parseBenchArgs(['--exporter-node-flags', '--max-old-space-size=192 --trace-gc'])).toMatchObject({ nodeFlags: ['--max-old-space-size=192', '--trace-gc'] });
    expect(parseBenchArgs(['--exporter-node-flags=--max-old-space-size=192'])).toMatchObject({ nodeFlags: ['--max-old-space-size=192'] });
    expect(parseBenchArgs(['--help'])).toBe('help');
    expect(parseBenchArgs([])).toMatchObject({ profile: false });
    expect(parseBenchArgs(['--profile', '--targets', '20000'])).toMatchObject({ profile: true, targets: [20000] });
  });

  it.each([
    [['--targets', '100,x'], '--targets needs a whole number'],
    [['--scrapes', '5'], '--scrapes needs a whole number ≥ 20'],
    [['--shards', '1'], '--shards needs a whole number ≥ 2'],
    [['--nope'], 'unknown argument --nope'],
  ])('%p is refused: %s', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('configYaml', () => {
  it.each([1, 7, 100])('writes a valid config whose targets are exactly the fleet of %i, in order', (n) => {
    const fleet = generateFleet(n);
    const { config } = parseConfigText(configYaml({ sim: SIM, targets: fleet, concurrency: 32, ttlSeconds: 15 }));
    expect(config.targets.map(keyOf)).toEqual(fleet.map(keyOf));
    expect(config.upstream.concurrency).toBe(32);
    expect(config.cache.ttl_ms).toBe(15_000);
    expect(config.upstream.auth).toMatchObject({ bk_app_code: 'app', bk_app_secret: 'secret', access_token: 'token' });
  });

  it("gives shards a partition of the fleet (what the benchmark's union check asserts end to end)", () => {
    const keys = generateFleet(500).map(keyOf);
    const shards = [0, 1, 2, 3].map((index) => keys.filter((k) => inShard(k, { index, total: 4 })));
    expect(checkShardUnion(keys, shards)).toMatchObject({ ok: true, covered: 500, missing: [], duplicated: [] });
    expect(Math.min(...shards.map((s) => s.length))).toBeGreaterThan(80);
  });
});

describe('the exposition helpers', () => {
  const labels = (app: string) => `app_code="${app}",module_name="default",environment="prod"`;
  const chunks = ['a', 'b', 'c'].map((app) =>
    renderTargetChunks({ labels: labels(app), up: true, durationSeconds: 0.1, lastSuccessSeconds: 5, errorCounts: new Map([['timeout', 1]]), rows: [], instanceMetrics: false }),
  );
  const own = '# HELP nodejs_heap_size_used_bytes Heap.\n# TYPE nodejs_heap_size_used_bytes gauge\nnodejs_heap_size_used_bytes 1234\n\n';
  const body = own + renderTargets(chunks);

  it('splits a body per target and family into strings that join back to it', () => {
    const parts = splitPerTargetFamily(body);
    expect(parts.join('')).toBe(body);
    // own family (header, sample) + 4 families × (header + 3 targets)
    expect(parts).toHaveLength(2 + 4 * 4);
    expect(parts).toContain(`bkpaas_target_up{${labels('b')}} 1\n`);
    expect(splitPerTargetFamily('x 1').join('')).toBe('x 1');
  });

  it('counts series, reads targets and gauges', () => {
    expect(countSeries(body)).toBe(1 + 4 * 3);
    expect([...targetsIn(body)]).toEqual([
      ['a/default/prod', 1],
      ['b/default/prod', 1],
      ['c/default/prod', 1],
    ]);
    expect(gaugeValue(body, 'nodejs_heap_size_used_bytes')).toBe(1234);
    expect(gaugeValue(body, 'nodejs_nope')).toBeUndefined();
    expect([...lastSuccessIn(body)]).toEqual([
      ['a/default/prod', 5],
      ['b/default/prod', 5],
      ['c/default/prod', 5],
    ]);
  });

  it("reads the head of a gzip scrape without the rest of the stream (the large run's event-loop lag)", async () => {
    const text = `nodejs_eventloop_lag_max_seconds 0.042\n${'x'.repeat(300_000)}\n`;
    const server = (await import('node:http')).createServer((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(gzipSync(text));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = scrapeAgent();
    try {
      const { port } = server.address() as { port: number };
      const r = await scrape(`http://127.0.0.1:${port}/metrics`, { agent, timeoutSeconds: 1, gzip: true, headBytes: 100 });
      expect(r.head).toHaveLength(100);
      expect(gaugeValue(r.head, 'nodejs_eventloop_lag_max_seconds')).toBe(0.042);
    } finally {
      agent.destroy();
      server.close();
    }
  });

  it('checkShardUnion names missing, duplicated and unexpected targets', () => {
    const u = checkShardUnion(['a', 'b', 'c'], [['a', 'b'], ['b', 'x']]);
    expect(u).toEqual({ ok: false, expected: 3, covered: 2, missing: ['c'], duplicated: ['b'], unexpected: ['x'] });
    expect(checkShardUnion(['a', 'b'], [['b'], ['a']]).ok).toBe(true);
  });
});

describe('CPU time and profiles', () => {
  it("reads a process's CPU time from /proc, growing as it works", () => {
    const before = processCpuMs(process.pid)!;
    const until = performance.now() + 150;
    while (performance.now() < until) Math.sqrt(Math.random());
    expect(processCpuMs(process.pid)! - before).toBeGreaterThanOrEqual(50);
    expect(processCpuMs(2 ** 30)).toBeUndefined();
  });

  // root → a (src) → b (node-fetch), root → idle; samples: b 3 ms, a 1 ms, idle 5 ms, b 2 ms
  const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 9, columnNumber: 0 }, children });
  const profile = {
    nodes: [
      frame(1, '(root)', '', [2, 4]),
      frame(2, 'render', 'file:///app/dist/metrics/render.js', [3]),
      frame(3, 'find', 'file:///app/node_modules/node-fetch/lib/index.js'),
      frame(4, '(idle)', ''),
    ],
    samples: [3, 2, 4, 3],
    timeDeltas: [0, 3000, 1000, 5000, 2000],
  };

  it('summarises a profile by self and total time, idle left out', () => {
    const s = summarise(profile);
    expect(s.busyMs).toBe(6);
    expect(s.idleMs).toBe(5);
    expect(s.frames.map((f) => [f.frame, f.selfMs, f.totalMs])).toEqual([
      ['find node-fetch:10', 5, 5],
      ['render src/metrics/render.ts:10', 1, 6],
    ]);
    expect(s.sources).toEqual([
      { source: 'node-fetch', selfMs: 5 },
      { source: 'src/metrics/render.ts', selfMs: 1 },
    ]);
    expect([sourceOf('node:internal/http', 'x'), sourceOf('', '(garbage collector)'), sourceOf('', 'writev')]).toEqual(['node:internal', '(garbage collector)', '(native)']);
  });

  it("picks the main thread's profile of a process", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-prof-'));
    try {
      for (const f of ['CPU.20261129.1.77.1.002.cpuprofile', 'CPU.20261129.1.77.0.001.cpuprofile', 'CPU.20261129.1.78.0.001.cpuprofile']) writeFileSync(path.join(dir, f), '{}');
      expect(path.basename(mainThreadProfile(dir, 77))).toBe('CPU.20261129.1.77.0.001.cpuprofile');
      expect(() => mainThreadProfile(dir, 79)).toThrow('no .cpuprofile of process 79');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('statistics and formatting', () => {
  it('median and nearest-rank quantiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(median(xs)).toBe(50.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('formats milliseconds, bytes and tables', () => {
    expect([fmtMs(0.4321), fmtMs(12.34), fmtMs(7850.2)]).toEqual(['0.43 ms', '12.3 ms', '7 850 ms']);
    expect([fmtBytes(999), fmtBytes(16_400), fmtBytes(28_600_000)]).toEqual(['999 B', '16.4 KB', '28.6 MB']);
    expect(renderTable(['a', 'bb'], [['×', '1']])).toBe('| a | bb |\n|---|----|\n| × | 1  |');
  });
});
