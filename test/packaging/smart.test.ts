/**
 * The BlueKing PaaS deployment: app_desc.yaml against the platform's specVersion 3 rules, the
 * S-mart package (`npm run package:smart`) as the platform reads it, and a replay of what the
 * platform does with it: extract with tar, build the way the Node.js buildpack builds (npm ci with
 * devDependencies, which runs `prepare`; the `build` script; devDependencies pruned), then start
 * the web process from its procCommand with the platform's PORT and environment.
 * The replay needs `tar`, `bash` and the npm registry (or a warm npm cache) for `npm ci`.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseDocument } from 'yaml';
import { ALLOWLIST, DEFAULT_MTIME, buildSmartPackage } from '../../scripts/package-smart';
import { parseConfigText } from '../../src/config';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, demoFleet, startSimulator, type Simulator } from '../../src/simulator';
import { freePort } from '../helpers/net';
import { spawnUntilHealthy, waitForExit } from '../helpers/process';
import { sleep } from '../helpers/sleep';
import { appDescProblems, PORT_PLACEHOLDER } from './lib/appDesc';
import { ROOT, readText } from './lib/chart';
import { readTarGz, type TarEntry } from './lib/ustar';

jest.setTimeout(600_000);

type Desc = {
  appVersion: string;
  modules: {
    spec: {
      processes: { name: string; replicas?: number; procCommand: string; services: { name: string; targetPort: unknown; port?: number }[]; probes: Record<string, { httpGet: { port: unknown; path: string } }> }[];
      configuration: { env: { name: string; value: string }[] };
      observability: { monitoring: { metrics: { process: string; serviceName: string; path: string }[] } };
    };
  }[];
};
const desc = (): Desc => parse(readText('app_desc.yaml')) as Desc;
const web = (d: Desc) => d.modules[0].spec.processes.find((p) => p.name === 'web')!;

function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A copy of what the packager reads, in a new folder with new file times. */
function copyOfSources(): string {
  const root = tmpDir('bkpaas-smart-src-');
  for (const item of ALLOWLIST) {
    const from = path.join(ROOT, item.path);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(root, item.path), { recursive: true });
  }
  const later = new Date(Date.now() + 3_600_000);
  const touch = (p: string) => {
    fs.utimesSync(p, later, later);
    if (fs.statSync(p).isDirectory()) for (const n of fs.readdirSync(p)) touch(path.join(p, n));
  };
  touch(root);
  return root;
}

describe('app_desc.yaml', () => {
  it("meets the platform's specVersion 3 rules", () => {
    expect(appDescProblems(desc())).toEqual([]);
  });

  // Each mistake the rules must catch, made on a copy of the real file.
  const mistakes: [string, (d: Desc & Record<string, unknown>) => void, string][] = [
    ['a process name with "_"', (d) => (web(d).name = 'web_main'), 'processes[0].name'],
    ['a process name over 12 characters', (d) => (web(d).name = 'exporter-web-1'), 'processes[0].name'],
    ['a metric naming a service the process lacks', (d) => (d.modules[0].spec.observability.monitoring.metrics[0].serviceName = 'metrics'), 'is not a service of process web'],
    ['a metric naming a process that does not exist', (d) => (d.modules[0].spec.observability.monitoring.metrics[0].process = 'worker'), 'is not a process of this module'],
    ['an env var with the reserved BKPAAS_ prefix', (d) => d.modules[0].spec.configuration.env.push({ name: 'BKPAAS_EXPORTER_CONFIG', value: 'x' }), 'prefix BKPAAS_ is reserved'],
    ['"$PORT" where only "${PORT}" is replaced', (d) => (web(d).services[0].targetPort = '$PORT'), 'services[0].targetPort'],
    ['two default modules', (d) => d.modules.push(structuredClone(d.modules[0])), 'exactly one module with isDefault'],
    ['a misspelt key', (d) => ((web(d) as unknown as Record<string, unknown>).procCmd = 'node x'), 'processes[0].procCmd: unknown key'],
    ['an appVersion that is not a semantic version', (d) => (d.appVersion = '0.1'), 'appVersion'],
    ['specVersion 2', (d) => (d.specVersion = 2), 'specVersion'],
  ];
  it.each(mistakes)('the rules catch %s', (_what, mutate, expected) => {
    const d = desc() as Desc & Record<string, unknown>;
    mutate(d);
    expect(appDescProblems(d).join('\n')).toContain(expected);
  });

  it("starts the built exporter on the platform's ${PORT}, and the metrics service and probes target that port", () => {
    const d = desc();
    const proc = web(d);
    expect(proc.procCommand).toMatch(/^node dist\/main\.js( \S+)* --listen 0\.0\.0\.0:\$\{PORT\}( |$)/);
    expect(proc.services).toEqual([expect.objectContaining({ name: 'web', targetPort: PORT_PLACEHOLDER, port: 80 })]);
    expect(d.modules[0].spec.observability.monitoring.metrics).toEqual([{ process: 'web', serviceName: 'web', path: '/metrics' }]);
    expect(proc.probes.liveness.httpGet).toEqual({ port: PORT_PLACEHOLDER, path: '/healthz' });
    expect(proc.probes.readiness.httpGet).toEqual({ port: PORT_PLACEHOLDER, path: '/readyz' });
  });

  it('runs one replica (each replica would fetch every target)', () => {
    expect(web(desc()).replicas).toBe(1);
  });

  it("names package.json's version", () => {
    expect(desc().appVersion).toBe((JSON.parse(readText('package.json')) as { version: string }).version);
  });

  it('reads deploy/blueking/config.yaml: discovery on, the user token from BK_ACCESS_TOKEN, valid once the platform fills in base URL and app credentials', () => {
    expect(web(desc()).procCommand).toContain('--config deploy/blueking/config.yaml');
    const text = readText('deploy/blueking/config.yaml');
    const shipped = parse(text) as { upstream: { auth: Record<string, unknown>; base_url?: unknown } };
    expect(shipped.upstream.auth).toEqual({ access_token: '${BK_ACCESS_TOKEN}' });
    expect(shipped.upstream.base_url).toBeUndefined();
    // What the platform's variables provide, written in, must give a config the exporter accepts.
    const doc = parseDocument(text);
    doc.setIn(['upstream', 'base_url'], 'http://bkapi.example.com/api/bkpaas3/prod');
    doc.setIn(['upstream', 'auth', 'bk_app_code'], 'bkpaas-exporter');
    doc.setIn(['upstream', 'auth', 'bk_app_secret'], 'x');
    const { config } = parseConfigText(doc.toString(), { env: { BK_ACCESS_TOKEN: 't' } });
    expect(config.discovery.enabled).toBe(true);
    expect(config.targets).toEqual([]);
  });
});

describe('the S-mart package', () => {
  let pkg: ReturnType<typeof buildSmartPackage>;
  let entries: TarEntry[];
  const temps: string[] = [];

  beforeAll(() => {
    pkg = buildSmartPackage();
    entries = readTarGz(pkg.bytes);
  });
  afterAll(() => {
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  it('is the same bytes when built again, and from a copy in another folder with other file times', () => {
    expect(buildSmartPackage().bytes.equals(pkg.bytes)).toBe(true);
    const copy = copyOfSources();
    temps.push(copy);
    expect(buildSmartPackage(copy).bytes.equals(pkg.bytes)).toBe(true);
  });

  it('has a gzip header with neither time nor file name', () => {
    expect([...pkg.bytes.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8]);
    expect(pkg.bytes[3] & 0x08).toBe(0); // FNAME
    expect(pkg.bytes.readUInt32LE(4)).toBe(0); // MTIME
  });

  it('is named after the app code and version', () => {
    expect(pkg.fileName).toBe(`bkpaas-exporter-${desc().appVersion}.tar.gz`);
  });

  it('has app_desc.yaml at the top, where the platform looks first, next to what the buildpack builds from', () => {
    const top = [...new Set(entries.map((e) => e.name.replace(/\/.*$/, '/')))].sort();
    const expected = ['README.md', 'app_desc.yaml', 'bin/', 'config.example.yaml', 'deploy/', 'docs/', 'monitoring/', 'package-lock.json', 'package.json', 'src/', 'tsconfig.build.json', 'tsconfig.json'];
    if (fs.existsSync(path.join(ROOT, 'LICENSE'))) expected.push('LICENSE');
    expect(top).toEqual(expected.sort());
    // The platform takes the first app_desc.ya?ml among the sorted names; its folder is the app root.
    const first = entries.map((e) => e.name).sort().find((n) => /(^|\/)app_desc\.ya?ml$/.test(n));
    expect(first).toBe('app_desc.yaml');
    expect(entries.find((e) => e.name === 'app_desc.yaml')!.data.toString()).toBe(readText('app_desc.yaml'));
    expect(entries.find((e) => e.name === 'deploy/blueking/config.yaml')).toBeDefined();
    expect(entries.find((e) => e.name === 'src/main.ts')).toBeDefined();
  });

  it('holds no dependencies, build output, tests, benchmarks, tools or secrets', () => {
    const forbidden = [/(^|\/)node_modules\//, /^dist/, /^test\//, /^bench\//, /^\.tools\//, /^\.tmp\//, /^coverage\//, /^helm\//, /^config\.yaml$/, /\.(pem|key)$/, /(^|\/)\.env/, /(^|\/)\.git\//, /\.test\.ts$/];
    const hits = entries.map((e) => e.name).filter((n) => forbidden.some((f) => f.test(n)));
    expect(hits).toEqual([]);
  });

  it('stores sorted entries with owner 0, fixed modes and one fixed time', () => {
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(pkg.names);
    for (const e of entries) {
      const executable = e.type === '5' || e.name === 'bin/bkpaas-exporter.js';
      expect({ name: e.name, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname, mtime: e.mtime, magic: e.magic, mode: e.mode }).toEqual({
        name: e.name,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        mtime: DEFAULT_MTIME,
        magic: 'ustar\u000000',
        mode: executable ? 0o755 : 0o644,
      });
      expect(['0', '5']).toContain(e.type);
    }
  });

  it('takes its time from SOURCE_DATE_EPOCH when set', () => {
    const other = buildSmartPackage(ROOT, { SOURCE_DATE_EPOCH: '1700000000' });
    expect(new Set(readTarGz(other.bytes).map((e) => e.mtime))).toEqual(new Set([1700000000]));
  });

  it('reads the same with the system tar, which the platform uses', () => {
    const dir = tmpDir('bkpaas-smart-tar-');
    temps.push(dir);
    const file = path.join(dir, pkg.fileName);
    fs.writeFileSync(file, pkg.bytes);
    const listed = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stderr).toBe('');
    expect(listed.stdout.trim().split('\n')).toEqual(pkg.names);
  });

  it('refuses a key file or an env file inside an allowed folder, and leaves out a local config.yaml', () => {
    const copy = copyOfSources();
    temps.push(copy);
    fs.writeFileSync(path.join(copy, 'config.yaml'), 'upstream: {auth: {bk_app_secret: real}}\n');
    expect(readTarGz(buildSmartPackage(copy).bytes).map((e) => e.name)).not.toContain('config.yaml');
    fs.writeFileSync(path.join(copy, 'src', 'tls.pem'), 'key');
    expect(() => buildSmartPackage(copy)).toThrow('refusing to package src/tls.pem');
    fs.rmSync(path.join(copy, 'src', 'tls.pem'));
    fs.writeFileSync(path.join(copy, 'deploy', 'blueking', '.env'), 'BK_ACCESS_TOKEN=real');
    expect(() => buildSmartPackage(copy)).toThrow('refusing to package deploy/blueking/.env');
  });

  it("refuses to package when app_desc.yaml's appVersion is not package.json's version", () => {
    const copy = copyOfSources();
    temps.push(copy);
    const pkgJson = JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8')) as { version: string };
    fs.writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ ...pkgJson, version: '9.9.9' }));
    expect(() => buildSmartPackage(copy)).toThrow(/appVersion .* differs from package\.json's version "9\.9\.9"/);
  });

  it('is what `node scripts/package-smart.js --out DIR` writes', () => {
    const out = tmpDir('bkpaas-smart-out-');
    temps.push(out);
    const run = spawnSync(process.execPath, ['scripts/package-smart.js', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(path.resolve(ROOT, run.stdout.trim())).toBe(path.join(out, pkg.fileName));
    expect(fs.readFileSync(path.join(out, pkg.fileName)).equals(pkg.bytes)).toBe(true);
  });
});

function get(url: string): Promise<{ status: number; body: string }> {
  return fetch(url, { signal: AbortSignal.timeout(5000) }).then(async (r) => ({ status: r.status, body: await r.text() }));
}

describe('the S-mart package, replayed as the platform builds and runs it', () => {
  let tmp: string;
  let app: string;
  const children = new Set<ChildProcess>();
  let simulator: Simulator | undefined;
  /** spec.configuration.env of app_desc.yaml: set for the build and at run time. */
  const declaredEnv = Object.fromEntries(desc().modules[0].spec.configuration.env.map((e) => [e.name, e.value]));

  beforeAll(() => {
    tmp = tmpDir('bkpaas-smart-replay-');
    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    const pkg = buildSmartPackage();
    const file = path.join(tmp, pkg.fileName);
    fs.writeFileSync(file, pkg.bytes);
    // The platform unpacks the upload with tar.
    const untar = spawnSync('tar', ['-xzf', file, '-C', app], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar -xzf failed: ${untar.stderr}`);
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitForExit(child, 5000);
    }
    await simulator?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('builds: npm ci with devDependencies (running prepare), the build script, then devDependencies pruned', () => {
    // The Node.js buildpack (heroku-buildpack-nodejs): NODE_ENV defaults to production, `npm ci
    // --production=false` when package-lock.json is there, then `build`, then `npm prune`.
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', ...declaredEnv };
    const steps = [
      ['ci', '--production=false', '--prefer-offline', '--no-audit', '--no-fund'],
      ['run', 'build'],
      ['prune', '--no-audit', '--no-fund'],
    ];
    for (const args of steps) {
      const r = spawnSync('npm', args, { cwd: app, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    expect(fs.existsSync(path.join(app, 'dist', 'main.js'))).toBe(true);
    const pkgJson = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const dep of Object.keys(pkgJson.dependencies)) expect({ dep, installed: fs.existsSync(path.join(app, 'node_modules', dep)) }).toEqual({ dep, installed: true });
    for (const dep of Object.keys(pkgJson.devDependencies)) expect({ dep, installed: fs.existsSync(path.join(app, 'node_modules', dep)) }).toEqual({ dep, installed: false });
  });

  /** Runs `command` the way the platform's launcher runs a Procfile entry: bash -c, in the app folder. */
  async function startProcess(command: string, extraEnv: NodeJS.ProcessEnv) {
    if (!fs.existsSync(path.join(app, 'dist', 'main.js'))) throw new Error('the build step did not run');
    const port = await freePort();
    const env = { PATH: process.env.PATH, HOME: path.join(tmp, 'home'), ...declaredEnv, PORT: String(port), ...extraEnv };
    const served = await spawnUntilHealthy('bash', ['-c', command], { cwd: app, env, port });
    children.add(served.child);
    return served;
  }

  async function metricsMatching(base: string, re: RegExp): Promise<string> {
    let body = '';
    for (let i = 0; i < 100; i++, await sleep(200)) {
      body = (await get(`${base}/metrics`)).body;
      if (re.test(body)) break;
    }
    return body;
  }

  it('serves /healthz, /readyz and /metrics on $PORT from the procCommand (with --demo in place of the config) and stops on SIGTERM', async () => {
    const command = web(desc()).procCommand.replace(/--config \S+/, '--demo');
    expect(command).toContain('--demo');
    const { child, base } = await startProcess(command, {});
    expect((await get(`${base}/readyz`)).status).toBe(200);
    const metrics = await metricsMatching(base, /^bkpaas_target_up\{.*\} 1$/m);
    expect(metrics).toMatch(/^bkpaas_target_up\{.*\} 1$/m);
    child.kill('SIGTERM');
    expect(await waitForExit(child, 15_000)).toBe(0);
  });

  it("monitors every app the user can see, from the procCommand as written, with only the platform's variables and BK_ACCESS_TOKEN", async () => {
    // Fails until the exporter takes upstream.base_url, bk_app_code and bk_app_secret from
    // BK_API_URL_TMPL, BKPAAS_APP_ID and BKPAAS_APP_SECRET when the config leaves them out.
    const fleet = demoFleet();
    simulator = await startSimulator({ host: '127.0.0.1', port: 0, targets: fleet });
    const apiTemplate = simulator.baseUrl.replace(/\/bkpaas3\/prod$/, '/{api_name}');
    expect(apiTemplate).toMatch(/\/api\/\{api_name\}$/);
    const { base, output } = await startProcess(web(desc()).procCommand, {
      BKPAAS_APP_ID: DEMO_CREDENTIALS.bk_app_code,
      BKPAAS_APP_SECRET: DEMO_CREDENTIALS.bk_app_secret,
      BK_API_URL_TMPL: apiTemplate,
      BKPAAS_MULTI_TENANT_MODE: 'false',
      BKPAAS_ENVIRONMENT: 'prod',
      BKPAAS_APP_MODULE_NAME: 'default',
      BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN,
    });
    const up = /^bkpaas_target_up\{[^}]*app_code="demo-shop",module_name="default",environment="prod"[^}]*\} 1$/m;
    const metrics = await metricsMatching(base, up);
    expect(metrics).toMatch(up);
    // Discovery finds each module of each app, in stag and prod.
    const modules = new Set(fleet.map((t) => `${t.app_code}/${t.module_name}`)).size;
    expect(metrics).toMatch(new RegExp(`^bkpaas_discovery_targets ${modules * 2}$`, 'm'));
    // No secret reached the log.
    expect(output()).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    expect(output()).not.toContain(DEMO_ACCESS_TOKEN);
  });
});
