/** The bkpaas-exporter command as users run it: flags, exit codes, --check-config, --once, --demo, signals, shards. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { find, parseExposition, value } from '../helpers/exposition';
import { runExporter, startExporterProcess } from '../helpers/process';
import { sleep } from '../helpers/sleep';
import { simTarget } from '../helpers/targets';

const ENV = { BK_APP_SECRET: DEMO_CREDENTIALS.bk_app_secret, BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN };

function configYaml(baseUrl: string, apps: string[], environments = '[prod]'): string {
  return `upstream:
  base_url: ${baseUrl}
  auth:
    bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}
    bk_app_secret: \${BK_APP_SECRET}
    access_token: \${BK_ACCESS_TOKEN}
  timeout: 2s
targets:
  - app_code: ${apps[0]}
    environments: ${environments}
${apps
  .slice(1)
  .map((a) => `  - app_code: ${a}\n    environments: ${environments}`)
  .join('\n')}
`;
}

describe('bkpaas-exporter command', () => {
  let sim: Simulator;
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    sim = await startSimulator({ targets: [simTarget('alpha'), simTarget('beta'), simTarget('broken', 'server_error'), ...Array.from({ length: 12 }, (_, i) => simTarget(`shard-${i}`))] });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-cli-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help and --version exit 0', async () => {
    const help = await runExporter(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--check-config');
    const version = await runExporter(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^bkpaas-exporter \d+\.\d+\.\d+/);
  });

  it.each([
    [['--bogus'], 'Unknown option'],
    [['--shard', '2', '--total-shards', '2'], '--shard must be below --total-shards'],
    [['--shard', '1'], '--shard and --total-shards go together'],
    [['--listen', 'nonsense'], 'listen'],
    [['--log-level', 'loud'], '--log-level expects one of'],
  ])('bad usage %p exits 2 naming the problem', async (args, message) => {
    const r = await runExporter(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a taken listen port exits 1 with a clear message', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const r = await runExporter(['--demo', '--listen', `127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('--check-config prints a summary without secrets and exits 0', async () => {
    const cfg = file('ok.yaml', configYaml(sim.baseUrl, ['alpha', 'beta']));
    const r = await runExporter(['--check-config', '--config', cfg], ENV);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(sim.baseUrl);
    expect(r.stdout).toContain('alpha');
    expect(r.stdout + r.stderr).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    expect(r.stdout + r.stderr).not.toContain(DEMO_ACCESS_TOKEN);
  });

  it('--check-config lists every problem with its path and exits 1', async () => {
    const cfg = file('bad.yaml', configYaml(sim.baseUrl, ['alpha']).replace('timeout: 2s', 'timeout: soon\n  colour: blue'));
    const r = await runExporter(['--check-config', '--config', cfg], { BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('upstream.timeout');
    expect(r.stderr).toContain('upstream.colour');
    expect(r.stderr).toContain('BK_APP_SECRET');
  });

  it('a missing config file exits 1 with a clear message; BKPAAS_EXPORTER_CONFIG names the file', async () => {
    const r = await runExporter(['--check-config'], { BKPAAS_EXPORTER_CONFIG: path.join(dir, 'nope.yaml') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.yaml');
  });

  it('--once prints every target and exits 0 when all succeeded, 1 when one failed', async () => {
    const ok = await runExporter(['--once', '--config', file('once.yaml', configYaml(sim.baseUrl, ['alpha', 'beta']))], ENV);
    expect(ok.code).toBe(0);
    const m = parseExposition(ok.stdout);
    expect(find(m, 'bkpaas_target_up').map((s) => [s.labels.app_code, s.value])).toEqual([
      ['alpha', 1],
      ['beta', 1],
    ]);
    const bad = await runExporter(['--once', '--config', file('once-bad.yaml', configYaml(sim.baseUrl, ['alpha', 'broken']))], ENV);
    expect(bad.code).toBe(1);
    expect(value(parseExposition(bad.stdout), 'bkpaas_target_up', { app_code: 'broken' })).toBe(0);
    expect(bad.stderr).toContain('broken/default/prod');
  });

  it('--demo serves several simulated apps without any config', async () => {
    const p = await startExporterProcess(['--demo']);
    try {
      const m = parseExposition(await (await fetch(`${p.url}/metrics`)).text());
      const apps = new Set(find(m, 'bkpaas_target_up').map((s) => s.labels.app_code));
      expect(apps.size).toBeGreaterThanOrEqual(3);
      expect(find(m, 'bkpaas_target_up').every((s) => s.value === 1)).toBe(true);
      expect(find(m, 'bkpaas_process_replicas').length).toBeGreaterThan(3);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });

  it('reloads on SIGHUP and exits 0 on SIGTERM', async () => {
    const cfg = file('hup.yaml', configYaml(sim.baseUrl, ['alpha']));
    const p = await startExporterProcess(['--config', cfg], ENV);
    try {
      const before = parseExposition(await (await fetch(`${p.url}/metrics`)).text());
      expect(find(before, 'bkpaas_target_up').map((s) => s.labels.app_code)).toEqual(['alpha']);
      writeFileSync(cfg, configYaml(sim.baseUrl, ['beta']));
      p.child.kill('SIGHUP');
      let apps: string[] = [];
      for (let i = 0; i < 50 && apps[0] !== 'beta'; i++) {
        await sleep(100);
        apps = find(parseExposition(await (await fetch(`${p.url}/metrics`)).text()), 'bkpaas_target_up').map((s) => s.labels.app_code);
      }
      expect(apps).toEqual(['beta']);
    } finally {
      expect(await p.stop()).toBe(0);
    }
    expect(p.output()).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
  });

  it('shards split the targets: every target served by exactly one shard', async () => {
    const apps = Array.from({ length: 12 }, (_, i) => `shard-${i}`);
    const cfg = file('shards.yaml', configYaml(sim.baseUrl, apps));
    const shards = await Promise.all([0, 1, 2].map((i) => startExporterProcess(['--config', cfg, '--shard', String(i), '--total-shards', '3'], ENV)));
    try {
      const served: string[][] = [];
      for (const s of shards) {
        const m = parseExposition(await (await fetch(`${s.url}/metrics`)).text());
        served.push(find(m, 'bkpaas_target_up').map((x) => x.labels.app_code));
        expect(value(m, 'bkpaas_exporter_targets')).toBe(served[served.length - 1].length);
      }
      expect(served.flat().sort()).toEqual([...apps].sort());
      expect(served.filter((s) => s.length > 0).length).toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.all(shards.map((s) => s.stop()));
    }
  });

  it('--check-config with --shard lists the shard\'s targets only, as the shard serves them', async () => {
    const apps = Array.from({ length: 12 }, (_, i) => `shard-${i}`);
    const cfg = file('shards-check.yaml', configYaml(sim.baseUrl, apps));
    const listed: string[][] = [];
    for (const i of [0, 1, 2]) {
      const r = await runExporter(['--check-config', '--config', cfg, '--shard', String(i), '--total-shards', '3'], ENV);
      expect(r.code).toBe(0);
      const names = [...r.stdout.matchAll(/^ {4}(shard-\d+)\/default\/prod/gm)].map((m) => m[1]);
      expect(r.stdout).toContain(`static targets:     ${names.length} of 12 in shard ${i} of 3`);
      listed.push(names);
    }
    expect(listed.flat().sort()).toEqual([...apps].sort());
    expect(listed.every((l) => l.length < 12)).toBe(true);
  });

  it('POST /-/reload under --demo answers 200 saying there is nothing to reload, and the demo keeps serving', async () => {
    const ex = await startExporterProcess(['--demo']);
    try {
      const r = await fetch(`${ex.url}/-/reload`, { method: 'POST' });
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/^this exporter runs the built-in demo \(--demo\), whose config is built in: nothing to reload \(\d+ targets\)\n$/);
      const m = parseExposition(await (await fetch(`${ex.url}/metrics`)).text());
      expect(value(m, 'bkpaas_exporter_config_last_reload_successful')).toBe(1);
    } finally {
      expect(await ex.stop()).toBe(0);
    }
  });

  it('--web.external-url sets the address /sd hands out (one per shard behind a headless Service)', async () => {
    const cfg = file('sd.yaml', configYaml(sim.baseUrl, ['alpha']));
    const ex = await startExporterProcess(['--config', cfg, '--web.external-url', 'http://exporter-0.exporter.monitoring:9876/'], ENV);
    try {
      const groups = (await (await fetch(`${ex.url}/sd`)).json()) as Array<{ targets: string[] }>;
      expect(groups.map((g) => g.targets)).toEqual([['exporter-0.exporter.monitoring:9876']]);
    } finally {
      await ex.stop();
    }
    expect((await runExporter(['--web.external-url', 'exporter-0:9876'])).stderr).toContain('--web.external-url must be http or https');
  });
});
