/** YAML paths: the address of a value inside the config, printed as `targets[0].environments[1]`. */

/** A path as a list of map keys and list indexes; `[]` is the root. */
export type Path = ReadonlyArray<string | number>;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Returns the printed form of a path: `upstream.auth.bk_app_secret`, `targets[0].environments[1]`,
 * `targets[0].labels["a.b"]` for keys that are not identifiers, and "" for the root.
 */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** True when `value` is a YAML mapping turned into a plain object (not null, not a list). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the value at `path` inside a parsed document, or undefined when any step is missing. */
export function getAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = cur[seg];
    }
  }
  return cur;
}

/** True when `path` equals `prefix` or lies below it. */
export function isUnder(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}

/** A problem found before line numbers are attached: its path and a message. */
export interface PathProblem {
  path: Path;
  message: string;
}

/** Sets an own enumerable property, even one named `__proto__` (a YAML key is just text). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
