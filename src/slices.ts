/**
 * Work that grows with an upstream answer (parsing, aggregating and rendering a target's items)
 * is written once as a generator that yields every ITEMS_PER_STEP items, and run either at once
 * (tests, the benchmark) or in slices that give the event loop a turn in between. A target with
 * 100 000 process items then costs the same CPU, but /healthz and scrapes are answered meanwhile.
 */

/** Work that yields now and then (`yield;`) and finally returns its result. */
export type Steps<T> = Generator<void, T, void>;

/** Items handled between two yields: few enough to keep a step well under a millisecond. */
export const ITEMS_PER_STEP = 512;

/** How long a slice may hold the event loop before the next step waits for a turn of it. */
export const SLICE_MS = 8;

/** Resolves after a turn of the event loop (setImmediate: pending I/O is served first). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs the work to the end without pausing. */
export function runAtOnce<T>(work: Steps<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/**
 * Runs the work in slices of about `sliceMs`, each followed by a turn of the event loop. Small
 * work finishes in its first slice, without waiting at all.
 */
export async function runInSlices<T>(work: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  let sliceStarted = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStarted >= sliceMs) {
      await nextTurn();
      sliceStarted = performance.now();
    }
  }
}
