/**
 * A well-formedness checker for Go text/template markup (Helm templates), written for the
 * packaging tests because no helm binary is available: balanced `{{ }}` delimiters, terminated
 * strings and comments, balanced parentheses, and balanced if/range/with/define/block ... end
 * blocks with else only where Go accepts it. It does not evaluate anything.
 */

export interface Action {
  /** The text between the delimiters and trim markers, trimmed. */
  body: string;
  /** 1-based line of the opening `{{`. */
  line: number;
  comment: boolean;
}

export interface TemplateProblem {
  line: number;
  message: string;
}

const lineAt = (src: string, index: number): number => src.slice(0, index).split('\n').length;

/** Splits a template into its actions, reporting delimiter, string and comment errors. */
export function lexActions(src: string): { actions: Action[]; problems: TemplateProblem[] } {
  const actions: Action[] = [];
  const problems: TemplateProblem[] = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    const text = src.slice(pos, open < 0 ? src.length : open);
    const stray = text.indexOf('}}');
    if (stray >= 0) problems.push({ line: lineAt(src, pos + stray), message: '"}}" without an opening "{{"' });
    if (open < 0) break;
    const line = lineAt(src, open);
    let i = open + 2;
    // `{{- ` trims the text before; the marker needs the space (`{{-3}}` is the number -3).
    if (src[i] === '-' && /\s/.test(src[i + 1] ?? '')) i += 2;
    const afterOpen = i;
    // Go only reads a comment when "/*" follows "{{" or "{{- " directly, and only when "*/"
    // is followed directly by "}}" or by " -}}".
    if (src.startsWith('/*', i)) {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) {
        problems.push({ line, message: 'unclosed comment' });
        break;
      }
      const tail = /^(?:\}\}|\s-\}\})/.exec(src.slice(close + 2));
      if (!tail) {
        problems.push({ line, message: 'comment ends without a closing "}}" right after "*/"' });
        pos = close + 2;
        continue;
      }
      actions.push({ body: src.slice(i + 2, close).trim(), line, comment: true });
      pos = close + 2 + tail[0].length;
      continue;
    }
    if (/^\s+\/\*/.test(src.slice(i))) {
      problems.push({ line, message: 'a comment must start right after "{{" or "{{- "' });
    }
    // Scan the action up to its `}}`, outside of string, raw string and character literals.
    let depth = 0;
    let end = -1;
    let broken = false;
    for (let j = afterOpen; j < src.length; j++) {
      const c = src[j];
      if (c === '"' || c === "'") {
        let k = j + 1;
        while (k < src.length && src[k] !== c && src[k] !== '\n') k += src[k] === '\\' ? 2 : 1;
        if (src[k] !== c) {
          problems.push({ line: lineAt(src, j), message: `unterminated ${c === '"' ? 'string' : 'character constant'}` });
          broken = true;
          break;
        }
        j = k;
      } else if (c === '`') {
        const k = src.indexOf('`', j + 1);
        if (k < 0) {
          problems.push({ line: lineAt(src, j), message: 'unterminated raw string' });
          broken = true;
          break;
        }
        j = k;
      } else if (c === '(') {
        depth++;
      } else if (c === ')') {
        depth--;
        if (depth < 0) {
          problems.push({ line: lineAt(src, j), message: 'unexpected ")"' });
          broken = true;
          break;
        }
      } else if (src.startsWith('{{', j)) {
        problems.push({ line: lineAt(src, j), message: `"{{" inside the action opened on line ${line}` });
        broken = true;
        break;
      } else if (src.startsWith('}}', j)) {
        end = j;
        break;
      }
    }
    if (broken) {
      // Resynchronise after the next `}}` so one mistake is reported once.
      const next = src.indexOf('}}', open + 2);
      pos = next < 0 ? src.length : next + 2;
      continue;
    }
    if (end < 0) {
      problems.push({ line, message: 'unclosed action: "{{" without "}}"' });
      break;
    }
    if (depth > 0) problems.push({ line, message: 'unclosed "(" in action' });
    let body = src.slice(afterOpen, end);
    // ` -}}` trims the text after; the marker needs the space before it.
    if (/\s-$/.test(body)) body = body.slice(0, -1);
    body = body.trim();
    if (body === '') problems.push({ line, message: 'empty action: missing value for command' });
    actions.push({ body, line, comment: false });
    pos = end + 2;
  }
  return { actions, problems };
}

interface OpenBlock {
  keyword: string;
  line: number;
  sawElse: boolean;
}

const OPENERS = new Set(['if', 'range', 'with', 'define', 'block']);

/** Checks a template; returns every problem found (empty when well-formed). */
export function checkTemplate(src: string): TemplateProblem[] {
  const { actions, problems } = lexActions(src);
  const stack: OpenBlock[] = [];
  for (const a of actions) {
    if (a.comment) continue;
    const words = a.body.split(/\s+/);
    const keyword = words[0];
    if (OPENERS.has(keyword)) {
      if (words.length < 2) problems.push({ line: a.line, message: `{{ ${keyword} }} without an argument` });
      if (keyword === 'define' && stack.length > 0) {
        problems.push({ line: a.line, message: `define inside {{ ${stack[stack.length - 1].keyword} }} of line ${stack[stack.length - 1].line}` });
      }
      stack.push({ keyword, line: a.line, sawElse: false });
    } else if (keyword === 'else') {
      const top = stack[stack.length - 1];
      const chained = words[1] === 'if' || words[1] === 'with';
      if (!top || !['if', 'range', 'with'].includes(top.keyword)) {
        problems.push({ line: a.line, message: `{{ else }} outside if/range/with${top ? ` (inside ${top.keyword})` : ''}` });
      } else if (top.sawElse) {
        problems.push({ line: a.line, message: `{{ ${a.body} }} after the final {{ else }} of the ${top.keyword} of line ${top.line}` });
      } else if (words[1] === 'with') {
        problems.push({ line: a.line, message: '{{ else with }} needs Go 1.23 (Helm 3.17+): nest a with in the else instead' });
      } else if (!chained) {
        if (words.length > 1) problems.push({ line: a.line, message: `unexpected "${words.slice(1).join(' ')}" after else` });
        top.sawElse = true;
      } else if (words.length < 3) {
        problems.push({ line: a.line, message: `{{ else ${words[1]} }} without an argument` });
      }
    } else if (keyword === 'end') {
      if (words.length > 1) problems.push({ line: a.line, message: `unexpected "${words.slice(1).join(' ')}" after end` });
      if (!stack.pop()) problems.push({ line: a.line, message: '{{ end }} without an open block' });
    } else if (keyword === 'break' || keyword === 'continue') {
      if (!stack.some((b) => b.keyword === 'range')) problems.push({ line: a.line, message: `{{ ${keyword} }} outside range` });
    }
  }
  for (const open of stack) {
    problems.push({ line: open.line, message: `{{ ${open.keyword} }} of line ${open.line} has no {{ end }}` });
  }
  return problems.sort((x, y) => x.line - y.line);
}

/** Names a template defines with `define` or `block`. */
export function definedNames(src: string): string[] {
  return lexActions(src)
    .actions.filter((a) => !a.comment)
    .map((a) => /^(?:define|block)\s+"([^"]+)"/.exec(a.body)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** Names a template calls with `include` or `template`. */
export function usedNames(src: string): string[] {
  const names: string[] = [];
  for (const a of lexActions(src).actions) {
    if (a.comment) continue;
    for (const m of a.body.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)) names.push(m[1]);
  }
  return names;
}

/** The non-comment actions of a template. */
export function actions(src: string): Action[] {
  return lexActions(src).actions.filter((a) => !a.comment);
}
