/** Small readers of decoded JSON values shared by the process-list parsers. */

const DIGITS = /^\d+$/;

/** A decoded JSON object. */
export type Json = Record<string, unknown>;

/** "a string", "a list", "null", ... for messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return `a ${typeof v}`;
}

/** Whether `v` is a JSON object (not null, not a list). */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-negative safe integer, or a string of one; anything else → undefined. */
export function natural(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}
