/**
 * Wires one configuration into a running exporter: upstream client, target pool, own metrics,
 * and reloads. The HTTP layer (http/) only calls into this.
 */
import type { DiscoveryConfig, ExporterConfig, TargetSpec, UpstreamConfig } from './config/types';
import { DiscoveryManager } from './discovery/manager';
import type { Logger } from './log';
import { LogThrottle } from './logThrottle';
import { familyFilter, familyPredicate } from './metrics/familyFilter';
import { ScrapeBody } from './metrics/scrapeBody';
import { SelfMetrics } from './metrics/selfMetrics';
import { TargetPool, type PoolSettings } from './scheduler/targetPool';
import { inShard, type Shard } from './scheduler/shard';
import { targetKey } from './scheduler/targetRecord';
import { ITEMS_PER_STEP, runAtOnce, runInSlices, type Steps } from './slices';
import type { TargetState } from './scheduler/targetState';
import { UpstreamClient } from './upstream/client';
import { DroppedFieldLog } from './upstream/droppedFieldLog';

export interface ExporterOptions {
  logger: Logger;
  shard?: Shard;
  /** Loads the configuration anew for a reload; throws or rejects (e.g. ConfigError) when it is invalid. */
  reloadConfig?: () => ExporterConfig | Promise<ExporterConfig>;
  selfMetrics?: SelfMetrics;
}

export interface ReloadResult {
  ok: boolean;
  /** Why the reload failed; the old configuration is still in force. */
  error?: string;
  /** Why there was nothing to reload (--demo: the config is built in); ok stays true. */
  nothingToReload?: string;
  targets: number;
}

function poolSettings(config: ExporterConfig): PoolSettings {
  return {
    ttlMs: config.cache.ttl_ms,
    concurrency: config.upstream.concurrency,
    timeoutMs: config.upstream.timeout_ms,
    instanceMetrics: config.instance_metrics,
    families: familyFilter(config.metrics),
  };
}

export class Exporter {
  readonly self: SelfMetrics;
  private readonly pool: TargetPool;
  private client: UpstreamClient;
  private current: ExporterConfig;
  private readonly logger: Logger;
  private readonly throttle = new LogThrottle();
  private readonly droppedFieldLog: DroppedFieldLog;
  private shuttingDown = false;
  private discovery?: DiscoveryManager;
  /** The reload in progress (settled when none): the next one waits for it. */
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    config: ExporterConfig,
    private readonly options: ExporterOptions,
  ) {
    this.logger = options.logger;
    this.droppedFieldLog = new DroppedFieldLog(this.logger);
    this.current = config;
    this.self = options.selfMetrics ?? new SelfMetrics();
    this.client = this.newClient(config.upstream);
    // One summary line for the lines the throttle held back.
    const flushed = (n: number) => this.logger.warn({ suppressed: n }, 'suppressed repeated target failure log lines');
    this.pool = new TargetPool((target, signal, lastDigest) => this.client.fetchProcessList(target, signal, lastDigest), poolSettings(config), {
      onFailure: (record, error) => {
        if (this.throttle.allow(record.key, error.reason, Date.now(), flushed)) {
          this.logger.warn({ target: record.key, reason: error.reason, status: error.status }, error.message);
        }
      },
      onParsed: (record, dropped) => this.droppedFieldLog.report(record.key, dropped),
      onSameAnswer: () => this.self.unchangedAnswers.inc(),
      onRecovery: (record) => {
        // Recoveries share the failures' budget, so a flapping upstream cannot flood the log
        // either; either way the target's next failure is logged at once.
        if (this.throttle.allow(record.key, 'recovered', Date.now(), flushed)) this.logger.info({ target: record.key }, 'target recovered');
        else this.throttle.forget(record.key);
      },
    });
    this.self.filterFamilies(familyPredicate(config.metrics));
    this.discovery = this.newDiscovery(config);
    this.applyTargets(config);
    this.self.configLoaded(true);
  }

  /** Starts background work: discovery runs, when enabled. */
  start(): void {
    this.discovery?.start();
  }

  /** Runs discovery once now and waits for it (for --once and tests); a no-op without discovery. */
  async discoverNow(): Promise<void> {
    await this.discovery?.runNow();
  }

  /** The discovery manager, when discovery is enabled. */
  get discoveryManager(): DiscoveryManager | undefined {
    return this.discovery;
  }

  get config(): ExporterConfig {
    return this.current;
  }

  /** False once shutdown has begun (readiness fails first). */
  get ready(): boolean {
    return !this.shuttingDown;
  }

  /**
   * The targets of this process's shard: the config's static targets, then discovered ones not
   * listed statically (a static target keeps its own options and labels).
   */
  targetsFor(config: ExporterConfig): TargetSpec[] {
    return runAtOnce(this.targetsForSteps(config));
  }

  /** targetsFor in steps: at 20 000 targets, at once, it held the event loop for ~40 ms of a reload. */
  private *targetsForSteps(config: ExporterConfig): Steps<TargetSpec[]> {
    const merged = new Map<string, TargetSpec>();
    let n = 0;
    for (const t of config.targets) {
      if (++n % ITEMS_PER_STEP === 0) yield;
      merged.set(targetKey(t), t);
    }
    for (const t of this.discovery?.targets() ?? []) {
      if (++n % ITEMS_PER_STEP === 0) yield;
      const key = targetKey(t);
      if (!merged.has(key)) merged.set(key, t);
    }
    const out: TargetSpec[] = [];
    for (const [key, t] of merged) {
      if (++n % ITEMS_PER_STEP === 0) yield;
      if (inShard(key, this.options.shard)) out.push(t);
    }
    return out;
  }

  /**
   * Loads the configuration anew and applies it. An invalid one is logged and rejected; the
   * configuration in force stays, and serves while the new one is loaded. Reloads run one after
   * the other, each reading the file as it is then.
   */
  reload(): Promise<ReloadResult> {
    const result = this.reloading.then(() => this.reloadNow());
    this.reloading = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async reloadNow(): Promise<ReloadResult> {
    if (!this.options.reloadConfig) {
      return { ok: true, nothingToReload: 'this exporter runs the built-in demo (--demo), whose config is built in: nothing to reload', targets: this.pool.size };
    }
    let next: ExporterConfig;
    try {
      next = await this.options.reloadConfig();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.self.configLoaded(false);
      this.logger.error({ error }, 'config reload failed; keeping the previous configuration');
      return { ok: false, error, targets: this.pool.size };
    }
    // Loading took a while: the exporter may be stopping by now.
    if (this.shuttingDown) return { ok: false, error: 'the exporter is shutting down', targets: this.pool.size };
    if (!sameUpstream(this.current.upstream, next.upstream)) {
      const old = this.client;
      this.client = this.newClient(next.upstream);
      // Let requests in flight on the old pool finish before closing its sockets.
      setTimeout(() => old.close(), this.current.upstream.timeout_ms).unref();
    }
    const old = this.current;
    this.current = next;
    if (!sameDiscovery(old.discovery, next.discovery)) {
      const previous = this.discovery;
      previous?.stop();
      this.discovery = this.newDiscovery(next, previous);
      this.discovery?.start();
    }
    this.self.filterFamilies(familyPredicate(next.metrics));
    await this.applyTargetsInSlices(next);
    this.self.configLoaded(true);
    this.logger.info({ targets: this.pool.size }, 'config reloaded');
    return { ok: true, targets: this.pool.size };
  }

  /**
   * Refreshes every due target as a scrape does (at most once per ttl, concurrent callers sharing
   * one refresh) and waits for it until `deadline` (epoch ms); refreshes still running then go on
   * in the background. /metrics and the status page both come through here.
   */
  refresh(deadline: number): Promise<void> {
    return this.pool.refresh(deadline);
  }

  /** Full /metrics body: own metrics, then every target's cached series, refreshing what is due first. */
  async metrics(deadline: number): Promise<ScrapeBody> {
    await this.refresh(deadline);
    return new ScrapeBody(await this.ownMetrics(), this.pool.rendered());
  }

  /** The exporter's own metrics (/exporter-metrics, and the head of /metrics); fetches nothing. */
  async ownMetrics(): Promise<string> {
    // The undeployed count is read from the pool when asked for, not pushed on every change.
    if (this.discovery) this.self.discoveryUndeployed.set(this.pool.countUndeployed());
    return this.self.text();
  }

  /**
   * --once: one discovery run, then every target fetched, waiting for all of them (not bound by a
   * scrape deadline: --once is for debugging); returns the targets' exposition text.
   */
  async once(): Promise<string> {
    await this.discoverNow();
    await this.pool.refresh(Number.MAX_SAFE_INTEGER);
    return this.pool.render();
  }

  /** /probe text for one target, or undefined when the target is not served here. */
  async probe(key: string, deadline: number): Promise<string | undefined> {
    if (!this.pool.get(key)) return undefined;
    await this.pool.refresh(deadline, key);
    return this.pool.renderOne(key);
  }

  /** The targets served here, in configuration order, read-only (for /, /sd and --once). */
  targets(): readonly TargetState[] {
    return this.pool.list();
  }

  /**
   * Makes the target with this key (`app_code/module_name/environment`) due now: the next scrape
   * or probe fetches it again, whatever its ttl, failure backoff or Retry-After said; its cached
   * result serves until then. False when the target is not served here.
   */
  expire(key: string): boolean {
    return this.pool.expire(key);
  }

  /** Fails readiness and stops background work; in-flight scrapes are left to finish. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  close(): void {
    this.shuttingDown = true;
    this.discovery?.stop();
    this.pool.close();
    this.client.close();
  }

  private applyTargets(config: ExporterConfig): void {
    this.pool.setTargets(this.targetsFor(config), poolSettings(config));
    this.targetsApplied();
  }

  /** applyTargets for a reload: the new targets are made without holding the event loop. */
  private async applyTargetsInSlices(config: ExporterConfig): Promise<void> {
    await this.pool.setTargetsInSlices(await runInSlices(this.targetsForSteps(config)), poolSettings(config));
    this.targetsApplied();
  }

  private targetsApplied(): void {
    this.throttle.retainOnly((key) => this.pool.get(key) !== undefined);
    this.self.targets.set(this.pool.size);
  }

  private newDiscovery(config: ExporterConfig, seed?: DiscoveryManager): DiscoveryManager | undefined {
    if (!config.discovery.enabled) return undefined;
    this.self.enableDiscovery();
    return new DiscoveryManager(
      config.discovery,
      { getJson: (path) => this.client.getJson(path), limited: (task) => this.pool.limited(task) },
      this.self,
      this.logger,
      () => {
        this.applyTargets(this.current);
        this.pool.recheckUndeployed();
      },
      seed,
    );
  }

  private newClient(upstream: UpstreamConfig): UpstreamClient {
    return new UpstreamClient(upstream, (code, seconds) => this.self.upstreamRequestDuration.observe({ code }, seconds));
  }
}

function sameUpstream(a: UpstreamConfig, b: UpstreamConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameDiscovery(a: DiscoveryConfig, b: DiscoveryConfig): boolean {
  const plain = (d: DiscoveryConfig) => JSON.stringify(d, (_k, v: unknown) => (v instanceof RegExp ? v.source : v));
  return plain(a) === plain(b);
}
