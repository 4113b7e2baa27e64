/**
 * A reload's new target set is made in slices (TargetPool.setTargetsInSlices): the same set as
 * setTargets, records kept where setTargets keeps them, the event loop never held for long, and a
 * later call wins over one still running.
 */
import type { TargetSpec } from '../../src/config/types';
import { TargetPool, type PoolSettings } from '../../src/scheduler/targetPool';
import { TURN_MS, turnSpent } from '../../src/slices';

const SETTINGS: PoolSettings = { ttlMs: 15_000, concurrency: 16, timeoutMs: 10_000, instanceMetrics: false };
const specs = (n: number, prefix = 'app'): TargetSpec[] =>
  Array.from({ length: n }, (_, i) => ({ app_code: `${prefix}-${i}`, module_name: 'default', environment: 'prod', labels: {}, source: 'test' }));
const newPool = () => new TargetPool(async () => ({ processes: [], instances: [], specs: [] }), SETTINGS);

describe('TargetPool.setTargetsInSlices', () => {
  it('makes the same set as setTargets and keeps the records setTargets would keep', async () => {
    const pool = newPool();
    pool.setTargets(specs(100), SETTINGS);
    const kept = pool.get('app-7/default/prod');
    await pool.setTargetsInSlices([...specs(50), ...specs(60, 'new')], SETTINGS);
    expect(pool.list().map((r) => r.key)).toEqual([...specs(50), ...specs(60, 'new')].map((s) => `${s.app_code}/default/prod`));
    expect(pool.get('app-7/default/prod')).toBe(kept);
    expect(pool.get('app-70/default/prod')).toBeUndefined();
  });

  it('a later call wins over one still running', async () => {
    const pool = newPool();
    const first = pool.setTargetsInSlices(specs(20_000, 'old'), SETTINGS);
    pool.setTargets(specs(3, 'latest'), SETTINGS);
    await first;
    expect(pool.list().map((r) => r.spec.app_code)).toEqual(['latest-0', 'latest-1', 'latest-2']);
  });

  it('never holds the event loop for long: its longest pause is well under what setTargets blocks (at most half; a tenth on an idle machine)', async () => {
    const n = 20_000;
    const started = performance.now();
    newPool().setTargets(specs(n), SETTINGS);
    const blocking = performance.now() - started;

    let longest = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    await newPool().setTargetsInSlices(specs(n), SETTINGS);
    clearInterval(timer);
    expect({ longest: Math.round(longest), blocking: Math.round(blocking), belowHalf: longest < blocking / 2 }).toMatchObject({ belowHalf: true });
  });
});

describe('TargetPool.refresh of many due targets', () => {
  // A fetcher that never answers: every started target stays in flight (or in line for a slot).
  const hangingPool = () => new TargetPool(() => new Promise<never>(() => undefined), SETTINGS);
  const inFlight = (pool: TargetPool) => pool.list().filter((r) => r.inflight).length;

  it('puts them in line in steps with event-loop turns between, until every one is in flight', async () => {
    const pool = hangingPool();
    pool.setTargets(specs(20_000), SETTINGS);
    void pool.refresh(Date.now() + 60_000);
    // Seen at each turn: some of them in line, not yet all (at once, the first look saw 20 000).
    const seen = [inFlight(pool)];
    for (let k = 0; k < 1000 && seen[seen.length - 1] < 20_000; k++) {
      await new Promise((r) => setImmediate(r));
      seen.push(inFlight(pool));
    }
    expect(seen[seen.length - 1]).toBe(20_000);
    expect(seen.some((n) => n > 0 && n < 20_000)).toBe(true);
    pool.close();
  });

  it('does not start a target that a reload dropped meanwhile', async () => {
    // Slots for all: every target put in line is fetched at once, so the fetcher sees each start.
    const wide = { ...SETTINGS, concurrency: 100_000 };
    const fetched = new Set<string>();
    const pool = new TargetPool((spec) => {
      fetched.add(spec.app_code);
      return new Promise<never>(() => undefined);
    }, wide);
    pool.setTargets(specs(20_000), wide);
    void pool.refresh(Date.now() + 60_000);
    // Drop every target not put in line yet but the last 100.
    const started = new Set(pool.list().filter((r) => r.inflight).map((r) => r.spec.app_code));
    const kept = specs(20_000).filter((s, i) => started.has(s.app_code) || i >= 19_900);
    expect(kept.length).toBeLessThan(20_000);
    pool.setTargets(kept, wide);
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    // The refresh went on over the kept targets only.
    expect([...fetched].sort()).toEqual(kept.map((s) => s.app_code).sort());
    pool.close();
  });
});

describe('TargetPool: a request started by an answer', () => {
  it("waits for the next turn when this turn's budget for sliced work is spent (answers arriving together start no burst of requests in their turn)", async () => {
    // Concurrency 1: the second target's request starts when the first one's answer frees the slot.
    let nextTurnRan = false;
    const startedAfterNextTurn: boolean[] = [];
    const pool = new TargetPool(async () => {
      startedAfterNextTurn.push(nextTurnRan);
      await new Promise((resolve) => setTimeout(resolve, 5));
      // The answer's turn: sliced work has run 25 ms in it (over TURN_MS), and a turn is queued after it.
      turnSpent();
      const until = performance.now() + TURN_MS + 5;
      while (performance.now() < until);
      nextTurnRan = false;
      setImmediate(() => (nextTurnRan = true));
      return { processes: [], instances: [], specs: [] };
    }, { ...SETTINGS, concurrency: 1 });
    // The pool's settings are the ones given to setTargets.
    pool.setTargets(specs(2), { ...SETTINGS, concurrency: 1 });
    await pool.refresh(Date.now() + 10_000);
    expect(startedAfterNextTurn).toEqual([false, true]);
    pool.close();
  });
});
