/**
 * 200 bodies that are legal JSON of the right overall shape but odd inside: `null` where lists
 * belong, versions that are not numbers, and names built to break a naive exposition writer.
 * The hardening tests check that each parses (or fails cleanly) and that /metrics stays valid.
 */
import { deploymentName } from './model';
import type { SimTarget } from './types';

/**
 * Strings the `hostile_names` scenario puts in process types, names, cluster links, instance
 * names, states and images. Each must come out of /metrics as the same label value.
 */
export const HOSTILE_STRINGS: readonly string[] = [
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

/**
 * A healthy-looking body whose versions are unreadable: a process version "v175" (string with
 * letters), one null, one 1.5; instance versions "1.5.5", "", null, true and an object.
 */
export function badVersionsBody(t: Pick<SimTarget, 'app_code' | 'module_name' | 'environment'>): unknown {
  const proc = (type: string, version: unknown) => ({
    module_name: t.module_name,
    name: deploymentName(t.app_code, t.module_name, type),
    type,
    command: null,
    replicas: 2,
    success: 2,
    failed: 0,
    version,
    cluster_link: `http://${deploymentName(t.app_code, t.module_name, type)}.bkapp-${t.app_code}-${t.environment}`,
  });
  const inst = (type: string, n: number, version: unknown) => ({
    module_name: t.module_name,
    name: `${deploymentName(t.app_code, t.module_name, type)}-5d8f7b9c4-${n}abcd`,
    process_type: type,
    state: 'Running',
    ready: true,
    restart_count: 0,
    version,
  });
  return {
    processes: { items: [proc('web', 'v175'), proc('worker', null), proc('beat', 1.5)] },
    instances: {
      items: [inst('web', 1, '1.5.5'), inst('web', 2, ''), inst('worker', 1, null), inst('worker', 2, true), inst('beat', 1, { v: 1 })],
    },
    process_packages: [
      { name: 'web', target_replicas: 2, target_status: 'start', max_replicas: 4 },
      { name: 'worker', target_replicas: 2, target_status: 'start', max_replicas: 4 },
      { name: 'beat', target_replicas: 2, target_status: 'start', max_replicas: 4 },
    ],
  };
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
      })),
    },
    process_packages: HOSTILE_STRINGS.map((s) => ({ name: s, target_replicas: 1, target_status: 'start', max_replicas: 2 })),
  };
}
