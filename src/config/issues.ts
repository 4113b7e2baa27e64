/**
 * Turns zod issues into config problems with plain messages: "expected <what the key expects>,
 * got <what was given>", "unknown key ...; allowed here: ...". Values under `upstream.auth` are
 * described by their kind only ("got a number"), never quoted. The web config
 * (src/http/webConfigSchema.ts) uses the same wording with its own Vocabulary.
 */

import type { z } from 'zod';

import { expectsAt, pathPattern } from './expects';
import { getAt, isPlainObject, type Path, type PathProblem } from './paths';
import { ALLOWED_KEYS, configSchema } from './schema';
import { isSensitivePath } from './secrets';

const MAX_QUOTED = 80;

/** Returns how a value is named in a message: quoted when harmless, by its kind when sensitive. */
export function describeValue(value: unknown, sensitive: boolean): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (isPlainObject(value)) return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  if (typeof value === 'string') {
    if (value === '') return 'an empty string';
    if (sensitive) return 'a string';
    const quoted = JSON.stringify(value);
    return quoted.length > MAX_QUOTED ? `${quoted.slice(0, MAX_QUOTED - 4)}..."` : quoted;
  }
  if (sensitive) return typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : 'a value';
  return String(value);
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** What the messages need to know of a schema besides the texts on its nodes (expects.ts). */
export interface Vocabulary {
  /** The schema whose nodes carry what each key expects (`.meta({ expects })`). */
  schema: z.core.$ZodType;
  /** Keys allowed in each mapping, by path pattern ("" for the top level). */
  allowedKeys: Readonly<Record<string, readonly string[]>>;
  /** True when a value at `path` is named by its kind only, never quoted. */
  isSensitive(path: Path): boolean;
}

/** The main config's vocabulary. */
const CONFIG_VOCABULARY: Vocabulary = { schema: configSchema, allowedKeys: ALLOWED_KEYS, isSensitive: isSensitivePath };

/**
 * Returns the candidate `given` was most likely meant to be (a typo or a case slip away), if any;
 * none when several are equally close ("TLS14" is as near TLS10 as TLS13: a guess would mislead).
 */
export function closestName(given: string, candidates: readonly string[]): string | undefined {
  const close = candidates
    .map((k) => ({ k, d: k.toLowerCase() === given.toLowerCase() ? 0 : editDistance(k, given) }))
    .filter(({ d }) => d <= Math.max(1, Math.min(2, Math.floor(given.length / 3))))
    .sort((a, b) => a.d - b.d);
  return close.length > 0 && (close.length === 1 || close[1].d > close[0].d) ? close[0].k : undefined;
}

function whereName(pattern: string): string {
  if (pattern === '') return 'at the top level';
  if (pattern.endsWith('[]')) return `in each entry of ${pattern.slice(0, -2)}`;
  return `under ${pattern}`;
}

/**
 * Returns the message for an unknown key found in the mapping at `parent`: the key, a likely
 * intended key ("did you mean") or the place the key belongs, and the keys allowed there.
 */
export function unknownKeyMessage(key: string, parent: Path, vocabulary: Vocabulary = CONFIG_VOCABULARY): string {
  const pattern = pathPattern(parent, vocabulary.schema);
  const allowed = vocabulary.allowedKeys[pattern] ?? [];
  let hint = '';
  const close = closestName(key, allowed);
  if (close) {
    hint = ` (did you mean ${JSON.stringify(close)}?)`;
  } else {
    const elsewhere = Object.entries(vocabulary.allowedKeys).find(([p, keys]) => p !== pattern && keys.includes(key));
    if (elsewhere) hint = ` (it belongs ${whereName(elsewhere[0])})`;
  }
  return `unknown key ${JSON.stringify(key)}${hint}; allowed ${whereName(pattern)}: ${allowed.join(', ')}`;
}

function expectsText(path: Path, vocabulary: Vocabulary): string {
  const expects = expectsAt(path, vocabulary.schema) ?? 'a different value';
  const keys = vocabulary.allowedKeys[pathPattern(path, vocabulary.schema)];
  return keys && expects === 'a mapping' ? `a mapping with the keys ${keys.join(', ')}` : expects;
}

/**
 * Converts one zod issue about `input` (the expanded config) into problems with YAML paths.
 * Custom issues keep their message; the others are rewritten from what the vocabulary says each
 * key expects (by default the main config's schema, expects.ts); a string close to one allowed
 * value gets a "did you mean".
 */
export function issueToProblems(issue: z.core.$ZodIssue, input: unknown, vocabulary: Vocabulary = CONFIG_VOCABULARY): PathProblem[] {
  const path = issue.path.filter((seg): seg is string | number => typeof seg !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, path, vocabulary) }));
    case 'custom':
      return [{ path, message: issue.message }];
    case 'invalid_key': {
      const inner = issue.issues.find((i) => i.code === 'custom');
      return [{ path, message: inner?.message ?? `invalid key ${JSON.stringify(path[path.length - 1])}` }];
    }
    default: {
      const parent = getAt(input, path.slice(0, -1));
      const last = path[path.length - 1];
      const present =
        path.length === 0 ||
        (typeof last === 'number' ? Array.isArray(parent) && last < parent.length : isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, last));
      if (!present) return [{ path, message: `missing required key; expected ${expectsText(path, vocabulary)}` }];
      const value = getAt(input, path);
      const sensitive = vocabulary.isSensitive(path);
      const got = describeValue(value, sensitive);
      const meant =
        issue.code === 'invalid_value' && typeof value === 'string' && !sensitive
          ? closestName(value, issue.values.filter((v): v is string => typeof v === 'string'))
          : undefined;
      return [{ path, message: `expected ${expectsText(path, vocabulary)}, got ${got}${meant ? ` (did you mean ${JSON.stringify(meant)}?)` : ''}` }];
    }
  }
}
