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
    expect(s.specs).toEqual([{ name: 'web', target_replicas: 3, max_replicas: 5, target_status: 'start', resource_limit: { cpu_cores: 4, memory_bytes: 2147483648 } }]);
    expect(s.dropped).toBeUndefined();
  });

  it('reads cnative_proc_specs like process_packages', () => {
    const b = realBody();
    delete b.process_packages;
    b.cnative_proc_specs = [
      { name: 'web', target_replicas: 2, target_status: 'stop', max_replicas: 4, plan_name: 'default', autoscaling: false, scaling_config: null, resource_requests: {}, cpu_limit: '4000m', memory_limit: '1024Mi' },
    ];
    expect(parseProcessList(b).specs).toEqual([{ name: 'web', target_replicas: 2, max_replicas: 4, target_status: 'stop', plan_name: 'default', autoscaling: false }]);
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

  it.each([
    '2024-08-16T02:07:55Z',
    '1999-12-28T23:59:59Z',
    '2024-02-29T12:00:00Z',
    '2023-02-29T12:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-08-16T24:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-08-00T00:00:00Z',
    '0050-01-01T00:00:00Z',
    '2024-08-16T02:07:60Z',
    '2024-08-16T02:60:00Z',
    '2024-08-16t02:07:55Z',
    '2024-08-16T02:07:55z',
    '2024-08-16T02:07:55.123Z',
    '2024-08-16T02:07:55+08:00',
    '2024-08-16 02:07:55Z',
    '2024-8-16T02:07:55Z',
    '20x4-08-16T02:07:55Z',
    '2024-08-16',
  ])('reads start_time %p exactly as Date.parse does', (startTime) => {
    const b = realBody();
    ((b.instances as { items: Array<Record<string, unknown>> }).items[0]).start_time = startTime;
    const ms = Date.parse(startTime);
    expect(parseProcessList(b).instances[0].start_time).toBe(Number.isFinite(ms) ? ms / 1000 : undefined);
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

  describe('terminated_info', () => {
    const lastOf = (terminated: unknown) => {
      const b = realBody();
      instOf(b).terminated_info = terminated;
      const s = parseProcessList(b);
      return { last: s.instances[0].last_terminated, dropped: s.dropped };
    };

    it('reads the reason and exit code', () => {
      expect(lastOf({ reason: 'OOMKilled', exit_code: 137 })).toEqual({ last: { reason: 'OOMKilled', exit_code: 137 } });
      expect(lastOf({ reason: 'Error', exit_code: '1', message: 'x' })).toEqual({ last: { reason: 'Error', exit_code: 1 } });
      expect(lastOf({ reason: 'StartError', exit_code: -1 }).last).toEqual({ reason: 'StartError', exit_code: -1 });
    });

    it.each([undefined, null, {}, { reason: null, exit_code: null }, { reason: '' }])('reads %p as never terminated', (v) => {
      const got = lastOf(v);
      expect(got.last).toBeUndefined();
      expect('last_terminated' in parseProcessList(realBody()).instances[0]).toBe(false);
      expect(got.dropped).toBeUndefined();
    });

    it('keeps an exit code without a reason, and a reason without an exit code', () => {
      expect(lastOf({ reason: null, exit_code: 137 }).last).toEqual({ exit_code: 137 });
      expect(lastOf({ reason: 'Completed' }).last).toEqual({ reason: 'Completed' });
    });

    it('passes any reason through, capped at 128 characters', () => {
      expect(lastOf({ reason: 'a"b\\c\nd 蓝鲸' }).last).toEqual({ reason: 'a"b\\c\nd 蓝鲸' });
      expect(lastOf({ reason: 'x'.repeat(10_000) }).last?.reason).toBe('x'.repeat(128));
      // Never half of a surrogate pair.
      expect(lastOf({ reason: 'x'.repeat(127) + '😀' }).last?.reason).toBe('x'.repeat(127));
    });

    it.each<[unknown, string, string]>([
      ['OOMKilled', 'instances.items[0].terminated_info', 'expected an object, got a string'],
      [[1], 'instances.items[0].terminated_info', 'expected an object, got a list'],
      [{ reason: 137, exit_code: 137 }, 'instances.items[0].terminated_info.reason', 'expected a string, got a number'],
      [{ reason: 'Error', exit_code: 1.5 }, 'instances.items[0].terminated_info.exit_code', 'expected an integer, got a number'],
      [{ reason: 'Error', exit_code: 'one' }, 'instances.items[0].terminated_info.exit_code', 'expected an integer, got a string'],
    ])('drops %p and reports it, the target still parses', (v, path, problem) => {
      const got = lastOf(v);
      expect(got.dropped).toEqual({ fields: [{ path, problem }], total: 1 });
      const keptReason = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { reason?: unknown }).reason === 'string';
      expect(got.last?.reason).toBe(keptReason ? 'Error' : undefined);
    });
  });

  describe('process spec depth fields (both variants)', () => {
    const FULL = {
      name: 'web',
      target_replicas: 4,
      target_status: 'start',
      max_replicas: 4,
      plan_name: 'default',
      resource_limit: { cpu: '4000m', memory: '2048Mi' },
      resource_requests: { cpu: '200m', memory: '256Mi' },
      resource_limit_quota: { cpu: 4000, memory: 2048 },
      autoscaling: true,
      scaling_config: { min_replicas: 1, max_replicas: 4, metrics: [{ type: 'Resource' }], policy: 'default' },
    };
    const specOf = (variant: 'process_packages' | 'cnative_proc_specs', spec: Record<string, unknown>) => {
      const b = realBody();
      delete b.process_packages;
      b[variant] = [spec];
      const s = parseProcessList(b);
      return { spec: s.specs[0], dropped: s.dropped };
    };

    it.each(['process_packages', 'cnative_proc_specs'] as const)('reads every field in %s', (variant) => {
      expect(specOf(variant, FULL)).toEqual({
        spec: {
          name: 'web',
          target_replicas: 4,
          max_replicas: 4,
          target_status: 'start',
          plan_name: 'default',
          resource_limit: { cpu_cores: 4, memory_bytes: 2147483648 },
          resource_request: { cpu_cores: 0.2, memory_bytes: 268435456 },
          autoscaling: true,
          scaling: { min_replicas: 1, max_replicas: 4 },
        },
      });
    });

    it('reads an old server without any of them as unknown', () => {
      const { spec, dropped } = specOf('process_packages', { name: 'web', target_replicas: 2, target_status: 'start', max_replicas: 5 });
      expect(spec).toEqual({ name: 'web', target_replicas: 2, max_replicas: 5, target_status: 'start' });
      expect(dropped).toBeUndefined();
    });

    it('reads scaling_config null (autoscaling off) and null fields as unknown', () => {
      const { spec, dropped } = specOf('cnative_proc_specs', { name: 'web', plan_name: null, resource_limit: null, resource_requests: {}, resource_limit_quota: null, autoscaling: false, scaling_config: null });
      expect(spec).toEqual({ name: 'web', target_replicas: undefined, max_replicas: undefined, target_status: undefined, autoscaling: false });
      expect(dropped).toBeUndefined();
    });

    it.each<[unknown, number | undefined, number | undefined]>([
      [{ cpu: '2', memory: '1Gi' }, 2, 1073741824],
      [{ cpu: '0.5', memory: '512M' }, 0.5, 512000000],
      [{ cpu: '1.5', memory: '1073741824' }, 1.5, 1073741824],
      [{ cpu: '1e3', memory: '1e3' }, 1000, 1000],
      [{ cpu: 2, memory: 1024 }, 2, 1024],
      [{ cpu: '500m' }, 0.5, undefined],
    ])('reads resource_limit %j as cores and bytes', (limit, cpu, memory) => {
      const { spec } = specOf('process_packages', { name: 'web', resource_limit: limit });
      expect(spec.resource_limit).toEqual({ ...(cpu !== undefined && { cpu_cores: cpu }), ...(memory !== undefined && { memory_bytes: memory }) });
    });

    it('drops an unparsable quantity alone and reports it with the value', () => {
      const { spec, dropped } = specOf('process_packages', { name: 'web', resource_limit: { cpu: 'bogus', memory: '1Gi' }, resource_requests: { cpu: '100m', memory: '1 Gi' } });
      expect(spec.resource_limit).toEqual({ memory_bytes: 1073741824 });
      expect(spec.resource_request).toEqual({ cpu_cores: 0.1 });
      expect(dropped).toEqual({
        total: 2,
        fields: [
          { path: 'process_packages[0].resource_limit.cpu', problem: 'not a Kubernetes quantity: "bogus"', quantity: 'bogus' },
          { path: 'process_packages[0].resource_requests.memory', problem: 'not a Kubernetes quantity: "1 Gi"', quantity: '1 Gi' },
        ],
      });
    });

    it('uses resource_limit_quota (millicores, MiB) for a resource the limit does not name', () => {
      expect(specOf('cnative_proc_specs', { name: 'web', resource_limit_quota: { cpu: 4000, memory: 2048 } }).spec.resource_limit).toEqual({ cpu_cores: 4, memory_bytes: 2147483648 });
      expect(specOf('cnative_proc_specs', { name: 'web', resource_limit: { cpu: '1' }, resource_limit_quota: { cpu: 4000, memory: 512 } }).spec.resource_limit).toEqual({ cpu_cores: 1, memory_bytes: 536870912 });
      // The old string form of resource_limit says nothing readable: the quota stands in, quietly.
      const old = specOf('process_packages', { name: 'web', resource_limit: '4000m/2048Mi', resource_limit_quota: { cpu: '250', memory: 128 } });
      expect(old).toEqual({ spec: expect.objectContaining({ resource_limit: { cpu_cores: 0.25, memory_bytes: 134217728 } }), dropped: undefined });
      // A limit that is named but unparsable stays unknown: the quota does not hide a bad value.
      expect(specOf('process_packages', { name: 'web', resource_limit: { cpu: 'bogus' }, resource_limit_quota: { cpu: 4000 } }).spec.resource_limit).toBeUndefined();
    });

    it.each<[string, unknown, string]>([
      ['plan_name', 5, 'expected a string, got a number'],
      ['resource_limit', [1], 'expected an object, got a list'],
      ['resource_requests', 7, 'expected an object, got a number'],
      ['resource_limit_quota', 'big', 'expected an object, got a string'],
      ['autoscaling', 'true', 'expected a boolean, got a string'],
      ['scaling_config', true, 'expected an object, got a boolean'],
    ])('drops %s = %p and reports it, the other fields stay', (field, value, problem) => {
      const { spec, dropped } = specOf('cnative_proc_specs', { ...FULL, resource_limit_quota: undefined, [field]: value });
      expect(dropped).toEqual({ fields: [{ path: `cnative_proc_specs[0].${field}`, problem }], total: 1 });
      expect(spec.target_replicas).toBe(4);
      const kept = { plan_name: spec.plan_name, resource_limit: spec.resource_limit, resource_request: spec.resource_request, autoscaling: spec.autoscaling, scaling: spec.scaling };
      const field_in_spec = { plan_name: 'plan_name', resource_limit: 'resource_limit', resource_requests: 'resource_request', resource_limit_quota: undefined, autoscaling: 'autoscaling', scaling_config: 'scaling' }[field];
      for (const [k, v] of Object.entries(kept)) expect(v === undefined).toBe(k === field_in_spec);
    });

    it.each<[Record<string, unknown>, string, string]>([
      [{ resource_limit: { cpu: true } }, 'resource_limit.cpu', 'expected a Kubernetes quantity, got a boolean'],
      [{ resource_limit_quota: { cpu: -1 } }, 'resource_limit_quota.cpu', 'expected a non-negative number, got a number'],
      [{ resource_limit_quota: { memory: 'lots' } }, 'resource_limit_quota.memory', 'expected a non-negative number, got a string'],
      [{ scaling_config: { min_replicas: -1, max_replicas: 4 } }, 'scaling_config.min_replicas', 'expected a non-negative integer, got a number'],
      [{ scaling_config: { min_replicas: 1, max_replicas: 'four' } }, 'scaling_config.max_replicas', 'expected a non-negative integer, got a string'],
    ])('drops a bad part %j alone', (fields, path, problem) => {
      const { dropped } = specOf('process_packages', { name: 'web', ...fields });
      expect(dropped).toEqual({ fields: [{ path: `process_packages[0].${path}`, problem }], total: 1 });
    });

    it('keeps the other scaling bound when one is bad', () => {
      expect(specOf('process_packages', { name: 'web', scaling_config: { min_replicas: '1', max_replicas: 'four' } }).spec.scaling).toEqual({ min_replicas: 1 });
    });

    it('lists the first ten dropped fields of a body and counts them all', () => {
      const b = realBody();
      b.process_packages = Array.from({ length: 30 }, (_, k) => ({ name: `p${k}`, autoscaling: 'yes' }));
      const { dropped } = parseProcessList(b);
      expect(dropped?.total).toBe(30);
      expect(dropped?.fields.map((f) => f.path)).toEqual(Array.from({ length: 10 }, (_, k) => `process_packages[${k}].autoscaling`));
    });
  });
});
