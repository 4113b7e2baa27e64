/**
 * Kubernetes resource quantities (`4000m`, `0.5`, `1Gi`, `512M`, `1e3`, ...) read the way
 * Kubernetes reads them (apimachinery's resource.ParseQuantity): the same grammar, the same
 * suffixes, non-zero amounts rounded up to a nano-unit and capped at 2^63-1. Then converted as
 * kube-state-metrics does: cpu in cores (rounded up to a millicore), memory in bytes (rounded up
 * to a byte).
 */

/** Longer strings are refused outright: no real quantity comes near, and a hostile one costs nothing. */
const MAX_LENGTH = 100;

const DECIMAL_SUFFIX: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** Characters the Kubernetes scanner takes as the start of a suffix. */
const SUFFIX_CHARS = 'eEinumkKMGTP';
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const NANO = 10n ** 9n;
/** Kubernetes' cap: 2^63-1 units, here in nano-units. */
const MAX_NANOS = INT64_MAX * NANO;

const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/** Splits a quantity as Kubernetes' parseQuantityString does; undefined where it reports a format error. */
function split(s: string): { negative: boolean; whole: string; fraction: string; suffix: string } | undefined {
  let pos = 0;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    pos = 1;
  }
  const wholeStart = pos;
  while (pos < s.length && isDigit(s[pos])) pos++;
  const whole = s.slice(wholeStart, pos);
  let fraction = '';
  if (s[pos] === '.') {
    const fractionStart = ++pos;
    while (pos < s.length && isDigit(s[pos])) pos++;
    fraction = s.slice(fractionStart, pos);
  }
  const suffixStart = pos;
  while (pos < s.length && SUFFIX_CHARS.includes(s[pos])) pos++;
  if (pos < s.length && (s[pos] === '-' || s[pos] === '+')) pos++;
  while (pos < s.length && isDigit(s[pos])) pos++;
  if (pos < s.length) return undefined;
  return { negative, whole, fraction, suffix: s.slice(suffixStart) };
}

/** The suffix as a power: base 10 or 2 and its exponent; undefined for an unknown suffix. */
function powerOf(suffix: string): { base: 10n | 2n; exponent: bigint } | undefined {
  if (suffix in DECIMAL_SUFFIX) return { base: 10n, exponent: BigInt(DECIMAL_SUFFIX[suffix]) };
  if (suffix in BINARY_SUFFIX) return { base: 2n, exponent: BigInt(BINARY_SUFFIX[suffix]) };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[-+]?\d+$/.test(suffix.slice(1))) {
    const exponent = BigInt(suffix.slice(1));
    // Kubernetes reads the exponent as an int64 and refuses what does not fit.
    if (exponent > INT64_MAX || exponent < INT64_MIN) return undefined;
    return { base: 10n, exponent };
  }
  return undefined;
}

/** ceil(a / b) for a ≥ 0, b > 0. */
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/**
 * A quantity in nano-units (signed), exactly as Kubernetes stores it; undefined for a string
 * Kubernetes refuses (empty, a bad number, an unknown suffix, trailing text, spaces).
 */
export function parseQuantityNanos(text: string): bigint | undefined {
  if (text.length === 0 || text.length > MAX_LENGTH) return undefined;
  const parts = split(text);
  if (!parts) return undefined;
  const power = powerOf(parts.suffix);
  if (!power) return undefined;
  const digits = BigInt((parts.whole + parts.fraction).replace(/^0+/, '') || '0');
  if (digits === 0n) return 0n;
  // The amount is digits × 10^-fraction.length × base^exponent; in nano-units, rounded up.
  let numerator = digits;
  let denominator = 10n ** BigInt(parts.fraction.length);
  if (power.base === 10n) {
    const shift = power.exponent + 9n;
    // Anything at 10^19 units or more is past the cap; exponents that large need no BigInt power.
    if (shift - BigInt(parts.fraction.length) >= 28n + 9n) return parts.negative ? -MAX_NANOS : MAX_NANOS;
    // Smaller than a nano-unit rounds up to one, however small.
    if (shift < -BigInt(parts.whole.length + parts.fraction.length) - 1n) return parts.negative ? -1n : 1n;
    if (shift >= 0n) numerator *= 10n ** shift;
    else denominator *= 10n ** -shift;
  } else {
    numerator *= NANO * 2n ** power.exponent;
  }
  let nanos = ceilDiv(numerator, denominator);
  if (nanos > MAX_NANOS) nanos = MAX_NANOS;
  return parts.negative ? -nanos : nanos;
}

/** Non-negative nano-units as a number of `1/perUnit` units, rounded up to a whole `unitNanos`. */
function toUnits(nanos: bigint, unitNanos: bigint, perUnit: number): number {
  return Number(ceilDiv(nanos, unitNanos)) / perUnit;
}

/** Distinct quantities remembered per conversion; past that the memory starts again (hostile input stays bounded). */
export const REMEMBERED_QUANTITIES = 1024;

/**
 * `convert` with its results remembered by quantity string. A fleet sends the same few
 * quantities (`4000m`, `2048Mi`, ...) in every answer, and the exact BigInt reading of one was
 * the largest allocation of a refresh (half a kilobyte each, a dozen per target).
 */
function remembered(convert: (text: string) => number | undefined): (text: string) => number | undefined {
  const known = new Map<string, number | undefined>();
  return (text) => {
    // `has` first: an unparsable quantity is remembered too, as undefined.
    if (known.has(text)) return known.get(text);
    if (known.size >= REMEMBERED_QUANTITIES) known.clear();
    const value = convert(text);
    known.set(text, value);
    return value;
  };
}

/** A cpu quantity in cores (rounded up to a millicore, like kube-state-metrics); undefined when unparsable or negative. */
export const cpuCoresOf = remembered((text) => {
  const nanos = parseQuantityNanos(text);
  if (nanos === undefined || nanos < 0n) return undefined;
  return toUnits(nanos, 10n ** 6n, 1000);
});

/** A memory quantity in bytes (rounded up to a byte, like kube-state-metrics); undefined when unparsable or negative. */
export const memoryBytesOf = remembered((text) => {
  const nanos = parseQuantityNanos(text);
  if (nanos === undefined || nanos < 0n) return undefined;
  return toUnits(nanos, NANO, 1);
});

/** `resource_limit_quota.cpu` (millicores) in cores. */
export function coresOfMillicores(millicores: number): number {
  return millicores / 1000;
}

/** `resource_limit_quota.memory` (MiB) in bytes. */
export function bytesOfMebibytes(mebibytes: number): number {
  return mebibytes * 1024 * 1024;
}
