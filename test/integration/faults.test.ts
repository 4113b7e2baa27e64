/**
 * Each upstream fault mode → bkpaas_target_up 0 with the right reason, the other targets
 * unaffected, /metrics still 200 within the deadline, one clear log line, no secret anywhere.
 */
import { find, value, type ParsedExposition } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget } from '../helpers/targets';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS } from '../../src/simulator';
import type { Scenario } from '../../src/simulator/types';

const FAULTS: Array<[Scenario, string]> = [
  ['bad_request', 'client_error'],
  ['bad_request_numeric', 'client_error'],
  ['unauthorized', 'auth'],
  ['forbidden', 'auth'],
  ['not_found', 'not_found'],
  ['rate_limited', 'rate_limited'],
  ['server_error', 'server_error'],
  ['bad_gateway', 'server_error'],
  ['slow', 'timeout'],
  ['hang', 'timeout'],
  ['trickle', 'timeout'],
  ['huge', 'invalid_response'],
  ['non_json', 'invalid_response'],
  ['wrong_shape', 'invalid_response'],
  ['redirect', 'invalid_response'],
];

const labelsOf = (app: string) => ({ app_code: app, module_name: 'default', environment: 'prod' });

describe('upstream faults', () => {
  let h: Harness;
  let m: ParsedExposition;
  let elapsedMs: number;
  const healthy = ['good-one', 'good-two'];

  beforeAll(async () => {
    h = await startHarness({
      simTargets: [
        simTarget(healthy[0], 'healthy'),
        ...FAULTS.map(([s]) => simTarget(`fault-${s.replace(/_/g, '-')}`, s)),
        simTarget(healthy[1], 'rollout'),
      ],
      config: { upstream: { timeout_ms: 1_500, concurrency: 4 } },
    });
    const started = Date.now();
    m = await h.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '8' });
    elapsedMs = Date.now() - started;
  }, 30_000);
  afterAll(() => h.stop());

  it('answers within the scrape deadline', () => {
    expect(elapsedMs).toBeLessThan(7_500);
  });

  it.each(FAULTS)('%s → up 0, reason %s', (scenario, reason) => {
    const l = labelsOf(`fault-${scenario.replace(/_/g, '-')}`);
    expect(value(m, 'bkpaas_target_up', l)).toBe(0);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { ...l, reason })).toBe(1);
    expect(find(m, 'bkpaas_target_fetch_errors_total', l)).toHaveLength(1);
    expect(find(m, 'bkpaas_target_last_success_timestamp_seconds', l)).toHaveLength(0);
    expect(m.samples.filter((s) => s.name.startsWith('bkpaas_process_') && s.labels.app_code === l.app_code)).toHaveLength(0);
    expect(h.logs.some((line) => line.includes(`"target":"${l.app_code}/default/prod"`) && line.includes(`"reason":"${reason}"`))).toBe(true);
  });

  it('types fetch errors as a counter', () => {
    expect(m.type.get('bkpaas_target_fetch_errors_total')).toBe('counter');
  });

  it('keeps the healthy targets up with their process series', () => {
    for (const app of healthy) {
      expect(value(m, 'bkpaas_target_up', labelsOf(app))).toBe(1);
      expect(find(m, 'bkpaas_process_replicas', labelsOf(app)).length).toBeGreaterThan(0);
    }
  });

  it('never follows a redirect (so the auth header never reaches another host)', () => {
    expect(h.sim.countRequests('fault-redirect/default/prod')).toBe(1);
  });

  it('retries a 502 but never a 4xx', () => {
    expect(h.sim.countRequests('fault-bad-gateway/default/prod')).toBeGreaterThan(1);
    for (const s of ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'rate_limited']) {
      expect(h.sim.countRequests(`fault-${s.replace(/_/g, '-')}/default/prod`)).toBe(1);
    }
  });

  it('counts upstream requests by status code', () => {
    expect(value(m, 'bkpaas_exporter_upstream_request_duration_seconds_count', { code: '401' })).toBe(1);
    expect(value(m, 'bkpaas_exporter_upstream_request_duration_seconds_count', { code: '429' })).toBe(1);
    expect(find(m, 'bkpaas_exporter_upstream_request_duration_seconds_count', { code: 'error' }).length).toBe(1);
  });

  it('logs one line per failure, without secrets or body dumps', () => {
    const failures = h.logs.filter((l) => l.includes('"reason":'));
    expect(failures).toHaveLength(FAULTS.length);
    for (const line of h.logs) {
      expect(line).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
      expect(line).not.toContain(DEMO_ACCESS_TOKEN);
      expect(line.length).toBeLessThan(2_000);
    }
  });

  it('puts no secret in any response: /metrics, /, /probe, errors', async () => {
    const paths = ['/metrics', '/', '/nope', '/probe', ...FAULTS.map(([sc]) => `/probe?app_code=fault-${sc.replace(/_/g, '-')}&module_name=default&environment=prod`)];
    for (const p of paths) {
      const res = await h.get(p);
      expect(res.body).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
      expect(res.body).not.toContain(DEMO_ACCESS_TOKEN);
      expect(res.body.toLowerCase()).not.toContain('x-bkapi-authorization');
    }
  });

  it('keeps a rate-limited target quiet until Retry-After has passed', async () => {
    const key = 'fault-rate-limited/default/prod';
    const target = h.exporter.targets().find((t) => t.key === key)!;
    expect(target.nextDueAt - Date.now()).toBeGreaterThan(20_000);
    await h.scrape();
    expect(h.sim.countRequests(key)).toBe(1);
  });

  it('serves fresh data once the upstream recovers', async () => {
    const key = 'fault-server-error/default/prod';
    h.sim.setScenario('fault-server-error', 'default', 'prod', 'healthy');
    expect(h.exporter.expire(key)).toBe(true); // as if ttl and the failure backoff had passed
    expect(h.exporter.expire('not-served/default/prod')).toBe(false);
    const after = await h.scrape();
    const l = labelsOf('fault-server-error');
    expect(value(after, 'bkpaas_target_up', l)).toBe(1);
    expect(value(after, 'bkpaas_target_fetch_errors_total', { ...l, reason: 'server_error' })).toBe(1);
    expect(find(after, 'bkpaas_process_replicas', l).length).toBeGreaterThan(0);
    expect(h.logs.some((line) => line.includes('target recovered') && line.includes(key))).toBe(true);
  });
});
