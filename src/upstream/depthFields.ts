/**
 * The optional fields that say why instances die, what a process may use and how far it may
 * scale: `terminated_info` on instances; `plan_name`, `resource_limit`, `resource_requests`,
 * `resource_limit_quota`, `autoscaling` and `scaling_config` on process specs.
 *
 * Servers added them over time, so each is optional, and a value of the wrong kind (or an
 * unparsable quantity) drops that one field, reported through `drop`, never the target: the
 * exporter's core counts do not depend on them (docs/upstream-api.md).
 */
import { bytesOfMebibytes, coresOfMillicores, cpuCoresOf, memoryBytesOf } from '../model/quantity';
import type { LastTermination, ProcessSpec, Resources } from '../model/snapshot';
import { isObject, kindOf, natural, type Json } from './jsonValues';

/** Reports an ignored field: its path relative to the item, what was wrong, and an unparsable quantity as sent. */
export type Drop = (path: string, problem: string, quantity?: string) => void;

/** Reasons and plan names are passed on as sent, but no longer than this. */
export const MAX_TEXT_LENGTH = 128;
/** An unparsable quantity is quoted in messages up to this length. */
const QUOTED_QUANTITY_LENGTH = 32;
const INTEGER = /^-?\d+$/;

/** At most MAX_TEXT_LENGTH UTF-16 units, never ending in half of a surrogate pair. */
function capped(s: string): string {
  if (s.length <= MAX_TEXT_LENGTH) return s;
  const code = s.charCodeAt(MAX_TEXT_LENGTH - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? MAX_TEXT_LENGTH - 1 : MAX_TEXT_LENGTH);
}

/** A non-empty string (capped); null, absent and "" → undefined; another kind is dropped. */
function text(v: unknown, path: string, drop: Drop): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return capped(v);
  drop(path, `expected a string, got ${kindOf(v)}`);
  return undefined;
}

/** An object or nothing (null/absent); another kind is dropped. */
function object(v: unknown, path: string, drop: Drop): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObject(v)) return v;
  drop(path, `expected an object, got ${kindOf(v)}`);
  return undefined;
}

/** An exit code: a safe integer (any sign) or a string of one. */
function exitCode(v: unknown, path: string, drop: Drop): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && INTEGER.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  drop(path, `expected an integer, got ${kindOf(v)}`);
  return undefined;
}

/** A replica count of scaling_config. */
function replicas(v: unknown, path: string, drop: Drop): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = natural(v);
  if (n === undefined) drop(path, `expected a non-negative integer, got ${kindOf(v)}`);
  return n;
}

/** `terminated_info`: undefined when the instance never terminated ({}, null, absent, or both keys null). */
export function readTermination(v: unknown, drop: Drop): LastTermination | undefined {
  const t = object(v, 'terminated_info', drop);
  if (!t) return undefined;
  const reason = text(t.reason, 'terminated_info.reason', drop);
  const exit_code = exitCode(t.exit_code, 'terminated_info.exit_code', drop);
  if (reason === undefined && exit_code === undefined) return undefined;
  const out: LastTermination = {};
  if (reason !== undefined) out.reason = reason;
  if (exit_code !== undefined) out.exit_code = exit_code;
  return out;
}

/** One quantity of a resource map: a string (or a bare number, as Kubernetes' JSON allows) Kubernetes can read. */
function quantity(v: unknown, path: string, convert: (q: string) => number | undefined, drop: Drop): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
    drop(path, `expected a Kubernetes quantity, got ${kindOf(v)}`);
    return undefined;
  }
  const q = String(v);
  const n = convert(q);
  if (n === undefined) drop(path, `not a Kubernetes quantity: ${JSON.stringify(q.slice(0, QUOTED_QUANTITY_LENGTH))}`, q);
  return n;
}

/** A number of resource_limit_quota: a non-negative finite number, or a string of one. */
function quotaNumber(v: unknown, path: string, drop: Drop): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isFinite(n) && n >= 0) return n;
  drop(path, `expected a non-negative number, got ${kindOf(v)}`);
  return undefined;
}

/**
 * `resource_limit` or `resource_requests` as cores and bytes. A string in place of the map is
 * the API document's old form, which says nothing readable: ignored without a report.
 */
function resources(v: unknown, path: string, drop: Drop): Resources | undefined {
  if (typeof v === 'string') return undefined;
  const r = object(v, path, drop);
  if (!r) return undefined;
  return {
    cpu_cores: quantity(r.cpu, `${path}.cpu`, cpuCoresOf, drop),
    memory_bytes: quantity(r.memory, `${path}.memory`, memoryBytesOf, drop),
  };
}

/** `resource_limit_quota` ({cpu: millicores, memory: MiB}) as cores and bytes. */
function quota(v: unknown, drop: Drop): Resources | undefined {
  const q = object(v, 'resource_limit_quota', drop);
  if (!q) return undefined;
  const cpu = quotaNumber(q.cpu, 'resource_limit_quota.cpu', drop);
  const memory = quotaNumber(q.memory, 'resource_limit_quota.memory', drop);
  return {
    cpu_cores: cpu === undefined ? undefined : coresOfMillicores(cpu),
    memory_bytes: memory === undefined ? undefined : bytesOfMebibytes(memory),
  };
}

/** The resources with at least one known value, without the unknown keys; undefined when none is known. */
function known(r: Resources): Resources | undefined {
  const out: Resources = {};
  if (r.cpu_cores !== undefined) out.cpu_cores = r.cpu_cores;
  if (r.memory_bytes !== undefined) out.memory_bytes = r.memory_bytes;
  return out.cpu_cores === undefined && out.memory_bytes === undefined ? undefined : out;
}

/**
 * Sets the spec's optional fields from a spec item `s`; a field the item does not carry stays
 * unset. The limit of a resource that `resource_limit` does not name comes from
 * `resource_limit_quota`; one it names but cannot be read stays unknown.
 */
export function readDepthSpecFields(s: Json, spec: ProcessSpec, drop: Drop): void {
  const plan = text(s.plan_name, 'plan_name', drop);
  if (plan !== undefined) spec.plan_name = plan;

  const limit = resources(s.resource_limit, 'resource_limit', drop);
  const fromQuota = quota(s.resource_limit_quota, drop);
  const limitMap = isObject(s.resource_limit) ? s.resource_limit : undefined;
  const named = (key: 'cpu' | 'memory'): boolean => limitMap !== undefined && limitMap[key] !== undefined && limitMap[key] !== null;
  const limits = known({
    cpu_cores: named('cpu') ? limit?.cpu_cores : fromQuota?.cpu_cores,
    memory_bytes: named('memory') ? limit?.memory_bytes : fromQuota?.memory_bytes,
  });
  if (limits) spec.resource_limit = limits;

  const requests = resources(s.resource_requests, 'resource_requests', drop);
  const request = requests && known(requests);
  if (request) spec.resource_request = request;

  if (typeof s.autoscaling === 'boolean') spec.autoscaling = s.autoscaling;
  else if (s.autoscaling !== undefined && s.autoscaling !== null) drop('autoscaling', `expected a boolean, got ${kindOf(s.autoscaling)}`);

  const scaling = object(s.scaling_config, 'scaling_config', drop);
  if (scaling) {
    const min_replicas = replicas(scaling.min_replicas, 'scaling_config.min_replicas', drop);
    const max_replicas = replicas(scaling.max_replicas, 'scaling_config.max_replicas', drop);
    if (min_replicas !== undefined || max_replicas !== undefined) {
      spec.scaling = {};
      if (min_replicas !== undefined) spec.scaling.min_replicas = min_replicas;
      if (max_replicas !== undefined) spec.scaling.max_replicas = max_replicas;
    }
  }
}
