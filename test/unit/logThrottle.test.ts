import { LogThrottle } from '../../src/logThrottle';

describe('LogThrottle', () => {
  it('logs a repeated failure of a key once per repeat interval, a new reason at once', () => {
    const t = new LogThrottle(60_000, 100, 10_000);
    expect(t.allow('a', 'timeout', 0)).toBe(true);
    expect(t.allow('a', 'timeout', 30_000)).toBe(false);
    expect(t.allow('a', 'server_error', 30_001)).toBe(true);
    expect(t.allow('a', 'server_error', 90_002)).toBe(true);
  });

  it('caps lines per window and reports how many it held back', () => {
    const t = new LogThrottle(60_000, 2, 10_000);
    expect(['a', 'b', 'c', 'd'].map((k) => t.allow(k, 'timeout', 0))).toEqual([true, true, false, false]);
    const flushed: number[] = [];
    expect(t.allow('e', 'timeout', 10_000, (n) => flushed.push(n))).toBe(true);
    expect(flushed).toEqual([2]);
  });

  it('forgets the keys of targets no longer served, and only those', () => {
    const t = new LogThrottle(60_000, 100, 10_000);
    for (const k of ['a', 'b', 'c']) t.allow(k, 'timeout', 0);
    expect(t.size).toBe(3);
    t.retainOnly((key) => key === 'b');
    expect(t.size).toBe(1);
    // A removed key that comes back is a new target: its failure is logged at once; the kept one is still held.
    expect(t.allow('a', 'timeout', 1_000)).toBe(true);
    expect(t.allow('b', 'timeout', 1_000)).toBe(false);
  });
});
