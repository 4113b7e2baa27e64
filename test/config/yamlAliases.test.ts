/**
 * YAML anchors and aliases: what real configs do (one anchor used for every target) loads; a
 * document that expands without bound ("billion laughs") or an alias inside its own anchor is
 * refused with the limit and the line of the alias at fault.
 */
import { MAX_ALIAS_EXPANSION } from '../../src/config/aliases';
import { parseConfigText } from '../../src/config/load';
import { TEST_ENV, expectConfigError } from './helpers';

const HEAD = `upstream:
  base_url: https://bkapi.example.com/api/bkpaas3/prod
  auth: {bk_app_code: a, bk_app_secret: s, bk_username: u}
`;

describe('YAML aliases', () => {
  test('one anchor used by 100 targets loads', () => {
    const doc = `${HEAD}targets:
  - app_code: first
    environments: &envs [stag, prod]
    labels: &team {team: payments}
${Array.from({ length: 100 }, (_, i) => `  - {app_code: app-${i}, environments: *envs, labels: *team}\n`).join('')}`;
    const { config } = parseConfigText(doc, { env: TEST_ENV });
    expect(config.targets).toHaveLength(2 * 101);
    expect(config.targets[201]).toMatchObject({ app_code: 'app-99', environment: 'prod', labels: { team: 'payments' } });
  });

  test('one mapping of defaults merged into 100 targets (<<: *defaults) loads', () => {
    const doc = `${HEAD}targets:
  - &defaults {app_code: first, environments: [stag, prod], only_latest_version: true}
${Array.from({ length: 100 }, (_, i) => `  - {<<: *defaults, app_code: app-${i}}\n`).join('')}`;
    const { config } = parseConfigText(doc, { env: TEST_ENV });
    expect(config.targets).toHaveLength(2 * 101);
    expect(config.targets[201]).toMatchObject({ app_code: 'app-99', environment: 'prod', only_latest_version: true });
  });

  test('a billion-laughs document is refused at the alias that crosses the limit, with the limit and the line', () => {
    const levels = 'abcdefghi'.split('');
    const lines = [
      `${levels[0]}: &${levels[0]} [${Array(9).fill('"lol"').join(', ')}]`,
      ...levels.slice(1).map((l, i) => `${l}: &${l} [${Array(9).fill(`*${levels[i]}`).join(', ')}]`),
    ];
    const started = Date.now();
    const err = expectConfigError(() => parseConfigText(`${HEAD}${lines.join('\n')}\n`, { env: TEST_ENV }));
    expect(Date.now() - started).toBeLessThan(5_000);
    // Level g (line 4 + 6 = 10) is the first whose first alias (*f, ~600 000 values) crosses 1 000 000.
    expect(err.problems).toEqual([
      {
        path: '',
        line: 10,
        message:
          `YAML aliases add more than ${MAX_ALIAS_EXPANSION} values to the document by this alias (*f): ` +
          'a document that expands this much (a "billion laughs") is refused; write the values out or use fewer aliases of large anchors',
      },
    ]);
    expect(MAX_ALIAS_EXPANSION).toBe(1_000_000);
  });

  test('an alias inside its own anchor (a cycle) is refused with its line, not a stack overflow', () => {
    const err = expectConfigError(() => parseConfigText(`${HEAD}targets: &loop\n  - *loop\n`, { env: TEST_ENV }));
    expect(err.problems).toEqual([{ path: '', line: 5, message: 'YAML alias *loop stands for a node that contains it: a cycle has no end' }]);
  });
});
