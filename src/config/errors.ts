import type { ConfigProblem } from './types';

/** Thrown by loadConfig when the file cannot be read or holds mistakes; carries every problem found. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[]) {
    super(
      `invalid config ${file}:\n` +
        problems.map((p) => `  ${p.path || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
