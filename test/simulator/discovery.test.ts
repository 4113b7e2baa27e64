/** The app list (paginated) and modules APIs used by discovery. */
import { startSimulator, type SimApp, type Simulator } from '../../src/simulator';
import { AUTH_HEADER, get } from './helpers';

interface AppListPage {
  count: number;
  next: string | null;
  previous: string | null;
  results: { application: { id: string; code: string; name: string }; product: null }[];
}

const APPS: SimApp[] = Array.from({ length: 7 }, (_, i) => ({
  code: `app-${i}`,
  name: `App ${i}`,
  modules: i === 3 ? [] : i === 4 ? ['api', 'admin'] : ['default', 'api'],
}));

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ apps: APPS, pageSize: 3, targets: [] });
});
afterAll(() => sim.close());

async function page(url: string): Promise<AppListPage> {
  const res = await fetch(url, { headers: { 'X-Bkapi-Authorization': AUTH_HEADER } });
  expect(res.status).toBe(200);
  return JSON.parse(await res.text()) as AppListPage;
}

test('lists/minimal is paginated with absolute next links', async () => {
  const seen: string[] = [];
  let url: string | null = `${sim.baseUrl}/bkapps/applications/lists/minimal`;
  let pages = 0;
  let previous: string | null = null;
  while (url) {
    const p: AppListPage = await page(url);
    expect(p.count).toBe(7);
    expect(p.results.length).toBeLessThanOrEqual(3);
    for (const r of p.results) {
      expect(r.product).toBeNull();
      expect(r.application.id).toMatch(/^[0-9a-f-]{36}$/);
      seen.push(r.application.code);
    }
    if (pages === 0) expect(p.previous).toBeNull();
    else expect(p.previous).toMatch(/^http:\/\//);
    previous = p.previous;
    url = p.next;
    if (url) expect(url.startsWith(sim.origin)).toBe(true);
    pages++;
  }
  expect(pages).toBe(3);
  expect(previous).toContain('offset=3');
  expect(seen).toEqual(APPS.map((a) => a.code));
  expect(new Set(seen).size).toBe(7);
});

test('limit and offset are honoured, limit capped at the page size', async () => {
  const p = await page(`${sim.baseUrl}/bkapps/applications/lists/minimal?limit=2&offset=4`);
  expect(p.results.map((r) => r.application.code)).toEqual(['app-4', 'app-5']);
  expect(p.next).toContain('offset=6');
  const capped = await page(`${sim.baseUrl}/bkapps/applications/lists/minimal?limit=500`);
  expect(capped.results).toHaveLength(3);
  const past = await page(`${sim.baseUrl}/bkapps/applications/lists/minimal?offset=100`);
  expect(past.results).toEqual([]);
  expect(past.next).toBeNull();
});

test('modules lists the app\'s modules with one default', async () => {
  const res = await get(sim, '/bkapps/applications/app-0/modules/');
  expect(res.status).toBe(200);
  const modules = JSON.parse(await res.text()) as { id: string; name: string; is_default: boolean; source_origin: number }[];
  expect(modules.map((m) => [m.name, m.is_default, m.source_origin])).toEqual([
    ['default', true, 1],
    ['api', false, 1],
  ]);
  expect(typeof modules[0].id).toBe('string');
  const noDefault = JSON.parse(await (await get(sim, '/bkapps/applications/app-4/modules/')).text());
  expect(noDefault.map((m: { is_default: boolean }) => m.is_default)).toEqual([true, false]);
  const none = await get(sim, '/bkapps/applications/app-3/modules/');
  expect(JSON.parse(await none.text())).toEqual([]);
});

test('modules of an unknown app is 404', async () => {
  const res = await get(sim, '/bkapps/applications/nope/modules/');
  expect(res.status).toBe(404);
  expect(JSON.parse(await res.text())).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringContaining('nope') });
});

test('per-app faults on the modules API, and on the app list', async () => {
  sim.setAppFault('app-1', 'server_error');
  expect((await get(sim, '/bkapps/applications/app-1/modules/')).status).toBe(500);
  expect((await get(sim, '/bkapps/applications/app-0/modules/')).status).toBe(200);
  sim.setAppFault('app-1', 'forbidden');
  expect((await get(sim, '/bkapps/applications/app-1/modules/')).status).toBe(403);
  sim.setAppFault('app-1', undefined);
  expect((await get(sim, '/bkapps/applications/app-1/modules/')).status).toBe(200);

  sim.setAppListFault('rate_limited');
  const limited = await get(sim, '/bkapps/applications/lists/minimal');
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('30');
  sim.setAppListFault(undefined);
  expect((await get(sim, '/bkapps/applications/lists/minimal')).status).toBe(200);
});

test('SimApp.modulesFault applies from the options', async () => {
  const s = await startSimulator({ apps: [{ code: 'a', name: 'A', modules: ['default'], modulesFault: 'bad_gateway' }], targets: [] });
  try {
    expect((await get(s, '/bkapps/applications/a/modules/')).status).toBe(502);
  } finally {
    await s.close();
  }
});

test('without apps, the apps and modules are derived from the targets', async () => {
  const s = await startSimulator(); // demo fleet
  try {
    const p = JSON.parse(await (await get(s, '/bkapps/applications/lists/minimal')).text()) as AppListPage;
    expect(p.results.map((r) => r.application.code)).toEqual(['demo-shop', 'demo-blog', 'demo-ops']);
    expect(p.results[0].application.name).toBe('Demo Shop');
    expect(p.next).toBeNull();
    const mods = JSON.parse(await (await get(s, '/bkapps/applications/demo-shop/modules/')).text());
    expect(mods.map((m: { name: string }) => m.name)).toEqual(['default', 'api']);
    s.setTarget({ app_code: 'late-app', module_name: 'default', environment: 'prod', scenario: 'healthy' });
    const p2 = JSON.parse(await (await get(s, '/bkapps/applications/lists/minimal')).text()) as AppListPage;
    expect(p2.count).toBe(4);
  } finally {
    await s.close();
  }
});
