/**
 * How long a target that keeps failing waits before its next fetch: ttl after one failure, then
 * doubling with each further failure in a row, up to a cap. Fewer attempts on a broken target
 * leave the connection slots to the others and spare the gateway; a success resets it.
 */

/** The longest wait between fetches of a failing target, in ttls. */
export const MAX_BACKOFF_TTLS = 4;

/** Milliseconds from a fetch's start to the next one after `failuresInARow` failures (0: none). */
export function refetchDelayMs(failuresInARow: number, ttlMs: number): number {
  if (failuresInARow <= 1) return ttlMs;
  return ttlMs * Math.min(2 ** (failuresInARow - 1), MAX_BACKOFF_TTLS);
}
