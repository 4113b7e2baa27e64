import { spawnSync } from 'node:child_process';

import { readText } from './lib/chart';
import { all, copyArgs, execForm, keyValues, last, parseInstructions, parseStages, words } from './lib/dockerfile';
import { parseDockerignore } from './lib/dockerignore';

const dockerfile = readText('Dockerfile');
const stages = parseStages(dockerfile);
const runtime = stages[stages.length - 1];
const stage = (name: string) => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage named ${name}`);
  return s;
};
const runs = (s: (typeof stages)[number]) => all(s, 'RUN').map((r) => r.args);

describe('Dockerfile reader', () => {
  it('joins continuation lines and drops comments inside them', () => {
    const ins = parseInstructions('# syntax=docker/dockerfile:1\nFROM a AS b\nRUN one \\\n  # note\n  && two\nCOPY --from=b --chown=1:1 /x ./y\n');
    expect(ins.map((i) => [i.keyword, i.args, i.line])).toEqual([
      ['FROM', 'a AS b', 2],
      ['RUN', 'one && two', 3],
      ['COPY', '/x ./y', 6],
    ]);
    expect(ins[2].flags).toEqual({ from: 'b', chown: '1:1' });
  });

  it('reads exec forms and key=value lists', () => {
    expect(execForm('["a", "b c"]')).toEqual(['a', 'b c']);
    expect(execForm('a b')).toBeUndefined();
    expect(keyValues('A=1 B="two words" C')).toEqual({ A: '1', B: 'two words', C: '' });
  });

  it('skips empty lines inside a continuation and ends one at the end of the file', () => {
    const ins = parseInstructions('RUN a \\\n\n  b \\\n');
    expect(ins.map((i) => [i.keyword, i.args])).toEqual([['RUN', 'a b']]);
  });
});

describe('Dockerfile', () => {
  it('builds in stages on node:20-bookworm-slim, pinned by tag', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const s of stages) expect(s.base).toBe('node:20-bookworm-slim');
  });

  it('builds with npm ci and npm run build', () => {
    const build = runs(stage('build'));
    expect(build.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(build).toContain('npm run build');
  });

  it('installs the runtime dependencies with npm ci --omit=dev --ignore-scripts', () => {
    const npmCi = runs(stage('deps')).filter((r) => /^npm ci\b/.test(r));
    expect(npmCi).toHaveLength(1);
    expect(words(npmCi[0])).toEqual(expect.arrayContaining(['--omit=dev', '--ignore-scripts']));
    // The runtime stage takes node_modules from that stage only.
    const modules = all(runtime, 'COPY').filter((c) => copyArgs(c).dest.replace(/\/$/, '').endsWith('node_modules'));
    expect(modules.map((c) => c.flags.from)).toEqual(['deps']);
  });

  it('copies only what the runtime needs', () => {
    const copied = all(runtime, 'COPY').flatMap((c) => copyArgs(c).sources.map((s) => (c.flags.from ? `${c.flags.from}:${s}` : s)));
    expect(copied.sort()).toEqual(
      ['deps:/app/node_modules', 'build:/src/dist', 'bin', 'package.json', 'package-lock.json', 'config.example.yaml'].sort(),
    );
  });

  it('runs as the non-root node user (uid 1000)', () => {
    const user = last(runtime, 'USER');
    expect(user?.args).toMatch(/^(node|1000)(:(node|1000))?$/);
    // USER comes after every RUN, so nothing runs as root after it.
    const index = runtime.instructions.indexOf(user!);
    expect(runtime.instructions.slice(index).some((i) => i.keyword === 'RUN')).toBe(false);
  });

  it('sets NODE_ENV=production', () => {
    const env = Object.assign({}, ...all(runtime, 'ENV').map((e) => keyValues(e.args))) as Record<string, string>;
    expect(env.NODE_ENV).toBe('production');
  });

  it('sizes the heap for an exporter in NODE_OPTIONS (a cap and small young spaces; users can override it)', () => {
    const env = Object.assign({}, ...all(runtime, 'ENV').map((e) => keyValues(e.args))) as Record<string, string>;
    expect(words(env.NODE_OPTIONS ?? '')).toEqual([expect.stringMatching(/^--max-old-space-size=\d+$/), expect.stringMatching(/^--max-semi-space-size=\d+$/)]);
    // Not on the ENTRYPOINT: command-line flags would win over a NODE_OPTIONS set by the user.
    expect(last(runtime, 'ENTRYPOINT')!.args).not.toContain('space-size');
  });

  it('turns V8 allocation-site pretenuring off on the ENTRYPOINT (node refuses the flag in NODE_OPTIONS)', () => {
    const r = spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_OPTIONS: '--no-allocation-site-pretenuring' }, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('is not allowed in NODE_OPTIONS');
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT')!.args)!;
    const node = entrypoint.indexOf('node');
    expect(entrypoint.slice(node + 1, -1)).toEqual(['--no-allocation-site-pretenuring']);
    // This node knows the flag: it starts with it and V8 reports it off.
    const flag = spawnSync(process.execPath, ['--no-allocation-site-pretenuring', '-e', "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit > 0))"], { encoding: 'utf8' });
    expect(flag.status).toBe(0);
    expect(flag.stdout).toBe('true');
  });

  it('installs tini without recommends and starts node directly under it', () => {
    expect(runs(runtime).some((r) => /apt-get install -y --no-install-recommends tini\b/.test(r))).toBe(true);
    expect(runs(runtime).some((r) => /rm -rf \/var\/lib\/apt\/lists/.test(r))).toBe(true);
    expect(execForm(last(runtime, 'ENTRYPOINT')!.args)).toEqual(['tini', '--', 'node', '--no-allocation-site-pretenuring', '/app/dist/main.js']);
    expect(execForm(last(runtime, 'CMD')!.args)).toEqual(['--config', '/etc/bkpaas-exporter/config.yaml']);
    expect(last(runtime, 'WORKDIR')?.args).toBe('/app');
  });

  it('exposes 9876', () => {
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).toEqual(['9876']);
  });

  it('has a HEALTHCHECK on /healthz with node, not curl', () => {
    const hc = last(runtime, 'HEALTHCHECK');
    expect(hc).toBeDefined();
    const m = /^CMD\s+(\[.*\])$/.exec(hc!.args);
    expect(m).not.toBeNull();
    const cmd = execForm(m![1])!;
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(cmd[2]).toContain('http://127.0.0.1:9876/healthz');
    expect(hc!.args).not.toMatch(/curl|wget/);
    expect(Object.keys(hc!.flags)).toEqual(expect.arrayContaining(['interval', 'timeout', 'retries']));
  });

  it('labels the image with OCI annotations, version = package.json version', () => {
    const labels = Object.assign({}, ...all(runtime, 'LABEL').map((l) => keyValues(l.args))) as Record<string, string>;
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'licenses']) {
      expect(labels[`org.opencontainers.image.${key}`]).toBeTruthy();
    }
    const args = Object.assign({}, ...all(runtime, 'ARG').map((a) => keyValues(a.args))) as Record<string, string>;
    const pkg = JSON.parse(readText('package.json')) as { version: string; license: string };
    expect(labels['org.opencontainers.image.version']).toBe('${VERSION}');
    expect(args.VERSION).toBe(pkg.version);
    expect(labels['org.opencontainers.image.licenses']).toBe(pkg.license);
  });

  it('writes nothing at runtime: no VOLUME, no writable app folder', () => {
    expect(all(runtime, 'VOLUME')).toEqual([]);
    for (const c of all(runtime, 'COPY')) expect(c.flags.chown).toBeUndefined();
  });
});

describe('.dockerignore', () => {
  const rules = parseDockerignore(readText('.dockerignore'));

  it('matches like Docker: last rule wins, folders cover their content', () => {
    const r = parseDockerignore('*\n!src\n**/*.test.ts\n');
    expect(r.ignores('src/main.ts')).toBe(false);
    expect(r.ignores('src/a/b.test.ts')).toBe(true);
    expect(r.ignores('node_modules/x/index.js')).toBe(true);
    // Case-sensitive, as Docker on Linux: "!src" does not re-include "SRC".
    expect(r.ignores('SRC/main.ts')).toBe(true);
  });

  it('sends every file the Dockerfile copies from the context', () => {
    const fromContext = stages.flatMap((s) => all(s, 'COPY').filter((c) => !c.flags.from).flatMap((c) => copyArgs(c).sources));
    expect(fromContext.length).toBeGreaterThan(0);
    for (const src of fromContext) expect({ src, ignored: rules.ignores(src) }).toEqual({ src, ignored: false });
    expect(rules.ignores('src/main.ts')).toBe(false);
    expect(rules.ignores('bin/bkpaas-exporter.js')).toBe(false);
  });

  it.each(['node_modules/yaml/package.json', 'dist/main.js', '.git/HEAD', 'config.yaml', 'helm/x/values.yaml', 'test/a.test.ts', 'src/x.test.ts', '.env', 'npm-debug.log'])(
    'keeps %s out of the build context',
    (file) => {
      expect(rules.ignores(file)).toBe(true);
    },
  );
});
