/**
 * The targets' rendered series, kept in groups of consecutive targets, one buffer per group.
 *
 * Why groups: a refresh renders each target's series into a buffer of its own; something must
 * gather them into the family-ordered exposition. Gathering everything into one buffer (as this
 * exporter first did) held three copies of the text at the end of a refresh — the last render,
 * the fresh chunks and the new render, 3 × 28.6 MB at 5 000 targets. A group is packed as soon
 * as all of its targets have new chunks (targets refresh in order, so groups complete one after
 * another), and otherwise at the next scrape: the text is held about once, and each change
 * re-packs only its group.
 */
import { joinPacked, packChunks, type PackedTargets } from '../metrics/render';
import type { TargetChunks } from '../metrics/targetChunks';

/** Targets per group: ~570 KB of text per group at the benchmark's 5.7 KB per target. */
export const GROUP_SIZE = 100;

interface Group<T> {
  readonly members: readonly T[];
  /** members[i]'s series: views of `packed` once packed; undefined for a target without any yet. */
  readonly chunks: (TargetChunks | undefined)[];
  packed: PackedTargets;
  /** Some member's chunks are not in `packed` yet. */
  stale: boolean;
  /** Members (by index) with new chunks since the last pack. */
  readonly changed: Set<number>;
}

interface Slot<T> {
  readonly group: Group<T>;
  readonly index: number;
}

const EMPTY: PackedTargets = { bytes: Buffer.alloc(0), families: [] };

/**
 * The groups own their targets' rendered series: a target (any object, compared by identity) is
 * only a key here, never written to.
 */
export class TargetGroups<T extends object> {
  private groups: Group<T>[] = [];
  private slotOf = new Map<T, Slot<T>>();

  constructor(private readonly groupSize = GROUP_SIZE) {}

  /**
   * Regroups the targets (in this order); every group is packed at the next `segments()`. A
   * target's series are `fresh`'s, else those it had here before, else none yet.
   */
  setTargets(targets: readonly T[], fresh: ReadonlyMap<T, TargetChunks>): void {
    const groups: Group<T>[] = [];
    const slotOf = new Map<T, Slot<T>>();
    for (let i = 0; i < targets.length; i += this.groupSize) {
      const members = targets.slice(i, i + this.groupSize);
      const group: Group<T> = { members, chunks: members.map((t) => fresh.get(t) ?? this.chunksOf(t)), packed: EMPTY, stale: true, changed: new Set() };
      groups.push(group);
      members.forEach((t, index) => slotOf.set(t, { group, index }));
    }
    this.groups = groups;
    this.slotOf = slotOf;
  }

  /** The target's current series (views of its group's pack once packed); undefined for one not grouped or without any. */
  chunksOf(target: T): TargetChunks | undefined {
    const slot = this.slotOf.get(target);
    return slot?.group.chunks[slot.index];
  }

  /** The target has new series; its group is packed now if every one of its targets has. */
  changed(target: T, chunks: TargetChunks): void {
    const slot = this.slotOf.get(target);
    if (!slot) return;
    const { group, index } = slot;
    group.chunks[index] = chunks;
    group.stale = true;
    group.changed.add(index);
    if (group.changed.size === group.members.length) this.pack(group);
  }

  /** The exposition of every target, as buffers to write in order (packs stale groups first). */
  segments(): Buffer[] {
    for (const g of this.groups) if (g.stale) this.pack(g);
    return joinPacked(this.groups.map((g) => g.packed));
  }

  private pack(group: Group<T>): void {
    const present = group.chunks.flatMap((c, i) => (c ? [i] : []));
    const { bytes, families, placed } = packChunks(present.map((i) => group.chunks[i]!));
    // Each target's text is now a view of the pack: its own buffer (and the group's previous
    // pack, once all of its targets have moved) can go.
    present.forEach((i, j) => (group.chunks[i] = placed[j]));
    group.packed = { bytes, families };
    group.stale = false;
    group.changed.clear();
  }
}
