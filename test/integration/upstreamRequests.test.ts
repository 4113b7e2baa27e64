/** What the exporter sends upstream: path, query, auth and tenant headers, keep-alive. */
import net from 'node:net';
import { Exporter } from '../../src/exporter';
import { createLogger } from '../../src/log';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget, specOf } from '../helpers/targets';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS } from '../../src/simulator';


describe('upstream requests', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('sends the gateway auth JSON, the documented path and only_latest_version only when configured', async () => {
    h = await startHarness({
      simTargets: [simTarget('unset'), simTarget('latest', 'healthy', { module_name: 'api', environment: 'stag' }), simTarget('all')],
      targets: [specOf(simTarget('unset')), specOf(simTarget('latest', 'healthy', { module_name: 'api', environment: 'stag' }), { only_latest_version: true }), specOf(simTarget('all'), { only_latest_version: false })],
    });
    await h.scrape();
    const byKey = new Map(h.sim.requests.filter((r) => r.targetKey).map((r) => [r.targetKey!, r]));
    expect(byKey.size).toBe(3);
    const latest = byKey.get('latest/api/stag')!;
    expect(latest.path).toBe('/api/bkpaas3/prod/bkapps/applications/latest/modules/api/envs/stag/processes/list/');
    expect(latest.query).toEqual({ only_latest_version: 'true' });
    expect(byKey.get('all/default/prod')!.query).toEqual({ only_latest_version: 'false' });
    expect(byKey.get('unset/default/prod')!.query).toEqual({});
    for (const r of byKey.values()) {
      expect(r.auth).toEqual({ bk_app_code: DEMO_CREDENTIALS.bk_app_code, bk_app_secret: DEMO_CREDENTIALS.bk_app_secret, access_token: DEMO_ACCESS_TOKEN });
      expect(r.headers['x-bk-tenant-id']).toBeUndefined();
      expect(r.method).toBe('GET');
    }
  });

  it('sends X-Bk-Tenant-Id when tenant_id is set', async () => {
    h = await startHarness({ simTargets: [simTarget('tenant-app')], config: { upstream: { tenant_id: 'tenant-a' } } });
    await h.scrape();
    expect(h.sim.requests.find((r) => r.targetKey)!.headers['x-bk-tenant-id']).toBe('tenant-a');
  });

  it('sends each user identity that is configured (bk_username here) and nothing empty', async () => {
    h = await startHarness({
      simTargets: [simTarget('user-app')],
      config: { upstream: { auth: { bk_app_code: DEMO_CREDENTIALS.bk_app_code, bk_app_secret: DEMO_CREDENTIALS.bk_app_secret, bk_username: 'admin' } } },
    });
    const m = await h.scrape();
    expect(h.sim.requests.find((r) => r.targetKey)!.auth).toEqual({ bk_app_code: DEMO_CREDENTIALS.bk_app_code, bk_app_secret: DEMO_CREDENTIALS.bk_app_secret, bk_username: 'admin' });
    expect(m.samples.find((s) => s.name === 'bkpaas_target_up')!.value).toBe(1);
  });

  it('URL-encodes path segments', async () => {
    h = await startHarness({ simTargets: [simTarget('a.b_c~d')] });
    await h.scrape();
    expect(h.sim.requests.find((r) => r.targetKey)!.path).toContain('/applications/a.b_c~d/modules/default/');
  });

  it('reuses keep-alive connections across refreshes', async () => {
    h = await startHarness({ simTargets: [simTarget('ka-1'), simTarget('ka-2')], config: { cache: { ttl_ms: 0 }, upstream: { concurrency: 1 } } });
    // A counting proxy in front of the simulator sees how many TCP connections the exporter opens.
    let connections = 0;
    const upstream = new URL(h.sim.origin);
    const proxy = net.createServer((client) => {
      connections += 1;
      const server = net.connect(Number(upstream.port), upstream.hostname);
      client.pipe(server).pipe(client);
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as net.AddressInfo).port;
    const logger = createLogger('silent');
    const exporter = new Exporter({ ...h.config, upstream: { ...h.config.upstream, base_url: h.sim.baseUrl.replace(`:${upstream.port}`, `:${port}`) } }, { logger });
    try {
      for (let i = 0; i < 5; i++) await exporter.metrics(Date.now() + 5_000);
      expect(h.sim.countRequests()).toBe(10);
      expect(connections).toBe(1);
    } finally {
      exporter.close();
      await new Promise((r) => proxy.close(r));
    }
  });
});
