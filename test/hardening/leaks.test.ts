/**
 * What the soak found, pinned down: every fetch's time budget is released when the fetch ends
 * (Node 20's AbortSignal.any, composed with the pool's long-lived shutdown signal, kept ~60 bytes
 * per fetch forever), and shutdown still aborts the fetches in flight.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { TargetSpec } from '../../src/config/types';
import type { ProcessSnapshot } from '../../src/model/snapshot';
import { Budgets } from '../../src/scheduler/budgets';
import { TargetPool } from '../../src/scheduler/targetPool';
import { UpstreamError } from '../../src/upstream/errors';
import { sleep } from '../helpers/sleep';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const spec = (i: number): TargetSpec => ({ app_code: `a${i}`, module_name: 'default', environment: 'prod', labels: {}, source: 'test' });
const EMPTY: ProcessSnapshot = { processes: [], instances: [], specs: [] };

describe('per-fetch budgets', () => {
  it('100 000 fetches leave the heap flat', async () => {
    let fetches = 0;
    const pool = new TargetPool(
      async () => {
        fetches++;
        return EMPTY;
      },
      { ttlMs: 0, concurrency: 8, timeoutMs: 10_000, instanceMetrics: false },
    );
    pool.setTargets(Array.from({ length: 100 }, (_, i) => spec(i)));
    const round = async () => {
      for (let i = 0; i < 100; i++) await pool.refresh(Date.now() + 10_000);
    };
    await round(); // warm-up
    const before = heapMb();
    for (let i = 0; i < 10; i++) await round();
    const after = heapMb();
    expect(fetches).toBe(11 * 100 * 100);
    // The leak was ~60 bytes per fetch (6 MB here); what remains is noise.
    expect(after - before).toBeLessThan(1.5);
    pool.close();
  });

  it('shutdown aborts the fetches in flight, and a failing fetch releases its budget too', async () => {
    const budgets = new Budgets();
    const a = budgets.start(60_000);
    const b = budgets.start(60_000);
    b.release();
    expect(budgets.size).toBe(1);
    budgets.close(new Error('bye'));
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    expect(budgets.start(1_000).signal.aborted).toBe(true);

    const timed = new Budgets().start(20);
    await sleep(40);
    expect(timed.signal.aborted).toBe(true);
    expect((timed.signal.reason as DOMException).name).toBe('TimeoutError');

    let seen: AbortSignal | undefined;
    const pool = new TargetPool(
      (_t, signal) => {
        seen = signal;
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new UpstreamError('timeout', 'aborted'))));
      },
      { ttlMs: 60_000, concurrency: 1, timeoutMs: 60_000, instanceMetrics: false },
    );
    pool.setTargets([spec(0)]);
    void pool.refresh(Date.now() + 50);
    await sleep(20);
    pool.close();
    expect(seen?.aborted).toBe(true);
  });
});
