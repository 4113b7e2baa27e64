/**
 * Per-target upstream faults beyond test/integration/faults.test.ts: a connection reset mid-body
 * or dropped before any answer, 503 / 504 from the gateway, an error page echoing the request
 * headers, a body past a small size cap, a redirect to another host (with a listener there
 * proving nothing arrives), a body labelled gzip that is not, a 100 KB response header (both
 * answers that asking again cannot fix: invalid_response, asked once). For each: the target's metrics and reason, every other target
 * unaffected, /metrics within the scrape deadline, one short log line with no body dump. Then:
 * a failed target keeps its last-success timestamp, the next refresh after ttl recovers it, a
 * slow target cannot starve the fast ones, and /metrics stays valid for promtool throughout.
 */
import { ConfigError, parseConfigText } from '../../src/config';
import { find, parseExposition, value, type ParsedExposition } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget, specOf } from '../helpers/targets';
import type { Scenario } from '../../src/simulator/types';
import { countingListener, promtoolCheck, type CountingListener } from './helpers';
import { sleep } from '../helpers/sleep';

const labelsOf = (app: string) => ({ app_code: app, module_name: 'default', environment: 'prod' });

/** [scenario, reason, upstream requests made for one fetch (retries included)] */
const FAULTS: Array<[Scenario, string, number]> = [
  ['reset', 'network', 3],
  ['drop', 'network', 3],
  ['service_unavailable', 'server_error', 3],
  ['gateway_timeout', 'server_error', 3],
  ['echo_headers', 'server_error', 1],
  ['huge', 'invalid_response', 1],
  ['redirect', 'invalid_response', 1],
  ['hang', 'timeout', 1],
  ['bad_gzip', 'invalid_response', 1],
  ['huge_header', 'invalid_response', 1],
];
const appOf = (s: Scenario) => `f-${s.replace(/_/g, '-')}`;

describe('upstream faults, per target', () => {
  let h: Harness;
  let other: CountingListener;
  let m: ParsedExposition;
  let text: string;
  let elapsedMs: number;
  const healthy = ['good-a', 'good-b'];

  beforeAll(async () => {
    h = await startHarness({
      simTargets: [simTarget(healthy[0], 'healthy'), ...FAULTS.map(([s]) => simTarget(appOf(s), s)), simTarget(healthy[1], 'cnative')],
      config: { upstream: { timeout_ms: 1_500, concurrency: 4, max_response_bytes: 1024 * 1024 } },
    });
    // The redirect points at 127.0.0.2 on the simulator's port: listen there and count.
    other = await countingListener('127.0.0.2', h.sim.port);
    const started = Date.now();
    const res = await h.get('/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': '4' });
    elapsedMs = Date.now() - started;
    expect(res.status).toBe(200);
    text = res.body;
    m = parseExposition(text);
  }, 30_000);
  afterAll(async () => {
    await other?.close();
    await h?.stop();
  });

  it('answers within the scrape deadline (4 s less the margin)', () => {
    expect(elapsedMs).toBeLessThan(3_600);
  });

  it.each(FAULTS)('%s → up 0, reason %s, %i upstream request(s), one short log line', (scenario, reason, requests) => {
    const app = appOf(scenario);
    const l = labelsOf(app);
    expect(value(m, 'bkpaas_target_up', l)).toBe(0);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { ...l, reason })).toBe(1);
    expect(find(m, 'bkpaas_target_fetch_errors_total', l)).toHaveLength(1);
    expect(find(m, 'bkpaas_target_last_success_timestamp_seconds', l)).toHaveLength(0);
    expect(m.samples.filter((s) => s.name.startsWith('bkpaas_process_') && s.labels.app_code === app)).toHaveLength(0);
    expect(h.sim.countRequests(`${app}/default/prod`)).toBe(requests);
    const lines = h.logs.filter((line) => line.includes(`"target":"${app}/default/prod"`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`"reason":"${reason}"`);
    expect(lines[0].length).toBeLessThan(1_000);
    // No body dumps: no markup, no JSON body, no request headers echoed back.
    expect(lines[0]).not.toMatch(/<html|<pre|<body|"processes"/i);
  });

  it('names the cause in the log line', () => {
    const msg = (app: string) => h.logs.find((l) => l.includes(`"target":"${app}/default/prod"`)) ?? '';
    expect(msg(appOf('reset'))).toMatch(/ECONNRESET|socket hang up|premature close/i);
    expect(msg(appOf('service_unavailable'))).toContain('HTTP 503');
    expect(msg(appOf('gateway_timeout'))).toContain('HTTP 504');
    expect(msg(appOf('huge'))).toContain('larger than 1048576 bytes');
    expect(msg(appOf('redirect'))).toMatch(/HTTP 302 redirect to http:\/\/127\.0\.0\.2:\d+\/.*\(not followed\)/);
    expect(msg(appOf('hang'))).toContain('no complete answer within 1500 ms');
    expect(msg(appOf('bad_gzip'))).toMatch(/HTTP 200 body that does not decode as Content-Encoding gzip \(Z_DATA_ERROR\)/);
    expect(msg(appOf('huge_header'))).toMatch(/response headers larger than 16384 bytes \(HPE_HEADER_OVERFLOW\)/);
  });

  it('keeps every other target up with its process series', () => {
    for (const app of healthy) {
      expect(value(m, 'bkpaas_target_up', labelsOf(app))).toBe(1);
      expect(find(m, 'bkpaas_process_replicas', labelsOf(app)).length).toBeGreaterThan(0);
    }
  });

  it('never follows the redirect: nothing at all reaches the other host', () => {
    expect(other.connections).toBe(0);
    expect(other.bytes).toBe(0);
  });

  it('stops reading a huge body at the size cap instead of downloading it', () => {
    const d = value(m, 'bkpaas_target_fetch_duration_seconds', labelsOf(appOf('huge')));
    expect(d).toBeLessThan(1.5);
  });

  it('serves an exposition promtool accepts', async () => {
    await promtoolCheck(text);
  });
});

describe('a failed target keeps its history, and recovers at the next refresh after ttl', () => {
  let h: Harness;
  const faults: Scenario[] = ['reset', 'service_unavailable', 'non_json', 'hang'];
  afterEach(() => h?.stop());

  it.each(faults)('%s: up 1 → 0 (last success kept) → 1 (fresh data)', async (scenario) => {
    const t = simTarget('flip', 'healthy');
    h = await startHarness({ simTargets: [t, simTarget('steady', 'healthy')], config: { cache: { ttl_ms: 1_000 }, upstream: { timeout_ms: 400 } } });
    const l = labelsOf('flip');
    const first = await h.scrape();
    expect(value(first, 'bkpaas_target_up', l)).toBe(1);
    const lastSuccess = value(first, 'bkpaas_target_last_success_timestamp_seconds', l);

    h.sim.setScenario('flip', 'default', 'prod', scenario);
    await sleep(1_050);
    const failed = await h.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '5' });
    expect(value(failed, 'bkpaas_target_up', l)).toBe(0);
    expect(value(failed, 'bkpaas_target_last_success_timestamp_seconds', l)).toBe(lastSuccess);
    expect(find(failed, 'bkpaas_process_replicas', l)).toHaveLength(0);
    expect(value(failed, 'bkpaas_target_up', labelsOf('steady'))).toBe(1);

    h.sim.setScenario('flip', 'default', 'prod', 'healthy');
    // Within ttl the failure is served from cache; no upstream request.
    const before = h.sim.countRequests('flip/default/prod');
    const cached = await h.scrape();
    expect(value(cached, 'bkpaas_target_up', l)).toBe(0);
    expect(h.sim.countRequests('flip/default/prod')).toBe(before);

    await sleep(1_050);
    const recovered = await h.scrape();
    expect(value(recovered, 'bkpaas_target_up', l)).toBe(1);
    expect(value(recovered, 'bkpaas_target_last_success_timestamp_seconds', l)).toBeGreaterThan(lastSuccess);
    expect(find(recovered, 'bkpaas_process_replicas', l).length).toBeGreaterThan(0);
    const errors = find(recovered, 'bkpaas_target_fetch_errors_total', l);
    expect(errors).toHaveLength(1);
    expect(errors[0].value).toBe(1);
    expect(h.logs.filter((line) => line.includes('target recovered') && line.includes('flip/default/prod'))).toHaveLength(1);
  });
});

describe('a slow target among fast ones', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('concurrency 2, one target hanging: the 20 fast ones are all served in the same scrape', async () => {
    const fast = Array.from({ length: 20 }, (_, i) => simTarget(`fast-${i}`, 'healthy'));
    h = await startHarness({
      simTargets: [simTarget('stuck', 'hang'), ...fast],
      sim: { latencyMs: 20 },
      config: { upstream: { concurrency: 2, timeout_ms: 20_000 } },
    });
    const started = Date.now();
    const m = await h.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '3' });
    expect(Date.now() - started).toBeLessThan(3_000);
    for (const t of fast) expect(value(m, 'bkpaas_target_up', labelsOf(t.app_code))).toBe(1);
    // The hanging target has no completed fetch yet: up 0 (nothing else), and still exactly one request.
    expect(value(m, 'bkpaas_target_up', labelsOf('stuck'))).toBe(0);
    expect(m.samples.filter((s) => s.labels.app_code === 'stuck' && s.name !== 'bkpaas_target_up')).toHaveLength(0);
    expect(h.sim.countRequests('stuck/default/prod')).toBe(1);
  });

  it('a hanging and a trickling target with concurrency 3 leave one slot that serves everyone else', async () => {
    const fast = Array.from({ length: 20 }, (_, i) => simTarget(`fast-${i}`, 'healthy'));
    h = await startHarness({
      simTargets: [simTarget('stuck', 'hang'), simTarget('dribble', 'trickle'), ...fast],
      sim: { latencyMs: 20 },
      config: { upstream: { concurrency: 3, timeout_ms: 1_000 } },
    });
    const m = await h.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '4' });
    for (const t of fast) expect(value(m, 'bkpaas_target_up', labelsOf(t.app_code))).toBe(1);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { ...labelsOf('stuck'), reason: 'timeout' })).toBe(1);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { ...labelsOf('dribble'), reason: 'timeout' })).toBe(1);
  });
});

describe('429 Retry-After', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it.each([
    ['delta seconds', false, 2],
    ['HTTP date', true, 3],
  ])('%s: not asked again before it passes, asked again after', async (_form, httpDate, seconds) => {
    h = await startHarness({
      simTargets: [simTarget('limited', 'rate_limited', { retryAfterSeconds: seconds, retryAfterHttpDate: httpDate })],
      config: { cache: { ttl_ms: 100 } },
    });
    const key = 'limited/default/prod';
    const started = Date.now();
    const m = await h.scrape();
    expect(value(m, 'bkpaas_target_fetch_errors_total', { ...labelsOf('limited'), reason: 'rate_limited' })).toBe(1);
    // An HTTP date has whole seconds: the wait is at least seconds - 1.
    while (Date.now() - started < (seconds - 1) * 1000 - 100) {
      await h.scrape();
      await sleep(150);
    }
    expect(h.sim.countRequests(key)).toBe(1);
    h.sim.setScenario('limited', 'default', 'prod', 'healthy');
    await sleep(started + seconds * 1000 + 150 - Date.now());
    const after = await h.scrape();
    expect(h.sim.countRequests(key)).toBe(2);
    expect(value(after, 'bkpaas_target_up', labelsOf('limited'))).toBe(1);
  });
});

describe('a flapping upstream cannot flood the log', () => {
  let h: Harness;
  afterAll(() => h?.stop());

  it('30 targets failing and recovering over and over: at most 20 lines per 10 s window', async () => {
    const apps = Array.from({ length: 30 }, (_, i) => `flap-${i}`);
    h = await startHarness({ simTargets: apps.map((a) => simTarget(a, 'healthy')), config: { cache: { ttl_ms: 100 } } });
    const started = Date.now();
    for (let round = 0; round < 12; round++) {
      for (const a of apps) h.sim.setScenario(a, 'default', 'prod', round % 2 ? 'healthy' : 'server_error');
      await h.scrape();
      await sleep(120);
    }
    expect(Date.now() - started).toBeLessThan(9_000);
    // Every target flapped six times: 360 failures and recoveries, logged within one window's budget.
    const m = await h.scrape();
    expect(value(m, 'bkpaas_target_fetch_errors_total', { ...labelsOf('flap-0'), reason: 'server_error' })).toBe(6);
    const lines = h.logs.filter((l) => l.includes('"reason":') || l.includes('target recovered'));
    expect(lines.length).toBeLessThanOrEqual(20);
  });
});

describe("error answers are logged in the upstream's own words, briefly", () => {
  let h: Harness;
  afterAll(() => h?.stop());

  it.each([
    ['bad_request', 'HTTP 400: VALIDATION_ERROR 参数校验失败: only_latest_version'],
    ['bad_request_numeric', 'HTTP 400: 40000 当前环境尚未部署'],
    ['unauthorized', 'HTTP 401: 1640102 User authentication failed, the access_token is invalid or expired'],
    ['forbidden', 'HTTP 403: 1640301 App has no permission to the resource'],
    ['not_found', 'HTTP 404: NOT_FOUND env \\"prod\\" of module \\"default\\"'],
    ['rate_limited', 'HTTP 429 (retry after 30 s): 1642901 Request rejected by rate limit'],
    ['server_error', 'HTTP 500: Server Error (500) Server Error (500)'],
    ['bad_gateway', 'HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx'],
  ] as Array<[Scenario, string]>)('%s → "%s"', async (scenario, expected) => {
    if (!h) {
      const all: Scenario[] = ['bad_request', 'bad_request_numeric', 'unauthorized', 'forbidden', 'not_found', 'rate_limited', 'server_error', 'bad_gateway'];
      h = await startHarness({ simTargets: all.map((s) => simTarget(`st-${s.replace(/_/g, '-')}`, s)) });
      await h.scrape();
    }
    const line = h.logs.find((l) => l.includes(`"target":"st-${scenario.replace(/_/g, '-')}/default/prod"`)) ?? '';
    expect(line).toContain(expected);
    expect(line).not.toMatch(/[<>]|fields_detail|"data":null/);
  });
});

describe('"." and ".." are never names', () => {
  let h: Harness;
  afterAll(() => h?.stop());

  it('a target named ".." is refused before any request (URL parsers would resolve it to another API path)', async () => {
    h = await startHarness({ simTargets: [simTarget('ok', 'healthy')], targets: [specOf(simTarget('ok', 'healthy')), specOf({ app_code: '..', module_name: 'default', environment: 'prod' })] });
    const m = await h.scrape();
    expect(value(m, 'bkpaas_target_fetch_errors_total', { app_code: '..', reason: 'client_error' })).toBe(1);
    expect(value(m, 'bkpaas_target_up', { app_code: 'ok' })).toBe(1);
    expect(h.sim.requests.map((r) => r.path).filter((p) => !p.includes('/applications/ok/'))).toEqual([]);
  });

  it('the config rejects them', () => {
    const text = 'upstream:\n  base_url: http://x/api\n  auth: {bk_app_code: a, bk_app_secret: b, bk_username: c}\ntargets:\n  - app_code: ".."\n    environments: [prod]\n';
    expect(() => parseConfigText(text)).toThrow(ConfigError);
    expect(() => parseConfigText(text)).toThrow(/targets\[0\]\.app_code.*"\." and "\.\." are path navigation, not names/);
  });
});
