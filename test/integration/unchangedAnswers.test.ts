/**
 * Answers the same as the target's last one (apart from Kubernetes' resource versions, which
 * the simulator advances with every answer, as a cluster does) are not parsed or rendered again:
 * the target's series stay exactly those of a full render, only its `bkpaas_target_*` series move;
 * any real change, a failure in between, or changing answers are parsed and rendered in full.
 */
import { startHarness, type Harness } from '../helpers/harness';
import { simTarget } from '../helpers/targets';
import { sleep } from '../helpers/sleep';
import type { SimTarget } from '../../src/simulator/types';

const TTL_MS = 250;
const UNCHANGED = 'bkpaas_exporter_upstream_unchanged_answers_total';

const fleet: SimTarget[] = [
  simTarget('same-a', 'healthy', { instancesPerType: 3 }),
  simTarget('same-b', 'cnative'),
  simTarget('same-c', 'rollout'),
  simTarget('same-d', 'failed'),
  simTarget('same-e', 'healthy', { processTypes: ['web', 'worker', 'beat'] }),
];

/** The process and instance sample lines of one app (every series but bkpaas_target_* and the exporter's). */
function seriesOf(text: string, app: string): string[] {
  return text.split('\n').filter((l) => /^bkpaas_(process|instance)_/.test(l) && l.includes(`app_code="${app}"`));
}

function sampleValue(text: string, name: string, app?: string): number {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && (app === undefined || l.includes(`app_code="${app}"`)));
  if (!line) throw new Error(`no ${name}${app ? ` for ${app}` : ''}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('answers the same as the last', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  /** Waits out the ttl, then scrapes (every target refreshed). */
  async function refreshed(): Promise<string> {
    await sleep(TTL_MS + 50);
    const res = await h.get('/metrics');
    expect(res.status).toBe(200);
    return res.body;
  }

  it('keep every process and instance series of the full render, move the target series, and are counted', async () => {
    h = await startHarness({ simTargets: fleet, config: { cache: { ttl_ms: TTL_MS }, instance_metrics: true } });
    const first = (await h.get('/metrics')).body;
    expect(sampleValue(first, UNCHANGED)).toBe(0);
    const second = await refreshed();
    expect(h.sim.countRequests()).toBe(2 * fleet.length);
    expect(sampleValue(second, UNCHANGED)).toBe(fleet.length);
    for (const t of fleet) {
      expect(seriesOf(first, t.app_code).length).toBeGreaterThan(3);
      expect(seriesOf(second, t.app_code)).toEqual(seriesOf(first, t.app_code));
      expect(sampleValue(second, 'bkpaas_target_up', t.app_code)).toBe(1);
      expect(sampleValue(second, 'bkpaas_target_last_success_timestamp_seconds', t.app_code)).toBeGreaterThan(
        sampleValue(first, 'bkpaas_target_last_success_timestamp_seconds', t.app_code),
      );
    }
    // A third time, over series kept twice: still the full render's.
    const third = await refreshed();
    expect(sampleValue(third, UNCHANGED)).toBe(2 * fleet.length);
    for (const t of fleet) expect(seriesOf(third, t.app_code)).toEqual(seriesOf(first, t.app_code));
  });

  it('parse and render an answer that changed, while the others in its group stay kept', async () => {
    h = await startHarness({ simTargets: fleet, config: { cache: { ttl_ms: TTL_MS } } });
    const first = (await h.get('/metrics')).body;
    h.sim.setTarget({ ...fleet[0], instancesPerType: 4 });
    const second = await refreshed();
    expect(sampleValue(second, UNCHANGED)).toBe(fleet.length - 1);
    expect(sampleValue(second, 'bkpaas_process_replicas', 'same-a')).toBe(4);
    expect(sampleValue(first, 'bkpaas_process_replicas', 'same-a')).toBe(3);
    for (const t of fleet.slice(1)) expect(seriesOf(second, t.app_code)).toEqual(seriesOf(first, t.app_code));
  });

  it('after a failure, parse the answer again even when it is the one from before the failure', async () => {
    h = await startHarness({ simTargets: fleet, config: { cache: { ttl_ms: TTL_MS } } });
    const first = (await h.get('/metrics')).body;
    h.sim.setScenario('same-b', 'default', 'prod', 'server_error');
    const failed = await refreshed();
    expect(sampleValue(failed, 'bkpaas_target_up', 'same-b')).toBe(0);
    expect(seriesOf(failed, 'same-b')).toEqual([]);
    h.sim.setScenario('same-b', 'default', 'prod', 'cnative');
    const before = sampleValue(failed, UNCHANGED);
    const recovered = await refreshed();
    expect(sampleValue(recovered, 'bkpaas_target_up', 'same-b')).toBe(1);
    expect(seriesOf(recovered, 'same-b')).toEqual(seriesOf(first, 'same-b'));
    // Every other target's answer was the same again; same-b's was parsed.
    expect(sampleValue(recovered, UNCHANGED) - before).toBe(fleet.length - 1);
  });

  it('parse and render every answer while every answer changes', async () => {
    h = await startHarness({ simTargets: fleet, config: { cache: { ttl_ms: TTL_MS }, instance_metrics: true } });
    const first = (await h.get('/metrics')).body;
    h.sim.changeEveryAnswer(true);
    const second = await refreshed();
    const third = await refreshed();
    expect(sampleValue(third, UNCHANGED)).toBe(0);
    const restarts = (text: string) => sampleValue(text, 'bkpaas_process_instance_restarts', 'same-a');
    expect(restarts(second)).toBeGreaterThan(restarts(first));
    expect(restarts(third)).toBeGreaterThan(restarts(second));
  });
});
