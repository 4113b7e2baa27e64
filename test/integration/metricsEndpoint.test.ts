/**
 * /metrics as the benchmark drives it: the plain body written from the cached render, gzip when
 * asked (one member, decompressing to the plain body), content negotiation, and the simulator's
 * /__sim/stats counts the benchmark reads across processes.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { generateFleet } from '../../src/simulator';
import { configFor, startHarness, type Harness } from '../helpers/harness';
import { parseExposition } from '../helpers/exposition';
import { runPromtool } from '../helpers/prometheus';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET (or HEAD) without any automatic decompression, so the wire bytes can be checked. */
function raw(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Lines of the targets' part (own metrics change between scrapes). */
function targetLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !/^(# (HELP|TYPE) )?(process_|nodejs_|bkpaas_exporter_)/.test(l));
}

describe('/metrics bodies', () => {
  let h: Harness;
  beforeAll(async () => {
    const fleet = generateFleet(40);
    fleet.push({ app_code: 'locked-app', module_name: 'default', environment: 'prod', scenario: 'unauthorized' });
    // A reload drops the first target (the last test's change of targets).
    h = await startHarness({ simTargets: fleet, reloadConfig: () => configFor(h.sim, h.config.targets.slice(1)) });
    await raw(`${h.url}/metrics`);
  });
  afterAll(() => h.stop());

  it('plain: the text content type, Vary: Accept-Encoding, an exact Content-Length, no encoding', async () => {
    const r = await raw(`${h.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    const m = parseExposition(r.body.toString('utf8'));
    expect(m.samples.filter((s) => s.name === 'bkpaas_target_up')).toHaveLength(41);
    expect(m.samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('gzip: one gzip member that decompresses to the plain body', async () => {
    const plain = (await raw(`${h.url}/metrics`)).body.toString('utf8');
    const r = await raw(`${h.url}/metrics`, { 'Accept-Encoding': 'gzip' });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    // A single member (header, one deflate stream, trailer), as every gzip reader expects.
    expect([...r.body.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    const inflated = zlib.inflateRawSync(r.body.subarray(10, r.body.length - 8));
    expect(r.body.readUInt32LE(r.body.length - 4)).toBe(inflated.length);
    const text = zlib.gunzipSync(r.body).toString('utf8');
    expect(text).toBe(inflated.toString('utf8'));
    expect(targetLines(text)).toEqual(targetLines(plain));
    expect(parseExposition(text).samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
    expect(r.body.length).toBeLessThan(Buffer.byteLength(plain) / 5);
  });

  it('gzip bodies, decompressed, pass promtool check metrics (bkpaas_ families)', async () => {
    const r = await raw(`${h.url}/metrics`, { 'Accept-Encoding': 'gzip, deflate' });
    const text = zlib.gunzipSync(r.body).toString('utf8');
    const ours = text.split('\n').filter((l) => /^(# (HELP|TYPE) )?bkpaas_/.test(l)).join('\n') + '\n';
    expect(ours).toContain('bkpaas_target_fetch_errors_total{');
    const result = await runPromtool(['check', 'metrics'], { input: ours });
    expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: '$ promtool check metrics\n' });
  });

  it.each([
    ['', undefined],
    ['identity', undefined],
    ['gzip;q=0', undefined],
    ['br', undefined],
    ['gzip;q=0.5, identity;q=0.1', 'gzip'],
    ['*', 'gzip'],
  ])('Accept-Encoding %p → Content-Encoding %p', async (accept, encoding) => {
    const r = await raw(`${h.url}/metrics`, accept ? { 'Accept-Encoding': accept } : {});
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe(encoding);
    const text = encoding ? zlib.gunzipSync(r.body).toString('utf8') : r.body.toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="locked-app",module_name="default",environment="prod"} 0\n');
  });

  it('HEAD answers the headers of the body without it', async () => {
    const r = await raw(`${h.url}/metrics`, { 'Accept-Encoding': 'gzip' }, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.body.length).toBe(0);
  });

  it('warm scrapes share one render (and its gzip); a change of targets renders anew', async () => {
    const renderedTargets = async () => (await h.exporter.metrics(Date.now() + 5_000)).targets;
    const first = await renderedTargets();
    await raw(`${h.url}/metrics`, { 'Accept-Encoding': 'gzip' });
    await raw(`${h.url}/metrics`);
    expect(await renderedTargets()).toBe(first);
    expect(await first.deflated()).toBe(await first.deflated());
    expect((await h.exporter.reload()).targets).toBe(40);
    const next = await renderedTargets();
    expect(next).not.toBe(first);
    expect(next.length).toBeLessThan(first.length);
  });
});

describe('simulator GET /__sim/stats', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simTargets: generateFleet(6) });
  });
  afterAll(() => h.stop());

  it('counts processes/list/ requests, in total and per target, and is not counted itself', async () => {
    await h.get('/metrics');
    await h.get('/probe?app_code=bench-app-00000&module_name=default&environment=prod', { 'X-Prometheus-Scrape-Timeout-Seconds': '5' });
    const stats = JSON.parse((await raw(`${h.sim.origin}/__sim/stats`)).body.toString('utf8')) as { processes_requests: number; per_target: Record<string, number> };
    expect(stats.processes_requests).toBe(6);
    expect(stats.processes_requests).toBe(h.sim.countRequests());
    expect(Object.keys(stats.per_target).sort()).toEqual(generateFleet(6).map((t) => `${t.app_code}/${t.module_name}/${t.environment}`).sort());
    expect(Object.values(stats.per_target).every((n) => n === 1)).toBe(true);
    await raw(`${h.sim.origin}/__sim/stats`);
    expect(h.sim.requests.some((r) => r.path === '/__sim/stats')).toBe(false);
  });
});
