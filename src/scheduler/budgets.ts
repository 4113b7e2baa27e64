/**
 * Per-fetch time budgets that can also all be aborted at shutdown.
 *
 * Why not `AbortSignal.any([AbortSignal.timeout(ms), closing.signal])`: in Node 20 every signal
 * composed with a long-lived source stays registered on that source (about 60 bytes each, never
 * released while the source lives), so one composite per fetch leaked without bound — tens of MB
 * a day for a large fleet (bench/soak.ts showed the heap creeping). Here each budget is a plain
 * AbortController, tracked only while its fetch runs. The upstream client uses it as its
 * request's bound (upstream/requestBound.ts) rather than adding a controller of its own.
 */
import { registerRequestBound } from '../upstream/requestBound';

export interface Budget {
  /** Aborted when the time is up (reason: a TimeoutError DOMException) or at close(). */
  signal: AbortSignal;
  /** Call when the fetch is over, failed or not: clears the timer and forgets the budget. */
  release(): void;
}

export class Budgets {
  private readonly live = new Set<AbortController>();
  private closedWith?: unknown;

  /** Budgets not yet released. */
  get size(): number {
    return this.live.size;
  }

  /** A budget of `ms` milliseconds from now. */
  start(ms: number): Budget {
    const controller = new AbortController();
    if (this.closedWith !== undefined) {
      controller.abort(this.closedWith);
      return { signal: controller.signal, release: () => {} };
    }
    const timer = setTimeout(() => controller.abort(new DOMException(`budget of ${ms} ms used up`, 'TimeoutError')), ms);
    timer.unref();
    this.live.add(controller);
    // The upstream client bounds its request by this budget instead of a controller of its own.
    registerRequestBound(controller, performance.now() + ms);
    return {
      signal: controller.signal,
      release: () => {
        clearTimeout(timer);
        this.live.delete(controller);
      },
    };
  }

  /** Aborts every live budget with `reason`; budgets started later are aborted at once. */
  close(reason: unknown): void {
    this.closedWith = reason;
    for (const c of this.live) c.abort(reason);
    this.live.clear();
  }
}
