/**
 * .dockerignore matching as Docker does it: patterns in order, the last one that matches wins,
 * `!` re-includes, and a pattern that matches a folder matches everything under it.
 */

export interface IgnoreRule {
  negate: boolean;
  pattern: string;
  regex: RegExp;
}

/** Converts one pattern (`*`, `?`, `**`, character classes) to an anchored regular expression. */
export function patternToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` matches everything.
        if (pattern[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`unclosed [ in ${pattern}`);
      re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^') + ']';
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += '\\' + pattern[++i];
    } else {
      re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
    }
  }
  return new RegExp('^' + re + '$');
}

/** Reads a .dockerignore file into rules. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    const pattern = line.replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.\//, '');
    rules.push({ negate, pattern, regex: patternToRegex(pattern) });
  }
  return rules;
}

/** Whether a path (relative to the build context, `/`-separated) stays out of the context. */
export function isIgnored(rules: IgnoreRule[], relPath: string): boolean {
  const parts = relPath.replace(/^\.\//, '').split('/').filter((p) => p !== '');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negate;
  }
  return ignored;
}
