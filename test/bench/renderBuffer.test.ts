/**
 * The fast path as a scrape serves it (chunks rendered into one buffer per change) against plain
 * prom-client on the benchmark's own fleet plus hostile labels: the same families, series, label
 * values (escaping included) and values; and promtool accepts it.
 */
import { buildPromClientRegistry, type ReferenceTarget } from '../../bench/promClientReference';
import { renderTargets, renderTargetsBuffer, renderTargetsPlaced } from '../../src/metrics/render';
import { TARGET_FAMILIES } from '../../src/metrics/families';
import { familyText, NO_SERIES, renderTargetChunks, type TargetView } from '../../src/metrics/targetChunks';
import { aggregate } from '../../src/model/aggregate';
import { targetLabels } from '../../src/scheduler/targetRecord';
import { generateFleet, HOSTILE_STRINGS, startSimulator } from '../../src/simulator';
import { parseProcessList } from '../../src/upstream/parse';
import type { FetchErrorReason } from '../../src/upstream/errors';
import { parseExposition, familiesOf } from '../helpers/exposition';
import { runPromtool } from '../helpers/prometheus';

const HOSTILE = 'q"uote \\back\\slash\nnew line 蓝鲸 ✓';

interface Fixture {
  views: TargetView[];
  refs: ReferenceTarget[];
}

/** The bench fleet (healthy, rollout, cnative, failed process states), a few targets down, hostile labels on some. */
async function fixture(n: number, instanceMetrics: boolean): Promise<Fixture> {
  const fleet = generateFleet(n, { processTypes: 3, instancesPerType: 5 });
  const sim = await startSimulator({ targets: fleet });
  const out: Fixture = { views: [], refs: [] };
  try {
    fleet.forEach((t, i) => {
      const down = i % 37 === 5;
      const rows = down ? undefined : aggregate(parseProcessList(sim.bodyFor(t.app_code, t.module_name, t.environment)));
      const errorCounts = new Map<FetchErrorReason, number>(down ? [['timeout', 2], ['server_error', 1]] : i % 11 === 0 ? [['rate_limited', 1]] : []);
      const labels: Record<string, string> = i % 9 === 0 ? { team: HOSTILE, zone: String(HOSTILE_STRINGS[i % HOSTILE_STRINGS.length] ?? 'z') } : {};
      const spec = { app_code: t.app_code, module_name: t.module_name, environment: t.environment, labels, source: 'test' };
      const common = { up: !down, durationSeconds: 0.05 + i / 1000, lastSuccessSeconds: down ? undefined : 1_764_284_400.25 + i, errorCounts, rows, instanceMetrics };
      out.views.push({ ...common, labels: targetLabels(spec) });
      out.refs.push({ ...common, labels: { app_code: t.app_code, module_name: t.module_name, environment: t.environment, ...Object.fromEntries(Object.entries(labels).sort()) } });
    });
  } finally {
    await sim.close();
  }
  return out;
}


describe.each([false, true])('fast path buffer vs prom-client, bench fleet of 120 targets, instance_metrics %p', (instanceMetrics) => {
  let fast: string;
  let reference: string;
  beforeAll(async () => {
    const f = await fixture(120, instanceMetrics);
    const chunks = f.views.map(renderTargetChunks);
    const buffer = renderTargetsBuffer(chunks);
    fast = buffer.toString('utf8');
    expect(renderTargets(chunks)).toBe(fast);
    reference = await buildPromClientRegistry(f.refs).metrics();
  });

  it('has the same families, HELP and TYPE, and the same series with the same values', () => {
    const expected = familiesOf(reference);
    const actual = familiesOf(fast);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, fam] of expected) expect({ name, ...actual.get(name) }).toEqual({ name, ...fam });
  });

  it('keeps hostile label values intact through escaping', () => {
    const parsed = parseExposition(fast);
    expect(parsed.samples.filter((s) => s.labels.team === HOSTILE).length).toBeGreaterThan(50);
    expect(parsed.samples.some((s) => s.name === 'bkpaas_target_up' && s.value === 0)).toBe(true);
  });

  it('is accepted by promtool check metrics', async () => {
    const result = await runPromtool(['check', 'metrics'], { input: fast });
    expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: '$ promtool check metrics\n' });
  });
});

describe('renderTargetsBuffer and target chunks', () => {
  const view = (app: string): TargetView => ({
    labels: `app_code="${app}",module_name="m",environment="e"`,
    up: true,
    durationSeconds: 0.5,
    lastSuccessSeconds: 1,
    errorCounts: new Map(),
    rows: [],
    instanceMetrics: false,
  });

  it('renders nothing for no targets, and skips targets without series', () => {
    expect(renderTargetsBuffer([]).length).toBe(0);
    const a = renderTargetChunks(view('a'));
    expect(renderTargetsBuffer([a, NO_SERIES]).equals(renderTargetsBuffer([a]))).toBe(true);
    expect(renderTargets([NO_SERIES])).toBe('');
  });

  it('places each target in the render: its chunks become views of it, and render again to the same bytes', () => {
    const fresh = ['a', '蓝鲸', 'c'].map((app) => renderTargetChunks(view(app)));
    const first = renderTargetsPlaced(fresh);
    first.placed.forEach((p, i) => {
      expect(p.bytes).toBe(first.bytes);
      for (let f = 0; f < TARGET_FAMILIES.length; f++) expect(familyText(p, f)).toBe(familyText(fresh[i], f));
    });
    expect(renderTargetsBuffer(first.placed).equals(first.bytes)).toBe(true);
    // Views of an older render mixed with a freshly rendered target, as after a partial refresh.
    const next = renderTargetsPlaced([first.placed[0], renderTargetChunks({ ...view('蓝鲸'), up: false }), first.placed[2]]);
    const text = next.bytes.toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="蓝鲸",module_name="m",environment="e"} 0\n');
    expect(text.replace('"蓝鲸",module_name="m",environment="e"} 0', '"蓝鲸",module_name="m",environment="e"} 1')).toBe(first.bytes.toString('utf8'));
  });

  it('keeps one chunk per family in family order, byte offsets right with non-ASCII labels', () => {
    const chunks = renderTargetChunks(view('蓝鲸'));
    const texts = TARGET_FAMILIES.map((_, f) => familyText(chunks, f)).filter((t) => t !== '');
    expect(texts).toEqual([
      'bkpaas_target_up{app_code="蓝鲸",module_name="m",environment="e"} 1\n',
      'bkpaas_target_fetch_duration_seconds{app_code="蓝鲸",module_name="m",environment="e"} 0.5\n',
      'bkpaas_target_last_success_timestamp_seconds{app_code="蓝鲸",module_name="m",environment="e"} 1\n',
    ]);
    expect(chunks.ranges).toHaveLength(2 * TARGET_FAMILIES.length);
    expect(chunks.bytes.toString('utf8')).toBe(texts.join(''));
  });
});
