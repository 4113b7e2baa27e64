/** Config reload over POST /-/reload: a valid file swaps the targets, an invalid one is rejected and the old kept. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS } from '../../src/simulator';
import { find, value } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget } from '../helpers/targets';


function yamlFor(baseUrl: string, apps: string[], extra = ''): string {
  return `upstream:
  base_url: ${baseUrl}
  auth:
    bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}
    bk_app_secret: \${TEST_SECRET}
    access_token: \${TEST_TOKEN}
cache:
  ttl: 1m
targets:
${apps.map((a) => `  - app_code: ${a}\n    environments: [prod]\n    modules: [default]`).join('\n')}
${extra}`;
}

describe('config reload', () => {
  let h: Harness;
  let dir: string;
  let file: string;
  const env = { TEST_SECRET: DEMO_CREDENTIALS.bk_app_secret, TEST_TOKEN: DEMO_ACCESS_TOKEN };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-reload-'));
    file = path.join(dir, 'config.yaml');
    h = await startHarness({
      simTargets: [simTarget('alpha'), simTarget('beta'), simTarget('gamma')],
      targets: [],
      reloadConfig: () => loadConfig(file, env).config,
    });
    writeFileSync(file, yamlFor(h.sim.baseUrl, ['alpha', 'beta']));
    expect((await fetch(`${h.url}/-/reload`, { method: 'POST' })).status).toBe(200);
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const apps = async () => {
    const m = await h.scrape();
    return { m, apps: find(m, 'bkpaas_target_up').map((s) => s.labels.app_code).sort() };
  };

  it('serves the targets of the loaded file', async () => {
    const { m, apps: a } = await apps();
    expect(a).toEqual(['alpha', 'beta']);
    expect(value(m, 'bkpaas_exporter_targets')).toBe(2);
    expect(value(m, 'bkpaas_exporter_config_last_reload_successful')).toBe(1);
  });

  it('a valid new file adds and removes targets; removed series are gone', async () => {
    writeFileSync(file, yamlFor(h.sim.baseUrl, ['alpha', 'gamma']));
    const res = await fetch(`${h.url}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('2 targets');
    const { m, apps: a } = await apps();
    expect(a).toEqual(['alpha', 'gamma']);
    expect(m.samples.some((s) => s.labels.app_code === 'beta')).toBe(false);
    // alpha was kept with its cache: not fetched again within its ttl.
    expect(h.sim.countRequests('alpha/default/prod')).toBe(1);
  });

  it('an invalid new file is rejected with its problems, and the old config kept', async () => {
    writeFileSync(file, yamlFor(h.sim.baseUrl, ['beta'], 'unknown_key: 1\n'));
    const res = await fetch(`${h.url}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain('previous configuration kept');
    expect(text).toContain('unknown_key');
    expect(text).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    const { m, apps: a } = await apps();
    expect(a).toEqual(['alpha', 'gamma']);
    expect(value(m, 'bkpaas_exporter_config_last_reload_successful')).toBe(0);
    expect(h.logs.some((l) => l.includes('config reload failed') && l.includes('unknown_key'))).toBe(true);
  });

  it('a later valid reload marks reloads successful again', async () => {
    writeFileSync(file, yamlFor(h.sim.baseUrl, ['beta']));
    expect((await fetch(`${h.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    const { m, apps: a } = await apps();
    expect(a).toEqual(['beta']);
    expect(value(m, 'bkpaas_exporter_config_last_reload_successful')).toBe(1);
  });
});
