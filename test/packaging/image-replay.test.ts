/**
 * Replays the image's runtime stage without Docker: copies exactly what the Dockerfile's runtime
 * stage COPYs (the build output from this checkout, the production node_modules from a replay of
 * the stage they come from), then starts the entry point the way the image does and checks that it
 * serves, writes nothing, and stops on SIGTERM. Needs `npm run build` first (npm test does it) and
 * the npm registry (or a warm npm cache) for `npm ci`.
 */
import { ChildProcess, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, readText } from './lib/chart';
import { Stage, all, copyArgs, execForm, keyValues, last, parseStages, words } from './lib/dockerfile';
import { parseDockerignore } from './lib/dockerignore';
import { freePort } from '../helpers/net';
import { spawnUntilHealthy, waitForExit } from '../helpers/process';
import { sleep } from '../helpers/sleep';

jest.setTimeout(300_000);

const stages = parseStages(readText('Dockerfile'));
const runtime = stages[stages.length - 1];
const ignore = parseDockerignore(readText('.dockerignore'));

const workdirOf = (stage: Stage): string => {
  const w = last(stage, 'WORKDIR');
  if (!w) throw new Error(`stage ${stage.name ?? stage.index} has no WORKDIR`);
  return w.args;
};

/** Maps an absolute path inside the image to the temp folder standing for the stage's WORKDIR. */
function inImage(stage: Stage, imagePath: string, root: string): string {
  const workdir = workdirOf(stage);
  const abs = path.posix.resolve(workdir, imagePath);
  if (abs !== workdir && !abs.startsWith(workdir + '/')) {
    throw new Error(`cannot replay ${imagePath}: outside the WORKDIR ${workdir} of stage ${stage.name}`);
  }
  return path.join(root, path.posix.relative(workdir, abs));
}

/** Copies a file or folder the way COPY does: a folder's content goes into the destination. */
function copy(src: string, dest: string): void {
  if (!fs.existsSync(src)) throw new Error(`COPY source ${src} does not exist`);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(src, dest, { recursive: true });
}

/** Copies COPY sources from the build context (this checkout), honouring .dockerignore. */
function copyFromContext(sources: string[], dest: string, stage: Stage, root: string): void {
  const target = inImage(stage, dest, root);
  for (const src of sources) {
    if (ignore.ignores(src)) throw new Error(`${src} is COPYed but .dockerignore keeps it out of the context`);
    const into = dest.endsWith('/') || sources.length > 1 ? path.join(target, path.basename(src)) : target;
    copy(path.join(ROOT, src), into);
  }
}

/**
 * Replays a stage that produces files for the runtime stage: its COPYs from the context and its
 * `npm` RUN steps, in a temp folder standing for its WORKDIR. Returns that folder.
 */
function replayStage(stage: Stage, root: string): string {
  for (const ins of stage.instructions.slice(1)) {
    if (ins.keyword === 'COPY') {
      if (ins.flags.from) throw new Error(`cannot replay COPY --from in stage ${stage.name}`);
      const { sources, dest } = copyArgs(ins);
      copyFromContext(sources, dest, stage, root);
    } else if (ins.keyword === 'RUN') {
      for (const command of ins.args.split('&&').map((c) => c.trim())) {
        const [cmd, ...args] = words(command);
        if (cmd !== 'npm') throw new Error(`cannot replay RUN ${command} (line ${ins.line}): only npm steps are replayed`);
        const result = spawnSync('npm', args, { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined } });
        if (result.status !== 0) {
          throw new Error(`npm ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
        }
      }
    }
  }
  return root;
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Every file under a folder with its size and modification time, to see whether anything wrote there. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.lstatSync(p);
        out.set(path.relative(dir, p), `${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

describe('the image, replayed without Docker', () => {
  let tmp: string;
  let app: string;
  const children = new Set<ChildProcess>();

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) {
      throw new Error('dist/main.js is missing: run `npm run build` before this test (npm test builds first)');
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bkpaas-image-'));
    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitForExit(child, 5000);
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("assembles /app from the runtime stage's COPY steps", () => {
    const replayed = new Map<string, string>();
    for (const ins of all(runtime, 'COPY')) {
      const { sources, dest } = copyArgs(ins);
      const from = ins.flags.from;
      if (!from) {
        copyFromContext(sources, dest, runtime, app);
        continue;
      }
      const stage = stages.find((s) => s.name === from);
      if (!stage) throw new Error(`COPY --from=${from}: no such stage`);
      let stageRoot: string;
      if (stage.name === 'build') {
        // The build stage's WORKDIR is this checkout, built by `npm run build`.
        stageRoot = ROOT;
      } else {
        stageRoot = replayed.get(from) ?? replayStage(stage, fs.mkdtempSync(path.join(tmp, `${from}-`)));
        replayed.set(from, stageRoot);
      }
      for (const src of sources) copy(inImage(stage, src, stageRoot), inImage(runtime, dest, app));
    }
    expect(fs.readdirSync(app).sort()).toEqual(['bin', 'config.example.yaml', 'dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect(fs.existsSync(path.join(app, 'dist', 'main.js'))).toBe(true);
  });

  it('has the production dependencies only', () => {
    const pkg = JSON.parse(readText('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) expect(fs.existsSync(path.join(app, 'node_modules', dep))).toBe(true);
    for (const dep of Object.keys(pkg.devDependencies)) expect({ dep, installed: fs.existsSync(path.join(app, 'node_modules', dep)) }).toEqual({ dep, installed: false });
  });

  /** Starts the image's ENTRYPOINT in demo mode, as the image would, and waits for /healthz. */
  async function startEntrypoint() {
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT')!.args)!;
    expect(entrypoint.slice(0, 3)).toEqual(['tini', '--', 'node']);
    // tini only forwards signals; the replay runs node directly, with the image's ENV, WORKDIR and node flags.
    const scriptAt = entrypoint.findIndex((a, i) => i > 2 && !a.startsWith('-'));
    const nodeFlags = entrypoint.slice(3, scriptAt);
    const script = inImage(runtime, entrypoint[scriptAt], app);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: path.join(tmp, 'no-home') };
    for (const e of all(runtime, 'ENV')) Object.assign(env, keyValues(e.args));
    const port = await freePort();
    const { child, base, output } = await spawnUntilHealthy(process.execPath, [...nodeFlags, script, ...entrypoint.slice(scriptAt + 1), '--demo', '--listen', `127.0.0.1:${port}`], { cwd: app, env, port });
    children.add(child);
    return { child, env, port, base, output };
  }

  it('starts from its ENTRYPOINT in demo mode and serves /healthz, /metrics and the HEALTHCHECK', async () => {
    const before = snapshot(app);
    const { env, port, base, output } = await startEntrypoint();
    expect(env.NODE_ENV).toBe('production');

    // The image's NODE_OPTIONS reach V8: the startup line reports the heap limit they set.
    const oldSpaceMb = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '')?.[1]);
    expect(oldSpaceMb).toBeGreaterThan(0);
    for (let i = 0; i < 50 && !output().includes('bkpaas-exporter listening'); i++) await sleep(100);
    const listening = output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; heap_limit_mb?: number })
      .find((l) => l.msg === 'bkpaas-exporter listening');
    expect(listening?.heap_limit_mb).toBeGreaterThanOrEqual(oldSpaceMb);
    expect(listening?.heap_limit_mb).toBeLessThan(oldSpaceMb + 64);

    let metrics = await get(`${base}/metrics`);
    for (let i = 0; i < 50 && !metrics.body.includes('bkpaas_target_up'); i++) {
      await sleep(200);
      metrics = await get(`${base}/metrics`);
    }
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^bkpaas_target_up\{/m);

    // The Dockerfile's HEALTHCHECK command, pointed at this port.
    const hc = /^CMD\s+(\[.*\])$/.exec(last(runtime, 'HEALTHCHECK')!.args)!;
    const [cmd, ...args] = execForm(hc[1])!;
    expect(cmd).toBe('node');
    const probe = args.map((a) => a.replace('127.0.0.1:9876', `127.0.0.1:${port}`));
    const check = spawnSync(process.execPath, probe, { encoding: 'utf8', timeout: 10_000 });
    expect(check.status).toBe(0);

    // Nothing under /app changed: the image works with a read-only root filesystem.
    const after = snapshot(app);
    const changed = [...after.keys()].filter((k) => before.get(k) !== after.get(k));
    expect(changed).toEqual([]);
    expect(fs.existsSync(env.HOME!)).toBe(false);
  });

  it('stops on SIGTERM (what tini forwards on `docker stop`) with exit code 0', async () => {
    const { child } = await startEntrypoint();
    child.kill('SIGTERM');
    expect(await waitForExit(child, 10_000)).toBe(0);
  });
});
