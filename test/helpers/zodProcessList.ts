/**
 * The reference for src/upstream/parse.ts: the same rules as a zod schema (the exporter's parser
 * until the hand-written one replaced it for speed). Tests feed both the same bodies and expect
 * the same snapshot, or a rejection at the same path.
 */
import { z } from 'zod';
import type { ProcessSnapshot, TargetStatus } from '../../src/model/snapshot';

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

/** The snapshot, or the path of the first issue as `processes.items[0].type`. */
export function referenceParse(json: Record<string, unknown>): { snapshot: ProcessSnapshot } | { issueAt: string } {
  const parsed = body.safeParse(json);
  if (!parsed.success) {
    const path = parsed.error.issues[0].path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
    return { issueAt: path };
  }
  const b = parsed.data;
  const specs: ProcessSnapshot['specs'] = [];
  const seen = new Set<string>();
  for (const s of [...b.process_packages, ...b.cnative_proc_specs]) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    specs.push({ name: s.name, target_replicas: s.target_replicas, max_replicas: s.max_replicas, target_status: s.target_status });
  }
  return {
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
      instances: (b.instances?.items ?? []).map((i) => ({
        process_type: i.process_type,
        name: i.name,
        state: i.state || 'Unknown',
        ready: i.ready === true,
        restart_count: i.restart_count ?? 0,
        version: i.version,
        image: i.image,
        start_time: unixSeconds(i.start_time),
      })),
      specs,
    },
  };
}
