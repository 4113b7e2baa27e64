/** Joins per-target chunks into exposition text, one block per family. */
import { familyHeader } from './exposition';
import { TARGET_FAMILIES } from './families';
import type { TargetChunks } from './targetChunks';

const HEADERS = TARGET_FAMILIES.map((f) => Buffer.from(familyHeader(f), 'utf8'));

/** An exposition of targets and, per target, where its chunks are in it. */
export interface PlacedRender {
  bytes: Buffer;
  /** `placed[i]`: targets[i]'s chunks as views of `bytes`. */
  placed: TargetChunks[];
}

/**
 * Concatenates the given targets' chunks family by family (the text format wants a family's
 * series together under one header) into one buffer. Families without any series are left out.
 */
export function renderTargetsPlaced(targets: readonly TargetChunks[]): PlacedRender {
  const families = TARGET_FAMILIES.length;
  const present = new Array<boolean>(families).fill(false);
  let size = 0;
  for (const t of targets) {
    for (let f = 0; f < families; f++) {
      const length = t.ranges[2 * f + 1] - t.ranges[2 * f];
      if (length > 0) {
        size += length;
        present[f] = true;
      }
    }
  }
  for (let f = 0; f < families; f++) if (present[f]) size += HEADERS[f].length;
  const bytes = Buffer.allocUnsafe(size);
  const ranges = targets.map(() => new Array<number>(2 * families).fill(0));
  let at = 0;
  for (let f = 0; f < families; f++) {
    if (!present[f]) continue;
    at += HEADERS[f].copy(bytes, at);
    targets.forEach((t, i) => {
      const from = t.ranges[2 * f];
      const to = t.ranges[2 * f + 1];
      if (to <= from) return;
      ranges[i][2 * f] = at;
      at += t.bytes.copy(bytes, at, from, to);
      ranges[i][2 * f + 1] = at;
    });
  }
  return { bytes, placed: ranges.map((r) => ({ bytes, ranges: r })) };
}

/** The exposition of the given targets as one buffer. */
export function renderTargetsBuffer(targets: readonly TargetChunks[]): Buffer {
  return renderTargetsPlaced(targets).bytes;
}

/** The same exposition as text (for /probe and --once; /metrics writes the buffer). */
export function renderTargets(targets: readonly TargetChunks[]): string {
  return renderTargetsBuffer(targets).toString('utf8');
}
