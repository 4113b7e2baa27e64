/**
 * Discovery against the simulator's app-list and modules APIs: the discovered set, filters,
 * merge with static targets, keep-last-known on failure, undeployed targets, /sd and the landing page.
 */
import http from 'node:http';
import { find, value } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { specOf } from '../helpers/targets';
import type { DiscoveryConfig } from '../../src/config/types';
import type { SimApp, SimTarget } from '../../src/simulator/types';
import { sleep } from '../helpers/sleep';
import { simTarget } from '../helpers/targets';


const APPS: SimApp[] = [
  { code: 'pay-gateway', name: 'Pay gateway', modules: ['default', 'api'] },
  { code: 'pay-test', name: 'Pay test', modules: ['default'] },
  { code: 'pay-empty', name: 'No modules', modules: [] },
  { code: 'pay-broken', name: 'Modules API fails', modules: ['default'], modulesFault: 'server_error' },
  { code: 'pay-legacy', name: 'Legacy module excluded', modules: ['default', 'legacy-v1'] },
  { code: 'shop', name: 'Not matched', modules: ['default'] },
  { code: 'pay-odd', name: 'Unusable module names', modules: ['..', 'a/b', 'ok'] },
  { code: 'pay-%2F..', name: 'Unusable app code', modules: ['default'] },
  // Fillers so the app list spans several pages (page size 3).
  ...Array.from({ length: 5 }, (_, i) => ({ code: `other-${i}`, name: `Other ${i}`, modules: ['default'] })),
];

const SIM_TARGETS: SimTarget[] = [
  simTarget('pay-gateway', 'healthy', { module_name: 'default', environment: 'prod' }),
  simTarget('pay-gateway', 'empty', { module_name: 'default', environment: 'stag' }), // deployed-never answer of most servers: 200, empty
  // pay-gateway/api/{prod,stag} are unknown to the simulator: 404, i.e. not deployed there
  simTarget('pay-legacy', 'healthy', { module_name: 'default', environment: 'prod' }),
  simTarget('pay-legacy', 'healthy', { module_name: 'default', environment: 'stag' }),
  simTarget('pay-broken', 'healthy', { module_name: 'default', environment: 'prod' }),
  simTarget('static-only', 'healthy', { module_name: 'default', environment: 'prod' }),
  // static-missing is configured statically but unknown upstream: a static target keeps up 0
];

const DISCOVERY: DiscoveryConfig = {
  enabled: true,
  refresh_interval_ms: 3_600_000,
  environments: ['stag', 'prod'],
  include_apps: [/^pay-/],
  exclude_apps: [/-test$/],
  include_modules: [],
  exclude_modules: [/^legacy/],
  only_latest_version: true,
  labels: { discovered: 'true' },
};

describe('discovery', () => {
  let h: Harness;
  const served = () => h.exporter.targets().map((r) => r.key).sort();

  beforeAll(async () => {
    h = await startHarness({
      simTargets: SIM_TARGETS,
      sim: { apps: APPS, pageSize: 3 },
      targets: [
        specOf(simTarget('pay-gateway', 'healthy', { module_name: 'default', environment: 'prod' }), { labels: { team: 'static' }, source: 'targets[0]' }),
        specOf(simTarget('static-only', 'healthy', { module_name: 'default', environment: 'prod' }), { source: 'targets[1]' }),
        specOf(simTarget('static-missing', 'healthy', { module_name: 'default', environment: 'prod' }), { source: 'targets[2]' }),
      ],
      config: { discovery: DISCOVERY, cache: { ttl_ms: 100 } },
    });
    await h.exporter.discoverNow();
  });
  afterAll(() => h.stop());

  it('reads every page of the app list and applies the app and module filters', () => {
    expect(served()).toEqual(
      [
        'pay-gateway/api/prod',
        'pay-gateway/api/stag',
        'pay-gateway/default/prod',
        'pay-gateway/default/stag',
        'pay-legacy/default/prod',
        'pay-legacy/default/stag',
        'pay-odd/ok/prod',
        'pay-odd/ok/stag',
        'static-missing/default/prod',
        'static-only/default/prod',
      ].sort(),
    );
    const status = h.exporter.discoveryManager!.status;
    expect(status.apps).toBe(5); // pay-gateway, pay-empty, pay-broken, pay-legacy, pay-odd
    expect(status.targets).toBe(8);
    expect(h.sim.requests.filter((r) => r.path.endsWith('/lists/minimal')).length).toBe(Math.ceil(APPS.length / 3));
  });

  it('leaves out app codes and module names that cannot be a URL path segment, and says so', () => {
    expect(served().some((k) => k.includes('%') || k.includes('..') || k.includes('a/b'))).toBe(false);
    expect(h.logs.some((l) => l.includes('cannot be used in an API path') && l.includes('pay-%2F..') && l.includes('pay-odd/a/b'))).toBe(true);
  });

  it('keeps static options and labels for a target that is also discovered', async () => {
    const m = await h.scrape();
    expect(value(m, 'bkpaas_target_up', { app_code: 'pay-gateway', module_name: 'default', environment: 'prod', team: 'static' })).toBe(1);
    expect(find(m, 'bkpaas_target_up', { app_code: 'pay-gateway', module_name: 'default', environment: 'prod', discovered: 'true' })).toHaveLength(0);
    expect(value(m, 'bkpaas_target_up', { app_code: 'pay-legacy', module_name: 'default', environment: 'stag', discovered: 'true' })).toBe(1);
    // discovered targets send only_latest_version as configured for discovery
    const req = h.sim.requests.find((r) => r.targetKey === 'pay-legacy/default/stag')!;
    expect(req.query.only_latest_version).toBe('true');
  });

  it('treats a never-deployed environment answering 200 as harmless: up 1, no process series', async () => {
    const m = await h.scrape();
    const l = { app_code: 'pay-gateway', module_name: 'default', environment: 'stag' };
    expect(value(m, 'bkpaas_target_up', l)).toBe(1);
    expect(m.samples.filter((s) => s.name.startsWith('bkpaas_process_') && s.labels.environment === 'stag' && s.labels.app_code === 'pay-gateway')).toHaveLength(0);
  });

  it('counts discovered targets answering 404 as undeployed, without bkpaas_target_up 0', async () => {
    const m = await h.scrape();
    expect(find(m, 'bkpaas_target_up', { app_code: 'pay-gateway', module_name: 'api' })).toHaveLength(0);
    expect(m.samples.some((s) => s.labels.module_name === 'api' && s.labels.app_code === 'pay-gateway')).toBe(false);
    expect(value(m, 'bkpaas_discovery_undeployed_targets')).toBe(4); // pay-gateway/api and pay-odd/ok, in stag and prod
    expect(value(m, 'bkpaas_discovery_targets')).toBe(8);
    expect(value(m, 'bkpaas_discovery_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    // A static target that is missing upstream still reports up 0.
    expect(value(m, 'bkpaas_target_up', { app_code: 'static-missing' })).toBe(0);
    expect(value(m, 'bkpaas_target_fetch_errors_total', { app_code: 'static-missing', reason: 'not_found' })).toBeGreaterThanOrEqual(1);
  });

  it('re-checks undeployed targets at the next discovery run, not every ttl', async () => {
    const key = 'pay-gateway/api/prod';
    const before = h.sim.countRequests(key);
    for (let i = 0; i < 3; i++) {
      await sleep(120);
      await h.scrape();
    }
    expect(h.sim.countRequests(key)).toBe(before);
    expect(h.sim.countRequests('pay-gateway/default/prod')).toBeGreaterThan(2);
    await h.exporter.discoverNow();
    await h.scrape();
    expect(h.sim.countRequests(key)).toBe(before + 1);
  });

  it('counts a failing modules call as a discovery error without losing other apps', async () => {
    const m = await h.scrape();
    expect(value(m, 'bkpaas_discovery_errors_total', { reason: 'server_error' })).toBeGreaterThanOrEqual(1);
    expect(served()).not.toContain('pay-broken/default/prod');
  });

  it('keeps the last known modules of an app whose modules call starts failing', async () => {
    h.sim.setAppFault('pay-legacy', 'bad_gateway');
    await h.exporter.discoverNow();
    expect(served()).toContain('pay-legacy/default/prod');
    h.sim.setAppFault('pay-legacy', undefined);
  });

  it.each([
    ['server_error', 'server_error'],
    ['unauthorized', 'auth'],
    ['wrong_shape', 'invalid_response'],
  ] as const)('keeps the last known set when the app list fails with %s', async (fault, reason) => {
    const before = served();
    const errorsBefore = find(await h.scrape(), 'bkpaas_discovery_errors_total', { reason })[0]?.value ?? 0;
    h.sim.setAppListFault(fault);
    try {
      await h.exporter.discoverNow();
      expect(served()).toEqual(before);
      const m = await h.scrape();
      expect(value(m, 'bkpaas_discovery_errors_total', { reason })).toBe(errorsBefore + 1);
      expect(value(m, 'bkpaas_discovery_targets')).toBe(8);
      expect(h.logs.some((l) => l.includes('discovery failed, keeping the last known targets'))).toBe(true);
    } finally {
      h.sim.setAppListFault(undefined);
    }
  });

  it('serves /sd in Prometheus HTTP SD format, one entry per served target', async () => {
    const res = await h.get('/sd');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const groups = JSON.parse(res.body) as Array<{ targets: string[]; labels: Record<string, string> }>;
    const keys = groups.map((g) => `${g.labels.__param_app_code}/${g.labels.__param_module_name}/${g.labels.__param_environment}`).sort();
    // Undeployed targets are left out: probing them would export nothing.
    const undeployed = h.exporter.targets().filter((r) => r.undeployed).map((r) => r.key);
    expect(undeployed).toEqual(expect.arrayContaining(['pay-gateway/api/prod', 'pay-odd/ok/prod']));
    expect(keys).toEqual(served().filter((k) => !undeployed.includes(k)));
    const host = new URL(h.url).host;
    expect(groups.every((g) => g.targets.length === 1 && g.targets[0] === host)).toBe(true);
    // A forged Host header is never echoed: /sd hands out the address the connection reached.
    const forged = await new Promise<string>((resolve, reject) => {
      http
        .get(`${h.url}/sd`, { headers: { Host: 'attacker.example:80' } }, (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c));
          r.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(new Set((JSON.parse(forged) as Array<{ targets: string[] }>).flatMap((g) => g.targets))).toEqual(new Set([host]));
    expect(groups.find((g) => g.labels.__param_app_code === 'pay-legacy')!.labels.__meta_bkpaas_discovered).toBe('true');
    expect(groups.find((g) => g.labels.__param_app_code === 'static-only')!.labels.__meta_bkpaas_discovered).toBe('false');
  });

  it('lists discovered targets on / with their state and the rule that brought them in', async () => {
    const res = await h.get('/');
    expect(res.body).toContain('data-key="pay-legacy/default/prod"');
    expect(res.body).toContain('discovery: app /^pay-/, module *');
    expect(res.body).toMatch(/<tbody class="t undeployed"[^>]* data-key="pay-gateway\/api\/prod"/);
    expect(res.body).toMatch(/discovery: last successful run \d+ s ago \(5 apps, 8 targets\)/);
  });
});
