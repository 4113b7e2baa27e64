/**
 * Every contract metric's value over real HTTP: simulator → exporter → /metrics, for a body
 * written by hand (exact values) and for each simulator scenario (what the scenario means).
 */
import { find, value, type ParsedExposition } from '../helpers/exposition';
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget, specOf } from '../helpers/targets';


/** A rollout caught mid-way, as a current server sends it (string versions, string status). */
const HAND_BODY = {
  processes: {
    items: [
      { module_name: 'default', name: 'shop--web-174', type: 'web', command: 'gunicorn', replicas: 1, success: 1, failed: 0, version: 174, cluster_link: 'http://shop--web.bkapp-shop-prod' },
      { module_name: 'default', name: 'shop--web', type: 'web', command: 'gunicorn', replicas: 3, success: 2, failed: 1, version: 175, cluster_link: 'http://shop--web.bkapp-shop-prod' },
      { module_name: 'default', name: 'shop--beat', type: 'beat', replicas: 1, success: 1, failed: 0, version: 175, cluster_link: '' },
    ],
    extra_infos: [],
    metadata: { resource_version: '1' },
  },
  instances: {
    items: [
      { name: 'shop--web-1', process_type: 'web', state: 'Running', ready: true, restart_count: 0, version: '175', image: 'r/shop:1.5', start_time: '2024-08-16T02:07:55Z' },
      { name: 'shop--web-2', process_type: 'web', state: 'Running', ready: true, restart_count: 1, version: '175', image: 'r/shop:1.5', start_time: '2024-08-16T02:08:55Z' },
      { name: 'shop--web-3', process_type: 'web', state: 'Failed', ready: false, restart_count: 5, version: '175', image: 'r/shop:1.5', start_time: null },
      { name: 'shop--web-old', process_type: 'web', state: 'Running', ready: true, restart_count: 0, version: '174', image: 'r/shop:1.4', start_time: '2024-08-01T00:00:00Z' },
      { name: 'shop--worker-1', process_type: 'worker', state: 'Pending', ready: false, restart_count: 0, version: 'n/a', image: 'r/shop:1.5' },
      { name: 'shop--beat-1', process_type: 'beat', state: 'Running', ready: true, restart_count: 0, version: 175, image: 'r/shop:1.5' },
    ],
    metadata: { resource_version: '1' },
  },
  process_packages: [
    { name: 'web', target_replicas: 3, target_status: 'start', max_replicas: 5, resource_limit: { cpu: '4000m', memory: '2048Mi' } },
    { name: 'worker', target_replicas: 2, target_status: 'stop', max_replicas: 2, resource_limit: { cpu: '1', memory: '1Gi' } },
  ],
  extra_top_level: { ignored: true },
};

describe('metric values for a hand-written body', () => {
  let h: Harness;
  let m: ParsedExposition;
  const L = { app_code: 'shop', module_name: 'default', environment: 'prod', team: 'payments' };
  const web = { ...L, process_type: 'web' };
  const worker = { ...L, process_type: 'worker' };
  const beat = { ...L, process_type: 'beat' };

  beforeAll(async () => {
    const target = simTarget('shop', 'healthy', { body: HAND_BODY });
    h = await startHarness({ simTargets: [target], targets: [specOf(target, { labels: { team: 'payments' } })], config: { instance_metrics: true } });
    m = await h.scrape();
  });
  afterAll(() => h.stop());

  it('sums replicas, success and failed over the items of a type', () => {
    expect(value(m, 'bkpaas_process_replicas', web)).toBe(4);
    expect(value(m, 'bkpaas_process_success_replicas', web)).toBe(3);
    expect(value(m, 'bkpaas_process_failed_replicas', web)).toBe(1);
    expect(value(m, 'bkpaas_process_replicas', beat)).toBe(1);
  });

  it('reports zero replicas for a type seen only in packages and instances', () => {
    expect(value(m, 'bkpaas_process_replicas', worker)).toBe(0);
    expect(value(m, 'bkpaas_process_success_replicas', worker)).toBe(0);
    expect(value(m, 'bkpaas_process_failed_replicas', worker)).toBe(0);
  });

  it('reports target and max replicas where packages know them', () => {
    expect(value(m, 'bkpaas_process_target_replicas', web)).toBe(3);
    expect(value(m, 'bkpaas_process_max_replicas', web)).toBe(5);
    expect(value(m, 'bkpaas_process_target_replicas', worker)).toBe(2);
    expect(find(m, 'bkpaas_process_target_replicas', beat)).toHaveLength(0);
    expect(find(m, 'bkpaas_process_max_replicas', beat)).toHaveLength(0);
  });

  it('takes the highest version as latest and counts stale instances', () => {
    expect(value(m, 'bkpaas_process_version', web)).toBe(175);
    expect(value(m, 'bkpaas_process_stale_instances', web)).toBe(1);
    expect(value(m, 'bkpaas_process_stale_instances', beat)).toBe(0);
    expect(find(m, 'bkpaas_process_stale_instances', worker)).toHaveLength(0);
    expect(find(m, 'bkpaas_process_version', worker)).toHaveLength(0);
  });

  it('counts instances by state, ready instances and restarts', () => {
    expect(value(m, 'bkpaas_process_instances', { ...web, state: 'Running' })).toBe(3);
    expect(value(m, 'bkpaas_process_instances', { ...web, state: 'Failed' })).toBe(1);
    expect(find(m, 'bkpaas_process_instances', { ...web, state: 'Pending' })).toHaveLength(0);
    expect(value(m, 'bkpaas_process_instances', { ...worker, state: 'Pending' })).toBe(1);
    expect(value(m, 'bkpaas_process_ready_instances', web)).toBe(3);
    expect(value(m, 'bkpaas_process_ready_instances', worker)).toBe(0);
    expect(value(m, 'bkpaas_process_instance_restarts', web)).toBe(6);
  });

  it('reports target status as a state set and the settled rule', () => {
    expect(value(m, 'bkpaas_process_target_status', { ...web, status: 'start' })).toBe(1);
    expect(value(m, 'bkpaas_process_target_status', { ...web, status: 'stop' })).toBe(0);
    expect(value(m, 'bkpaas_process_target_status', { ...worker, status: 'stop' })).toBe(1);
    expect(value(m, 'bkpaas_process_settled', web)).toBe(0); // success 3 = target 3, but failed 1
    expect(value(m, 'bkpaas_process_settled', worker)).toBe(1); // stop, nothing healthy
    expect(find(m, 'bkpaas_process_settled', beat)).toHaveLength(0); // no package: status unknown
    expect(find(m, 'bkpaas_process_target_status', beat)).toHaveLength(0);
  });

  it('reports one info series per process item', () => {
    const infos = find(m, 'bkpaas_process_info', web);
    expect(infos.map((s) => s.labels.name).sort()).toEqual(['shop--web', 'shop--web-174']);
    expect(infos.every((s) => s.value === 1 && s.labels.cluster_link === 'http://shop--web.bkapp-shop-prod')).toBe(true);
  });

  it('reports per-instance series with instance_metrics', () => {
    const i1 = { ...web, instance_name: 'shop--web-1' };
    expect(value(m, 'bkpaas_instance_ready', i1)).toBe(1);
    expect(value(m, 'bkpaas_instance_restarts', { ...web, instance_name: 'shop--web-3' })).toBe(5);
    expect(value(m, 'bkpaas_instance_start_time_seconds', i1)).toBe(Date.parse('2024-08-16T02:07:55Z') / 1000);
    expect(find(m, 'bkpaas_instance_start_time_seconds', { instance_name: 'shop--web-3' })).toHaveLength(0);
    expect(value(m, 'bkpaas_instance_info', { ...i1, state: 'Running', version: '175', image: 'r/shop:1.5' })).toBe(1);
    expect(value(m, 'bkpaas_instance_info', { ...worker, instance_name: 'shop--worker-1', version: '' })).toBe(1);
    expect(m.samples.some((s) => 'instance' in s.labels)).toBe(false);
  });

  it('reports the target as up with its fetch metrics', () => {
    expect(value(m, 'bkpaas_target_up', L)).toBe(1);
    const d = value(m, 'bkpaas_target_fetch_duration_seconds', L);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(3);
    const last = value(m, 'bkpaas_target_last_success_timestamp_seconds', L);
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(30);
    expect(find(m, 'bkpaas_target_fetch_errors_total', L)).toHaveLength(0);
  });

  it("serves the exporter's own metrics and the Node.js defaults", () => {
    expect(value(m, 'bkpaas_exporter_targets')).toBe(1);
    expect(find(m, 'bkpaas_exporter_build_info')[0].labels).toEqual({ version: expect.any(String), nodejs_version: process.version });
    expect(value(m, 'bkpaas_exporter_upstream_request_duration_seconds_count', { code: '200' })).toBe(1);
    expect(value(m, 'bkpaas_exporter_config_last_reload_successful')).toBe(1);
    expect(value(m, 'bkpaas_exporter_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(1.7e9);
    expect(find(m, 'process_resident_memory_bytes').length + find(m, 'nodejs_heap_size_total_bytes').length).toBeGreaterThan(0);
    expect(m.type.get('bkpaas_target_up')).toBe('gauge');
    expect(m.type.get('bkpaas_exporter_upstream_request_duration_seconds')).toBe('histogram');
  });

  it('does not report per-instance series without instance_metrics', async () => {
    const target = simTarget('shop', 'healthy', { body: HAND_BODY });
    const h2 = await startHarness({ simTargets: [target] });
    try {
      const m2 = await h2.scrape();
      expect(m2.samples.filter((s) => s.name.startsWith('bkpaas_instance_'))).toHaveLength(0);
      expect(value(m2, 'bkpaas_process_replicas', { process_type: 'web' })).toBe(4);
    } finally {
      await h2.stop();
    }
  });
});

describe('metric values for each simulator scenario', () => {
  let h: Harness;
  let m: ParsedExposition;
  const targets = [
    simTarget('healthy-app', 'healthy'),
    simTarget('cnative-app', 'cnative'),
    simTarget('rollout-app', 'rollout'),
    simTarget('crash-app', 'crashloop'),
    simTarget('failed-app', 'failed'),
    simTarget('stopped-app', 'stopped'),
    simTarget('empty-app', 'empty'),
  ];
  const of = (app: string) => ({ app_code: app, module_name: 'default', environment: 'prod' });

  beforeAll(async () => {
    h = await startHarness({ simTargets: targets });
    m = await h.scrape();
  });
  afterAll(() => h.stop());

  it('reports every target up', () => {
    for (const t of targets) expect(value(m, 'bkpaas_target_up', of(t.app_code))).toBe(1);
  });

  it.each(['healthy-app', 'cnative-app'])('%s: every process settled at target, nothing failed or stale', (app) => {
    const types = find(m, 'bkpaas_process_replicas', of(app));
    expect(types.length).toBeGreaterThan(0);
    for (const s of types) {
      const l = { ...of(app), process_type: s.labels.process_type };
      expect(value(m, 'bkpaas_process_success_replicas', l)).toBe(value(m, 'bkpaas_process_target_replicas', l));
      expect(value(m, 'bkpaas_process_failed_replicas', l)).toBe(0);
      expect(value(m, 'bkpaas_process_stale_instances', l)).toBe(0);
      expect(value(m, 'bkpaas_process_settled', l)).toBe(1);
      expect(value(m, 'bkpaas_process_target_status', { ...l, status: 'start' })).toBe(1);
      expect(value(m, 'bkpaas_process_max_replicas', l)).toBeGreaterThanOrEqual(value(m, 'bkpaas_process_target_replicas', l));
    }
  });

  it('rollout-app: stale instances of the old version, latest version the highest', () => {
    const stale = find(m, 'bkpaas_process_stale_instances', of('rollout-app'));
    expect(stale.some((s) => s.value > 0)).toBe(true);
    const body = h.sim.bodyFor('rollout-app', 'default', 'prod') as { processes: { items: Array<{ type: string; version: number }> } };
    const s = stale.find((x) => x.value > 0)!;
    const versions = body.processes.items.filter((p) => p.type === s.labels.process_type).map((p) => p.version);
    expect(versions.length).toBeGreaterThan(1);
    expect(value(m, 'bkpaas_process_version', s.labels)).toBe(Math.max(...versions));
  });

  it('crash-app: restarts, unready instances and failures', () => {
    const restarts = find(m, 'bkpaas_process_instance_restarts', of('crash-app'));
    expect(restarts.some((s) => s.value > 0)).toBe(true);
    expect(find(m, 'bkpaas_process_failed_replicas', of('crash-app')).some((s) => s.value > 0)).toBe(true);
    expect(find(m, 'bkpaas_process_settled', of('crash-app')).some((s) => s.value === 0)).toBe(true);
  });

  it('failed-app: failed replicas and instances in state Failed', () => {
    expect(find(m, 'bkpaas_process_failed_replicas', of('failed-app')).some((s) => s.value > 0)).toBe(true);
    expect(find(m, 'bkpaas_process_instances', { ...of('failed-app'), state: 'Failed' }).some((s) => s.value > 0)).toBe(true);
  });

  it('stopped-app: target status stop, nothing running, settled, no stale series', () => {
    const rows = find(m, 'bkpaas_process_replicas', of('stopped-app'));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const l = r.labels;
      expect(r.value).toBe(0);
      expect(value(m, 'bkpaas_process_target_status', { ...l, status: 'stop' })).toBe(1);
      expect(value(m, 'bkpaas_process_settled', l)).toBe(1);
      expect(find(m, 'bkpaas_process_stale_instances', l)).toHaveLength(0);
      expect(find(m, 'bkpaas_process_instances', l)).toHaveLength(0);
    }
  });

  it('empty-app: up, but no process series', () => {
    expect(m.samples.filter((s) => s.name.startsWith('bkpaas_process_') && s.labels.app_code === 'empty-app')).toHaveLength(0);
  });
});
