/**
 * metrics.allow / metrics.deny: whole-name regular expressions; a denied family is absent from
 * /metrics and /probe (the exporter's own and Node.js metrics included) and from --once; a reload
 * brings it back; --check-config lists what is served and warns about denied families the shipped
 * alerts or dashboards use; a bad pattern is an error naming its YAML path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../../src/config/load';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { parseExposition } from '../helpers/exposition';
import { configFor, startHarness, type Harness } from '../helpers/harness';
import { runExporter } from '../helpers/process';
import { simTarget, specOf } from '../helpers/targets';
import { TEST_ENV, problemsOf } from '../config/helpers';

const names = (text: string) => [...new Set(parseExposition(text).samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')))];

describe('metrics.allow / metrics.deny over HTTP', () => {
  let h: Harness;
  let next = { allow: [] as string[], deny: [] as string[] };
  const DENY = ['bkpaas_process_info', 'bkpaas_instance_.*', 'nodejs_.*', 'bkpaas_exporter_targets', 'bkpaas_process'];

  beforeAll(async () => {
    h = await startHarness({
      simTargets: [simTarget('alpha')],
      config: { instance_metrics: true, metrics: { allow: [], deny: DENY } },
      reloadConfig: () => configFor(h.sim, [specOf(simTarget('alpha'))], { instance_metrics: true, metrics: next }),
    });
  });
  afterAll(() => h.stop());

  it('/metrics leaves denied families out, anchored to whole names', async () => {
    const served = names((await h.get('/metrics')).body);
    expect(served).toEqual(expect.arrayContaining(['bkpaas_process_replicas', 'bkpaas_target_up', 'bkpaas_exporter_build_info', 'process_cpu_user_seconds_total']));
    // "bkpaas_process" matches no whole name: nothing else is denied by it.
    expect(served.filter((n) => n === 'bkpaas_process_info' || n.startsWith('bkpaas_instance_') || n.startsWith('nodejs_') || n === 'bkpaas_exporter_targets')).toEqual([]);
  });

  it('/probe leaves them out too', async () => {
    const res = await h.get('/probe?app_code=alpha&module_name=default&environment=prod');
    expect(res.status).toBe(200);
    const served = names(res.body);
    expect(served).toContain('bkpaas_process_replicas');
    expect(served).not.toContain('bkpaas_process_info');
    expect(served.some((n) => n.startsWith('bkpaas_instance_'))).toBe(false);
  });

  it('an allow list serves only what it matches; a reload without lists serves everything again', async () => {
    next = { allow: ['bkpaas_target_.*', 'process_cpu_.*'], deny: ['bkpaas_target_fetch_.*'] };
    expect((await h.exporter.reload()).ok).toBe(true);
    expect(names((await h.get('/metrics')).body).sort()).toEqual([
      'bkpaas_target_last_success_timestamp_seconds',
      'bkpaas_target_up',
      'process_cpu_seconds_total',
      'process_cpu_system_seconds_total',
      'process_cpu_user_seconds_total',
    ]);
    next = { allow: [], deny: [] };
    expect((await h.exporter.reload()).ok).toBe(true);
    const all = names((await h.get('/metrics')).body);
    expect(all).toEqual(expect.arrayContaining(['bkpaas_process_info', 'bkpaas_instance_ready', 'nodejs_heap_size_total_bytes', 'bkpaas_exporter_targets']));
  });
});

describe('metrics.allow / metrics.deny from the command line', () => {
  let sim: Simulator;
  let dir: string;
  const config = (metrics: string) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      `upstream:\n  base_url: ${sim.baseUrl}\n  auth:\n    bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}\n    bk_app_secret: ${DEMO_CREDENTIALS.bk_app_secret}\n    access_token: ${DEMO_ACCESS_TOKEN}\ntargets:\n  - app_code: alpha\n    environments: [prod]\ninstance_metrics: true\n${metrics}`,
    );
    return file;
  };
  beforeAll(async () => {
    sim = await startSimulator({ targets: [simTarget('alpha')] });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-families-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--once leaves denied families out', async () => {
    const r = await runExporter(['--once', '--config', config('metrics:\n  deny: ["bkpaas_process_info", "bkpaas_instance_.*"]\n')]);
    expect(r.code).toBe(0);
    const served = names(r.stdout);
    expect(served).toContain('bkpaas_process_replicas');
    expect(served).not.toContain('bkpaas_process_info');
    expect(served.some((n) => n.startsWith('bkpaas_instance_'))).toBe(false);
  });

  it('--check-config counts the served families, lists the denied ones and warns about those the shipped monitoring uses', async () => {
    const r = await runExporter(['--check-config', '--config', config('metrics:\n  deny: ["bkpaas_target_up", "bkpaas_instance_info"]\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^metric families: +(\d+) of (\d+) served$/m);
    const [, servedCount, total] = /^metric families: +(\d+) of (\d+) served$/m.exec(r.stdout)!;
    expect(Number(total) - Number(servedCount)).toBe(2);
    expect(r.stdout).toMatch(/^ {2}denied: +bkpaas_instance_info, bkpaas_target_up$/m);
    expect(r.stdout).toMatch(/^warning: metrics: denied family bkpaas_target_up is used by monitoring\/alerts\.yaml/m);
    expect(r.stdout).not.toMatch(/denied family bkpaas_instance_info/);
  });
});

describe('metrics.allow / metrics.deny validation', () => {
  const base = `upstream: {base_url: http://x, auth: {bk_app_code: a, bk_app_secret: b, bk_username: c}}\ntargets: [{app_code: a, environments: [prod]}]\n`;

  it('a pattern that is not a regular expression is an error naming its path', () => {
    expect(problemsOf(() => parseConfigText(`${base}metrics:\n  allow: ["ok_.*"]\n  deny: ["fine", "bkpaas_(process"]\n`, { env: TEST_ENV }))).toEqual([
      expect.objectContaining({ path: 'metrics.deny[1]', message: expect.stringMatching(/^invalid regular expression "bkpaas_\(process"/) }),
    ]);
  });

  it('unknown keys and non-lists are errors', () => {
    expect(problemsOf(() => parseConfigText(`${base}metrics:\n  allow: bkpaas_.*\n  block: []\n`, { env: TEST_ENV })).map((p) => p.path).sort()).toEqual(['metrics.allow', 'metrics.block']);
  });
});
