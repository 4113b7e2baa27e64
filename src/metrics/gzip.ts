/**
 * gzip for /metrics without compressing the targets' text on every scrape. The text reaches a
 * scrape as slices (a family's header, a family's slice of a group's pack) that stay the same
 * until their group changes; each slice is compressed once, on its own (a full flush after it,
 * so it refers to nothing before it), and kept while its bytes live. A scrape compresses only its
 * own small metrics and splices everything into one standard single-member gzip stream (RFC 1952),
 * the technique of zlib's gzjoin: deflate data ended by a flush can be followed by more deflate
 * data, a final empty block ends the stream, and the CRC-32 of the whole is combined from the
 * parts' CRCs.
 *
 * Compressing the whole exposition after every change (as this exporter first did) kept a zlib
 * thread busy all the time at 20 000 targets with a 30 s ttl: each second some target had
 * changed, and each gzip scrape compressed 166 MB again.
 */
import zlib from 'node:zlib';
import { crc32, crc32Append, crc32Shift } from './crc32';

/** Compression level of the kept slices: zlib's default; the text compresses ~20:1 either way. */
export const GZIP_LEVEL = 6;

/** A slice compressed on its own: raw deflate data (no final block) and its input's CRC-32, length and crc32Shift. */
export interface DeflatedPiece {
  deflate: Buffer;
  crc: number;
  length: number;
  shift: number;
}

/**
 * Compresses each slice into a piece of its own, in one deflate stream on libuv's thread pool:
 * a full flush after each slice ends its piece and clears the history, so any sequence of pieces
 * is valid deflate data.
 */
export async function deflatePieces(slices: readonly Buffer[], level = GZIP_LEVEL): Promise<DeflatedPiece[]> {
  if (slices.length === 0) return [];
  const deflate = zlib.createDeflateRaw({ level });
  const out: Buffer[] = [];
  let outBytes = 0;
  deflate.on('data', (d: Buffer) => {
    out.push(d);
    outBytes += d.length;
  });
  // Where each piece's data ends in the output: a flush's callback runs once its output is out.
  // The CRCs are taken there too, a slice per callback (all at once held the event loop for
  // ~100 ms on a first compression at 20 000 targets).
  const ends: number[] = [];
  const crcs: number[] = [];
  const flushed = new Promise<void>((resolve, reject) => {
    deflate.once('error', reject);
    for (const slice of slices) {
      // The slices are views of buffers that are never written again: zlib reads them in place.
      if (slice.length > 0) deflate.write(slice);
      deflate.flush(zlib.constants.Z_FULL_FLUSH, () => {
        ends.push(outBytes);
        crcs.push(crc32(slice));
        if (ends.length === slices.length) resolve();
      });
    }
  });
  try {
    await flushed;
  } finally {
    deflate.close();
  }
  // Each piece from the output chunks it lies in: a view where it lies in one (most do), a copy
  // of its own parts where it spans several; the output is never joined whole (at 20 000
  // targets a first compression's 5 MB, copied in one go, held the event loop for ~20 ms).
  const pieces = new Array<DeflatedPiece>(slices.length);
  let chunk = 0;
  let chunkStart = 0;
  let from = 0;
  for (let i = 0; i < slices.length; i++) {
    const to = ends[i];
    const parts: Buffer[] = [];
    for (let at = from; at < to; ) {
      while (chunkStart + out[chunk].length <= at) chunkStart += out[chunk++].length;
      const end = Math.min(to, chunkStart + out[chunk].length);
      parts.push(out[chunk].subarray(at - chunkStart, end - chunkStart));
      at = end;
    }
    const deflate = parts.length === 1 ? parts[0] : Buffer.concat(parts, to - from);
    pieces[i] = { deflate, crc: crcs[i], length: slices[i].length, shift: crc32Shift(slices[i].length) };
    from = to;
  }
  return pieces;
}

// The header zlib writes: magic, deflate, no flags, no mtime, no extra flags, OS unknown.
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
// An empty final block (fixed Huffman: BFINAL 1, BTYPE 01, end-of-block code): ends the deflate data.
const LAST_BLOCK = Buffer.from([0x03, 0x00]);

/**
 * One gzip stream holding `head` followed by the pieces' inputs, as buffers to write in order
 * (the pieces' bytes are shared, not copied).
 */
export function gzipJoin(head: Buffer, pieces: readonly DeflatedPiece[]): Buffer[] {
  const first = zlib.deflateRawSync(head, { level: GZIP_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  let crc = crc32(head);
  let length = head.length;
  const parts: Buffer[] = [HEADER, first];
  for (const p of pieces) {
    crc = crc32Append(crc, p.crc, p.shift);
    length += p.length;
    if (p.deflate.length > 0) parts.push(p.deflate);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  parts.push(LAST_BLOCK, trailer);
  return parts;
}
