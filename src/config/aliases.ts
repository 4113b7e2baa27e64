/**
 * A bound on what YAML aliases may add to the config. The `yaml` package's own guard
 * (maxAliasCount) refused a normal config with 100 uses of one anchor, without a line. Here the
 * expansion is counted instead: each alias adds the values of the node it stands for (aliases in
 * there included), and a document to which aliases add more than MAX_ALIAS_EXPANSION values is
 * refused at the alias that crosses the bound. A "billion laughs" document crosses it within a
 * few lines; real configs stay far below. An alias inside the node it stands for (a cycle) is
 * refused too: it has no finite expansion.
 */

import { isAlias, isMap, isPair, isSeq, type Alias, type Document, type LineCounter, type Node } from 'yaml';

/** The most values aliases may add to the document (counted as the values a copy would hold). */
export const MAX_ALIAS_EXPANSION = 1_000_000;

/** Why aliases make the document unacceptable, and the line of the alias at fault. */
export interface AliasProblem {
  message: string;
  line?: number;
}

class AliasError extends Error {
  constructor(
    message: string,
    readonly alias: Alias,
  ) {
    super(message);
  }
}

function name(alias: Alias): string {
  return `*${alias.source}`;
}

/**
 * Returns why the aliases of `doc` are unacceptable (a cycle, or more than MAX_ALIAS_EXPANSION
 * values added), with the line of the alias at fault, or undefined when they are fine.
 * Linear in the size of the document: each node's expanded size is computed once.
 */
export function checkAliases(doc: Document, lc: LineCounter): AliasProblem | undefined {
  const sizes = new Map<unknown, number>();
  const inProgress = new Set<unknown>();

  // The number of values `node` holds once every alias in it is expanded (map keys included: an
  // alias as a key is expanded into the key's text).
  const sizeOf = (node: unknown, via?: Alias): number => {
    if (node === null || node === undefined) return 0;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target === undefined ? 1 : sizeOf(target, node);
    }
    const known = sizes.get(node);
    if (known !== undefined) return known;
    // Only an alias leads back into a node being counted.
    if (inProgress.has(node) && via) throw new AliasError(`YAML alias ${name(via)} stands for a node that contains it: a cycle has no end`, via);
    inProgress.add(node);
    let size = 1;
    if (isMap(node)) for (const pair of node.items) size += sizeOf(pair.key) + sizeOf(pair.value);
    else if (isSeq(node)) for (const item of node.items) size += isPair(item) ? sizeOf(item.key) + sizeOf(item.value) : sizeOf(item);
    inProgress.delete(node);
    // Beyond the bound the exact number no longer matters, and must not overflow.
    size = Math.min(size, MAX_ALIAS_EXPANSION + 1);
    sizes.set(node, size);
    return size;
  };

  // Walk the document as written (not through aliases), adding each alias's expansion in order.
  let added = 0;
  const walk = (node: unknown): void => {
    if (isAlias(node)) {
      added += sizeOf(node);
      if (added > MAX_ALIAS_EXPANSION) {
        throw new AliasError(
          `YAML aliases add more than ${MAX_ALIAS_EXPANSION} values to the document by this alias (${name(node)}): ` +
            'a document that expands this much (a "billion laughs") is refused; write the values out or use fewer aliases of large anchors',
          node,
        );
      }
      return;
    }
    const pairs = isMap(node) ? node.items : isSeq(node) ? node.items : [];
    for (const item of pairs) {
      if (isPair(item)) {
        walk(item.key);
        walk(item.value);
      } else {
        walk(item);
      }
    }
  };

  try {
    walk(doc.contents);
    return undefined;
  } catch (err) {
    if (!(err instanceof AliasError)) throw err;
    const start = (err.alias as Node).range?.[0];
    return { message: err.message, line: start === undefined ? undefined : lc.linePos(start).line };
  }
}
