/**
 * GET / against the simulator: a page view refreshes due targets exactly as a scrape does —
 * at most one upstream request per target per ttl (the simulator's request log counts them),
 * one refresh shared by concurrent views and scrapes, a short deadline so the page answers while
 * a slow target is still being fetched — and the page is served with its Content-Security-Policy
 * behind the web config's basic auth like every other endpoint.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { Exporter } from '../../src/exporter';
import { createApp } from '../../src/http/app';
import { startServer } from '../../src/http/server';
import { CONTENT_SECURITY_POLICY } from '../../src/http/statusPage/assets';
import { STATUS_PAGE_DEADLINE_MS } from '../../src/http/statusPage/route';
import { parseWebConfig } from '../../src/http/webConfig';
import { withWebConfig } from '../../src/http/webGuard';
import { createLogger } from '../../src/log';
import { configFor, startHarness, type Harness } from '../helpers/harness';
import { sleep } from '../helpers/sleep';
import { simTarget, specOf } from '../helpers/targets';

const TTL_MS = 6000;
const SLOW_MS = 2500;
const KEYS = ['alpha/default/prod', 'beta/default/prod', 'slow/default/prod', 'broken/default/prod'];

describe('GET / refreshes like a scrape', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simTargets: [simTarget('alpha'), simTarget('beta', 'crashloop'), simTarget('slow', 'slow', { latencyMs: SLOW_MS }), simTarget('broken', 'unauthorized')],
      config: { cache: { ttl_ms: TTL_MS } },
    });
  });
  afterAll(() => h.stop());

  /** When the first view started: the slow fetch and the ttl count from there. */
  let t0 = 0;
  const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));
  const counts = () => KEYS.map((k) => h.sim.countRequests(k));
  const stateOf = (body: string, key: string) => new RegExp(`data-key="${key}"><tr[^>]*><td class="tgt"[^>]*><div[^>]*>[^<]*</div><span class="badge (\\w+)">`).exec(body)?.[1];

  it('the first view fetches every target once and answers by its deadline, the slow target still pending', async () => {
    t0 = Date.now();
    const res = await h.get('/');
    const took = Date.now() - t0;
    expect(res.status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(STATUS_PAGE_DEADLINE_MS - 50);
    expect(took).toBeLessThan(SLOW_MS - 500);
    expect(counts()).toEqual([1, 1, 1, 1]);
    expect(stateOf(res.body, 'alpha/default/prod')).toBe('up');
    expect(stateOf(res.body, 'broken/default/prod')).toBe('down');
    expect(stateOf(res.body, 'slow/default/prod')).toBe('pending');
    expect(res.body).toMatch(/data-key="slow\/default\/prod">.*<span class="badge refreshing">/);
    expect(res.headers.get('server-timing')).toMatch(/^refresh;dur=[\d.]+, model;dur=[\d.]+, render;dur=[\d.]+$/);
  });

  it('views and scrapes within the ttl share that refresh: no further upstream request', async () => {
    const scrape = () => h.get('/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': '1' });
    const answers = await Promise.all([...Array.from({ length: 8 }, () => h.get('/')), scrape(), scrape()]);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(counts()).toEqual([1, 1, 1, 1]);
    // The slow target's one fetch completes; a view then shows it.
    await sleepUntil(t0 + SLOW_MS + 300);
    const res = await h.get('/');
    expect(stateOf(res.body, 'slow/default/prod')).toBe('up');
    expect(counts()).toEqual([1, 1, 1, 1]);
  });

  it('after the ttl, the next view fetches each target once more, and only once', async () => {
    await sleepUntil(t0 + TTL_MS + 300);
    await h.get('/');
    expect(counts()).toEqual([2, 2, 2, 2]);
    await Promise.all(Array.from({ length: 5 }, () => h.get('/')));
    expect(counts()).toEqual([2, 2, 2, 2]);
  });

  it('compresses the page for a browser that accepts gzip', async () => {
    const plain = await h.get('/', { 'Accept-Encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const gz = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get(`${h.url}/`, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Language, Accept-Encoding');
    const html = gunzipSync(gz.body).toString('utf8');
    expect(gz.body.length).toBeLessThan(Buffer.byteLength(html) / 3);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('data-key="alpha/default/prod"');
  });
});

describe('GET / under a web config', () => {
  it('needs basic auth like every other endpoint, and carries its Content-Security-Policy', async () => {
    const h = await startHarness({ simTargets: [simTarget('alpha')] });
    const logger = createLogger('silent');
    const exporter = new Exporter(configFor(h.sim, [specOf(simTarget('alpha'))]), { logger });
    const web = parseWebConfig(`basic_auth_users:\n  viewer: "${bcrypt.hashSync('let-me-see', 4)}"\n`, '/nonexistent/web.yml');
    const { listener, options } = withWebConfig(createApp(exporter, { logger }), web);
    const server = await startServer(listener, { host: '127.0.0.1', port: 0 }, options);
    try {
      const url = `http://127.0.0.1:${server.address.port}/`;
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(await refused.text()).toBe('Unauthorized\n');
      expect(h.sim.countRequests('alpha/default/prod')).toBe(0);
      const res = await fetch(url, { headers: { Authorization: `Basic ${Buffer.from('viewer:let-me-see').toString('base64')}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toContain('data-key="alpha/default/prod"');
    } finally {
      await server.close(100);
      exporter.close();
      await h.stop();
    }
  });
});
