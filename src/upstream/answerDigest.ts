/**
 * A digest of a `processes/list/` answer that is the same for two answers that would be parsed
 * and rendered the same: the target's last answer, when the new one has its digest, need not be
 * parsed or rendered again (in a quiet cluster, most answers are).
 *
 * Byte for byte, two answers of the same target almost never match: each list carries Kubernetes'
 * `metadata.resource_version`, which moves with every write anywhere in the cluster. The exporter
 * reads nothing from it, so the digest leaves out the value of every `"resource_version"` key, and
 * only when the value is plain: a string of digits, letters, `.`, `_` and `-`, or an integer. Any
 * other byte of the body counts: an answer that differs anywhere else never matches, and one that
 * matches an answer that parsed is valid JSON too (a plain value swapped for another stays valid).
 */
import { createHash } from 'node:crypto';

const KEY = Buffer.from('"resource_version"', 'latin1');

const QUOTE = 0x22;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

const ZERO = 0x30;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= 0x39;
}

/** Digits, ASCII letters, `.`, `_` and `-`: what a resource version is made of. */
function isTokenByte(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x5f || c === 0x2d;
}

/**
 * Where the plain value after a `"resource_version"` key that starts at `at` starts and ends (the
 * byte after it); undefined when what follows is not `: "<token>"` or `: <integer>`.
 */
function plainValueAfterKey(body: Buffer, at: number): { from: number; to: number } | undefined {
  let i = at + KEY.length;
  while (i < body.length && isSpace(body[i])) i++;
  // Not followed by a colon: the string "resource_version" as a value, not a key.
  if (body[i] !== COLON) return undefined;
  i++;
  while (i < body.length && isSpace(body[i])) i++;
  const from = i;
  if (body[i] === QUOTE) {
    i++;
    while (i < body.length && isTokenByte(body[i])) i++;
    if (body[i] !== QUOTE) return undefined;
    return { from, to: i + 1 };
  }
  // A JSON integer: 0, or digits without a leading zero.
  if (body[i] === ZERO) return { from, to: i + 1 };
  while (i < body.length && isDigit(body[i])) i++;
  return i === from ? undefined : { from, to: i };
}

/** The answer's digest (base64 SHA-1) over every byte but the plain values of `"resource_version"` keys. */
export function answerDigest(body: Buffer): string {
  const hash = createHash('sha1');
  let from = 0;
  for (let at = body.indexOf(KEY); at !== -1; at = body.indexOf(KEY, at + KEY.length)) {
    const value = plainValueAfterKey(body, at);
    if (!value) continue;
    hash.update(body.subarray(from, value.from));
    // Marks the gap, so that the bytes around it cannot be shifted across it.
    hash.update('\0');
    from = value.to;
  }
  hash.update(body.subarray(from));
  return hash.digest('base64');
}
