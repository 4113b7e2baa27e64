/** Byte sizes given either as an integer number of bytes or as a string such as `"16MiB"`. */

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** What a size looks like, for error messages. */
export const SIZE_EXPECTED = `a positive integer number of bytes or a size such as "16MiB" (units ${Object.keys(SIZE_UNITS).join(', ')})`;

/**
 * Parses a byte size (`16777216`, `"16MiB"`, `"512KiB"`, `"10MB"`) and returns the number of bytes.
 * Throws an Error naming the given value and what is expected when it is not a positive whole size.
 */
export function parseByteSize(v: string | number): number {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v > 0) return v;
    throw new Error(`invalid size ${v}: expected ${SIZE_EXPECTED}`);
  }
  const m = /^(\d+)\s*([A-Za-z]+)?$/.exec(v);
  const factor = m ? SIZE_UNITS[m[2] ?? 'B'] : undefined;
  if (!m || factor === undefined) {
    throw new Error(`invalid size ${JSON.stringify(v)}: expected ${SIZE_EXPECTED}`);
  }
  const bytes = Number(m[1]) * factor;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new Error(`invalid size ${JSON.stringify(v)}: expected ${SIZE_EXPECTED}`);
  }
  return bytes;
}

/** Formats a byte count with the largest binary unit that divides it (`16777216` → `"16MiB"`). */
export function formatByteSize(bytes: number): string {
  for (const unit of ['GiB', 'MiB', 'KiB']) {
    const size = SIZE_UNITS[unit];
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
