import { z } from 'zod';

import { expectsAt, listExpectations, pathPattern } from '../../src/config/expects';
import { ALLOWED_KEYS } from '../../src/config/schema';
import { parseConfigText } from '../../src/config/load';

describe('what each key expects, read from the schema', () => {
  const keyPatterns = Object.entries(ALLOWED_KEYS).flatMap(([parent, keys]) =>
    keys.map((k) => (parent === '' ? k : `${parent}.${k}`)),
  );
  const byPattern = new Map(listExpectations().map((e) => [e.pattern, e.expects]));

  test.each(keyPatterns)('has a text for %s', (pattern) => {
    expect(byPattern.get(pattern)).toEqual(expect.any(String));
  });

  test('every node of the config schema (keys, list elements, label values) carries a text', () => {
    expect(listExpectations().filter((e) => e.expects === undefined)).toEqual([]);
    expect(byPattern.get('')).toBe('a mapping');
    expect(byPattern.get('targets[].environments[]')).toBe('an environment name of letters, digits, ".", "_", "~" and "-", such as "stag" or "prod"');
    expect(byPattern.get('discovery.labels.*')).toBe('a string (numbers and booleans are converted)');
  });

  test('the walk sees through optional, default, prefault and pipe, and reports nodes without a text', () => {
    const schema = z
      .strictObject({
        timeout: z.string().transform(Number).prefault('1').meta({ expects: 'outer' }),
        inner: z.string().meta({ expects: 'inner' }).transform(Number).optional(),
        list: z.array(z.number().meta({ expects: 'element' })).default(() => []),
        tags: z.record(z.string(), z.string().meta({ expects: 'value' })).prefault({}),
      })
      .meta({ expects: 'root' });
    expect(listExpectations(schema)).toEqual([
      { pattern: '', expects: 'root' },
      { pattern: 'timeout', expects: 'outer' },
      { pattern: 'inner', expects: 'inner' },
      { pattern: 'list', expects: undefined },
      { pattern: 'list[]', expects: 'element' },
      { pattern: 'tags', expects: undefined },
      { pattern: 'tags.*', expects: 'value' },
    ]);
    expect(expectsAt(['list', 4], schema)).toBe('element');
    expect(expectsAt(['tags', 'list'], schema)).toBe('value');
    expect(expectsAt(['timeout', 'x'], schema)).toBeUndefined();
  });

  test.each<[Array<string | number>, string]>([
    [[], ''],
    [['cache', 'ttl'], 'cache.ttl'],
    [['targets', 3], 'targets[]'],
    [['targets', 0, 'environments', 1], 'targets[].environments[]'],
    [['targets', 2, 'labels', 'team'], 'targets[].labels.*'],
    [['discovery', 'labels', 'labels'], 'discovery.labels.*'],
    [['nope', 2, 'x'], 'nope[].x'],
  ])('pathPattern(%j) is %j', (path, pattern) => {
    expect(pathPattern(path)).toBe(pattern);
  });

  test('expectsAt looks a path up in the schema', () => {
    expect(expectsAt(['cache', 'ttl'])).toBe('a duration such as "15s" or "1m30s"');
    expect(expectsAt(['upstream', 'concurrency'])).toBe('an integer from 1 to 1024');
    expect(expectsAt(['upstream', 'auth', 'bk_token_file'])).toBe('the path of a file holding bk_token');
    expect(expectsAt(['targets', 7, 'labels', 'team'])).toBe('a string (numbers and booleans are converted)');
    expect(expectsAt(['nope'])).toBeUndefined();
    expect(expectsAt(['cache', 'ttl', 'x'])).toBeUndefined();
  });
});

describe('discovery regular expressions', () => {
  test('are described as the code applies them: searched within the name, not anchored', () => {
    const config = parseConfigText(
      'upstream: {base_url: "https://bkapi.example.com/api/bkpaas3/prod", auth: {bk_app_code: a, bk_app_secret: s, access_token: t}}\n' +
        'discovery: {enabled: true, include_apps: ["pay"]}\n',
      { env: {} },
    ).config;
    const [include] = config.discovery!.include_apps;
    // Matched within the name: "pay" selects "old-pay-gateway" too.
    expect(include.test('old-pay-gateway')).toBe(true);
    for (const path of [['discovery', 'include_apps'], ['discovery', 'include_apps', 0], ['discovery', 'exclude_modules', 2]]) {
      expect(expectsAt(path)).toContain('searched for within the name');
      expect(expectsAt(path)).not.toContain('whole name,');
    }
  });
});
