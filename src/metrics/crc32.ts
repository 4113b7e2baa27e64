/**
 * CRC-32 (the gzip one) and the arithmetic that combines CRCs of parts into the CRC of their
 * concatenation without reading the parts again: crc(A + B) = crc(A)·x^(8·len B) + crc(B) over
 * GF(2) modulo the CRC polynomial (zlib's crc32_combine, in its multiply-by-powers form). The
 * power for a part is computed once with the part, so combining is one multiplication per part.
 */
import zlib from 'node:zlib';

/** The CRC-32 polynomial, bit-reflected. */
const POLY = 0xedb88320;
/** x^0 in the reflected representation. */
const ONE = 0x80000000;

/** a·b modulo the polynomial (both reflected). */
function multModP(a: number, b: number): number {
  let m = ONE;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo the polynomial. */
const X2N = new Uint32Array(32);
X2N[0] = ONE >>> 1;
for (let k = 1; k < 32; k++) X2N[k] = multModP(X2N[k - 1], X2N[k - 1]);

/** CRC-32 of `data`: zlib's own (Node.js 20.15+). */
export function crc32(data: Uint8Array): number {
  return zlib.crc32(data);
}

/** The operator that moves a CRC past `length` bytes: x^(8·length) modulo the polynomial. */
export function crc32Shift(length: number): number {
  let p = ONE;
  // Bytes are 2^3 bits: start at X2N[3].
  for (let k = 3, n = length; n > 0; k++, n = Math.floor(n / 2)) if (n % 2 === 1) p = multModP(X2N[k & 31], p);
  return p;
}

/** CRC-32 of A followed by B, from crc(A), crc(B) and crc32Shift(len B). */
export function crc32Append(crcA: number, crcB: number, shiftB: number): number {
  return (multModP(shiftB, crcA) ^ crcB) >>> 0;
}

/** CRC-32 of A followed by B, from crc(A), crc(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return crc32Append(crcA, crcB, crc32Shift(lengthB));
}
