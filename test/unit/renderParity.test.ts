import { renderWithPromClient, type ReferenceTarget } from '../../bench/promClientReference';
import { renderTargetChunks } from '../../src/metrics/targetChunks';
import { renderTargets } from '../../src/metrics/render';
import { aggregate } from '../../src/model/aggregate';
import type { ProcessSnapshot } from '../../src/model/snapshot';
import { targetLabels } from '../../src/scheduler/targetRecord';
import type { TargetSpec } from '../../src/config/types';
import { parseExposition, familiesOf } from '../helpers/exposition';

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
