import { parseProcessList } from '../../src/upstream/parse';
import { UpstreamError } from '../../src/upstream/errors';

/** A body as current servers send it (upstream-api.md). */
function realBody(): Record<string, unknown> {
  return {
    processes: {
      items: [
        { module_name: 'default', name: 'demo--web', type: 'web', command: 'gunicorn', replicas: 3, success: 2, failed: 1, version: 175, cluster_link: 'http://demo--web.bkapp-demo-prod', unknown_field: { x: 1 } },
      ],
      extra_infos: [{ type: 'web', command: 'gunicorn', cluster_link: 'http://x' }],
      metadata: { resource_version: '192437966' },
    },
    instances: {
      items: [
        { module_name: 'default', name: 'demo--web-699599bf76-78jzf', process_type: 'web', display_name: '78jzf', image: 'registry/default:1.5.5', start_time: '2024-08-16T02:07:55Z', state: 'Running', state_message: null, rich_status: 'Running', ready: true, restart_count: 2, version: '175' },
      ],
      metadata: { resource_version: '192437966' },
    },
    process_packages: [{ name: 'web', target_replicas: 3, target_status: 'start', max_replicas: 5, resource_limit: { cpu: '4000m', memory: '2048Mi' } }],
  };
}

const procOf = (b: Record<string, unknown>) => (b.processes as { items: Array<Record<string, unknown>> }).items[0];
const instOf = (b: Record<string, unknown>) => (b.instances as { items: Array<Record<string, unknown>> }).items[0];
const pkgOf = (b: Record<string, unknown>) => (b.process_packages as Array<Record<string, unknown>>)[0];

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof UpstreamError) return `${err.reason}: ${err.message}`;
    throw err;
  }
  return undefined;
}

describe('parseProcessList', () => {
  it('normalises the body current servers send', () => {
    const s = parseProcessList(realBody());
    expect(s.processes).toEqual([
      { type: 'web', name: 'demo--web', replicas: 3, success: 2, failed: 1, version: 175, cluster_link: 'http://demo--web.bkapp-demo-prod' },
    ]);
    expect(s.instances).toEqual([
      {
        process_type: 'web',
        name: 'demo--web-699599bf76-78jzf',
        state: 'Running',
        ready: true,
        restart_count: 2,
        version: 175,
        image: 'registry/default:1.5.5',
        start_time: Date.parse('2024-08-16T02:07:55Z') / 1000,
      },
    ]);
    expect(s.specs).toEqual([{ name: 'web', target_replicas: 3, max_replicas: 5, target_status: 'start' }]);
  });

  it('reads cnative_proc_specs like process_packages', () => {
    const b = realBody();
    delete b.process_packages;
    b.cnative_proc_specs = [
      { name: 'web', target_replicas: 2, target_status: 'stop', max_replicas: 4, plan_name: 'default', autoscaling: false, scaling_config: null, resource_requests: {}, cpu_limit: '4000m', memory_limit: '1024Mi' },
    ];
    expect(parseProcessList(b).specs).toEqual([{ name: 'web', target_replicas: 2, max_replicas: 4, target_status: 'stop' }]);
  });

  it.each([
    [1, 'start'],
    [0, 'stop'],
    ['start', 'start'],
    ['stop', 'stop'],
    ['START', 'start'],
    [2, undefined],
    ['paused', undefined],
    [null, undefined],
  ])('reads target_status %p as %p', (raw, want) => {
    const b = realBody();
    (b.process_packages as Array<Record<string, unknown>>)[0].target_status = raw;
    expect(parseProcessList(b).specs[0].target_status).toBe(want);
  });

  it.each([
    [175, 175],
    ['175', 175],
    [' 176 ', 176],
    ['abc', undefined],
    [null, undefined],
    [1.5, undefined],
    [{ v: 1 }, undefined],
  ])('reads instance version %p as %p', (raw, want) => {
    const b = realBody();
    ((b.instances as { items: Array<Record<string, unknown>> }).items[0]).version = raw;
    expect(parseProcessList(b).instances[0].version).toBe(want);
  });

  it('accepts absent or null optional fields', () => {
    const s = parseProcessList({
      processes: { items: [{ type: 'web', replicas: 1, success: 1, failed: null, version: 3 }] },
      instances: { items: [{ process_type: 'web', name: 'p', state: null, ready: null, restart_count: null, image: null, start_time: null }] },
      process_packages: [{ name: 'web' }],
    });
    expect(s.processes[0]).toEqual({ type: 'web', name: '', replicas: 1, success: 1, failed: 0, version: 3, cluster_link: '' });
    expect(s.instances[0]).toMatchObject({ state: 'Unknown', ready: false, restart_count: 0, image: '', version: undefined, start_time: undefined });
    expect(s.specs[0]).toEqual({ name: 'web', target_replicas: undefined, max_replicas: undefined, target_status: undefined });
  });

  it('reads null lists as empty', () => {
    expect(parseProcessList({ processes: { items: null }, instances: null, process_packages: null })).toEqual({ processes: [], instances: [], specs: [] });
  });

  it('reads an empty never-deployed answer', () => {
    expect(parseProcessList({ processes: { items: [] }, instances: { items: [] }, process_packages: [] })).toEqual({ processes: [], instances: [], specs: [] });
  });

  it('takes the first spec of a name when both variants list it', () => {
    const b = realBody();
    b.cnative_proc_specs = [{ name: 'web', target_replicas: 9 }, { name: 'worker', target_replicas: 1 }];
    expect(parseProcessList(b).specs.map((s) => [s.name, s.target_replicas])).toEqual([
      ['web', 3],
      ['worker', 1],
    ]);
  });

  it('reads an unparsable start_time as unknown', () => {
    const b = realBody();
    ((b.instances as { items: Array<Record<string, unknown>> }).items[0]).start_time = 'yesterday';
    expect(parseProcessList(b).instances[0].start_time).toBeUndefined();
  });

  it.each([
    ['a list', [1, 2], /invalid_response: response body is a list/],
    ['null', null, /invalid_response: response body is null/],
    ['a string', 'ok', /invalid_response: response body is a string/],
    ['an unrelated object', { result: true, data: [] }, /invalid_response: response body has none of processes/],
    ['processes as a string', { processes: 'web' }, /invalid_response: unexpected response shape at processes/],
    ['items not a list', { processes: { items: { web: 1 } } }, /processes\.items/],
    ['replicas not a number', { processes: { items: [{ type: 'web', replicas: 'three' }] } }, /processes\.items\[0\]\.replicas/],
    ['a process without type', { processes: { items: [{ name: 'x', replicas: 1 }] } }, /processes\.items\[0\]\.type/],
    ['an instance without process_type', { instances: { items: [{ name: 'x' }] } }, /instances\.items\[0\]\.process_type/],
    ['a package without name', { process_packages: [{ target_replicas: 1 }] }, /process_packages\[0\]\.name/],
  ])('rejects %s as invalid_response', (_what, body, pattern) => {
    expect(reasonOf(() => parseProcessList(body))).toMatch(pattern);
  });

  describe('counts are non-negative integers', () => {
    const FIELDS: Array<[string, (b: Record<string, unknown>, v: unknown) => void]> = [
      ['processes.items[0].replicas', (b, v) => (procOf(b).replicas = v)],
      ['processes.items[0].success', (b, v) => (procOf(b).success = v)],
      ['processes.items[0].failed', (b, v) => (procOf(b).failed = v)],
      ['instances.items[0].restart_count', (b, v) => (instOf(b).restart_count = v)],
      ['process_packages[0].target_replicas', (b, v) => (pkgOf(b).target_replicas = v)],
      ['process_packages[0].max_replicas', (b, v) => (pkgOf(b).max_replicas = v)],
    ];
    const BAD: Array<[unknown, string]> = [
      [-5, 'got -5'],
      [-1, 'got -1'],
      [2.5, 'got 2.5'],
      ['-7', 'got "-7"'],
      ['2.5', 'got "2.5"'],
      ['3 replicas', 'got a string'],
      [2 ** 60, `got ${2 ** 60}`],
      ['99999999999999999999', 'got "99999999999999999999"'],
      [true, 'got a boolean'],
    ];
    const cases = FIELDS.flatMap(([path, set]) => BAD.map(([v, shown]) => [path, v, shown, set] as const));

    it.each(cases)('%s = %p is invalid_response, the message shows the value', (path, v, shown, set) => {
      const b = realBody();
      set(b, v);
      const message = reasonOf(() => parseProcessList(b));
      expect(message).toBe(`invalid_response: unexpected response shape at ${path}: expected a non-negative integer (or a string of one), ${shown}`);
    });

    it.each(FIELDS)('%s accepts 0, integers and integer strings', (_path, set) => {
      for (const v of [0, 7, '12', 2 ** 53 - 1]) {
        const b = realBody();
        set(b, v);
        expect(reasonOf(() => parseProcessList(b))).toBeUndefined();
      }
    });
  });

  it.each([-175, '-175'])('reads a negative process or instance version %p as unreadable', (v) => {
    const b = realBody();
    procOf(b).version = v;
    instOf(b).version = v;
    const s = parseProcessList(b);
    expect(s.processes[0].version).toBeUndefined();
    expect(s.instances[0].version).toBeUndefined();
  });

  it('keeps hostile strings intact for escaping later', () => {
    const hostile = 'a"b\\c\nd 蓝鲸 ' + 'x'.repeat(10_000);
    const s = parseProcessList({ processes: { items: [{ type: hostile, name: hostile, replicas: 1, success: 1, failed: 0, version: 1, cluster_link: hostile }] } });
    expect(s.processes[0].type).toBe(hostile);
    expect(s.processes[0].cluster_link).toBe(hostile);
  });
});
