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

/**
 * Sliced work of every target together that one turn of the event loop runs before the rest waits
 * for the next turn. Answers that arrive together (up to upstream.concurrency of them) are
 * otherwise parsed, aggregated and rendered one after the other in one turn: each in short slices,
 * but timers, scrapes and /healthz waited for all of them (at 20 000 targets and concurrency 64,
 * turns of 70–150 ms, a third of it garbage collection).
 */
export const TURN_MS = 20;

/** When this turn's sliced work began; undefined until some runs, and again from the next turn. */
let turnStartedAt: number | undefined;
const endTurn = (): void => {
  turnStartedAt = undefined;
};

/** How long this turn's sliced work has run (wall clock: collections included), ms. */
function turnElapsed(now: number): number {
  if (turnStartedAt === undefined) {
    turnStartedAt = now;
    // Queued now, it runs before the work that yields after it: the next turn starts afresh.
    setImmediate(endTurn);
  }
  return now - turnStartedAt;
}

/**
 * Whether this turn's budget for sliced work is spent (and marks the turn's start if none yet);
 * then `nextTurnWithinBudget` waits for a turn with budget.
 */
export function turnSpent(now = performance.now()): boolean {
  return turnElapsed(now) >= TURN_MS;
}

/** Waits, while this turn's budget for sliced work is spent, for a turn that has some left. */
async function turnBudget(): Promise<void> {
  while (turnSpent()) await nextTurn();
}

/** Resolves after a turn of the event loop that has budget left for sliced work (at least one turn). */
export async function nextTurnWithinBudget(): Promise<void> {
  await nextTurn();
  if (turnSpent()) await turnBudget();
}

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
 * Runs the work in slices of about `sliceMs`, each followed by a turn of the event loop, and
 * within the turn's budget (TURN_MS) shared with every other work: work that finds the turn spent
 * starts in a later one. Small work in a turn with budget left finishes in its first slice,
 * without waiting at all.
 */
export async function runInSlices<T>(work: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  if (turnSpent()) await turnBudget();
  let sliceStarted = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    const now = performance.now();
    if (now - sliceStarted >= sliceMs || turnSpent(now)) {
      await nextTurnWithinBudget();
      sliceStarted = performance.now();
    }
  }
}
