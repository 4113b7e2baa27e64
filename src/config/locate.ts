/** Maps a YAML path (`targets[0].environments[1]`) to the 1-based line it is written on. */

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Pair, type YAMLMap } from 'yaml';

import { formatPath, type Path, type PathProblem } from './paths';
import type { ConfigProblem } from './types';

/** Returns the 1-based line a path is written on, or undefined. */
export type Locator = (path: Path) => number | undefined;

function lineOf(node: unknown, lc: LineCounter): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

/**
 * Returns a function giving the line of a path in `doc`: the line of the map key or list item the
 * path ends at; when the path goes further than the document (a missing key), the line of the
 * deepest part that exists; undefined when not even the first key exists.
 */
export function createLocator(doc: Document, lc: LineCounter): Locator {
  // Each mapping indexed once by key: a lookup per problem stays constant-time however many keys
  // (and problems) a mapping has. The first pair wins, as in a search from the top.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = isScalar(p.key) ? String(p.key.value) : String(p.key);
        if (!index.has(k)) index.set(k, p);
      }
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path) => {
    let node: unknown = doc.contents;
    let line = path.length === 0 ? lineOf(node, lc) : undefined;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = pairOf(node, String(seg));
        if (!pair) break;
        line = lineOf(pair.key, lc) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        line = lineOf(item, lc) ?? line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  };
}

/** Returns `problem` with its path printed and its line, when the document has one. */
export function placeProblem(problem: PathProblem, locate: Locator): ConfigProblem {
  const line = locate(problem.path);
  const placed = { path: formatPath(problem.path), message: problem.message };
  return line === undefined ? placed : { ...placed, line };
}

/** Orders problems by line; those without one last. */
export function byLine(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}
