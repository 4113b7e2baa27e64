/** Plain-text tables in Markdown pipe syntax: readable on a terminal, pasteable into docs. */

/** Renders rows under a header, columns padded to their widest cell. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => pad(c ?? '', widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// Characters such as × and ≤ are one column wide; count code points, not UTF-16 units.
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}
