/**
 * --web.config.file, served: HTTPS with a generated self-signed certificate, min_version
 * enforced (a TLS 1.2-only client cannot reach a TLS13 server), client-certificate policies,
 * basic auth (accept, wrong password, unknown user, no or malformed header → 401 with
 * WWW-Authenticate), /healthz and /readyz open for probes, configured headers on every answer,
 * the rate limit; then the command itself: a bad web config exits 1 naming the problem, a good
 * one serves TLS and auth from dist/main.js.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import { Exporter } from '../../src/exporter';
import { createApp } from '../../src/http/app';
import { startServer, type RunningServer } from '../../src/http/server';
import { parseWebConfig } from '../../src/http/webConfig';
import { withWebConfig } from '../../src/http/webGuard';
import { createLogger } from '../../src/log';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { configFor } from '../helpers/harness';
import { specOf } from '../helpers/targets';
import { MAIN, ROOT, runExporter } from '../helpers/process';
import { localhostCert } from '../helpers/pki';
import { requireFreshBuild, testCerts } from './helpers';
import { freePort } from '../helpers/net';
import { sleep } from '../helpers/sleep';

const PASSWORD = 'scrape-me-please';
const HASH = bcrypt.hashSync(PASSWORD, 4);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  protocol?: string;
}

/** GET over HTTPS trusting the test CA; extra TLS options for the client side. */
function httpsGet(port: number, p: string, headers: Record<string, string> = {}, tlsOpts: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: p, headers, ca: testCerts().cert, servername: 'localhost', agent: false, ...tlsOpts },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, protocol: (res.socket as tls.TLSSocket).getProtocol?.() ?? undefined }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the exporter behind a web config', () => {
  let sim: Simulator;
  let dir: string;
  const servers: Array<{ server: RunningServer; exporter: Exporter }> = [];

  beforeAll(async () => {
    sim = await startSimulator({ targets: [{ app_code: 'alpha', module_name: 'default', environment: 'prod', scenario: 'healthy' }] });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-web-'));
    const c = testCerts();
    writeFileSync(path.join(dir, 'server.crt'), c.cert);
    writeFileSync(path.join(dir, 'server.key'), c.key);
  });
  afterAll(async () => {
    for (const s of servers) {
      await s.server.close(100);
      s.exporter.close();
    }
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(webYaml: string): Promise<number> {
    const logger = createLogger('silent');
    const config = configFor(sim, [specOf({ app_code: 'alpha', module_name: 'default', environment: 'prod' })]);
    const exporter = new Exporter(config, { logger });
    const web = parseWebConfig(webYaml, path.join(dir, 'web.yml'));
    const { listener, options } = withWebConfig(createApp(exporter, { logger }), web);
    const server = await startServer(listener, { host: '127.0.0.1', port: 0 }, options);
    servers.push({ server, exporter });
    return server.address.port;
  }

  const TLS = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';

  describe('TLS and basic auth', () => {
    let port: number;
    beforeAll(async () => {
      port = await serve(`${TLS}http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n    X-Frame-Options: deny\nbasic_auth_users:\n  prometheus: "${HASH}"\n`);
    });

    it('serves /metrics over HTTPS to the right user', async () => {
      const res = await httpsGet(port, '/metrics', { Authorization: basic('prometheus', PASSWORD) });
      expect(res.status).toBe(200);
      expect(res.body).toContain('bkpaas_target_up{app_code="alpha"');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('deny');
    });

    it('serves /exporter-metrics behind the same TLS and basic auth', async () => {
      expect((await httpsGet(port, '/exporter-metrics')).status).toBe(401);
      const res = await httpsGet(port, '/exporter-metrics', { Authorization: basic('prometheus', PASSWORD) });
      expect(res.status).toBe(200);
      expect(res.body).toContain('bkpaas_exporter_build_info{');
      expect(res.body).not.toContain('bkpaas_target_up');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it.each([
      ['no credentials', undefined],
      ['a wrong password', basic('prometheus', 'guess')],
      ['an unknown user', basic('admin', PASSWORD)],
      ['an empty password', basic('prometheus', '')],
      ['a malformed header', 'Basic %%%'],
      ['another scheme', `Bearer ${PASSWORD}`],
    ])('%s → 401 with WWW-Authenticate, on every path', async (_what, authorization) => {
      for (const p of ['/metrics', '/exporter-metrics', '/probe?app_code=alpha&module_name=default&environment=prod', '/', '/nope', '/-/reload']) {
        const res = await httpsGet(port, p, authorization ? { Authorization: authorization } : {});
        expect([p, res.status]).toEqual([p, 401]);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm="bkpaas-exporter"/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.body).toBe('Unauthorized\n');
      }
    });

    it('/healthz and /readyz stay open for probes', async () => {
      expect((await httpsGet(port, '/healthz')).status).toBe(200);
      expect((await httpsGet(port, '/readyz')).status).toBe(200);
      // Only exactly those paths: a look-alike still needs credentials.
      expect((await httpsGet(port, '/healthz/../metrics')).status).toBe(401);
      expect((await httpsGet(port, '/HEALTHZ')).status).toBe(401);
      expect((await httpsGet(port, '/healthz%2F..%2Fmetrics')).status).toBe(401);
    });

    it('refuses plain HTTP on the TLS port', async () => {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    });

    it('refuses a client that does not trust the certificate', async () => {
      await expect(httpsGet(port, '/healthz', {}, { ca: undefined })).rejects.toThrow(/self[- ]signed|unable to verify/i);
    });
  });

  describe('min_version', () => {
    it('TLS13: a TLS 1.2-only client fails the handshake, a TLS 1.3 client succeeds', async () => {
      const port = await serve(`${TLS}  min_version: TLS13\n`);
      await expect(httpsGet(port, '/healthz', {}, { maxVersion: 'TLSv1.2' })).rejects.toThrow(/protocol version|alert|wrong version/i);
      const ok = await httpsGet(port, '/healthz');
      expect(ok.status).toBe(200);
      expect(ok.protocol).toBe('TLSv1.3');
    });

    it('default (TLS12): a TLS 1.2 client succeeds with a configured cipher suite', async () => {
      const port = await serve(`${TLS}  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n`);
      const res = await httpsGet(port, '/healthz', {}, { maxVersion: 'TLSv1.2' });
      expect(res.status).toBe(200);
      expect(res.protocol).toBe('TLSv1.2');
      await expect(httpsGet(port, '/healthz', {}, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' })).rejects.toThrow();
    });
  });

  describe('client certificates', () => {
    beforeAll(() => writeFileSync(path.join(dir, 'ca.crt'), testCerts().cert));
    const client = () => ({ cert: testCerts().clientCert, key: testCerts().clientKey });

    it('RequireAndVerifyClientCert: in with a certificate from the CA, out without one', async () => {
      const port = await serve(`${TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n`);
      expect((await httpsGet(port, '/healthz', {}, client())).status).toBe(200);
      await expect(httpsGet(port, '/healthz')).rejects.toThrow();
    });

    it('RequireAnyClientCert with client_allowed_sans: only a certificate with an allowed SAN gets in', async () => {
      const allowed = await serve(`${TLS}  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [prometheus.example.com]\n`);
      expect((await httpsGet(allowed, '/healthz', {}, client())).status).toBe(200);
      await expect(httpsGet(allowed, '/healthz')).rejects.toThrow();
      const other = await serve(`${TLS}  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [grafana.example.com]\n`);
      await expect(httpsGet(other, '/healthz', {}, client())).rejects.toThrow();
    });

    it('VerifyClientCertIfGiven: in without one, in with a good one', async () => {
      const port = await serve(`${TLS}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n`);
      expect((await httpsGet(port, '/healthz')).status).toBe(200);
      expect((await httpsGet(port, '/healthz', {}, client())).status).toBe(200);
    });
  });

  it('rate_limit: past the burst, 429 with Retry-After; probes are never throttled', async () => {
    const port = await serve(`${TLS}rate_limit:\n  burst: 3\n  interval: 1m\n`);
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push(await httpsGet(port, '/'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[4].headers['retry-after']).toBe('1');
    for (let i = 0; i < 5; i++) expect((await httpsGet(port, '/healthz')).status).toBe(200);
  });
});

describe('bkpaas-exporter --web.config.file', () => {
  let dir: string;
  let sim: Simulator;
  const ENV = { BK_APP_SECRET: DEMO_CREDENTIALS.bk_app_secret, BK_ACCESS_TOKEN: DEMO_ACCESS_TOKEN };
  beforeAll(async () => {
    requireFreshBuild();
    sim = await startSimulator({ targets: [{ app_code: 'alpha', module_name: 'default', environment: 'prod', scenario: 'healthy' }] });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-webcli-'));
    const c = testCerts();
    writeFileSync(path.join(dir, 'server.crt'), c.cert);
    writeFileSync(path.join(dir, 'server.key'), c.key);
    writeFileSync(path.join(dir, 'good.yml'), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: "${HASH}"\n`);
    writeFileSync(path.join(dir, 'bad.yml'), 'tls_server_config:\n  cert_file: server.crt\n  min_version: TLS14\nbasic_auth_users:\n  prometheus: plain-text\n');
    writeFileSync(
      path.join(dir, 'config.yaml'),
      `upstream:\n  base_url: ${sim.baseUrl}\n  auth:\n    bk_app_code: ${DEMO_CREDENTIALS.bk_app_code}\n    bk_app_secret: \${BK_APP_SECRET}\n    access_token: \${BK_ACCESS_TOKEN}\ntargets:\n  - app_code: alpha\n    environments: [prod]\n`,
    );
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** dist/main.js serving the config under `webFile`, once /healthz answers over HTTPS. */
  async function startServing(webFile: string) {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN, '--config', path.join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`, '--web.config.file', webFile], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...ENV },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    /** Waits until `ok` holds (errors count as not yet), for up to 10 s. */
    const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await Promise.resolve(ok()).catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`${what}: not within 10 s:\n${out}`);
        await sleep(100);
      }
    };
    const served = {
      port,
      child,
      output: () => out,
      until,
      /** SIGTERM (SIGKILL after 10 s); resolves with the exit code. */
      stop: async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
    try {
      await until('start', async () => (await httpsGet(port, '/healthz')).status === 200);
    } catch (err) {
      await served.stop();
      throw err;
    }
    return served;
  }

  it('an invalid web config exits 1 listing every problem with its path and line', async () => {
    const r = await runExporter(['--config', path.join(dir, 'config.yaml'), '--web.config.file', path.join(dir, 'bad.yml')], ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`invalid web config ${path.join(dir, 'bad.yml')}:`);
    expect(r.stderr).toContain('tls_server_config.min_version (line 3): expected one of TLS10, TLS11, TLS12, TLS13, got "TLS14"\n');
    expect(r.stderr).toContain('basic_auth_users.prometheus (line 5): expected a bcrypt hash');
    expect(r.stderr).not.toContain('plain-text');
  });

  it('a missing web config exits 1', async () => {
    const r = await runExporter(['--demo', '--web.config.file', path.join(dir, 'absent.yml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read the file: ENOENT');
  });

  it('--check-config validates the web config too', async () => {
    const r = await runExporter(['--check-config', '--config', path.join(dir, 'config.yaml'), '--web.config.file', path.join(dir, 'good.yml')], ENV);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`web config ${path.join(dir, 'good.yml')}: TLS TLSv1.2-TLSv1.3, client certificates: NoClientCert; basic auth: 1 user`);
    const bad = await runExporter(['--check-config', '--config', path.join(dir, 'config.yaml'), '--web.config.file', path.join(dir, 'bad.yml')], ENV);
    expect(bad.code).toBe(1);
  });

  it('serves HTTPS with basic auth from dist/main.js, and stops cleanly', async () => {
    const ex = await startServing(path.join(dir, 'good.yml'));
    try {
      expect((await httpsGet(ex.port, '/metrics')).status).toBe(401);
      const ok = await httpsGet(ex.port, '/metrics', { Authorization: basic('prometheus', PASSWORD) });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('bkpaas_target_up{app_code="alpha",module_name="default",environment="prod"} 1');
      expect(ex.output()).toContain('TLS TLSv1.2-TLSv1.3');
    } finally {
      expect(await ex.stop()).toBe(0);
    }
  });

  it('SIGHUP re-reads the web config: a rotated certificate and new users apply at once; a bad or TLS-off file is refused and the old one kept', async () => {
    // A second certificate for localhost, as a rotation would bring.
    const rotated = localhostCert();
    writeFileSync(path.join(dir, 'b.key'), rotated.key);
    writeFileSync(path.join(dir, 'b.crt'), rotated.cert);
    const certB = rotated.cert;
    const live = path.join(dir, 'live.yml');
    const HASH_B = bcrypt.hashSync('grafana-secret', 4);
    writeFileSync(live, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: "${HASH}"\n`);
    const ex = await startServing(live);
    const { port, until } = ex;
    try {
      expect(await peerFingerprint(port)).toBe(new crypto.X509Certificate(testCerts().cert).fingerprint256);
      expect((await httpsGet(port, '/metrics', { Authorization: basic('prometheus', PASSWORD) })).status).toBe(200);

      writeFileSync(live, `tls_server_config:\n  cert_file: b.crt\n  key_file: b.key\nbasic_auth_users:\n  grafana: "${HASH_B}"\n`);
      ex.child.kill('SIGHUP');
      await until('the new certificate', async () => (await peerFingerprint(port)) === new crypto.X509Certificate(certB).fingerprint256);
      expect(ex.output()).toContain(`reloaded web config ${live}: TLS TLSv1.2-TLSv1.3, client certificates: NoClientCert; basic auth: 1 user`);
      expect((await httpsGet(port, '/metrics', { Authorization: basic('grafana', 'grafana-secret') }, { ca: certB })).status).toBe(200);
      expect((await httpsGet(port, '/metrics', { Authorization: basic('prometheus', PASSWORD) }, { ca: certB })).status).toBe(401);

      for (const [yaml, why] of [
        ['tls_server_config:\n  cert_file: b.crt\n  key_file: b.key\n  min_version: TLS14\n', 'tls_server_config.min_version (line 4): expected one of'],
        [`basic_auth_users:\n  grafana: "${HASH_B}"\n`, 'turning TLS off needs a restart'],
        ['tls_server_config:\n  cert_file: b.crt\n  key_file: b.key\n  client_auth_type: RequireAnyClientCert\n', 'changing client_auth_type (NoClientCert → RequireAnyClientCert) needs a restart'],
      ]) {
        writeFileSync(live, yaml);
        ex.child.kill('SIGHUP');
        await until(`refusing ${why}`, () => ex.output().includes(why));
        expect(ex.output()).toContain('web config reload failed, previous kept');
        // Still the last good config: certificate B, grafana in, no one else.
        expect(await peerFingerprint(port)).toBe(new crypto.X509Certificate(certB).fingerprint256);
        expect((await httpsGet(port, '/metrics', { Authorization: basic('grafana', 'grafana-secret') }, { ca: certB })).status).toBe(200);
        expect((await httpsGet(port, '/metrics', {}, { ca: certB })).status).toBe(401);
      }
    } finally {
      expect(await ex.stop()).toBe(0);
    }
  });
});

/** SHA-256 fingerprint of the certificate the server at `port` presents (not verified). */
function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}
