/**
 * scripts/test-tools.js, which npm's pretest runs: from a state where no Prometheus or
 * Alertmanager binary can be found (PATH and the tools folder pointed at empty directories) it
 * provisions Debian's prometheus and prometheus-alertmanager packages into a temporary tools
 * folder, and the binaries run; with the binaries there
 * it provisions nothing; without apt it fails with a message that says what to do.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/process';

const SCRIPT = path.join(ROOT, 'scripts', 'test-tools.js');

/** The script's last line when every Prometheus tool is in `bin` and Chromium is `chromium`. */
const ALL_FOUND = (bin: string, chromium: string): string =>
  `test tools: prometheus ${bin}/prometheus, promtool ${bin}/promtool, alertmanager ${bin}/alertmanager, amtool ${bin}/amtool, chromium ${chromium}`;

/** Runs the script with only the given environment (no inherited PATH: nothing can be found by accident). */
function provision(env: NodeJS.ProcessEnv, uid?: number) {
  if (uid === undefined) return run(SCRIPT, env);
  // As another user, a copy it can read (the script needs only Node's own modules): a checkout
  // may sit in a directory only its owner can enter, as a clone into `mktemp -d` does.
  const at = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-tools-script-'));
  try {
    chmodSync(at, 0o755);
    const copy = path.join(at, 'test-tools.js');
    copyFileSync(SCRIPT, copy);
    chmodSync(copy, 0o644);
    return run(copy, env, uid);
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
}

function run(script: string, env: NodeJS.ProcessEnv, uid?: number) {
  const r = spawnSync(process.execPath, [script], { env, encoding: 'utf8', timeout: 5 * 60_000, ...(uid === undefined ? {} : { uid, gid: uid }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes an executable shell script. */
function script(file: string, body: string): string {
  writeFileSync(file, `#!/bin/sh\n${body}`);
  chmodSync(file, 0o755);
  return file;
}

describe('scripts/test-tools.js', () => {
  let dir: string;
  let emptyPath: string;
  let tools: string;
  /** A stand-in Chromium given as $CHROMIUM: these tests are about the Prometheus packages. */
  let chromium: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-tools-test-'));
    emptyPath = path.join(dir, 'empty-path');
    tools = path.join(dir, 'tools');
    mkdirSync(emptyPath);
    chromium = script(path.join(dir, 'fake-chromium'), 'echo "Chromium 1.0"\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('provisions prometheus, promtool, alertmanager and amtool where none can be found, saying so in one line per package, and they run', () => {
    const first = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: tools, CHROMIUM: chromium });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^test tools: prometheus and promtool not found; fetching Debian's prometheus package into .*tools \(once; about 20 MB\)\.\.\.$/);
    expect(lines[1]).toMatch(/^test tools: prometheus_[\w.+~-]+\.deb unpacked in \d+\.\d s$/);
    expect(lines[2]).toMatch(/^test tools: alertmanager and amtool not found; fetching Debian's prometheus-alertmanager package into .*tools \(once; about 11 MB\)\.\.\.$/);
    expect(lines[3]).toMatch(/^test tools: prometheus-alertmanager_[\w.+~-]+\.deb unpacked in \d+\.\d s$/);
    expect(lines[4]).toBe(ALL_FOUND(`${tools}/bin`, chromium));

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
    const again = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: tools, BKPAAS_TEST_TOOLS_APT_GET: '/nonexistent/apt-get', CHROMIUM: chromium });
    expect(again).toEqual({ code: 0, stderr: '', stdout: `${ALL_FOUND(`${tools}/bin`, chromium)}\n` });
    expect(readdirSync(path.join(tools, 'pkg', 'prometheus', 'usr', 'bin'))).toEqual(before);
  });

  it('finds binaries on PATH, Alertmanager under its Debian name too, and provisions nothing then', () => {
    const onPath = path.join(dir, 'on-path');
    mkdirSync(onPath);
    for (const name of ['prometheus', 'promtool', 'prometheus-alertmanager', 'amtool', 'chromium']) script(path.join(onPath, name), 'echo fake\n');
    const emptyTools = path.join(dir, 'unused-tools');
    const r = provision({
      PATH: `${emptyPath}:${onPath}`,
      BKPAAS_TEST_TOOLS_DIR: emptyTools,
      BKPAAS_TEST_TOOLS_APT_GET: '/nonexistent/apt-get',
      BKPAAS_TEST_TOOLS_SYSTEM_CHROMIUM: path.join(dir, 'no-system-chromium'),
    });
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: `test tools: prometheus ${onPath}/prometheus, promtool ${onPath}/promtool, alertmanager ${onPath}/prometheus-alertmanager, amtool ${onPath}/amtool, chromium ${onPath}/chromium\n`,
    });
    expect(existsSync(emptyTools)).toBe(false);
  });

  it('fails with an actionable message where apt is missing, and leaves nothing behind', () => {
    const nowhere = path.join(dir, 'never-made');
    const r = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: nowhere, BKPAAS_TEST_TOOLS_APT_GET: '/nonexistent/apt-get', CHROMIUM: chromium });
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
    const r = provision({ PATH: emptyPath, BKPAAS_TEST_TOOLS_DIR: path.join(dir, 'offline-tools'), BKPAAS_TEST_TOOLS_APT_GET: fakeApt, CHROMIUM: chromium });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot provision the test tools: apt-get download prometheus failed (E: Failed to fetch http://deb.example/prometheus.deb  Temporary failure resolving 'deb.example'); check the network or the apt sources");
  });
});

describe('scripts/test-tools.js: Chromium', () => {
  let dir: string;
  /** PATH with stand-ins for the Prometheus tools only: Chromium is the one missing. */
  let promPath: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bkpaas-chromium-test-'));
    // Readable by the unprivileged user of the not-root case.
    chmodSync(dir, 0o755);
    promPath = path.join(dir, 'prom-path');
    mkdirSync(promPath);
    for (const name of ['prometheus', 'promtool', 'alertmanager', 'amtool']) script(path.join(promPath, name), 'echo fake\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A case folder with a stand-in apt-get that logs its arguments and, on `install`, puts a
   * Chromium where Debian would (`system`). `mode`: `ok`, `needs-update` (the package is unknown
   * until `update` ran), or `offline` (every install fails as apt does without network).
   */
  function aptCase(name: string, mode: 'ok' | 'needs-update' | 'offline') {
    const at = path.join(dir, name);
    mkdirSync(at);
    const log = path.join(at, 'apt.log');
    const system = path.join(at, 'usr-bin-chromium');
    const updated = path.join(at, 'updated');
    const aptGet = script(
      path.join(at, 'apt-get'),
      `echo "$*" >> ${log}
case "$*" in
  *update*) touch ${updated}; exit 0;;
  *install*)
    if [ ${mode} = needs-update ] && [ ! -e ${updated} ]; then echo "E: Unable to locate package chromium" >&2; exit 100; fi
    if [ ${mode} = offline ]; then echo "E: Failed to fetch http://deb.example/chromium.deb  Temporary failure resolving 'deb.example'" >&2; exit 100; fi
    printf '#!/bin/sh\\necho "Chromium 150.0.1 built on Debian GNU/Linux 12 (bookworm)"\\n' > ${system}; chmod 755 ${system}; exit 0;;
esac
exit 1
`,
    );
    const env = { PATH: promPath, BKPAAS_TEST_TOOLS_DIR: path.join(at, 'tools'), BKPAAS_TEST_TOOLS_APT_GET: aptGet, BKPAAS_TEST_TOOLS_SYSTEM_CHROMIUM: system };
    const aptCalls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    return { at, env, system, aptCalls };
  }

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  /** Provisions as root (as CI does) in a new case folder, expecting success; returns the case and the output lines. */
  function installs(name: string, mode: 'ok' | 'needs-update') {
    if (!asRoot) throw new Error('this test provisions as root (as CI does); run it as root');
    const c = aptCase(name, mode);
    const r = provision(c.env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return { c, lines: r.stdout.trim().split('\n') };
  }

  it('installs chromium with apt-get where none is found, one line per step with its time, and links it into the tools folder', () => {
    const { c, lines } = installs('installs', 'ok');
    expect(lines[0]).toBe(
      `test tools: chromium not found (CHROMIUM, ${c.system}, PATH); installing Debian's chromium package with apt-get (once; about 110 MB with its libraries)...`,
    );
    expect(lines[1]).toMatch(/^test tools: Chromium 150\.0\.1 built on Debian GNU\/Linux 12 \(bookworm\) installed in \d+\.\d s$/);
    expect(lines[2]).toBe(ALL_FOUND(promPath, `${c.env.BKPAAS_TEST_TOOLS_DIR}/bin/chromium`));
    expect(lines).toHaveLength(3);
    // No apt-get update when apt already knows the package.
    expect(c.aptCalls()).toEqual(['-q -y --no-install-recommends install chromium']);
    expect(readlinkSync(path.join(c.env.BKPAAS_TEST_TOOLS_DIR, 'bin', 'chromium'))).toBe(c.system);
    // Found afterwards: nothing installed twice.
    expect(provision(c.env).stdout).toBe(`${lines[2]}\n`);
    expect(c.aptCalls()).toHaveLength(1);
  });

  it('runs apt-get update first only when apt cannot find the package, and says so', () => {
    const { c, lines } = installs('needs-update', 'needs-update');
    expect(lines[1]).toBe('test tools: apt knows no chromium package; running apt-get update...');
    expect(lines[2]).toMatch(/^test tools: apt-get update done in \d+\.\d s; installing chromium\.\.\.$/);
    expect(lines[3]).toMatch(/^test tools: Chromium 150\.0\.1 .* installed in \d+\.\d s$/);
    expect(c.aptCalls()).toEqual(['-q -y --no-install-recommends install chromium', '-q update', '-q -y --no-install-recommends install chromium']);
  });

  it("fails with apt-get's own reason when the install fails, and links nothing", () => {
    if (!asRoot) throw new Error('this test provisions as root (as CI does); run it as root');
    const c = aptCase('offline', 'offline');
    const r = provision(c.env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "cannot provision the test tools: apt-get install chromium failed (E: Failed to fetch http://deb.example/chromium.deb  Temporary failure resolving 'deb.example'); check the network or the apt sources, or install Debian's chromium package as root (apt-get install --no-install-recommends chromium), or set CHROMIUM to a Chromium or Chrome executable",
    );
    expect(existsSync(path.join(c.env.BKPAAS_TEST_TOOLS_DIR, 'bin', 'chromium'))).toBe(false);
  });

  it('fails with what to install when not root, without calling apt-get', () => {
    const c = aptCase('not-root', 'ok');
    // As root, the script runs as nobody; as anyone else, as that user.
    const r = provision(c.env, asRoot ? 65534 : undefined);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `cannot provision the test tools: chromium not found (CHROMIUM, ${c.system}, PATH) and installing it needs root; install Debian's chromium package as root (apt-get install --no-install-recommends chromium), or set CHROMIUM to a Chromium or Chrome executable`,
    );
    expect(c.aptCalls()).toEqual([]);
  });

  it('$CHROMIUM wins, and one that is not executable is an error, never a fall-through', () => {
    const c = aptCase('override', 'ok');
    const mine = script(path.join(c.at, 'my-chromium'), 'echo mine\n');
    script(c.system, 'echo system\n');
    expect(provision({ ...c.env, CHROMIUM: mine }).stdout).toMatch(new RegExp(`, chromium ${mine}\\n$`));
    const r = provision({ ...c.env, CHROMIUM: path.join(c.at, 'typo') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`chromium: CHROMIUM=${path.join(c.at, 'typo')} is not an executable file`);
    expect(c.aptCalls()).toEqual([]);
  });
});
