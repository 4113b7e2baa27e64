/**
 * Retries, by upstream request counts: transient failures (network, 502/503/504) are tried
 * again with jittered backoff inside the target's budget — and a brief blip is absorbed within
 * one fetch; everything else (4xx, 500, a bad 200 body, a redirect) is asked exactly once. A
 * target backing off does not hold a concurrency slot meanwhile.
 */
import { find, value } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget } from '../helpers/targets';
import { backoffMs } from '../../src/scheduler/retry';
import type { Scenario } from '../../src/simulator/types';

const key = (app: string) => `${app}/default/prod`;

describe('retries', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it.each([
    [1, 2, 1],
    [2, 3, 1],
    [3, 3, 0],
  ])('a blip of %i failure(s): %i requests, up %i', async (failures, requests, up) => {
    h = await startHarness({ simTargets: [simTarget('blip', 'flaky', { flakyFailures: failures })] });
    const m = await h.scrape();
    expect(h.sim.countRequests(key('blip'))).toBe(requests);
    expect(value(m, 'bkpaas_target_up', { app_code: 'blip' })).toBe(up);
    const errors = find(m, 'bkpaas_target_fetch_errors_total', { app_code: 'blip' });
    if (up) expect(errors).toHaveLength(0);
    else expect(errors.map((e) => [e.labels.reason, e.value])).toEqual([['server_error', 1]]);
  });

  it('asks exactly once for every failure that is not transient', async () => {
    const once: Scenario[] = [
      'bad_request',
      'bad_request_numeric',
      'unauthorized',
      'forbidden',
      'not_found',
      'rate_limited',
      'server_error',
      'echo_headers',
      'non_json',
      'wrong_shape',
      'redirect',
      'huge',
    ];
    h = await startHarness({ simTargets: once.map((s) => simTarget(s.replace(/_/g, '-'), s)), config: { upstream: { max_response_bytes: 64 * 1024 } } });
    await h.scrape();
    for (const s of once) expect([s, h.sim.countRequests(key(s.replace(/_/g, '-')))]).toEqual([s, 1]);
  });

  it('keeps retries inside the budget: a slow 503 is given up at the timeout, not after it', async () => {
    h = await startHarness({
      simTargets: [simTarget('slow-503', 'service_unavailable', { latencyMs: 300 })],
      config: { upstream: { timeout_ms: 700 } },
    });
    const m = await h.scrape();
    const l = { app_code: 'slow-503' };
    expect(value(m, 'bkpaas_target_fetch_duration_seconds', l)).toBeLessThan(0.85);
    expect(h.sim.countRequests(key('slow-503'))).toBeLessThanOrEqual(3);
    expect(h.sim.countRequests(key('slow-503'))).toBeGreaterThanOrEqual(2);
    const reasons = find(m, 'bkpaas_target_fetch_errors_total', l).map((s) => s.labels.reason);
    expect(reasons).toHaveLength(1);
    expect(['server_error', 'timeout']).toContain(reasons[0]);
  });

  it('jitters the backoff: attempts of many targets failing together do not retry in lockstep', async () => {
    const apps = Array.from({ length: 12 }, (_, i) => `bg-${i}`);
    h = await startHarness({ simTargets: apps.map((a) => simTarget(a, 'bad_gateway')), config: { upstream: { concurrency: 12 } } });
    await h.scrape();
    const gaps = apps.map((a) => {
      const times = h.sim.requests.filter((r) => r.targetKey === key(a)).map((r) => r.at);
      expect(times).toHaveLength(3);
      return times[1] - times[0];
    });
    // Full jitter in [0, 200) ms for the first retry: twelve targets never share one delay.
    expect(new Set(gaps).size).toBeGreaterThan(3);
    for (const g of gaps) expect(g).toBeLessThan(300);
  });

  it('backoffMs is full jitter: random × base × 2^attempt, floored, covering [0, base × 2^attempt)', () => {
    for (let n = 0; n < 4; n++) {
      expect(backoffMs(n, 200, () => 0)).toBe(0);
      expect(backoffMs(n, 200, () => 0.5)).toBe(100 * 2 ** n);
      expect(backoffMs(n, 200, () => 0.999999)).toBe(200 * 2 ** n - 1);
    }
    expect(backoffMs(3, 50, () => 0.25)).toBe(100);
  });

  it('does not hold a concurrency slot while backing off', async () => {
    h = await startHarness({
      simTargets: [simTarget('wobbly', 'bad_gateway'), simTarget('steady', 'healthy', { latencyMs: 50 })],
      config: { upstream: { concurrency: 1 } },
    });
    await h.scrape();
    const order = h.sim.requests.filter((r) => r.targetKey).map((r) => r.targetKey!.split('/')[0]);
    expect(order).toHaveLength(4);
    // The healthy target is served between the first attempt and the retries of the failing one.
    expect(order[0]).toBe('wobbly');
    expect(order.indexOf('steady')).toBe(1);
  });
});
