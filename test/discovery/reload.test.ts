/** Reloading a config whose discovery settings changed: the new rules apply, the set never empties meanwhile. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS } from '../../src/simulator';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget } from '../helpers/targets';
import { sleep } from '../helpers/sleep';


function yaml(baseUrl: string, discovery: string): string {
  return `upstream:
  base_url: ${baseUrl}
  timeout: 1s
  auth: {bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}, bk_app_secret: "\${S}", access_token: "\${T}"}
targets:
  - app_code: static-app
    environments: [prod]
discovery:
${discovery}
`;
}

describe('discovery across reloads', () => {
  let h: Harness;
  let dir: string;
  let file: string;
  const env = { S: DEMO_CREDENTIALS.bk_app_secret, T: DEMO_ACCESS_TOKEN };
  const served = () => h.exporter.targets().map((r) => r.key).sort();
  const waitFor = async (want: string[]) => {
    for (let i = 0; i < 50 && JSON.stringify(served()) !== JSON.stringify(want); i++) await sleep(50);
    expect(served()).toEqual(want);
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-disc-reload-'));
    file = path.join(dir, 'config.yaml');
    h = await startHarness({
      simTargets: [simTarget('alpha'), simTarget('beta'), simTarget('static-app')],
      sim: { apps: [{ code: 'alpha', name: 'A', modules: ['default'] }, { code: 'beta', name: 'B', modules: ['default'] }] },
      targets: [],
      reloadConfig: () => loadConfig(file, env).config,
    });
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts discovering when a reload enables it', async () => {
    writeFileSync(file, yaml(h.sim.baseUrl, '  enabled: true\n  environments: [prod]\n  include_apps: ["^alpha$"]'));
    expect((await fetch(`${h.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    await waitFor(['alpha/default/prod', 'static-app/default/prod']);
    const m = await h.scrape();
    expect(m.samples.some((s) => s.name === 'bkpaas_discovery_targets' && s.value === 1)).toBe(true);
  });

  it('applies changed rules, keeping the old set until the new run has finished', async () => {
    h.sim.setAppListFault('hang');
    writeFileSync(file, yaml(h.sim.baseUrl, '  enabled: true\n  environments: [prod]\n  include_apps: ["^beta$"]'));
    expect((await fetch(`${h.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    await sleep(200);
    expect(served()).toEqual(['alpha/default/prod', 'static-app/default/prod']);
    h.sim.setAppListFault(undefined);
    await h.exporter.discoverNow(); // the hung run times out: last known set kept
    expect(served()).toEqual(['alpha/default/prod', 'static-app/default/prod']);
    await h.exporter.discoverNow(); // the next run applies the new rules
    await waitFor(['beta/default/prod', 'static-app/default/prod']);
  });

  it('drops discovered targets when a reload disables discovery', async () => {
    writeFileSync(file, yaml(h.sim.baseUrl, '  enabled: false'));
    expect((await fetch(`${h.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect(served()).toEqual(['static-app/default/prod']);
  });
});

describe('a target moving between discovery and the static list on reload', () => {
  let h: Harness;
  let dir: string;
  let file: string;
  const env = { S: DEMO_CREDENTIALS.bk_app_secret, T: DEMO_ACCESS_TOKEN };
  const GHOST = { app_code: 'ghost', module_name: 'default', environment: 'prod' };
  const config = (staticGhost: boolean, discover: boolean) => `upstream:
  base_url: ${h.sim.baseUrl}
  timeout: 1s
  auth: {bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}, bk_app_secret: "\${S}", access_token: "\${T}"}
targets:
  - app_code: static-app
    environments: [prod]
${staticGhost ? '  - app_code: ghost\n    environments: [prod]\n' : ''}discovery:
  enabled: ${discover}
  environments: [prod]
  include_apps: ["^ghost$"]
`;
  const reload = async (staticGhost: boolean, discover: boolean) => {
    writeFileSync(file, config(staticGhost, discover));
    expect((await fetch(`${h.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    if (discover) await h.exporter.discoverNow();
  };
  const ghostUp = async () => (await h.scrape()).samples.filter((s) => s.name === 'bkpaas_target_up' && s.labels.app_code === 'ghost');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-disc-move-'));
    file = path.join(dir, 'config.yaml');
    h = await startHarness({
      // ghost's module is listed but not deployed in prod: its processes/list/ answers 404.
      simTargets: [simTarget('static-app'), simTarget('ghost', 'not_found')],
      sim: { apps: [{ code: 'ghost', name: 'G', modules: ['default'] }] },
      targets: [],
      reloadConfig: () => loadConfig(file, env).config,
      // A long ttl: whatever a reload keeps is served as cached, not fetched again.
      config: { cache: { ttl_ms: 60_000 } },
    });
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('discovered and answering 404: undeployed, silent', async () => {
    await reload(false, true);
    await h.scrape();
    expect(await ghostUp()).toEqual([]);
  });

  it('then listed statically (discovery off): a static target reports its 404 as up 0', async () => {
    await reload(true, false);
    expect((await ghostUp()).map((s) => [s.labels, s.value])).toEqual([[{ ...GHOST }, 0]]);
    const landing = await (await fetch(`${h.url}/`)).text();
    expect(landing).toContain('targets[1]');
  });

  it('and back to discovered: silent again under discovery\'s rules', async () => {
    await reload(false, true);
    await h.scrape();
    expect(await ghostUp()).toEqual([]);
  });
});
