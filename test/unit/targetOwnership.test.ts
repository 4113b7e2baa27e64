/**
 * The pool owns its targets' records: what it hands out (`list`, `get`, and through the exporter
 * `/`, `/sd` and `--once`) is a read-only TargetState that follows the target, and the targets'
 * series live in their groups, held once, in the very buffers a scrape writes.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { TargetSpec } from '../../src/config/types';
import type { ProcessSnapshot } from '../../src/model/snapshot';
import { TargetPool, type PoolSettings } from '../../src/scheduler/targetPool';
import type { TargetState } from '../../src/scheduler/targetState';
import { UpstreamError } from '../../src/upstream/errors';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Collects garbage until the ArrayBuffer total stops falling: V8 frees the memory of dead
 * ArrayBuffers on a background thread after a collection, so one gc() may still count them.
 */
async function settledArrayBuffers(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = process.memoryUsage().arrayBuffers;
    if (now >= last) return now;
    last = now;
  }
  return last;
}

const SETTINGS: PoolSettings = { ttlMs: 60_000, concurrency: 8, timeoutMs: 10_000, instanceMetrics: true };
const spec = (app: string): TargetSpec => ({ app_code: app, module_name: 'default', environment: 'prod', labels: { team: 't' }, source: 'test' });

/** 3 process types × 5 instances: ~5 KB of exposition per target with instance metrics. */
const SNAPSHOT: ProcessSnapshot = {
  processes: ['web', 'worker', 'beat'].map((type) => ({ type, name: `app--${type}`, replicas: 5, success: 5, failed: 0, version: 175, cluster_link: `http://${type}` })),
  instances: ['web', 'worker', 'beat'].flatMap((type) =>
    Array.from({ length: 5 }, (_, i) => ({ process_type: type, name: `app--${type}-5d8f7b9c4-${i}abcd`, state: 'Running', ready: true, restart_count: i, version: 175, image: 'mirrors/app:175', start_time: 1723773675 })),
  ),
  specs: ['web', 'worker', 'beat'].map((name) => ({ name, target_replicas: 5, max_replicas: 8, target_status: 'start' as const })),
};

const newPool = () =>
  new TargetPool(async (t) => {
    if (t.app_code === 'broken') throw new UpstreamError('server_error', 'upstream answered 500');
    return SNAPSHOT;
  }, SETTINGS);

/** Never called: each write must fail to compile (ts-jest type-checks this file). */
function writesThatMustNotCompile(t: TargetState, all: readonly TargetState[]): void {
  // @ts-expect-error the pool alone schedules fetches
  t.nextDueAt = 0;
  // @ts-expect-error health follows the last fetch
  t.health = 'up';
  // @ts-expect-error the pool alone marks a target undeployed
  t.undeployed = true;
  // @ts-expect-error the last fetch's error is the pool's record
  t.lastError = undefined;
  // @ts-expect-error the duration is rendered as a gauge
  t.durationSeconds = 0;
  // @ts-expect-error the spec is the config's
  t.spec.app_code = 'other';
  // @ts-expect-error its labels too
  t.spec.labels.team = 'other';
  // @ts-expect-error the error counts are rendered as a counter
  t.errorCounts.set('timeout', 1);
  // @ts-expect-error the error itself is read-only too
  t.lastError!.reason = 'timeout';
  // @ts-expect-error the list is the pool's
  all.push(t);
}

describe('the targets the pool hands out', () => {
  it('are read-only to the compiler', () => {
    expect(writesThatMustNotCompile).toBeInstanceOf(Function);
  });

  it('follow the target: the same view reads each completed fetch', async () => {
    const pool = newPool();
    pool.setTargets([spec('good'), spec('broken')]);
    const good = pool.get('good/default/prod')!;
    const broken = pool.list()[1];
    expect([good.health, broken.health]).toEqual(['pending', 'pending']);
    const started = Date.now();
    await pool.refresh(Date.now() + 10_000);
    expect(pool.list()[0]).toBe(good);
    expect(good).toMatchObject({ key: 'good/default/prod', health: 'up', undeployed: false, failuresInARow: 0, inflight: undefined });
    expect(good.lastSuccessAt).toBeGreaterThanOrEqual(started);
    expect(good.nextDueAt).toBeGreaterThanOrEqual(started + SETTINGS.ttlMs);
    expect(broken).toMatchObject({ health: 'down', failuresInARow: 1, lastSuccessAt: undefined });
    expect(broken.lastError).toMatchObject({ reason: 'server_error', message: 'upstream answered 500' });
    expect([...broken.errorCounts]).toEqual([['server_error', 1]]);
    expect(pool.renderOne('good/default/prod')).toContain('bkpaas_target_up{app_code="good",module_name="default",environment="prod",team="t"} 1\n');
    expect(pool.renderOne('gone/default/prod')).toBeUndefined();
    pool.close();
  });

  it('expire makes a served target due now, whatever its backoff', async () => {
    const pool = newPool();
    pool.setTargets([spec('broken')]);
    await pool.refresh(Date.now() + 10_000);
    const broken = pool.get('broken/default/prod')!;
    expect(broken.nextDueAt).toBeGreaterThan(Date.now());
    expect(pool.expire('broken/default/prod')).toBe(true);
    expect(pool.expire('gone/default/prod')).toBe(false);
    await pool.refresh(Date.now() + 10_000);
    expect(broken.failuresInARow).toBe(2);
    pool.close();
  });
});

describe("the targets' series", () => {
  it('are held once after a refresh: in the buffers a scrape writes, and nowhere else', async () => {
    const n = 1_000;
    const base = await settledArrayBuffers();
    const pool = newPool();
    pool.setTargets(Array.from({ length: n }, (_, i) => spec(`app-${i}`)));
    await pool.refresh(Date.now() + 60_000);
    const rendered = pool.rendered();
    const held = (await settledArrayBuffers()) - base;
    expect(pool.list().every((t) => t.health === 'up')).toBe(true);
    expect(rendered.length).toBeGreaterThan(n * 4_000);
    // Held twice (a target's own buffer besides its group's pack) would be ~2.
    expect(held / rendered.length).toBeLessThan(1.5);
    pool.close();
  });

  it('are let go as a refresh replaces them: the exposition last served is not held until the next scrape', async () => {
    const n = 1_000;
    let gate: Promise<void> = Promise.resolve();
    let fetched = 0;
    const pool = new TargetPool(async (t) => {
      fetched += 1;
      if (t.app_code === 'slow') await gate;
      return SNAPSHOT;
    }, { ...SETTINGS, ttlMs: 1 });
    pool.setTargets([...Array.from({ length: n }, (_, i) => spec(`app-${i}`)), spec('slow')]);
    const base = await settledArrayBuffers();
    await pool.refresh(Date.now() + 60_000);
    const served = new WeakRef(pool.rendered());
    const length = served.deref()!.length;
    const once = (await settledArrayBuffers()) - base;
    // A refresh under way: every target but one has a new render, and no scrape has asked for it yet.
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    fetched = 0;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const refreshing = pool.refresh(Date.now() + 60_000);
    while (fetched < n + 1 || pool.list().slice(0, n).some((t) => t.inflight)) await new Promise((resolve) => setTimeout(resolve, 10));
    const during = (await settledArrayBuffers()) - base;
    expect(served.deref()).toBeUndefined();
    // Held until the next scrape, the old exposition's packs made this ~2.
    expect(during / once).toBeLessThan(1.4);
    expect(length).toBeGreaterThan(n * 4_000);
    open();
    await refreshing;
    expect(pool.list().every((t) => t.health === 'up' && !t.inflight)).toBe(true);
    pool.close();
  });
});
