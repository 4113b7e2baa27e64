/**
 * Prometheus text format 0.0.4 building blocks, byte-compatible with prom-client's own output
 * (the fast path's tests compare the two).
 */
import type { Family } from './families';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  // The common case has nothing to escape; skip the three regex passes for it.
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Longest label value taken from free text the platform sends (termination reasons). */
export const MAX_FREE_TEXT_LABEL = 128;

/** Cuts a free-text label value to `max` UTF-16 units, never inside a surrogate pair. */
export function capLabelValue(value: string, max = MAX_FREE_TEXT_LABEL): string {
  if (value.length <= max) return value;
  const code = value.charCodeAt(max - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Formats a sample value the way prom-client does. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `a="x",b="y"` for the given pairs, values escaped; "" for none. */
export function formatLabelPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = '';
  for (const [name, value] of pairs) {
    out += `${out ? ',' : ''}${name}="${escapeLabelValue(value)}"`;
  }
  return out;
}

/** The `# HELP` and `# TYPE` lines of a family, each ending in a line feed. */
export function familyHeader(family: Family): string {
  return `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
}

/** One sample line with its line feed; `labels` is already formatted (see formatLabelPairs). */
export function sampleLine(name: string, labels: string, value: number): string {
  return `${name}{${labels}} ${formatValue(value)}\n`;
}
