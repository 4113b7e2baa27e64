/** The connection-slot limiter: one limit, lanes served in priority order, a cap on failing targets. */
import { Limiter, type Lane } from '../../src/scheduler/limiter';

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
});
