/**
 * The simulator's request log: bounded, O(1) per request (a ring once full), plus per-target
 * counters so `countRequests` never scans the log.
 */
import type { SimRequest } from './types';

export class RequestLog {
  private buf: SimRequest[] = [];
  // Index of the oldest entry once the ring is full.
  private start = 0;
  private readonly counts = new Map<string, number>();
  private total = 0;

  constructor(private readonly max: number) {}

  add(r: SimRequest): void {
    if (r.targetKey !== undefined) {
      this.counts.set(r.targetKey, (this.counts.get(r.targetKey) ?? 0) + 1);
      this.total++;
    }
    if (this.max <= 0) return;
    if (this.buf.length < this.max) {
      this.buf.push(r);
    } else {
      this.buf[this.start] = r;
      this.start = (this.start + 1) % this.max;
    }
  }

  /** The entries oldest first. Live until the ring wraps; rotating it is O(n) once per read after a wrap. */
  entries(): SimRequest[] {
    if (this.start !== 0) {
      this.buf = this.buf.slice(this.start).concat(this.buf.slice(0, this.start));
      this.start = 0;
    }
    return this.buf;
  }

  /** processes/list/ requests for one target key, or for all targets when key is undefined. */
  count(key?: string): number {
    return key === undefined ? this.total : (this.counts.get(key) ?? 0);
  }

  /** processes/list/ requests per target key, for targets asked at least once. */
  perTarget(): ReadonlyMap<string, number> {
    return this.counts;
  }

  clear(): void {
    this.buf.length = 0;
    this.start = 0;
    this.counts.clear();
    this.total = 0;
  }
}
