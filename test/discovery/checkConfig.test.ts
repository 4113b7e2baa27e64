/** `--check-config --discover`: validates the regexes and reports how many targets discovery finds now. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { runExporter } from '../helpers/process';

const ENV = { BK_APP_SECRET: DEMO_CREDENTIALS.bk_app_secret, BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN };

function yaml(baseUrl: string, discovery: string): string {
  return `upstream:
  base_url: ${baseUrl}
  auth:
    bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}
    bk_app_secret: \${BK_APP_SECRET}
    access_token: \${BK_ACCESS_TOKEN}
targets:
  - app_code: static-app
    environments: [prod]
discovery:
${discovery}
`;
}

describe('--check-config --discover', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({
      targets: [],
      apps: [
        { code: 'pay-a', name: 'A', modules: ['default', 'api'] },
        { code: 'pay-b', name: 'B', modules: ['default'] },
        { code: 'shop', name: 'S', modules: ['default'] },
      ],
      pageSize: 2,
    });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-discover-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('prints how many targets discovery would produce now', async () => {
    const cfg = write('ok.yaml', yaml(sim.baseUrl, '  enabled: true\n  environments: [stag, prod]\n  include_apps: ["^pay-"]'));
    const r = await runExporter(['--check-config', '--discover', '--config', cfg], ENV);
    expect(r.stderr).not.toContain('"level":50');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('discovery: 2 apps matched, 6 targets discovered, 7 targets in all with the static ones');
  });

  it('exits 1 when the app list cannot be read', async () => {
    sim.setAppListFault('unauthorized');
    try {
      const cfg = write('auth.yaml', yaml(sim.baseUrl, '  enabled: true'));
      const r = await runExporter(['--check-config', '--discover', '--config', cfg, '--log-level', 'silent'], ENV);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/discovery failed: .*HTTP 401/);
      expect(r.stdout + r.stderr).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    } finally {
      sim.setAppListFault(undefined);
    }
  });

  it('rejects an invalid regular expression with its path', async () => {
    const cfg = write('bad.yaml', yaml(sim.baseUrl, '  enabled: true\n  include_apps: ["pay-(x"]'));
    const r = await runExporter(['--check-config', '--discover', '--config', cfg], ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('discovery.include_apps[0]');
  });

  it('--discover without --check-config is bad usage', async () => {
    const r = await runExporter(['--discover']);
    expect(r.code).toBe(2);
  });
});
