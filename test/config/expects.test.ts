import { EXPECTS, expectsAt, pathPattern } from '../../src/config/expects';
import { ALLOWED_KEYS } from '../../src/config/schema';

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
