/**
 * The bytes of a /metrics answer: the targets' series, packed once per change (shared by every
 * scrape until then, in plain and gzip form), and the exporter's own metrics, fresh per scrape.
 */
import { deflatedSlices } from './deflatedSlices';
import { gzipJoin, type DeflatedPiece } from './gzip';

/** Every target's series, as buffers in order, shared by the scrapes until a target changes. */
export class RenderedTargets {
  private deflating?: Promise<DeflatedPiece[]>;
  /** Bytes in all segments. */
  readonly length: number;

  constructor(readonly segments: readonly Buffer[]) {
    this.length = segments.reduce((n, s) => n + s.length, 0);
  }

  /** The segments compressed for gzipJoin, on first use (each segment compressed before is reused), then kept. */
  deflated(): Promise<DeflatedPiece[]> {
    if (!this.deflating) {
      this.deflating = deflatedSlices(this.segments);
      this.deflating.catch(() => {
        this.deflating = undefined;
      });
    }
    return this.deflating;
  }

  text(): string {
    return Buffer.concat(this.segments, this.length).toString('utf8');
  }
}

/** A /metrics answer: the exporter's own metrics, then every target's series. */
export class ScrapeBody {
  constructor(
    readonly own: string,
    readonly targets: RenderedTargets,
  ) {}

  /** The uncompressed body as buffers to write in order (the targets' part is not copied). */
  plain(): Buffer[] {
    return [Buffer.from(this.own), ...this.targets.segments];
  }

  /** The body as one gzip stream, as buffers to write in order. */
  async gzip(): Promise<Buffer[]> {
    return gzipJoin(Buffer.from(this.own), await this.targets.deflated());
  }

  /** The whole body as text (for --once and tests; a scrape writes the buffers). */
  text(): string {
    return this.own + this.targets.text();
  }
}
