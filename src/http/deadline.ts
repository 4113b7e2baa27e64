/** The scrape deadline, from Prometheus's X-Prometheus-Scrape-Timeout-Seconds header. */

/** Used when the header is absent or unreadable (e.g. curl). */
export const DEFAULT_SCRAPE_TIMEOUT_SECONDS = 10;
/** Kept back from the scraper's timeout so the answer still arrives in time (as blackbox_exporter does). */
export const DEADLINE_MARGIN_SECONDS = 0.5;

/**
 * Epoch ms by which a scrape must answer: the header's timeout less a margin (never less than
 * 10% of it), counted from `now`.
 */
export function scrapeDeadline(header: string | undefined, now = Date.now()): number {
  const parsed = header === undefined ? NaN : Number(header);
  const timeout = Number.isFinite(parsed) && parsed > 0 ? parsed : DEFAULT_SCRAPE_TIMEOUT_SECONDS;
  const margin = Math.min(DEADLINE_MARGIN_SECONDS, timeout * 0.1);
  return now + (timeout - margin) * 1000;
}
