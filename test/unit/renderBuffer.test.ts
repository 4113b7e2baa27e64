/**
 * The fast path as a scrape serves it (chunks packed by groups of targets, written family by
 * family) against plain prom-client on the benchmark's own fleet plus hostile labels: the same
 * families, series, label values (escaping included) and values; and promtool accepts it.
 */
import { buildPromClientRegistry, type ReferenceTarget } from '../../bench/promClientReference';
import { joinPacked, packChunks, renderTargets } from '../../src/metrics/render';
import { TARGET_FAMILIES } from '../../src/metrics/families';
import { familyText, NO_SERIES, renderTargetChunks, type TargetChunks, type TargetView } from '../../src/metrics/targetChunks';
import { aggregate } from '../../src/model/aggregate';
import { TargetGroups } from '../../src/scheduler/targetGroups';
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
    // Groups of 7: many groups, the last one short, as a scrape writes them.
    const groups = new TargetGroups(7);
    groups.setTargets(chunks.map((c) => ({ chunks: c })));
    fast = Buffer.concat(groups.segments()).toString('utf8');
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

describe('packChunks, joinPacked and target chunks', () => {
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
    expect(renderTargets([])).toBe('');
    expect(joinPacked([packChunks([])])).toEqual([]);
    const a = renderTargetChunks(view('a'));
    expect(renderTargets([a, NO_SERIES])).toBe(renderTargets([a]));
    expect(renderTargets([NO_SERIES])).toBe('');
  });

  it('places each target in the pack: its chunks become views of it, and pack again to the same bytes', () => {
    const fresh = ['a', '蓝鲸', 'c'].map((app) => renderTargetChunks(view(app)));
    const first = packChunks(fresh);
    first.placed.forEach((p, i) => {
      expect(p.bytes).toBe(first.bytes);
      for (let f = 0; f < TARGET_FAMILIES.length; f++) expect(familyText(p, f)).toBe(familyText(fresh[i], f));
    });
    expect(packChunks(first.placed).bytes.equals(first.bytes)).toBe(true);
    // Views of an older pack mixed with a freshly rendered target, as after a partial refresh.
    const next = packChunks([first.placed[0], renderTargetChunks({ ...view('蓝鲸'), up: false }), first.placed[2]]);
    const text = next.bytes.toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="蓝鲸",module_name="m",environment="e"} 0\n');
    expect(text.replace('"蓝鲸",module_name="m",environment="e"} 0', '"蓝鲸",module_name="m",environment="e"} 1')).toBe(first.bytes.toString('utf8'));
  });

  it('joins packs family by family: one header per family, then each pack\'s slice in order', () => {
    const packs = [packChunks([renderTargetChunks(view('a'))]), packChunks([renderTargetChunks(view('b')), renderTargetChunks(view('c'))])];
    const text = Buffer.concat(joinPacked(packs)).toString('utf8');
    expect(text).toBe(renderTargets(['a', 'b', 'c'].map((app) => renderTargetChunks(view(app)))));
    expect(text.match(/^# TYPE bkpaas_target_up gauge$/gm)).toHaveLength(1);
    expect(text.match(/^bkpaas_target_up\{app_code="(\w)"/gm)).toEqual(['bkpaas_target_up{app_code="a"', 'bkpaas_target_up{app_code="b"', 'bkpaas_target_up{app_code="c"']);
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

describe('TargetGroups', () => {
  const view = (app: string, up = true): TargetView => ({
    labels: `app_code="${app}",module_name="m",environment="e"`,
    up,
    durationSeconds: 0.25,
    lastSuccessSeconds: 1,
    errorCounts: new Map(),
    rows: [],
    instanceMetrics: false,
  });
  const holders = (apps: string[]) => apps.map((app) => ({ app, chunks: renderTargetChunks(view(app)) as TargetChunks | undefined }));
  type Holder = ReturnType<typeof holders>[number];

  it.each([1, 2, 3, 100])('with groups of %p, serves the same text as one render of every target', (size) => {
    const hs = holders(['a', 'b', 'c', 'd', 'e']);
    const want = renderTargets(hs.map((h) => h.chunks!));
    const groups = new TargetGroups<Holder>(size);
    groups.setTargets(hs);
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(want);
    // Packed: each target's chunks are now a view of its group's pack.
    expect(new Set(hs.map((h) => h.chunks!.bytes)).size).toBe(Math.ceil(hs.length / size));
  });

  it('packs a group as soon as every one of its targets has new chunks, and not before', () => {
    const hs = holders(['a', 'b', 'c', 'd']);
    const groups = new TargetGroups<Holder>(2);
    groups.setTargets(hs);
    groups.segments();
    const packOf = (h: Holder) => h.chunks!.bytes;
    const before = hs.map(packOf);
    hs[0].chunks = renderTargetChunks(view('a', false));
    groups.changed(hs[0]);
    expect(packOf(hs[0])).not.toBe(before[0]); // its own fresh buffer, not packed yet
    expect(packOf(hs[1])).toBe(before[1]);
    hs[1].chunks = renderTargetChunks(view('b', false));
    groups.changed(hs[1]);
    // Both of group 0's targets changed: packed together at once, group 1 untouched.
    expect(packOf(hs[0])).toBe(packOf(hs[1]));
    expect(packOf(hs[0])).not.toBe(before[0]);
    expect(packOf(hs[2])).toBe(before[2]);
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="a",module_name="m",environment="e"} 0\n');
    expect(text).toContain('bkpaas_target_up{app_code="b",module_name="m",environment="e"} 0\n');
    expect(text).toContain('bkpaas_target_up{app_code="c",module_name="m",environment="e"} 1\n');
  });

  it('packs a group with some new chunks at the next segments(), and leaves targets without chunks out', () => {
    const hs = holders(['a', 'b', 'c']);
    hs[2].chunks = undefined; // not fetched yet
    const groups = new TargetGroups<Holder>(3);
    groups.setTargets(hs);
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(renderTargets([hs[0].chunks!, hs[1].chunks!]));
    hs[1].chunks = renderTargetChunks(view('b', false));
    groups.changed(hs[1]);
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="b",module_name="m",environment="e"} 0\n');
    expect(hs[0].chunks!.bytes).toBe(hs[1].chunks!.bytes);
  });

  it('ignores targets it does not hold (removed by a reload)', () => {
    const groups = new TargetGroups<Holder>(2);
    groups.setTargets(holders(['a']));
    const stranger = holders(['x'])[0];
    groups.changed(stranger);
    expect(Buffer.concat(groups.segments()).toString('utf8')).not.toContain('"x"');
  });
});
