/**
 * scripts/test-tools.js, which npm's pretest runs: from a state where no Prometheus or
 * Alertmanager binary can be found (PATH and the tools folder pointed at empty directories) it
 * provisions Debian's prometheus and prometheus-alertmanager packages into a temporary tools
 * folder, and the binaries run; with the binaries there
 * it provisions nothing; without apt it fails with a message that says what to do.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/process';

const SCRIPT = path.join(ROOT, 'scripts', 'test-tools.js');

/** The script's last line when every tool is in `bin`. */
const ALL_FOUND = (bin: string): string =>
  `test tools: prometheus ${bin}/prometheus, promtool ${bin}/promtool, alertmanager ${bin}/alertmanager, amtool ${bin}/amtool`;

/** Runs the script with only the given environment (no inherited PATH: nothing can be found by accident). */
function provision(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [SCRIPT], { env, encoding: 'utf8', timeout: 5 * 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/test-tools.js', () => {
  let dir: string;
  let emptyPath: string;
  let tools: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-tools-test-'));
    emptyPath = path.join(dir, 'empty-path');
    tools = path.join(dir, 'tools');
    mkdirSync(emptyPath);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('provisions prometheus, promtool, alertmanager and amtool where none can be found, saying so in one line per package, and they run', () => {
    const first = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: tools });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^test tools: prometheus and promtool not found; fetching Debian's prometheus package into .*tools \(once; about 20 MB\)\.\.\.$/);
    expect(lines[1]).toMatch(/^test tools: prometheus_[\w.+~-]+\.deb unpacked in \d+\.\d s$/);
    expect(lines[2]).toMatch(/^test tools: alertmanager and amtool not found; fetching Debian's prometheus-alertmanager package into .*tools \(once; about 11 MB\)\.\.\.$/);
    expect(lines[3]).toMatch(/^test tools: prometheus-alertmanager_[\w.+~-]+\.deb unpacked in \d+\.\d s$/);
    expect(lines[4]).toBe(ALL_FOUND(`${tools}/bin`));

    const promtool = spawnSync(path.join(tools, 'bin', 'promtool'), ['--version'], { encoding: 'utf8' });
    expect(promtool.status).toBe(0);
    expect(promtool.stdout).toMatch(/^promtool, version 2\.\d+/);
    const prometheus = spawnSync(path.join(tools, 'bin', 'prometheus'), ['--version'], { encoding: 'utf8' });
    expect(prometheus.status).toBe(0);
    expect(`${prometheus.stdout}${prometheus.stderr}`).toMatch(/^prometheus, version 2\.\d+/);
    for (const name of ['alertmanager', 'amtool']) {
      const tool = spawnSync(path.join(tools, 'bin', name), ['--version'], { encoding: 'utf8' });
      expect(tool.status).toBe(0);
      expect(`${tool.stdout}${tool.stderr}`).toMatch(new RegExp(`^${name}, version 0\\.\\d+`));
    }
    // Nothing half-made is left beside the packages.
    expect(readdirSync(path.join(tools, 'pkg')).sort()).toEqual(['prometheus', 'prometheus-alertmanager']);
  });

  it('provisions nothing when the binaries are already there', () => {
    const before = readdirSync(path.join(tools, 'pkg', 'prometheus', 'usr', 'bin'));
    const again = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: tools, BKPAAS_TEST_TOOLS_APT_GET: '/nonexistent/apt-get' });
    expect(again).toEqual({ code: 0, stderr: '', stdout: `${ALL_FOUND(`${tools}/bin`)}\n` });
    expect(readdirSync(path.join(tools, 'pkg', 'prometheus', 'usr', 'bin'))).toEqual(before);
  });

  it('finds binaries on PATH, Alertmanager under its Debian name too, and provisions nothing then', () => {
    const onPath = path.join(dir, 'on-path');
    mkdirSync(onPath);
    for (const name of ['prometheus', 'promtool', 'prometheus-alertmanager', 'amtool']) {
      writeFileSync(path.join(onPath, name), '#!/bin/sh\necho fake\n');
      chmodSync(path.join(onPath, name), 0o755);
    }
    const emptyTools = path.join(dir, 'unused-tools');
    const r = provision({ PATH: `${emptyPath}:${onPath}`, BKPAAS_TEST_TOOLS_DIR: emptyTools, BKPAAS_TEST_TOOLS_APT_GET: '/nonexistent/apt-get' });
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: `test tools: prometheus ${onPath}/prometheus, promtool ${onPath}/promtool, alertmanager ${onPath}/prometheus-alertmanager, amtool ${onPath}/amtool\n`,
    });
    expect(existsSync(emptyTools)).toBe(false);
  });

  it('fails with an actionable message where apt is missing, and leaves nothing behind', () => {
    const nowhere = path.join(dir, 'never-made');
    const r = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: nowhere, BKPAAS_TEST_TOOLS_APT_GET: '/nonexistent/apt-get' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      "cannot provision the test tools: apt-get not found at /nonexistent/apt-get (provisioning works on Debian and Ubuntu only); install Debian/Ubuntu's prometheus and prometheus-alertmanager packages (apt-get install prometheus prometheus-alertmanager), or put Prometheus 2.x's prometheus and promtool and Alertmanager's alertmanager and amtool on PATH (or set PROMETHEUS, PROMTOOL, ALERTMANAGER and AMTOOL)",
    );
    expect(existsSync(nowhere)).toBe(false);
  });

  it('fails with apt-get\'s own reason when the download fails (no network, no such package)', () => {
    // A stand-in apt-get that fails as apt does without network.
    const fakeApt = path.join(dir, 'apt-get');
    writeFileSync(fakeApt, '#!/bin/sh\necho "E: Failed to fetch http://deb.example/prometheus.deb  Temporary failure resolving \'deb.example\'" >&2\nexit 100\n');
    chmodSync(fakeApt, 0o755);
    const r = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: path.join(dir, 'offline-tools'), BKPAAS_TEST_TOOLS_APT_GET: fakeApt });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot provision the test tools: apt-get download prometheus failed (E: Failed to fetch http://deb.example/prometheus.deb  Temporary failure resolving 'deb.example'); check the network or the apt sources");
  });
});
