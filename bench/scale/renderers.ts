/**
 * In-process comparison of the two ways to render the same targets: plain prom-client (gauges set
 * one by one, then registry.metrics()) and the fast path (chunks rendered once per fetch, packed
 * by groups of targets once per change, written as is by every scrape).
 */
import { buildPromClientRegistry, type ReferenceTarget } from '../../test/helpers/promClientReference';
import { TargetGroups } from '../../src/scheduler/targetGroups';
import { renderTargetChunks, type TargetView } from '../../src/metrics/targetChunks';
import { aggregate } from '../../src/model/aggregate';
import { targetLabels } from '../../src/scheduler/targetRecord';
import { generateFleet, startSimulator } from '../../src/simulator';
import { parseProcessList } from '../../src/upstream/parse';
import { countSeries } from './exposition';
import { median } from './stats';

export interface RendererComparison {
  targets: number;
  series: number;
  /** prom-client: a registry built and every series set, then metrics(). */
  promClientMs: number;
  /** prom-client's registry.metrics() alone, gauges already set. */
  promClientMetricsOnlyMs: number;
  /** Fast path, everything: every target's chunks rendered, packed by groups, joined as text. */
  fastFullMs: number;
  /** Fast path, once per change: chunks already rendered, packed by groups into a scrape's buffers. */
  fastJoinMs: number;
  /** promClientMs / fastFullMs. */
  ratio: number;
}

/** What the exporter does once every target changed: pack each group, list the scrape's buffers. */
function packAll(chunks: ReturnType<typeof renderTargetChunks>[]): Buffer[] {
  const groups = new TargetGroups<object>();
  const targets = chunks.map(() => ({}));
  groups.setTargets(targets, new Map(targets.map((t, i) => [t, chunks[i]])));
  return groups.segments();
}

async function time(runs: number, f: () => unknown): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return median(out);
}

/** Renders the benchmark fleet of `n` targets both ways and times them (medians). */
export async function compareRenderers(n: number, opts: { processTypes?: number; instancesPerType?: number } = {}): Promise<RendererComparison> {
  const fleet = generateFleet(n, opts);
  const sim = await startSimulator({ targets: fleet, latencyMs: 0 });
  const views: TargetView[] = [];
  const refs: ReferenceTarget[] = [];
  try {
    fleet.forEach((t, i) => {
      const rows = aggregate(parseProcessList(sim.bodyFor(t.app_code, t.module_name, t.environment)));
      const common = { up: true, durationSeconds: 0.05 + (i % 7) / 1000, lastSuccessSeconds: 1_764_284_400 + i / 8, errorCounts: new Map(), rows, instanceMetrics: false };
      const spec = { app_code: t.app_code, module_name: t.module_name, environment: t.environment, labels: {}, source: 'bench' };
      views.push({ ...common, labels: targetLabels(spec) });
      refs.push({ ...common, labels: { app_code: t.app_code, module_name: t.module_name, environment: t.environment } });
    });
  } finally {
    await sim.close();
  }
  const runs = n > 2000 ? 3 : 5;
  let fastText = '';
  const fastFullMs = await time(runs, () => {
    fastText = Buffer.concat(packAll(views.map(renderTargetChunks))).toString('utf8');
  });
  const chunks = views.map(renderTargetChunks);
  const fastJoinMs = await time(runs, () => packAll(chunks));
  let promText = '';
  const promClientMs = await time(runs, async () => {
    promText = await buildPromClientRegistry(refs).metrics();
  });
  const registry = buildPromClientRegistry(refs);
  const promClientMetricsOnlyMs = await time(runs, () => registry.metrics());
  const series = countSeries(fastText);
  if (series !== countSeries(promText)) throw new Error(`renderers disagree: fast path ${series} series, prom-client ${countSeries(promText)}`);
  return { targets: n, series, promClientMs, promClientMetricsOnlyMs, fastFullMs, fastJoinMs, ratio: promClientMs / fastFullMs };
}
