/** Ignored optional fields reach the exporter's log, and cost only their own values. */
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget } from '../helpers/targets';
import { value } from '../helpers/exposition';

describe('a target sending an unparsable quantity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      simTargets: [simTarget('odd-a', 'odd_quantities', { processTypes: ['web', 'worker'] }), simTarget('odd-b', 'odd_quantities', { processTypes: ['web', 'worker'] })],
    });
  });
  afterAll(() => h.stop());

  it('stays up, and the bad quantity is logged once for the whole exporter', async () => {
    const first = await h.scrape();
    for (const app of ['odd-a', 'odd-b']) {
      expect(value(first, 'bkpaas_target_up', { app_code: app })).toBe(1);
      expect(value(first, 'bkpaas_process_replicas', { app_code: app, process_type: 'worker' })).toBe(2);
    }
    const warnings = h.logs.filter((l) => l.includes('ignored optional fields'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, ignored: ['process_packages[1].resource_limit.cpu: not a Kubernetes quantity: "bogus"'], ignored_total: 1 });
  });
});
