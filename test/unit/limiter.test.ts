/** The connection-slot limiter: one limit, lanes served in priority order, a cap on failing targets. */
import { ASIDE_PER_SLOT, Limiter, type Lane } from '../../src/scheduler/limiter';
import { sleep } from '../helpers/sleep';

/** A task that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { task: () => (log.push(name), done), release };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Limiter', () => {
  it('gives a free slot to proven, then unknown, then failing tasks, each lane in FIFO order', async () => {
    const limiter = new Limiter(1);
    const log: string[] = [];
    const blocker = gate(log, 'blocker');
    const runs = [limiter.run(blocker.task)];
    const queued: Array<[string, Lane]> = [
      ['failing-1', 'failing'],
      ['unknown-1', 'unknown'],
      ['proven-1', 'proven'],
      ['failing-2', 'failing'],
      ['proven-2', 'proven'],
    ];
    for (const [name, lane] of queued) runs.push(limiter.run(async () => void log.push(name), lane));
    expect(limiter.queued).toBe(5);
    blocker.release();
    await Promise.all(runs);
    expect(log).toEqual(['blocker', 'proven-1', 'proven-2', 'unknown-1', 'failing-1', 'failing-2']);
  });

  it('holds the failing lane to its share while the other lanes still get slots', async () => {
    const limiter = new Limiter(4);
    limiter.setLaneLimit('failing', 2);
    const log: string[] = [];
    const hanging = Array.from({ length: 5 }, (_, i) => gate(log, `hang-${i}`));
    const runs = hanging.map((g) => limiter.run(g.task, 'failing'));
    await tick();
    expect(limiter.runningIn('failing')).toBe(2);
    expect(limiter.running).toBe(2);
    // The two slots the failing targets may not take serve everyone else at once.
    const healthy = [limiter.run(async () => void log.push('proven'), 'proven'), limiter.run(async () => void log.push('unknown'), 'unknown')];
    await Promise.all(healthy);
    expect(log).toEqual(['hang-0', 'hang-1', 'proven', 'unknown']);
    // A wider share lets waiting failing tasks start; the total limit still holds.
    limiter.setLaneLimit('failing', Infinity);
    await tick();
    expect(limiter.running).toBe(4);
    for (const g of hanging) g.release();
    await Promise.all(runs);
    expect(limiter.running).toBe(0);
  });

  it('lets a task that runs past stepAsideAfterMs give its slot to the next one and run on outside the limit', async () => {
    const limiter = new Limiter(1);
    const log: string[] = [];
    const slow = gate(log, 'slow');
    const runs = [limiter.run(slow.task, 'unknown', 20)];
    const next = limiter.run(async () => void log.push('next'), 'unknown');
    await tick();
    expect(log).toEqual(['slow']);
    await next; // started once the slow one stepped aside
    expect(log).toEqual(['slow', 'next']);
    expect(limiter.runningAside).toBe(1);
    expect(limiter.running).toBe(0);
    slow.release();
    await Promise.all(runs);
    expect(limiter.runningAside).toBe(0);
    expect(limiter.running).toBe(0);
  });

  it('never lets a task that ends in time step aside, nor one run without stepAsideAfterMs', async () => {
    const limiter = new Limiter(1);
    await limiter.run(async () => 1, 'unknown', 5);
    const log: string[] = [];
    const held = gate(log, 'held');
    const run = limiter.run(held.task, 'unknown');
    await sleep(30);
    expect(limiter.running).toBe(1);
    expect(limiter.runningAside).toBe(0);
    held.release();
    await run;
    expect(limiter.running).toBe(0);
  });

  it(`holds at most ${ASIDE_PER_SLOT} tasks per slot aside; a task due to step aside keeps its slot until one of them ends`, async () => {
    const limiter = new Limiter(1);
    const log: string[] = [];
    const room = ASIDE_PER_SLOT;
    const hanging = Array.from({ length: room + 1 }, (_, i) => gate(log, `hang-${i}`));
    const runs = hanging.map((g) => limiter.run(g.task, 'unknown', 5));
    const last = gate(log, 'last');
    runs.push(limiter.run(last.task, 'unknown', 5));
    while (limiter.runningAside < room) await sleep(5);
    await sleep(30);
    // The room is full: the next one holds the slot, the last waits for it.
    expect(limiter.runningAside).toBe(room);
    expect(limiter.running).toBe(1);
    expect(log).not.toContain('last');
    hanging[0].release();
    // Room for one more: the slot holder steps aside, and the last task gets the slot.
    while (!log.includes('last')) await sleep(5);
    expect(limiter.runningAside).toBe(room);
    for (const g of [...hanging, last]) g.release();
    await Promise.all(runs);
    expect(limiter.runningAside).toBe(0);
    expect(limiter.running).toBe(0);
  });
});
