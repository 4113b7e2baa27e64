/**
 * --web.config.file mistakes, one fixture each (testdata/webconfig/invalid-*.yml), with the exact
 * problems expected: YAML path, line and message, in the wording of the main config's problems
 * ("expected ..., got ...", "did you mean"). A fixture without an entry here fails the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { listExpectations } from '../../src/config/expects';
import type { ConfigProblem } from '../../src/config/types';
import { loadWebConfig, WebConfigError } from '../../src/http/webConfig';
import { webConfigSchema } from '../../src/http/webConfigSchema';

const TESTDATA = path.join(__dirname, 'testdata', 'webconfig');
const TOP_KEYS = 'tls_server_config, http_server_config, basic_auth_users, rate_limit';
const TLS_KEYS =
  'cert_file, key_file, cert, key, client_ca_file, client_ca, client_auth_type, client_allowed_sans, cipher_suites, curve_preferences, min_version, max_version, prefer_server_cipher_suites';
const HEADERS = 'Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy';
const VERSIONS = 'one of TLS10, TLS11, TLS12, TLS13';
const BCRYPT = 'expected a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 60 characters)';
const MAKE_HASH = 'make one with htpasswd -nBC 10 "" (see docs/hardening.md)';

const CASES: Record<string, ConfigProblem[]> = {
  'invalid-unknown-key-tls.yml': [
    { path: 'tls_server_config.cert_fil', line: 3, message: `unknown key "cert_fil" (did you mean "cert_file"?); allowed under tls_server_config: ${TLS_KEYS}` },
  ],
  'invalid-unknown-key-root.yml': [
    { path: 'basic_auth_user', line: 2, message: `unknown key "basic_auth_user" (did you mean "basic_auth_users"?); allowed at the top level: ${TOP_KEYS}` },
  ],
  'invalid-misplaced-key.yml': [
    { path: 'headers', line: 2, message: `unknown key "headers" (it belongs under http_server_config); allowed at the top level: ${TOP_KEYS}` },
  ],
  'invalid-header-name.yml': [
    {
      path: 'http_server_config.headers["X-Frame-Option"]',
      line: 4,
      message: `unknown key "X-Frame-Option" (did you mean "X-Frame-Options"?); allowed under http_server_config.headers: ${HEADERS}`,
    },
  ],
  'invalid-wrong-type.yml': [{ path: 'tls_server_config.prefer_server_cipher_suites', line: 5, message: 'expected true or false, got "yes"' }],
  'invalid-missing-cert-file.yml': [
    {
      path: 'tls_server_config.cert_file',
      line: 3,
      message: `cannot read ${path.join(TESTDATA, 'tls', 'missing.crt')}: ENOENT; expected the path of a PEM certificate file (relative to the web config's directory)`,
    },
    {
      path: 'tls_server_config.key_file',
      line: 4,
      message: `cannot read ${path.join(TESTDATA, 'tls', 'missing.key')}: ENOENT; expected the path of a PEM private key file (relative to the web config's directory)`,
    },
  ],
  'invalid-bad-bcrypt.yml': [{ path: 'basic_auth_users.prometheus', line: 3, message: `${BCRYPT}, got a string of 9 characters; ${MAKE_HASH}` }],
  'invalid-tls-version.yml': [
    { path: 'tls_server_config.min_version', line: 5, message: `expected ${VERSIONS}, got "TLSv1.3" (did you mean "TLS13"?)` },
  ],
  'invalid-tls-version-ambiguous.yml': [{ path: 'tls_server_config.max_version', line: 5, message: `expected ${VERSIONS}, got "TLS14"` }],
  'invalid-min-above-max.yml': [
    { path: 'tls_server_config.min_version', line: 5, message: 'TLS13 is above max_version TLS12; expected a version no higher than max_version' },
  ],
  'invalid-verify-without-ca.yml': [
    {
      path: 'tls_server_config.client_ca_file',
      line: 2,
      message:
        "missing required key: client_auth_type RequireAndVerifyClientCert verifies client certificates against it; expected the path of a PEM file of the CA certificates client certificates are verified against (relative to the web config's directory)",
    },
  ],
  'invalid-yaml-syntax.yml': [{ path: '', line: 4, message: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]' }],
  'invalid-many.yml': [
    { path: 'rate_limit.burst', line: 3, message: 'expected an integer of 1 or more, got 0' },
    { path: 'basic_auth_users.prometheus', line: 6, message: `${BCRYPT}, got a string of 7 characters; ${MAKE_HASH}` },
    { path: 'tls_server_config.min_version', line: 8, message: `expected ${VERSIONS}, got "TLS9"` },
    { path: 'tls_server_config.bogus', line: 9, message: `unknown key "bogus"; allowed under tls_server_config: ${TLS_KEYS}` },
  ],
};

function problemsOf(file: string): ConfigProblem[] {
  try {
    loadWebConfig(file);
  } catch (err) {
    if (err instanceof WebConfigError) return err.problems;
    throw err;
  }
  throw new Error(`expected a WebConfigError for ${file}`);
}

describe('invalid web configs: exact path, line and message', () => {
  it('every node of the web config schema says what it expects (the "expected ..." of its messages)', () => {
    expect(listExpectations(webConfigSchema).filter((e) => e.expects === undefined)).toEqual([]);
  });

  it('every fixture has its expected problems', () => {
    const fixtures = fs.readdirSync(TESTDATA).filter((f) => /^invalid-.*\.yml$/.test(f));
    expect(fixtures.sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(problemsOf(path.join(TESTDATA, name))).toEqual(expected);
  });

  it('prints each problem as the main config does: path (line N): message', () => {
    const file = path.join(TESTDATA, 'invalid-tls-version.yml');
    expect(() => loadWebConfig(file)).toThrow(
      `invalid web config ${file}:\n  tls_server_config.min_version (line 5): expected ${VERSIONS}, got "TLSv1.3" (did you mean "TLS13"?)`,
    );
  });

  it('never quotes what was put where a hash belongs', () => {
    const err = (() => {
      try {
        loadWebConfig(path.join(TESTDATA, 'invalid-bad-bcrypt.yml'));
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(err.message).not.toContain('change-me');
  });
});
