/**
 * A reload's new target set is made in slices (TargetPool.setTargetsInSlices): the same set as
 * setTargets, records kept where setTargets keeps them, the event loop never held for long, and a
 * later call wins over one still running.
 */
import type { TargetSpec } from '../../src/config/types';
import { TargetPool, type PoolSettings } from '../../src/scheduler/targetPool';

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
