/**
 * A small Dockerfile reader for the packaging tests: enough of the syntax to check the image's
 * rules and to replay its runtime stage outside Docker. Not a general parser: no heredocs, no
 * custom escape directive.
 */

/** One instruction, its continuation lines joined and comment lines dropped. */
export interface Instruction {
  /** Upper-case keyword, e.g. `COPY`. */
  keyword: string;
  /** Everything after the keyword and its `--flag=value` options. */
  args: string;
  /** `--name=value` options before the arguments (`--from`, `--chown`, `--interval`, ...). */
  flags: Record<string, string>;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  /** `AS` name, lower-cased; undefined when the stage has none. */
  name?: string;
  /** Image of the FROM line. */
  base: string;
  index: number;
  /** The FROM instruction first, then the stage's instructions. */
  instructions: Instruction[];
}

/** Returns the instructions of a Dockerfile in order, with continuation lines joined. */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let buf: string | null = null;
  let startLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const trimmed = raw.trim();
    // Comment lines (also the `# syntax=` directive) are dropped, inside continuations too.
    if (trimmed.startsWith('#')) continue;
    // Empty lines end nothing: inside a continuation Docker skips them too.
    if (trimmed === '') continue;
    if (buf === null) {
      buf = '';
      startLine = i + 1;
    }
    if (trimmed.endsWith('\\')) {
      buf += trimmed.slice(0, -1).trimEnd() + ' ';
      continue;
    }
    buf += trimmed;
    out.push(toInstruction(buf, startLine));
    buf = null;
  }
  // Like Docker, a continuation at the end of the file just ends the instruction.
  if (buf !== null) out.push(toInstruction(buf, startLine));
  return out;
}

function toInstruction(source: string, line: number): Instruction {
  const m = /^(\S+)\s*(.*)$/.exec(source.trim());
  if (!m) throw new Error(`line ${line}: not an instruction: ${source}`);
  const keyword = m[1].toUpperCase();
  let rest = m[2];
  const flags: Record<string, string> = {};
  for (;;) {
    const flag = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!flag) break;
    flags[flag[1]] = flag[2] ?? 'true';
    rest = rest.slice(flag[0].length);
  }
  return { keyword, args: rest.trim(), flags, line };
}

/** Splits the instructions into build stages. */
export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ base: m[1], name: m[2]?.toLowerCase(), index: stages.length, instructions: [ins] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** The JSON (exec form) argument list of an instruction, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not a JSON array of strings: ${args}`);
  }
  return parsed as string[];
}

/** Splits a shell-form argument list on whitespace (no quoting: keep COPY and RUN lines simple). */
export function words(args: string): string[] {
  return args.split(/\s+/).filter((w) => w !== '');
}

/** COPY/ADD sources and destination (exec or shell form). */
export function copyArgs(ins: Instruction): { sources: string[]; dest: string } {
  const list = execForm(ins.args) ?? words(ins.args);
  if (list.length < 2) throw new Error(`line ${ins.line}: ${ins.keyword} needs a source and a destination`);
  return { sources: list.slice(0, -1), dest: list[list.length - 1] };
}

/** The last value an instruction of the stage sets, e.g. the effective USER or WORKDIR. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return [...stage.instructions].reverse().find((i) => i.keyword === keyword);
}

/** All instructions of a keyword in a stage. */
export function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** `KEY=value` pairs of ENV, ARG or LABEL instructions (quoted values unquoted). */
export function keyValues(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g;
  for (let m = re.exec(args); m; m = re.exec(args)) {
    const value = m[2] ?? '';
    out[m[1]] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return out;
}
