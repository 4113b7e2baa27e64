/**
 * The reference for src/upstream/parse.ts: the same rules as a zod schema (the exporter's parser
 * until the hand-written one replaced it for speed). Tests feed both the same bodies and expect
 * the same snapshot, or a rejection at the same path.
 */
import { z } from 'zod';
import { cpuCoresOf, memoryBytesOf } from '../../src/model/quantity';
import type { LastTermination, ProcessSnapshot, ProcessSpec, Resources, TargetStatus } from '../../src/model/snapshot';

const DIGITS = /^\d+$/;

/** Counts are non-negative safe integers, or strings of one. */
const count = z
  .union([z.number().int().nonnegative(), z.string().regex(DIGITS).transform(Number).pipe(z.number().int()), z.null()])
  .optional()
  .transform((v) => v ?? undefined);

const lenientVersion = z
  .unknown()
  .transform((v): number | undefined => {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && DIGITS.test(v.trim())) {
      const n = Number(v.trim());
      return Number.isSafeInteger(n) ? n : undefined;
    }
    return undefined;
  })
  .optional();

const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? '' : String(v)));

function listOf<T extends z.ZodTypeAny>(item: T) {
  return z
    .array(item)
    .nullable()
    .optional()
    .transform((v) => v ?? []);
}

const targetStatus = z
  .unknown()
  .transform((v): TargetStatus | undefined => {
    if (v === 1 || v === '1') return 'start';
    if (v === 0 || v === '0') return 'stop';
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === 'start' || s === 'stop') return s;
    }
    return undefined;
  })
  .optional();

const processItem = z.object({
  type: z.string().min(1),
  name: optionalText,
  replicas: count,
  success: count,
  failed: count,
  version: lenientVersion,
  cluster_link: optionalText,
});

const instanceItem = z.object({
  process_type: z.string().min(1),
  name: optionalText,
  state: optionalText,
  ready: z.boolean().nullable().optional(),
  restart_count: count,
  version: lenientVersion,
  image: optionalText,
  start_time: z.string().nullable().optional(),
});

const processSpec = z.object({
  name: z.string().min(1),
  target_replicas: count,
  max_replicas: count,
  target_status: targetStatus,
});

const body = z.object({
  processes: z.object({ items: listOf(processItem) }).nullable().optional(),
  instances: z.object({ items: listOf(instanceItem) }).nullable().optional(),
  process_packages: listOf(processSpec),
  cnative_proc_specs: listOf(processSpec),
});

function unixSeconds(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

// The optional depth fields: each is parsed with its own schema; a part that fails is dropped
// (its path recorded) and the rest parsed again, so one bad value never costs more than itself.

const text128 = z
  .string()
  .nullable()
  .optional()
  .transform((v) => (v ? Array.from(v).reduce((out, ch) => (out.length + ch.length <= 128 ? out + ch : out), '') : undefined));

const terminatedInfo = z.object({
  reason: text128,
  exit_code: z
    .union([z.number().int().refine(Number.isSafeInteger), z.string().regex(/^-?\d+$/).transform(Number).pipe(z.number().refine(Number.isSafeInteger))])
    .nullable()
    .optional(),
});

const quantityOf = (convert: (q: string) => number | undefined) =>
  z
    .union([z.string(), z.number().refine(Number.isFinite)])
    .nullable()
    .optional()
    .refine((v) => v === null || v === undefined || convert(String(v)) !== undefined);

const resourceMap = z.object({ cpu: quantityOf(cpuCoresOf), memory: quantityOf(memoryBytesOf) });

/** The API document's old string form of a resource map says nothing readable: read as absent. */
const oldStringForm = <T extends z.ZodTypeAny>(map: T) => z.preprocess((v) => (typeof v === 'string' ? undefined : v), map.nullable().optional());

const quotaNumber = z
  .union([z.number(), z.string().refine((v) => v.trim() !== '').transform(Number)])
  .pipe(z.number().refine((n) => Number.isFinite(n) && n >= 0))
  .nullable()
  .optional();

const depthSpec = z.object({
  plan_name: text128,
  resource_limit: oldStringForm(resourceMap),
  resource_requests: oldStringForm(resourceMap),
  resource_limit_quota: z.object({ cpu: quotaNumber, memory: quotaNumber }).nullable().optional(),
  autoscaling: z.boolean().nullable().optional(),
  scaling_config: z
    .object({ min_replicas: count, max_replicas: count })
    .nullable()
    .optional(),
});

/** `schema` over `value`; a part that fails is left out (its path pushed to `dropped`) and the rest parsed again. */
function lenient<T extends z.ZodTypeAny>(schema: T, value: unknown, at: string, dropped: string[]): z.infer<T> | undefined {
  let v = value;
  for (;;) {
    const r = schema.safeParse(v);
    if (r.success) return r.data as z.infer<T>;
    const path = r.error.issues[0].path.map(String);
    if (path.length === 0) {
      dropped.push(at);
      return undefined;
    }
    // Remove the failing part: a nested key when its parent is an object, else the key itself.
    const copy = structuredClone(v) as Record<string, Record<string, unknown>>;
    if (path.length > 1 && typeof copy[path[0]] === 'object' && copy[path[0]] !== null && !Array.isArray(copy[path[0]])) {
      delete copy[path[0]][path[1]];
      dropped.push(`${at}.${path[0]}.${path[1]}`);
    } else {
      delete copy[path[0]];
      dropped.push(`${at}.${path[0]}`);
    }
    v = copy;
  }
}

const withoutUnknown = <T extends object>(o: T): T | undefined => {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
  return Object.keys(out).length ? out : undefined;
};

function referenceTermination(raw: unknown, at: string, dropped: string[]): LastTermination | undefined {
  const t = lenient(terminatedInfo.nullable().optional(), raw, at, dropped);
  return t ? withoutUnknown({ reason: t.reason, exit_code: t.exit_code ?? undefined }) : undefined;
}

function referenceSpecDepth(raw: Record<string, unknown>, at: string, dropped: string[]): Partial<ProcessSpec> {
  const d: Partial<z.infer<typeof depthSpec>> = lenient(depthSpec, raw, at, dropped) ?? {};
  const resources = (m: unknown): Resources | undefined =>
    typeof m === 'object' && m !== null
      ? withoutUnknown({
          cpu_cores: (m as { cpu?: unknown }).cpu == null ? undefined : cpuCoresOf(String((m as { cpu: unknown }).cpu)),
          memory_bytes: (m as { memory?: unknown }).memory == null ? undefined : memoryBytesOf(String((m as { memory: unknown }).memory)),
        })
      : undefined;
  const rawLimit = raw.resource_limit;
  const named = (key: string) => typeof rawLimit === 'object' && rawLimit !== null && !Array.isArray(rawLimit) && (rawLimit as Record<string, unknown>)[key] != null;
  const limit = resources(d.resource_limit);
  const q = d.resource_limit_quota;
  const out: Partial<ProcessSpec> = {};
  if (d.plan_name !== undefined) out.plan_name = d.plan_name;
  const limits = withoutUnknown({
    cpu_cores: named('cpu') ? limit?.cpu_cores : q?.cpu == null ? undefined : q.cpu / 1000,
    memory_bytes: named('memory') ? limit?.memory_bytes : q?.memory == null ? undefined : q.memory * 1048576,
  });
  if (limits) out.resource_limit = limits;
  const requests = resources(d.resource_requests);
  if (requests) out.resource_request = requests;
  if (typeof d.autoscaling === 'boolean') out.autoscaling = d.autoscaling;
  const scaling = d.scaling_config ? withoutUnknown({ min_replicas: d.scaling_config.min_replicas, max_replicas: d.scaling_config.max_replicas }) : undefined;
  if (scaling) out.scaling = scaling;
  return out;
}

/** The snapshot, or the path of the first issue as `processes.items[0].type`. */
export function referenceParse(json: Record<string, unknown>): { snapshot: ProcessSnapshot; droppedPaths: string[] } | { issueAt: string } {
  const parsed = body.safeParse(json);
  if (!parsed.success) {
    const path = parsed.error.issues[0].path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
    return { issueAt: path };
  }
  const b = parsed.data;
  const dropped: string[] = [];
  const rawList = (part: string): Array<Record<string, unknown>> => (Array.isArray(json[part]) ? (json[part] as Array<Record<string, unknown>>) : []);
  const rawInstances = ((json.instances as { items?: unknown } | null)?.items ?? []) as Array<Record<string, unknown>>;
  const terminations = rawInstances.map((raw, k) => referenceTermination(raw.terminated_info, `instances.items[${k}].terminated_info`, dropped));
  const specs: ProcessSnapshot['specs'] = [];
  const seen = new Set<string>();
  for (const part of ['process_packages', 'cnative_proc_specs'] as const) {
    b[part].forEach((s, k) => {
      const depth = referenceSpecDepth(rawList(part)[k], `${part}[${k}]`, dropped);
      if (seen.has(s.name)) return;
      seen.add(s.name);
      specs.push({ name: s.name, target_replicas: s.target_replicas, max_replicas: s.max_replicas, target_status: s.target_status, ...depth });
    });
  }
  return {
    droppedPaths: dropped.sort(),
    snapshot: {
      processes: (b.processes?.items ?? []).map((p) => ({
        type: p.type,
        name: p.name,
        replicas: p.replicas ?? 0,
        success: p.success ?? 0,
        failed: p.failed ?? 0,
        version: p.version,
        cluster_link: p.cluster_link,
      })),
      instances: (b.instances?.items ?? []).map((i, k) => ({
        process_type: i.process_type,
        name: i.name,
        state: i.state || 'Unknown',
        ready: i.ready === true,
        restart_count: i.restart_count ?? 0,
        version: i.version,
        image: i.image,
        start_time: unixSeconds(i.start_time),
        ...(terminations[k] && { last_terminated: terminations[k] }),
      })),
      specs,
    },
  };
}
