/**
 * Runs discovery in the background on its own interval, keeps the last known target set through
 * failures (never emptying it), and reports through the bkpaas_discovery_* metrics.
 */
import type { DiscoveryConfig, TargetSpec } from '../config/types';
import type { Logger } from '../log';
import type { SelfMetrics } from '../metrics/selfMetrics';
import { UpstreamError } from '../upstream/errors';
import { discover, type DiscoveryDeps } from './discover';

export interface DiscoveryStatus {
  lastSuccessAt?: number;
  lastError?: string;
  apps: number;
  targets: number;
}

export class DiscoveryManager {
  private known: TargetSpec[] = [];
  private modulesByApp = new Map<string, string[]>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  readonly status: DiscoveryStatus = { apps: 0, targets: 0 };

  constructor(
    private readonly config: DiscoveryConfig,
    private readonly deps: DiscoveryDeps,
    private readonly metrics: SelfMetrics,
    private readonly logger: Logger,
    /**
     * Called with the current set after every successful run, changed or not: the pool re-checks
     * its undeployed targets after each run.
     */
    private readonly onChange: (targets: TargetSpec[]) => void,
    seed?: DiscoveryManager,
  ) {
    // A reload hands over what the previous manager knew, so the set never empties meanwhile.
    if (seed) {
      this.known = seed.known;
      this.modulesByApp = seed.modulesByApp;
      Object.assign(this.status, seed.status);
    }
  }

  /** The current discovered targets (the last known set). */
  targets(): readonly TargetSpec[] {
    return this.known;
  }

  /** Starts the first run now and then one every refresh_interval. */
  start(): void {
    void this.runNow();
    this.timer = setInterval(() => void this.runNow(), this.config.refresh_interval_ms);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One run (shared if one is already under way). Never rejects. */
  runNow(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      const result = await discover(this.deps, this.config, this.modulesByApp);
      if (this.stopped) return;
      if (result.failures.length > 0) {
        for (const f of result.failures) this.metrics.discoveryErrors.inc({ reason: f.error.reason });
        const first = result.failures[0];
        this.status.lastError = `modules of ${first.app_code}: ${first.error.message}`;
        this.logger.warn(
          { apps: result.failures.length, reason: first.error.reason },
          `discovery: modules of ${result.failures.length} app(s) could not be read, keeping their last known modules; first: ${first.error.message}`,
        );
      }
      if (result.unusable.length > 0) {
        this.logger.warn(
          { names: result.unusable.slice(0, 10).map((n) => n.slice(0, 100)), count: result.unusable.length },
          'discovery: left out app codes or module names that cannot be used in an API path',
        );
      }
      const changed = JSON.stringify(result.targets) !== JSON.stringify(this.known);
      this.known = result.targets;
      this.modulesByApp = result.modulesByApp;
      this.status.lastSuccessAt = Date.now();
      this.status.apps = result.apps;
      this.status.targets = result.targets.length;
      if (result.failures.length === 0) this.status.lastError = undefined;
      this.metrics.discoveryTargets.set(result.targets.length);
      this.metrics.discoveryLastSuccess.set(Date.now() / 1000);
      this.logger.info({ apps: result.apps, targets: result.targets.length, failures: result.failures.length }, 'discovery finished');
      // Also on an unchanged set: the pool re-checks undeployed targets after each run.
      this.onChange(this.known);
      if (changed) this.logger.info({ targets: result.targets.length }, 'discovered target set changed');
    } catch (err) {
      if (this.stopped) return;
      this.failed(err);
    }
  }

  /** The app list could not be read: the whole run failed. */
  private failed(err: unknown): void {
    const reason = err instanceof UpstreamError ? err.reason : 'invalid_response';
    const message = err instanceof Error ? err.message : String(err);
    this.status.lastError = `app list: ${message}`;
    this.metrics.discoveryErrors.inc({ reason });
    this.logger.warn({ reason, what: 'app list' }, `discovery failed, keeping the last known targets: ${message}`);
  }
}
