/**
 * 200 bodies that are legal JSON of the right overall shape but odd inside: `null` where lists
 * belong, versions that are not numbers, and names built to break a naive exposition writer.
 * The hardening tests check that each parses (or fails cleanly) and that /metrics stays valid.
 */
import { deploymentName } from './model';
import type { SimTarget } from './types';

/**
 * Strings the `hostile_names` scenario puts in process types, names, cluster links, instance
 * names, states, images, termination reasons and plan names. Each must come out of /metrics as
 * the same label value, and out of the status page as text: the markup ones set
 * `window.__bkpaasInjected` if a browser ever ran them.
 */
export const HOSTILE_STRINGS: readonly string[] = [
  '<script>window.__bkpaasInjected="script"</script>',
  '<img src=x onerror="window.__bkpaasInjected=\'img\'">',
  '"><svg onload=window.__bkpaasInjected=1>\'',
  'we"b',
  'back\\slash\\',
  'line\nbreak',
  'end"}\n# HELP bkpaas_target_up injected\nbkpaas_target_up{app_code="x"} 1\n',
  '{a="b"} 1 \\" \\n',
  'cr\r\nlf\ttab\u0000nul',
  '进程 ✓ \u202eltr \ud83d\ude80',
  `${'x'.repeat(10 * 1024)}"\\\n`,
];

/** `null` where every list belongs: parses as a target with no processes (up 1, no process series). */
export function nullListsBody(): unknown {
  return {
    processes: { items: null, extra_infos: null, metadata: { resource_version: '190000001' } },
    instances: { items: null, metadata: { resource_version: '190000002' } },
    process_packages: null,
    cnative_proc_specs: null,
  };
}

type TargetNames = Pick<SimTarget, 'app_code' | 'module_name' | 'environment'>;

/** A process item of a healthy-looking body (2 replicas, both healthy, version 175), `extra` laid over it. */
function processItem(t: TargetNames, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    module_name: t.module_name,
    name: deploymentName(t.app_code, t.module_name, type),
    type,
    command: null,
    replicas: 2,
    success: 2,
    failed: 0,
    version: 175,
    cluster_link: `http://${deploymentName(t.app_code, t.module_name, type)}.bkapp-${t.app_code}-${t.environment}`,
    ...extra,
  };
}

/** Instance `n` of a healthy-looking body (Running, ready, version "175"), `extra` laid over it. */
function instanceItem(t: TargetNames, type: string, n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    module_name: t.module_name,
    name: `${deploymentName(t.app_code, t.module_name, type)}-5d8f7b9c4-${n}abcd`,
    process_type: type,
    state: 'Running',
    ready: true,
    restart_count: 0,
    version: '175',
    ...extra,
  };
}

function packageOf(type: string): Record<string, unknown> {
  return { name: type, target_replicas: 2, target_status: 'start', max_replicas: 4 };
}

/**
 * A healthy-looking body whose versions are unreadable: a process version "v175" (string with
 * letters), one null, one 1.5; instance versions "1.5.5", "", null, true and an object.
 */
export function badVersionsBody(t: TargetNames): unknown {
  return {
    processes: {
      items: [processItem(t, 'web', { version: 'v175' }), processItem(t, 'worker', { version: null }), processItem(t, 'beat', { version: 1.5 })],
    },
    instances: {
      items: [
        instanceItem(t, 'web', 1, { version: '1.5.5' }),
        instanceItem(t, 'web', 2, { version: '' }),
        instanceItem(t, 'worker', 1, { version: null }),
        instanceItem(t, 'worker', 2, { version: true }),
        instanceItem(t, 'beat', 1, { version: { v: 1 } }),
      ],
    },
    process_packages: [packageOf('web'), packageOf('worker'), packageOf('beat')],
  };
}

/**
 * A healthy-looking body whose counts are negative: `"replicas": -5` on the process item and
 * `"restart_count": -7` on an instance. Counts are non-negative integers: invalid_response.
 */
export function negativeCountsBody(t: TargetNames): unknown {
  return {
    processes: { items: [processItem(t, 'web', { replicas: -5 })] },
    instances: { items: [instanceItem(t, 'web', 1), instanceItem(t, 'web', 2, { restart_count: -7 })] },
    process_packages: [packageOf('web')],
  };
}

/** A healthy-looking body with a fractional count, `"replicas": 2.5`: invalid_response. */
export function fractionalCountsBody(t: TargetNames): unknown {
  return {
    processes: { items: [processItem(t, 'web', { replicas: 2.5 })] },
    instances: { items: [instanceItem(t, 'web', 1), instanceItem(t, 'web', 2)] },
    process_packages: [packageOf('web')],
  };
}

/** Process items in the `many_processes` body unless the target says otherwise. */
export const MANY_PROCESS_ITEMS = 100_000;

const manyBodies = new Map<number, Buffer>();

/**
 * The `many_processes` body: `count` process items of type `web`, each with a name of its own
 * (`many--web-<i>`), 2 replicas, 1 healthy, 1 failed, version 175 — about 90 bytes an item, so
 * 100 000 items (9 MB) fit the default 16 MiB response cap. Built as text once per count: the
 * simulator answers with a socket write, not a 100 000-item JSON.stringify.
 */
export function manyProcessesBody(count: number = MANY_PROCESS_ITEMS): Buffer {
  let body = manyBodies.get(count);
  if (!body) {
    const items = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      items[i] = `{"name":"many--web-${i}","type":"web","replicas":2,"success":1,"failed":1,"version":175}`;
    }
    body = Buffer.from(`{"processes":{"items":[${items.join(',')}]},"instances":{"items":[]},"process_packages":[]}`);
    manyBodies.set(count, body);
  }
  return body;
}

/** One process type per hostile string, the string also in every other name field. */
export function hostileNamesBody(): unknown {
  return {
    processes: {
      items: HOSTILE_STRINGS.map((s) => ({
        module_name: 'default',
        name: s,
        type: s,
        command: s,
        replicas: 1,
        success: 1,
        failed: 0,
        version: 7,
        cluster_link: s,
      })),
    },
    instances: {
      items: HOSTILE_STRINGS.map((s) => ({
        module_name: 'default',
        name: s,
        process_type: s,
        display_name: s,
        image: s,
        state: s,
        state_message: s,
        ready: true,
        restart_count: 1,
        version: '7',
        terminated_info: { reason: s, exit_code: 1 },
      })),
    },
    process_packages: HOSTILE_STRINGS.map((s) => ({ name: s, target_replicas: 1, target_status: 'start', max_replicas: 2, plan_name: s })),
  };
}
