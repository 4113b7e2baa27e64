/**
 * One target's state: its last completed fetch and its in-flight refresh. Owned by the pool
 * (targetPool.ts), which alone changes it; everyone else reads it as a TargetState. Its rendered
 * series are not kept here: each method that records a result returns them, and the pool hands
 * them to the target's group (targetGroups.ts), which holds them.
 */
import type { TargetSpec } from '../config/types';
import { formatLabelPairs } from '../metrics/exposition';
import type { FamilyFilter } from '../metrics/familyFilter';
import { NO_SERIES, renderSteps, renderTargetChunks, TARGET_SCOPE_FROM, withTargetFamilies, type TargetChunks, type TargetView } from '../metrics/targetChunks';
import type { ProcessRow } from '../model/aggregate';
import { processStatus, type ProcessStatus } from '../model/processStatus';
import { runAtOnce, runInSlices } from '../slices';
import type { FetchErrorReason, UpstreamError } from '../upstream/errors';
import type { TargetHealth, TargetState } from './targetState';

/** `app_code/module_name/environment`: a target's identity. */
export function targetKey(t: Pick<TargetSpec, 'app_code' | 'module_name' | 'environment'>): string {
  return `${t.app_code}/${t.module_name}/${t.environment}`;
}

/** The target's own labels, formatted once: app_code, module_name, environment, then its extra labels. */
export function targetLabels(t: TargetSpec): string {
  return formatLabelPairs([
    ['app_code', t.app_code],
    ['module_name', t.module_name],
    ['environment', t.environment],
    ...Object.entries(t.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
}

/** A target's record (see TargetState for what its fields mean). */
export class TargetRecord implements TargetState {
  private _spec: TargetSpec;
  readonly key: string;
  readonly labels: string;
  lastError?: UpstreamError;
  /**
   * The process types of the last successful fetch, for the status page; kept through later
   * failures as the last known state, gone when the target is not deployed.
   */
  processes?: readonly ProcessStatus[];
  lastStartedAt?: number;
  lastFinishedAt?: number;
  lastSuccessAt?: number;
  durationSeconds = 0;
  readonly errorCounts = new Map<FetchErrorReason, number>();
  /** Failed fetches since the last success (drives the failure backoff). */
  failuresInARow = 0;
  inflight?: Promise<void>;
  /**
   * Not fetched again before this time (ms): last start + ttl, later while the target keeps
   * failing (failureBackoff.ts) or after a Retry-After.
   */
  nextDueAt = 0;
  /**
   * The digest of the answer the target's series were last rendered from
   * (upstream/answerDigest.ts); unset once a failure (or an undeployed module) replaced them.
   */
  answerDigest?: string;

  /**
   * A discovered target whose module is not deployed in its environment (404/400): it exports
   * nothing, pages no one, and is re-checked after the next discovery run.
   */
  undeployed = false;

  constructor(
    spec: TargetSpec,
    readonly instanceMetrics: boolean,
    /** The families to render (metrics.allow / deny); all by default. */
    readonly families?: FamilyFilter,
  ) {
    this._spec = spec;
    this.key = targetKey(spec);
    this.labels = targetLabels(spec);
  }

  /**
   * The series before the first fetch completes: `bkpaas_target_up 0` alone, so a target whose
   * fetch hangs or waits for a slot is visible (and alertable) from the start.
   */
  firstChunks(): TargetChunks {
    return renderTargetChunks({ labels: this.labels, up: false, errorCounts: this.errorCounts, instanceMetrics: this.instanceMetrics, families: this.families });
  }

  /** What the config says about this target (its source and discovered flag may change on reload). */
  get spec(): TargetSpec {
    return this._spec;
  }

  /** Takes a reloaded spec of the same target whose cached result stays valid (same key and labels). */
  respec(spec: TargetSpec): void {
    this._spec = spec;
  }

  get health(): TargetHealth {
    if (this.undeployed) return 'undeployed';
    if (this.lastFinishedAt === undefined) return 'pending';
    return this.lastError ? 'down' : 'up';
  }

  isDue(now: number): boolean {
    return !this.inflight && now >= this.nextDueAt;
  }

  /**
   * Records a successful fetch and returns its series, rendered in slices (a target of 100 000
   * items must not hold the event loop); the record changes only once the new series are ready.
   */
  async succeeded(rows: ProcessRow[], startedAt: number, finishedAt: number, answerDigest?: string): Promise<TargetChunks> {
    const durationSeconds = (finishedAt - startedAt) / 1000;
    // The rows are rendered, not kept: at thousands of targets they would double the live heap.
    const chunks = await runInSlices(renderSteps(this.view(durationSeconds, finishedAt, rows)));
    this.recordSuccess(startedAt, finishedAt);
    this.processes = rows.map(processStatus);
    this.answerDigest = answerDigest;
    return chunks;
  }

  /**
   * Records a successful fetch whose answer was the same as the one `kept` (the target's series
   * now) was rendered from: only the target's own families are rendered anew.
   */
  sameAnswer(kept: TargetChunks, startedAt: number, finishedAt: number): TargetChunks {
    const view = this.view((finishedAt - startedAt) / 1000, finishedAt, []);
    const chunks = withTargetFamilies(kept, runAtOnce(renderSteps(view, TARGET_SCOPE_FROM)));
    this.recordSuccess(startedAt, finishedAt);
    return chunks;
  }

  private recordSuccess(startedAt: number, finishedAt: number): void {
    const durationSeconds = (finishedAt - startedAt) / 1000;
    this.undeployed = false;
    this.lastError = undefined;
    this.failuresInARow = 0;
    this.lastSuccessAt = finishedAt;
    this.lastStartedAt = startedAt;
    this.lastFinishedAt = finishedAt;
    this.durationSeconds = durationSeconds;
  }

  /** Records that the target is not deployed: no series at all until it is. */
  notDeployed(error: UpstreamError, startedAt: number, finishedAt: number): TargetChunks {
    this.undeployed = true;
    this.answerDigest = undefined;
    this.lastError = error;
    this.processes = undefined;
    this.lastStartedAt = startedAt;
    this.lastFinishedAt = finishedAt;
    this.durationSeconds = (finishedAt - startedAt) / 1000;
    return NO_SERIES;
  }

  /** Records a failed fetch and returns the series it leaves (the process series go). */
  failed(error: UpstreamError, startedAt: number, finishedAt: number): TargetChunks {
    this.undeployed = false;
    this.answerDigest = undefined;
    this.lastError = error;
    this.failuresInARow += 1;
    this.errorCounts.set(error.reason, (this.errorCounts.get(error.reason) ?? 0) + 1);
    this.lastStartedAt = startedAt;
    this.lastFinishedAt = finishedAt;
    this.durationSeconds = (finishedAt - startedAt) / 1000;
    return renderTargetChunks(this.view(this.durationSeconds, this.lastSuccessAt));
  }

  /** What to render: `rows` after a success, none after a failure (the process series go). */
  private view(durationSeconds: number, lastSuccessAt: number | undefined, rows?: ProcessRow[]): TargetView {
    return {
      labels: this.labels,
      up: rows !== undefined,
      durationSeconds,
      lastSuccessSeconds: lastSuccessAt === undefined ? undefined : lastSuccessAt / 1000,
      errorCounts: this.errorCounts,
      rows,
      instanceMetrics: this.instanceMetrics,
      families: this.families,
    };
  }
}
