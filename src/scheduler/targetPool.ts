/**
 * The targets of this process and their cache: refreshes what is due (at most once per ttl per
 * target, less often while a target keeps failing; concurrent scrapes sharing one refresh),
 * bounded by one concurrency limit across all targets in which failing targets cannot crowd out
 * healthy ones, and renders the cached result. The pool owns the targets' records: it hands out
 * read-only TargetState views and is the only one to change a record.
 */
import type { TargetSpec } from '../config/types';
import { aggregateSteps } from '../model/aggregate';
import { SAME_ANSWER, type ProcessSnapshot } from '../model/snapshot';
import type { FamilyFilter } from '../metrics/familyFilter';
import { renderTargets } from '../metrics/render';
import { RenderedTargets } from '../metrics/scrapeBody';
import { NO_SERIES, type TargetChunks } from '../metrics/targetChunks';
import { ITEMS_PER_STEP, nextTurnWithinBudget, runAtOnce, runInSlices, turnSpent, type Steps } from '../slices';
import { UpstreamError } from '../upstream/errors';
import { Budgets, type Budget } from './budgets';
import { Fifo } from './fifo';
import { refetchDelayMs } from './failureBackoff';
import { Limiter, type Lane } from './limiter';
import { backoffMs, isTransient, sleep } from './retry';
import { TargetGroups } from './targetGroups';
import { TargetRecord, targetKey } from './targetRecord';
import type { TargetState } from './targetState';

/** A due target waiting for its first connection slot, and how to settle its record's `inflight`. */
interface WaitingFetch {
  record: TargetRecord;
  scheduledAt: number;
  resolve(): void;
  reject(err: unknown): void;
}

const LANES: readonly Lane[] = ['proven', 'unknown', 'failing'];

/**
 * Fetches one target's snapshot; throws UpstreamError. Given the digest of the answer the
 * target's series come from, may return SAME_ANSWER for an answer with that digest.
 */
export type Fetcher = (target: TargetSpec, signal: AbortSignal, lastDigest?: string) => Promise<ProcessSnapshot | typeof SAME_ANSWER>;

export interface PoolSettings {
  ttlMs: number;
  concurrency: number;
  /** Budget of one target's fetch, retries included. */
  timeoutMs: number;
  instanceMetrics: boolean;
  /** The families to render (metrics.allow / deny); all by default. */
  families?: FamilyFilter;
  /** Attempts after the first for transient failures (default 2). */
  retries?: number;
}

export interface PoolEvents {
  /** A fetch failed (after retries). */
  onFailure?(target: TargetState, error: UpstreamError): void;
  /** A fetch succeeded after the previous one had failed. */
  onRecovery?(target: TargetState): void;
  /** A fetch succeeded; `dropped` lists the optional fields its answer's parse ignored (undefined: none). */
  onParsed?(target: TargetState, dropped: ProcessSnapshot['dropped']): void;
  /** A fetch succeeded with an answer the same as the last (upstream/answerDigest.ts): not parsed again. */
  onSameAnswer?(target: TargetState): void;
}

/**
 * The part of upstream.timeout after which a first fetch (of a target never fetched) gives its
 * connection slot to the next target and waits on outside the limit (Limiter's step aside): at
 * startup, 1 000 targets that hang ahead of a healthy one then delay it by seconds, not by
 * 1 000 × timeout / concurrency.
 */
export const STEP_ASIDE_AFTER = 1 / 16;

export class TargetPool {
  private records = new Map<string, TargetRecord>();
  private ordered: TargetRecord[] = [];
  private readonly limiter: Limiter;
  private settings: PoolSettings;
  private readonly budgets = new Budgets();
  /**
   * Every target's series as the scrapes since the last change got them; dropped at any change,
   * not at the next scrape: held until then, the previous exposition's packs could not be freed
   * while a refresh replaced them (at 20 000 targets with every answer changed, 166 MB twice).
   */
  private cache?: RenderedTargets;
  /** The targets' rendered series: their groups hold them, not the records. */
  private readonly groups = new TargetGroups<TargetRecord>();
  /** Served targets whose last fetch succeeded. */
  private upCount = 0;
  /** setTargets calls so far: a sliced call that a newer one overtook is dropped. */
  private setTargetsCalls = 0;
  /** Due targets waiting for their first connection slot, by lane. */
  private readonly waitingFetches: Record<Lane, Fifo<WaitingFetch>> = { proven: new Fifo(), unknown: new Fifo(), failing: new Fifo() };
  /** Requests for a slot this pool has in the limiter (granted or not yet), by lane. */
  private readonly slotRequests: Record<Lane, number> = { proven: 0, unknown: 0, failing: 0 };

  constructor(
    private readonly fetcher: Fetcher,
    settings: PoolSettings,
    private readonly events: PoolEvents = {},
  ) {
    this.settings = settings;
    this.limiter = new Limiter(settings.concurrency);
  }

  /** Targets in configuration order, read-only. */
  list(): readonly TargetState[] {
    return this.ordered;
  }

  /** The target with this key (`app_code/module_name/environment`), read-only; undefined when it is not served. */
  get(key: string): TargetState | undefined {
    return this.records.get(key);
  }

  get size(): number {
    return this.ordered.length;
  }

  /**
   * Replaces the target set. A target whose spec and settings are unchanged keeps its cache and
   * any refresh in flight; removed targets (and their series) are gone from the next render.
   */
  setTargets(specs: readonly TargetSpec[], settings: PoolSettings = this.settings): void {
    runAtOnce(this.setTargetsSteps(++this.setTargetsCalls, specs, settings));
  }

  /**
   * setTargets for a reload: new targets are made in slices with event-loop turns between them
   * (a 100 000-target config would otherwise hold /healthz and scrapes for seconds), and the new
   * set replaces the old one in one step at the end. A later call wins over one still running.
   */
  async setTargetsInSlices(specs: readonly TargetSpec[], settings: PoolSettings = this.settings): Promise<void> {
    // The generation is taken now, not at the first step: a setTargets meanwhile is later.
    await runInSlices(this.setTargetsSteps(++this.setTargetsCalls, specs, settings));
  }

  private *setTargetsSteps(generation: number, specs: readonly TargetSpec[], settings: PoolSettings): Steps<void> {
    const resetAll = settings.instanceMetrics !== this.settings.instanceMetrics || settings.families?.key !== this.settings.families?.key;
    // New records are made aside (the costly part: each renders its first series) while the
    // records in force serve; a target that keeps its record is only noted, by its spec.
    const made = new Map<string, TargetRecord | TargetSpec>();
    // The first series of each new record, handed to the groups with the new set.
    const fresh = new Map<TargetRecord, TargetChunks>();
    const newRecord = (spec: TargetSpec): TargetRecord => {
      const record = new TargetRecord(spec, settings.instanceMetrics, settings.families);
      fresh.set(record, record.firstChunks());
      return record;
    };
    let n = 0;
    for (const spec of specs) {
      if (++n % ITEMS_PER_STEP === 0) yield;
      const key = targetKey(spec);
      if (made.has(key)) continue;
      const old = this.records.get(key);
      made.set(key, old && !resetAll && keepsResult(old, spec) ? spec : newRecord(spec));
    }
    if (generation !== this.setTargetsCalls) return;
    // The new set, in steps too (checking a kept target again held the event loop for tens of ms
    // at 20 000 targets); the records in force change only once it is whole.
    const next = new Map<string, TargetRecord>();
    const ordered: TargetRecord[] = [];
    // Records in force that stay, with their new spec: changed only with the swap.
    const kept: Array<[TargetRecord, TargetSpec]> = [];
    for (const [key, entry] of made) {
      if (++n % ITEMS_PER_STEP === 0) {
        yield;
        if (generation !== this.setTargetsCalls) return;
      }
      let record: TargetRecord;
      if (entry instanceof TargetRecord) {
        record = entry;
      } else {
        // Kept when the set was built; the records in force may have changed between slices.
        const old = this.records.get(key);
        if (old && keepsResult(old, entry)) {
          kept.push([old, entry]);
          record = old;
        } else {
          record = newRecord(entry);
        }
      }
      next.set(key, record);
      ordered.push(record);
    }
    for (const [record, spec] of kept) {
      record.respec(spec);
      if (record.lastStartedAt !== undefined) {
        record.nextDueAt = Math.min(record.nextDueAt, record.lastStartedAt + refetchDelayMs(record.failuresInARow, settings.ttlMs));
      }
    }
    this.settings = settings;
    this.limiter.setLimit(settings.concurrency);
    for (const lane of LANES) this.askForSlots(lane);
    this.records = next;
    this.ordered = ordered;
    this.upCount = ordered.filter((r) => r.health === 'up').length;
    this.shareSlots();
    this.groups.setTargets(ordered, fresh);
    this.cache = undefined;
  }

  /**
   * Starts a refresh of every due target (or of the one with key `only`) and waits until they
   * have all completed or `deadline` (epoch ms) has passed, whichever is first. Refreshes still
   * running then go on in the background; callers render what has completed.
   */
  async refresh(deadline: number, only?: string): Promise<void> {
    const one = only === undefined ? undefined : this.records.get(only);
    const targets = only === undefined ? this.ordered : one ? [one] : [];
    const waits = await runInSlices(this.startDueSteps(targets));
    if (waits.length === 0) return;
    // setTimeout takes at most a 32-bit delay; --once waits "forever" with a far deadline.
    const remaining = Math.min(deadline - Date.now(), 2 ** 31 - 1);
    if (remaining <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(waits),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, remaining);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Starts the due ones of `targets` and returns every one's fetch in flight. In steps: at 20 000
   * targets due at once the loop (a record put in line for each) held the event loop for over
   * 100 ms. A target dropped by a reload meanwhile is skipped.
   */
  private *startDueSteps(targets: readonly TargetRecord[]): Steps<Promise<void>[]> {
    const now = Date.now();
    const waits: Promise<void>[] = [];
    // After a reload (a new ordered list; the first step may run later, too), each record left
    // is checked to be still served.
    let reloaded = targets !== this.ordered;
    for (let i = 0; i < targets.length; i++) {
      const r = targets[i];
      if (i > 0 && i % ITEMS_PER_STEP === 0) {
        yield;
        reloaded = targets !== this.ordered;
      }
      if (reloaded && this.records.get(r.key) !== r) continue;
      if (r.isDue(now)) this.start(r);
      if (r.inflight) waits.push(r.inflight);
    }
    return waits;
  }

  /**
   * Exposition text of every target, from their last completed fetch; `bkpaas_target_up 0` for a
   * target without one yet.
   */
  render(): string {
    return this.rendered().text();
  }

  /** render() of the target with this key alone; undefined when it is not served. */
  renderOne(key: string): string | undefined {
    const record = this.records.get(key);
    const chunks = record && this.groups.chunksOf(record);
    return chunks && renderTargets([chunks]);
  }

  /**
   * Every target's series from their last completed fetch, gathered once per change of any
   * target and shared by all scrapes until the next (a warm scrape only writes these buffers).
   */
  rendered(): RenderedTargets {
    this.cache ??= new RenderedTargets(this.groups.segments());
    return this.cache;
  }

  /**
   * Runs `task` under the shared upstream concurrency limit (discovery's requests use it too),
   * after the fetches of targets known to be up, like a target not fetched yet.
   */
  limited<T>(task: () => Promise<T>): Promise<T> {
    return this.limiter.run(task, 'unknown');
  }

  /**
   * Makes the target with this key due now: the next scrape or probe fetches it again, whatever
   * its ttl, failure backoff or Retry-After said. False when it is not served.
   */
  expire(key: string): boolean {
    const record = this.records.get(key);
    if (record) record.nextDueAt = 0;
    return record !== undefined;
  }

  /** Makes undeployed targets due again (after a discovery run). */
  recheckUndeployed(): void {
    for (const r of this.ordered) if (r.undeployed) r.nextDueAt = 0;
  }

  /** Targets currently known to be undeployed. */
  countUndeployed(): number {
    let n = 0;
    for (const r of this.ordered) if (r.undeployed) n += 1;
    return n;
  }

  /** Aborts every refresh in flight. */
  close(): void {
    this.budgets.close(new Error('exporter shutting down'));
  }

  /**
   * Failing targets may hold at most half of the slots while any target is up, so targets that
   * hang cannot take every slot from the healthy ones (with nothing up there is nobody to keep
   * slots for, and they may use them all).
   */
  private shareSlots(): void {
    const share = this.upCount > 0 ? Math.max(1, Math.floor(this.settings.concurrency / 2)) : Infinity;
    this.limiter.setLaneLimit('failing', share);
  }

  /**
   * Marks a due target as being refreshed and puts it in line for a connection slot. Nothing of
   * its fetch exists until it gets one: at thousands of targets, a fetch chain made for every
   * waiting target (the limiter's waiters, promises, closures) lived through several young
   * collections each, was promoted, and cost more CPU in collections than the fetch itself.
   */
  private start(record: TargetRecord): void {
    const scheduledAt = Date.now();
    record.nextDueAt = scheduledAt + this.settings.ttlMs;
    const lane = laneOf(record);
    record.inflight = new Promise<void>((resolve, reject) => this.waitingFetches[lane].push({ record, scheduledAt, resolve, reject }));
    this.askForSlots(lane);
  }

  /**
   * Keeps as many requests for a slot in the limiter for `lane` as the lane has targets waiting,
   * at most the concurrency: the limiter decides which lane a free slot goes to, and the request
   * it grants takes whichever target of its lane is first in line then.
   */
  private askForSlots(lane: Lane): void {
    const wanted = Math.min(this.waitingFetches[lane].length, this.settings.concurrency);
    for (; this.slotRequests[lane] < wanted; this.slotRequests[lane]++) {
      void this.limiter.run(() => this.fetchNextInLine(lane), lane, this.stepAsideAfter(lane));
    }
  }

  /** Runs under a slot of `lane`: the first attempt of the lane's next waiting target, holding the slot until it settles. */
  private fetchNextInLine(lane: Lane): Promise<unknown> {
    // An answer frees this slot; when its turn has already run its budget of sliced work, the next
    // request waits for a later turn. Otherwise the 64 answers that arrive together at 20 000
    // targets also made their 64 requests (a socket write each) in the same turn: the loop's
    // stalls over 50 ms in a refresh went from 15–53 to 2–43 in alternated runs.
    if (turnSpent()) return nextTurnWithinBudget().then(() => this.fetchNextInLine(lane));
    this.slotRequests[lane] -= 1;
    const next = this.waitingFetches[lane].shift();
    if (!next) return Promise.resolve();
    // This request is used up: keep the lane's requests in step with its waiting targets.
    this.askForSlots(lane);
    // The fetch's duration and budget start when it gets a connection slot, not while it queues.
    const startedAt = Date.now();
    const budget = this.budgets.start(this.settings.timeoutMs);
    const first = this.attempt(next.record, budget);
    this.complete(next, lane, first, budget, startedAt).then(next.resolve, next.reject);
    return first.catch(() => undefined);
  }

  /** One attempt of the target's fetch (a fetcher that throws at once fails the attempt). */
  private attempt(record: TargetRecord, budget: Budget): Promise<ProcessSnapshot | typeof SAME_ANSWER> {
    try {
      // The digest only while the group holds the series it names (it always should).
      const lastDigest = record.answerDigest !== undefined && this.groups.chunksOf(record) ? record.answerDigest : undefined;
      return this.fetcher(record.spec, budget.signal, lastDigest);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The rest of a fetch once its first attempt runs: retries, then the record updated, then the scrape's view of it. */
  private async complete(fetch: WaitingFetch, lane: Lane, first: Promise<ProcessSnapshot | typeof SAME_ANSWER>, budget: Budget, startedAt: number): Promise<void> {
    const { record, scheduledAt } = fetch;
    const wasUp = record.health === 'up';
    // The series this fetch leaves, for the target's group.
    let chunks: TargetChunks | undefined;
    try {
      let outcome: { snapshot: ProcessSnapshot | typeof SAME_ANSWER } | { failure: unknown };
      try {
        outcome = { snapshot: await this.withRetries(record, lane, first, budget) };
      } catch (failure) {
        outcome = { failure };
      } finally {
        budget.release();
      }
      // A failure of the fetch is the target's; one while recording its success is ours (the scrape fails).
      if ('snapshot' in outcome) chunks = await this.succeeded(record, outcome.snapshot, startedAt);
      else chunks = this.failed(record, outcome.failure, startedAt, scheduledAt);
    } finally {
      record.inflight = undefined;
      // Only a record still served changes the cached exposition.
      if (this.records.get(record.key) === record) {
        if (chunks) this.groups.changed(record, chunks);
        this.cache = undefined;
        const isUp = record.health === 'up';
        if (isUp !== wasUp) {
          this.upCount += isUp ? 1 : -1;
          this.shareSlots();
        }
      }
    }
  }

  /** Records a success; returns the target's new series. */
  private async succeeded(record: TargetRecord, snapshot: ProcessSnapshot | typeof SAME_ANSWER, startedAt: number): Promise<TargetChunks> {
    const wasDown = record.health === 'down';
    if (snapshot === SAME_ANSWER) {
      const kept = this.groups.chunksOf(record);
      // The groups hold every served record's series: one they do not hold was dropped by a
      // reload meanwhile, and what its fetch leaves is not used.
      if (!kept) return NO_SERIES;
      this.events.onSameAnswer?.(record);
      return record.sameAnswer(kept, startedAt, Date.now());
    }
    this.events.onParsed?.(record, snapshot.dropped);
    // In slices, like parsing and rendering: a large target must not hold the event loop.
    const chunks = await record.succeeded(await runInSlices(aggregateSteps(snapshot)), startedAt, Date.now(), snapshot.digest);
    if (wasDown) this.events.onRecovery?.(record);
    return chunks;
  }

  /** Records a failure (or that the target is not deployed); returns the target's new series. */
  private failed(record: TargetRecord, err: unknown, startedAt: number, scheduledAt: number): TargetChunks {
    const error = err instanceof UpstreamError ? err : new UpstreamError('invalid_response', `unexpected error: ${String(err)}`);
    if (error.retryAfterMs !== undefined) {
      record.nextDueAt = Math.max(record.nextDueAt, Date.now() + error.retryAfterMs);
    }
    if (record.spec.discovered && (error.reason === 'not_found' || error.reason === 'client_error')) {
      // Not deployed there: quiet until the next discovery run asks again (recheckUndeployed).
      const chunks = record.notDeployed(error, startedAt, Date.now());
      record.nextDueAt = Infinity;
      return chunks;
    }
    const chunks = record.failed(error, startedAt, Date.now());
    record.nextDueAt = Math.max(record.nextDueAt, scheduledAt + refetchDelayMs(record.failuresInARow, this.settings.ttlMs));
    this.events.onFailure?.(record, error);
    return chunks;
  }

  /** When a fetch of `lane` gives its slot back and runs on outside the limit: first fetches only (STEP_ASIDE_AFTER). */
  private stepAsideAfter(lane: Lane): number | undefined {
    return lane === 'unknown' ? this.settings.timeoutMs * STEP_ASIDE_AFTER : undefined;
  }

  /** The first attempt's result, or that of a retry (each under a slot of its own) after a transient failure. */
  private async withRetries(
    record: TargetRecord,
    lane: Lane,
    first: Promise<ProcessSnapshot | typeof SAME_ANSWER>,
    budget: Budget,
  ): Promise<ProcessSnapshot | typeof SAME_ANSWER> {
    const retries = this.settings.retries ?? 2;
    let attempt = first;
    for (let n = 0; ; n++) {
      try {
        return await attempt;
      } catch (err) {
        if (!(err instanceof UpstreamError) || n >= retries || !isTransient(err) || budget.signal.aborted) throw err;
        try {
          await sleep(backoffMs(n), budget.signal);
        } catch {
          throw err; // the budget ran out while waiting: report the failure we had
        }
        attempt = this.limiter.run(() => this.attempt(record, budget), lane, this.stepAsideAfter(lane));
      }
    }
  }
}

/** The lane of a target's next fetch, by its last completed one. */
function laneOf(record: TargetRecord): Lane {
  const health = record.health;
  if (health === 'up') return 'proven';
  return health === 'down' ? 'failing' : 'unknown';
}

/**
 * Whether a reload may keep `old`'s cached result for `next`: the same request and labels, and
 * the same rules for a 404. A target that moves between discovery and the static list keeps its
 * result only when it is up or not yet fetched: a discovered target's 404 is silent (undeployed)
 * while a static target's is `up 0`, so a failed or undeployed record starts again.
 */
function keepsResult(old: TargetRecord, next: TargetSpec): boolean {
  const a = old.spec;
  const sameRequest =
    a.only_latest_version === next.only_latest_version &&
    JSON.stringify(Object.entries(a.labels).sort()) === JSON.stringify(Object.entries(next.labels).sort());
  if (!sameRequest) return false;
  if (!!a.discovered === !!next.discovered) return true;
  return old.health === 'up' || old.health === 'pending';
}
