/**
 * The hand-written parser against the zod reference (test/helpers/zodProcessList.ts): thousands of
 * bodies, each a real one with fields replaced by values of every JSON kind, must give the same
 * snapshot or be rejected at the same path.
 */
import { parseProcessList } from '../../src/upstream/parse';
import { UpstreamError } from '../../src/upstream/errors';
import { seededRandom } from '../../src/simulator/prng';
import { referenceParse } from '../helpers/zodProcessList';

function realBody(): Record<string, unknown> {
  return {
    processes: {
      items: [
        { name: 'demo--web', type: 'web', replicas: 3, success: 2, failed: 1, version: 175, cluster_link: 'http://demo--web' },
        { name: 'demo--worker', type: 'worker', replicas: '2', success: 2, failed: 0, version: '175', cluster_link: 'http://demo--worker' },
      ],
    },
    instances: {
      items: [
        { name: 'demo--web-1', process_type: 'web', image: 'r/d:1', start_time: '2024-08-16T02:07:55Z', state: 'Running', ready: true, restart_count: 2, version: '175', terminated_info: { reason: 'OOMKilled', exit_code: 137 } },
        { name: 'demo--worker-1', process_type: 'worker', image: 'r/d:1', start_time: null, state: 'Pending', ready: false, restart_count: 0, version: 174, terminated_info: {} },
      ],
    },
    process_packages: [
      { name: 'web', target_replicas: 3, target_status: 'start', max_replicas: 5, plan_name: 'default', resource_limit: { cpu: '4000m', memory: '2048Mi' }, resource_requests: { cpu: '0.5', memory: '512M' }, resource_limit_quota: { cpu: 4000, memory: 2048 } },
    ],
    cnative_proc_specs: [
      { name: 'worker', target_replicas: 2, target_status: 0, max_replicas: '4', autoscaling: true, scaling_config: { min_replicas: 1, max_replicas: 4 }, resource_limit: { memory: '1Gi' }, resource_limit_quota: { cpu: 1000, memory: 1024 } },
    ],
  };
}

/** Values of every kind a server could send where a field belongs. */
const ODD_VALUES: unknown[] = [
  undefined, null, 0, -1, 7, 1.5, 2 ** 60, '', ' ', '3', '-2', ' 4 ', '3.0', 'web', 'START', 'stop', '1', '0',
  '2024-01-01T00:00:00Z', 'yesterday', true, false, [], [1], {}, { items: [] }, { items: null }, { items: 'x' },
  // quantities, good and bad
  '500m', '1.5', '1Gi', '512M', '1e3', '2.5e-1', 'bogus', '1 Gi', '-1', 'Gi', { cpu: '1', memory: 'x' },
];

/** Every path (as keys) to a value inside `v`, the root excluded. */
function pathsOf(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (v === null || typeof v !== 'object') return [];
  const out: Array<Array<string | number>> = [];
  for (const [k, child] of Object.entries(v)) {
    const p = [...prefix, Array.isArray(v) ? Number(k) : k];
    out.push(p, ...pathsOf(child, p));
  }
  return out;
}

function setAt(root: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined && !Array.isArray(o)) delete o[last];
  else o[last] = value;
}

function ours(body: Record<string, unknown>): { snapshot: unknown; droppedPaths: string[] } | { issueAt: string } {
  try {
    const { dropped, ...snapshot } = parseProcessList(body);
    // Few enough fields here to be all listed.
    expect(dropped?.fields.length ?? 0).toBe(dropped?.total ?? 0);
    return { snapshot, droppedPaths: (dropped?.fields ?? []).map((f) => f.path).sort() };
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    const m = /^unexpected response shape at ([^:]+):/.exec(err.message);
    if (!m) throw new Error(`unexpected message: ${err.message}`);
    return { issueAt: m[1] };
  }
}

describe('parseProcessList against the zod reference', () => {
  it('agrees on the unmutated body', () => {
    const r = referenceParse(realBody());
    expect('snapshot' in r).toBe(true);
    expect(ours(realBody())).toEqual(r);
  });

  it('agrees on every field replaced by every odd value', () => {
    let accepted = 0;
    let rejected = 0;
    for (const path of pathsOf(realBody())) {
      for (const value of ODD_VALUES) {
        const body = realBody();
        setAt(body, path, structuredClone(value));
        const want = referenceParse(body);
        const where = `${path.join('.')} = ${JSON.stringify(value)}`;
        expect({ where, got: ours(body) }).toEqual({ where, got: want });
        if ('snapshot' in want) accepted += 1;
        else rejected += 1;
      }
    }
    // Both outcomes were exercised many times: a parser that accepts (or rejects) everything fails.
    expect(accepted).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(200);
  });

  it('agrees on random combinations of odd values', () => {
    const random = seededRandom(20261128);
    const paths = pathsOf(realBody());
    for (let n = 0; n < 3000; n++) {
      const body = realBody();
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
        // Paths are re-read after each change: an earlier one may have replaced a whole branch.
        const live = pathsOf(body);
        const path = live.length ? live[Math.floor(random() * live.length)] : paths[0];
        setAt(body, path, structuredClone(ODD_VALUES[Math.floor(random() * ODD_VALUES.length)]));
      }
      const want = referenceParse(body);
      expect({ body, got: ours(body) }).toEqual({ body, got: want });
    }
  });
});
