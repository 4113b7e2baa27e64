/**
 * Work that grows with an upstream answer runs in steps: parsing, aggregating and rendering a
 * large target yield every ITEMS_PER_STEP items, and runInSlices gives the event loop turns in
 * between, with the same result as running at once.
 */
import { renderSteps, renderTargetChunks, type TargetView } from '../../src/metrics/targetChunks';
import { aggregate, aggregateSteps } from '../../src/model/aggregate';
import { ITEMS_PER_STEP, TURN_MS, runAtOnce, runInSlices, type Steps } from '../../src/slices';
import { parseProcessList, parseSteps } from '../../src/upstream/parse';

const ITEMS = 20 * ITEMS_PER_STEP;

function body(): unknown {
  return {
    processes: {
      items: Array.from({ length: ITEMS }, (_, i) => ({ type: 'web', name: `web-${i}`, replicas: 2, success: 1, failed: 1, version: 7, cluster_link: `http://web-${i}` })),
    },
    instances: { items: Array.from({ length: ITEMS }, (_, i) => ({ process_type: 'web', name: `web-x-${i}`, state: 'Running', ready: true, restart_count: 1, version: '7' })) },
  };
}

function view(rows: TargetView['rows']): TargetView {
  return { labels: 'app_code="a",module_name="m",environment="e"', up: true, durationSeconds: 1, errorCounts: new Map(), rows, instanceMetrics: true };
}

/** Runs the steps at once, counting its yields. */
function yieldsOf<T>(work: Steps<T>): number {
  let n = 0;
  while (!work.next().done) n += 1;
  return n;
}

describe('steps', () => {
  it('parse, aggregate and render each yield once per ITEMS_PER_STEP items (series for render)', () => {
    const snapshot = parseProcessList(body());
    const rows = aggregate(snapshot);
    expect(yieldsOf(parseSteps(body()))).toBeGreaterThanOrEqual((2 * ITEMS) / ITEMS_PER_STEP);
    expect(yieldsOf(aggregateSteps(snapshot))).toBeGreaterThanOrEqual((2 * ITEMS) / ITEMS_PER_STEP);
    // One info series per process item, three per instance (no start_time): a yield per
    // ITEMS_PER_STEP series, give or take the partial batches at the ends.
    expect(yieldsOf(renderSteps(view(rows)))).toBeGreaterThanOrEqual((4 * ITEMS) / ITEMS_PER_STEP - 2);
  });

  it('in slices, the event loop gets turns, and the result is the same as at once', async () => {
    const snapshot = parseProcessList(body());
    let turns = 0;
    const timer = setInterval(() => (turns += 1), 0);
    try {
      // A zero-length slice: a turn after every step.
      const sliced = await runInSlices(parseSteps(body()), 0);
      const rows = await runInSlices(aggregateSteps(sliced), 0);
      const chunks = await runInSlices(renderSteps(view(rows)), 0);
      expect(turns).toBeGreaterThan(10);
      expect(sliced).toEqual(snapshot);
      expect(rows).toEqual(aggregate(snapshot));
      expect(chunks.ranges).toEqual(renderTargetChunks(view(rows)).ranges);
      expect(chunks.bytes.equals(renderTargetChunks(view(rows)).bytes)).toBe(true);
    } finally {
      clearInterval(timer);
    }
  });

  it('works started together share one budget per turn of the event loop: the rest waits for later turns', async () => {
    // 50 targets' answers arriving at once, each 5 ms of work in one step: in one turn they
    // would hold timers, scrapes and /healthz for 250 ms.
    const STEP_MS = 5;
    // One step of work each: a generator that finishes without yielding.
    // eslint-disable-next-line require-yield
    const busy = function* (): Steps<number> {
      const started = performance.now();
      while (performance.now() - started < STEP_MS);
      return turn;
    };
    let turn = 0;
    let done = false;
    const tick = () => {
      turn += 1;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const turns = await Promise.all(Array.from({ length: 50 }, () => runInSlices(busy())));
    done = true;
    const perTurn = new Map<number, number>();
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    // Each turn runs work until TURN_MS is spent, then one step more at most (a slower machine
    // fits fewer): never all of them.
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(Math.ceil(TURN_MS / STEP_MS) + 1);
    expect(turns).toHaveLength(50);
  });

  it('a parse error found in a later slice is the same invalid_response as at once', async () => {
    const b = body() as { processes: { items: Array<Record<string, unknown>> } };
    b.processes.items[ITEMS - 1].replicas = -5;
    const message = `unexpected response shape at processes.items[${ITEMS - 1}].replicas: expected a non-negative integer (or a string of one), got -5`;
    await expect(runInSlices(parseSteps(b), 0)).rejects.toMatchObject({ reason: 'invalid_response', message });
    expect(() => runAtOnce(parseSteps(b))).toThrow(message);
  });

  it('de-duplicates process infos per type, in upstream order, whatever the names hold', () => {
    const names = ['a\u0000b', 'a', '\u0000', 'a\u0000b', '["x"]', 'a'];
    const rows = aggregate({
      processes: [
        ...names.flatMap((name) => [
          { type: 'web', name, replicas: 1, success: 1, failed: 0, version: 1, cluster_link: 'l' },
          { type: 'worker', name, replicas: 1, success: 1, failed: 0, version: 1, cluster_link: name },
        ]),
        // Same text end to end, split differently: two infos.
        { type: 'beat', name: 'ab', replicas: 1, success: 1, failed: 0, version: 1, cluster_link: 'c' },
        { type: 'beat', name: 'a', replicas: 1, success: 1, failed: 0, version: 1, cluster_link: 'bc' },
      ],
      instances: [],
      specs: [],
    });
    const distinct = ['a\u0000b', 'a', '\u0000', '["x"]'];
    expect(rows.map((r) => r.infos)).toEqual([
      [
        { name: 'ab', cluster_link: 'c' },
        { name: 'a', cluster_link: 'bc' },
      ],
      distinct.map((name) => ({ name, cluster_link: 'l' })),
      distinct.map((name) => ({ name, cluster_link: name })),
    ]);
    expect(rows.map((r) => r.replicas)).toEqual([2, 6, 6]);
  });
});
