import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ALLOWED_KEYS } from '../../src/config/schema';
import { loadConfig, parseConfigText } from '../../src/config/load';
import type { ExporterConfig } from '../../src/config/types';
import { TESTDATA, TEST_ENV, expectConfigError, fixture, problemsOf } from './helpers';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** A valid config body without targets, to build small cases from. */
const BASE = `
upstream:
  base_url: https://bkapi.example.com/api/bkpaas3/prod
  auth:
    bk_app_code: my-monitor-app
    bk_app_secret: \${BK_APP_SECRET}
    access_token: \${BK_ACCESS_TOKEN}
`;

describe('valid configs', () => {
  test('a minimal config gets every default', () => {
    const { config, warnings } = loadConfig(fixture('valid-minimal.yaml'), TEST_ENV);
    expect(warnings).toEqual([]);
    expect(config).toEqual<ExporterConfig>({
      server: { listen: { host: '0.0.0.0', port: 9876 } },
      upstream: {
        base_url: 'https://bkapi.example.com/api/bkpaas3/prod',
        auth: { bk_app_code: 'my-monitor-app', bk_app_secret: 'ENVSECRET-app-secret', bk_username: 'admin' },
        tenant_id: '',
        timeout_ms: 10_000,
        concurrency: 16,
        max_response_bytes: 16 * 1024 * 1024,
        max_retry_after_ms: 300_000,
      },
      cache: { ttl_ms: 15_000 },
      targets: [{ app_code: 'demo-app', module_name: 'default', environment: 'prod', labels: {}, source: 'targets[0]' }],
      instance_metrics: false,
      discovery: {
        enabled: false,
        refresh_interval_ms: 300_000,
        environments: ['stag', 'prod'],
        include_apps: [],
        exclude_apps: [],
        include_modules: [],
        exclude_modules: [],
        labels: {},
      },
      metrics: { allow: [], deny: [] },
    });
    expect(config.targets[0]).not.toHaveProperty('only_latest_version');
    expect(config.discovery).not.toHaveProperty('only_latest_version');
  });

  test('a config setting every key gets every value', () => {
    const { config, warnings } = loadConfig(fixture('valid-full.yaml'), TEST_ENV);
    expect(warnings).toEqual([]);
    const labels = { critical: 'true', team: 'payments', tier: '1' };
    expect(config).toEqual<ExporterConfig>({
      server: { listen: { host: '127.0.0.1', port: 9100 } },
      upstream: {
        base_url: 'http://paas.example.com/backend/api',
        auth: {
          bk_app_code: 'my-monitor-app',
          bk_app_secret: 'ENVSECRET-app-secret',
          access_token: 'ENVSECRET-access-token',
          bk_ticket: 'literal-ticket-value',
          bk_token: 'literal-token-value',
          bk_username: 'admin',
        },
        tenant_id: 'tenant-a',
        timeout_ms: 2_500,
        concurrency: 4,
        max_response_bytes: 1024 * 1024,
        max_retry_after_ms: 90_000,
      },
      cache: { ttl_ms: 90_000 },
      targets: [
        { app_code: 'demo-app', module_name: 'default', environment: 'stag', only_latest_version: true, labels, source: 'targets[0]' },
        { app_code: 'demo-app', module_name: 'default', environment: 'prod', only_latest_version: true, labels, source: 'targets[0]' },
        { app_code: 'demo-app', module_name: 'api', environment: 'stag', only_latest_version: true, labels, source: 'targets[0]' },
        { app_code: 'demo-app', module_name: 'api', environment: 'prod', only_latest_version: true, labels, source: 'targets[0]' },
        { app_code: 'other.app_2', module_name: 'default', environment: 'prod', only_latest_version: false, labels: {}, source: 'targets[1]' },
      ],
      instance_metrics: true,
      discovery: {
        enabled: true,
        refresh_interval_ms: 600_000,
        environments: ['prod'],
        include_apps: [/demo-.*/, /shop/],
        exclude_apps: [/.*-test/],
        include_modules: [/default/],
        exclude_modules: [/legacy.*/],
        only_latest_version: true,
        labels: { source: 'discovered' },
      },
      metrics: { allow: ['bkpaas_.*'], deny: ['bkpaas_instance_.*', 'bkpaas_process_info'] },
    });
  });

  test('labels are sorted by name, whatever the config order', () => {
    const { config } = loadConfig(fixture('valid-full.yaml'), TEST_ENV);
    expect(Object.keys(config.targets[0].labels)).toEqual(['critical', 'team', 'tier']);
  });

  test('targets expand app_code x module x environment in config order, with their source', () => {
    const { config } = parseConfigText(
      `${BASE}
targets:
  - app_code: b-app
    modules: [web, api]
    environments: [prod, stag]
  - app_code: a-app
    environments: [stag]
  - app_code: b-app
    modules: [worker]
    environments: [prod]
`,
      { env: TEST_ENV },
    );
    expect(config.targets.map((t) => `${t.source} ${t.app_code}/${t.module_name}/${t.environment}`)).toEqual([
      'targets[0] b-app/web/prod',
      'targets[0] b-app/web/stag',
      'targets[0] b-app/api/prod',
      'targets[0] b-app/api/stag',
      'targets[1] a-app/default/stag',
      'targets[2] b-app/worker/prod',
    ]);
  });

  test('targets may be empty when discovery is enabled', () => {
    const { config } = loadConfig(fixture('valid-discovery-only.yaml'), TEST_ENV);
    expect(config.targets).toEqual([]);
    expect(config.discovery.enabled).toBe(true);
    expect(config.discovery.environments).toEqual(['stag', 'prod']);
  });

  test('discovery regexes are searched in names, anchored only where written', () => {
    const { config } = loadConfig(fixture('valid-full.yaml'), TEST_ENV);
    const [demo, shop] = config.discovery.include_apps;
    expect(demo.test('demo-app')).toBe(true);
    expect(demo.test('my-demo-app')).toBe(true);
    expect(demo.test('demo')).toBe(false);
    expect(shop.test('shop-2')).toBe(true);
    const { config: anchored } = parseConfigText(
      'upstream: {base_url: http://x, auth: {bk_app_code: a, bk_app_secret: b, bk_username: c}}\ndiscovery: {enabled: true, include_apps: ["^pay-"], exclude_apps: ["-test$"]}\n',
    );
    expect(anchored.discovery.include_apps[0].test('pay-gateway')).toBe(true);
    expect(anchored.discovery.include_apps[0].test('old-pay-gateway')).toBe(false);
    expect(anchored.discovery.exclude_apps[0].test('pay-test')).toBe(true);
    expect(anchored.discovery.exclude_apps[0].test('pay-test-2')).toBe(false);
  });

  test('an environment other than stag/prod is a warning, with path and line', () => {
    const { config, warnings } = loadConfig(fixture('valid-unusual-environment.yaml'), TEST_ENV);
    expect(config.targets.map((t) => t.environment)).toEqual(['stag', 'test', 'prod']);
    expect(config.discovery.environments).toEqual(['prod', 'dev']);
    expect(warnings).toEqual([
      {
        path: 'targets[0].environments[1]',
        line: 9,
        message: 'unusual environment "test": BlueKing PaaS environments are "stag" and "prod"; kept as configured',
      },
      {
        path: 'discovery.environments[1]',
        line: 11,
        message: 'unusual environment "dev": BlueKing PaaS environments are "stag" and "prod"; kept as configured',
      },
    ]);
  });

  test('YAML anchors and merge keys work', () => {
    const { config } = parseConfigText(
      `${BASE}
targets:
  - &common
    app_code: a-app
    environments: [prod]
    labels: {team: payments}
  - <<: *common
    app_code: b-app
`,
      { env: TEST_ENV },
    );
    expect(config.targets.map((t) => [t.app_code, t.labels])).toEqual([
      ['a-app', { team: 'payments' }],
      ['b-app', { team: 'payments' }],
    ]);
  });

  test('config.example.yaml loads with BK_APP_SECRET and BK_ACCESS_TOKEN set, without warnings', () => {
    const { config, warnings } = loadConfig(path.join(REPO_ROOT, 'config.example.yaml'), {
      BK_APP_SECRET: 'x',
      BK_ACCESS_TOKEN: 'y',
    });
    expect(warnings).toEqual([]);
    expect(config.upstream.auth).toEqual({ bk_app_code: 'my-monitor-app', bk_app_secret: 'x', access_token: 'y' });
    expect(config.server.listen).toEqual({ host: '0.0.0.0', port: 9876 });
    expect(config.targets.length).toBeGreaterThan(0);
  });

  test('config.example.yaml mentions every key', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'config.example.yaml'), 'utf8');
    const keys = new Set(Object.values(ALLOWED_KEYS).flat());
    const missing = [...keys].filter((k) => !new RegExp(`^\\s*(?:#\\s*)?(?:- )?${k}:`, 'm').test(text));
    expect(missing).toEqual([]);
  });
});

describe('${VAR} expansion', () => {
  test('$$ is a literal $, and variables expand in any string', () => {
    const { config } = loadConfig(fixture('valid-escape.yaml'), { ...TEST_ENV, BK_USER: 'bob', BK_TENANT: '', APP_CODE: 'demo-app' });
    expect(config.upstream.auth.bk_app_secret).toBe('pa$word-ENVSECRET-app-secret');
    expect(config.upstream.auth.bk_username).toBe('bob');
    // Empty but set is fine outside secrets.
    expect(config.upstream.tenant_id).toBe('');
    expect(config.targets[0].app_code).toBe('demo-app');
    expect(config.targets[0].labels).toEqual({ empty_var_ok: 'x', lone: 'a$b', price: '$5' });
  });

  test('a missing variable is reported once, not again as a bad value', () => {
    const problems = problemsOf(() =>
      parseConfigText(`${BASE}\ncache:\n  ttl: \${CACHE_TTL}\ntargets:\n  - app_code: \${APP}\n    environments: [prod]\n`, {
        env: TEST_ENV,
      }),
    );
    expect(problems).toEqual([
      { path: 'cache.ttl', line: 10, message: 'environment variable CACHE_TTL is not set' },
      { path: 'targets[0].app_code', line: 12, message: 'environment variable APP is not set' },
    ]);
  });

  test('variables come from process.env by default', () => {
    const saved = process.env.BKPAAS_CONFIG_TEST_TENANT;
    process.env.BKPAAS_CONFIG_TEST_TENANT = 'from-process-env';
    try {
      const { config } = parseConfigText(
        `${BASE.replace(/\$\{BK_APP_SECRET\}/, 's').replace(/\$\{BK_ACCESS_TOKEN\}/, 't')}  tenant_id: \${BKPAAS_CONFIG_TEST_TENANT}\ntargets: [{app_code: a, environments: [prod]}]\n`,
      );
      expect(config.upstream.tenant_id).toBe('from-process-env');
    } finally {
      if (saved === undefined) delete process.env.BKPAAS_CONFIG_TEST_TENANT;
      else process.env.BKPAAS_CONFIG_TEST_TENANT = saved;
    }
  });
});

describe('*_file secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bkpaas-config-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('relative paths resolve against the config file directory, not the working directory', () => {
    const relative = path.relative(process.cwd(), fixture('valid-secret-files.yaml'));
    expect(path.isAbsolute(relative)).toBe(false);
    const { config } = loadConfig(relative, {});
    expect(config.upstream.auth.bk_app_secret).toBe('file-secret-FILESECRET-1');
    // Trailing newlines and blank lines are trimmed.
    expect(config.upstream.auth.access_token).toBe('file-token-FILESECRET-2');
  });

  test('parseConfigText resolves relative paths against baseDir', () => {
    fs.writeFileSync(path.join(dir, 'tok'), 'tok-value \n');
    const text = `${BASE.replace('access_token: ${BK_ACCESS_TOKEN}', 'access_token_file: tok')}targets: [{app_code: a, environments: [prod]}]\n`;
    const { config } = parseConfigText(text, { env: TEST_ENV, baseDir: dir });
    expect(config.upstream.auth.access_token).toBe('tok-value');
    expect(config.upstream.auth).not.toHaveProperty('access_token_file');
  });

  test('absolute paths and paths from ${VAR} work', () => {
    const file = path.join(dir, 'secret');
    fs.writeFileSync(file, 'abs-secret\n');
    const text = `${BASE.replace('bk_app_secret: ${BK_APP_SECRET}', 'bk_app_secret_file: ${SECRET_FILE}')}targets: [{app_code: a, environments: [prod]}]\n`;
    const { config } = parseConfigText(text, { env: { ...TEST_ENV, SECRET_FILE: file }, baseDir: '/nonexistent' });
    expect(config.upstream.auth.bk_app_secret).toBe('abs-secret');
  });

  test('a missing absolute file names the key and the file', () => {
    const file = path.join(dir, 'nope');
    const text = `${BASE.replace('bk_app_secret: ${BK_APP_SECRET}', `bk_app_secret_file: ${file}`)}targets: [{app_code: a, environments: [prod]}]\n`;
    expect(problemsOf(() => parseConfigText(text, { env: TEST_ENV }))).toEqual([
      { path: 'upstream.auth.bk_app_secret_file', line: 6, message: `cannot read secret file ${JSON.stringify(file)}: no such file` },
    ]);
  });

  test('a file secret counts as the user identity even when it cannot be read (one problem, not two)', () => {
    const text = `${BASE.replace('access_token: ${BK_ACCESS_TOKEN}', 'bk_token_file: missing')}targets: [{app_code: a, environments: [prod]}]\n`;
    expect(problemsOf(() => parseConfigText(text, { env: TEST_ENV, baseDir: dir })).map((p) => p.path)).toEqual([
      'upstream.auth.bk_token_file',
    ]);
  });

  test('a _file key of the wrong type is reported', () => {
    const text = `${BASE.replace('access_token: ${BK_ACCESS_TOKEN}', 'access_token_file: 42')}targets: [{app_code: a, environments: [prod]}]\n`;
    expect(problemsOf(() => parseConfigText(text, { env: TEST_ENV, baseDir: dir }))).toEqual([
      { path: 'upstream.auth.access_token_file', line: 7, message: 'expected the path of a file holding access_token, got a number' },
    ]);
  });
});

describe('problems outside the file', () => {
  test('a missing config file', () => {
    const file = path.join(TESTDATA, 'no-such-config.yaml');
    const err = expectConfigError(() => loadConfig(file, TEST_ENV));
    expect(err.problems).toEqual([{ path: '', message: 'cannot read the config file: no such file' }]);
    expect(err.message).toBe(`invalid config ${file}:\n  (root): cannot read the config file: no such file`);
  });

  test('a directory given as the config file', () => {
    expect(problemsOf(() => loadConfig(TESTDATA, TEST_ENV))).toEqual([{ path: '', message: `${TESTDATA} is not a regular file (it is a directory)` }]);
  });

  test('a device given as the config file is refused before any read', () => {
    expect(problemsOf(() => loadConfig('/dev/null', TEST_ENV))).toEqual([{ path: '', message: '/dev/null is not a regular file (it is a character device)' }]);
  });

  test('a file larger than 8MiB is refused by its size, not parsed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bkpaas-big-config-'));
    try {
      const file = path.join(dir, 'config.yaml');
      fs.writeFileSync(file, `${BASE}${'#'.repeat(8 * 1024 * 1024)}\n`);
      const size = fs.statSync(file).size;
      expect(problemsOf(() => loadConfig(file, TEST_ENV))).toEqual([
        { path: '', message: `${file} is ${size} bytes, more than the 8388608 (8MiB) allowed; for a fleet this large use discovery` },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('parseConfigText names "<config>" when no file is given', () => {
    expect(expectConfigError(() => parseConfigText('', { env: TEST_ENV })).message).toBe(
      'invalid config <config>:\n  (root): the config is empty: expected at least upstream and targets (see config.example.yaml)',
    );
  });

  test('no targets key and discovery off: the problem is at "targets"', () => {
    expect(problemsOf(() => parseConfigText(BASE, { env: TEST_ENV }))).toEqual([
      { path: 'targets', message: 'no targets: list at least one under targets, or enable discovery (discovery.enabled: true)' },
    ]);
  });

  test('discovery present but disabled does not allow empty targets', () => {
    expect(problemsOf(() => parseConfigText(`${BASE}discovery:\n  enabled: false\n`, { env: TEST_ENV })).map((p) => p.path)).toEqual([
      'targets',
    ]);
  });
});
