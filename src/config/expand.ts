/**
 * `${VAR}` expansion in the string values of a parsed config, before validation.
 * `$$` is a literal `$`; a `$` followed by anything else is kept as written.
 */

import { isPlainObject, setOwn, type Path, type PathProblem } from './paths';
import { isSecretPath, isSensitivePath } from './secrets';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The result of expanding one string: the value, and a message per problem (empty when none). */
export interface ExpandedString {
  value: string;
  problems: string[];
}

/**
 * Expands `${VAR}` references in `s` from `env` and returns the result with its problems: a missing
 * variable, a malformed reference, or (when `secret`) a variable that is set but empty.
 * Messages name variables but never repeat the value of `s` when `sensitive`.
 */
export function expandString(
  s: string,
  env: NodeJS.ProcessEnv,
  opts: { secret?: boolean; sensitive?: boolean } = {},
): ExpandedString {
  const problems: string[] = [];
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      i++;
      continue;
    }
    const close = s.indexOf('}', i + 2);
    const name = close < 0 ? undefined : s.slice(i + 2, close);
    if (name === undefined || !VAR_NAME.test(name)) {
      const shown = opts.sensitive
        ? `at character ${i + 1}`
        : JSON.stringify(close < 0 ? s.slice(i) : s.slice(i, close + 1));
      problems.push(
        `invalid variable reference ${shown}: expected \${NAME} with NAME made of letters, digits and "_" ` +
          '(not starting with a digit); write "$$" for a literal "$"',
      );
      out += close < 0 ? s.slice(i) : s.slice(i, close + 1);
      i = close < 0 ? s.length : close + 1;
      continue;
    }
    const value = env[name];
    if (value === undefined) {
      problems.push(`environment variable ${name} is not set`);
    } else if (value === '' && opts.secret) {
      problems.push(`environment variable ${name} is set but empty; a secret must not be empty`);
    }
    out += value ?? '';
    i = close + 1;
  }
  return { value: out, problems };
}

/**
 * Returns a copy of the parsed config with `${VAR}` expanded in every string value (map keys are
 * left alone), and the problems found, each with the YAML path of its value.
 */
export function expandEnv(root: unknown, env: NodeJS.ProcessEnv): { value: unknown; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  const walk = (value: unknown, path: Path): unknown => {
    if (typeof value === 'string') {
      const r = expandString(value, env, { secret: isSecretPath(path), sensitive: isSensitivePath(path) });
      for (const message of r.problems) problems.push({ path, message });
      // Keep the text as written when it cannot be expanded: later checks on it are suppressed.
      return r.problems.length > 0 ? value : r.value;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) setOwn(out, k, walk(v, [...path, k]));
      return out;
    }
    return value;
  };
  return { value: walk(root, []), problems };
}
