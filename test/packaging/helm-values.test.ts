import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse, stringify } from 'yaml';
import { ConfigError, parseConfigText } from '../../src/config';
import { ALLOWED_KEYS } from '../../src/config/schema';
import { SECRET_KEYS } from '../../src/config/secrets';
import { CHART, ROOT, Values, mergeValues, readText, readYaml } from './lib/chart';

const schema = JSON.parse(readText('helm/bkpaas-process-exporter/values.schema.json')) as {
  properties: Record<string, unknown>;
};
const defaults = readYaml('helm/bkpaas-process-exporter/values.yaml') as Values;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

/** Validates values merged over the defaults; returns "instancePath message" per error. */
function errorsOf(overrides: Values): string[] {
  const ok = validate(mergeValues(defaults, overrides));
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('values.schema.json', () => {
  it('accepts values.yaml', () => {
    expect(validate(defaults)).toBe(true);
  });

  const ciFiles = fs.readdirSync(path.join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml'));

  it('has the ci values files', () => {
    expect(ciFiles.sort()).toEqual(
      expect.arrayContaining([
        'default-values.yaml',
        'existing-secret-values.yaml',
        'monitoring-all-enabled-values.yaml',
        'sharding-values.yaml',
      ]),
    );
  });

  it.each(ciFiles)('accepts ci/%s merged over values.yaml', (file) => {
    const overrides = readYaml(path.join(CHART, 'ci', file)) as Values;
    expect(errorsOf(overrides)).toEqual([]);
  });

  it('declares exactly the keys of values.yaml (plus global)', () => {
    expect(Object.keys(schema.properties).filter((k) => k !== 'global').sort()).toEqual(Object.keys(defaults).sort());
  });

  it.each<[string, Values, RegExp]>([
    ['a wrong type', { replicaCount: 'two' }, /^\/replicaCount must be integer/],
    ['an unknown top-level key', { replicas: 2 }, /^ must NOT have additional properties/],
    ['an unknown nested key', { image: { tags: 'x' } }, /^\/image must NOT have additional properties/],
    ['an unknown config key', { config: { listen: ':9876' } }, /^\/config must NOT have additional properties/],
    ['a literal secret in the ConfigMap', { config: { upstream: { auth: { bk_app_secret: 's3cr3t' } } } }, /^\/config\/upstream\/auth\/bk_app_secret must match pattern/],
    ['a literal token in the ConfigMap', { config: { upstream: { auth: { bk_token: 'abc' } } } }, /^\/config\/upstream\/auth\/bk_token must match pattern/],
    ['an unknown auth key (a place to hide a secret)', { config: { upstream: { auth: { password: 'x' } } } }, /^\/config\/upstream\/auth must NOT have additional properties/],
    ['a bad duration', { config: { cache: { ttl: '15 seconds' } } }, /^\/config\/cache\/ttl must match pattern/],
    ['a listen address without a port', { config: { server: { listen: '0.0.0.0' } } }, /^\/config\/server\/listen must match pattern/],
    ['zero shards', { sharding: { enabled: true, replicas: 0 } }, /^\/sharding\/replicas must be >= 1/],
    ['an unknown Service type', { service: { type: 'ExternalName' } }, /^\/service\/type must be equal to one of the allowed values/],
    ['a lower-case scheme', { webConfig: { scheme: 'https' } }, /^\/webConfig\/scheme must be equal to one of the allowed values/],
    ['a label value that is not a string', { commonLabels: { tier: 1 } }, /^\/commonLabels\/tier must be string/],
    ['a probe path (fixed by the chart)', { livenessProbe: { path: '/metrics' } }, /^\/livenessProbe must NOT have additional properties/],
    ['a bad scrape interval', { serviceMonitor: { interval: '30' } }, /^\/serviceMonitor\/interval must match pattern/],
    ['a malformed digest', { image: { digest: 'latest' } }, /^\/image\/digest must match pattern/],
    ['a runbook base that is not a URL', { prometheusRule: { runbookBaseUrl: 'wiki/runbook' } }, /^\/prometheusRule\/runbookBaseUrl must match pattern/],
    ['a runbook base with its own anchor', { prometheusRule: { runbookBaseUrl: 'https://wiki.example.com/runbook#top' } }, /^\/prometheusRule\/runbookBaseUrl must match pattern/],
  ])('rejects %s', (_name, overrides, expected) => {
    const errors = errorsOf(overrides);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => expected.test(e))).toBe(true);
  });

  it.each<[string, Values]>([
    ['secrets as ${VAR} references', { config: { upstream: { auth: { bk_ticket: '${BK_TICKET}' } } } }],
    ['secrets as files', { config: { upstream: { auth: { bk_app_secret: null, bk_app_secret_file: '/run/secrets/bk/app-secret' } } } }],
    ['targets and discovery', { config: { targets: [{ app_code: 'a', environments: ['prod'], labels: { team: 'x' } }], discovery: { enabled: true } } }],
    ['an IPv6 listen address', { config: { server: { listen: '[::]:9876' } } }],
    ['an inherited scrape interval', { serviceMonitor: { enabled: true, interval: '', scrapeTimeout: '' } }],
    ['a parent chart\'s globals', { global: { imageRegistry: 'r' } }],
    ['an own runbook', { prometheusRule: { enabled: true, runbookBaseUrl: 'https://wiki.example.com/ops/bkpaas-runbook' } }],
  ])('accepts %s', (_name, overrides) => {
    expect(errorsOf(overrides)).toEqual([]);
  });
});

describe("the chart's config is the exporter's config", () => {
  type Node = { properties?: Record<string, Node>; items?: Node; $ref?: string };
  const configNode = (schema.properties.config as Node).properties!;
  const at: Record<string, Record<string, Node>> = {
    '': configNode,
    server: configNode.server.properties!,
    upstream: configNode.upstream.properties!,
    'upstream.auth': configNode.upstream.properties!.auth.properties!,
    cache: configNode.cache.properties!,
    'targets[]': configNode.targets.items!.properties!,
    discovery: configNode.discovery.properties!,
    metrics: configNode.metrics.properties!,
  };

  it.each(Object.keys(ALLOWED_KEYS))('values.schema.json allows exactly the exporter\'s keys at config.%s', (where) => {
    expect(at[where]).toBeDefined();
    expect(Object.keys(at[where]).sort()).toEqual([...ALLOWED_KEYS[where]].sort());
  });

  it('accepts only ${VAR} references for every secret key', () => {
    for (const key of SECRET_KEYS) {
      expect(at['upstream.auth'][key].$ref).toBe('#/definitions/envReference');
      expect(at['upstream.auth'][`${key}_file`]).toBeDefined();
    }
  });

  // What the ConfigMap holds, read by the exporter's own loader with the variables the Secret sets.
  const env = { BK_APP_SECRET: 'app-secret', BK_ACCESS_TOKEN: 'token', BK_TICKET: 'ticket', BK_TOKEN: 'bk-token' };
  const load = (values: Values) => parseConfigText(stringify(values.config), { file: 'config.yaml', env });
  const ciFiles = fs.readdirSync(path.join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml'));

  it('loads the default config once targets are added (the one thing a user must set)', () => {
    let error: unknown;
    try {
      load(defaults);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.path)).toEqual(['targets']);
    const withTarget = mergeValues(defaults, { config: { targets: [{ app_code: 'demo-app', environments: ['prod'] }] } });
    expect(load(withTarget).config.targets).toHaveLength(1);
  });

  it.each(ciFiles)('loads the config of ci/%s', (file) => {
    const values = mergeValues(defaults, readYaml(path.join(CHART, 'ci', file)) as Values);
    const config = values.config as { targets: unknown[] };
    if (config.targets.length === 0) config.targets = [{ app_code: 'demo-app', environments: ['prod'] }];
    expect(() => load(values)).not.toThrow();
  });
});

describe('the values examples of README.md and the chart README', () => {
  /** The `# my-values.yaml` block of a README, parsed. */
  const example = (file: string): Values => {
    const block = [...readText(file).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith('# my-values.yaml'));
    if (!block) throw new Error(`${file} has no \`# my-values.yaml\` example`);
    return parse(block) as Values;
  };
  const env = { BK_APP_SECRET: 'app-secret', BK_ACCESS_TOKEN: 'token' };

  it.each(['README.md', 'helm/bkpaas-process-exporter/README.md'])('%s: valid values whose config the exporter loads', (file) => {
    const values = example(file);
    expect(errorsOf(values)).toEqual([]);
    const merged = mergeValues(defaults, values);
    expect(() => parseConfigText(stringify(merged.config), { file: 'config.yaml', env })).not.toThrow();
  });

  it.each(['README.md', 'helm/bkpaas-process-exporter/README.md'])(
    '%s: the ServiceMonitor and PrometheusRule it enables carry labels for the Prometheus selectors',
    (file) => {
      const values = example(file) as Record<string, { enabled?: boolean; labels?: Record<string, string> }>;
      const enabled = ['serviceMonitor', 'prometheusRule'].filter((k) => values[k]?.enabled);
      expect(enabled).toEqual(['serviceMonitor', 'prometheusRule']);
      for (const key of enabled) expect({ key, labels: Object.keys(values[key].labels ?? {}) }).toEqual({ key, labels: ['release'] });
    },
  );
});

describe("the chart README's resources examples, sized from docs/performance.md", () => {
  const performance = readText('docs/performance.md');
  const chartReadme = readText('helm/bkpaas-process-exporter/README.md');

  /** The cells of a row of performance.md's results table, by target count. */
  const measured = (figure: string): Map<number, string> => {
    const header = performance.split('\n').find((l) => l.startsWith('| figure | compared with |'));
    const row = performance.split('\n').find((l) => l.startsWith(`| ${figure} |`));
    if (!header || !row) throw new Error(`docs/performance.md has no results row "${figure}"`);
    const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
    const counts = cells(header).slice(2).map((c) => Number(c.replace(/^N = /, '').replace(/\s/g, '')));
    return new Map(counts.map((n, i) => [n, cells(row)[i + 2]]));
  };
  const cpuMs = measured('exporter CPU per target and refresh');
  const rss = measured('peak RSS (VmHWM): cold + warm + refresh');
  const number = (text: string | undefined) => Number(/^([\d.]+)/.exec(text ?? '')?.[1]);

  interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu?: string; memory: string };
  }
  const examples = [...chartReadme.matchAll(/```yaml\n# up to ([\d ]+) targets, cache\.ttl (\d+)s\n([\s\S]*?)```/g)].map((m) => ({
    targets: Number(m[1].replace(/\s/g, '')),
    ttlSeconds: Number(m[2]),
    resources: (parse(m[3]) as { resources: Resources }).resources,
  }));
  const millicores = (cpu: string) => (cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);
  const bytes = (memory: string) => Number(/^(\d+)Mi$/.exec(memory)?.[1]) * 1024 * 1024;

  it('shows the measured CPU per target and peak RSS', () => {
    for (const n of [100, 1000, 5000]) {
      const row = chartReadme.split('\n').find((l) => l.startsWith(`| ${n.toLocaleString('en').replace(/,/g, ' ')} |`));
      expect(row).toBe(`| ${n.toLocaleString('en').replace(/,/g, ' ')} | ${cpuMs.get(n)} | ${rss.get(n)?.replace(/ \(.*\)$/, '')} |`);
    }
  });

  it('has examples for 1 000 and 5 000 targets that the schema accepts', () => {
    expect(examples.map((e) => e.targets)).toEqual([1000, 5000]);
    for (const e of examples) expect(errorsOf({ resources: e.resources })).toEqual([]);
  });

  it.each([1000, 5000])('%i targets: the CPU request covers targets × CPU per target / ttl (at most twice), the memory request the peak RSS; no CPU limit', (n) => {
    const e = examples.find((x) => x.targets === n);
    if (!e) throw new Error(`no example for ${n} targets`);
    const needed = (n * number(cpuMs.get(n))) / e.ttlSeconds; // millicores: ms of CPU per second
    expect(millicores(e.resources.requests.cpu)).toBeGreaterThanOrEqual(needed);
    expect(millicores(e.resources.requests.cpu)).toBeLessThanOrEqual(2 * needed);
    expect(bytes(e.resources.requests.memory)).toBeGreaterThanOrEqual(number(rss.get(n)) * 1e6);
    expect(bytes(e.resources.limits.memory)).toBeGreaterThanOrEqual(2 * number(rss.get(n)) * 1e6);
    expect(e.resources.limits.cpu).toBeUndefined();
  });

  it("values.yaml's comment gives the same examples", () => {
    const comment = readText('helm/bkpaas-process-exporter/values.yaml').split('\nresources:')[0].split('\n\n').pop() ?? '';
    const inline = [...comment.replace(/\n# /g, ' ').matchAll(/`(\{requests: [^`]+\})`/g)].map((m) => parse(m[1]) as Resources);
    expect(inline).toEqual(examples.map((e) => e.resources));
  });
});

describe('values.yaml documentation', () => {
  const script = path.join(ROOT, 'scripts', 'helm-values-table.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('documents every value and README.md has the current table (node scripts/helm-values-table.js --write)', () => {
    const result = run('--check');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('flags an undocumented value and a stale table', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-doc-'));
    try {
      const values = path.join(dir, 'values.yaml');
      const readme = path.join(dir, 'README.md');
      fs.writeFileSync(values, '# -- Documented.\na: 1\nsection:\n  # -- Documented too.\n  b: x\n  c: true\n');
      fs.writeFileSync(readme, 'x\n<!-- values-table:start -->\n<!-- values-table:end -->\n');
      const result = run('--check', '--values', values, '--readme', readme);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('section.c has no "# --" comment');
      expect(result.stderr).toContain('the values table is stale');
      expect(result.stderr).not.toContain('section.b');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Chart.yaml', () => {
  const chart = readYaml('helm/bkpaas-process-exporter/Chart.yaml') as Record<string, unknown>;
  const pkg = JSON.parse(readText('package.json')) as { version: string };

  it('is a v2 application chart named like its folder', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('bkpaas-process-exporter');
    expect(chart.type).toBe('application');
    expect(String(chart.version)).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  it('has appVersion equal to the package.json version', () => {
    expect(chart.appVersion).toBe(pkg.version);
  });
});
