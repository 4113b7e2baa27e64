/**
 * The cache and the scrape deadline: one upstream request per target per ttl however many
 * scrapes, concurrency bounded, and a slow refresh never holding a scrape past its deadline.
 */
import { value } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { specOf } from '../helpers/targets';
import type { SimTarget } from '../../src/simulator/types';
import { sleep } from '../helpers/sleep';

const fleet = (n: number, extra: Partial<SimTarget> = {}): SimTarget[] =>
  Array.from({ length: n }, (_, i) => ({ app_code: `app-${i}`, module_name: 'default', environment: 'prod', scenario: 'healthy' as const, ...extra }));

describe('caching', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('serves 50 concurrent scrapes from one upstream request per target', async () => {
    h = await startHarness({ simTargets: fleet(10), sim: { latencyMs: 100 }, config: { cache: { ttl_ms: 60_000 } } });
    const results = await Promise.all(Array.from({ length: 50 }, () => h.get('/metrics')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    for (let i = 0; i < 10; i++) expect(h.sim.countRequests(`app-${i}/default/prod`)).toBe(1);
    // Every scrape saw the same completed data.
    expect(new Set(results.map((r) => r.body.split('\n').filter((l) => l.startsWith('bkpaas_process_replicas')).join())).size).toBe(1);
    await h.get('/metrics');
    expect(h.sim.countRequests()).toBe(10);
  });

  it('refreshes once per ttl, failures included', async () => {
    const targets = fleet(2);
    targets[1].scenario = 'server_error';
    h = await startHarness({ simTargets: targets, config: { cache: { ttl_ms: 400 } } });
    await h.scrape();
    await h.scrape();
    expect(h.sim.countRequests('app-0/default/prod')).toBe(1);
    expect(h.sim.countRequests('app-1/default/prod')).toBe(1);
    await sleep(450);
    const m = await h.scrape();
    expect(h.sim.countRequests('app-0/default/prod')).toBe(2);
    expect(h.sim.countRequests('app-1/default/prod')).toBe(2);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { app_code: 'app-1', reason: 'server_error' })).toBe(2);
  });

  it('keeps at most upstream.concurrency requests in flight', async () => {
    h = await startHarness({ simTargets: fleet(12), sim: { latencyMs: 150 }, config: { upstream: { concurrency: 3 } } });
    const started = Date.now();
    await h.scrape();
    const elapsed = Date.now() - started;
    // 12 targets, 3 at a time, 150 ms each: at least 4 rounds.
    expect(elapsed).toBeGreaterThanOrEqual(4 * 150 - 20);
    const times = h.sim.requests.filter((r) => r.targetKey).map((r) => r.at).sort((a, b) => a - b);
    // No 4 requests arrive within one latency window.
    for (let i = 3; i < times.length; i++) expect(times[i] - times[i - 3]).toBeGreaterThanOrEqual(100);
  });

  it('answers by the scrape deadline with the previous result while a refresh runs on', async () => {
    const targets = fleet(2);
    h = await startHarness({ simTargets: targets, config: { cache: { ttl_ms: 200 }, upstream: { timeout_ms: 10_000 } } });
    const first = await h.scrape();
    expect(value(first, 'bkpaas_target_up', { app_code: 'app-1' })).toBe(1);
    const firstSuccess = value(first, 'bkpaas_target_last_success_timestamp_seconds', { app_code: 'app-1' });

    h.sim.setTarget({ ...targets[1], scenario: 'slow', latencyMs: 3_000 });
    await sleep(250);
    const started = Date.now();
    const during = await h.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '1' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1_000);
    expect(elapsed).toBeGreaterThanOrEqual(800);
    // The slow target still shows its previous completed result; the fast one is fresh.
    expect(value(during, 'bkpaas_target_up', { app_code: 'app-1' })).toBe(1);
    expect(value(during, 'bkpaas_target_last_success_timestamp_seconds', { app_code: 'app-1' })).toBe(firstSuccess);
    expect(value(during, 'bkpaas_target_last_success_timestamp_seconds', { app_code: 'app-0' })).toBeGreaterThan(firstSuccess);

    // A scrape meanwhile shares the refresh in flight instead of starting another.
    await h.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '0.5' });
    expect(h.sim.countRequests('app-1/default/prod')).toBe(2);

    // The background refresh completes and its result is served next.
    await sleep(2_500);
    const after = await h.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '0.2' });
    expect(value(after, 'bkpaas_target_last_success_timestamp_seconds', { app_code: 'app-1' })).toBeGreaterThan(firstSuccess);
  });

  it('drops a process type that disappears upstream at the next refresh', async () => {
    const t: SimTarget = { app_code: 'shrink', module_name: 'default', environment: 'prod', scenario: 'healthy', processTypes: ['web', 'worker'] };
    h = await startHarness({ simTargets: [t], targets: [specOf(t)], config: { cache: { ttl_ms: 100 } } });
    const before = await h.scrape();
    expect(before.samples.some((s) => s.name === 'bkpaas_process_replicas' && s.labels.process_type === 'worker')).toBe(true);
    h.sim.setTarget({ ...t, processTypes: ['web'] });
    await sleep(150);
    const after = await h.scrape();
    expect(after.samples.some((s) => s.labels.process_type === 'worker')).toBe(false);
    expect(after.samples.some((s) => s.name === 'bkpaas_process_replicas' && s.labels.process_type === 'web')).toBe(true);
  });
});
