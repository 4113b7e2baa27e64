/**
 * A target as the pool reports it to the rest of the exporter (`/`, `/sd`, `--once`, logs and
 * tests): read-only. The pool owns each target's record and alone changes it; what it hands out
 * is the record itself seen through this type, so listing 5 000 targets allocates nothing.
 */
import type { TargetSpec } from '../config/types';
import type { ProcessStatus } from '../model/processStatus';
import type { FetchErrorReason, UpstreamError } from '../upstream/errors';

export type TargetHealth = 'pending' | 'up' | 'down' | 'undeployed';

/** A target's spec, read-only (its labels included). */
export type TargetSpecView = Readonly<Omit<TargetSpec, 'labels'>> & { readonly labels: Readonly<Record<string, string>> };

/** What is known about one target: read-only, and current (it reads the pool's record when asked). */
export interface TargetState {
  /** `app_code/module_name/environment`. */
  readonly key: string;
  /** What the config (or discovery) says about the target. */
  readonly spec: TargetSpecView;
  /** pending (no fetch completed yet), up, down, or undeployed (a discovered target answering 404/400). */
  readonly health: TargetHealth;
  readonly undeployed: boolean;
  /** The last fetch's error; undefined after a success. */
  readonly lastError?: Readonly<UpstreamError>;
  /** Epoch ms the last completed fetch started and finished at, and of the last successful one. */
  readonly lastStartedAt?: number;
  readonly lastFinishedAt?: number;
  readonly lastSuccessAt?: number;
  /** Duration of the last completed fetch (0 before the first). */
  readonly durationSeconds: number;
  /** Failed fetches so far, by reason. */
  readonly errorCounts: ReadonlyMap<FetchErrorReason, number>;
  /** Failed fetches since the last success. */
  readonly failuresInARow: number;
  /** Epoch ms before which the target is not fetched again (Infinity while undeployed). */
  readonly nextDueAt: number;
  /** The refresh in flight, if any: settles when it has completed and its result is in place. */
  readonly inflight?: Promise<void>;
  /** Its process types as of the last successful fetch (the status page); undefined before one. */
  readonly processes?: readonly ProcessStatus[];
}
