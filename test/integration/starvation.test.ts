/**
 * Broken targets must neither hide themselves nor starve healthy ones: every configured target
 * has bkpaas_target_up from the first scrape on, a /probe never answers an empty 200, targets
 * that hang cannot take the connection slots from a healthy target listed after them, and a
 * target that keeps failing is asked less and less often (up to a cap).
 */
import { find, parseExposition, value, type ParsedExposition } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { sleep } from '../helpers/sleep';
import { simTarget } from '../helpers/targets';
import { MAX_BACKOFF_TTLS } from '../../src/scheduler/failureBackoff';

const TTL_MS = 1_000;
const TIMEOUT_MS = 500;
const CONCURRENCY = 8;
const HANGING = 64;
/** One pass over the hanging targets listed before the healthy one, at full concurrency. */
const PASS_MS = Math.ceil(HANGING / CONCURRENCY) * TIMEOUT_MS;
/** A Prometheus scrape with a 1 s timeout: answered after 0.9 s at the latest. */
const SCRAPE = { 'X-Prometheus-Scrape-Timeout-Seconds': '1' };
/**
 * One with a 0.5 s timeout: a scrape waits for the fetches in flight (the hanging ones always
 * are) until its deadline, so these come every 0.45 s, well within a ttl.
 */
const QUICK_SCRAPE = { 'X-Prometheus-Scrape-Timeout-Seconds': '0.5' };

const app = (i: number) => `hang-${String(i).padStart(3, '0')}`;
const hangingTargets = () => Array.from({ length: HANGING }, (_, i) => simTarget(app(i), 'hang'));

describe('broken targets', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('every configured target has bkpaas_target_up from the first scrape on', async () => {
    h = await startHarness({
      simTargets: [...hangingTargets(), simTarget('healthy-last')],
      config: { cache: { ttl_ms: TTL_MS }, upstream: { timeout_ms: TIMEOUT_MS, concurrency: CONCURRENCY } },
    });
    const m = await h.scrape(SCRAPE);
    expect(value(m, 'bkpaas_exporter_targets')).toBe(HANGING + 1);
    const up = find(m, 'bkpaas_target_up');
    expect(up).toHaveLength(HANGING + 1);
    expect(new Set(up.map((s) => s.labels.app_code)).size).toBe(HANGING + 1);
    for (let i = 0; i < HANGING; i++) {
      const l = { app_code: app(i) };
      expect(value(m, 'bkpaas_target_up', l)).toBe(0);
      // Never succeeded: no last-success time to show.
      expect(find(m, 'bkpaas_target_last_success_timestamp_seconds', l)).toHaveLength(0);
    }
  });

  it('/probe of a target whose first fetch is still running answers bkpaas_target_up 0 by its deadline', async () => {
    h = await startHarness({ simTargets: [simTarget('stuck', 'hang')], config: { upstream: { timeout_ms: 3_000 } } });
    const started = Date.now();
    const res = await h.get('/probe?app_code=stuck&module_name=default&environment=prod', { 'X-Prometheus-Scrape-Timeout-Seconds': '0.5' });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeLessThan(1_500);
    const m = parseExposition(res.body);
    expect(value(m, 'bkpaas_target_up', { app_code: 'stuck' })).toBe(0);
    expect(m.type.get('bkpaas_target_up')).toBe('gauge');
    // The fetch is still running: there is no finished one to report a duration or error for.
    expect(find(m, 'bkpaas_target_fetch_duration_seconds')).toHaveLength(0);
    expect(find(m, 'bkpaas_target_fetch_errors_total')).toHaveLength(0);
  });

  it('a healthy target listed after hanging ones is up after one pass and stays fresh within 2 × ttl', async () => {
    h = await startHarness({
      simTargets: [...hangingTargets(), simTarget('healthy-last')],
      config: { cache: { ttl_ms: TTL_MS }, upstream: { timeout_ms: TIMEOUT_MS, concurrency: CONCURRENCY } },
    });
    const healthy = { app_code: 'healthy-last' };
    const scrapeEvery = async (ms: number, until: number, each: (m: ParsedExposition, at: number) => void) => {
      while (Date.now() < until) {
        const started = Date.now();
        const m = await h.scrape(QUICK_SCRAPE);
        each(m, Date.now());
        await sleep(Math.max(0, started + ms - Date.now()));
      }
    };
    const start = Date.now();
    // Prometheus-like scrapes while the first pass over the hanging targets runs.
    await scrapeEvery(250, start + PASS_MS + 250, () => {});
    // Nothing tells the healthy target apart before it is first fetched; after that pass it is up.
    const second = await h.scrape(QUICK_SCRAPE);
    expect(value(second, 'bkpaas_target_up', healthy)).toBe(1);

    // From then on the hanging targets (due again every ttl) must not hold it back.
    const ages: number[] = [];
    await scrapeEvery(250, Date.now() + 6 * TTL_MS, (m, at) => {
      expect(value(m, 'bkpaas_target_up', healthy)).toBe(1);
      ages.push(at - value(m, 'bkpaas_target_last_success_timestamp_seconds', healthy) * 1000);
    });
    expect(ages.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...ages)).toBeLessThanOrEqual(2 * TTL_MS);
    // And they are still tried: each of them at least once, within the concurrency.
    for (let i = 0; i < HANGING; i++) expect(h.sim.countRequests(`${app(i)}/default/prod`)).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('the outside tester\'s case: 1 000 hanging targets ahead of a healthy one, timeout 2 s, concurrency 16 — up by the second scrape, then fresh', async () => {
    const many = Array.from({ length: 1_000 }, (_, i) => simTarget(`stuck-${String(i).padStart(4, '0')}`, 'hang'));
    const ttl = 5_000;
    h = await startHarness({
      simTargets: [...many, simTarget('healthy-last')],
      config: { cache: { ttl_ms: ttl }, upstream: { timeout_ms: 2_000, concurrency: 16 } },
    });
    const healthy = { app_code: 'healthy-last' };
    // Prometheus with a 15 s interval and a 10 s scrape timeout. One pass of first fetches that
    // each hold a slot for the whole timeout would take 1 000 / 16 × 2 s = 125 s.
    const prometheus = { 'X-Prometheus-Scrape-Timeout-Seconds': '10' };
    const start = Date.now();
    const first = await h.scrape(prometheus);
    expect(find(first, 'bkpaas_target_up')).toHaveLength(1_001);
    await sleep(start + 15_000 - Date.now());
    const second = await h.scrape(prometheus);
    expect(value(second, 'bkpaas_target_up', healthy)).toBe(1);
    // Every hanging target was asked once, and none of them shows as up.
    expect(many.filter((t) => h.sim.countRequests(`${t.app_code}/default/prod`) === 0)).toEqual([]);
    expect(find(second, 'bkpaas_target_up').filter((s) => s.value === 1).map((s) => s.labels.app_code)).toEqual(['healthy-last']);
    // From then on it stays fresh within 2 × ttl while the hanging ones keep failing.
    const ages: number[] = [];
    for (const until = Date.now() + 2 * ttl; Date.now() < until; await sleep(1_000)) {
      const m = await h.scrape(QUICK_SCRAPE);
      ages.push(Date.now() - value(m, 'bkpaas_target_last_success_timestamp_seconds', healthy) * 1000);
    }
    expect(Math.max(...ages)).toBeLessThanOrEqual(2 * ttl);
  }, 60_000);

  it('asks a target that keeps failing less and less often, and sees its recovery within the backoff cap', async () => {
    const ttl = 200;
    h = await startHarness({ simTargets: [simTarget('broken', 'server_error')], config: { cache: { ttl_ms: ttl } } });
    const key = 'broken/default/prod';
    const until = Date.now() + 15 * ttl;
    let m: ParsedExposition | undefined;
    while (Date.now() < until) {
      m = await h.scrape();
      await sleep(ttl / 4);
    }
    // Once per ttl would be a dozen attempts or more; waits of 1, 2, 4, 4, … ttl give about 6.
    const attempts = h.sim.countRequests(key);
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(8);
    // Fewer attempts, fewer counted failures: the counter counts fetches, not time.
    expect(value(m!, 'bkpaas_target_fetch_errors_total', { app_code: 'broken', reason: 'server_error' })).toBe(attempts);

    h.sim.setScenario('broken', 'default', 'prod', 'healthy');
    const recovered = Date.now();
    for (;;) {
      const now = await h.scrape();
      if (value(now, 'bkpaas_target_up', { app_code: 'broken' }) === 1) break;
      expect(Date.now() - recovered).toBeLessThan(MAX_BACKOFF_TTLS * ttl + 300);
      await sleep(ttl / 4);
    }
  });
});
