// The Prometheus test helper itself: binaries found, a real server started, queried and stopped.
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findBinary, INSTALL_HINT, PrometheusApiError, runPromtool, startPrometheus, type PrometheusServer } from '../helpers/prometheus';
import { freePort } from '../helpers/net';

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('findBinary', () => {
  it.each(['promtool', 'prometheus'] as const)('finds %s', (name) => {
    const found = findBinary(name);
    expect(path.isAbsolute(found)).toBe(true);
    expect(path.basename(found)).toBe(name);
  });

  it('fails saying how to provision when the binary is missing, and never falls back past a wrong override', () => {
    expect(() => findBinary('promtool', { PROMTOOL: '/nonexistent/promtool' })).toThrow(INSTALL_HINT);
    expect(() => findBinary('prometheus', { PROMETHEUS: '/nonexistent/prometheus' })).toThrow('PROMETHEUS=/nonexistent/prometheus is not an executable file');
    expect(() => findBinary('promtool', { PATH: '/nonexistent', BKPAAS_TEST_TOOLS_DIR: '/nonexistent/tools' })).toThrow(
      `promtool not found in /nonexistent/tools/bin or on PATH: ${INSTALL_HINT}`,
    );
  });
});

describe('runPromtool', () => {
  it('returns the exit code and output', async () => {
    const ok = await runPromtool(['--version']);
    expect(ok.code).toBe(0);
    expect(ok.output).toMatch(/promtool, version \d+\.\d+/);

    const bad = await runPromtool(['check', 'rules', '/nonexistent/rules.yaml']);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('/nonexistent/rules.yaml');
  });
});

describe('freePort', () => {
  it('returns a port nothing listens on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await accepting(port)).toBe(false);
  });
});

describe('startPrometheus', () => {
  let prometheus: PrometheusServer | undefined;

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('starts a Prometheus that scrapes itself, answers queries, and stops cleanly', async () => {
    prometheus = await startPrometheus({
      scrapeConfigs: (self) => [{ job_name: 'prometheus', static_configs: [{ targets: [self.address] }] }],
    });
    const server = prometheus;
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(existsSync(server.configFile)).toBe(true);
    expect(server.config).toMatchObject({ global: { scrape_interval: '1s', evaluation_interval: '1s' } });

    const targets = await server.waitForTargetsUp();
    expect(targets).toHaveLength(1);
    expect(targets[0].labels).toMatchObject({ job: 'prometheus', instance: `127.0.0.1:${server.port}` });

    const up = await server.waitFor('a sample of up', async () => {
      const samples = await server.queryVector('up{job="prometheus"}');
      return samples.length > 0 ? samples : undefined;
    });
    expect(up).toHaveLength(1);
    expect(up[0].value[1]).toBe('1');

    // Several scrapes at 1 s.
    await server.waitFor('three scrapes', async () => {
      const [sample] = await server.queryVector('count_over_time(up{job="prometheus"}[1m])');
      return sample && Number(sample.value[1]) >= 3;
    });
    const now = Date.now() / 1000;
    const range = await server.queryRange('up{job="prometheus"}', now - 60, now, 1);
    expect(range.resultType).toBe('matrix');

    const series = await server.series(['up']);
    expect(series).toContainEqual(expect.objectContaining({ __name__: 'up', job: 'prometheus' }));
    expect(await server.labelValues('job')).toContain('prometheus');
    expect(await server.rules()).toEqual([]);
    expect(await server.alerts()).toEqual([]);

    const parseError = await server.query('sum(up').catch((err: unknown) => err);
    expect(parseError).toBeInstanceOf(PrometheusApiError);
    expect(parseError).toMatchObject({ httpStatus: 400, errorType: 'bad_data' });

    await server.reload();

    const { port, dir } = server;
    await server.stop();
    expect(await accepting(port)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await server.stop(); // idempotent
  }, 60_000);

  it('fails with the server output and cleans up when Prometheus refuses its config', async () => {
    const err = await startPrometheus({ extraConfig: { no_such_key: true } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited .* before it was ready/);
    expect((err as Error).message).toContain('no_such_key');
  }, 60_000);
});
