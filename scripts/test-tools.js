#!/usr/bin/env node
/**
 * The programs the tests need from outside npm, found or provisioned (npm's `pretest` runs this).
 *
 * Today that is Prometheus and promtool, from Debian's `prometheus` package, Alertmanager
 * and amtool, from Debian's `prometheus-alertmanager` package, and Chromium, from Debian's
 * `chromium` package (the browser tests drive it with playwright-core). Lookup order for each binary: its
 * override variable (`$PROMETHEUS`, `$PROMTOOL`, `$ALERTMANAGER`, `$AMTOOL`), then the project's
 * tools folder (`.tools/bin`, or `$BKPAAS_TEST_TOOLS_DIR/bin`), then `$PATH`. When one is missing, the package is fetched with
 * `apt-get download` and unpacked with `dpkg-deb -x` into the tools folder: no root needed when
 * the package lists are there, no change to the system, nothing left outside the project. When
 * that cannot work (no apt, no network, no package lists and not root) it exits 1 with a message
 * that says what to do: tests never skip silently.
 *
 * Chromium is different: it needs dozens of shared libraries, so it cannot run unpacked beside
 * the project. It is looked up as `$CHROMIUM`, `.tools/bin/chromium`, `/usr/bin/chromium`, then
 * `$PATH`; when missing and running as root with apt-get, it is installed system-wide with
 * `apt-get install -y --no-install-recommends chromium` (after `apt-get update` only when apt
 * cannot find the package), one line per step with its time, and linked as `.tools/bin/chromium`.
 * Otherwise it exits 1 saying what to install.
 *
 * Usage: node scripts/test-tools.js [--quiet]   (exit 0 when every tool is there afterwards)
 * The test helpers require this module for `findTool`, so tests and provisioning agree.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/**
 * Each tool: the Debian package that ships it, its path inside the package, its override
 * variable, and the other names it may have on PATH (Debian installs Alertmanager as
 * prometheus-alertmanager).
 */
const TOOLS = {
  prometheus: { pkg: 'prometheus', file: 'usr/bin/prometheus', env: 'PROMETHEUS', aliases: [] },
  promtool: { pkg: 'prometheus', file: 'usr/bin/promtool', env: 'PROMTOOL', aliases: [] },
  alertmanager: { pkg: 'prometheus-alertmanager', file: 'usr/bin/prometheus-alertmanager', env: 'ALERTMANAGER', aliases: ['prometheus-alertmanager'] },
  amtool: { pkg: 'prometheus-alertmanager', file: 'usr/bin/amtool', env: 'AMTOOL', aliases: [] },
};

/** The browser: installed with apt-get (not unpacked), found at its Debian path before PATH. */
const BROWSER = { name: 'chromium', pkg: 'chromium', env: 'CHROMIUM', systemPath: '/usr/bin/chromium' };

/** Approximate download size of each package, for the one line that says what is fetched. */
const PACKAGE_MB = { prometheus: 20, 'prometheus-alertmanager': 11 };

/** The system's own programs are called by absolute path with a plain PATH, whatever the caller's PATH. */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The project-local tools folder: `$BKPAAS_TEST_TOOLS_DIR`, else `<repo>/.tools`. */
function toolsDir(env = process.env) {
  return path.resolve(env.BKPAAS_TEST_TOOLS_DIR || path.join(ROOT, '.tools'));
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Returns the absolute path of `name` (a key of TOOLS), or undefined when it is nowhere:
 * the override variable, the tools folder, then PATH. An override that is not executable is an
 * error, never a fall-through (it would hide a typo).
 */
function findTool(name, env = process.env) {
  if (name === BROWSER.name) return findBrowser(env);
  const tool = TOOLS[name];
  if (!tool) throw new Error(`unknown test tool ${name}`);
  const override = env[tool.env];
  if (override) {
    if (isExecutable(override)) return path.resolve(override);
    throw new Error(`${name}: ${tool.env}=${override} is not an executable file`);
  }
  const dirs = [path.join(toolsDir(env), 'bin'), ...(env.PATH || '').split(path.delimiter).filter(Boolean)];
  for (const dir of dirs) {
    for (const alias of [name, ...tool.aliases]) {
      const candidate = path.join(dir, alias);
      if (isExecutable(candidate)) return path.resolve(candidate);
    }
  }
  return undefined;
}

/** Where Debian installs Chromium: `$BKPAAS_TEST_TOOLS_SYSTEM_CHROMIUM` (for tests of this script), else /usr/bin/chromium. */
function systemChromium(env) {
  return env.BKPAAS_TEST_TOOLS_SYSTEM_CHROMIUM || BROWSER.systemPath;
}

/** Chromium's absolute path: `$CHROMIUM`, the tools folder's link, the Debian path, then PATH; undefined when nowhere. */
function findBrowser(env = process.env) {
  const override = env[BROWSER.env];
  if (override) {
    if (isExecutable(override)) return path.resolve(override);
    throw new Error(`${BROWSER.name}: ${BROWSER.env}=${override} is not an executable file`);
  }
  const candidates = [path.join(toolsDir(env), 'bin', BROWSER.name), systemChromium(env), ...(env.PATH || '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, BROWSER.name))];
  const found = candidates.find(isExecutable);
  return found && path.resolve(found);
}

/** What to tell a person who must install the tools by hand. */
const BY_HAND =
  "install Debian/Ubuntu's prometheus and prometheus-alertmanager packages (apt-get install prometheus prometheus-alertmanager), or put Prometheus 2.x's prometheus and promtool and Alertmanager's alertmanager and amtool on PATH (or set PROMETHEUS, PROMTOOL, ALERTMANAGER and AMTOOL)";

class ProvisionError extends Error {}

/** The apt-get and dpkg-deb to use: `$BKPAAS_TEST_TOOLS_APT_GET` / `_DPKG_DEB` (for tests of this script), else the system's. */
function systemProgram(env, variable, name) {
  const file = env[variable] || path.join('/usr/bin', name);
  if (!isExecutable(file)) {
    throw new ProvisionError(`cannot provision the test tools: ${name} not found at ${file} (provisioning works on Debian and Ubuntu only); ${BY_HAND}`);
  }
  return file;
}

function run(file, args, options) {
  const result = spawnSync(file, args, { encoding: 'utf8', env: { PATH: SYSTEM_PATH, LC_ALL: 'C' }, timeout: 10 * 60_000, ...options });
  const output = `${result.stdout || ''}${result.stderr || ''}`.trim();
  return { ok: result.status === 0, output: result.error ? String(result.error.message) : output };
}

/** Time since `since` (epoch ms), as "12.3 s". */
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const lastLines = (text, n = 3) => text.split('\n').filter(Boolean).slice(-n).join(' | ');

/** `apt-get download PKG` into `dir`; with root, refreshes the package lists once when apt knows no candidate. */
function aptDownload(aptGet, pkg, dir) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, apt would drop to the _apt user, who cannot write into a private temporary folder.
  const sandbox = isRoot ? ['-o', 'APT::Sandbox::User=root'] : [];
  const download = () => run(aptGet, ['-q', ...sandbox, 'download', pkg], { cwd: dir });
  let result = download();
  if (!result.ok && /Unable to locate package|has no installation candidate|Can't select/i.test(result.output)) {
    if (!isRoot) {
      throw new ProvisionError(`cannot provision the test tools: apt knows no package ${pkg} (package lists missing?) and refreshing them needs root: run "apt-get update" as root, then npm test again; or ${BY_HAND}`);
    }
    const update = run(aptGet, ['-q', 'update']);
    if (!update.ok) throw new ProvisionError(`cannot provision the test tools: apt-get update failed (${lastLines(update.output)}); check the network or the apt sources, or ${BY_HAND}`);
    result = download();
  }
  if (!result.ok) throw new ProvisionError(`cannot provision the test tools: apt-get download ${pkg} failed (${lastLines(result.output)}); check the network or the apt sources, or ${BY_HAND}`);
  const deb = fs.readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw new ProvisionError(`cannot provision the test tools: apt-get download ${pkg} left no .deb in ${dir}`);
  return path.join(dir, deb);
}

/**
 * Downloads `pkg`, unpacks it into `<tools>/pkg/<pkg>` and links the named tools into `<tools>/bin`.
 */
function provisionPackage(pkg, names, env, log) {
  const aptGet = systemProgram(env, 'BKPAAS_TEST_TOOLS_APT_GET', 'apt-get');
  const dpkgDeb = systemProgram(env, 'BKPAAS_TEST_TOOLS_DPKG_DEB', 'dpkg-deb');
  const tools = toolsDir(env);
  const started = Date.now();
  log(`test tools: ${names.join(' and ')} not found; fetching Debian's ${pkg} package into ${path.relative(process.cwd(), tools) || tools} (once; about ${PACKAGE_MB[pkg]} MB)...`);
  fs.mkdirSync(path.join(tools, 'pkg'), { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bkpaas-test-tools-'));
  try {
    const deb = aptDownload(aptGet, pkg, work);
    // Unpacked beside its final place, then renamed: an interrupted run leaves no half-made package.
    const staging = path.join(tools, 'pkg', `.${pkg}.partial-${process.pid}`);
    const unpack = run(dpkgDeb, ['-x', deb, staging]);
    if (!unpack.ok) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new ProvisionError(`cannot provision the test tools: dpkg-deb -x ${path.basename(deb)} failed (${lastLines(unpack.output)})`);
    }
    const target = path.join(tools, 'pkg', pkg);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
    fs.mkdirSync(path.join(tools, 'bin'), { recursive: true });
    for (const name of names) {
      const link = path.join(tools, 'bin', name);
      fs.rmSync(link, { force: true });
      fs.symlinkSync(path.join('..', 'pkg', pkg, TOOLS[name].file), link);
      const version = run(link, ['--version']);
      if (!version.ok) throw new ProvisionError(`provisioned ${name} does not run: ${lastLines(version.output)}`);
    }
    log(`test tools: ${path.basename(deb)} unpacked in ${seconds(started)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const BROWSER_BY_HAND = `install Debian's chromium package as root (apt-get install --no-install-recommends chromium), or set ${BROWSER.env} to a Chromium or Chrome executable`;

/**
 * Installs Debian's chromium package with apt-get (root only), refreshing the package lists
 * first only when apt cannot find the package, and links it as `<tools>/bin/chromium`.
 */
function provisionBrowser(env, log) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new ProvisionError(`cannot provision the test tools: chromium not found (${BROWSER.env}, ${systemChromium(env)}, PATH) and installing it needs root; ${BROWSER_BY_HAND}`);
  }
  const aptGet = env.BKPAAS_TEST_TOOLS_APT_GET || '/usr/bin/apt-get';
  if (!isExecutable(aptGet)) throw new ProvisionError(`cannot provision the test tools: chromium not found and apt-get not found at ${aptGet} (provisioning works on Debian and Ubuntu only); ${BROWSER_BY_HAND}`);
  const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run(aptGet, ['-q', '-y', '--no-install-recommends', 'install', BROWSER.pkg], { env: { PATH: SYSTEM_PATH, LC_ALL: 'C', ...aptEnv } });
  let started = Date.now();
  log(`test tools: chromium not found (${BROWSER.env}, ${systemChromium(env)}, PATH); installing Debian's chromium package with apt-get (once; about 110 MB with its libraries)...`);
  let result = install();
  if (!result.ok && /Unable to locate package|has no installation candidate|Can't select/i.test(result.output)) {
    log(`test tools: apt knows no chromium package; running apt-get update...`);
    started = Date.now();
    const update = run(aptGet, ['-q', 'update'], { env: { PATH: SYSTEM_PATH, LC_ALL: 'C', ...aptEnv } });
    if (!update.ok) throw new ProvisionError(`cannot provision the test tools: apt-get update failed (${lastLines(update.output)}); check the network or the apt sources, or ${BROWSER_BY_HAND}`);
    log(`test tools: apt-get update done in ${seconds(started)}; installing chromium...`);
    started = Date.now();
    result = install();
  }
  if (!result.ok) throw new ProvisionError(`cannot provision the test tools: apt-get install chromium failed (${lastLines(result.output)}); check the network or the apt sources, or ${BROWSER_BY_HAND}`);
  const installed = systemChromium(env);
  if (!isExecutable(installed)) throw new ProvisionError(`cannot provision the test tools: apt-get installed chromium but ${installed} is not there; ${BROWSER_BY_HAND}`);
  const version = run(installed, ['--version']);
  if (!version.ok) throw new ProvisionError(`provisioned chromium does not run: ${lastLines(version.output)}`);
  const bin = path.join(toolsDir(env), 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const link = path.join(bin, BROWSER.name);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(installed, link);
  log(`test tools: ${version.output.split('\n')[0]} installed in ${seconds(started)}`);
}

/**
 * Makes sure every tool is found; provisions the packages of the missing ones. Returns
 * `{ name: path }`. Throws ProvisionError with an actionable message when it cannot.
 */
function ensureTools(env = process.env, log = (line) => console.log(line)) {
  const missing = Object.keys(TOOLS).filter((name) => !findTool(name, env));
  const packages = [...new Set(missing.map((name) => TOOLS[name].pkg))];
  for (const pkg of packages) provisionPackage(pkg, Object.keys(TOOLS).filter((n) => TOOLS[n].pkg === pkg), env, log);
  const found = {};
  for (const name of Object.keys(TOOLS)) {
    const file = findTool(name, env);
    if (!file) throw new ProvisionError(`${name} still not found after provisioning; ${BY_HAND}`);
    found[name] = file;
  }
  if (!findBrowser(env)) provisionBrowser(env, log);
  const browser = findBrowser(env);
  if (!browser) throw new ProvisionError(`chromium still not found after provisioning; ${BROWSER_BY_HAND}`);
  found[BROWSER.name] = browser;
  return found;
}

module.exports = { TOOLS, BROWSER, toolsDir, findTool, ensureTools, ProvisionError };

if (require.main === module) {
  const quiet = process.argv.includes('--quiet');
  try {
    const found = ensureTools(process.env, (line) => console.log(line));
    if (!quiet) console.log(`test tools: ${Object.entries(found).map(([n, f]) => `${n} ${f}`).join(', ')}`);
  } catch (err) {
    console.error(err instanceof ProvisionError ? err.message : err);
    process.exit(1);
  }
}
