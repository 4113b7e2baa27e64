/**
 * Which queue a task waits in for a connection slot, by what its target's last fetch showed:
 * `proven` (it succeeded: the target answers promptly), `unknown` (never fetched, and
 * discovery's own requests), `failing` (it failed or timed out: the target may hold a slot for a
 * whole timeout again).
 */
export type Lane = 'proven' | 'unknown' | 'failing';

/** A free slot goes to the first lane in this order with a task waiting. */
const PRIORITY: readonly Lane[] = ['proven', 'unknown', 'failing'];

/** Tasks that may step aside (`run`'s `stepAsideAfterMs`) per slot of the limit. */
export const ASIDE_PER_SLOT = 15;

/**
 * A counting semaphore with lanes: at most `limit` tasks run at once; a free slot goes to a
 * waiting task of the best lane (PRIORITY); a lane may be held to fewer slots (setLaneLimit), so
 * failing targets cannot take every slot from healthy ones. Each lane waits in FIFO order.
 *
 * A task may also step aside: started with `stepAsideAfterMs`, it gives its slot back if it is
 * still running after that long and runs on outside the limit, at most ASIDE_PER_SLOT × limit
 * tasks at a time (beyond that it keeps its slot until one of them ends). A first fetch uses it:
 * nothing tells a target that hangs from a healthy one before its first answer, and a hanging
 * one would otherwise hold a slot for its whole timeout.
 */
export class Limiter {
  private active = 0;
  private readonly activeIn: Record<Lane, number> = { proven: 0, unknown: 0, failing: 0 };
  private readonly laneLimit: Record<Lane, number> = { proven: Infinity, unknown: Infinity, failing: Infinity };
  private readonly waiting: Record<Lane, Array<() => void>> = { proven: [], unknown: [], failing: [] };
  /** Tasks running outside the limit. */
  private aside = 0;
  /** Tasks due to step aside while the room for them is full, oldest first: each gives back its slot. */
  private readonly dueAside: Array<() => void> = [];

  constructor(private limit: number) {}

  /** Tasks currently running. */
  get running(): number {
    return this.active;
  }

  /** Tasks that stepped aside and run outside the limit. */
  get runningAside(): number {
    return this.aside;
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

  /**
   * Runs `task` when a slot is free for its lane and resolves with its result. With
   * `stepAsideAfterMs`, the task gives its slot back once it has run that long (see the class).
   */
  async run<T>(task: () => Promise<T>, lane: Lane = 'proven', stepAsideAfterMs?: number): Promise<T> {
    if (this.waiting[lane].length === 0 && this.mayStart(lane)) this.take(lane);
    else await new Promise<void>((resolve) => this.waiting[lane].push(resolve));
    let holdsSlot = true;
    const stepAside = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      this.aside += 1;
      this.give(lane);
    };
    const timer = stepAsideAfterMs === undefined ? undefined : setTimeout(() => this.stepAsideWhenRoom(stepAside), stepAsideAfterMs);
    try {
      return await task();
    } finally {
      clearTimeout(timer);
      const due = this.dueAside.indexOf(stepAside);
      if (due >= 0) this.dueAside.splice(due, 1);
      if (holdsSlot) {
        holdsSlot = false;
        this.give(lane);
      } else {
        this.aside -= 1;
        this.dueAside.shift()?.();
      }
    }
  }

  private stepAsideWhenRoom(stepAside: () => void): void {
    if (this.aside < ASIDE_PER_SLOT * this.limit) stepAside();
    else this.dueAside.push(stepAside);
  }

  /** A task of `lane` gives its slot back. */
  private give(lane: Lane): void {
    this.active -= 1;
    this.activeIn[lane] -= 1;
    this.drain();
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
