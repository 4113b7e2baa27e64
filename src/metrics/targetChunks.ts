/**
 * Renders one target's series once per refresh, as UTF-8 bytes with one chunk per family (indexed
 * like TARGET_FAMILIES), so a render only copies chunks (the kube-state-metrics approach). The
 * bytes live outside the JavaScript heap: thousands of targets' text does not make every garbage
 * collection cycle larger.
 *
 * Written as steps (src/slices.ts): a target with 100 000 process items renders in slices, its
 * lines joined a batch at a time, so no single step holds the event loop for long.
 */
import type { ProcessRow } from '../model/aggregate';
import { runAtOnce, type Steps } from '../slices';
import type { FetchErrorReason } from '../upstream/errors';
import { escapeLabelValue } from './exposition';
import { TARGET_FAMILIES } from './families';
import { ALL_FAMILIES, type FamilyFilter } from './familyFilter';
import { SampleWriter } from './sampleWriter';

/** What is known about a target after its last completed fetch (or before its first). */
export interface TargetView {
  /** The target's own labels, formatted: `app_code="a",module_name="m",environment="e"[,extra...]`. */
  labels: string;
  up: boolean;
  /** Duration of the last completed fetch; undefined before the first. */
  durationSeconds?: number;
  /** Unix seconds of the last successful fetch; undefined before the first. */
  lastSuccessSeconds?: number;
  errorCounts: ReadonlyMap<FetchErrorReason, number>;
  /** Process rows of the last fetch; undefined when it failed. */
  rows?: readonly ProcessRow[];
  instanceMetrics: boolean;
  /** Which families to render (metrics.allow / deny); all by default. */
  families?: FamilyFilter;
}

/**
 * One target's rendered series: for each family (TARGET_FAMILIES order) its sample lines are
 * bytes[ranges[2f], ranges[2f + 1]), empty where it has none. Freshly rendered, the chunks are
 * back to back in a buffer of their own; once packed with their group of targets they are views
 * of the group's buffer (see packChunks, scheduler/targetGroups.ts), so the text is held once.
 */
export interface TargetChunks {
  readonly bytes: Buffer;
  readonly ranges: readonly number[];
  /**
   * Set when only the target's own families were rendered anew over series kept from before
   * (withTargetFamilies): families from TARGET_SCOPE_FROM on are in `tail` (their ranges index
   * it), the others in `bytes`.
   */
  readonly tail?: Buffer;
}

/**
 * The first of the target-scope families (`bkpaas_target_*`: up, fetch duration, last success,
 * errors), which come last: the only ones that change when an answer is the same as the last.
 */
export const TARGET_SCOPE_FROM = TARGET_FAMILIES.findIndex((f) => f.scope === 'target');
if (TARGET_SCOPE_FROM < 0 || TARGET_FAMILIES.slice(TARGET_SCOPE_FROM).some((f) => f.scope !== 'target')) {
  throw new Error('families.ts: the target-scope families must come last (withTargetFamilies relies on it)');
}

/** `ranges` (two per family) with the target families' left empty: the process and instance series only. */
export function processFamilyRanges(ranges: readonly number[]): number[] {
  return [...ranges.slice(0, 2 * TARGET_SCOPE_FROM), ...new Array<number>(ranges.length - 2 * TARGET_SCOPE_FROM).fill(0)];
}

/** `ranges` (two per family) with the process and instance families left empty: the target families only. */
export function targetFamilyRanges(ranges: readonly number[]): number[] {
  return [...new Array<number>(2 * TARGET_SCOPE_FROM).fill(0), ...ranges.slice(2 * TARGET_SCOPE_FROM)];
}

/** The buffer family `f` of a target's series is in (its ranges index it). */
export function chunkSource(chunks: TargetChunks, f: number): Buffer {
  return chunks.tail !== undefined && f >= TARGET_SCOPE_FROM ? chunks.tail : chunks.bytes;
}

/**
 * A target's series after an answer the same as the last: the process and instance families of
 * `kept` (its series so far), the target families of `fresh` (rendered with renderSteps from
 * TARGET_SCOPE_FROM). Nothing is copied.
 */
export function withTargetFamilies(kept: TargetChunks, fresh: TargetChunks): TargetChunks {
  const ranges = kept.ranges.slice(0, 2 * TARGET_SCOPE_FROM);
  for (let i = 2 * TARGET_SCOPE_FROM; i < fresh.ranges.length; i++) ranges.push(fresh.ranges[i]);
  return { bytes: kept.bytes, ranges, tail: fresh.bytes };
}

/** A target without any series (one not deployed). */
export const NO_SERIES: TargetChunks = { bytes: Buffer.alloc(0), ranges: new Array<number>(2 * TARGET_FAMILIES.length).fill(0) };

/** The sample lines of family `f` (an index into TARGET_FAMILIES) of a target; "" when it has none. */
export function familyText(chunks: TargetChunks, f: number): string {
  return chunkSource(chunks, f).toString('utf8', chunks.ranges[2 * f], chunks.ranges[2 * f + 1]);
}

/**
 * Renders the target's series, one chunk per family (empty where it has none), as steps (run them
 * with runInSlices or runAtOnce); only the families from index `from` on when given. Family by
 * family, each over every row (and instance): the text comes out in exposition order, so it is
 * written straight into one buffer.
 */
export function* renderSteps(view: TargetView, from = 0): Steps<TargetChunks> {
  const { enabled } = view.families ?? ALL_FAMILIES;
  const rows = view.rows ?? [];
  const out = new SampleWriter();
  // Each row's labels (target labels and process_type), built once for all its families.
  const rowBases = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) rowBases[r] = `${view.labels},process_type="${escapeLabelValue(rows[r].process_type)}"`;
  // With instance_metrics, each instance's labels, built by the first instance family.
  const instanceBases: string[][] = [];

  for (let f = from; f < TARGET_FAMILIES.length; f++) {
    if (!enabled[f]) continue;
    const family = TARGET_FAMILIES[f];
    if (family.scope === 'instance' && !view.instanceMetrics) continue;
    out.select(f);
    if (family.scope === 'target') {
      out.base = view.labels;
      family.generate(view, out);
      continue;
    }
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      out.base = rowBases[r];
      if (family.scope === 'instance') {
        const bases = (instanceBases[r] ??= []);
        for (let i = 0; i < row.instances.length; i++) {
          out.base = bases[i] ??= `${rowBases[r]},instance_name="${escapeLabelValue(row.instances[i].name)}"`;
          family.generate(row.instances[i], out);
          if (out.stepDone()) yield;
        }
      } else if (family.elements) {
        const elements = family.elements(row);
        for (let e = 0; e < elements.length; e++) {
          family.generate(elements[e] as never, out);
          if (out.stepDone()) yield;
        }
      } else {
        family.generate(row as never, out);
      }
      if (out.stepDone()) yield;
    }
  }
  return yield* out.write();
}

/** renderSteps run at once. */
export function renderTargetChunks(view: TargetView): TargetChunks {
  return runAtOnce(renderSteps(view));
}
