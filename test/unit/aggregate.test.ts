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
});
