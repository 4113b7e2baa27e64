/**
 * Whether `upstream.max_response_bytes` fits the V8 heap the process runs with. A body up to the
 * cap is held as text and then as parsed JSON (together about twice its size for process lists),
 * and that must fit in half of the heap limit, the other half staying for the targets' state. So:
 * max_response_bytes × 4 ≤ heap_size_limit. A cap beyond that lets one large body (a gzip bomb
 * expands to any size) kill the process and every target with it.
 */

import v8 from 'node:v8';

/** Heap bytes one byte of the response cap must have available: see the file comment. */
export const HEAP_BYTES_PER_RESPONSE_BYTE = 4;

/** The rule in words, for --check-config and messages. */
export const RESPONSE_CAP_RULE = `max_response_bytes × ${HEAP_BYTES_PER_RESPONSE_BYTE} must fit in the heap limit: a body is held as text and as parsed JSON, in at most half the heap`;

const MiB = 1024 * 1024;

/** Returns V8's heap limit of this process (set by --max-old-space-size, e.g. in NODE_OPTIONS). */
export function heapLimitBytes(): number {
  return v8.getHeapStatistics().heap_size_limit;
}

/** Returns the largest response cap the rule allows under `heapLimit`. */
export function largestResponseCap(heapLimit: number): number {
  return Math.floor(heapLimit / HEAP_BYTES_PER_RESPONSE_BYTE);
}

/** Formats a byte count in MiB, with one decimal when it is not whole (`"76MiB"`, `"18.5MiB"`). */
export function formatMiB(bytes: number): string {
  const mib = Math.floor((bytes / MiB) * 10) / 10;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)}MiB`;
}

/** Returns why a response cap of `cap` bytes does not fit under `heapLimit`, or undefined when it fits. */
export function responseCapProblem(cap: number, heapLimit: number): string | undefined {
  if (cap <= largestResponseCap(heapLimit)) return undefined;
  return (
    `${formatMiB(cap)} is more than this process can hold (rule: ${RESPONSE_CAP_RULE}); ` +
    `the heap limit is ${formatMiB(heapLimit)} (node's --max-old-space-size, e.g. in NODE_OPTIONS), so at most ` +
    `${formatMiB(largestResponseCap(heapLimit))}: lower upstream.max_response_bytes or raise the heap limit`
  );
}
