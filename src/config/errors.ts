import type { ConfigProblem } from './types';

/**
 * Problems printed in a ConfigError's message (which logs, --check-config and the /-/reload
 * answer show); the rest are counted. A 100 000-target config with a mistake in each would
 * otherwise make a log line of many megabytes.
 */
export const MAX_PRINTED_PROBLEMS = 20;

/** A printed problem line longer than this is cut (a key or value may be as long as the file). */
const MAX_PRINTED_LINE = 500;

/** Returns how a problem is printed: `  path (line N): message`, cut when very long. */
export function problemLine(p: ConfigProblem): string {
  const line = `  ${p.path || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`;
  return line.length > MAX_PRINTED_LINE ? `${line.slice(0, MAX_PRINTED_LINE - 1)}…` : line;
}

/** Thrown by loadConfig when the file cannot be read or holds mistakes; carries every problem found. */
export class ConfigError extends Error {
  /** The problems, in file order; when `more` > 0, only the first ones. */
  readonly problems: ConfigProblem[];
  /** Problems found beyond `problems` (not carried, e.g. across a thread). */
  readonly more: number;

  constructor(file: string, problems: ConfigProblem[], opts: { more?: number } = {}) {
    const more = opts.more ?? 0;
    const unprinted = Math.max(0, problems.length - MAX_PRINTED_PROBLEMS) + more;
    super(
      `invalid config ${file}:\n` +
        problems.slice(0, MAX_PRINTED_PROBLEMS).map(problemLine).join('\n') +
        (unprinted > 0 ? `\n  ... and ${unprinted} more problem${unprinted === 1 ? '' : 's'}` : ''),
    );
    this.name = 'ConfigError';
    this.problems = problems;
    this.more = more;
  }
}
