import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CHART, ROOT } from './lib/chart';

const SYNC = 'node scripts/sync-helm-files.js';
const script = path.join(ROOT, 'scripts', 'sync-helm-files.js');
const alertsSource = path.join(ROOT, 'monitoring', 'alerts.yaml');
const dashboardsSource = path.join(ROOT, 'monitoring', 'dashboards');
const files = path.join(CHART, 'files');

const jsonIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : []);

function requireSource(file: string): void {
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(ROOT, file)} does not exist: the chart's files/ copies have no source to compare with`);
  }
}

describe('the chart copies of monitoring/ (helm cannot read outside the chart)', () => {
  it('files/alerts.yaml equals monitoring/alerts.yaml', () => {
    requireSource(alertsSource);
    const copy = path.join(files, 'alerts.yaml');
    const same = fs.existsSync(copy) && fs.readFileSync(copy).equals(fs.readFileSync(alertsSource));
    if (!same) throw new Error(`helm/bkpaas-process-exporter/files/alerts.yaml differs from monitoring/alerts.yaml: run \`${SYNC}\``);
  });

  it('files/dashboards/ holds exactly the dashboards of monitoring/dashboards/', () => {
    requireSource(dashboardsSource);
    const sources = jsonIn(dashboardsSource);
    expect(sources).toContain('bkpaas-processes.json');
    const problems: string[] = [];
    for (const name of sources) {
      const copy = path.join(files, 'dashboards', name);
      if (!fs.existsSync(copy) || !fs.readFileSync(copy).equals(fs.readFileSync(path.join(dashboardsSource, name)))) {
        problems.push(`files/dashboards/${name} differs from monitoring/dashboards/${name}`);
      }
    }
    for (const name of jsonIn(path.join(files, 'dashboards'))) {
      if (!sources.includes(name)) problems.push(`files/dashboards/${name} has no source`);
    }
    if (problems.length > 0) throw new Error(`${problems.join('\n')}\nrun \`${SYNC}\``);
  });

  it('the copies are what the templates expect: a rule file with top-level groups, JSON dashboards', () => {
    requireSource(alertsSource);
    const rules = parse(fs.readFileSync(path.join(files, 'alerts.yaml'), 'utf8')) as { groups?: unknown };
    expect(Array.isArray(rules.groups)).toBe(true);
    for (const group of rules.groups as Array<{ name?: unknown; rules?: unknown }>) {
      expect(typeof group.name).toBe('string');
      expect(Array.isArray(group.rules)).toBe(true);
    }
    for (const name of jsonIn(path.join(files, 'dashboards'))) {
      expect(() => JSON.parse(fs.readFileSync(path.join(files, 'dashboards', name), 'utf8'))).not.toThrow();
    }
  });

  it(`${SYNC} --check agrees`, () => {
    const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('scripts/sync-helm-files.js', () => {
  let repo: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(repo, 'scripts', 'sync-helm-files.js'), ...args], { encoding: 'utf8' });
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    fs.writeFileSync(path.join(repo, rel), text);
  };
  const read = (rel: string) => fs.readFileSync(path.join(repo, rel), 'utf8');
  const chartFiles = 'helm/bkpaas-process-exporter/files';

  beforeEach(() => {
    // A throwaway repository: the script resolves everything from its own location.
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-helm-files-'));
    fs.mkdirSync(path.join(repo, 'scripts'));
    fs.copyFileSync(script, path.join(repo, 'scripts', 'sync-helm-files.js'));
    write('monitoring/alerts.yaml', 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n          summary: "{{ $labels.app_code }} is {{ $value }}"\n');
    write('monitoring/dashboards/bkpaas-processes.json', '{"title": "{{app_code}}"}\n');
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('copies byte for byte, removes stale dashboards, and --check tells when to run it', () => {
    write(`${chartFiles}/dashboards/old.json`, '{}');
    const before = run('--check');
    expect(before.status).toBe(1);
    expect(before.stderr).toContain(`${chartFiles}/alerts.yaml differs from monitoring/alerts.yaml`);
    expect(before.stderr).toContain(`${chartFiles}/dashboards/old.json has no source`);
    expect(before.stderr).toContain('run `node scripts/sync-helm-files.js`');

    const sync = run();
    expect(sync.status).toBe(0);
    expect(read(`${chartFiles}/alerts.yaml`)).toBe(read('monitoring/alerts.yaml'));
    expect(read(`${chartFiles}/dashboards/bkpaas-processes.json`)).toBe(read('monitoring/dashboards/bkpaas-processes.json'));
    expect(fs.existsSync(path.join(repo, chartFiles, 'dashboards', 'old.json'))).toBe(false);

    expect(run('--check').status).toBe(0);
    write('monitoring/alerts.yaml', 'groups: []\n');
    expect(run('--check').status).toBe(1);
  });

  it('fails when a source is missing', () => {
    fs.rmSync(path.join(repo, 'monitoring', 'alerts.yaml'));
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('missing source: monitoring/alerts.yaml');
  });

  it('rejects unknown arguments', () => {
    expect(run('--chek').status).toBe(2);
  });
});
