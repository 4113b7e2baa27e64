/**
 * The exporter's endpoints other than /metrics: /probe (and its rejections, counted),
 * /exporter-metrics, /healthz, /readyz, /, 404s, scrape limit.
 */
import { find, parseExposition, value } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget } from '../helpers/targets';


describe('HTTP endpoints', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simTargets: [simTarget('alpha'), simTarget('beta', 'unauthorized'), simTarget('gamma', 'failed')] });
  });
  afterAll(() => h.stop());

  it('/probe serves one target only, with the text content type', async () => {
    const res = await h.get('/probe?app_code=alpha&module_name=default&environment=prod');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parseExposition(res.body);
    expect(value(m, 'bkpaas_target_up')).toBe(1);
    expect(new Set(m.samples.map((s) => s.labels.app_code))).toEqual(new Set(['alpha']));
    expect(find(m, 'bkpaas_exporter_targets')).toHaveLength(0);
    expect(h.sim.countRequests('beta/default/prod')).toBe(0);
  });

  it('/probe of a failing target answers 200 with up 0', async () => {
    const res = await h.get('/probe?app_code=beta&module_name=default&environment=prod');
    expect(res.status).toBe(200);
    const m = parseExposition(res.body);
    expect(value(m, 'bkpaas_target_up')).toBe(0);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { reason: 'auth' })).toBe(1);
  });

  it.each([
    ['', 'missing parameter app_code'],
    ['?app_code=alpha&module_name=default', 'missing parameter environment'],
    ['?app_code=alpha&app_code=beta&module_name=default&environment=prod', 'parameter app_code must be given once'],
    ['?app_code=../../admin&module_name=default&environment=prod', 'parameter app_code must be'],
    ['?app_code=alpha&module_name=default&environment=' + 'x'.repeat(200), 'parameter environment must be'],
    ['?app_code=nope&module_name=default&environment=prod', 'unknown target nope/default/prod: not configured in this exporter'],
  ])('/probe%s → 400 "%s", and no upstream request', async (query, reason) => {
    const before = h.sim.countRequests();
    const res = await h.get(`/probe${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.body).toContain(reason);
    expect(h.sim.countRequests()).toBe(before);
  });

  it('counts every 400 of /probe in bkpaas_exporter_probe_rejected_total by reason, on /metrics and /exporter-metrics', async () => {
    const counts = async (path: string) => {
      const m = parseExposition((await h.get(path)).body);
      return Object.fromEntries(find(m, 'bkpaas_exporter_probe_rejected_total').map((s) => [s.labels.reason, s.value]));
    };
    const before = await counts('/exporter-metrics');
    // Every reason has a series from the start (0 until it happens).
    expect(Object.keys(before).sort()).toEqual(['invalid_parameter', 'missing_parameter', 'unknown_target']);
    for (const query of [
      '?app_code=alpha&module_name=default',
      '?app_code=alpha&app_code=beta&module_name=default&environment=prod',
      '?app_code=a%20b&module_name=default&environment=prod',
      '?app_code=nope&module_name=default&environment=prod',
      '?app_code=alpha&module_name=api&environment=prod',
    ]) {
      expect((await h.get(`/probe${query}`)).status).toBe(400);
    }
    expect((await h.get('/probe?app_code=alpha&module_name=default&environment=prod')).status).toBe(200);
    const delta = (after: Record<string, number>) => Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]]));
    const expected = { missing_parameter: 1, invalid_parameter: 2, unknown_target: 2 };
    expect(delta(await counts('/exporter-metrics'))).toEqual(expected);
    expect(delta(await counts('/metrics'))).toEqual(expected);
    const m = parseExposition((await h.get('/metrics')).body);
    expect(m.type.get('bkpaas_exporter_probe_rejected_total')).toBe('counter');
  });

  it('/healthz and /readyz answer 200', async () => {
    expect((await h.get('/healthz')).status).toBe(200);
    expect((await h.get('/readyz')).status).toBe(200);
  });

  it('/ lists every target with its state, the failing one first with its last error', async () => {
    await h.get('/metrics');
    const res = await h.get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const keys = [...res.body.matchAll(/<tbody class="t (\w+)"[^>]* data-key="([^"]+)"/g)].map((m) => [m[2], m[1]]);
    expect(keys[0]).toEqual(['beta/default/prod', 'failing']);
    expect(new Set(keys.map(([k]) => k))).toEqual(new Set(['alpha/default/prod', 'beta/default/prod', 'gamma/default/prod']));
    expect(res.body).toMatch(/data-key="beta\/default\/prod"><tr class="err">.*<b>auth<\/b> GET http:\/\/127\.0\.0\.1/);
    expect(res.body).toContain('href="metrics"');
  });

  it('unknown paths are 404 and GET /-/reload is 405', async () => {
    expect((await h.get('/nope')).status).toBe(404);
    const r = await h.get('/-/reload');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
  });

  it('refuses scrapes beyond the concurrency limit with 503', async () => {
    const { Exporter } = await import('../../src/exporter');
    const { createApp } = await import('../../src/http/app');
    const { startServer } = await import('../../src/http/server');
    const { createLogger } = await import('../../src/log');
    h.sim.setTarget({ ...simTarget('alpha'), scenario: 'slow', latencyMs: 800 });
    const logger = createLogger('silent');
    const exporter = new Exporter({ ...h.config, cache: { ttl_ms: 0 } }, { logger });
    const server = await startServer(createApp(exporter, { logger, maxConcurrentScrapes: 2 }), { host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${server.address.port}/metrics`;
      const statuses = await Promise.all(Array.from({ length: 5 }, () => fetch(url).then((r) => r.status)));
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      expect(statuses.filter((s) => s === 503)).toHaveLength(3);
    } finally {
      await server.close(100);
      exporter.close();
      h.sim.setTarget(simTarget('alpha'));
    }
  });
});

describe('/exporter-metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simTargets: [simTarget('alpha'), simTarget('beta', 'unauthorized')] });
  });
  afterAll(() => h.stop());

  it("serves the exporter's own metrics only, and fetches no target", async () => {
    const res = await h.get('/exporter-metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parseExposition(res.body);
    const families = [...m.type.keys()];
    expect(families.filter((name) => !/^(bkpaas_exporter_|bkpaas_discovery_|process_|nodejs_)/.test(name))).toEqual([]);
    expect(value(m, 'bkpaas_exporter_targets')).toBe(2);
    expect(find(m, 'bkpaas_exporter_build_info')).toHaveLength(1);
    expect(value(m, 'bkpaas_exporter_config_last_reload_successful')).toBe(1);
    expect(families).toEqual(expect.arrayContaining(['bkpaas_exporter_probe_rejected_total', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']));
    expect(m.samples.filter((s) => s.name.startsWith('bkpaas_target_') || s.name.startsWith('bkpaas_process_'))).toEqual([]);
    expect(h.sim.countRequests()).toBe(0);
    // /metrics serves the same own metrics, after fetching every target.
    const all = parseExposition((await h.get('/metrics')).body);
    expect(h.sim.countRequests()).toBe(2);
    expect([...all.type.keys()]).toEqual(expect.arrayContaining(families));
  });
});
