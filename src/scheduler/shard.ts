/** Stable sharding of targets across exporter processes (--shard N --total-shards M). */

/** FNV-1a 32-bit hash of a string's UTF-8 bytes: stable across processes, versions and platforms. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface Shard {
  index: number;
  total: number;
}

/** Whether the target with this key (app_code/module_name/environment) belongs to `shard`. */
export function inShard(key: string, shard: Shard | undefined): boolean {
  if (!shard || shard.total <= 1) return true;
  return fnv1a32(key) % shard.total === shard.index;
}
