import { expandEnv, expandString } from '../../src/config/expand';

const ENV: NodeJS.ProcessEnv = { HOST: 'bkapi.example.com', EMPTY: '', SECRET: 'ENVSECRET-x', DOLLAR: '$${NOT_EXPANDED}' };
const BAD_REF = 'expected ${NAME} with NAME made of letters, digits and "_" (not starting with a digit); write "$$" for a literal "$"';

describe('expandString', () => {
  test.each<[string, string]>([
    ['plain', 'plain'],
    ['https://${HOST}/api', 'https://bkapi.example.com/api'],
    ['${HOST}${HOST}', 'bkapi.example.combkapi.example.com'],
    ['$$', '$'],
    ['$${HOST}', '${HOST}'],
    ['$$$${HOST}', '$${HOST}'],
    ['cost: $$5', 'cost: $5'],
    ['a$b', 'a$b'],
    ['trailing $', 'trailing $'],
    ['$HOST', '$HOST'],
    ['x${EMPTY}y', 'xy'],
    // A variable's value is not expanded again.
    ['${DOLLAR}', '$${NOT_EXPANDED}'],
  ])('%j → %j', (input, output) => {
    expect(expandString(input, ENV)).toEqual({ value: output, problems: [] });
  });

  test.each<[string, { secret?: boolean; sensitive?: boolean }, string[]]>([
    ['${MISSING}', {}, ['environment variable MISSING is not set']],
    ['${A_MISSING}-${B_MISSING}', {}, ['environment variable A_MISSING is not set', 'environment variable B_MISSING is not set']],
    ['${EMPTY}', { secret: true, sensitive: true }, ['environment variable EMPTY is set but empty; a secret must not be empty']],
    ['${1X}', {}, [`invalid variable reference "\${1X}": ${BAD_REF}`]],
    ['${}', {}, [`invalid variable reference "\${}": ${BAD_REF}`]],
    ['${A-B}', {}, [`invalid variable reference "\${A-B}": ${BAD_REF}`]],
    ['abc${HOST', {}, [`invalid variable reference "\${HOST": ${BAD_REF}`]],
    // In a sensitive value the reference is located, not quoted: it may be part of a secret.
    ['pa55${w0rd', { secret: true, sensitive: true }, [`invalid variable reference at character 5: ${BAD_REF}`]],
  ])('%j reports %j', (input, opts, problems) => {
    expect(expandString(input, ENV, opts).problems).toEqual(problems);
  });

  test('an empty variable is fine outside secrets', () => {
    expect(expandString('${EMPTY}', ENV, { secret: false })).toEqual({ value: '', problems: [] });
  });
});

describe('expandEnv', () => {
  test('expands every string value, at any depth, and leaves keys and other types alone', () => {
    const input = {
      '${HOST}': 'key stays',
      upstream: { base_url: 'https://${HOST}', concurrency: 4, auth: { bk_app_secret: '${SECRET}' } },
      targets: [{ app_code: 'a', environments: ['${HOST}', 'prod'], only_latest_version: true }],
      nothing: null,
    };
    const { value, problems } = expandEnv(input, ENV);
    expect(problems).toEqual([]);
    expect(value).toEqual({
      '${HOST}': 'key stays',
      upstream: { base_url: 'https://bkapi.example.com', concurrency: 4, auth: { bk_app_secret: 'ENVSECRET-x' } },
      targets: [{ app_code: 'a', environments: ['bkapi.example.com', 'prod'], only_latest_version: true }],
      nothing: null,
    });
    // The input is not modified.
    expect(input.upstream.base_url).toBe('https://${HOST}');
  });

  test('reports each problem with the YAML path of its value', () => {
    const { problems } = expandEnv(
      {
        upstream: { auth: { bk_app_secret: '${BK_APP_SECRET}', access_token: '${EMPTY}', bk_username: '${EMPTY}' } },
        targets: [{ environments: ['prod', '${ENV_NAME}'] }],
      },
      ENV,
    );
    expect(problems).toEqual([
      { path: ['upstream', 'auth', 'bk_app_secret'], message: 'environment variable BK_APP_SECRET is not set' },
      { path: ['upstream', 'auth', 'access_token'], message: 'environment variable EMPTY is set but empty; a secret must not be empty' },
      { path: ['targets', 0, 'environments', 1], message: 'environment variable ENV_NAME is not set' },
    ]);
  });

  test('a secret with a missing variable is left unexpanded, never empty', () => {
    const { value } = expandEnv({ upstream: { auth: { bk_app_secret: '${NOPE}' } } }, ENV);
    expect(value).toEqual({ upstream: { auth: { bk_app_secret: '${NOPE}' } } });
  });
});
