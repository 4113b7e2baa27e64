/**
 * Turning data into HTML text: every value that comes from the config or the upstream (app codes,
 * process types, reasons, error messages) goes through `text` or `attr`, never into markup as is.
 */

/** `value` escaped for HTML text and for double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** Shown in full up to this many characters; longer values are cut and given whole in a tooltip. */
export const MAX_SHOWN_CHARS = 120;

/**
 * `value` as HTML text; longer than MAX_SHOWN_CHARS, cut with an ellipsis inside a span whose
 * title holds the whole value (a 10 KB process type must not stretch the table).
 */
export function text(value: string): string {
  if (value.length <= MAX_SHOWN_CHARS) return escapeHtml(value);
  return `<span title="${escapeHtml(value)}">${escapeHtml(value.slice(0, MAX_SHOWN_CHARS))}…</span>`;
}

/** `name="value"` with the value escaped. */
export function attr(name: string, value: string): string {
  return `${name}="${escapeHtml(value)}"`;
}
