/**
 * Logs the optional fields the parser ignored in an answer (src/upstream/depthFields.ts): at
 * most one warning per target refresh, naming each field's path and the kind of value found;
 * a target that keeps sending the same bad fields is not logged again until they change, and
 * each distinct unparsable quantity is logged once per process.
 */
import type { ProcessSnapshot } from '../model/snapshot';

/** Memory bounds: past them the record starts afresh (a repeat may then be logged once more). */
const MAX_REMEMBERED = 10_000;

/** The logger calls this needs (pino's `warn`). */
export interface WarnLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export class DroppedFieldLog {
  private readonly quantitiesSeen = new Set<string>();
  private readonly lastByTarget = new Map<string, string>();

  constructor(private readonly logger: WarnLogger) {}

  /** Called after each successful refresh of `target` with its snapshot's `dropped`. */
  report(target: string, dropped: ProcessSnapshot['dropped']): void {
    if (!dropped) {
      this.lastByTarget.delete(target);
      return;
    }
    const lines = dropped.fields.filter((f) => f.quantity === undefined || this.firstQuantity(f.quantity)).map((f) => `${f.path}: ${f.problem}`);
    const unlisted = dropped.total - dropped.fields.length;
    if (lines.length === 0 && unlisted === 0) return;
    const signature = `${dropped.total}\n${lines.join('\n')}`;
    if (this.lastByTarget.get(target) === signature) return;
    if (this.lastByTarget.size >= MAX_REMEMBERED) this.lastByTarget.clear();
    this.lastByTarget.set(target, signature);
    this.logger.warn({ target, ignored: lines, ignored_total: dropped.total }, 'ignored optional fields of the process list (wrong kind of value or unparsable quantity)');
  }

  private firstQuantity(q: string): boolean {
    if (this.quantitiesSeen.has(q)) return false;
    if (this.quantitiesSeen.size >= MAX_REMEMBERED) this.quantitiesSeen.clear();
    this.quantitiesSeen.add(q);
    return true;
  }
}
