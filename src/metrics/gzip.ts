/**
 * gzip for /metrics without compressing the large part on every scrape: the targets' text is
 * compressed once per render (off the event loop), the small, always-fresh own-metrics text per
 * scrape, and the two are spliced into one standard single-member gzip stream (RFC 1952) — the
 * technique of zlib's gzjoin: a deflate stream ended by a sync flush can be followed by another
 * deflate stream, and the CRC-32 of the whole is combined from the parts' CRCs.
 */
import zlib from 'node:zlib';

/** Compression level of the cached part: zlib's default; the text compresses ~20:1 either way. */
export const GZIP_LEVEL = 6;

/** A compressed tail: raw deflate data ending in a final block, with the CRC-32 and length of its input. */
export interface DeflatedTail {
  deflate: Buffer;
  crc: number;
  length: number;
}

/** Compresses `parts` (one input, in order) on libuv's thread pool into a tail for `gzipJoin`. */
export async function deflateTail(parts: Buffer | readonly Buffer[], level = GZIP_LEVEL): Promise<DeflatedTail> {
  const inputs = Buffer.isBuffer(parts) ? [parts] : parts;
  const member = await gzipParts(inputs, level);
  // zlib writes a 10-byte header (no name, no extra field: FLG 0) and an 8-byte trailer: CRC-32, ISIZE.
  if (member[3] !== 0) throw new Error('unexpected gzip header flags from zlib');
  const length = inputs.reduce((n, p) => n + p.length, 0);
  return { deflate: member.subarray(10, member.length - 8), crc: member.readUInt32LE(member.length - 8), length };
}

const BATCH_BYTES = 1024 * 1024;

/**
 * One gzip member of the parts, compressed through a stream: the parts are never joined whole,
 * and a batch is written only once zlib has taken the previous ones (its buffer drained). Written
 * all at once, the batches (copies of the parts) were all held until compressed: at 20 000
 * targets 160 MB more per compression, and during a refresh every gzip scrape compresses anew.
 */
async function gzipParts(parts: readonly Buffer[], level: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level });
  const out: Buffer[] = [];
  gzip.on('data', (d: Buffer) => out.push(d));
  let failed: Error | undefined;
  gzip.once('error', (err) => (failed = err));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  // Awaited after the writes; a failure meanwhile must not count as unhandled.
  ended.catch(() => undefined);
  const write = async (chunk: Buffer) => {
    if (!gzip.write(chunk) && !failed) await new Promise<void>((resolve) => gzip.once('drain', resolve).once('error', resolve));
  };
  // Each write is a round trip to the thread pool: small parts (one per family and target group)
  // go in batches of about BATCH_BYTES (fewer round trips: 800 writes cost ~2x one); large ones
  // as they are, not copied.
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async () => {
    if (batched > 0) await write(batch.length === 1 ? batch[0] : Buffer.concat(batch, batched));
    batch = [];
    batched = 0;
  };
  for (const p of parts) {
    if (failed) break;
    if (p.length === 0) continue;
    if (p.length >= BATCH_BYTES) {
      await flush();
      await write(p);
      continue;
    }
    batch.push(p);
    batched += p.length;
    if (batched >= BATCH_BYTES) await flush();
  }
  await flush();
  gzip.end();
  await ended;
  return Buffer.concat(out);
}

// The header zlib writes: magic, deflate, no flags, no mtime, no extra flags, OS unknown.
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

/**
 * One gzip stream holding `head` followed by the tail's input, as buffers to write in order
 * (the tail's bytes are shared, not copied).
 */
export function gzipJoin(head: Buffer, tail: DeflatedTail): Buffer[] {
  const first = zlib.deflateRawSync(head, { level: GZIP_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32Combine(crc32(head), tail.crc, tail.length), 0);
  trailer.writeUInt32LE((head.length + tail.length) % 2 ** 32, 4);
  return [HEADER, first, tail.deflate, trailer];
}

/** CRC-32 (the gzip one) of `data`: zlib's own (Node.js 20.15+). */
export function crc32(data: Uint8Array): number {
  return zlib.crc32(data);
}

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]);
}

/** CRC-32 of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  // The operator for one zero bit, then squared to two and four zero bits.
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row >>> 0;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let crc = crcA >>> 0;
  let len = lengthB;
  // Apply len zero bytes to crcA, squaring the operator for each bit of len.
  for (;;) {
    gf2Square(even, odd);
    if (len % 2 === 1) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2 === 1) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
  }
  return (crc ^ crcB) >>> 0;
}
