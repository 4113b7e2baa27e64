/**
 * Collects a target's sample lines family by family while the generators of families.ts run:
 * the label name prefixes of every family are built once, so writing a sample is a few string
 * pushes. Lines are joined a batch at a time (every ITEMS_PER_STEP samples), so no join is large.
 */
import { ITEMS_PER_STEP } from '../slices';
import { escapeLabelValue, formatValue } from './exposition';
import { TARGET_FAMILIES, type SampleSink } from './families';

/** Per family: `name{`, and `,label="` / `",label="` before each of its own label values. */
const OPENERS = TARGET_FAMILIES.map((f) => `${f.name}{`);
const LABEL_PREFIXES = TARGET_FAMILIES.map((f) => f.labels.map((l, i) => `${i === 0 ? ',' : '",'}${l}="`));

export class SampleWriter implements SampleSink {
  /** Labels every sample of the current subject starts with (target labels, process_type, ...). */
  base = '';
  /** Per family: finished batches of text. */
  private readonly batches: string[][] = TARGET_FAMILIES.map(() => []);
  /** Per family: the pieces of the batch being written. */
  private readonly pieces: string[][] = TARGET_FAMILIES.map(() => []);
  private current: string[] = [];
  private opener = '';
  private prefixes: readonly string[] = [];
  private samples = 0;

  /** Makes family `f` (an index into TARGET_FAMILIES) the one the next samples belong to. */
  select(f: number): void {
    this.current = this.pieces[f];
    this.opener = OPENERS[f];
    this.prefixes = LABEL_PREFIXES[f];
  }

  sample(value: number, a?: string, b?: string, c?: string): void {
    const p = this.current;
    const prefixes = this.prefixes;
    p.push(this.opener, this.base);
    if (a === undefined) {
      p.push('} ', formatValue(value), '\n');
    } else {
      p.push(prefixes[0], escapeLabelValue(a));
      if (b !== undefined) p.push(prefixes[1], escapeLabelValue(b));
      if (c !== undefined) p.push(prefixes[2], escapeLabelValue(c));
      p.push('"} ', formatValue(value), '\n');
    }
    this.samples += 1;
  }

  /** Closes the open batches once they hold ITEMS_PER_STEP samples: then it is time to yield. */
  stepDone(): boolean {
    if (this.samples < ITEMS_PER_STEP) return false;
    this.closeBatches();
    return true;
  }

  /** The text of every family, as batches (indexed like TARGET_FAMILIES). */
  finish(): string[][] {
    this.closeBatches();
    return this.batches;
  }

  private closeBatches(): void {
    for (let f = 0; f < this.pieces.length; f++) {
      const open = this.pieces[f];
      if (open.length === 0) continue;
      this.batches[f].push(open.join(''));
      open.length = 0;
    }
    this.samples = 0;
  }
}
