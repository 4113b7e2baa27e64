/**
 * What the benchmark reads out of a /metrics body: series counts, the targets it holds, the
 * exporter's own memory gauges, and the body split into the strings a pre-rendering exporter
 * holds (the warm-scrape floor joins those).
 */

/** Sample lines (series) in an exposition. */
export function countSeries(body: string): number {
  let n = 0;
  for (const line of body.split('\n')) if (line !== '' && line[0] !== '#') n++;
  return n;
}

const TARGET_UP = /^bkpaas_target_up\{app_code="([^"]*)",module_name="([^"]*)",environment="([^"]*)"[^}]*\} (\S+)$/gm;

/** `app/module/env` → bkpaas_target_up value, for every target in the body. */
export function targetsIn(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of body.matchAll(TARGET_UP)) out.set(`${m[1]}/${m[2]}/${m[3]}`, Number(m[4]));
  return out;
}

const LAST_SUCCESS = /^bkpaas_target_last_success_timestamp_seconds\{app_code="([^"]*)",module_name="([^"]*)",environment="([^"]*)"[^}]*\} (\S+)$/gm;

/** `app/module/env` → unix seconds of its last successful fetch, for every target that has one. */
export function lastSuccessIn(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of body.matchAll(LAST_SUCCESS)) out.set(`${m[1]}/${m[2]}/${m[3]}`, Number(m[4]));
  return out;
}

/** The value of an unlabelled sample (e.g. nodejs_heap_size_used_bytes), or undefined. */
export function gaugeValue(body: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
}

const TARGET_SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{app_code="([^"]*)",module_name="([^"]*)",environment="([^"]*)"/;

/**
 * Splits a body into one string per run of lines that belong together: a family's comment
 * lines, one target's series of one family, the other series of a family. Joining the parts
 * gives the body back.
 */
export function splitPerTargetFamily(body: string): string[] {
  const parts: string[] = [];
  let current = '';
  let currentKey: string | undefined;
  const lines = body.split('\n');
  // split leaves "" after the final line feed; every other line had one.
  const last = body.endsWith('\n') ? lines.length - 1 : lines.length;
  for (let i = 0; i < last; i++) {
    const line = lines[i];
    const nl = i < lines.length - 1 ? '\n' : '';
    let key: string;
    if (line === '' && currentKey !== undefined) key = currentKey;
    else if (line.startsWith('#')) key = currentKey?.startsWith('#') ? currentKey : `#${i}`;
    else {
      const m = TARGET_SAMPLE.exec(line);
      key = m ? `${m[1]}|${m[2]}|${m[3]}|${m[4]}` : (/^[^{ ]+/.exec(line)?.[0] ?? '');
    }
    if (key !== currentKey && current !== '') {
      parts.push(current);
      current = '';
    }
    currentKey = key;
    current += line + nl;
  }
  if (current !== '') parts.push(current);
  // Fresh flat strings, as a pre-rendering exporter holds them (not slices of one big body).
  return parts.map((p) => Buffer.from(p, 'utf8').toString('utf8'));
}

/** Median time (ms) of joining `parts` into one string, over `runs` runs after a warm-up. */
export function timeJoin(parts: readonly string[], runs = 11): number {
  const times: number[] = [];
  let sink = 0;
  for (let r = -2; r < runs; r++) {
    const t = performance.now();
    const s = parts.join('');
    // Touch the result so the join cannot be skipped.
    sink += s.charCodeAt(s.length >> 1) || 0;
    if (r >= 0) times.push(performance.now() - t);
  }
  if (sink < 0) throw new Error('unreachable');
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Union check of sharded bodies: every expected target in exactly one shard. */
export interface ShardUnion {
  ok: boolean;
  expected: number;
  covered: number;
  /** Targets no shard serves. */
  missing: string[];
  /** Targets more than one shard serves. */
  duplicated: string[];
  /** Targets served that were not configured. */
  unexpected: string[];
}

export function checkShardUnion(expected: Iterable<string>, shards: ReadonlyArray<Iterable<string>>): ShardUnion {
  const want = new Set(expected);
  const seen = new Map<string, number>();
  for (const shard of shards) for (const key of shard) seen.set(key, (seen.get(key) ?? 0) + 1);
  const missing = [...want].filter((k) => !seen.has(k));
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  const unexpected = [...seen.keys()].filter((k) => !want.has(k));
  return {
    ok: missing.length === 0 && duplicated.length === 0 && unexpected.length === 0,
    expected: want.size,
    covered: [...seen.keys()].filter((k) => want.has(k)).length,
    missing,
    duplicated,
    unexpected,
  };
}
