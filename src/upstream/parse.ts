/**
 * Validates a decoded `processes/list/` body and normalises it into a ProcessSnapshot: every
 * documented variant (upstream-api.md) is accepted here, once, and unknown fields are ignored.
 *
 * Written by hand rather than with a zod schema: this runs once per target per ttl, and at
 * thousands of targets the schema's per-field parse objects were a third of the exporter's
 * garbage and a seventh of its CPU during a refresh (measured with `npm run bench`). It reads only
 * the fields the exporter uses and allocates nothing but the result.
 */
import type { InstanceItem, ProcessItem, ProcessSnapshot, ProcessSpec, TargetStatus } from '../model/snapshot';
import { UpstreamError } from './errors';

const DIGITS = /^\d+$/;
/** Strings a message may quote (they look like a number); any other string is named by its kind only. */
const NUMBER_LIKE = /^[-+.\deE ]{1,24}$/;
const KNOWN_PARTS = ['processes', 'instances', 'process_packages', 'cnative_proc_specs'];

type Json = Record<string, unknown>;

/** A body of the wrong shape: where (`processes.items[0].type`) and what was expected. */
class ShapeIssue extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** "a string", "a list", "null", ... for messages. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return `a ${typeof v}`;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A bad value as a message shows it: a number or a number-like string as itself, anything else by its kind. */
function shown(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' && NUMBER_LIKE.test(v)) return JSON.stringify(v);
  return kindOf(v);
}

/** A non-negative safe integer, or a string of one; anything else → undefined. */
function natural(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** A count (replicas, restarts, ...): a non-negative integer or a string of one; null/absent → undefined. */
function count(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = natural(v);
  if (n === undefined) throw new ShapeIssue(path, `expected a non-negative integer (or a string of one), got ${shown(v)}`);
  return n;
}

/** A release version that may be unreadable: anything but a non-negative integer (or a string of one) → undefined. */
function lenientVersion(v: unknown): number | undefined {
  return natural(typeof v === 'string' ? v.trim() : v);
}

/** Text that may be a number or missing: null/absent → "". */
function optionalText(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return String(v);
  throw new ShapeIssue(path, `expected a string, got ${kindOf(v)}`);
}

function requiredName(v: unknown, path: string): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new ShapeIssue(path, v === '' ? 'expected a non-empty string' : `expected a string, got ${kindOf(v)}`);
}

/** true, false or missing (false). */
function flag(v: unknown, path: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) return false;
  throw new ShapeIssue(path, `expected a boolean, got ${kindOf(v)}`);
}

function targetStatus(v: unknown): TargetStatus | undefined {
  if (v === 1 || v === '1') return 'start';
  if (v === 0 || v === '0') return 'stop';
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'start' || s === 'stop') return s;
  }
  return undefined;
}

/** Parses an ISO-8601 timestamp to unix seconds; undefined when absent or unparsable. */
function unixSeconds(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ShapeIssue(path, `expected a timestamp string, got ${kindOf(v)}`);
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** `null` where a list belongs is read as an empty list. */
function listAt(v: unknown, path: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ShapeIssue(path, `expected a list, got ${kindOf(v)}`);
  return v;
}

/** The `items` of `{items: [...]}` (processes, instances); the wrapper itself may be null. */
function itemsOf(v: unknown, path: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!isObject(v)) throw new ShapeIssue(path, `expected an object, got ${kindOf(v)}`);
  return listAt(v.items, `${path}.items`);
}

function objectAt(v: unknown, path: string): Json {
  if (!isObject(v)) throw new ShapeIssue(path, `expected an object, got ${kindOf(v)}`);
  return v;
}

function readProcess(v: unknown, at: string): ProcessItem {
  const p = objectAt(v, at);
  return {
    type: requiredName(p.type, `${at}.type`),
    name: optionalText(p.name, `${at}.name`),
    replicas: count(p.replicas, `${at}.replicas`) ?? 0,
    success: count(p.success, `${at}.success`) ?? 0,
    failed: count(p.failed, `${at}.failed`) ?? 0,
    version: lenientVersion(p.version),
    cluster_link: optionalText(p.cluster_link, `${at}.cluster_link`),
  };
}

function readInstance(v: unknown, at: string): InstanceItem {
  const i = objectAt(v, at);
  return {
    process_type: requiredName(i.process_type, `${at}.process_type`),
    name: optionalText(i.name, `${at}.name`),
    state: optionalText(i.state, `${at}.state`) || 'Unknown',
    ready: flag(i.ready, `${at}.ready`),
    restart_count: count(i.restart_count, `${at}.restart_count`) ?? 0,
    version: lenientVersion(i.version),
    image: optionalText(i.image, `${at}.image`),
    start_time: unixSeconds(i.start_time, `${at}.start_time`),
  };
}

function readSpec(v: unknown, at: string): ProcessSpec {
  const s = objectAt(v, at);
  return {
    name: requiredName(s.name, `${at}.name`),
    target_replicas: count(s.target_replicas, `${at}.target_replicas`),
    max_replicas: count(s.max_replicas, `${at}.max_replicas`),
    target_status: targetStatus(s.target_status),
  };
}

function readBody(b: Json): ProcessSnapshot {
  const processItems = itemsOf(b.processes, 'processes');
  const processes: ProcessItem[] = new Array<ProcessItem>(processItems.length);
  for (let k = 0; k < processItems.length; k++) processes[k] = readProcess(processItems[k], `processes.items[${k}]`);

  const instanceItems = itemsOf(b.instances, 'instances');
  const instances: InstanceItem[] = new Array<InstanceItem>(instanceItems.length);
  for (let k = 0; k < instanceItems.length; k++) instances[k] = readInstance(instanceItems[k], `instances.items[${k}]`);

  // process_packages is the classic variant, cnative_proc_specs the cloud-native one; a server
  // sends one or the other. Should both arrive, the first entry for a name wins. Both are read
  // in full first, so a bad entry is reported whichever list it is in.
  const specs: ProcessSpec[] = [];
  const seen = new Set<string>();
  for (const part of ['process_packages', 'cnative_proc_specs'] as const) {
    const list = listAt(b[part], part);
    const read = new Array<ProcessSpec>(list.length);
    for (let k = 0; k < list.length; k++) read[k] = readSpec(list[k], `${part}[${k}]`);
    for (const s of read) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      specs.push(s);
    }
  }
  return { processes, instances, specs };
}

/**
 * Validates a decoded `processes/list/` body and normalises it into a ProcessSnapshot.
 * Throws UpstreamError('invalid_response') for JSON of another shape, naming the first bad field.
 */
export function parseProcessList(json: unknown): ProcessSnapshot {
  if (!isObject(json)) {
    throw new UpstreamError('invalid_response', `response body is ${kindOf(json)}, expected an object`);
  }
  if (!KNOWN_PARTS.some((k) => k in json)) {
    throw new UpstreamError('invalid_response', `response body has none of ${KNOWN_PARTS.join(', ')}`);
  }
  try {
    return readBody(json);
  } catch (err) {
    if (err instanceof ShapeIssue) throw new UpstreamError('invalid_response', `unexpected response shape at ${err.message}`);
    throw err;
  }
}
