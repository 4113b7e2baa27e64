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
import { TARGET_FAMILIES, type InstanceFamily, type ProcessFamily, type TargetFamily } from './families';
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
}

/** A target without any series (one not deployed). */
export const NO_SERIES: TargetChunks = { bytes: Buffer.alloc(0), ranges: new Array<number>(2 * TARGET_FAMILIES.length).fill(0) };

/** The sample lines of family `f` (an index into TARGET_FAMILIES) of a target; "" when it has none. */
export function familyText(chunks: TargetChunks, f: number): string {
  return chunks.bytes.toString('utf8', chunks.ranges[2 * f], chunks.ranges[2 * f + 1]);
}

/**
 * Renders the target's series, one chunk per family (empty where it has none), as steps (run them
 * with runInSlices or runAtOnce).
 */
export function* renderSteps(view: TargetView): Steps<TargetChunks> {
  const { byScope } = view.families ?? ALL_FAMILIES;
  const processFamilies = byScope.process;
  const instanceFamilies = view.instanceMetrics ? byScope.instance : [];
  const targetFamilies = byScope.target;
  const out = new SampleWriter();

  for (const row of view.rows ?? []) {
    out.base = `${view.labels},process_type="${escapeLabelValue(row.process_type)}"`;
    for (const f of processFamilies) {
      const family = TARGET_FAMILIES[f] as ProcessFamily;
      out.select(f);
      if (!family.elements) {
        family.generate(row as never, out);
        continue;
      }
      for (const element of family.elements(row)) {
        family.generate(element as never, out);
        if (out.stepDone()) yield;
      }
    }
    if (instanceFamilies.length > 0) {
      const pl = out.base;
      for (const inst of row.instances) {
        out.base = `${pl},instance_name="${escapeLabelValue(inst.name)}"`;
        for (const f of instanceFamilies) {
          out.select(f);
          (TARGET_FAMILIES[f] as InstanceFamily).generate(inst, out);
        }
        if (out.stepDone()) yield;
      }
    }
    if (out.stepDone()) yield;
  }

  out.base = view.labels;
  for (const f of targetFamilies) {
    out.select(f);
    (TARGET_FAMILIES[f] as TargetFamily).generate(view, out);
  }
  const batches = out.finish();

  const ranges: number[] = [];
  let size = 0;
  for (const family of batches) {
    const from = size;
    for (const text of family) size += Buffer.byteLength(text);
    ranges.push(from, size);
  }
  // Its own allocation, not a slice of Buffer's shared pool: a pool slab would stay alive as long
  // as any target rendered into it.
  const bytes = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const family of batches) {
    for (const text of family) {
      at += bytes.write(text, at);
      yield; // a batch is at most ITEMS_PER_STEP lines
    }
  }
  return { bytes, ranges };
}

/** renderSteps run at once. */
export function renderTargetChunks(view: TargetView): TargetChunks {
  return runAtOnce(renderSteps(view));
}
