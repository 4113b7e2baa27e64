/**
 * metrics.allow / metrics.deny (kube-state-metrics' allow and deny lists): regular expressions
 * matched against whole family names. An empty allow list allows every family; deny wins. The
 * decision is taken once per family when a config is applied, so rendering only reads a flag.
 */
import { TARGET_FAMILIES, type FamilyScope } from './families';

/** The families to render, decided once per config. */
export interface FamilyFilter {
  /** Per index of TARGET_FAMILIES: whether it is served. */
  readonly enabled: readonly boolean[];
  /** Indexes of the served families of each scope, in table order. */
  readonly byScope: Readonly<Record<FamilyScope, readonly number[]>>;
  /** Equal for equal filters (a change re-renders every target). */
  readonly key: string;
}

/** The allow and deny lists as written in the config. */
export interface FamilyPatterns {
  allow: readonly string[];
  deny: readonly string[];
}

/** A pattern anchored to the whole name; throws SyntaxError for an invalid one. */
export function wholeNamePattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** Compiles the lists into a predicate on family names. */
export function familyPredicate(patterns: FamilyPatterns): (name: string) => boolean {
  const allow = patterns.allow.map(wholeNamePattern);
  const deny = patterns.deny.map(wholeNamePattern);
  return (name) => (allow.length === 0 || allow.some((r) => r.test(name))) && !deny.some((r) => r.test(name));
}

/** The filter for the given lists. */
export function familyFilter(patterns: FamilyPatterns): FamilyFilter {
  const allowed = familyPredicate(patterns);
  const enabled = TARGET_FAMILIES.map((f) => allowed(f.name));
  const indexes = (scope: FamilyScope) => TARGET_FAMILIES.flatMap((f, i) => (f.scope === scope && enabled[i] ? [i] : []));
  return {
    enabled,
    byScope: { target: indexes('target'), process: indexes('process'), instance: indexes('instance') },
    key: enabled.map((e) => (e ? '1' : '0')).join(''),
  };
}

/** Every family served. */
export const ALL_FAMILIES: FamilyFilter = familyFilter({ allow: [], deny: [] });
