/**
 * A caller's deadline for upstream requests that the client may also end early.
 *
 * The pool bounds each target's fetch (retries included) with an AbortController of its own
 * (scheduler/budgets.ts). A request made under such a bound needs no second controller, timer
 * and listener of the client's: when the bound's deadline comes no later than the client's
 * per-request timeout, the bound already enforces it, and when the client refuses a body (too
 * large, undecodable) it ends the request by aborting the bound itself — the fetch is over then,
 * as a refusal is never retried. Two AbortControllers per fetch were a measurable share of a
 * refresh's CPU and garbage (AbortSignal is an EventTarget: several objects each).
 */

interface Bound {
  controller: AbortController;
  /** performance.now() at which the bound aborts. */
  deadline: number;
}

/**
 * Where a registered signal keeps its bound: on the signal itself, not in a WeakMap (a table that
 * a refresh fills with thousands of entries between two full collections, and that keeps its size
 * after them).
 */
const BOUND = Symbol('requestBound');
type BoundSignal = AbortSignal & { [BOUND]?: Bound };

/** Lets the upstream client use `controller`'s signal as its requests' bound, aborting at `deadline` (performance.now()) at the latest. */
export function registerRequestBound(controller: AbortController, deadline: number): void {
  (controller.signal as BoundSignal)[BOUND] = { controller, deadline };
}

/** The bound behind `signal` when it was registered, is not aborted, and ends within `timeoutMs` from now. */
export function requestBoundWithin(signal: AbortSignal | undefined, timeoutMs: number): AbortController | undefined {
  if (!signal || signal.aborted) return undefined;
  const bound = (signal as BoundSignal)[BOUND];
  return bound && bound.deadline <= performance.now() + timeoutMs ? bound.controller : undefined;
}
