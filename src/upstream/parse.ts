import { z } from 'zod';
import type { InstanceItem, ProcessItem, ProcessSnapshot, ProcessSpec, TargetStatus } from '../model/snapshot';
import { UpstreamError } from './errors';

// Tolerant schemas: z.object (not strictObject) drops unknown fields; every documented variant
// (upstream-api.md) is accepted and normalised here, once.

const INTEGER_STRING = /^-?\d+$/;

/** An integer, or a string of one (servers send both); null/absent → undefined; else an issue. */
const count = z
  .union([z.number().int(), z.string().regex(INTEGER_STRING).transform(Number), z.null()])
  .optional()
  .transform((v) => v ?? undefined);

/** A version that may be unreadable: anything that is not an integer (or integer string) → undefined. */
const lenientVersion = z.unknown().transform((v): number | undefined => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && INTEGER_STRING.test(v.trim())) {
    const n = Number(v.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}).optional();

const optionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? '' : String(v)));

/** `null` where a list belongs is read as an empty list. */
function listOf<T extends z.ZodTypeAny>(item: T) {
  return z
    .array(item)
    .nullable()
    .optional()
    .transform((v) => v ?? []);
}

const targetStatus = z.unknown().transform((v): TargetStatus | undefined => {
  if (v === 1 || v === '1') return 'start';
  if (v === 0 || v === '0') return 'stop';
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'start' || s === 'stop') return s;
  }
  return undefined;
}).optional();

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

const KNOWN_PARTS = ['processes', 'instances', 'process_packages', 'cnative_proc_specs'];

/** Parses an ISO-8601 timestamp to unix seconds; undefined when absent or unparsable. */
function unixSeconds(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** Renders the first schema issue as `path: message`, short enough for a log line. */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${path || '(body)'}: ${issue.message}${more}`;
}

/**
 * Validates a decoded `processes/list/` body and normalises it into a ProcessSnapshot.
 * Throws UpstreamError('invalid_response') for JSON of another shape.
 */
export function parseProcessList(json: unknown): ProcessSnapshot {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new UpstreamError('invalid_response', `response body is ${Array.isArray(json) ? 'a list' : typeof json === 'object' ? 'null' : `a ${typeof json}`}, expected an object`);
  }
  if (!KNOWN_PARTS.some((k) => k in json)) {
    throw new UpstreamError('invalid_response', `response body has none of ${KNOWN_PARTS.join(', ')}`);
  }
  const parsed = body.safeParse(json);
  if (!parsed.success) {
    throw new UpstreamError('invalid_response', `unexpected response shape at ${describeIssue(parsed.error)}`);
  }
  const b = parsed.data;

  const processes: ProcessItem[] = (b.processes?.items ?? []).map((p) => ({
    type: p.type,
    name: p.name,
    replicas: p.replicas ?? 0,
    success: p.success ?? 0,
    failed: p.failed ?? 0,
    version: p.version,
    cluster_link: p.cluster_link,
  }));

  const instances: InstanceItem[] = (b.instances?.items ?? []).map((i) => ({
    process_type: i.process_type,
    name: i.name,
    state: i.state || 'Unknown',
    ready: i.ready === true,
    restart_count: i.restart_count ?? 0,
    version: i.version,
    image: i.image,
    start_time: unixSeconds(i.start_time),
  }));

  // process_packages is the classic variant, cnative_proc_specs the cloud-native one; a server
  // sends one or the other. Should both arrive, the first entry for a name wins.
  const specs: ProcessSpec[] = [];
  const seen = new Set<string>();
  for (const s of [...b.process_packages, ...b.cnative_proc_specs]) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    specs.push({
      name: s.name,
      target_replicas: s.target_replicas,
      max_replicas: s.max_replicas,
      target_status: s.target_status,
    });
  }

  return { processes, instances, specs };
}
