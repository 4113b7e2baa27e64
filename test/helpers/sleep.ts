/** Resolves after `ms` milliseconds (tests that must let time pass: ttl, backoff, timeouts). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
