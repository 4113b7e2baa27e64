/**
 * The compressed form of each slice of the targets' text, kept while the slice's bytes live.
 * Keyed by the memory a slice views (its ArrayBuffer, offset and length), not by the view: a
 * scrape makes new views of the same packs, and must find what an earlier scrape compressed.
 * Sound because the targets' buffers are written once, before any scrape sees them, and never
 * again; a pack that is replaced takes its pieces with it when it is collected.
 */
import { deflatePieces, type DeflatedPiece } from './gzip';

interface Entry {
  readonly length: number;
  piece?: DeflatedPiece;
  /** The compression under way that will set `piece`. */
  pending?: Promise<void>;
}

const kept = new WeakMap<ArrayBufferLike, Map<number, Entry>>();

/**
 * Each slice compressed on its own (see deflatePieces), in order: the kept pieces, and the rest
 * compressed now in one go, off the event loop. Scrapes at the same time share a compression.
 */
export async function deflatedSlices(slices: readonly Buffer[]): Promise<DeflatedPiece[]> {
  const entries = new Array<Entry>(slices.length);
  const missing: Buffer[] = [];
  const fresh: Entry[] = [];
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < slices.length; i++) {
    const s = slices[i];
    let byOffset = kept.get(s.buffer);
    if (!byOffset) kept.set(s.buffer, (byOffset = new Map()));
    let entry = byOffset.get(s.byteOffset);
    if (!entry || entry.length !== s.length) {
      entry = { length: s.length };
      byOffset.set(s.byteOffset, entry);
      missing.push(s);
      fresh.push(entry);
    } else if (entry.pending) {
      pending.add(entry.pending);
    }
    entries[i] = entry;
  }
  if (missing.length > 0) {
    const done = deflatePieces(missing).then(
      (pieces) => pieces.forEach((p, j) => {
        fresh[j].piece = p;
        fresh[j].pending = undefined;
      }),
      (err: unknown) => {
        // Forgotten, so that the next scrape tries again.
        missing.forEach((s, j) => {
          const byOffset = kept.get(s.buffer);
          if (byOffset?.get(s.byteOffset) === fresh[j]) byOffset.delete(s.byteOffset);
        });
        throw err;
      },
    );
    for (const e of fresh) e.pending = done;
    pending.add(done);
  }
  if (pending.size > 0) await Promise.all(pending);
  return entries.map((e) => {
    if (!e.piece) throw new Error('a slice of the targets\' text could not be compressed');
    return e.piece;
  });
}
