/** The exporter's own metrics, through prom-client on a private registry (never the global one). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/** prom-client default metrics that are gauges with a `_total` suffix: left out of /metrics. */
const LINT_FAILING_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
import { VERSION } from '../version';
import { SELF } from './families';

/** Why a /probe request was answered 400: the `reason` of bkpaas_exporter_probe_rejected_total. */
export const PROBE_REJECTION_REASONS = ['missing_parameter', 'invalid_parameter', 'unknown_target'] as const;
export type ProbeRejectionReason = (typeof PROBE_REJECTION_REASONS)[number];

export class SelfMetrics {
  readonly registry = new Registry();
  readonly targets: Gauge;
  readonly upstreamRequestDuration: Histogram<'code'>;
  readonly reloadSuccessful: Gauge;
  readonly reloadTimestamp: Gauge;
  private readonly probeRejected: Counter<'reason'>;
  readonly unchangedAnswers: Counter;
  readonly discoveryTargets: Gauge;
  readonly discoveryUndeployed: Gauge;
  readonly discoveryLastSuccess: Gauge;
  readonly discoveryErrors: Counter<'reason'>;
  /** Every metric this registry may serve, by name (the discovery ones once enabled). */
  private readonly known = new Map<string, Metric>();
  private discoveryEnabled = false;
  private allowed: (name: string) => boolean = () => true;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    new Gauge({
      name: SELF.buildInfo,
      help: 'Build information of the exporter; always 1.',
      labelNames: ['version', 'nodejs_version'],
      registers,
    }).set({ version: VERSION, nodejs_version: process.version }, 1);
    this.targets = new Gauge({ name: SELF.targets, help: 'Targets served by this exporter process.', registers });
    this.upstreamRequestDuration = new Histogram({
      name: SELF.upstreamRequestDuration,
      help: 'Duration of upstream (BlueKing PaaS API) requests in seconds, by HTTP status code or "error".',
      labelNames: ['code'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.reloadSuccessful = new Gauge({
      name: SELF.reloadSuccessful,
      help: 'Whether the last configuration reload attempt was successful.',
      registers,
    });
    this.reloadTimestamp = new Gauge({
      name: SELF.reloadTimestamp,
      help: 'Unix time of the last successful configuration load.',
      registers,
    });
    this.probeRejected = new Counter({
      name: SELF.probeRejected,
      help: 'Requests to /probe answered 400 without fetching, by reason: missing_parameter, invalid_parameter, unknown_target (not configured in this exporter or shard).',
      labelNames: ['reason'],
      registers,
    });
    this.unchangedAnswers = new Counter({
      name: SELF.unchangedAnswers,
      help: "Upstream answers the same as the target's previous one apart from resource versions: not parsed or rendered again.",
      registers,
    });
    // Every reason from the start, so that rate() and increase() see the first rejection.
    for (const reason of PROBE_REJECTION_REASONS) this.probeRejected.inc({ reason }, 0);
    // Registered by enableDiscovery(), only once discovery is configured.
    const discoveryRegisters: Registry[] = [];
    this.discoveryTargets = new Gauge({ name: SELF.discoveryTargets, help: 'Targets found by discovery.', registers: discoveryRegisters });
    this.discoveryUndeployed = new Gauge({
      name: SELF.discoveryUndeployed,
      help: 'Discovered targets not deployed in their environment (the upstream answered 404 or 400).',
      registers: discoveryRegisters,
    });
    this.discoveryLastSuccess = new Gauge({
      name: SELF.discoveryLastSuccess,
      help: 'Unix time of the last successful discovery run.',
      registers: discoveryRegisters,
    });
    this.discoveryErrors = new Counter({
      name: SELF.discoveryErrors,
      help: 'Failed discovery requests (app list or an app\'s modules) by reason.',
      labelNames: ['reason'],
      registers: discoveryRegisters,
    });
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named *_total break promtool's lint (and Prometheus naming); the same counts stay
      // served as nodejs_active_handles / _requests / _resources, by type.
      for (const name of LINT_FAILING_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
    for (const { name } of this.registry.getMetricsAsArray()) this.known.set(name, this.registry.getSingleMetric(name)!);
  }

  /**
   * Serves only the metrics whose names `allowed` accepts (metrics.allow / deny): the others,
   * Node.js default metrics included, leave the registry and come back when allowed again.
   */
  filterFamilies(allowed: (name: string) => boolean): void {
    this.allowed = allowed;
    for (const [name, metric] of this.known) {
      const registered = this.registry.getSingleMetric(name) !== undefined;
      if (allowed(name) && !registered) this.registry.registerMetric(metric);
      else if (!allowed(name) && registered) this.registry.removeSingleMetric(name);
    }
  }

  /** Serves the bkpaas_discovery_* metrics from now on (idempotent). */
  enableDiscovery(): void {
    const metrics: Array<[string, Gauge | Counter<'reason'>]> = [
      [SELF.discoveryTargets, this.discoveryTargets],
      [SELF.discoveryUndeployed, this.discoveryUndeployed],
      [SELF.discoveryLastSuccess, this.discoveryLastSuccess],
      [SELF.discoveryErrors, this.discoveryErrors],
    ];
    if (this.discoveryEnabled) return;
    this.discoveryEnabled = true;
    for (const [name, metric] of metrics) {
      this.known.set(name, metric);
      if (this.allowed(name) && !this.registry.getSingleMetric(name)) this.registry.registerMetric(metric);
    }
  }

  /** Marks a configuration (re)load attempt. */
  configLoaded(ok: boolean): void {
    this.reloadSuccessful.set(ok ? 1 : 0);
    if (ok) this.reloadTimestamp.set(Date.now() / 1000);
  }

  /** Counts a /probe request answered 400. */
  probeRejectedFor(reason: ProbeRejectionReason): void {
    this.probeRejected.inc({ reason });
  }

  /** Prometheus text of these metrics. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
