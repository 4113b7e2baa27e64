/**
 * Deterministic pseudo-randomness for the simulator: every "random" name, suffix, time and
 * version is derived from a string seed, so the same SimTarget always renders the same bytes.
 */

/** 32-bit FNV-1a hash of a string (unsigned). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusable digits).
const K8S_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A Kubernetes-style random suffix (e.g. "78jzf", "699599bf76") derived from a seed string. */
export function k8sSuffix(seed: string, length: number): string {
  const next = seededRandom(hash32(seed));
  let out = '';
  for (let i = 0; i < length; i++) out += K8S_ALPHABET[Math.floor(next() * K8S_ALPHABET.length)];
  return out;
}

/** A stable UUID-shaped string (version 4 layout) derived from a seed string. */
export function uuidFrom(seed: string): string {
  const next = seededRandom(hash32(seed));
  let hex = '';
  for (let i = 0; i < 32; i++) hex += Math.floor(next() * 16).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}
