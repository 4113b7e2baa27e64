import { EXPECTS, expectsAt, pathPattern } from '../../src/config/expects';
import { ALLOWED_KEYS } from '../../src/config/schema';
import { parseConfigText } from '../../src/config/load';

describe('EXPECTS', () => {
  const keyPatterns = Object.entries(ALLOWED_KEYS).flatMap(([parent, keys]) =>
    keys.map((k) => (parent === '' ? k : `${parent}.${k}`)),
  );

  test.each(keyPatterns)('has an entry for %s', (pattern) => {
    expect(EXPECTS[pattern]).toEqual(expect.any(String));
  });

  test('has no entry for a key the schema does not have', () => {
    const known = new Set(['', ...Object.keys(ALLOWED_KEYS), ...keyPatterns]);
    const extra = Object.keys(EXPECTS).filter(
      (p) => !known.has(p) && !known.has(p.replace(/\[\]$/, '')) && !known.has(p.replace(/\.\*$/, '')),
    );
    expect(extra).toEqual([]);
  });

  test.each<[Array<string | number>, string]>([
    [[], ''],
    [['cache', 'ttl'], 'cache.ttl'],
    [['targets', 3], 'targets[]'],
    [['targets', 0, 'environments', 1], 'targets[].environments[]'],
    [['targets', 2, 'labels', 'team'], 'targets[].labels.*'],
    [['discovery', 'labels', 'labels'], 'discovery.labels.*'],
  ])('pathPattern(%j) is %j', (path, pattern) => {
    expect(pathPattern(path)).toBe(pattern);
  });

  test('expectsAt looks a path up by its pattern', () => {
    expect(expectsAt(['cache', 'ttl'])).toBe('a duration such as "15s" or "1m30s"');
    expect(expectsAt(['upstream', 'concurrency'])).toBe('an integer from 1 to 1024');
    expect(expectsAt(['targets', 7, 'labels', 'team'])).toBe('a string (numbers and booleans are converted)');
    expect(expectsAt(['nope'])).toBeUndefined();
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
    for (const key of ['discovery.include_apps', 'discovery.include_apps[]', 'discovery.exclude_modules[]']) {
      expect(EXPECTS[key]).toContain('searched for within the name');
      expect(EXPECTS[key]).not.toContain('whole name,');
    }
  });
});
