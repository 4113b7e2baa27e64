/**
 * --web.config.file, the file: exporter-toolkit's format validated strictly (one case per
 * mistake, each message naming its YAML path), relative files resolved against the file's
 * directory, and the basic-auth verifier (bcrypt, dummy hash for unknown users, a short cache).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { BasicAuth, parseBasicAuth } from '../../src/http/basicAuth';
import { describeWebConfig, loadWebConfig, parseWebConfig, WebConfigError } from '../../src/http/webConfig';
import { testCerts } from './helpers';
import { sleep } from '../helpers/sleep';

const HASH = bcrypt.hashSync('s3cret-pass', 4);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-webcfg-'));
  const c = testCerts();
  mkdirSync(path.join(dir, 'tls'));
  writeFileSync(path.join(dir, 'tls', 'server.crt'), c.cert);
  writeFileSync(path.join(dir, 'tls', 'server.key'), c.key);
  writeFileSync(path.join(dir, 'tls', 'client.key'), c.clientKey);
  writeFileSync(path.join(dir, 'tls', 'notes.txt'), 'not a certificate\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses `text` as if it were <dir>/web.yml; returns the problems printed as `path: message` (none: []). */
function problemsOf(text: string): string[] {
  try {
    parseWebConfig(text, path.join(dir, 'web.yml'));
    return [];
  } catch (err) {
    if (!(err instanceof WebConfigError)) throw err;
    expect(err.message).toContain(`invalid web config ${path.join(dir, 'web.yml')}:`);
    return err.problems.map((p) => `${p.path || '(root)'}: ${p.message}`);
  }
}

const TLS = 'tls_server_config:\n  cert_file: tls/server.crt\n  key_file: tls/server.key\n';

describe('invalid web configs: one problem each, named by its path', () => {
  it.each([
    ['unknown top-level key', 'tls_config: {}\n', 'tls_config: unknown key "tls_config"; allowed at the top level: tls_server_config, http_server_config, basic_auth_users, rate_limit'],
    ['unknown nested key', 'tls_server_config:\n  cert_fil: a.crt\n', 'tls_server_config.cert_fil: unknown key "cert_fil" (did you mean "cert_file"?); allowed under tls_server_config: cert_file, key_file'],
    ['TLS version', `${TLS}  min_version: TLS14\n`, 'tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13, got "TLS14"'],
    ['client auth type', `${TLS}  client_auth_type: Sometimes\n`, 'tls_server_config.client_auth_type: expected one of NoClientCert, RequestClientCert'],
    ['cipher suite', `${TLS}  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n`, 'tls_server_config.cipher_suites[0]: expected one of TLS_AES_128_GCM_SHA256'],
    ['curve', `${TLS}  curve_preferences: [P256]\n`, 'tls_server_config.curve_preferences[0]: expected one of CurveP256, CurveP384, CurveP521, X25519, got "P256"'],
    ['wrong type', `${TLS}  prefer_server_cipher_suites: "yes"\n`, 'tls_server_config.prefer_server_cipher_suites: expected true or false, got "yes"'],
    ['missing key_file', 'tls_server_config:\n  cert_file: tls/server.crt\n', 'tls_server_config.key_file: missing required key: TLS needs a private key (key_file or key)'],
    ['missing cert_file', 'tls_server_config:\n  key_file: tls/server.key\n  min_version: TLS13\n', 'tls_server_config.cert_file: missing required key: TLS needs a certificate (cert_file or cert)'],
    ['cert and cert_file', `${TLS}  cert: "-----BEGIN CERTIFICATE-----"\n`, 'tls_server_config.cert: set one of cert and cert_file, not both'],
    ['unreadable file', 'tls_server_config:\n  cert_file: tls/missing.crt\n  key_file: tls/server.key\n', /^tls_server_config\.cert_file: cannot read \/.*\/tls\/missing\.crt: ENOENT; expected the path of a PEM certificate file/],
    ['not PEM', 'tls_server_config:\n  cert_file: tls/notes.txt\n  key_file: tls/server.key\n', 'tls_server_config.cert_file: not a PEM certificate'],
    ['key of another certificate', 'tls_server_config:\n  cert_file: tls/server.crt\n  key_file: tls/client.key\n', 'tls_server_config: the certificate and key cannot be used: '],
    ['CA without client auth', `${TLS}  client_ca_file: tls/server.crt\n`, 'tls_server_config.client_auth_type: client CAs are configured but client_auth_type is NoClientCert'],
    ['verification without CA', `${TLS}  client_auth_type: RequireAndVerifyClientCert\n`, 'tls_server_config.client_ca_file: missing required key: client_auth_type RequireAndVerifyClientCert verifies'],
    ['SANs without a required certificate', `${TLS}  client_auth_type: RequestClientCert\n  client_allowed_sans: [prometheus]\n`, 'tls_server_config.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert'],
    ['min above max', `${TLS}  min_version: TLS13\n  max_version: TLS12\n`, 'tls_server_config.min_version: TLS13 is above max_version TLS12'],
    ['header not allowed', 'http_server_config:\n  headers:\n    X-Powered-By: me\n', 'http_server_config.headers["X-Powered-By"]: unknown key "X-Powered-By"; allowed under http_server_config.headers: Strict-Transport-Security'],
    ['header value not allowed', 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', 'http_server_config.headers["X-Frame-Options"]: expected one of deny, sameorigin, got "allow"'],
    ['header value with a line break', 'http_server_config:\n  headers:\n    Content-Security-Policy: "a\\r\\nSet-Cookie: x=1"\n', 'http_server_config.headers["Content-Security-Policy"]: must not contain line breaks or NUL'],
    ['unknown http key', 'http_server_config:\n  http3: true\n', 'http_server_config.http3: unknown key "http3" (did you mean "http2"?); allowed under http_server_config: http2, headers'],
    ['users as a list', 'basic_auth_users: [alice]\n', 'basic_auth_users: expected a mapping of user names to bcrypt hashes, got a list'],
    ['plain-text password', 'basic_auth_users:\n  alice: hunter2\n', 'basic_auth_users.alice: expected a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 60 characters), got a string of 7 characters'],
    ['user with a colon', `basic_auth_users:\n  "al:ice": "${HASH}"\n`, 'basic_auth_users["al:ice"]: a user name must not contain ":"'],
    ['rate limit interval', 'rate_limit:\n  burst: 5\n  interval: soon\n', 'rate_limit.interval: invalid duration "soon"'],
    ['rate limit burst', 'rate_limit:\n  burst: 0\n  interval: 1s\n', 'rate_limit.burst: expected an integer of 1 or more, got 0'],
    ['YAML syntax', 'basic_auth_users:\n  alice: [\n', '(root): YAML syntax error: '],
    ['duplicate key', `basic_auth_users:\n  alice: "${HASH}"\n  alice: "${HASH}"\n`, '(root): YAML syntax error: Map keys must be unique'],
  ])('%s', (_name, text, expected: string | RegExp) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    if (typeof expected === 'string') expect(problems[0]).toContain(expected);
    else expect(problems[0]).toMatch(expected);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf('tls_server_config:\n  min_version: TLS9\n  bogus: 1\nbasic_auth_users:\n  a: x\n');
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.join('\n')).toMatch(/min_version[\s\S]*bogus/);
  });

  it('never quotes a password put where a hash belongs', () => {
    const problems = problemsOf('basic_auth_users:\n  alice: correct-horse-battery-staple\n');
    expect(problems.join('\n')).not.toContain('correct-horse');
  });

  it('a missing file names it', () => {
    expect(() => loadWebConfig(path.join(dir, 'nope.yml'))).toThrow(/invalid web config .*nope\.yml:\n {2}\(root\): cannot read the file: ENOENT/);
  });
});

describe('valid web configs', () => {
  it('an empty file turns nothing on', () => {
    const c = parseWebConfig('', path.join(dir, 'web.yml'));
    expect(c.tls).toBeUndefined();
    expect(c.users).toEqual({});
    expect(describeWebConfig(c)).toContain('no TLS; no basic auth');
  });

  it('resolves relative files against the web config directory, not the working directory', () => {
    const file = path.join(dir, 'web.yml');
    writeFileSync(file, `${TLS}  min_version: TLS13\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n  curve_preferences: [X25519, CurveP256]\nbasic_auth_users:\n  prometheus: "${HASH}"\n`);
    expect(process.cwd()).not.toBe(dir);
    const c = loadWebConfig(file);
    expect(c.tls?.cert).toBe(testCerts().cert);
    expect(c.tls?.minVersion).toBe('TLSv1.3');
    expect(c.tls?.maxVersion).toBe('TLSv1.3');
    expect(c.tls?.ciphers).toBe('ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256');
    expect(c.tls?.ecdhCurve).toBe('X25519:P-256');
    expect(c.users).toEqual({ prometheus: HASH });
    expect(describeWebConfig(c)).toBe(`web config ${file}: TLS TLSv1.3-TLSv1.3, client certificates: NoClientCert; basic auth: 1 user`);
  });

  it('http2: true with TLS is accepted with a warning naming its line (HTTP/1.1 only); false, or no TLS, warns of nothing', () => {
    const file = path.join(dir, 'web.yml');
    const c = parseWebConfig(`${TLS}http_server_config:\n  http2: true\n`, file);
    expect(c.tls).toBeDefined();
    expect(c.warnings).toEqual([{ path: 'http_server_config.http2', line: 5, message: expect.stringContaining('HTTP/2 is not supported: this server speaks HTTP/1.1 only') }]);
    expect(describeWebConfig(c)).toContain('; warning: http_server_config.http2 (line 5): HTTP/2 is not supported');
    expect(parseWebConfig(`${TLS}http_server_config:\n  http2: false\n`, file).warnings).toEqual([]);
    expect(parseWebConfig('http_server_config:\n  http2: true\n', file).warnings).toEqual([]);
  });

  it('accepts the $2y$ hashes htpasswd makes, and inline PEM', () => {
    const c = testCerts();
    const y = HASH.replace(/^\$2[ab]\$/, '$2y$');
    const yaml = `tls_server_config:\n  cert: |\n${c.cert.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n  key: |\n${c.key.trim().split('\n').map((l) => `    ${l}`).join('\n')}\nbasic_auth_users:\n  p: "${y}"\n`;
    expect(problemsOf(yaml)).toEqual([]);
  });
});

describe('basic auth verifier', () => {
  it('parses the Authorization header strictly', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(parseBasicAuth(`Basic ${b64('alice:pa:ss')}`)).toEqual({ user: 'alice', password: 'pa:ss' });
    expect(parseBasicAuth(`basic ${b64('alice:')}`)).toEqual({ user: 'alice', password: '' });
    expect(parseBasicAuth(`Basic ${b64('no-colon')}`)).toBeUndefined();
    expect(parseBasicAuth(`Bearer ${b64('a:b')}`)).toBeUndefined();
    expect(parseBasicAuth('Basic !!!')).toBeUndefined();
    expect(parseBasicAuth(undefined)).toBeUndefined();
  });

  it('verifies the $2y$ hashes htpasswd makes', async () => {
    const auth = new BasicAuth({ p: '$2y$10$9Ggz5nuHTZhWkFtEQBlsy.gIs/HJj8Md0YK7kst2MGeBs6BVnCdwS' });
    expect(await auth.verify({ user: 'p', password: 'change-me' })).toBe(true);
  });

  it('accepts the right password, rejects a wrong one and an unknown user', async () => {
    const auth = new BasicAuth({ alice: HASH });
    expect(await auth.verify({ user: 'alice', password: 's3cret-pass' })).toBe(true);
    expect(await auth.verify({ user: 'alice', password: 'wrong' })).toBe(false);
    expect(await auth.verify({ user: 'mallory', password: 's3cret-pass' })).toBe(false);
    expect(await auth.verify(undefined)).toBe(false);
  });

  it('runs bcrypt for unknown users too, against a hash of the same cost (timing does not reveal users)', async () => {
    const hash10 = bcrypt.hashSync('pw', 10);
    const seen: string[] = [];
    const auth = new BasicAuth({ alice: hash10 }, { compare: async (p, h) => (seen.push(h), bcrypt.compare(p, h)) });
    const time = async (user: string) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) await auth.verify({ user, password: `bad-${i}` });
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const known = await time('alice');
    const unknown = await time('nobody');
    expect(seen).toHaveLength(6);
    expect(seen[3]).not.toBe(hash10);
    expect(seen[3].slice(0, 7)).toBe(hash10.slice(0, 7)); // same variant and cost
    expect(unknown).toBeGreaterThan(known * 0.5);
    expect(unknown).toBeLessThan(known * 2);
  });

  it('caches a success briefly, never a failure', async () => {
    let calls = 0;
    const auth = new BasicAuth({ alice: HASH }, { cacheMs: 1_000, compare: async (p, h) => (calls++, bcrypt.compare(p, h)) });
    const now = 1_000_000;
    for (let i = 0; i < 5; i++) expect(await auth.verify({ user: 'alice', password: 's3cret-pass' }, now + i)).toBe(true);
    expect(calls).toBe(1);
    for (let i = 0; i < 3; i++) expect(await auth.verify({ user: 'alice', password: 'nope' }, now)).toBe(false);
    expect(calls).toBe(4);
    expect(await auth.verify({ user: 'alice', password: 's3cret-pass' }, now + 1_001)).toBe(true);
    expect(calls).toBe(5);
  });

  it('runs one bcrypt comparison at a time', async () => {
    let running = 0;
    let most = 0;
    const auth = new BasicAuth({ alice: HASH }, {
      compare: async (p, h) => {
        running++;
        most = Math.max(most, running);
        await sleep(5);
        running--;
        return bcrypt.compare(p, h);
      },
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => auth.verify({ user: i % 2 ? 'alice' : 'x', password: `p${i}` })));
    expect(most).toBe(1);
  });
});
