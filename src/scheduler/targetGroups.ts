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
import { chunkBytes, joinPacked, ownPacks, packChunks, packTargetFamilies, type PackedTargets } from '../metrics/render';
import type { TargetChunks } from '../metrics/targetChunks';

/** Targets per group: ~570 KB of text per group at the benchmark's 5.7 KB per target. */
export const GROUP_SIZE = 100;

/**
 * A target whose series take more than this is not copied into its group's pack but written from
 * its own buffer: copying the 15 MB of a 100 000-item target held the event loop for tens of ms.
 */
export const COPY_LIMIT_BYTES = 1024 * 1024;

interface Group<T> {
  readonly members: readonly T[];
  /** members[i]'s series: views of `packed` once packed; undefined for a target without any yet. */
  readonly chunks: (TargetChunks | undefined)[];
  /** One pack of the members' series, or several where a member's are too large to copy (in member order). */
  packed: PackedTargets[];
  /** Some member's chunks are not in `packed` yet. */
  stale: boolean;
  /** Members (by index) with new chunks since the last pack. */
  readonly changed: Set<number>;
}

interface Slot<T> {
  readonly group: Group<T>;
  readonly index: number;
}


/**
 * The groups own their targets' rendered series: a target (any object, compared by identity) is
 * only a key here, never written to.
 */
export class TargetGroups<T extends object> {
  private groups: Group<T>[] = [];
  private slotOf = new Map<T, Slot<T>>();

  constructor(
    private readonly groupSize = GROUP_SIZE,
    private readonly copyLimitBytes = COPY_LIMIT_BYTES,
  ) {}

  /**
   * Regroups the targets (in this order); every group is packed at the next `segments()`. A
   * target's series are `fresh`'s, else those it had here before, else none yet.
   */
  setTargets(targets: readonly T[], fresh: ReadonlyMap<T, TargetChunks>): void {
    const groups: Group<T>[] = [];
    const slotOf = new Map<T, Slot<T>>();
    for (let i = 0; i < targets.length; i += this.groupSize) {
      const members = targets.slice(i, i + this.groupSize);
      // A group the reload left as it was keeps its pack: packing every group again at the next
      // scrape held the event loop for over 100 ms at 20 000 targets.
      const group: Group<T> = this.unchanged(members, fresh) ?? {
        members,
        chunks: members.map((t) => fresh.get(t) ?? this.chunksOf(t)),
        packed: [],
        stale: true,
        changed: new Set(),
      };
      groups.push(group);
      members.forEach((t, index) => slotOf.set(t, { group, index }));
    }
    this.groups = groups;
    this.slotOf = slotOf;
  }

  /** The group that holds exactly these members, in this order, none of them with fresh series; undefined when there is none. */
  private unchanged(members: readonly T[], fresh: ReadonlyMap<T, TargetChunks>): Group<T> | undefined {
    const group = this.slotOf.get(members[0])?.group;
    if (!group || group.members.length !== members.length) return undefined;
    for (let i = 0; i < members.length; i++) if (group.members[i] !== members[i] || fresh.has(members[i])) return undefined;
    return group;
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
    return joinPacked(this.groups.flatMap((g) => g.packed));
  }

  private pack(group: Group<T>): void {
    // Every member's process series still in the group's own first pack (answers the same as
    // the last): only the target families are packed anew.
    const rows = group.packed[0];
    if (rows && group.chunks.every((c) => c !== undefined && c.bytes === rows.bytes)) {
      const { packs, placed } = packTargetFamilies(group.chunks as TargetChunks[], rows);
      placed.forEach((p, i) => (group.chunks[i] = p));
      group.packed = packs;
      group.stale = false;
      group.changed.clear();
      return;
    }
    const packs: PackedTargets[] = [];
    let run: number[] = [];
    const packRun = () => {
      if (run.length === 0) return;
      const { bytes, families, placed } = packChunks(run.map((i) => group.chunks[i]!));
      // Each target's text is now a view of the pack: its own buffer (and the group's previous
      // pack, once all of its targets have moved) can go.
      run.forEach((i, j) => (group.chunks[i] = placed[j]));
      packs.push({ bytes, families });
      run = [];
    };
    group.chunks.forEach((chunks, i) => {
      if (!chunks) return;
      if (chunkBytes(chunks) <= this.copyLimitBytes) {
        run.push(i);
        return;
      }
      packRun();
      packs.push(...ownPacks(chunks));
    });
    packRun();
    group.packed = packs;
    group.stale = false;
    group.changed.clear();
  }
}
