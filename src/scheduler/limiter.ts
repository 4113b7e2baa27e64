/**
 * Which queue a task waits in for a connection slot, by what its target's last fetch showed:
 * `proven` (it succeeded: the target answers promptly), `unknown` (never fetched, and
 * discovery's own requests), `failing` (it failed or timed out: the target may hold a slot for a
 * whole timeout again).
 */
export type Lane = 'proven' | 'unknown' | 'failing';

/** A free slot goes to the first lane in this order with a task waiting. */
const PRIORITY: readonly Lane[] = ['proven', 'unknown', 'failing'];

/**
 * A counting semaphore with lanes: at most `limit` tasks run at once; a free slot goes to a
 * waiting task of the best lane (PRIORITY); a lane may be held to fewer slots (setLaneLimit), so
 * failing targets cannot take every slot from healthy ones. Each lane waits in FIFO order.
 */
export class Limiter {
  private active = 0;
  private readonly activeIn: Record<Lane, number> = { proven: 0, unknown: 0, failing: 0 };
  private readonly laneLimit: Record<Lane, number> = { proven: Infinity, unknown: Infinity, failing: Infinity };
  private readonly waiting: Record<Lane, Array<() => void>> = { proven: [], unknown: [], failing: [] };

  constructor(private limit: number) {}

  /** Tasks currently running. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return PRIORITY.reduce((n, lane) => n + this.waiting[lane].length, 0);
  }

  /** Tasks of `lane` currently running. */
  runningIn(lane: Lane): number {
    return this.activeIn[lane];
  }

  /** Changes the limit; waiting tasks start at once if the limit grew. */
  setLimit(limit: number): void {
    this.limit = limit;
    this.drain();
  }

  /** Holds `lane` to at most `slots` running tasks (running ones beyond it are left to finish). */
  setLaneLimit(lane: Lane, slots: number): void {
    this.laneLimit[lane] = slots;
    this.drain();
  }

  /** Runs `task` when a slot is free for its lane and resolves with its result. */
  async run<T>(task: () => Promise<T>, lane: Lane = 'proven'): Promise<T> {
    if (this.waiting[lane].length === 0 && this.mayStart(lane)) this.take(lane);
    else await new Promise<void>((resolve) => this.waiting[lane].push(resolve));
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.activeIn[lane] -= 1;
      this.drain();
    }
  }

  private mayStart(lane: Lane): boolean {
    return this.active < this.limit && this.activeIn[lane] < this.laneLimit[lane];
  }

  private take(lane: Lane): void {
    this.active += 1;
    this.activeIn[lane] += 1;
  }

  private drain(): void {
    for (const lane of PRIORITY) {
      const queue = this.waiting[lane];
      while (queue.length > 0 && this.mayStart(lane)) {
        this.take(lane);
        queue.shift()!();
      }
    }
  }
}
