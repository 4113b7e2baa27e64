/**
 * Prometheus-style durations: `500ms`, `15s`, `5m`, `1h`, `1d`, `1w`, `1y` and compounds such as
 * `1m30s` (units in decreasing order, each at most once), as in Prometheus's `model.ParseDuration`,
 * except that a bare `0` is rejected like any other number without a unit.
 */

const UNITS = [
  { unit: 'y', ms: 365 * 24 * 60 * 60 * 1000 },
  { unit: 'w', ms: 7 * 24 * 60 * 60 * 1000 },
  { unit: 'd', ms: 24 * 60 * 60 * 1000 },
  { unit: 'h', ms: 60 * 60 * 1000 },
  { unit: 'm', ms: 60 * 1000 },
  { unit: 's', ms: 1000 },
  { unit: 'ms', ms: 1 },
] as const;

const UNIT_LIST = UNITS.map((u) => u.unit).join(', ');

/** What a duration looks like, for error messages. */
export const DURATION_EXPECTED = `a number followed by a unit (${UNIT_LIST}), such as "15s" or "1m30s"`;

function fail(given: string, why: string): never {
  throw new Error(`invalid duration ${JSON.stringify(given)}: ${why}; expected ${DURATION_EXPECTED}`);
}

/**
 * Parses a Prometheus-style duration and returns it in milliseconds.
 * Throws an Error naming the given text and what is expected when `s` is not a valid duration.
 */
export function parseDuration(s: string): number {
  if (s === '') {
    throw new Error(`invalid duration "": empty; expected ${DURATION_EXPECTED}`);
  }
  if (/\s/.test(s)) fail(s, 'must not contain spaces');
  if (s.startsWith('-')) fail(s, 'must not be negative');
  if (/^\d+$/.test(s)) fail(s, `missing unit (did you mean "${s}s"?)`);
  if (/\d[.,]\d/.test(s)) fail(s, 'fractions are not supported (write "1m30s" rather than "1.5m")');

  const token = /(\d+)([a-zA-Z]+)/y;
  let total = 0;
  let lastRank = -1;
  let pos = 0;
  while (pos < s.length) {
    token.lastIndex = pos;
    const m = token.exec(s);
    if (!m) fail(s, 'not a duration');
    const [, digits, unit] = m;
    const rank = UNITS.findIndex((u) => u.unit === unit);
    if (rank < 0) fail(s, `unknown unit ${JSON.stringify(unit)}`);
    if (rank <= lastRank) fail(s, `units must appear in decreasing order (${UNIT_LIST}), each at most once`);
    lastRank = rank;
    total += Number(digits) * UNITS[rank].ms;
    pos = token.lastIndex;
  }
  if (!Number.isSafeInteger(total)) fail(s, 'too large');
  return total;
}

/**
 * Formats milliseconds as the shortest Prometheus-style duration (`90000` → `"1m30s"`, `0` → `"0s"`).
 * Fractions of a millisecond are rounded; negative input is formatted with a leading `-`.
 */
export function formatDuration(ms: number): string {
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let out = ms < 0 ? '-' : '';
  for (const { unit, ms: size } of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
