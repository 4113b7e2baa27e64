/**
 * Joins per-target chunks into exposition text, one block per family. Targets are packed in
 * groups (one buffer per group, family by family); a scrape writes, for each family, its header
 * and then that family's slice of every group — so a change re-packs only its group.
 */
import { familyHeader } from './exposition';
import { TARGET_FAMILIES } from './families';
import { chunkSource, processFamilyRanges, targetFamilyRanges, withTargetFamilies, type TargetChunks } from './targetChunks';

const FAMILIES = TARGET_FAMILIES.length;
const HEADERS = TARGET_FAMILIES.map((f) => Buffer.from(familyHeader(f), 'utf8'));

/** A group of targets' series in one buffer: family f is bytes[families[2f], families[2f + 1]). */
export interface PackedTargets {
  bytes: Buffer;
  families: readonly number[];
}

/** A pack and, per target, where its chunks are in it. */
export interface PlacedTargets extends PackedTargets {
  /** `placed[i]`: targets[i]'s chunks as views of `bytes`. */
  placed: TargetChunks[];
}

/**
 * Copies the given targets' chunks family by family into one buffer. From then on the caller can
 * hold each target's text as a view of it (`placed`), so the text is kept once, not twice. Chunks
 * that lie back to back in one source (targets whose process series were kept from the previous
 * pack, withTargetFamilies) are copied in one piece.
 */
export function packChunks(targets: readonly TargetChunks[]): PlacedTargets {
  let size = 0;
  for (const t of targets) size += chunkBytes(t);
  // Its own allocation, not a slice of Buffer's shared pool (which would outlive it).
  const bytes = Buffer.allocUnsafeSlow(size);
  const families = new Array<number>(2 * FAMILIES);
  const ranges = targets.map(() => new Array<number>(2 * FAMILIES).fill(0));
  // Bytes placed so far, and the run of source bytes not copied yet (it goes to `at`).
  let at = 0;
  let run: Buffer | undefined;
  let runFrom = 0;
  let runTo = 0;
  const copyRun = () => {
    if (run) at += run.copy(bytes, at, runFrom, runTo);
    run = undefined;
  };
  for (let f = 0; f < FAMILIES; f++) {
    families[2 * f] = at;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      const from = t.ranges[2 * f];
      const to = t.ranges[2 * f + 1];
      if (to <= from) continue;
      const source = chunkSource(t, f);
      if (source !== run || from !== runTo) {
        copyRun();
        run = source;
        runFrom = runTo = from;
      }
      ranges[i][2 * f] = at + (from - runFrom);
      runTo = to;
      ranges[i][2 * f + 1] = at + (to - runFrom);
    }
    copyRun();
    families[2 * f + 1] = at;
  }
  return { bytes, families, placed: ranges.map((r) => ({ bytes, ranges: r })) };
}

/**
 * A target's series as packs of their own, nothing copied (for a target too large to copy): one,
 * or two when its target families are in a buffer apart (`tail`).
 */
export function ownPacks(t: TargetChunks): PackedTargets[] {
  if (t.tail === undefined) return [{ bytes: t.bytes, families: t.ranges }];
  return [
    { bytes: t.bytes, families: processFamilyRanges(t.ranges) },
    { bytes: t.tail, families: targetFamilyRanges(t.ranges) },
  ];
}

/**
 * Packs the given targets' target families (from TARGET_SCOPE_FROM on) anew and keeps their
 * process series where they are, in `rows` (a pack every target's series, `bytes`, lie in): no
 * process series is copied. For a group whose answers were the same as the last, where copying
 * every series into a new pack on each refresh was most of the refresh's memory traffic.
 * Returns the packs to write (`rows` without its target families, then the new one) and each
 * target's series as views of them.
 */
export function packTargetFamilies(targets: readonly TargetChunks[], rows: PackedTargets): { packs: PackedTargets[]; placed: TargetChunks[] } {
  const tails = packChunks(targets.map((t) => ({ bytes: t.bytes, ranges: targetFamilyRanges(t.ranges), tail: t.tail })));
  const kept = { bytes: rows.bytes, families: processFamilyRanges(rows.families) };
  return { packs: [kept, { bytes: tails.bytes, families: tails.families }], placed: targets.map((t, i) => withTargetFamilies(t, tails.placed[i])) };
}

/** The bytes of a target's series (its chunks may be views of a larger pack). */
export function chunkBytes(t: TargetChunks): number {
  let n = 0;
  for (let f = 0; f < FAMILIES; f++) n += Math.max(0, t.ranges[2 * f + 1] - t.ranges[2 * f]);
  return n;
}

/**
 * The exposition of the given packs, in order, as buffers to write one after the other (views,
 * nothing copied): each family's header, then its slice of every pack. Families without any
 * series are left out.
 */
export function joinPacked(packs: readonly PackedTargets[]): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < FAMILIES; f++) {
    let headed = false;
    for (const p of packs) {
      const from = p.families[2 * f];
      const to = p.families[2 * f + 1];
      if (to <= from) continue;
      if (!headed) {
        out.push(HEADERS[f]);
        headed = true;
      }
      out.push(p.bytes.subarray(from, to));
    }
  }
  return out;
}

/** The exposition of the given targets as text (for /probe, --once and tests). */
export function renderTargets(targets: readonly TargetChunks[]): string {
  return Buffer.concat(joinPacked([packChunks(targets)])).toString('utf8');
}
