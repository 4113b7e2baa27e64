/** A real Prometheus reads the exporter's /sd (http_sd_configs) and scrapes each /probe target it lists. */
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus';
import { startHarness, type Harness } from '../helpers/harness';
import { specOf } from '../helpers/targets';
import { simTarget } from '../helpers/targets';


describe('/sd with a real Prometheus', () => {
  let h: Harness;
  let prom: PrometheusServer | undefined;

  beforeAll(async () => {
    h = await startHarness({
      simTargets: [simTarget('alpha', 'healthy', { module_name: 'default', environment: 'prod' }), simTarget('alpha', 'healthy', { module_name: 'api', environment: 'prod' }), simTarget('beta', 'healthy', { module_name: 'default', environment: 'stag' })],
      sim: { apps: [{ code: 'alpha', name: 'Alpha', modules: ['default', 'api'] }, { code: 'beta', name: 'Beta', modules: ['default'] }] },
      targets: [specOf(simTarget('beta', 'healthy', { module_name: 'default', environment: 'stag' }))],
      config: {
        discovery: {
          enabled: true,
          refresh_interval_ms: 3_600_000,
          environments: ['prod'],
          include_apps: [/^alpha$/],
          exclude_apps: [],
          include_modules: [],
          exclude_modules: [],
          labels: {},
        },
      },
    });
    await h.exporter.discoverNow();
    const sdUrl = `${h.url}/sd`;
    prom = await startPrometheus({
      scrapeConfigs: [
        {
          job_name: 'bkpaas-probe',
          metrics_path: '/probe',
          http_sd_configs: [{ url: sdUrl, refresh_interval: '1s' }],
          relabel_configs: [
            {
              source_labels: ['__param_app_code', '__param_module_name', '__param_environment'],
              separator: '/',
              target_label: 'instance',
            },
          ],
        },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await h.stop();
  });

  it('scrapes every served target through /probe', async () => {
    const expected = ['alpha/api/prod', 'alpha/default/prod', 'beta/default/stag'];
    const targets = await prom!.waitFor('three healthy probe targets', async () => {
      const { activeTargets } = await prom!.targets();
      return activeTargets.length === 3 && activeTargets.every((t) => t.health === 'up') ? activeTargets : undefined;
    }, 30_000);
    expect(targets.map((t) => t.labels.instance).sort()).toEqual(expected);
    const up = await prom!.waitFor('bkpaas_target_up from each probe', async () => {
      const v = await prom!.queryVector('bkpaas_target_up{job="bkpaas-probe"}');
      return v.length === 3 ? v : undefined;
    }, 30_000);
    for (const s of up) {
      expect(s.value[1]).toBe('1');
      expect(s.metric.instance).toBe(`${s.metric.app_code}/${s.metric.module_name}/${s.metric.environment}`);
    }
  });
});
