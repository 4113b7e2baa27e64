/**
 * The pre-rendered fast path against plain prom-client (the reference renderer in
 * test/helpers/promClientReference.ts) for the same data: the same families, HELP and TYPE,
 * series, label values (hostile ones included) and values — on hand-made snapshots and on the
 * benchmark's fleet packed by groups as a scrape serves it — and promtool accepts the result.
 */
import { buildPromClientRegistry, renderWithPromClient, type ReferenceTarget } from '../helpers/promClientReference';
import { renderTargetChunks, type TargetView } from '../../src/metrics/targetChunks';
import { renderTargets } from '../../src/metrics/render';
import { aggregate } from '../../src/model/aggregate';
import type { ProcessSnapshot } from '../../src/model/snapshot';
import { TargetGroups } from '../../src/scheduler/targetGroups';
import { targetLabels } from '../../src/scheduler/targetRecord';
import type { TargetSpec } from '../../src/config/types';
import { generateFleet, HOSTILE_STRINGS, startSimulator } from '../../src/simulator';
import { parseProcessList } from '../../src/upstream/parse';
import type { FetchErrorReason } from '../../src/upstream/errors';
import { parseExposition, familiesOf } from '../helpers/exposition';
import { runPromtool } from '../helpers/prometheus';

const HOSTILE = 'q"uote \\back\\slash\nnew line 蓝鲸 ✓ ' + 'x'.repeat(300);

function spec(app: string, labels: Record<string, string> = {}): TargetSpec {
  return { app_code: app, module_name: 'default', environment: 'prod', labels, source: 'test' };
}

function snapshot(type: string, text = 'plain'): ProcessSnapshot {
  return {
    processes: [
      { type, name: `${text}--${type}`, replicas: 3, success: 2, failed: 1, version: 175, cluster_link: `http://${text}` },
      { type, name: `${text}--${type}-old`, replicas: 1, success: 1, failed: 0, version: 174, cluster_link: `http://${text}` },
    ],
    instances: [
      { process_type: type, name: `${text}-pod-1`, state: 'Running', ready: true, restart_count: 2, version: 175, image: `img:${text}`, start_time: 1723773675 },
      { process_type: type, name: `${text}-pod-2`, state: text, ready: false, restart_count: 0, version: 174, image: '', start_time: undefined },
      { process_type: 'orphan', name: 'o', state: 'Pending', ready: false, restart_count: 1, version: undefined, image: 'i' },
    ],
    specs: [
      { name: type, target_replicas: 3, max_replicas: 5, target_status: 'start' },
      { name: 'stopped', target_replicas: 0, max_replicas: 2, target_status: 'stop' },
    ],
  };
}

interface Case {
  spec: TargetSpec;
  snap?: ProcessSnapshot;
  errors?: Array<['timeout' | 'auth' | 'server_error', number]>;
}

function build(cases: Case[], instanceMetrics: boolean) {
  const views = cases.map((c, i) => {
    const rows = c.snap ? aggregate(c.snap) : undefined;
    const errorCounts = new Map(c.errors ?? []);
    const common = { up: !!c.snap, durationSeconds: 0.125 * (i + 1), lastSuccessSeconds: c.snap ? 1764284400.5 + i : undefined, errorCounts, rows, instanceMetrics };
    const ref: ReferenceTarget = {
      ...common,
      labels: { app_code: c.spec.app_code, module_name: c.spec.module_name, environment: c.spec.environment, ...Object.fromEntries(Object.entries(c.spec.labels).sort()) },
    };
    return { fast: renderTargetChunks({ ...common, labels: targetLabels(c.spec) }), ref };
  });
  return { fast: renderTargets(views.map((v) => v.fast)), ref: views.map((v) => v.ref) };
}


describe('pre-rendered text equals prom-client output for the same data', () => {
  const cases: Case[] = [
    { spec: spec('plain-app'), snap: snapshot('web') },
    { spec: spec('labelled', { team: 'payments', zone: HOSTILE }), snap: snapshot(HOSTILE, HOSTILE), errors: [['timeout', 2]] },
    { spec: spec('down-app', { team: 'x' }), errors: [['auth', 1], ['server_error', 3]] },
    { spec: spec('empty-app'), snap: { processes: [], instances: [], specs: [] } },
  ];

  it.each([false, true])('with instance_metrics %p', async (instanceMetrics) => {
    const { fast, ref } = build(cases, instanceMetrics);
    const expected = familiesOf(await renderWithPromClient(ref));
    const actual = familiesOf(fast);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, fam] of expected) {
      expect({ name, ...actual.get(name) }).toEqual({ name, ...fam });
    }
    // Sanity: the hostile strings made it through escaping and back.
    const parsed = parseExposition(fast);
    expect(parsed.samples.some((s) => s.labels.process_type === HOSTILE && s.labels.zone === HOSTILE)).toBe(true);
    expect(parsed.samples.some((s) => s.name.startsWith('bkpaas_instance_'))).toBe(instanceMetrics);
  });

  it('groups each family under one header, in family order', () => {
    const { fast } = build(cases, true);
    const headers = fast.split('\n').filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]);
    expect(new Set(headers).size).toBe(headers.length);
    let seen = '';
    for (const line of fast.split('\n')) {
      if (line.startsWith('# TYPE')) seen = line.split(' ')[2];
      else if (line && !line.startsWith('#')) expect(line.startsWith(`${seen}{`)).toBe(true);
    }
  });
});

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
    const groups = new TargetGroups<object>(7);
    const targets = chunks.map(() => ({}));
    groups.setTargets(targets, new Map(targets.map((t, i) => [t, chunks[i]])));
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
