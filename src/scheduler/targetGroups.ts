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

/** A target as far as grouping goes (a TargetRecord): its chunks, replaced by views once packed. */
export interface ChunkHolder {
  chunks?: TargetChunks;
}

/** Targets per group: ~570 KB of text per group at the benchmark's 5.7 KB per target. */
export const GROUP_SIZE = 100;

interface Group {
  readonly records: readonly ChunkHolder[];
  packed: PackedTargets;
  /** Some target's chunks are not in `packed` yet. */
  stale: boolean;
  /** Targets with new chunks since the last pack. */
  readonly changed: Set<ChunkHolder>;
}

const EMPTY: PackedTargets = { bytes: Buffer.alloc(0), families: [] };

export class TargetGroups<T extends ChunkHolder = ChunkHolder> {
  private groups: Group[] = [];
  private groupOf = new Map<ChunkHolder, Group>();

  constructor(private readonly groupSize = GROUP_SIZE) {}

  /** Regroups the targets (in this order); every group is packed at the next `segments()`. */
  setTargets(records: readonly T[]): void {
    this.groups = [];
    this.groupOf = new Map();
    for (let i = 0; i < records.length; i += this.groupSize) {
      const group: Group = { records: records.slice(i, i + this.groupSize), packed: EMPTY, stale: true, changed: new Set() };
      this.groups.push(group);
      for (const r of group.records) this.groupOf.set(r, group);
    }
  }

  /** The target has new chunks; its group is packed now if every one of its targets has. */
  changed(record: T): void {
    const group = this.groupOf.get(record);
    if (!group) return;
    group.stale = true;
    group.changed.add(record);
    if (group.changed.size === group.records.length) this.pack(group);
  }

  /** The exposition of every target, as buffers to write in order (packs stale groups first). */
  segments(): Buffer[] {
    for (const g of this.groups) if (g.stale) this.pack(g);
    return joinPacked(this.groups.map((g) => g.packed));
  }

  private pack(group: Group): void {
    const records = group.records.filter((r) => r.chunks);
    const { bytes, families, placed } = packChunks(records.map((r) => r.chunks!));
    // Each target's text is now a view of the pack: its own buffer (and the group's previous
    // pack, once all of its targets have moved) can go.
    records.forEach((r, i) => (r.chunks = placed[i]));
    group.packed = { bytes, families };
    group.stale = false;
    group.changed.clear();
  }
}
