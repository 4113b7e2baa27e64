/**
 * Broken targets must not hide themselves: every configured target has bkpaas_target_up from
 * the first scrape on, and a /probe never answers an empty 200.
 */
import { find, parseExposition, value } from '../helpers/exposition';
import { startHarness, simTarget, type Harness } from '../helpers/harness';

const TTL_MS = 1_000;
const TIMEOUT_MS = 500;
const CONCURRENCY = 8;
const HANGING = 64;
/** A Prometheus scrape with a 1 s timeout: answered after 0.9 s at the latest. */
const SCRAPE = { 'X-Prometheus-Scrape-Timeout-Seconds': '1' };

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
});
