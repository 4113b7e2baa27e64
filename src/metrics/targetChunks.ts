/**
 * Renders one target's series to text once per refresh, as one chunk per family (indexed like
 * TARGET_FAMILIES), so a scrape only concatenates chunks (the kube-state-metrics approach).
 */
import type { ProcessRow } from '../model/aggregate';
import { FETCH_ERROR_REASONS, type FetchErrorReason } from '../upstream/errors';
import { escapeLabelValue, sampleLine } from './exposition';
import { FAMILY_INDEX, INSTANCE, PROCESS, TARGET, TARGET_FAMILIES } from './families';

/** What is known about a target after its last completed fetch. */
export interface TargetView {
  /** The target's own labels, formatted: `app_code="a",module_name="m",environment="e"[,extra...]`. */
  labels: string;
  up: boolean;
  durationSeconds: number;
  /** Unix seconds of the last successful fetch; undefined before the first. */
  lastSuccessSeconds?: number;
  errorCounts: ReadonlyMap<FetchErrorReason, number>;
  /** Process rows of the last fetch; undefined when it failed. */
  rows?: readonly ProcessRow[];
  instanceMetrics: boolean;
}

/** Returns the target's series text per family; "" where it has none. */
export function renderTargetChunks(view: TargetView): string[] {
  const chunks: string[] = new Array<string>(TARGET_FAMILIES.length).fill('');
  const add = (familyName: string, labels: string, value: number) => {
    const i = FAMILY_INDEX.get(familyName)!;
    chunks[i] += sampleLine(familyName, labels, value);
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
      }
    }
  }

  add(TARGET.up.name, view.labels, view.up ? 1 : 0);
  add(TARGET.fetchDuration.name, view.labels, view.durationSeconds);
  if (view.lastSuccessSeconds !== undefined) add(TARGET.lastSuccess.name, view.labels, view.lastSuccessSeconds);
  for (const reason of FETCH_ERROR_REASONS) {
    const n = view.errorCounts.get(reason);
    if (n) add(TARGET.fetchErrors.name, `${view.labels},reason="${reason}"`, n);
  }
  return chunks;
}
