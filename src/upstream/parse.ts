/**
 * Validates a decoded `processes/list/` body and normalises it into a ProcessSnapshot: every
 * documented variant (docs/upstream-api.md) is accepted here, once, and unknown fields are ignored.
 *
 * Written by hand rather than with a zod schema: this runs once per target per ttl, and at
 * thousands of targets the schema's per-field parse objects were a third of the exporter's
 * garbage and a seventh of its CPU during a refresh (measured with `npm run bench`). It reads only
 * the fields the exporter uses and allocates nothing but the result: a field's path is spelled
 * out only when it is reported.
 *
 * Written as steps (src/slices.ts): the client runs them in slices, so a body of 100 000 items
 * never holds the event loop for long.
 */
import type { DroppedField, InstanceItem, ProcessItem, ProcessSnapshot, ProcessSpec, TargetStatus } from '../model/snapshot';
import { ITEMS_PER_STEP, runAtOnce, type Steps } from '../slices';
import { readDepthSpecFields, readTermination, type Drop } from './depthFields';
import { UpstreamError } from './errors';
import { isObject, kindOf, natural, type Json } from './jsonValues';

/** Strings a message may quote (they look like a number); any other string is named by its kind only. */
const NUMBER_LIKE = /^[-+.\deE ]{1,24}$/;
const KNOWN_PARTS = ['processes', 'instances', 'process_packages', 'cnative_proc_specs'];

/** A body of the wrong shape: where (`processes.items[0].type`) and what was expected. */
class ShapeIssue extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }

  /** The same issue found inside `prefix` (its path was relative to it; "" is `prefix` itself). */
  under(prefix: string): ShapeIssue {
    return new ShapeIssue(this.path === '' ? prefix : `${prefix}.${this.path}`, this.problem);
  }
}

/** A bad value as a message shows it: a number or a number-like string as itself, anything else by its kind. */
function shown(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' && NUMBER_LIKE.test(v)) return JSON.stringify(v);
  return kindOf(v);
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
  const ms = utcSecondsMs(v) ?? Date.parse(v);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** Digit value of `s[i]`, or NaN. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/**
 * Date.parse of Kubernetes' own timestamp form, `YYYY-MM-DDTHH:MM:SSZ` (every instance's
 * start_time, so 15 per target of the benchmark's fleet), in a tenth of its time; undefined for
 * any other string or for a date Date.parse might read differently (day past the 28th, hour 24,
 * a year before 1000, which Date.UTC would take for 19xx): those go to Date.parse.
 */
function utcSecondsMs(s: string): number | undefined {
  if (s.length !== 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== 'Z') return undefined;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const hour = digit(s, 11) * 10 + digit(s, 12);
  const minute = digit(s, 14) * 10 + digit(s, 15);
  const second = digit(s, 17) * 10 + digit(s, 18);
  // NaN (a non-digit) fails every comparison.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 && minute <= 59 && second <= 59 && year >= 1000)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
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

// Item readers report paths relative to the item ("type", "" for the item itself); readList
// puts the item's own path in front.

function readProcess(v: unknown): ProcessItem {
  const p = objectAt(v, '');
  return {
    type: requiredName(p.type, 'type'),
    name: optionalText(p.name, 'name'),
    replicas: count(p.replicas, 'replicas') ?? 0,
    success: count(p.success, 'success') ?? 0,
    failed: count(p.failed, 'failed') ?? 0,
    version: lenientVersion(p.version),
    cluster_link: optionalText(p.cluster_link, 'cluster_link'),
  };
}

function readInstance(v: unknown, drop: Drop): InstanceItem {
  const i = objectAt(v, '');
  const item: InstanceItem = {
    process_type: requiredName(i.process_type, 'process_type'),
    name: optionalText(i.name, 'name'),
    state: optionalText(i.state, 'state') || 'Unknown',
    ready: flag(i.ready, 'ready'),
    restart_count: count(i.restart_count, 'restart_count') ?? 0,
    version: lenientVersion(i.version),
    image: optionalText(i.image, 'image'),
    start_time: unixSeconds(i.start_time, 'start_time'),
  };
  // Optional fields the platform added later are set only when present, so older servers'
  // snapshots keep their shape.
  const last = readTermination(i.terminated_info, drop);
  if (last) item.last_terminated = last;
  return item;
}

function readSpec(v: unknown, drop: Drop): ProcessSpec {
  const s = objectAt(v, '');
  const spec: ProcessSpec = {
    name: requiredName(s.name, 'name'),
    target_replicas: count(s.target_replicas, 'target_replicas'),
    max_replicas: count(s.max_replicas, 'max_replicas'),
    target_status: targetStatus(s.target_status),
  };
  readDepthSpecFields(s, spec, drop);
  return spec;
}

/** Ignored fields listed per answer (all are counted): enough for a log line, bounded for 100 000 bad items. */
export const MAX_DROPPED_LISTED = 10;

/** The ignored optional fields of one body: the first few in full, all of them counted. */
class DroppedFields {
  readonly fields: DroppedField[] = [];
  total = 0;

  add(path: string, problem: string, quantity?: string): void {
    this.total += 1;
    if (this.fields.length < MAX_DROPPED_LISTED) this.fields.push(quantity === undefined ? { path, problem } : { path, problem, quantity });
  }
}

/**
 * Reads every item of `list` (at path `at`) with `read`, yielding every ITEMS_PER_STEP items.
 * `read` reports ignored optional fields with paths relative to the item.
 */
function* readList<T>(list: readonly unknown[], at: string, read: (v: unknown, drop: Drop) => T, dropped: DroppedFields): Steps<T[]> {
  const out = new Array<T>(list.length);
  let k = 0;
  // The item's path is spelled out only when something in it is dropped.
  const drop: Drop = (path, problem, quantity) => dropped.add(`${at}[${k}].${path}`, problem, quantity);
  for (; k < list.length; k++) {
    try {
      out[k] = read(list[k], drop);
    } catch (err) {
      throw err instanceof ShapeIssue ? err.under(`${at}[${k}]`) : err;
    }
    if (k % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
  }
  return out;
}

function* readBody(b: Json): Steps<ProcessSnapshot> {
  const dropped = new DroppedFields();
  const processes = yield* readList(itemsOf(b.processes, 'processes'), 'processes.items', readProcess, dropped);
  const instances = yield* readList(itemsOf(b.instances, 'instances'), 'instances.items', readInstance, dropped);

  // process_packages is the classic variant, cnative_proc_specs the cloud-native one; a server
  // sends one or the other. Should both arrive, the first entry for a name wins. Both are read
  // in full first, so a bad entry is reported whichever list it is in.
  const specs: ProcessSpec[] = [];
  const seen = new Set<string>();
  for (const part of ['process_packages', 'cnative_proc_specs'] as const) {
    for (const s of yield* readList(listAt(b[part], part), part, readSpec, dropped)) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      specs.push(s);
    }
  }
  const snapshot: ProcessSnapshot = { processes, instances, specs };
  if (dropped.total > 0) snapshot.dropped = { fields: dropped.fields, total: dropped.total };
  return snapshot;
}

/**
 * Validates a decoded `processes/list/` body and normalises it into a ProcessSnapshot, as steps
 * (run them with runInSlices or runAtOnce). Throws UpstreamError('invalid_response') for JSON of
 * another shape, naming the first bad field.
 */
export function* parseSteps(json: unknown): Steps<ProcessSnapshot> {
  if (!isObject(json)) {
    throw new UpstreamError('invalid_response', `response body is ${kindOf(json)}, expected an object`);
  }
  if (!KNOWN_PARTS.some((k) => k in json)) {
    throw new UpstreamError('invalid_response', `response body has none of ${KNOWN_PARTS.join(', ')}`);
  }
  try {
    return yield* readBody(json);
  } catch (err) {
    if (err instanceof ShapeIssue) throw new UpstreamError('invalid_response', `unexpected response shape at ${err.message}`);
    throw err;
  }
}

/** parseSteps run at once: the snapshot of a decoded body, or UpstreamError('invalid_response'). */
export function parseProcessList(json: unknown): ProcessSnapshot {
  return runAtOnce(parseSteps(json));
}
