/**
 * One fixture per mistake (testdata/invalid-*.yaml), each with the exact problems expected:
 * YAML path, line and message. A fixture without an entry here fails the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadConfig } from '../../src/config/load';
import type { ConfigProblem } from '../../src/config/types';
import { TESTDATA, TEST_ENV, fixture, problemsOf } from './helpers';

const DURATION = 'expected a number followed by a unit (y, w, d, h, m, s, ms), such as "15s" or "1m30s"';
const LISTEN = 'expected [HOST]:PORT such as ":9876", "0.0.0.0:9876", "localhost:9876" or "[::1]:9876"';
const URL_SAFE = 'use only letters, digits, ".", "_", "~" and "-" (it becomes part of the API URL)';
const RESERVED =
  'reserved: app_code, module_name, environment, process_type, instance, instance_name, state, status, name, cluster_link, version, image, reason, resource, unit, plan, code, job, nodejs_version';
const ROOT_KEYS = 'server, upstream, cache, targets, instance_metrics, discovery, metrics';
const SECRETS_DIR = path.join(TESTDATA, 'secrets');

const CASES: Record<string, ConfigProblem[]> = {
  'invalid-yaml-syntax.yaml': [
    { path: '', line: 11, message: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]' },
    { path: '', line: 11, message: 'YAML syntax error: All mapping items must start at the same column' },
  ],
  'invalid-yaml-duplicate-key.yaml': [{ path: '', line: 12, message: 'YAML syntax error: Map keys must be unique' }],
  'invalid-yaml-secret-line.yaml': [{ path: '', line: 6, message: 'YAML syntax error (details hidden: the line holds a secret)' }],
  'invalid-empty.yaml': [{ path: '', message: 'the config is empty: expected at least upstream and targets (see config.example.yaml)' }],
  'invalid-root-list.yaml': [{ path: '', line: 2, message: `expected a mapping with the keys ${ROOT_KEYS}, got a list` }],
  'invalid-unknown-key-root.yaml': [
    {
      path: 'instance_metric',
      line: 11,
      message: `unknown key "instance_metric" (did you mean "instance_metrics"?); allowed at the top level: ${ROOT_KEYS}`,
    },
  ],
  'invalid-unknown-key-upstream.yaml': [
    {
      path: 'upstream.retries',
      line: 8,
      message: 'unknown key "retries"; allowed under upstream: base_url, auth, tenant_id, timeout, concurrency, max_response_bytes, max_retry_after',
    },
  ],
  'invalid-unknown-key-target.yaml': [
    { path: 'targets[0].environments', line: 9, message: 'missing required key; expected a non-empty list of environment names such as [stag, prod]' },
    {
      path: 'targets[0].environment',
      line: 10,
      message:
        'unknown key "environment" (did you mean "environments"?); allowed in each entry of targets: app_code, environments, modules, only_latest_version, labels',
    },
  ],
  'invalid-misplaced-secret.yaml': [
    { path: 'bk_ticket', line: 11, message: `unknown key "bk_ticket" (it belongs under upstream.auth); allowed at the top level: ${ROOT_KEYS}` },
  ],
  'invalid-bad-duration-type.yaml': [{ path: 'cache.ttl', line: 12, message: 'expected a duration such as "15s" or "1m30s", got 15' }],
  'invalid-bad-duration-unit.yaml': [{ path: 'upstream.timeout', line: 8, message: `invalid duration "10sec": unknown unit "sec"; ${DURATION}` }],
  'invalid-bad-listen.yaml': [
    { path: 'server.listen', line: 3, message: `invalid listen address "9876": missing ":" before the port (did you mean ":9876"?); ${LISTEN}` },
  ],
  'invalid-listen-port-range.yaml': [
    { path: 'server.listen', line: 3, message: `invalid listen address "0.0.0.0:70000": port 70000 is out of range 0-65535; ${LISTEN}` },
  ],
  'invalid-base-url-scheme.yaml': [
    {
      path: 'upstream.base_url',
      line: 3,
      message: 'unsupported scheme "ftp" in "ftp://bkapi.example.com/api": expected an http(s) URL such as "https://bkapi.example.com/api/bkpaas3/prod"',
    },
  ],
  'invalid-base-url-credentials.yaml': [
    { path: 'upstream.base_url', line: 3, message: 'the URL must not contain a user name or password: credentials belong in upstream.auth' },
  ],
  'invalid-missing-base-url.yaml': [
    { path: 'upstream.base_url', line: 2, message: 'missing required key; expected an http(s) URL such as "https://bkapi.example.com/api/bkpaas3/prod"' },
  ],
  'invalid-missing-app-code.yaml': [
    { path: 'upstream.auth.bk_app_code', line: 4, message: 'missing required key; expected a non-empty string (the code of the app calling the API)' },
  ],
  'invalid-missing-app-secret.yaml': [
    {
      path: 'upstream.auth.bk_app_secret',
      line: 4,
      message: 'missing required key; expected a non-empty string such as "${ENV_VAR}" (or bk_app_secret_file: the path of a file holding it)',
    },
  ],
  'invalid-no-identity.yaml': [
    { path: 'upstream.auth', line: 4, message: 'a user identity is required: set one of access_token, bk_ticket, bk_token or bk_username' },
  ],
  'invalid-secret-wrong-type.yaml': [
    {
      path: 'upstream.auth.bk_app_secret',
      line: 6,
      message: 'expected a non-empty string such as "${ENV_VAR}" (or bk_app_secret_file: the path of a file holding it), got a number',
    },
  ],
  'invalid-empty-secret.yaml': [{ path: 'upstream.auth.access_token', line: 7, message: 'access_token must not be empty' }],
  'invalid-concurrency-range.yaml': [{ path: 'upstream.concurrency', line: 8, message: 'expected an integer from 1 to 1024, got 2000' }],
  'invalid-max-response-bytes.yaml': [
    {
      path: 'upstream.max_response_bytes',
      line: 8,
      message: 'invalid size "16M": expected a positive integer number of bytes or a size such as "16MiB" (units B, KB, MB, GB, KiB, MiB, GiB)',
    },
  ],
  'invalid-no-targets.yaml': [
    { path: 'targets', line: 8, message: 'no targets: list at least one under targets, or enable discovery (discovery.enabled: true)' },
  ],
  'invalid-duplicate-target.yaml': [
    {
      path: 'targets[2]',
      line: 14,
      message: 'duplicate targets demo-app/api/prod, demo-app/api/stag (app_code/module/environment): already defined by targets[0]',
    },
  ],
  'invalid-duplicate-list-item.yaml': [
    { path: 'targets[0].modules[2]', line: 10, message: 'duplicate module "default": already listed at targets[0].modules[0]' },
    { path: 'targets[0].environments[1]', line: 13, message: 'duplicate environment "prod": already listed at targets[0].environments[0]' },
  ],
  'invalid-reserved-label.yaml': [
    { path: 'targets[0].labels.instance', line: 12, message: `label name "instance" is reserved: the exporter sets it itself (${RESERVED})` },
    {
      path: 'targets[0].labels.__meta_x',
      line: 13,
      message: 'label name "__meta_x" is reserved: names starting with "__" are for Prometheus\'s internal use',
    },
  ],
  'invalid-label-name-syntax.yaml': [
    {
      path: 'targets[0].labels["cost-center"]',
      line: 11,
      message: 'invalid label name "cost-center": expected letters, digits and "_", not starting with a digit (^[a-zA-Z_][a-zA-Z0-9_]*$)',
    },
  ],
  'invalid-label-value-type.yaml': [
    { path: 'targets[0].labels.team', line: 12, message: 'expected a string (numbers and booleans are converted), got a list' },
  ],
  'invalid-bad-regex.yaml': [{ path: 'discovery.include_apps[1]', line: 13, message: 'invalid regular expression "demo-(x": Unterminated group' }],
  'invalid-environment-not-url-safe.yaml': [
    { path: 'targets[0].app_code', line: 9, message: `invalid app_code "demo/app": ${URL_SAFE}` },
    { path: 'targets[0].environments[0]', line: 10, message: `invalid environment "pro d": ${URL_SAFE}` },
    { path: 'targets[0].modules[0]', line: 11, message: 'module name must not be empty' },
  ],
  'invalid-empty-modules.yaml': [
    { path: 'targets[0].modules', line: 11, message: 'expected a non-empty list of module names such as [default, api], got an empty list' },
  ],
  'invalid-only-latest-version-type.yaml': [{ path: 'targets[0].only_latest_version', line: 11, message: 'expected true or false, got "yes"' }],
  'invalid-missing-env-var.yaml': [
    { path: 'upstream.auth.bk_app_secret', line: 6, message: 'environment variable BK_UNSET_SECRET is not set' },
  ],
  'invalid-empty-secret-var.yaml': [
    { path: 'upstream.auth.bk_app_secret', line: 6, message: 'environment variable EMPTY is set but empty; a secret must not be empty' },
  ],
  'invalid-bad-var-reference.yaml': [
    {
      path: 'upstream.tenant_id',
      line: 8,
      message:
        'invalid variable reference "${1TENANT}": expected ${NAME} with NAME made of letters, digits and "_" (not starting with a digit); write "$$" for a literal "$"',
    },
  ],
  'invalid-both-secret-forms.yaml': [
    { path: 'upstream.auth.access_token_file', line: 8, message: 'both access_token and access_token_file are set; give only one of them' },
  ],
  'invalid-secret-file-missing.yaml': [
    {
      path: 'upstream.auth.bk_app_secret_file',
      line: 6,
      message: `cannot read secret file "secrets/no-such-file.txt" (${path.join(SECRETS_DIR, 'no-such-file.txt')}): no such file`,
    },
  ],
  'invalid-secret-file-empty.yaml': [
    {
      path: 'upstream.auth.bk_app_secret_file',
      line: 6,
      message: `secret file "secrets/empty.txt" (${path.join(SECRETS_DIR, 'empty.txt')}) is empty`,
    },
  ],
  'invalid-secret-file-directory.yaml': [
    { path: 'upstream.auth.access_token_file', line: 7, message: `cannot read secret file "secrets" (${SECRETS_DIR}): it is a directory` },
  ],
  'invalid-secret-file-two-lines.yaml': [
    {
      path: 'upstream.auth.access_token_file',
      line: 7,
      message: `secret file "secrets/two-lines.txt" (${path.join(SECRETS_DIR, 'two-lines.txt')}) holds several lines; expected the secret alone`,
    },
  ],
  'invalid-many.yaml': [
    { path: 'server.listen', line: 3, message: `invalid listen address "localhost": missing ":PORT"; ${LISTEN}` },
    {
      path: 'upstream.base_url',
      line: 5,
      message: '"https://bkapi.example.com/api/bkpaas3/prod?x=1" must not contain a query string or fragment: the API path is appended to it',
    },
    { path: 'upstream.auth.bk_token', line: 9, message: 'environment variable BK_UNSET_TOKEN is not set' },
    { path: 'upstream.timeout', line: 10, message: 'invalid duration "0s": must be greater than 0' },
    { path: 'cache.ttl', line: 12, message: `invalid duration "-15s": must not be negative; ${DURATION}` },
    { path: 'targets[0].labels.job', line: 16, message: `label name "job" is reserved: the exporter sets it itself (${RESERVED})` },
    { path: 'targets[1]', line: 17, message: 'duplicate target demo-app/default/prod (app_code/module/environment): already defined by targets[0]' },
    { path: 'targets[2]', line: 19, message: 'expected a mapping with app_code and environments, got "nope"' },
    { path: 'instance_metrics', line: 20, message: 'expected true or false, got "false"' },
    { path: 'discovery.refresh_interval', line: 22, message: 'expected a duration such as "5m", got 5' },
    {
      path: 'discovery.colour',
      line: 23,
      message:
        'unknown key "colour"; allowed under discovery: enabled, refresh_interval, environments, include_apps, exclude_apps, include_modules, exclude_modules, only_latest_version, labels',
    },
  ],
};

describe('invalid configs', () => {
  test('every invalid-*.yaml fixture has expectations, and every expectation a fixture', () => {
    const fixtures = fs.readdirSync(TESTDATA).filter((f) => /^invalid-.*\.yaml$/.test(f));
    expect(fixtures.sort()).toEqual(Object.keys(CASES).sort());
  });

  test.each(Object.entries(CASES))('%s', (name, expected) => {
    expect(problemsOf(() => loadConfig(fixture(name), TEST_ENV))).toEqual(expected);
  });

  test('the error message lists every problem with its path and line', () => {
    const file = fixture('invalid-duplicate-list-item.yaml');
    expect(() => loadConfig(file, TEST_ENV)).toThrow(
      `invalid config ${file}:\n` +
        '  targets[0].modules[2] (line 10): duplicate module "default": already listed at targets[0].modules[0]\n' +
        '  targets[0].environments[1] (line 13): duplicate environment "prod": already listed at targets[0].environments[0]',
    );
  });
});
