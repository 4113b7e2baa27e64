/** No secret value may appear in any error message, warning or summary. */
import * as fs from 'node:fs';

import { describeConfig } from '../../src/config/summary';
import { loadConfig, parseConfigText } from '../../src/config/load';
import { SECRET_MARKERS, TESTDATA, TEST_ENV, expectConfigError, fixture } from './helpers';

function expectNoSecret(text: string): void {
  for (const marker of SECRET_MARKERS) expect(text).not.toContain(marker);
}

const INVALID = fs.readdirSync(TESTDATA).filter((f) => /^invalid-.*\.yaml$/.test(f));

describe('no secret in error messages', () => {
  test('the fixtures do hold secrets (or this suite would prove nothing)', () => {
    const holding = INVALID.filter((f) => /TOPSECRET|8675309123456/.test(fs.readFileSync(fixture(f), 'utf8')));
    expect(holding.length).toBeGreaterThan(INVALID.length / 2);
  });

  test.each(INVALID)('%s', (name) => {
    const err = expectConfigError(() => loadConfig(fixture(name), TEST_ENV));
    expectNoSecret(err.message);
    expectNoSecret(JSON.stringify(err.problems));
  });

  const SECRET = 'TOPSECRET-value-42';
  const wrap = (auth: string, rest = 'targets: [{app_code: a, environments: [prod]}]\n') =>
    `upstream:\n  base_url: https://bkapi.example.com/api\n  auth:\n${auth}${rest}`;

  test.each<[string, string]>([
    ['a secret in a list', wrap(`    bk_app_code: a\n    bk_app_secret: [${SECRET}]\n    bk_username: u\n`)],
    ['a secret in a mapping', wrap(`    bk_app_code: a\n    bk_app_secret: {v: ${SECRET}}\n    bk_username: u\n`)],
    ['a numeric secret', wrap(`    bk_app_code: a\n    bk_app_secret: s\n    access_token: 8675309123456\n`)],
    ['a boolean-looking secret elsewhere wrong', wrap(`    bk_app_code: a\n    bk_app_secret: ${SECRET}\n    bk_token: true\n`)],
    ['auth given as a string', wrap(`    ${SECRET}\n`)],
    ['bk_app_code of the wrong type next to secrets', wrap(`    bk_app_code: [x]\n    bk_app_secret: ${SECRET}\n    bk_ticket: ${SECRET}\n`)],
    ['an unknown key holding a secret', wrap(`    bk_app_code: a\n    bk_app_secret: s\n    bk_username: u\n    app_secret: ${SECRET}\n`)],
    ['a bad ${...} in a secret', wrap(`    bk_app_code: a\n    bk_app_secret: "${SECRET}\${oops"\n    bk_username: u\n`)],
    ['a bad escape in a quoted secret', wrap(`    bk_app_code: a\n    bk_app_secret: "${SECRET}\\q"\n    bk_username: u\n`)],
    // The YAML parser quotes the text after a block scalar indicator.
    ['a block scalar header run into the secret', wrap(`    bk_app_code: a\n    bk_app_secret: >-${SECRET}\n      x\n    bk_username: u\n`)],
    ['a bad escape in a flow mapping', wrap(`    {bk_app_code: a, bk_app_secret: "${SECRET}\\q", bk_username: u}\n`)],
    ['credentials in base_url', `upstream:\n  base_url: https://u:${SECRET}@bkapi.example.com/api\n  auth: {bk_app_code: a, bk_app_secret: s, bk_username: u}\ntargets: []\n`],
    ['an unparsable base_url with credentials', `upstream:\n  base_url: "https://u:${SECRET}@[bad"\n  auth: {bk_app_code: a, bk_app_secret: s, bk_username: u}\ntargets: []\n`],
    ['both forms of a secret', wrap(`    bk_app_code: a\n    bk_app_secret: ${SECRET}\n    bk_app_secret_file: /etc/hostname\n    bk_username: u\n`)],
    ['a secret misplaced at the top level', wrap(`    bk_app_code: a\n    bk_app_secret: s\n    bk_username: u\n`, `bk_app_secret: ${SECRET}\ntargets: []\n`)],
  ])('%s', (_name, text) => {
    const err = expectConfigError(() => parseConfigText(text, { env: TEST_ENV }));
    expect(err.problems.length).toBeGreaterThan(0);
    expectNoSecret(err.message);
  });

  test('secrets from the environment and from files stay out of messages about other keys', () => {
    const err = expectConfigError(() =>
      loadConfig(fixture('invalid-many.yaml'), { ...TEST_ENV, BK_UNSET_TOKEN: 'ENVSECRET-but-empty-is-ok-here' }),
    );
    expectNoSecret(err.message);
  });
});

describe('no secret in the summary', () => {
  test.each(['valid-full.yaml', 'valid-secret-files.yaml', 'valid-minimal.yaml'])('%s', (name) => {
    const { config } = loadConfig(fixture(name), TEST_ENV);
    const summary = describeConfig(config, name);
    expectNoSecret(summary);
    for (const value of [config.upstream.auth.bk_ticket, config.upstream.auth.bk_token]) {
      if (value !== undefined) expect(summary).not.toContain(value);
    }
  });
});
