import { loadConfig, parseConfigText } from '../../src/config/load';
import { describeConfig } from '../../src/config/summary';
import { TEST_ENV, fixture } from './helpers';

describe('describeConfig', () => {
  test('summarises a full config, naming auth fields without their values', () => {
    const { config } = loadConfig(fixture('valid-full.yaml'), TEST_ENV);
    expect(describeConfig(config, 'config.yaml', { heapLimit: 524 * 1024 * 1024 })).toBe(
      [
        'config file:        config.yaml',
        'listen:             127.0.0.1:9100',
        'upstream:           http://paas.example.com/backend/api',
        '  auth fields set:  bk_app_code, bk_app_secret, access_token, bk_ticket, bk_token, bk_username',
        '  tenant:           tenant-a',
        '  timeout:          2s500ms',
        '  concurrency:      4',
        '  max response:     1MiB',
        '    heap limit:     524MiB, so at most 131MiB (rule: max_response_bytes × 4 must fit in the heap limit: a body is held as text and as parsed JSON, in at most half the heap)',
        '  max retry-after:  1m30s',
        'cache ttl:          1m30s',
        'instance metrics:   on',
        'static targets:     5',
        '    demo-app/default/stag only_latest_version=true {critical="true", team="payments", tier="1"}  (targets[0])',
        '    demo-app/default/prod only_latest_version=true {critical="true", team="payments", tier="1"}  (targets[0])',
        '    demo-app/api/stag only_latest_version=true {critical="true", team="payments", tier="1"}  (targets[0])',
        '    demo-app/api/prod only_latest_version=true {critical="true", team="payments", tier="1"}  (targets[0])',
        '    other.app_2/default/prod only_latest_version=false  (targets[1])',
        'discovery:          on',
        '  refresh interval: 10m',
        '  environments:     prod',
        '  include apps:     demo-.*, shop',
        '  exclude apps:     .*-test',
        '  include modules:  default',
        '  exclude modules:  legacy.*',
        '  only latest:      true',
        '  labels:           {source="discovered"}',
      ].join('\n'),
    );
  });

  test('shows defaults and "off" for a minimal config', () => {
    const { config } = loadConfig(fixture('valid-minimal.yaml'), TEST_ENV);
    const summary = describeConfig(config, 'minimal.yaml');
    expect(summary).toContain('listen:             0.0.0.0:9876\n');
    expect(summary).toContain('  auth fields set:  bk_app_code, bk_app_secret, bk_username\n');
    expect(summary).toContain('  tenant:           (none)\n');
    expect(summary).toContain('cache ttl:          15s\n');
    expect(summary).toContain('instance metrics:   off\n');
    expect(summary).toContain('static targets:     1\n    demo-app/default/prod  (targets[0])\n');
    expect(summary.endsWith('discovery:          off')).toBe(true);
  });

  test('lists the first 20 targets, then a count', () => {
    const envs = Array.from({ length: 25 }, (_, i) => `e${String(i).padStart(2, '0')}`).join(', ');
    const { config } = parseConfigText(
      `upstream:
  base_url: https://bkapi.example.com/api
  auth: {bk_app_code: a, bk_app_secret: s, bk_username: u}
targets:
  - app_code: many
    environments: [${envs}]
`,
      { env: TEST_ENV },
    );
    const lines = describeConfig(config, 'c.yaml').split('\n');
    const listed = lines.filter((l) => l.startsWith('    many/default/'));
    expect(listed).toHaveLength(20);
    expect(listed[19]).toBe('    many/default/e19  (targets[0])');
    expect(lines).toContain('static targets:     25');
    expect(lines).toContain('    ... and 5 more');
  });
});
