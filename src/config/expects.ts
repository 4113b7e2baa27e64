/**
 * What each config key expects, in words: the text of "expected ..., got ..." messages, also
 * usable by `--check-config` and documentation. The texts live on the schema's nodes
 * (`.meta({ expects })` in schema.ts); this file finds them by walking the schema along a path.
 * Path patterns write list indexes as `[]` and mapping keys of records (label names) as `*`
 * (e.g. `targets[].labels.*`).
 */

import { z } from 'zod';

import type { Path } from './paths';
import { configSchema } from './schema';

type Node = z.core.$ZodType;

/** Returns `node` and the nodes it wraps (optional, default, prefault, the input side of a pipe), outermost first. */
function layers(node: Node): Node[] {
  const out: Node[] = [node];
  for (let n = node; ; ) {
    if (n instanceof z.ZodOptional || n instanceof z.ZodDefault || n instanceof z.ZodPrefault || n instanceof z.ZodNullable) n = n.unwrap();
    else if (n instanceof z.ZodPipe) n = n.in;
    else return out;
    out.push(n);
  }
}

/** Returns the text the outermost layer of `node` that has one gives, if any. */
function ownExpects(node: Node): string | undefined {
  for (const layer of layers(node)) {
    const text = z.globalRegistry.get(layer)?.expects;
    if (text !== undefined) return text;
  }
  return undefined;
}

/** A step from a node to a child: by key (a mapping's key), element (a list's) or value (a record's). */
interface Step {
  kind: 'key' | 'element' | 'value';
  /** How the step is written in a path pattern: the key, `[]` or `*`. */
  pattern: string;
  node: Node;
}

/** Returns every step out of `node`: its keys, its elements or its record values. */
function stepsOf(node: Node): Step[] {
  const inner = layers(node).at(-1);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, Node>).map(([key, child]) => ({ kind: 'key', pattern: key, node: child }));
  }
  if (inner instanceof z.ZodArray) return [{ kind: 'element', pattern: '[]', node: inner.element as Node }];
  if (inner instanceof z.ZodRecord) return [{ kind: 'value', pattern: '*', node: inner.valueType as Node }];
  return [];
}

/** Returns the step the path segment `seg` takes from `node`, or undefined when the schema has no such key. */
function stepAt(node: Node, seg: string | number): Step | undefined {
  return stepsOf(node).find((step) => {
    if (step.kind === 'element') return typeof seg === 'number';
    if (step.kind === 'value') return typeof seg === 'string';
    return step.pattern === seg;
  });
}

function join(pattern: string, seg: string): string {
  if (seg === '[]') return `${pattern}[]`;
  return pattern === '' ? seg : `${pattern}.${seg}`;
}

/** Follows `path` through `schema`: its pattern, and the node it ends at (undefined once it leaves the schema). */
function follow(path: Path, schema: Node): { pattern: string; node: Node | undefined } {
  let node: Node | undefined = schema;
  let pattern = '';
  for (const seg of path) {
    const step: Step | undefined = node && stepAt(node, seg);
    node = step?.node;
    pattern = join(pattern, step?.pattern ?? (typeof seg === 'number' ? '[]' : seg));
  }
  return { pattern, node };
}

/** Returns the pattern of a path: indexes become `[]`, record keys (label names) `*`, e.g. `targets[].labels.*`. */
export function pathPattern(path: Path, schema: Node = configSchema): string {
  return follow(path, schema).pattern;
}

/** Returns what the key at `path` expects, in words, or undefined for a path the config does not have. */
export function expectsAt(path: Path, schema: Node = configSchema): string | undefined {
  const { node } = follow(path, schema);
  return node && ownExpects(node);
}

/** One node of the schema: its path pattern and what it expects (undefined when its node carries no text). */
export interface Expectation {
  pattern: string;
  expects: string | undefined;
}

/** Lists every node of `schema` (the whole config by default), parents before their keys, in schema order. */
export function listExpectations(schema: Node = configSchema): Expectation[] {
  const out: Expectation[] = [];
  const visit = (node: Node, pattern: string): void => {
    out.push({ pattern, expects: ownExpects(node) });
    for (const step of stepsOf(node)) visit(step.node, join(pattern, step.pattern));
  };
  visit(schema, '');
  return out;
}
