/**
 * A rotated `*_file` secret reaches the running exporter without a restart or a signal: the
 * exporter watches the files (secretFileWatcher.ts, every 10 s) and reloads. The rotation here is
 * the way Kubernetes updates a mounted Secret: the file is a symlink through `..data`, and the
 * `..data` symlink is swapped to a new directory.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { parseExposition, value } from '../helpers/exposition';
import { startExporterProcess } from '../helpers/process';
import { sleep } from '../helpers/sleep';
import { simTarget } from '../helpers/targets';

jest.setTimeout(60_000);

describe('secret files are re-read when they change', () => {
  let sim: Simulator;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulator({ targets: [simTarget('alpha')] });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-rotate-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A Kubernetes-style secret volume: token -> ..data/token, ..data -> <version dir>. */
  function writeVersion(name: string, token: string): void {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'token'), `${token}\n`);
    const tmpLink = path.join(dir, '..data_tmp');
    symlinkSync(name, tmpLink);
    renameSync(tmpLink, path.join(dir, '..data'));
  }

  it('a rotated app secret is written into the mounted secret: the exporter reloads and the target comes back up', async () => {
    writeVersion('v1', 'the-old-app-secret');
    symlinkSync(path.join('..data', 'token'), path.join(dir, 'token'));
    const config = path.join(dir, 'config.yaml');
    writeFileSync(
      config,
      `upstream:\n  base_url: ${sim.baseUrl}\n  auth:\n    bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}\n    bk_app_secret_file: token\n    access_token: ${DEMO_ACCESS_TOKEN}\ncache:\n  ttl: 1s\ntargets:\n  - app_code: alpha\n    environments: [prod]\n`,
    );
    const ex = await startExporterProcess(['--config', config]);
    const up = async () => value(parseExposition(await (await fetch(`${ex.url}/metrics`)).text()), 'bkpaas_target_up', { app_code: 'alpha', module_name: 'default', environment: 'prod' });
    try {
      expect(await up()).toBe(0);
      writeVersion('v2', DEMO_CREDENTIALS.bk_app_secret);
      const started = Date.now();
      let now = 0;
      while (now !== 1 && Date.now() - started < 30_000) {
        await sleep(500);
        now = (await up()) ?? 0;
      }
      expect({ up: now, output: now === 1 ? '' : ex.output() }).toEqual({ up: 1, output: '' });
      // Within the 10 s check interval, plus a reload and a ttl.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(ex.output()).toContain('secret file changed, reloading config');
      expect(ex.output()).not.toContain(DEMO_CREDENTIALS.bk_app_secret);
    } finally {
      expect(await ex.stop()).toBe(0);
    }
  });
});
