/**
 * Keeps a failing upstream from flooding the log: per key, a repeat of the same failure is
 * logged at most once per `repeatMs`; overall, at most `burst` lines per `windowMs`, with a count
 * of what was held back.
 */
export class LogThrottle {
  private readonly lastByKey = new Map<string, { reason: string; at: number }>();
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly repeatMs = 60_000,
    private readonly burst = 20,
    private readonly windowMs = 10_000,
  ) {}

  /**
   * Whether a failure of `key` for `reason` should be logged now. When a window ends with lines
   * held back, `flushed` receives their count (to log one summary line).
   */
  allow(key: string, reason: string, now = Date.now(), flushed?: (suppressed: number) => void): boolean {
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) flushed?.(this.suppressed);
      this.windowStart = now;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    const last = this.lastByKey.get(key);
    if (last && last.reason === reason && now - last.at < this.repeatMs) return false;
    if (this.inWindow >= this.burst) {
      this.suppressed += 1;
      return false;
    }
    this.inWindow += 1;
    this.lastByKey.set(key, { reason, at: now });
    return true;
  }

  /** Forgets a key (it recovered or was removed), so its next failure is logged at once. */
  forget(key: string): void {
    this.lastByKey.delete(key);
  }

  /** Forgets every key `keep` refuses (targets no longer served), so removed targets cost nothing. */
  retainOnly(keep: (key: string) => boolean): void {
    for (const key of this.lastByKey.keys()) if (!keep(key)) this.lastByKey.delete(key);
  }

  /** Keys remembered (for tests and leak checks). */
  get size(): number {
    return this.lastByKey.size;
  }
}
