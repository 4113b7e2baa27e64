/**
 * upstream.max_retry_after: a 429 asking for a day (or a date in the year 9999) must not silence
 * a target for good. The wait is capped, the log line says so, and the target is asked again and
 * reports up once the upstream answers 200.
 */
import { value } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { sleep } from '../helpers/sleep';
import { simTarget } from '../helpers/targets';

const labelsOf = (app: string) => ({ app_code: app, module_name: 'default', environment: 'prod' });

/** Seconds from now until 9999-12-31T23:59:59Z, the last date an HTTP date can name. */
const untilYear9999 = () => Math.floor((Date.UTC(9999, 11, 31, 23, 59, 59) - Date.now()) / 1000);

describe('Retry-After is honoured up to upstream.max_retry_after', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it.each([
    ['86400 seconds', false, () => 86_400, /Retry-After 86400s capped to 1s/],
    ['an HTTP date in the year 9999', true, untilYear9999, /Retry-After \d{12}s capped to 1s/],
  ])('%s: capped to 1s, the target is asked again and reports up', async (_form, httpDate, seconds, logged) => {
    h = await startHarness({
      simTargets: [simTarget('limited', 'rate_limited', { retryAfterSeconds: seconds(), retryAfterHttpDate: httpDate })],
      config: { cache: { ttl_ms: 100 }, upstream: { max_retry_after_ms: 1_000 } },
    });
    const key = 'limited/default/prod';
    const first = await h.scrape();
    expect(value(first, 'bkpaas_target_fetch_errors_total', { ...labelsOf('limited'), reason: 'rate_limited' })).toBe(1);
    expect(h.logs.some((l) => logged.test(l))).toBe(true);

    h.sim.setScenario('limited', 'default', 'prod', 'healthy');
    const deadline = Date.now() + 5_000;
    let up = 0;
    while (up !== 1 && Date.now() < deadline) {
      await sleep(200);
      up = value(await h.scrape(), 'bkpaas_target_up', labelsOf('limited'));
    }
    expect(up).toBe(1);
    expect(h.sim.countRequests(key)).toBe(2);
  });
});
