/** The standalone simulator process, as the benchmark runs it: start, announce, serve, stop on signals. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS } from '../../src/simulator';

const ROOT = path.resolve(__dirname, '../..');

interface Announce {
  base_url: string;
  port: number;
  bk_app_code: string;
  bk_app_secret: string;
  access_token: string;
  targets: number;
}

function startCli(args: string[]): { child: ChildProcess; announce: Promise<Announce>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['-r', path.join(__dirname, 'ts-register.js'), path.join(ROOT, 'src/simulator/cli.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const announce = new Promise<Announce>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      resolve(JSON.parse(line) as Announce);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  child.stderr!.resume();
  announce.catch(() => undefined); // awaited by the tests that need it
  return { child, announce, exit };
}

test.each(['SIGTERM', 'SIGINT'] as const)('prints base URL and credentials, serves, and stops on %s', async (signal) => {
  const { child, announce, exit } = startCli(['--targets', '12', '--latency', '5']);
  try {
    const info = await announce;
    expect(info).toMatchObject({
      bk_app_code: DEMO_CREDENTIALS.bk_app_code,
      bk_app_secret: DEMO_CREDENTIALS.bk_app_secret,
      access_token: DEMO_ACCESS_TOKEN,
      targets: 12,
    });
    expect(info.base_url).toBe(`http://127.0.0.1:${info.port}/api/bkpaas3/prod`);
    const res = await fetch(`${info.base_url}/bkapps/applications/bench-app-00000/modules/default/envs/prod/processes/list/`, {
      headers: { 'X-Bkapi-Authorization': JSON.stringify({ ...DEMO_CREDENTIALS, access_token: info.access_token }) },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    child.kill(signal);
    expect(await exit).toBe(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('bad usage exits 2', async () => {
  const { exit } = startCli(['--nope']);
  expect(await exit).toBe(2);
});
