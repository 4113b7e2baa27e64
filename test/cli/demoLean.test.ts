/**
 * `--demo` stays lean: the exporter running the demo, serving and with --once, never loads the
 * simulator's fault injection (faults, their canned replies, the huge and the odd bodies).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseExposition } from '../helpers/exposition';
import { runExporter, startExporterProcess } from '../helpers/process';

const FAULT_MODULES = /[\\/]dist[\\/]simulator[\\/](faults|faultReplies|huge|oddBodies)\.js$/;

describe('--demo loads the simulator without its fault injection', () => {
  let dir: string;
  /** NODE_OPTIONS that make the exporter write the modules it loaded to `file` when it exits. */
  const recordModules = (file: string) => {
    const preload = path.join(dir, `${path.basename(file)}.preload.js`);
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(Object.keys(require.cache))));\n`);
    return { NODE_OPTIONS: `--require ${preload}` };
  };
  const loaded = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as string[];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-demo-lean-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serving: scrapes see every demo target, and no fault module was loaded', async () => {
    const file = path.join(dir, 'serve.json');
    const p = await startExporterProcess(['--demo'], recordModules(file));
    try {
      const m = parseExposition(await (await fetch(`${p.url}/metrics`)).text());
      expect(m.samples.filter((s) => s.name === 'bkpaas_target_up' && s.value === 1)).toHaveLength(8);
      expect((await fetch(`${p.url}/`)).status).toBe(200);
    } finally {
      expect(await p.stop()).toBe(0);
    }
    const modules = loaded(file);
    expect(modules.some((m) => /[\\/]dist[\\/]simulator[\\/]server\.js$/.test(m))).toBe(true);
    expect(modules.filter((m) => FAULT_MODULES.test(m))).toEqual([]);
  });

  it('--once: every demo target up, and no fault module was loaded', async () => {
    const file = path.join(dir, 'once.json');
    const r = await runExporter(['--demo', '--once'], recordModules(file));
    expect(r.code).toBe(0);
    expect(parseExposition(r.stdout).samples.filter((s) => s.name === 'bkpaas_target_up' && s.value === 1)).toHaveLength(8);
    const modules = loaded(file);
    expect(modules.some((m) => /[\\/]dist[\\/]demo\.js$/.test(m))).toBe(true);
    expect(modules.filter((m) => FAULT_MODULES.test(m))).toEqual([]);
  });
});
