/**
 * The built exporter as it runs on BlueKing PaaS: only the platform's variables, a user token and
 * a target in $EXPORTER_CONFIG_YAML — no base_url, app code or secret in any file — and it
 * serves the target with the right credentials upstream; --check-config says where each came from.
 */
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { parseExposition, value } from '../helpers/exposition';
import { runExporter, startExporterProcess } from '../helpers/process';
import { simTarget } from '../helpers/targets';

describe('on BlueKing PaaS (platform environment variables)', () => {
  let sim: Simulator;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sim = await startSimulator({ targets: [simTarget('alpha')] });
    env = {
      BKPAAS_APP_ID: DEMO_CREDENTIALS.bk_app_code,
      BKPAAS_APP_SECRET: DEMO_CREDENTIALS.bk_app_secret,
      BK_API_URL_TMPL: `${sim.origin}/api/{api_name}/`,
      BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN,
      EXPORTER_CONFIG_YAML: 'upstream:\n  auth:\n    access_token: ${BK_ACCESS_TOKEN}\ntargets:\n  - app_code: alpha\n    environments: [prod]\n',
    };
  });
  afterAll(() => sim.close());

  it('serves bkpaas_target_up 1, authenticated as the platform\'s app with the configured user token', async () => {
    const ex = await startExporterProcess([], env);
    try {
      const text = await (await fetch(`${ex.url}/metrics`)).text();
      const up = value(parseExposition(text), 'bkpaas_target_up', { app_code: 'alpha', module_name: 'default', environment: 'prod' });
      expect({ up, output: up === 1 ? '' : ex.output() }).toEqual({ up: 1, output: '' });
      const upstream = sim.requests.filter((r) => r.targetKey === 'alpha/default/prod');
      expect(upstream.length).toBeGreaterThan(0);
      expect(upstream[0].path).toBe('/api/bkpaas3/prod/bkapps/applications/alpha/modules/default/envs/prod/processes/list/');
      expect(upstream[0].auth).toEqual({ bk_app_code: DEMO_CREDENTIALS.bk_app_code, bk_app_secret: DEMO_CREDENTIALS.bk_app_secret, access_token: DEMO_ACCESS_TOKEN });
      expect(ex.output()).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    } finally {
      expect(await ex.stop()).toBe(0);
    }
  });

  it('--check-config names the platform variables each value came from, never a secret', async () => {
    const r = await runExporter(['--check-config'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('config file:        $EXPORTER_CONFIG_YAML');
    expect(r.stdout).toContain(`upstream:           ${sim.origin}/api/bkpaas3/prod  (from BK_API_URL_TMPL (api_name bkpaas3, stage prod))`);
    expect(r.stdout).toContain('auth fields set:  bk_app_code (from BKPAAS_APP_ID), bk_app_secret (from BKPAAS_APP_SECRET), access_token');
    expect(r.stdout).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    expect(r.stdout).not.toContain(DEMO_ACCESS_TOKEN);
  });

  it('a partial platform environment is a clear error naming the missing variable', async () => {
    const r = await runExporter(['--check-config'], { ...env, BKPAAS_APP_SECRET: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('upstream.auth.bk_app_secret');
    expect(r.stderr).toContain('BKPAAS_APP_SECRET is not set either');
  });

  it('EXPORTER_CONFIG_YAML replaces the file the start command names with --config', async () => {
    const withFile = await runExporter(['--check-config', '--config', 'deploy/blueking/config.yaml'], { ...env, EXPORTER_CONFIG_YAML: '' });
    expect(withFile.stdout).toContain('config file:        deploy/blueking/config.yaml');
    expect(withFile.stdout).toContain('discovery:          on');
    const replaced = await runExporter(['--check-config', '--config', 'deploy/blueking/config.yaml'], env);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('config file:        $EXPORTER_CONFIG_YAML');
    expect(replaced.stdout).toContain('static targets:     1');
  });
});
