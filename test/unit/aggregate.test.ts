import { aggregate } from '../../src/model/aggregate';
import type { InstanceItem, ProcessItem, ProcessSnapshot, ProcessSpec } from '../../src/model/snapshot';

const proc = (p: Partial<ProcessItem> & { type: string }): ProcessItem => ({
  name: `app--${p.type}`,
  replicas: 0,
  success: 0,
  failed: 0,
  cluster_link: '',
  ...p,
});
const inst = (i: Partial<InstanceItem> & { process_type: string }): InstanceItem => ({
  name: 'pod',
  state: 'Running',
  ready: true,
  restart_count: 0,
  image: 'img',
  ...i,
});
const snap = (processes: ProcessItem[], instances: InstanceItem[] = [], specs: ProcessSpec[] = []): ProcessSnapshot => ({ processes, instances, specs });

describe('aggregate', () => {
  it('sums process items of one type and takes the highest version as latest', () => {
    const [web] = aggregate(
      snap([
        proc({ type: 'web', name: 'a--web-174', replicas: 1, success: 1, failed: 0, version: 174 }),
        proc({ type: 'web', name: 'a--web-175', replicas: 3, success: 2, failed: 1, version: 175 }),
      ]),
    );
    expect(web).toMatchObject({ process_type: 'web', replicas: 4, success: 3, failed: 1, latest_version: 175 });
    expect(web.infos.map((i) => i.name)).toEqual(['a--web-174', 'a--web-175']);
  });

  it('counts stale instances against the latest version, skipping unreadable versions', () => {
    const [web] = aggregate(
      snap(
        [proc({ type: 'web', version: 174 }), proc({ type: 'web', version: 175, name: 'n2' })],
        [
          inst({ process_type: 'web', version: 174 }),
          inst({ process_type: 'web', version: 174 }),
          inst({ process_type: 'web', version: 175 }),
          inst({ process_type: 'web', version: undefined }),
          inst({ process_type: 'web', version: 176 }),
        ],
      ),
    );
    expect(web.stale_instances).toBe(3);
  });

  it('leaves stale instances and version absent for a type without process items', () => {
    const rows = aggregate(snap([], [inst({ process_type: 'worker', version: 1 })], [{ name: 'web', target_replicas: 2, max_replicas: 4, target_status: 'stop' }]));
    expect(rows.map((r) => r.process_type)).toEqual(['web', 'worker']);
    const [web, worker] = rows;
    expect(web).toMatchObject({ replicas: 0, success: 0, failed: 0, target_replicas: 2, max_replicas: 4, target_status: 'stop', settled: 1 });
    expect(web.stale_instances).toBeUndefined();
    expect(web.latest_version).toBeUndefined();
    expect(worker.stale_instances).toBeUndefined();
    expect(worker.target_status).toBeUndefined();
    expect(worker.settled).toBeUndefined();
    expect(worker.instances_by_state).toEqual([['Running', 1]]);
  });

  it('counts instances by state, ready instances and restarts', () => {
    const [web] = aggregate(
      snap(
        [proc({ type: 'web', version: 1 })],
        [
          inst({ process_type: 'web', state: 'Running', ready: true, restart_count: 3 }),
          inst({ process_type: 'web', state: 'Pending', ready: false, restart_count: 0 }),
          inst({ process_type: 'web', state: 'Running', ready: false, restart_count: 4 }),
          inst({ process_type: 'web', state: 'CrashLoopBackOff', ready: false, restart_count: 10 }),
        ],
      ),
    );
    expect(web.instances_by_state).toEqual([
      ['CrashLoopBackOff', 1],
      ['Pending', 1],
      ['Running', 2],
    ]);
    expect(web.ready_instances).toBe(1);
    expect(web.restarts).toBe(17);
  });

  describe("the platform's settled rule", () => {
    const cases: Array<[string, Partial<ProcessItem>, ProcessSpec, 0 | 1 | undefined]> = [
      ['start: all target replicas healthy', { success: 3, failed: 0 }, { name: 'web', target_replicas: 3, target_status: 'start' }, 1],
      ['start: one short', { success: 2, failed: 0 }, { name: 'web', target_replicas: 3, target_status: 'start' }, 0],
      ['start: healthy but one failed', { success: 3, failed: 1 }, { name: 'web', target_replicas: 3, target_status: 'start' }, 0],
      ['start: more healthy than target (scale-down in progress)', { success: 4, failed: 0 }, { name: 'web', target_replicas: 3, target_status: 'start' }, 0],
      ['start: no target_replicas, desired replicas stand in', { replicas: 2, success: 2 }, { name: 'web', target_status: 'start' }, 1],
      ['stop: nothing healthy', { success: 0, failed: 1 }, { name: 'web', target_replicas: 0, target_status: 'stop' }, 1],
      ['stop: still healthy instances', { success: 1 }, { name: 'web', target_replicas: 0, target_status: 'stop' }, 0],
      ['unknown status', { success: 1 }, { name: 'web', target_replicas: 1 }, undefined],
    ];
    it.each(cases)('%s', (_name, p, spec, want) => {
      const [web] = aggregate(snap([proc({ type: 'web', version: 1, ...p })], [], [spec]));
      expect(web.settled).toBe(want);
    });
  });

  it('sorts rows by process type and de-duplicates info rows', () => {
    const rows = aggregate(
      snap([
        proc({ type: 'worker', name: 'w', cluster_link: 'l' }),
        proc({ type: 'web', name: 'x', cluster_link: 'l' }),
        proc({ type: 'web', name: 'x', cluster_link: 'l' }),
      ]),
    );
    expect(rows.map((r) => r.process_type)).toEqual(['web', 'worker']);
    expect(rows[0].infos).toEqual([{ name: 'x', cluster_link: 'l' }]);
  });

  it('returns no rows for an empty snapshot', () => {
    expect(aggregate(snap([]))).toEqual([]);
  });

  describe('last terminations, capacity and autoscaling', () => {
    it('counts instances per last termination reason, sorted, skipping instances without a reason', () => {
      const [web, worker] = aggregate(
        snap(
          [proc({ type: 'web', version: 1 }), proc({ type: 'web', version: 2, name: 'w2' }), proc({ type: 'worker', version: 1 })],
          [
            inst({ process_type: 'web', last_terminated: { reason: 'OOMKilled', exit_code: 137 } }),
            inst({ process_type: 'web', last_terminated: { reason: 'Error', exit_code: 1 } }),
            inst({ process_type: 'web', last_terminated: { reason: 'OOMKilled', exit_code: 137 } }),
            inst({ process_type: 'web', last_terminated: { exit_code: 2 } }),
            inst({ process_type: 'web' }),
            inst({ process_type: 'web', last_terminated: { reason: 'Completed', exit_code: 0 } }),
            inst({ process_type: 'worker' }),
          ],
        ),
      );
      expect(web.last_terminated_by_reason).toEqual([
        ['Completed', 1],
        ['Error', 1],
        ['OOMKilled', 2],
      ]);
      expect(worker.last_terminated_by_reason).toEqual([]);
    });

    it('takes plan, limits, requests and the autoscaling range from the spec of the type, whatever the number of process items', () => {
      const [web] = aggregate(
        snap(
          [proc({ type: 'web', version: 1, replicas: 2 }), proc({ type: 'web', version: 2, name: 'w2', replicas: 2 })],
          [],
          [
            {
              name: 'web',
              target_replicas: 4,
              target_status: 'start',
              plan_name: 'default',
              resource_limit: { cpu_cores: 4, memory_bytes: 2147483648 },
              resource_request: { cpu_cores: 0.2 },
              autoscaling: true,
              scaling: { min_replicas: 1, max_replicas: 4 },
            },
          ],
        ),
      );
      expect(web).toMatchObject({
        replicas: 4,
        plan_name: 'default',
        resource_limit: { cpu_cores: 4, memory_bytes: 2147483648 },
        resource_request: { cpu_cores: 0.2 },
        autoscaling: true,
        autoscaling_min_replicas: 1,
        autoscaling_max_replicas: 4,
      });
      expect(web.resource_request?.memory_bytes).toBeUndefined();
    });

    it('leaves every depth field absent for an old server', () => {
      const [web] = aggregate(snap([proc({ type: 'web', version: 1 })], [inst({ process_type: 'web' })], [{ name: 'web', target_replicas: 1, target_status: 'start' }]));
      for (const key of ['plan_name', 'resource_limit', 'resource_request', 'autoscaling', 'autoscaling_min_replicas', 'autoscaling_max_replicas'] as const) {
        expect(key in web).toBe(false);
      }
      expect(web.last_terminated_by_reason).toEqual([]);
    });

    it('reports the autoscaling range from scaling_config as sent, whatever the flag, and a partial range in part', () => {
      const [off] = aggregate(snap([], [], [{ name: 'web', autoscaling: false }]));
      expect(off.autoscaling).toBe(false);
      expect(off.autoscaling_min_replicas).toBeUndefined();
      expect(off.autoscaling_max_replicas).toBeUndefined();
      const [stale] = aggregate(snap([], [], [{ name: 'web', autoscaling: false, scaling: { min_replicas: 1, max_replicas: 4 } }]));
      expect([stale.autoscaling, stale.autoscaling_min_replicas, stale.autoscaling_max_replicas]).toEqual([false, 1, 4]);
      const [partial] = aggregate(snap([], [], [{ name: 'web', scaling: { max_replicas: 6 } }]));
      expect(partial.autoscaling).toBeUndefined();
      expect(partial.autoscaling_min_replicas).toBeUndefined();
      expect(partial.autoscaling_max_replicas).toBe(6);
    });
  });
});
