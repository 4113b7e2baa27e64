/**
 * Collects a target's sample lines one family after the other (in TARGET_FAMILIES order) while
 * the generators of families.ts run, then writes them into one buffer with a byte range per
 * family. The label name prefixes of every family are built once, so a sample is a few string
 * pushes onto one array that every family of the target reuses; its pieces are joined a batch at
 * a time (every ITEMS_PER_STEP samples, and at the end of each family), so no join is large.
 *
 * Garbage matters here: this runs for every target on every refresh, and what it leaves behind
 * is most of what the young generation collects (at a small semi-space, whatever is alive at a
 * collection is promoted and later costs a full one).
 */
import { ITEMS_PER_STEP } from '../slices';
import { escapeLabelValue, formatValue } from './exposition';
import { TARGET_FAMILIES, type SampleSink } from './families';

const FAMILIES = TARGET_FAMILIES.length;
/** Per family: `name{`, and `,label="` / `",label="` before each of its own label values. */
const OPENERS = TARGET_FAMILIES.map((f) => `${f.name}{`);
const LABEL_PREFIXES = TARGET_FAMILIES.map((f) => f.labels.map((l, i) => `${i === 0 ? ',' : '",'}${l}="`));

export class SampleWriter implements SampleSink {
  /** Labels every sample of the current subject starts with (target labels, process_type, ...). */
  base = '';
  /** Joined batches of text, families in order. */
  private readonly texts: string[] = [];
  /** Per family f: texts[textEnds[f - 1] .. textEnds[f]) are its text (the previous family's end for f = 0 is 0). */
  private readonly textEnds = new Array<number>(FAMILIES).fill(0);
  /** The pieces of the batch being written. */
  private readonly pieces: string[] = [];
  private family = 0;
  private opener = '';
  private prefixes: readonly string[] = [];
  private samples = 0;

  /**
   * Makes family `f` (an index into TARGET_FAMILIES) the one the next samples belong to. Families
   * are written in increasing order; a family not selected has no samples.
   */
  select(f: number): void {
    this.closeBatch();
    for (let g = this.family; g < f; g++) this.textEnds[g] = this.texts.length;
    this.family = f;
    this.opener = OPENERS[f];
    this.prefixes = LABEL_PREFIXES[f];
  }

  sample(value: number, a?: string, b?: string, c?: string): void {
    const p = this.pieces;
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

  /** Closes the open batch once it holds ITEMS_PER_STEP samples: then it is time to yield. */
  stepDone(): boolean {
    if (this.samples < ITEMS_PER_STEP) return false;
    this.closeBatch();
    return true;
  }

  /**
   * Ends the last family and lays the text out: every family's bytes back to back in one buffer
   * of its own (not a slice of Buffer's shared pool, which would live as long as any target
   * rendered into it), `ranges[2f]..ranges[2f + 1]` for family f. Returns the steps of writing
   * it (each text written is at most a batch), and the result once they have run.
   */
  *write(): Generator<void, { bytes: Buffer; ranges: number[] }, void> {
    this.select(FAMILIES);
    const texts = this.texts;
    const sizes = new Array<number>(texts.length);
    let size = 0;
    for (let i = 0; i < texts.length; i++) {
      sizes[i] = Buffer.byteLength(texts[i]);
      size += sizes[i];
    }
    const ranges = new Array<number>(2 * FAMILIES);
    let at = 0;
    let t = 0;
    for (let f = 0; f < FAMILIES; f++) {
      ranges[2 * f] = at;
      for (; t < this.textEnds[f]; t++) at += sizes[t];
      ranges[2 * f + 1] = at;
    }
    const bytes = Buffer.allocUnsafeSlow(size);
    at = 0;
    for (let i = 0; i < texts.length; i++) {
      at += bytes.write(texts[i], at);
      // Small targets' texts are written at once; a large target's batches one per step.
      if (sizes[i] > WRITE_STEP_BYTES) yield;
    }
    return { bytes, ranges };
  }

  private closeBatch(): void {
    this.samples = 0;
    if (this.pieces.length === 0) return;
    this.texts.push(this.pieces.join(''));
    this.pieces.length = 0;
  }
}

/** A text longer than this is followed by a step boundary when written (a batch of samples is ~50 KB). */
const WRITE_STEP_BYTES = 16 * 1024;
