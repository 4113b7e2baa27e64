/** A small parser of Prometheus text format 0.0.4 for assertions. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  samples: Sample[];
  help: Map<string, string>;
  type: Map<string, string>;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0 || text[eq + 1] !== '"') throw new Error(`bad labels in line: ${line}`);
    const name = text.slice(i, eq);
    let j = eq + 2;
    let value = '';
    while (text[j] !== '"') {
      if (j >= text.length) throw new Error(`unterminated label value in line: ${line}`);
      if (text[j] === '\\') {
        const n = text[j + 1];
        value += n === 'n' ? '\n' : n;
        j += 2;
      } else {
        value += text[j];
        j += 1;
      }
    }
    if (name in labels) throw new Error(`duplicate label ${name} in line: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
  }
  return labels;
}

/** Parses exposition text; throws on a malformed line. */
export function parseExposition(text: string): ParsedExposition {
  const out: ParsedExposition = { samples: [], help: new Map(), type: new Map() };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      out.help.set(rest.slice(0, sp), rest.slice(sp + 1));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      out.type.set(name, type);
      continue;
    }
    if (line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    if (brace >= 0 && brace < line.indexOf(' ')) {
      name = line.slice(0, brace);
      const close = line.lastIndexOf('}');
      labels = parseLabels(line.slice(brace + 1, close), line);
      rest = line.slice(close + 1).trim();
    } else {
      const sp = line.indexOf(' ');
      name = line.slice(0, sp);
      rest = line.slice(sp + 1).trim();
    }
    const valueText = rest.split(' ')[0];
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText.toLowerCase() !== 'nan') throw new Error(`bad value in line: ${line}`);
    out.samples.push({ name, labels, value });
  }
  return out;
}

/** The samples of one metric whose labels include `match`. */
export function find(parsed: ParsedExposition, name: string, match: Record<string, string> = {}): Sample[] {
  return parsed.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The value of exactly one matching sample; throws when there are none or several. */
export function value(parsed: ParsedExposition, name: string, match: Record<string, string> = {}): number {
  const found = find(parsed, name, match);
  if (found.length !== 1) {
    throw new Error(`expected one ${name}${JSON.stringify(match)}, found ${found.length}`);
  }
  return found[0].value;
}

/**
 * Family → its HELP/TYPE lines and its sample lines, sorted; families without samples left out.
 * For comparing two renderers that order series differently (prom-client and the fast path).
 */
export function familiesOf(text: string): Map<string, { header: string[]; lines: string[] }> {
  const fams = new Map<string, { header: string[]; lines: string[] }>();
  let current = '';
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (line.startsWith('# ')) {
      current = line.split(' ')[2];
      if (!fams.has(current)) fams.set(current, { header: [], lines: [] });
      fams.get(current)!.header.push(line);
    } else fams.get(current)!.lines.push(line);
  }
  for (const [name, f] of fams) {
    if (f.lines.length === 0) fams.delete(name);
    f.lines.sort();
  }
  return fams;
}
