/** Maps a YAML path (`targets[0].environments[1]`) to the 1-based line it is written on. */

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

import type { Path } from './paths';

type Locator = (path: Path) => number | undefined;

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
  return (path) => {
    let node: unknown = doc.contents;
    let line = path.length === 0 ? lineOf(node, lc) : undefined;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
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
