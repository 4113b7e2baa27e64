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
import { ITEMS_PER_STEP, runAtOnce, type Steps } from '../slices';
import { FETCH_ERROR_REASONS, type FetchErrorReason } from '../upstream/errors';
import { escapeLabelValue, formatValue } from './exposition';
import { FAMILY_INDEX, INSTANCE, PROCESS, TARGET, TARGET_FAMILIES } from './families';

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
  // Per family: finished batches of text, and the pieces of the batch being written. Every
  // ITEMS_PER_STEP samples the open batches are joined, so no join or write is ever large.
  const batches: string[][] = TARGET_FAMILIES.map(() => []);
  const pieces: string[][] = TARGET_FAMILIES.map(() => []);
  let samples = 0;
  const add = (familyName: string, labels: string, value: number) => {
    pieces[FAMILY_INDEX.get(familyName)!].push(familyName, '{', labels, '} ', formatValue(value), '\n');
    samples += 1;
  };
  const closeBatches = () => {
    for (let f = 0; f < pieces.length; f++) {
      if (pieces[f].length === 0) continue;
      batches[f].push(pieces[f].join(''));
      pieces[f] = [];
    }
    samples = 0;
  };
  /** Closes the batches once they hold ITEMS_PER_STEP samples: then it is time to yield. */
  const stepDone = (): boolean => {
    if (samples < ITEMS_PER_STEP) return false;
    closeBatches();
    return true;
  };

  for (const row of view.rows ?? []) {
    const pl = `${view.labels},process_type="${escapeLabelValue(row.process_type)}"`;
    add(PROCESS.replicas.name, pl, row.replicas);
    add(PROCESS.success.name, pl, row.success);
    add(PROCESS.failed.name, pl, row.failed);
    if (row.target_replicas !== undefined) add(PROCESS.targetReplicas.name, pl, row.target_replicas);
    if (row.max_replicas !== undefined) add(PROCESS.maxReplicas.name, pl, row.max_replicas);
    if (row.stale_instances !== undefined) add(PROCESS.staleInstances.name, pl, row.stale_instances);
    for (const [state, n] of row.instances_by_state) {
      add(PROCESS.instances.name, `${pl},state="${escapeLabelValue(state)}"`, n);
      if (stepDone()) yield;
    }
    add(PROCESS.readyInstances.name, pl, row.ready_instances);
    add(PROCESS.restarts.name, pl, row.restarts);
    if (row.latest_version !== undefined) add(PROCESS.version.name, pl, row.latest_version);
    if (row.target_status !== undefined) {
      add(PROCESS.targetStatus.name, `${pl},status="start"`, row.target_status === 'start' ? 1 : 0);
      add(PROCESS.targetStatus.name, `${pl},status="stop"`, row.target_status === 'stop' ? 1 : 0);
    }
    if (row.settled !== undefined) add(PROCESS.settled.name, pl, row.settled);
    for (const info of row.infos) {
      add(
        PROCESS.info.name,
        `${pl},name="${escapeLabelValue(info.name)}",cluster_link="${escapeLabelValue(info.cluster_link)}"`,
        1,
      );
      if (stepDone()) yield;
    }
    if (view.instanceMetrics) {
      for (const inst of row.instances) {
        const il = `${pl},instance_name="${escapeLabelValue(inst.name)}"`;
        add(INSTANCE.ready.name, il, inst.ready ? 1 : 0);
        add(INSTANCE.restarts.name, il, inst.restart_count);
        if (inst.start_time !== undefined) add(INSTANCE.startTime.name, il, inst.start_time);
        add(
          INSTANCE.info.name,
          `${il},state="${escapeLabelValue(inst.state)}",version="${inst.version ?? ''}",image="${escapeLabelValue(inst.image)}"`,
          1,
        );
        if (stepDone()) yield;
      }
    }
    if (stepDone()) yield;
  }

  add(TARGET.up.name, view.labels, view.up ? 1 : 0);
  if (view.durationSeconds !== undefined) add(TARGET.fetchDuration.name, view.labels, view.durationSeconds);
  if (view.lastSuccessSeconds !== undefined) add(TARGET.lastSuccess.name, view.labels, view.lastSuccessSeconds);
  for (const reason of FETCH_ERROR_REASONS) {
    const n = view.errorCounts.get(reason);
    if (n) add(TARGET.fetchErrors.name, `${view.labels},reason="${reason}"`, n);
  }
  closeBatches();

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
